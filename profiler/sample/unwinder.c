// SPDX-License-Identifier: MIT
/*
 * unwinder.c - tables per file into BPF maps, ranges per process.
 */
#include "sample/unwinder.h"
#include "common/array.h"
#include "common/clock.h"
#include "unwind/unwind_table.h"

#include <bpf/bpf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <elf.h>

#define MAX_FILES 4096          /* distinct files with a table (or a failure) */
#define MAX_PROCS 65536         /* processes tracked for reload pacing */
/* A process is reloaded at once on its first misses (ld.so mapping the
 * libraries right after exec), then at most every 100 ms (a JIT's
 * anonymous code misses forever). */
#define RELOAD_GAP_NS 100000000ULL
#define RELOADS_AT_ONCE 8
#define UPLOAD_CHUNK 65536

struct ufile {
	uint64_t dev, ino; /* dev == ino == 0: the vDSO */
	uint32_t table_id; /* 0: not loaded */
	uint32_t offset, count;
	uint64_t last_used;
	int failed;        /* no usable CFI: never retried */
	uint8_t build_id[UNWIND_BUILD_ID_MAX];
	int build_id_len;  /* 0: none; files with one build-id share one table */
	struct unwind_segment segs[UNWIND_MAX_SEGMENTS];
	int nsegs;
};

struct uproc {
	uint32_t pid;
	bool pending;
	uint32_t loads;
	uint64_t last_load_ns;
};

struct unwinder {
	struct collector_unwind_maps maps;
	struct ufile *files;
	size_t nfiles, files_cap;
	struct uproc *procs;
	size_t nprocs, procs_cap;
	uint64_t tick;
	uint32_t next_table_id;
	struct unwinder_stats stats;
};

int unwinder__new(const struct collector_unwind_maps *maps, struct unwinder **out)
{
	struct unwinder *u = calloc(1, sizeof(*u));

	*out = NULL;
	if (!u)
		return -ENOMEM;
	u->maps = *maps;
	u->next_table_id = 1;
	u->stats.rows_capacity = maps->rows_capacity;
	*out = u;
	return 0;
}

void unwinder__free(struct unwinder *u)
{
	if (!u)
		return;
	free(u->files);
	free(u->procs);
	free(u);
}

static struct uproc *find_proc(struct unwinder *u, uint32_t pid, bool create)
{
	for (size_t i = 0; i < u->nprocs; i++)
		if (u->procs[i].pid == pid)
			return &u->procs[i];
	if (!create || u->nprocs >= MAX_PROCS)
		return NULL;
	if (array__grow((void **)&u->procs, &u->procs_cap, u->nprocs + 1, sizeof(*u->procs)))
		return NULL;
	u->procs[u->nprocs] = (struct uproc){.pid = pid};
	return &u->procs[u->nprocs++];
}

static int offset_cmp(const void *a, const void *b)
{
	const struct ufile *x = *(struct ufile *const *)a, *y = *(struct ufile *const *)b;

	return (x->offset > y->offset) - (x->offset < y->offset);
}

/* First fit among the loaded tables. 0 and *off, or -ENOSPC. */
static int find_space(struct unwinder *u, uint32_t n, uint32_t *off)
{
	struct ufile **loaded = malloc((u->nfiles + 1) * sizeof(*loaded));
	size_t k = 0;
	uint64_t pos = 0;
	int ret = -ENOSPC;

	if (!loaded)
		return -ENOMEM;
	for (size_t i = 0; i < u->nfiles; i++)
		if (u->files[i].table_id)
			loaded[k++] = &u->files[i];
	qsort(loaded, k, sizeof(*loaded), offset_cmp);
	for (size_t i = 0; i <= k; i++) {
		uint64_t next = i < k ? loaded[i]->offset : u->maps.rows_capacity;

		if (next >= pos && next - pos >= n) {
			*off = (uint32_t)pos;
			ret = 0;
			break;
		}
		if (i < k)
			pos = (uint64_t)loaded[i]->offset + loaded[i]->count;
	}
	free(loaded);
	return ret;
}

/* Drop a table, and every file sharing it. */
static void unload(struct unwinder *u, uint32_t table_id, uint32_t count)
{
	bpf_map_delete_elem(u->maps.tables_fd, &table_id);
	for (size_t i = 0; i < u->nfiles; i++)
		if (u->files[i].table_id == table_id)
			u->files[i].table_id = 0;
	u->stats.rows_used -= count;
	u->stats.files--;
	u->stats.evictions++;
}

/* When a table was last used: by any of the files sharing it. */
static uint64_t table_last_used(const struct unwinder *u, uint32_t table_id)
{
	uint64_t last = 0;

	for (size_t i = 0; i < u->nfiles; i++)
		if (u->files[i].table_id == table_id && u->files[i].last_used > last)
			last = u->files[i].last_used;
	return last;
}

/* Evict the least recently used table not needed right now. */
static bool evict_one(struct unwinder *u)
{
	uint32_t lru_id = 0, lru_count = 0;
	uint64_t lru_used = 0;

	for (size_t i = 0; i < u->nfiles; i++) {
		const struct ufile *f = &u->files[i];
		uint64_t used;

		if (!f->table_id)
			continue;
		used = table_last_used(u, f->table_id);
		if (used != u->tick && (!lru_id || used < lru_used)) {
			lru_id = f->table_id;
			lru_count = f->count;
			lru_used = used;
		}
	}
	if (!lru_id)
		return false;
	unload(u, lru_id, lru_count);
	return true;
}

/* Copy rows into the mmapable rows array through a mapping of just the
 * pages they land on (unmapped right after: the rows are not our RSS). */
static int upload_mmap(struct unwinder *u, uint32_t off, const struct unwind_table *t)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), row = sizeof(t->rows[0]);
	uint64_t begin = (uint64_t)off * row, end = begin + (uint64_t)t->nrows * row;
	uint64_t first = begin & ~(uint64_t)(page - 1);
	size_t len = (size_t)(((end - first) + page - 1) & ~(uint64_t)(page - 1));
	void *p;

	if (!t->nrows)
		return 0;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, u->maps.rows_fd, (off_t)first);
	if (p == MAP_FAILED)
		return -errno;
	memcpy((char *)p + (begin - first), t->rows, (size_t)t->nrows * row);
	munmap(p, len);
	return 0;
}

static int upload(struct unwinder *u, struct ufile *f, const struct unwind_table *t)
{
	uint32_t *keys = NULL, off = 0, n = (uint32_t)t->nrows;
	struct unwind_table_ref ref;
	uint64_t start = clock__mono_ns();
	int ret;

	if (t->nrows > u->maps.rows_capacity)
		return -E2BIG;
	while ((ret = find_space(u, n, &off)) == -ENOSPC)
		if (!evict_one(u))
			return -ENOSPC;
	if (ret)
		return ret;
	if (!upload_mmap(u, off, t)) {
		ret = 0;
		goto publish;
	}
	keys = malloc((n < UPLOAD_CHUNK ? n : UPLOAD_CHUNK) * sizeof(*keys));
	if (!keys)
		return -ENOMEM;
	for (uint32_t done = 0; done < n;) {
		uint32_t chunk = n - done < UPLOAD_CHUNK ? n - done : UPLOAD_CHUNK, count = chunk;

		for (uint32_t i = 0; i < chunk; i++)
			keys[i] = off + done + i;
		if (bpf_map_update_batch(u->maps.rows_fd, keys, &t->rows[done], &count, NULL)) {
			/* kernels without batch ops on arrays: one by one */
			for (uint32_t i = 0; i < chunk; i++)
				if (bpf_map_update_elem(u->maps.rows_fd, &keys[i], &t->rows[done + i],
							BPF_ANY)) {
					ret = -errno;
					goto out;
				}
		}
		done += chunk;
	}
publish:
	ref.offset = off;
	ref.count = n;
	f->table_id = u->next_table_id++;
	if (bpf_map_update_elem(u->maps.tables_fd, &f->table_id, &ref, BPF_ANY)) {
		ret = -errno;
		f->table_id = 0;
		goto out;
	}
	f->offset = off;
	f->count = n;
	u->stats.rows_used += n;
	u->stats.files++;
out:
	u->stats.upload_ns += clock__mono_ns() - start;
	free(keys);
	return ret;
}

/* The vDSO is the same in every process: build it from our own copy. */
static int build_vdso(struct unwind_table **t)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)getauxval(AT_SYSINFO_EHDR);
	size_t size;

	if (!eh || memcmp(eh->e_ident, ELFMAG, SELFMAG))
		return -ENOENT;
	size = (size_t)eh->e_shoff + (size_t)eh->e_shnum * eh->e_shentsize;
	if (size > (1u << 20))
		return -EINVAL;
	return unwind_table__build_mem(eh, size, t, NULL, 0);
}

static struct ufile *get_file(struct unwinder *u, const struct proc_mapping *m)
{
	bool vdso = !m->file && !strcmp(m->path, "[vdso]");
	uint64_t dev = vdso ? 0 : m->file->dev, ino = vdso ? 0 : m->file->ino;
	struct unwind_table *t = NULL;
	struct ufile *f = NULL;
	uint64_t start;
	int ret;

	for (size_t i = 0; i < u->nfiles; i++)
		if (u->files[i].dev == dev && u->files[i].ino == ino) {
			f = &u->files[i];
			break;
		}
	if (f && (f->table_id || f->failed)) {
		f->last_used = u->tick;
		return f;
	}
	if (!f) {
		if (u->nfiles >= MAX_FILES)
			return NULL;
		if (array__grow((void **)&u->files, &u->files_cap, u->nfiles + 1,
				sizeof(*u->files)))
			return NULL;
		f = &u->files[u->nfiles++];
		memset(f, 0, sizeof(*f));
		f->dev = dev;
		f->ino = ino;
	}
	f->last_used = u->tick;
	if (!vdso && !f->build_id_len) {
		int n = unwind_table__build_id(m->file->fd, f->build_id, sizeof(f->build_id));

		f->build_id_len = n > 0 ? n : 0;
	}
	/* the same file under another inode (a copy, another container's
	 * image): share the table already loaded */
	for (size_t i = 0; f->build_id_len && i < u->nfiles; i++) {
		struct ufile *o = &u->files[i];

		if (o != f && o->table_id && o->build_id_len == f->build_id_len &&
		    !memcmp(o->build_id, f->build_id, (size_t)f->build_id_len)) {
			f->table_id = o->table_id;
			f->offset = o->offset;
			f->count = o->count;
			memcpy(f->segs, o->segs, sizeof(f->segs));
			f->nsegs = o->nsegs;
			o->last_used = u->tick;
			u->stats.shared_by_build_id++;
			return f;
		}
	}
	start = clock__mono_ns();
	ret = vdso ? build_vdso(&t) : unwind_table__build_fd(m->file->fd, &t, NULL, 0);
	u->stats.build_ns += clock__mono_ns() - start;
	if (ret) {
		f->failed = 1;
		u->stats.files_failed++;
		return f;
	}
	u->stats.tables_built++;
	memcpy(f->segs, t->segs, sizeof(f->segs));
	f->nsegs = t->nsegs;
	if (upload(u, f, t))
		u->stats.load_failures++; /* retried when a process needs it again */
	unwind_table__free(t); /* the rows live in the map now */
	return f;
}

static int bias_of(const struct ufile *f, uint64_t start, uint64_t pgoff, uint64_t *bias)
{
	struct unwind_table t = {0};

	memcpy(t.segs, f->segs, sizeof(t.segs));
	t.nsegs = f->nsegs;
	return unwind_table__bias(&t, start, pgoff, bias);
}

int unwinder__load_proc(struct unwinder *u, const struct proc *p)
{
	struct proc_unwind *pu = calloc(1, sizeof(*pu));
	struct uproc *up;
	int ret = 0;

	if (!pu)
		return -ENOMEM;
	u->tick++;
	for (size_t i = 0; i < p->nmaps; i++) {
		const struct proc_mapping *m = &p->maps[i];
		struct unwind_range *r;
		struct ufile *f;
		uint64_t bias;

		if ((!m->file || m->file->fd < 0) && strcmp(m->path, "[vdso]"))
			continue;
		f = get_file(u, m);
		if (!f || !f->table_id || bias_of(f, m->start, m->file ? m->pgoff : 0, &bias))
			continue;
		if (pu->nranges >= UNWIND_MAX_RANGES) {
			u->stats.ranges_dropped++;
			continue;
		}
		r = &pu->ranges[pu->nranges++];
		r->start = m->start;
		r->end = m->end;
		r->bias = bias;
		r->table_id = f->table_id;
	}
	if (pu->nranges) {
		if (bpf_map_update_elem(u->maps.procs_fd, &p->pid, pu, BPF_ANY)) {
			ret = -errno; /* the map is full: this process keeps frame pointers */
			u->stats.load_failures++;
		}
	} else {
		bpf_map_delete_elem(u->maps.procs_fd, &p->pid);
	}
	up = find_proc(u, p->pid, true);
	if (up) {
		if (!up->last_load_ns && !ret && pu->nranges)
			u->stats.procs++;
		up->last_load_ns = clock__mono_ns();
		up->pending = false;
		up->loads++;
	}
	free(pu);
	return ret;
}

bool unwinder__on_miss(struct unwinder *u, uint32_t pid)
{
	struct uproc *up = find_proc(u, pid, true);

	if (!up)
		return false;
	if (up->loads < RELOADS_AT_ONCE || clock__mono_ns() - up->last_load_ns >= RELOAD_GAP_NS)
		return true;
	up->pending = true;
	return false;
}

bool unwinder__has_pending(const struct unwinder *u)
{
	for (size_t i = 0; i < u->nprocs; i++)
		if (u->procs[i].pending)
			return true;
	return false;
}

size_t unwinder__take_pending(struct unwinder *u, uint32_t *pids, size_t max)
{
	uint64_t now = clock__mono_ns();
	size_t n = 0;

	for (size_t i = 0; i < u->nprocs && n < max; i++) {
		struct uproc *up = &u->procs[i];

		if (up->pending && now - up->last_load_ns >= RELOAD_GAP_NS) {
			up->pending = false;
			pids[n++] = up->pid;
		}
	}
	return n;
}

void unwinder__forget(struct unwinder *u, uint32_t pid)
{
	for (size_t i = 0; i < u->nprocs; i++) {
		if (u->procs[i].pid != pid)
			continue;
		if (u->procs[i].last_load_ns && u->stats.procs)
			u->stats.procs--;
		u->procs[i] = u->procs[--u->nprocs];
		break;
	}
	bpf_map_delete_elem(u->maps.procs_fd, &pid);
}

void unwinder__stats(const struct unwinder *u, struct unwinder_stats *st)
{
	*st = u->stats;
}
