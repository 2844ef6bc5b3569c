// SPDX-License-Identifier: MIT
/*
 * symbolizer.c - cache of parsed files in front of elf_symtab, dwarf_index,
 * debuginfo, perfmap and ksyms.
 *
 * Two levels: file entries keyed by (device, inode, mtime), in an LRU list,
 * each pointing at a parsed image shared by every entry with the same
 * build-id. An image is freed with the last entry that uses it; the bounds
 * (files and bytes) apply to entries, evicting from the LRU tail.
 */
#include "common/clock.h"
#include "common/root_open.h"
#include "symbolizer/symbolizer.h"
#include "symbolizer/debuginfo.h"
#include "symbolizer/demangle.h"
#include "symbolizer/dwarf_index.h"
#include "symbolizer/elf_symtab.h"
#include "symbolizer/gopclntab.h"
#include "symbolizer/ksyms.h"
#include "symbolizer/perfmap.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEFAULT_MAX_FILES 256
#define DEFAULT_MAX_BYTES (512u << 20)
#define NBUCKETS 1024
#define MAX_PERFMAPS 64
/* Parsed perf maps held at once. One map at its bound (PERFMAP_MAX_BYTES of
 * file: at most about 150 MB parsed) always fits; beyond, the least recently
 * used go first: 64 planted maps must not hold gigabytes. */
#define DEFAULT_MAX_PERFMAP_BYTES (256u << 20)
#define VDSO_MAX_SIZE (1u << 20)
/* A debug file search that took this long without finding one was a server
 * that did not answer: no server is asked for the next DEBUGINFOD_PAUSE_NS
 * (each new file would wait as long, on the sampling loop). */
#define DEBUGINFOD_SLOW_NS (2ull * 1000000000)
#define DEBUGINFOD_PAUSE_NS (600ull * 1000000000)

struct image {
	char build_id[2 * 64 + 1];
	struct elf_symtab *symtab;     /* the binary's; NULL: unreadable */
	struct elf_symtab *dbg_symtab; /* the separate debug file's, if any */
	struct dwarf_index *dwarf;
	struct gopclntab *go; /* Go's own table, read when there is no DWARF */
	size_t memory; /* as last accounted in the symbolizer's total */
	uid_t owner;   /* of the file it was parsed from: who could have forged it */
	int refs;
	struct image *prev, *next; /* all images, for the build-id search */
};

struct file_entry {
	uint64_t dev, ino;
	int64_t mtime;
	struct image *img;
	struct file_entry *hnext;       /* hash chain */
	struct file_entry *prev, *next; /* LRU list, most recent first */
};

struct jit_map {
	uint32_t pid;
	uint64_t dev, ino, size;
	int64_t mtime_ns;
	struct perfmap *map;
	uint64_t last_use;
};

/* Demangled names of one result, freed when the next result is made. */
struct name_slots {
	char *d[SYM_MAX_FRAMES];
	int n; /* slots [0, n) may be set */
};

static void name_slots__clear(struct name_slots *ns)
{
	for (int i = 0; i < ns->n; i++) {
		free(ns->d[i]);
		ns->d[i] = NULL;
	}
	ns->n = 0;
}

struct symbolizer {
	size_t max_files, nfiles, max_bytes, memory;
	struct file_entry *buckets[NBUCKETS];
	struct file_entry *lru_head, *lru_tail;
	struct image *images;
	struct ksyms *ksyms;
	int ksyms_err; /* cached failure to load kallsyms */
	struct elf_symtab *vdso;
	int vdso_err;
	struct jit_map jit[MAX_PERFMAPS];
	uint64_t jit_clock;
	size_t max_perfmap_bytes;
	char *kallsyms_path, *debug_root, *perfmap_dir;
	int no_dwarf, no_lines, no_debuginfod, no_demangle;
	uint64_t debuginfod_paused_until; /* monotonic ns */
	int threads;
	struct symbolizer_stats stats;
	struct name_slots names; /* of the last result */
};

static char *dup_opt(const char *s, int *failed)
{
	char *d;

	if (!s)
		return NULL;
	d = strdup(s);
	if (!d)
		*failed = 1;
	return d;
}

int symbolizer__new(const struct symbolizer_opts *opts, struct symbolizer **out)
{
	struct symbolizer *s = calloc(1, sizeof(*s));
	int failed = 0;

	*out = NULL;
	if (!s)
		return -ENOMEM;
	s->max_files = opts && opts->max_files ? opts->max_files : DEFAULT_MAX_FILES;
	s->max_bytes = opts && opts->max_bytes ? opts->max_bytes : DEFAULT_MAX_BYTES;
	s->max_perfmap_bytes = opts && opts->max_perfmap_bytes ? opts->max_perfmap_bytes
							      : DEFAULT_MAX_PERFMAP_BYTES;
	if (opts) {
		s->kallsyms_path = dup_opt(opts->kallsyms_path, &failed);
		s->debug_root = dup_opt(opts->debug_root, &failed);
		s->perfmap_dir = dup_opt(opts->perfmap_dir, &failed);
		s->no_dwarf = opts->no_dwarf;
		s->no_lines = opts->no_lines;
		s->no_debuginfod = opts->no_debuginfod;
		s->no_demangle = opts->no_demangle;
		s->threads = opts->threads;
	}
	if (failed) {
		symbolizer__free(s);
		return -ENOMEM;
	}
	*out = s;
	return 0;
}

static void image_free(struct image *img)
{
	if (!img)
		return;
	elf_symtab__free(img->symtab);
	elf_symtab__free(img->dbg_symtab);
	dwarf_index__free(img->dwarf);
	gopclntab__free(img->go);
	free(img);
}

static void image_put(struct symbolizer *s, struct image *img)
{
	if (!img || --img->refs > 0)
		return;
	if (img->prev)
		img->prev->next = img->next;
	else
		s->images = img->next;
	if (img->next)
		img->next->prev = img->prev;
	s->memory -= img->memory;
	image_free(img);
}

void symbolizer__free(struct symbolizer *s)
{
	if (!s)
		return;
	for (struct file_entry *e = s->lru_head, *n; e; e = n) {
		n = e->next;
		image_put(s, e->img);
		free(e);
	}
	for (int i = 0; i < MAX_PERFMAPS; i++)
		perfmap__free(s->jit[i].map);
	name_slots__clear(&s->names);
	ksyms__free(s->ksyms);
	elf_symtab__free(s->vdso);
	free(s->kallsyms_path);
	free(s->debug_root);
	free(s->perfmap_dir);
	free(s);
}

static size_t bucket_of(uint64_t dev, uint64_t ino)
{
	uint64_t h = (dev * 0x9e3779b97f4a7c15ULL) ^ (ino * 0xc2b2ae3d27d4eb4fULL);

	return (size_t)(h >> 32) % NBUCKETS;
}

static void lru_unlink(struct symbolizer *s, struct file_entry *e)
{
	if (e->prev)
		e->prev->next = e->next;
	else
		s->lru_head = e->next;
	if (e->next)
		e->next->prev = e->prev;
	else
		s->lru_tail = e->prev;
	e->prev = e->next = NULL;
}

static void lru_push_front(struct symbolizer *s, struct file_entry *e)
{
	e->next = s->lru_head;
	e->prev = NULL;
	if (s->lru_head)
		s->lru_head->prev = e;
	s->lru_head = e;
	if (!s->lru_tail)
		s->lru_tail = e;
}

static void evict_one(struct symbolizer *s)
{
	struct file_entry *victim = s->lru_tail, **pp;

	if (!victim)
		return;
	lru_unlink(s, victim);
	for (pp = &s->buckets[bucket_of(victim->dev, victim->ino)]; *pp; pp = &(*pp)->hnext) {
		if (*pp == victim) {
			*pp = victim->hnext;
			break;
		}
	}
	image_put(s, victim->img);
	free(victim);
	s->nfiles--;
	s->stats.evictions++;
}

/* Keep the bounds, never evicting the entry in use (the LRU head). */
static void enforce_bounds(struct symbolizer *s)
{
	while (s->nfiles > 1 && (s->nfiles > s->max_files || s->memory > s->max_bytes))
		evict_one(s);
}

/* Account an image's current memory (its DWARF tables grow lazily). */
static void account(struct symbolizer *s, struct image *img)
{
	size_t m = sizeof(*img);

	if (img->symtab)
		m += elf_symtab__memory(img->symtab);
	if (img->dbg_symtab)
		m += elf_symtab__memory(img->dbg_symtab);
	if (img->dwarf)
		m += dwarf_index__memory(img->dwarf);
	if (img->go)
		m += gopclntab__memory(img->go);
	if (m == img->memory)
		return;
	s->memory = s->memory - img->memory + m;
	img->memory = m;
	enforce_bounds(s);
}

/* Open path (inside root; NULL root: the host's) when the caller has no
 * descriptor: a regular file of the process's user or root. Inside a root
 * the path is the one /proc/PID/maps shows, free of symlinks: the last
 * component must not be one. A descriptor or -errno (-EINVAL: no path). */
static int open_file(struct symbolizer *s, const struct sym_file *f)
{
	struct root_open_opts o = {
		.flags = ROOT_OPEN_REGULAR | ROOT_OPEN_OWNER | (f->root ? ROOT_OPEN_NOFOLLOW : 0),
		.uid = f->uid,
		.max_size = SYMBOLIZER_MAX_FILE_SIZE,
		.stats = &s->stats.refused,
	};

	return root_open__file(f->root, f->path, &o);
}

/* Parse the DWARF side of a fresh image: find the debug file and index it. */
static void load_debug(struct symbolizer *s, struct image *img, const struct sym_file *f, int fd)
{
	struct debuginfo_req req = {
		.fd = fd,
		.path = f->path,
		.root = f->root,
		.uid = f->uid,
		.refused = &s->stats.refused,
		.debug_root = s->debug_root,
		.build_id = img->build_id[0] ? img->build_id : NULL,
	};
	enum debuginfo_source src = DEBUGINFO_NONE;
	uint64_t start = clock__mono_ns();
	int dfd = -1, ret;

	req.debuginfod = !s->no_debuginfod && start >= s->debuginfod_paused_until;
	ret = debuginfo__find(&req, &dfd, &src);
	if (req.debuginfod && src == DEBUGINFO_NONE &&
	    clock__mono_ns() - start > DEBUGINFOD_SLOW_NS) {
		s->debuginfod_paused_until = clock__mono_ns() + DEBUGINFOD_PAUSE_NS;
		s->stats.debuginfod_pauses++;
	}
	if (ret || src == DEBUGINFO_NONE)
		return;
	if (src == DEBUGINFO_SELF) {
		if (!s->no_lines)
			dwarf_index__open_fd(fd, &img->dwarf, NULL, 0);
	} else {
		if (!s->no_lines)
			dwarf_index__open_fd(dfd, &img->dwarf, NULL, 0);
		elf_symtab__open_fd(dfd, &img->dbg_symtab, NULL, 0);
		close(dfd);
	}
	if (img->dwarf)
		s->stats.dwarf_files++;
}

/* An image parsed before with this build-id, that a file of owner may use:
 * one parsed from root's file or from the same owner's. A build-id is only
 * bytes in a file: a user's fake ELF with libc's build-id must not name the
 * frames of everybody's libc. */
static struct image *find_image(struct symbolizer *s, const char *build_id, uid_t owner)
{
	for (struct image *img = s->images; img; img = img->next)
		if (img->symtab && !strcmp(img->build_id, build_id) &&
		    (img->owner == 0 || img->owner == owner))
			return img;
	return NULL;
}

static struct image *new_image(struct symbolizer *s, const struct sym_file *f)
{
	struct image *img = calloc(1, sizeof(*img)), *shared;
	struct elf_symtab *symtab = NULL;
	const char *bid;
	struct stat st;
	int fd = f->fd;

	if (!img)
		return NULL;
	img->refs = 1;
	if (fd < 0)
		fd = open_file(s, f);
	if (fd < 0 || elf_symtab__open_fd(fd, &symtab, NULL, 0)) {
		s->stats.open_errors++;
		goto done;
	}
	img->owner = fstat(fd, &st) ? (uid_t)-1 : st.st_uid;
	bid = elf_symtab__build_id(symtab);
	if (bid && (shared = find_image(s, bid, img->owner))) {
		/* the same library seen through another file (container, copy) */
		elf_symtab__free(symtab);
		free(img);
		shared->refs++;
		s->stats.shared_by_build_id++;
		if (fd != f->fd)
			close(fd);
		return shared;
	}
	img->symtab = symtab;
	if (bid)
		snprintf(img->build_id, sizeof(img->build_id), "%s", bid);
	if (!s->no_dwarf)
		load_debug(s, img, f, fd);
	/* a Go binary without DWARF (go build -ldflags=-w, Debian's): its
	 * pclntab names functions, lines and inlined calls */
	if (!img->dwarf) {
		int ret = gopclntab__open_fd(fd, &img->go, NULL, 0);

		if (!ret)
			s->stats.go_files++;
		else if (ret != -ENOENT)
			s->stats.go_errors++;
	}
done:
	if (fd >= 0 && fd != f->fd)
		close(fd);
	img->next = s->images;
	if (s->images)
		s->images->prev = img;
	s->images = img;
	return img;
}

static struct file_entry *get_file(struct symbolizer *s, const struct sym_file *f)
{
	size_t b;
	struct file_entry *e = s->lru_head;

	/* the file of the previous address: no hashing, no relinking */
	if (e && e->dev == f->dev && e->ino == f->ino && e->mtime == f->mtime) {
		s->stats.cache_hits++;
		return e;
	}
	b = bucket_of(f->dev, f->ino);
	for (e = s->buckets[b]; e; e = e->hnext) {
		if (e->dev == f->dev && e->ino == f->ino && e->mtime == f->mtime) {
			s->stats.cache_hits++;
			if (s->lru_head != e) {
				lru_unlink(s, e);
				lru_push_front(s, e);
			}
			return e;
		}
	}
	s->stats.cache_misses++;
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->dev = f->dev;
	e->ino = f->ino;
	e->mtime = f->mtime;
	/* a failed parse is cached too: one attempt per file, not per address */
	e->img = new_image(s, f);
	if (!e->img) {
		free(e);
		return NULL;
	}
	e->hnext = s->buckets[b];
	s->buckets[b] = e;
	lru_push_front(s, e);
	s->nfiles++;
	account(s, e->img);
	enforce_bounds(s);
	return e;
}

static const char *pretty(struct name_slots *ns, int no_demangle, const char *name, int slot)
{
	char *d;

	if (no_demangle || !name || !(d = demangle__name(name)))
		return name;
	ns->d[slot] = d;
	if (slot >= ns->n)
		ns->n = slot + 1;
	return d;
}

/* A corrupt file can name a function "" (a string offset landing on a NUL):
 * no name, as if it had none. */
static const char *name_or_null(const char *name)
{
	return name && name[0] ? name : NULL;
}

static const char *symtab_name(const struct image *img, uint64_t vaddr)
{
	const char *name = NULL;

	if (img->dbg_symtab)
		name = name_or_null(elf_symtab__lookup(img->dbg_symtab, vaddr, NULL));
	if (!name)
		name = name_or_null(elf_symtab__lookup(img->symtab, vaddr, NULL));
	return name;
}

/* The frames of Go's table at vaddr into out; false when it has none. */
static bool go_frames(const struct image *img, uint64_t vaddr, struct sym_result *out)
{
	struct gopclntab_frame gf[SYM_MAX_FRAMES];
	int n;

	if (!img->go || !(n = gopclntab__lookup(img->go, vaddr, gf, SYM_MAX_FRAMES)))
		return false;
	for (int i = 0; i < n; i++)
		out->frames[i] = (struct sym_frame){
			.name = gf[i].name,
			.file = gf[i].file,
			.line = gf[i].line,
			.inlined = gf[i].inlined,
		};
	out->nframes = n;
	return true;
}

/* The result from the DWARF frames df[0, n) found at vaddr (n may be 0);
 * without them, from Go's table, then the symbol table. */
static void name_frames(const struct image *img, uint64_t vaddr, const struct dwarf_frame *df,
			int n, struct name_slots *ns, int no_demangle, struct sym_result *out)
{
	for (int i = 0; i < n; i++) {
		const char *name = name_or_null(df[i].name);

		/* the outermost function can come from the symbol table */
		if (!name && i == n - 1)
			name = symtab_name(img, vaddr);
		out->frames[i] = (struct sym_frame){
			.name = name ? pretty(ns, no_demangle, name, i) : "??",
			.file = df[i].file,
			.line = df[i].line,
			.inlined = df[i].inlined,
		};
	}
	out->nframes = n;
	if (n == 0 && !go_frames(img, vaddr, out)) {
		const char *name = symtab_name(img, vaddr);

		if (name) {
			out->frames[0] = (struct sym_frame){.name = pretty(ns, no_demangle, name, 0)};
			out->nframes = 1;
		}
	}
}

static void resolve_vaddr(struct symbolizer *s, struct image *img, uint64_t vaddr,
			  struct sym_result *out)
{
	struct dwarf_frame df[SYM_MAX_FRAMES];
	int n = 0;

	if (img->dwarf) {
		n = dwarf_index__lookup(img->dwarf, vaddr, df, SYM_MAX_FRAMES);
		account(s, img);
	}
	name_frames(img, vaddr, df, n, &s->names, s->no_demangle, out);
}

static struct image *begin_user(struct symbolizer *s, const struct sym_file *f,
				struct sym_result *out, uint64_t addr, int *ret)
{
	struct file_entry *e;

	/* frames past nframes are never read; the first may be named alone */
	out->build_id = NULL;
	out->nframes = 0;
	out->frames[0] = (struct sym_frame){0};
	name_slots__clear(&s->names);
	out->vaddr = addr;
	*ret = 0;
	e = get_file(s, f);
	if (!e) {
		*ret = -ENOMEM;
		return NULL;
	}
	if (!e->img->symtab) {
		*ret = -ENOEXEC;
		return NULL;
	}
	out->build_id = e->img->build_id[0] ? e->img->build_id : NULL;
	return e->img;
}

int symbolizer__user(struct symbolizer *s, const struct sym_file *f, uint64_t file_offset,
		     struct sym_result *out)
{
	struct image *img;
	int ret;

	img = begin_user(s, f, out, file_offset, &ret);
	if (!img)
		return ret;
	if (elf_symtab__offset_to_vaddr(img->symtab, file_offset, &out->vaddr))
		return 0;
	resolve_vaddr(s, img, out->vaddr, out);
	return 0;
}

int symbolizer__user_vaddr(struct symbolizer *s, const struct sym_file *f, uint64_t vaddr,
			   struct sym_result *out)
{
	struct image *img;
	int ret;

	img = begin_user(s, f, out, vaddr, &ret);
	if (!img)
		return ret;
	resolve_vaddr(s, img, vaddr, out);
	return 0;
}

int symbolizer__prefetch(struct symbolizer *s, const struct sym_file *f, const uint64_t *vaddrs,
			 size_t n)
{
	struct file_entry *e = get_file(s, f);
	int ret;

	if (!e)
		return -ENOMEM;
	if (!e->img->dwarf)
		return 0;
	ret = dwarf_index__prefetch(e->img->dwarf, vaddrs, n, s->threads);
	account(s, e->img);
	return ret;
}

struct sym_reader {
	const struct image *img;
	struct dwarf_cursor cur;
	struct name_slots names;
	int no_demangle;
};

int symbolizer__reader_new(struct symbolizer *s, const struct sym_file *f, struct sym_reader **out)
{
	struct sym_reader *r;
	struct file_entry *e;

	*out = NULL;
	e = get_file(s, f);
	if (!e)
		return -ENOMEM;
	/* on cache lines of its own: readers are written on different CPUs */
	if (posix_memalign((void **)&r, 64, (sizeof(*r) + 63) / 64 * 64))
		return -ENOMEM;
	memset(r, 0, sizeof(*r));
	r->img = e->img;
	r->no_demangle = s->no_demangle;
	*out = r;
	return 0;
}

int sym_reader__vaddr(struct sym_reader *r, uint64_t vaddr, struct sym_result *out)
{
	struct dwarf_frame df[SYM_MAX_FRAMES];
	int n = 0;

	out->build_id = NULL;
	out->nframes = 0;
	out->frames[0] = (struct sym_frame){0};
	out->vaddr = vaddr;
	name_slots__clear(&r->names);
	if (!r->img->symtab)
		return -ENOEXEC;
	out->build_id = r->img->build_id[0] ? r->img->build_id : NULL;
	if (r->img->dwarf)
		n = dwarf_index__lookup_read(r->img->dwarf, vaddr, &r->cur, df, SYM_MAX_FRAMES);
	name_frames(r->img, vaddr, df, n, &r->names, r->no_demangle, out);
	return 0;
}

void sym_reader__free(struct sym_reader *r)
{
	if (!r)
		return;
	name_slots__clear(&r->names);
	free(r);
}

/* Size of an ELF image from its headers: the section table is at its end. */
static size_t vdso_size(const unsigned char *base)
{
	uint64_t shoff, end;
	uint16_t shnum, shentsize;

	if (memcmp(base, "\177ELF", 4) || base[4] != 2 /* ELFCLASS64 */)
		return 0;
	memcpy(&shoff, base + 0x28, 8);
	memcpy(&shentsize, base + 0x3a, 2);
	memcpy(&shnum, base + 0x3c, 2);
	end = shoff + (uint64_t)shnum * shentsize;
	return end <= VDSO_MAX_SIZE ? (size_t)end : 0;
}

int symbolizer__vdso(struct symbolizer *s, uint64_t offset, struct sym_result *out)
{
	const char *name;

	memset(out, 0, sizeof(*out));
	name_slots__clear(&s->names);
	out->vaddr = offset;
	if (!s->vdso && !s->vdso_err) {
		const unsigned char *base = (const void *)getauxval(AT_SYSINFO_EHDR);
		size_t size = base ? vdso_size(base) : 0;

		s->vdso_err = size ? elf_symtab__open_mem(base, size, &s->vdso, NULL, 0) : -ENOENT;
		if (!s->vdso_err && !s->vdso)
			s->vdso_err = -ENOENT;
	}
	if (!s->vdso)
		return s->vdso_err;
	if (elf_symtab__offset_to_vaddr(s->vdso, offset, &out->vaddr))
		return 0;
	out->build_id = elf_symtab__build_id(s->vdso);
	name = elf_symtab__lookup(s->vdso, out->vaddr, NULL);
	if (name) {
		out->frames[0].name = name;
		out->nframes = 1;
	}
	return 0;
}

/* Memory of the parsed perf maps held. */
static size_t perfmaps_memory(const struct symbolizer *s)
{
	size_t total = 0;

	for (int i = 0; i < MAX_PERFMAPS; i++)
		if (s->jit[i].map)
			total += perfmap__memory(s->jit[i].map);
	return total;
}

/* Drop the least recently used maps but keep's until the rest fit the bound. */
static void trim_perfmaps(struct symbolizer *s, const struct jit_map *keep)
{
	while (perfmaps_memory(s) > s->max_perfmap_bytes) {
		struct jit_map *lru = NULL;

		for (int i = 0; i < MAX_PERFMAPS; i++)
			if (s->jit[i].map && &s->jit[i] != keep &&
			    (!lru || s->jit[i].last_use < lru->last_use))
				lru = &s->jit[i];
		if (!lru)
			return; /* keep alone: over the bound only by itself */
		perfmap__free(lru->map);
		lru->map = NULL;
		s->stats.perfmaps_evicted++;
	}
}

/* Open the perf map of p inside its root, named by the pid it sees. Never
 * the host's /tmp for a process in a container: its root is where it wrote. */
static int open_perfmap(struct symbolizer *s, const struct sym_proc *p)
{
	const char *dir = s->perfmap_dir ? s->perfmap_dir : "/tmp";
	struct root_open_opts o = {
		.flags = ROOT_OPEN_REGULAR | ROOT_OPEN_NOFOLLOW | ROOT_OPEN_OWNER_ONLY,
		.uid = p->uid,
		.max_size = PERFMAP_MAX_BYTES,
		.stats = &s->stats.refused,
	};
	char path[4096];

	snprintf(path, sizeof(path), "%s/perf-%u.map", dir, p->ns_pid ? p->ns_pid : p->pid);
	return root_open__file(p->root, path, &o);
}

int symbolizer__jit(struct symbolizer *s, const struct sym_proc *p, uint64_t addr,
		    struct sym_result *out)
{
	uint32_t pid = p->pid;
	struct jit_map *slot = NULL, *oldest = &s->jit[0];
	const char *name;
	struct stat st;
	int fd, ret = 0;

	memset(out, 0, sizeof(*out));
	name_slots__clear(&s->names);
	out->vaddr = addr;
	fd = open_perfmap(s, p);
	if (fd < 0) {
		s->stats.jit_misses++;
		return fd;
	}
	if (fstat(fd, &st)) {
		ret = -errno;
		goto cleanup;
	}
	for (int i = 0; i < MAX_PERFMAPS; i++) {
		if (s->jit[i].map && s->jit[i].pid == pid)
			slot = &s->jit[i];
		if (s->jit[i].last_use < oldest->last_use)
			oldest = &s->jit[i];
	}
	/* JITs append: re-read when the file is not the one we parsed */
	if (slot && (slot->dev != st.st_dev || slot->ino != st.st_ino ||
		     slot->size != (uint64_t)st.st_size ||
		     slot->mtime_ns != st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec)) {
		perfmap__free(slot->map);
		slot->map = NULL;
	}
	if (!slot || !slot->map) {
		if (!slot) {
			slot = oldest;
			perfmap__free(slot->map);
			slot->map = NULL;
		}
		ret = perfmap__load(fd, &slot->map);
		if (ret == -EFBIG) /* grew past the bound since it was opened */
			s->stats.refused.too_big++;
		if (ret)
			goto cleanup;
		slot->pid = pid;
		slot->dev = st.st_dev;
		slot->ino = st.st_ino;
		slot->size = (uint64_t)st.st_size;
		slot->mtime_ns = st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;
		slot->last_use = ++s->jit_clock;
		trim_perfmaps(s, slot);
	}
	slot->last_use = ++s->jit_clock;
	name = perfmap__lookup(slot->map, addr);
	if (!name) {
		s->stats.jit_misses++;
		goto cleanup;
	}
	s->stats.jit_hits++;
	out->frames[0].name = pretty(&s->names, s->no_demangle, name, 0);
	out->nframes = 1;
cleanup:
	close(fd);
	return ret;
}

int symbolizer__kernel(struct symbolizer *s, uint64_t addr, struct sym_result *out,
		       const char **module)
{
	const char *name;

	memset(out, 0, sizeof(*out));
	out->vaddr = addr;
	*module = NULL;
	if (!s->ksyms && !s->ksyms_err) {
		s->ksyms_err = ksyms__load(s->kallsyms_path, &s->ksyms);
		if (!s->ksyms_err && !s->ksyms)
			s->ksyms_err = -ENOENT;
	}
	if (!s->ksyms)
		return s->ksyms_err;
	name = ksyms__lookup(s->ksyms, addr, module, NULL);
	if (!name)
		return 0;
	out->frames[0].name = name;
	out->nframes = 1;
	return 0;
}

void symbolizer__stats(const struct symbolizer *s, struct symbolizer_stats *st)
{
	*st = s->stats;
	st->files_cached = s->nfiles;
	st->memory = s->memory;
	st->perfmap_memory = perfmaps_memory(s);
}
