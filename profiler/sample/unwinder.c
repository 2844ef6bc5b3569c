// SPDX-License-Identifier: MIT
/*
 * unwinder.c - tables per file into BPF maps, ranges per process.
 */
#include "sample/unwinder.h"
#include "common/array.h"
#include "common/clock.h"
#include "common/hmap.h"
#include "unwind/unwind_table.h"

#include <bpf/bpf.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <elf.h>

/* Tables loaded at once: the unwind_tables map's size (read at start).
 * File entries, failed ones included: twice that. Both are LRU by last use:
 * past the bound the least recently used entry goes, unless it was used by
 * the load in progress (then the new file is refused, and counted). */
#define FILES_PER_TABLE 2
#define MAX_PROCS 65536         /* processes tracked for reload pacing */
/* A process is reloaded at once on its first misses (ld.so mapping the
 * libraries right after exec), then at most every 100 ms (a JIT's
 * anonymous code misses forever). */
#define RELOAD_GAP_NS 100000000ULL
#define RELOADS_AT_ONCE 8
#define UPLOAD_CHUNK 65536
#define NIL UINT32_MAX

/* Doubly linked LRU list over the slots of an array, by index: head is
 * the most recently used. */
struct lru_link {
	uint32_t prev, next;
};

struct lru {
	uint32_t head, tail;
};

struct utable {
	uint32_t id;       /* key in unwind_tables; 0: free slot */
	uint32_t offset, count;
	uint32_t refs;     /* files bound to it */
	uint64_t last_used;
	struct lru_link lru;
	uint8_t build_id[UNWIND_BUILD_ID_MAX];
	int build_id_len;
	uid_t owner; /* of the file it was built from */
	struct unwind_segment segs[UNWIND_MAX_SEGMENTS]; /* of the file it was built from */
	int nsegs;
};

struct ufile {
	uint64_t dev, ino; /* dev == ino == 0: the vDSO */
	bool used;         /* slot in use */
	bool failed;       /* no usable CFI: not retried while cached */
	uint32_t table;    /* slot in tables, NIL: none */
	uint32_t table_id; /* valid while tables[table].id is this */
	uint64_t last_used;
	struct lru_link lru;
	uint8_t build_id[UNWIND_BUILD_ID_MAX];
	int build_id_len;  /* 0: none; files with one build-id share one table */
	uid_t owner;       /* of the file: whose tables it may share (bid_key) */
	struct unwind_segment segs[UNWIND_MAX_SEGMENTS];
	int nsegs;
};

struct uproc {
	uint32_t pid;
	bool used, pending, deferred;
	uint32_t loads;
	uint64_t last_load_ns;
};

struct unwinder {
	struct collector_unwind_maps maps;
	struct ufile *files;      /* slots, at most max_files */
	uint32_t max_files, nfiles, *free_files, nfree_files;
	size_t files_cap, free_files_cap;
	struct lru files_lru;
	struct hmap *file_index;  /* {dev, ino} -> slot */
	struct utable *tables;    /* slots, at most max_tables */
	uint32_t max_tables, ntables, *free_tables, nfree_tables;
	size_t tables_cap, free_tables_cap;
	struct lru tables_lru;
	struct hmap *build_ids;   /* build-id -> table slot */
	struct uproc *procs;
	size_t nprocs, procs_cap;
	uint32_t *free_procs;
	size_t nfree_procs, free_procs_cap;
	struct hmap *proc_index;  /* pid -> slot */
	uint32_t *pending;        /* pids whose (re)load waits, each once */
	size_t npending, pending_cap;
	uint64_t tick;
	uint32_t next_table_id;
	struct unwinder_stats stats;
};

static struct lru_link *link_of(void *base, size_t size, size_t member, uint32_t i)
{
	return (struct lru_link *)((char *)base + (size_t)i * size + member);
}

static void lru_unlink(struct lru *l, void *base, size_t size, size_t member, uint32_t i)
{
	struct lru_link *k = link_of(base, size, member, i);

	if (k->prev != NIL)
		link_of(base, size, member, k->prev)->next = k->next;
	else
		l->head = k->next;
	if (k->next != NIL)
		link_of(base, size, member, k->next)->prev = k->prev;
	else
		l->tail = k->prev;
	k->prev = k->next = NIL;
}

static void lru_push_head(struct lru *l, void *base, size_t size, size_t member, uint32_t i)
{
	struct lru_link *k = link_of(base, size, member, i);

	k->prev = NIL;
	k->next = l->head;
	if (l->head != NIL)
		link_of(base, size, member, l->head)->prev = i;
	l->head = i;
	if (l->tail == NIL)
		l->tail = i;
}

#define FILE_LRU(u) &(u)->files_lru, (u)->files, sizeof(struct ufile), offsetof(struct ufile, lru)
#define TABLE_LRU(u) &(u)->tables_lru, (u)->tables, sizeof(struct utable), offsetof(struct utable, lru)

static void touch_table(struct unwinder *u, uint32_t t)
{
	u->tables[t].last_used = u->tick;
	lru_unlink(TABLE_LRU(u), t);
	lru_push_head(TABLE_LRU(u), t);
}

static void touch_file(struct unwinder *u, uint32_t i)
{
	u->files[i].last_used = u->tick;
	lru_unlink(FILE_LRU(u), i);
	lru_push_head(FILE_LRU(u), i);
}

/* The table slot f is bound to, or NIL when it has none (any more). */
static uint32_t file_table(const struct unwinder *u, const struct ufile *f)
{
	if (f->table == NIL || u->tables[f->table].id != f->table_id)
		return NIL;
	return f->table;
}

static uint32_t max_entries_of(int fd, uint32_t dflt)
{
	struct bpf_map_info info;
	uint32_t len = sizeof(info);

	memset(&info, 0, sizeof(info));
	if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len) || !info.max_entries)
		return dflt;
	return info.max_entries;
}

int unwinder__new(const struct collector_unwind_maps *maps, struct unwinder **out)
{
	struct unwinder *u = calloc(1, sizeof(*u));

	*out = NULL;
	if (!u)
		return -ENOMEM;
	u->maps = *maps;
	u->next_table_id = 1;
	u->stats.rows_capacity = maps->rows_capacity;
	u->max_tables = max_entries_of(maps->tables_fd, 8192);
	u->max_files = u->max_tables * FILES_PER_TABLE;
	u->files_lru.head = u->files_lru.tail = NIL;
	u->tables_lru.head = u->tables_lru.tail = NIL;
	u->file_index = hmap__new();
	u->build_ids = hmap__new();
	u->proc_index = hmap__new();
	if (!u->file_index || !u->build_ids || !u->proc_index) {
		unwinder__free(u);
		return -ENOMEM;
	}
	*out = u;
	return 0;
}

void unwinder__free(struct unwinder *u)
{
	if (!u)
		return;
	hmap__free(u->file_index);
	hmap__free(u->build_ids);
	hmap__free(u->proc_index);
	free(u->files);
	free(u->free_files);
	free(u->tables);
	free(u->free_tables);
	free(u->procs);
	free(u->free_procs);
	free(u->pending);
	free(u);
}

static struct uproc *find_proc(struct unwinder *u, uint32_t pid, bool create)
{
	uint64_t v;
	size_t i;

	if (hmap__get(u->proc_index, &pid, sizeof(pid), &v))
		return &u->procs[v];
	if (!create || u->nprocs - u->nfree_procs >= MAX_PROCS) {
		if (create)
			u->stats.procs_refused++;
		return NULL;
	}
	if (u->nfree_procs) {
		i = u->free_procs[--u->nfree_procs];
	} else {
		if (array__grow((void **)&u->procs, &u->procs_cap, u->nprocs + 1, sizeof(*u->procs)))
			return NULL;
		i = u->nprocs++;
	}
	if (hmap__put(u->proc_index, &pid, sizeof(pid), i, NULL, NULL) < 0) {
		u->procs[i].used = false;
		if (i + 1 == u->nprocs)
			u->nprocs--;
		else
			u->free_procs[u->nfree_procs++] = (uint32_t)i;
		return NULL;
	}
	u->procs[i] = (struct uproc){.pid = pid, .used = true};
	return &u->procs[i];
}

static void drop_proc(struct unwinder *u, struct uproc *up)
{
	size_t i = (size_t)(up - u->procs);

	hmap__del(u->proc_index, &up->pid, sizeof(up->pid));
	up->used = false;
	up->pending = false;
	if (array__grow((void **)&u->free_procs, &u->free_procs_cap, u->nfree_procs + 1,
			sizeof(*u->free_procs)) == 0)
		u->free_procs[u->nfree_procs++] = (uint32_t)i;
	/* else the slot is lost until the end: bounded by MAX_PROCS */
}

static void queue_pending(struct unwinder *u, struct uproc *up)
{
	if (up->pending)
		return;
	if (array__grow((void **)&u->pending, &u->pending_cap, u->npending + 1, sizeof(*u->pending)))
		return; /* the next miss asks again */
	u->pending[u->npending++] = up->pid;
	up->pending = true;
}

static int offset_cmp(const void *a, const void *b)
{
	const struct utable *x = *(struct utable *const *)a, *y = *(struct utable *const *)b;

	return (x->offset > y->offset) - (x->offset < y->offset);
}

/* First fit among the loaded tables. 0 and *off, or -ENOSPC. */
static int find_space(struct unwinder *u, uint32_t n, uint32_t *off)
{
	struct utable **loaded = malloc((u->ntables + 1) * sizeof(*loaded));
	size_t k = 0;
	uint64_t pos = 0;
	int ret = -ENOSPC;

	if (!loaded)
		return -ENOMEM;
	for (uint32_t i = 0; i < u->ntables; i++)
		if (u->tables[i].id)
			loaded[k++] = &u->tables[i];
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

/* The build_ids key of a table: its build-id and the owner of the file it
 * was built from. A build-id is only bytes in a file: a user's fake ELF with
 * libc's build-id must not lend its rules to everybody's libc, so a file
 * shares a table built from its own owner's file or from root's. */
static size_t bid_key(const uint8_t *bid, int len, uid_t owner, uint8_t *key)
{
	memcpy(key, bid, (size_t)len);
	memcpy(key + len, &owner, sizeof(owner));
	return (size_t)len + sizeof(owner);
}

/* Drop a table: the files bound to it see it gone (their table_id no
 * longer matches) and build it again when a process needs them. */
static void unload(struct unwinder *u, uint32_t t)
{
	struct utable *tb = &u->tables[t];
	uint8_t key[UNWIND_BUILD_ID_MAX + sizeof(uid_t)];
	size_t klen = bid_key(tb->build_id, tb->build_id_len, tb->owner, key);
	uint64_t v;

	bpf_map_delete_elem(u->maps.tables_fd, &tb->id);
	if (tb->build_id_len && hmap__get(u->build_ids, key, klen, &v) && v == t)
		hmap__del(u->build_ids, key, klen);
	lru_unlink(TABLE_LRU(u), t);
	u->stats.rows_used -= tb->count;
	u->stats.files--;
	tb->id = 0;
	tb->refs = 0;
	u->free_tables[u->nfree_tables++] = t;
}

/* Evict the least recently used table, unless the load in progress uses it. */
static bool evict_table(struct unwinder *u)
{
	uint32_t t = u->tables_lru.tail;

	if (t == NIL || u->tables[t].last_used == u->tick)
		return false;
	unload(u, t);
	u->stats.evictions++;
	return true;
}

/* Unbind f from its table, dropping the table with its last file. */
static void unbind(struct unwinder *u, struct ufile *f)
{
	uint32_t t = file_table(u, f);

	f->table = NIL;
	f->table_id = 0;
	if (t != NIL && --u->tables[t].refs == 0)
		unload(u, t);
}

static void drop_file(struct unwinder *u, uint32_t i)
{
	struct ufile *f = &u->files[i];
	uint64_t key[2] = {f->dev, f->ino};

	unbind(u, f);
	hmap__del(u->file_index, key, sizeof(key));
	lru_unlink(FILE_LRU(u), i);
	if (f->failed)
		u->stats.files_failed--;
	f->used = false;
	u->free_files[u->nfree_files++] = i;
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

/* A table slot for a new table: a free one, a new one, or the least
 * recently used table's. NIL when every table is in use by this load. */
static uint32_t table_slot(struct unwinder *u)
{
	if (!u->nfree_tables && u->ntables >= u->max_tables && !evict_table(u))
		return NIL;
	if (u->nfree_tables)
		return u->free_tables[--u->nfree_tables];
	if (array__grow((void **)&u->tables, &u->tables_cap, u->ntables + 1, sizeof(*u->tables)) ||
	    array__grow((void **)&u->free_tables, &u->free_tables_cap, u->ntables + 1,
			sizeof(*u->free_tables)))
		return NIL;
	u->tables[u->ntables] = (struct utable){.lru = {NIL, NIL}};
	return u->ntables++;
}

/* Rows of t into the rows map and a new table bound to f. 0 or -errno. */
static int upload(struct unwinder *u, uint32_t fi, const struct unwind_table *t)
{
	struct ufile *f = &u->files[fi];
	uint32_t *keys = NULL, off = 0, n = (uint32_t)t->nrows, slot;
	struct unwind_table_ref ref;
	struct utable *tb;
	uint64_t start = clock__mono_ns();
	int ret;

	if (t->nrows > u->maps.rows_capacity)
		return -E2BIG;
	slot = table_slot(u);
	if (slot == NIL)
		return -ENOSPC;
	while ((ret = find_space(u, n, &off)) == -ENOSPC)
		if (!evict_table(u))
			break;
	if (ret)
		goto free_slot;
	if (!upload_mmap(u, off, t))
		goto publish;
	keys = malloc((n < UPLOAD_CHUNK ? n : UPLOAD_CHUNK) * sizeof(*keys));
	if (!keys) {
		ret = -ENOMEM;
		goto free_slot;
	}
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
					goto free_slot;
				}
		}
		done += chunk;
	}
publish:
	tb = &u->tables[slot];
	ref.offset = off;
	ref.count = n;
	tb->id = u->next_table_id++;
	if (!u->next_table_id) /* ids are never reused: the BPF row cache keys on them */
		u->next_table_id = 1;
	if (bpf_map_update_elem(u->maps.tables_fd, &tb->id, &ref, BPF_ANY)) {
		ret = -errno;
		tb->id = 0;
		goto free_slot;
	}
	tb->offset = off;
	tb->count = n;
	tb->refs = 1;
	tb->build_id_len = f->build_id_len;
	memcpy(tb->build_id, f->build_id, sizeof(tb->build_id));
	tb->owner = f->owner;
	memcpy(tb->segs, f->segs, sizeof(tb->segs));
	tb->nsegs = f->nsegs;
	if (tb->build_id_len) {
		uint8_t key[UNWIND_BUILD_ID_MAX + sizeof(uid_t)];

		hmap__put(u->build_ids, key, bid_key(tb->build_id, tb->build_id_len, tb->owner, key),
			  slot, NULL, NULL);
	}
	lru_push_head(TABLE_LRU(u), slot);
	touch_table(u, slot);
	f->table = slot;
	f->table_id = tb->id;
	u->stats.rows_used += n;
	u->stats.files++;
	ret = 0;
	goto out;
free_slot:
	u->free_tables[u->nfree_tables++] = slot;
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

/* A file slot for a new file: a free one, a new one, or the least recently
 * used file's. NIL when every file is in use by this load. */
static uint32_t file_slot(struct unwinder *u)
{
	uint32_t i = u->files_lru.tail;

	if (!u->nfree_files && u->nfiles >= u->max_files) {
		if (i == NIL || u->files[i].last_used == u->tick)
			return NIL;
		drop_file(u, i);
		u->stats.file_evictions++;
	}
	if (u->nfree_files)
		return u->free_files[--u->nfree_files];
	if (array__grow((void **)&u->files, &u->files_cap, u->nfiles + 1, sizeof(*u->files)) ||
	    array__grow((void **)&u->free_files, &u->free_files_cap, u->nfiles + 1,
			sizeof(*u->free_files)))
		return NIL;
	return u->nfiles++;
}

/* A live table built from a file of owner with f's build-id: 1 and its slot
 * in *slot, or 0. */
static int shared_table(struct unwinder *u, const struct ufile *f, uid_t owner, uint64_t *slot)
{
	uint8_t key[UNWIND_BUILD_ID_MAX + sizeof(uid_t)];

	return hmap__get(u->build_ids, key, bid_key(f->build_id, f->build_id_len, owner, key),
			 slot) &&
	       u->tables[*slot].id;
}

/* The cached file of mapping m, building its table when allowed (*deferred
 * set when not). NULL when it is not cached and cannot be. */
static struct ufile *get_file(struct unwinder *u, const struct proc_mapping *m, bool build,
			      bool *deferred)
{
	bool vdso = !m->file && !strcmp(m->path, "[vdso]");
	uint64_t key[2] = {vdso ? 0 : m->file->dev, vdso ? 0 : m->file->ino}, v;
	struct unwind_table *t = NULL;
	struct ufile *f;
	uint32_t fi, t_slot;
	uint64_t start;
	int ret;

	if (hmap__get(u->file_index, key, sizeof(key), &v)) {
		fi = (uint32_t)v;
		f = &u->files[fi];
		touch_file(u, fi);
		if ((t_slot = file_table(u, f)) != NIL) {
			touch_table(u, t_slot);
			return f;
		}
		if (f->failed)
			return f;
	} else {
		if (!build) { /* never seen: not even its build-id is read now */
			*deferred = true;
			return NULL;
		}
		fi = file_slot(u);
		if (fi == NIL) {
			u->stats.files_refused++;
			return NULL;
		}
		if (hmap__put(u->file_index, key, sizeof(key), fi, NULL, NULL) < 0) {
			u->free_files[u->nfree_files++] = fi;
			return NULL;
		}
		f = &u->files[fi];
		*f = (struct ufile){.dev = key[0], .ino = key[1], .used = true, .table = NIL,
				    .lru = {NIL, NIL}};
		lru_push_head(FILE_LRU(u), fi);
		touch_file(u, fi);
		if (!vdso) {
			int n = unwind_table__build_id(m->file->fd, f->build_id, sizeof(f->build_id));

			f->build_id_len = n > 0 ? n : 0;
			f->owner = m->file->owner;
		}
	}
	/* the same file under another inode (a copy, another container's
	 * image): share the table already loaded, its owner's or root's */
	if (f->build_id_len && (shared_table(u, f, f->owner, &v) ||
				(f->owner != 0 && shared_table(u, f, 0, &v)))) {
		struct utable *tb = &u->tables[v];

		f->table = (uint32_t)v;
		f->table_id = tb->id;
		tb->refs++;
		memcpy(f->segs, tb->segs, sizeof(f->segs));
		f->nsegs = tb->nsegs;
		touch_table(u, (uint32_t)v);
		u->stats.shared_by_build_id++;
		return f;
	}
	if (!build) {
		*deferred = true;
		return NULL;
	}
	start = clock__mono_ns();
	ret = vdso ? build_vdso(&t) : unwind_table__build_fd(m->file->fd, &t, NULL, 0);
	u->stats.build_ns += clock__mono_ns() - start;
	if (ret) {
		f->failed = true;
		u->stats.files_failed++;
		return f;
	}
	u->stats.tables_built++;
	u->stats.go_funcs += t->stats.go_funcs;
	u->stats.go_bad_funcs += t->stats.go_bad_funcs;
	memcpy(f->segs, t->segs, sizeof(f->segs));
	f->nsegs = t->nsegs;
	if (upload(u, fi, t))
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

int unwinder__load_proc(struct unwinder *u, const struct proc *p, uint64_t build_budget_ns)
{
	struct proc_unwind *pu = calloc(1, sizeof(*pu));
	uint64_t t0 = clock__mono_ns();
	bool deferred = false;
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
		/* no table is built past what can be published: a process
		 * mapping thousands of files costs at most UNWIND_MAX_RANGES */
		if (pu->nranges >= UNWIND_MAX_RANGES) {
			u->stats.ranges_dropped++;
			continue;
		}
		f = get_file(u, m, clock__mono_ns() - t0 < build_budget_ns, &deferred);
		if (!f || file_table(u, f) == NIL ||
		    bias_of(f, m->start, m->file ? m->pgoff : 0, &bias))
			continue;
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
		up->loads++;
		if (deferred) { /* the files never seen: built at the next poll */
			u->stats.builds_deferred++;
			up->deferred = true;
			queue_pending(u, up);
		}
	}
	free(pu);
	return ret < 0 ? ret : deferred;
}

bool unwinder__on_miss(struct unwinder *u, uint32_t pid)
{
	struct uproc *up = find_proc(u, pid, true);

	if (!up)
		return false;
	if (up->loads < RELOADS_AT_ONCE || clock__mono_ns() - up->last_load_ns >= RELOAD_GAP_NS)
		return true;
	queue_pending(u, up);
	return false;
}

bool unwinder__has_pending(const struct unwinder *u)
{
	return u->npending > 0;
}

size_t unwinder__take_pending(struct unwinder *u, uint32_t *pids, size_t max)
{
	uint64_t now = clock__mono_ns(), v;
	size_t n = 0, keep = 0;

	for (size_t i = 0; i < u->npending; i++) {
		uint32_t pid = u->pending[i];
		struct uproc *up = hmap__get(u->proc_index, &pid, sizeof(pid), &v) ? &u->procs[v]
										  : NULL;

		if (!up || !up->pending)
			continue; /* forgotten meanwhile */
		/* deferred builds are due at once; reloads after a miss wait
		 * for their gap */
		if (n < max && (up->deferred || now - up->last_load_ns >= RELOAD_GAP_NS)) {
			up->pending = false;
			up->deferred = false;
			pids[n++] = pid;
		} else {
			u->pending[keep++] = pid;
		}
	}
	u->npending = keep;
	return n;
}

void unwinder__forget(struct unwinder *u, uint32_t pid)
{
	struct uproc *up = find_proc(u, pid, false);

	if (up) {
		if (up->last_load_ns && u->stats.procs)
			u->stats.procs--;
		drop_proc(u, up);
	}
	bpf_map_delete_elem(u->maps.procs_fd, &pid);
}

void unwinder__forget_file(struct unwinder *u, uint64_t dev, uint64_t ino)
{
	uint64_t key[2] = {dev, ino}, v;

	if (!hmap__get(u->file_index, key, sizeof(key), &v))
		return;
	drop_file(u, (uint32_t)v);
	u->stats.files_forgotten++;
}

void unwinder__stats(const struct unwinder *u, struct unwinder_stats *st)
{
	*st = u->stats;
	st->file_entries = u->nfiles - u->nfree_files;
	st->max_files = u->max_files;
	st->max_tables = u->max_tables;
}
