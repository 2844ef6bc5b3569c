// SPDX-License-Identifier: MIT
/*
 * python.c - CPython processes and their code objects.
 *
 * The code cache is keyed by (process image, code address, fingerprint):
 * the fingerprint the BPF side read with the frame must match what is read
 * now, so a code object freed and its address reused by another never lends
 * its name (counted in code_changed). The cache holds at most
 * PY_CACHE_MAX_ENTRIES objects and PY_CACHE_MAX_BYTES of line tables, then
 * starts afresh.
 */
#include "common/array.h"
#include "common/hmap.h"
#include "sample/mem_reader.h"
#include "sample/python.h"
#include "symbolizer/elf_symtab.h"

#include <bpf/bpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PY_CACHE_MAX_ENTRIES (1u << 16)
#define PY_CACHE_MAX_BYTES (32u << 20)

/* Processes remembered as published at most (then forgotten all at once:
 * only the count of distinct processes suffers). */
#define PY_MAX_PUBLISHED (1u << 14)

struct python {
	int procs_fd;
	struct hmap *published; /* pid -> image published to py_procs */
	struct mem_reader *reader; /* the processes' memory, never waited on long */
	struct hmap *cache; /* {image, code, fingerprint} -> index in codes */
	struct py_code *codes;
	size_t ncodes, codes_cap, bytes;
	char name[2 * PY_CODE_MAX_NAME + 32];
	char file[PY_CODE_MAX_NAME];
	struct python_stats stats;
};

int python__new(int procs_fd, struct python **out)
{
	struct python *py = calloc(1, sizeof(*py));

	*out = NULL;
	if (!py)
		return -ENOMEM;
	py->procs_fd = procs_fd;
	py->cache = hmap__new();
	py->published = hmap__new();
	if (!py->cache || !py->published || mem_reader__new(&py->reader)) {
		hmap__free(py->cache);
		hmap__free(py->published);
		mem_reader__free(py->reader);
		free(py);
		return -ENOMEM;
	}
	*out = py;
	return 0;
}

static void cache_clear(struct python *py)
{
	for (size_t i = 0; i < py->ncodes; i++)
		free(py->codes[i].linetable);
	py->ncodes = 0;
	py->bytes = 0;
}

void python__free(struct python *py)
{
	if (!py)
		return;
	cache_clear(py);
	free(py->codes);
	hmap__free(py->cache);
	hmap__free(py->published);
	mem_reader__free(py->reader);
	free(py);
}

/* Count a process (image) once, however often it is captured again. */
static void mark_published(struct python *py, const struct proc *p)
{
	uint64_t image;

	if (hmap__get(py->published, &p->pid, sizeof(p->pid), &image) && image == p->image)
		return;
	py->stats.procs++;
	if (hmap__count(py->published) >= PY_MAX_PUBLISHED) {
		struct hmap *fresh = hmap__new();

		if (!fresh)
			return;
		hmap__free(py->published);
		py->published = fresh;
	}
	if (hmap__put(py->published, &p->pid, sizeof(p->pid), p->image, NULL, NULL) == 0)
		hmap__set(py->published, &p->pid, sizeof(p->pid), p->image);
}

/* Whose memory read_mem reads, and through what. */
struct mem_ctx {
	struct mem_reader *reader;
	pid_t pid;
};

static int read_mem(void *ctx, uint64_t addr, void *buf, size_t len);

/* Might this mapping be a CPython interpreter? Its file's base name starts
 * with "python" or "libpython" (the others are not opened). */
static int python_named(const char *path)
{
	const char *base = strrchr(path, '/');

	base = base ? base + 1 : path;
	return !strncmp(base, "python", 6) || !strncmp(base, "libpython", 9);
}

/* The version the process's Py_Version says (3.11+: PY_VERSION_HEX, e.g.
 * 0x030b02f0), as 0x03MM; 0 when it has none or it cannot be read. */
static uint32_t version_from_data(struct python *py, const struct proc *p,
				  const struct proc_mapping *m)
{
	struct mem_ctx mc = {py->reader, (pid_t)p->pid};
	uint64_t sym, base;
	uint32_t hex;

	if (elf_symtab__find_object(m->file->fd, "Py_Version", m->pgoff, &sym, &base) ||
	    read_mem(&mc, sym + (m->start - base), &hex, sizeof(hex)) || hex >> 24 != 3)
		return 0;
	return hex >> 16;
}

void python__load_proc(struct python *py, const struct proc *p)
{
	int missing = 0;

	for (size_t i = 0; i < p->nmaps; i++) {
		const struct proc_mapping *m = &p->maps[i];
		uint32_t version;
		const struct py_layout *l;
		struct py_proc e = {0};
		uint64_t sym, base;

		if (!m->file || m->file->fd < 0 || !python_named(m->path))
			continue;
		/* the interpreter's own word first, its name when it has none */
		version = version_from_data(py, p, m);
		if (!version)
			version = py_version__from_path(m->path);
		if (!version)
			continue;
		l = py_layout__find(version);
		if (!l) {
			py->stats.procs_unsupported++;
			return;
		}
		if (elf_symtab__find_object(m->file->fd, "_PyRuntime", m->pgoff, &sym, &base) ||
		    py_offsets__windows(&l->off, &e.frame_window, &e.code_window)) {
			/* a file named like libpython, or a stripped .dynsym: the
			 * process may still map the real one further on */
			missing = 1;
			continue;
		}
		e.runtime = sym + (m->start - base);
		e.version = version;
		e.off = l->off;
		if (bpf_map_update_elem(py->procs_fd, &p->pid, &e, BPF_ANY)) {
			py->stats.procs_refused++;
			return;
		}
		mark_published(py, p);
		return;
	}
	if (missing)
		py->stats.procs_no_runtime++;
}

void python__forget(struct python *py, uint32_t pid)
{
	bpf_map_delete_elem(py->procs_fd, &pid);
	hmap__del(py->published, &pid, sizeof(pid));
}

static int read_mem(void *ctx, uint64_t addr, void *buf, size_t len)
{
	const struct mem_ctx *mc = ctx;

	return mem_reader__read(mc->reader, mc->pid, addr, buf, len);
}

/* A cache entry that names nothing: fingerprint 0 (never a real one) and
 * firstlineno saying why. The same frames are not read again. */
#define CODE_UNREADABLE (-1)
#define CODE_CHANGED (-2)

/* Add c under key (a failed read too: c->fingerprint 0). NULL when out of
 * memory (c is freed then). */
static const struct py_code *code_put(struct python *py, const uint64_t key[3], struct py_code *c)
{
	if (py->ncodes >= PY_CACHE_MAX_ENTRIES || py->bytes + c->linetable_len > PY_CACHE_MAX_BYTES) {
		struct hmap *fresh = hmap__new();

		if (!fresh)
			goto fail;
		hmap__free(py->cache);
		py->cache = fresh;
		cache_clear(py);
		py->stats.cache_resets++;
	}
	if (array__grow((void **)&py->codes, &py->codes_cap, py->ncodes + 1, sizeof(*py->codes)) ||
	    hmap__put(py->cache, key, 3 * sizeof(*key), py->ncodes, NULL, NULL) < 0)
		goto fail;
	py->codes[py->ncodes] = *c;
	py->bytes += c->linetable_len + sizeof(*c);
	return &py->codes[py->ncodes++];
fail:
	free(c->linetable);
	return NULL;
}

/* The cached code object, read now when missing: a code object that could
 * not be read, or changed since the sample, is an entry with fingerprint 0
 * (counted once). NULL without memory. */
static const struct py_code *code_get(struct python *py, const struct proc *p,
				      const struct py_layout *l, const struct py_frame *f)
{
	uint64_t key[3] = {p->image, f->code, f->fingerprint}, v;
	struct py_code c;

	if (hmap__get(py->cache, key, sizeof(key), &v))
		return &py->codes[v];
	py->stats.code_reads++;
	if (py_code__read(l, read_mem, &(struct mem_ctx){py->reader, (pid_t)p->pid}, f->code, &c)) {
		py->stats.code_unreadable++;
		free(c.linetable);
		memset(&c, 0, sizeof(c));
		c.firstlineno = CODE_UNREADABLE;
	} else if (c.fingerprint != f->fingerprint) {
		py->stats.code_changed++;
		free(c.linetable);
		memset(&c, 0, sizeof(c));
		c.firstlineno = CODE_CHANGED;
	}
	return code_put(py, key, &c);
}

int python__frame(struct python *py, const struct proc *p, const struct py_frame *f,
		  struct frame *out)
{
	const struct py_layout *l = NULL;
	const struct py_code *c = NULL;
	struct py_proc e;

	memset(out, 0, sizeof(*out));
	out->kind = FRAME_PYTHON;
	out->module = "[python]";
	out->addr = f->code;
	/* the layout of the process's interpreter, from what BPF was told */
	if (p && !bpf_map_lookup_elem(py->procs_fd, &p->pid, &e))
		l = py_layout__find(e.version);
	if (!l)
		l = py_layout__find(0x030b);
	if (p && l)
		c = code_get(py, p, l, f);
	if (!c || !c->fingerprint) {
		out->name = c && c->firstlineno == CODE_CHANGED ? PYTHON_CODE_CHANGED
								: PYTHON_CODE_UNREADABLE;
		return 0;
	}
	out->name = c->qualname[0] ? c->qualname : "[python: unnamed]";
	out->file = c->filename[0] ? c->filename : NULL;
	out->line = (uint32_t)py_code__line(c->linetable, c->linetable_len, c->firstlineno,
					    (int32_t)f->instr);
	return 0;
}

int python__merge(const uint32_t *native, const uint8_t *is_eval, int n, const uint32_t *py,
		  const struct py_frame *frames, int npy, uint32_t *out, int max)
{
	int gstart[PY_MAX_FRAMES + 1], ngroups = 0, neval = 0, m = 0;

	if (npy > PY_MAX_FRAMES)
		npy = PY_MAX_FRAMES;
	for (int i = 0; i < npy; i++)
		if (i == 0 || (frames[i - 1].flags & PY_FRAME_ENTRY))
			gstart[ngroups++] = i;
	gstart[ngroups] = npy;
	for (int i = 0; i < n; i++)
		neval += is_eval[i] != 0;
	/* groups without an eval frame, oldest first, at the root */
	for (int g = ngroups - 1; g >= neval; g--)
		for (int i = gstart[g + 1] - 1; i >= gstart[g] && m < max; i--)
			out[m++] = py[i];
	for (int i = 0, k = 0; i < n && m < max; i++) {
		int g;

		if (!is_eval[i]) {
			out[m++] = native[i];
			continue;
		}
		g = neval - 1 - k++; /* the k-th eval frame from the root */
		if (g >= ngroups) {
			out[m++] = native[i]; /* no Python frames left for it */
			continue;
		}
		for (int j = gstart[g + 1] - 1; j >= gstart[g] && m < max; j--)
			out[m++] = py[j];
	}
	return m;
}

void python__prefetch(struct python *py, const struct proc *p, const struct py_stack *st)
{
	struct frame out;

	for (uint32_t i = 0; i < st->len && i < PY_MAX_FRAMES; i++)
		python__frame(py, p, &st->frames[i], &out);
}

void python__stats(const struct python *py, struct python_stats *st)
{
	struct mem_reader_stats ms;

	*st = py->stats;
	st->cached = py->ncodes;
	mem_reader__stats(py->reader, &ms);
	st->mem_timeouts = ms.timeouts;
	st->mem_refused = ms.refused;
}

int python__is_eval_frame(const struct frame *f)
{
	static const char eval[] = "_PyEval_EvalFrameDefault";

	return f->kind == FRAME_USER && !strncmp(f->name, eval, sizeof(eval) - 1) &&
	       (f->name[sizeof(eval) - 1] == '\0' || f->name[sizeof(eval) - 1] == '.');
}
