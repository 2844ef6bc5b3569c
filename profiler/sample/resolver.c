// SPDX-License-Identifier: MIT
/*
 * resolver.c - symbolize raw stacks into profile frames.
 *
 * The same address of the same process recurs in almost every drain, so
 * resolved frames are cached per (process image, address) as a run of frame
 * ids. The image is new for every process and every exec (proc->image), so
 * an exec or a reused pid never reads the old image's frames; what the old
 * image cached is unreachable from then on and goes with the cache, which
 * starts afresh with each profile (each window of the agent) and whenever
 * it reaches RESOLVER_CACHE_MAX entries.
 */
#include "common/array.h"
#include "sample/identity.h"
#include "sample/resolver.h"
#include "common/hmap.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One address can expand to several frames (inlining). */
#define MAX_FRAMES_PER_ADDR SYM_MAX_FRAMES
#define MAX_FRAMES (2 * MAX_STACK_DEPTH * 4)
/* Addresses cached at most (about 100 bytes each with their frame ids). */
#define RESOLVER_CACHE_MAX (1u << 18)

struct resolver {
	struct profile *profile;
	struct proc_table *procs;
	struct symbolizer *sym;
	struct python *python;
	struct hmap *cache; /* {image, addr} -> index << 8 | count into ids;
			     * {image, code, fingerprint, instr}: a Python frame */
	uint32_t *ids;
	size_t nids, ids_cap;
	uint64_t generation;
	struct resolver_stats stats;
	struct profile_label *static_labels; /* owned copies */
	size_t nstatic;
	/* process identity (proc->identity; 0: no process) -> its interned
	 * label set in profile; emptied with the frame cache */
	struct hmap *label_cache;
};

int resolver__new(struct profile *profile, struct proc_table *procs, struct symbolizer *sym,
		  struct resolver **out)
{
	struct resolver *r = calloc(1, sizeof(*r));

	*out = NULL;
	if (!r)
		return -ENOMEM;
	r->profile = profile;
	r->procs = procs;
	r->sym = sym;
	r->generation = 1;
	r->cache = hmap__new();
	r->label_cache = hmap__new();
	if (!r->cache || !r->label_cache) {
		resolver__free(r);
		return -ENOMEM;
	}
	*out = r;
	return 0;
}

void resolver__free(struct resolver *r)
{
	if (!r)
		return;
	hmap__free(r->cache);
	hmap__free(r->label_cache);
	for (size_t i = 0; i < r->nstatic; i++) {
		free((char *)r->static_labels[i].key);
		free((char *)r->static_labels[i].value);
	}
	free(r->static_labels);
	free(r->ids);
	free(r);
}

int resolver__set_static_labels(struct resolver *r, const struct profile_label *l, size_t n)
{
	struct profile_label *copy = n ? calloc(n, sizeof(*copy)) : NULL;
	struct hmap *fresh = hmap__new();

	if ((n && !copy) || !fresh)
		goto fail;
	for (size_t i = 0; i < n; i++) {
		copy[i].key = strdup(l[i].key);
		copy[i].value = strdup(l[i].value);
		if (!copy[i].key || !copy[i].value) {
			for (size_t j = 0; j <= i; j++) {
				free((char *)copy[j].key);
				free((char *)copy[j].value);
			}
			goto fail;
		}
	}
	for (size_t i = 0; i < r->nstatic; i++) {
		free((char *)r->static_labels[i].key);
		free((char *)r->static_labels[i].value);
	}
	free(r->static_labels);
	r->static_labels = copy;
	r->nstatic = n;
	hmap__free(r->label_cache); /* sets made with the old labels */
	r->label_cache = fresh;
	return 0;
fail:
	free(copy);
	hmap__free(fresh);
	return -ENOMEM;
}

void resolver__next_generation(struct resolver *r)
{
	r->generation++;
}

uint64_t resolver__generation(const struct resolver *r)
{
	return r->generation;
}

static int cache_reset(struct resolver *r)
{
	struct hmap *fresh = hmap__new(), *labels = hmap__new();

	if (!fresh || !labels) {
		hmap__free(fresh);
		hmap__free(labels);
		return -ENOMEM;
	}
	hmap__free(r->cache);
	r->cache = fresh;
	hmap__free(r->label_cache); /* its sets belong to the profile */
	r->label_cache = labels;
	r->nids = 0;
	return 0;
}

int resolver__set_profile(struct resolver *r, struct profile *profile)
{
	int ret = cache_reset(r);

	if (!ret)
		r->profile = profile;
	return ret;
}

void resolver__stats(const struct resolver *r, struct resolver_stats *st)
{
	*st = r->stats;
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

static int add_frame(struct resolver *r, const struct frame *f, uint32_t *out, int *n)
{
	int ret = profile__add_frame(r->profile, f, &out[*n]);

	if (!ret)
		(*n)++;
	return ret;
}

const struct proc_mapping *resolver__lookup_user(struct proc_table *procs, struct symbolizer *sym,
						 struct proc *p, uint64_t addr, uint64_t generation,
						 struct sym_result *res, int *jit)
{
	const struct proc_mapping *m = p ? proc_table__find(procs, p, addr, generation) : NULL;
	char root[64];

	*jit = 0;
	memset(res, 0, sizeof(*res));
	res->vaddr = addr;
	if (p)
		snprintf(root, sizeof(root), "/proc/%u/root", p->pid);
	if (m && m->file) {
		struct sym_file sf = {
			.fd = m->file->fd, .path = m->path, .root = root, .uid = p->uid,
			.dev = m->file->dev, .ino = m->file->ino, .mtime = m->file->mtime,
		};

		symbolizer__user(sym, &sf, addr - m->start + m->pgoff, res);
	} else if (m && !strcmp(m->path, "[vdso]")) {
		symbolizer__vdso(sym, addr - m->start, res);
	} else if (p) {
		/* anonymous executable memory, or no mapping at all: JIT code */
		struct sym_proc sp = {.pid = p->pid, .ns_pid = proc_table__ns_pid(procs, p),
				      .root = root, .uid = p->uid};

		symbolizer__jit(sym, &sp, addr, res);
		*jit = res->nframes > 0;
		if (m && !*jit)
			res->vaddr = addr - m->start;
	}
	return m;
}

/* Frames for one user address, innermost first, into out; returns count. */
static int user_frames(struct resolver *r, struct proc *p, uint64_t addr, uint32_t *out)
{
	struct sym_result res;
	const struct proc_mapping *m;
	struct frame f = {.kind = FRAME_USER};
	char name[320];
	int n = 0, jit;

	m = resolver__lookup_user(r->procs, r->sym, p, addr, r->generation, &res, &jit);
	if (jit) {
		f.name = res.frames[0].name;
		f.module = "[jit]";
		f.kind = FRAME_JIT;
		f.addr = addr;
		return add_frame(r, &f, out, &n) ? -ENOMEM : n;
	}
	if (!m) {
		f.name = "[unknown]";
		f.addr = addr;
		r->stats.unresolved_frames++;
		return add_frame(r, &f, out, &n) ? -ENOMEM : n;
	}
	f.module = m->path;
	if (res.build_id)
		profile__set_build_id(r->profile, m->path, res.build_id);
	f.addr = res.vaddr;
	for (int i = 0; i < res.nframes && n < MAX_FRAMES_PER_ADDR; i++) {
		f.name = res.frames[i].name;
		f.file = res.frames[i].file;
		f.line = res.frames[i].line;
		f.kind = res.frames[i].inlined ? FRAME_INLINE : FRAME_USER;
		if (add_frame(r, &f, out, &n))
			return -ENOMEM;
	}
	if (n == 0) { /* never a bare number: name the file and the offset */
		snprintf(name, sizeof(name), "%s+0x%llx", base_name(m->path),
			 (unsigned long long)res.vaddr);
		f.name = name;
		f.file = NULL;
		f.line = 0;
		r->stats.unresolved_frames++;
		if (add_frame(r, &f, out, &n))
			return -ENOMEM;
	}
	return n;
}

static int kernel_frame(struct resolver *r, uint64_t addr, uint32_t *out)
{
	struct sym_result res;
	struct frame f = {.kind = FRAME_KERNEL, .addr = addr, .module = "[kernel.kallsyms]"};
	const char *module = NULL;
	char name[320];
	int n = 0;

	symbolizer__kernel(r->sym, addr, &res, &module);
	if (res.nframes) {
		if (module) {
			snprintf(name, sizeof(name), "%s [%s]", res.frames[0].name, module);
			f.name = name;
			f.module = module;
		} else {
			f.name = res.frames[0].name;
		}
	} else {
		f.name = "[unknown]";
		r->stats.unresolved_frames++;
	}
	return add_frame(r, &f, out, &n) ? -ENOMEM : n;
}

/* Resolve (image of p, addr) through the cache; appends innermost-first
 * frames. A user address without a process is not cached. */
static int resolve_addr(struct resolver *r, struct proc *p, uint64_t addr, int kernel,
			uint32_t *out)
{
	uint64_t key[2] = {kernel ? 1ULL << 63 : p ? p->image : 0, addr}, v;
	int n;

	if (key[0] && hmap__get(r->cache, key, sizeof(key), &v)) {
		n = (int)(v & 0xff);
		memcpy(out, &r->ids[v >> 8], (size_t)n * sizeof(*out));
		return n;
	}
	n = kernel ? kernel_frame(r, addr, out) : user_frames(r, p, addr, out);
	if (n <= 0 || !key[0])
		return n;
	if (hmap__count(r->cache) >= RESOLVER_CACHE_MAX) {
		if (cache_reset(r))
			return n;
		r->stats.cache_resets++;
	}
	if (array__grow((void **)&r->ids, &r->ids_cap, r->nids + (size_t)n, sizeof(*r->ids)))
		return n; /* uncached is still correct */
	memcpy(&r->ids[r->nids], out, (size_t)n * sizeof(*out));
	if (hmap__put(r->cache, key, sizeof(key), (uint64_t)r->nids << 8 | (uint64_t)n, NULL,
		      NULL) > 0)
		r->nids += (size_t)n;
	return n;
}

static const char *lost_reason(int32_t id)
{
	switch (-id) {
	case EEXIST: return "collision";
	case EFAULT: return "unreadable";
	case ENOMEM: return "map full";
	case -STACK_ID_UNWOUND: return "unwound stack evicted";
	default: return "error";
	}
}

void resolver__set_python(struct resolver *r, struct python *py)
{
	r->python = py;
}

/* The frame id of Python frame f of p, through the cache. */
static int python_frame(struct resolver *r, struct proc *p, const struct py_frame *f,
			uint32_t *id)
{
	uint64_t key[4] = {p ? p->image : 0, f->code, f->fingerprint, f->instr}, v;
	struct frame fr;
	int ret;

	if (key[0] && hmap__get(r->cache, key, sizeof(key), &v)) {
		*id = r->ids[v >> 8];
		return 0;
	}
	if ((ret = python__frame(r->python, p, f, &fr)) || (ret = profile__add_frame(r->profile, &fr, id)))
		return ret;
	if (!key[0] || !strcmp(fr.name, PYTHON_CODE_UNREADABLE) ||
	    !strcmp(fr.name, PYTHON_CODE_CHANGED))
		return 0; /* read again next time: it may be readable then */
	if (hmap__count(r->cache) >= RESOLVER_CACHE_MAX) {
		if (cache_reset(r))
			return 0;
		r->stats.cache_resets++;
	}
	if (array__grow((void **)&r->ids, &r->ids_cap, r->nids + 1, sizeof(*r->ids)))
		return 0;
	r->ids[r->nids] = *id;
	if (hmap__put(r->cache, key, sizeof(key), (uint64_t)r->nids << 8 | 1, NULL, NULL) > 0)
		r->nids++;
	return 0;
}

/* The user frames frames[0..*n) (root first) with the Python stack merged
 * in (python__merge). 0 or -ENOMEM. */
static int merge_python(struct resolver *r, struct proc *p, const struct py_stack *py,
			uint32_t *frames, int *n, int max)
{
	uint32_t ids[PY_MAX_FRAMES], out[MAX_FRAMES];
	uint8_t is_eval[MAX_FRAMES];
	int len = py->len > PY_MAX_FRAMES ? PY_MAX_FRAMES : (int)py->len, ret;

	for (int i = 0; i < len; i++)
		if ((ret = python_frame(r, p, &py->frames[i], &ids[i])))
			return ret;
	for (int i = 0; i < *n; i++)
		is_eval[i] = (uint8_t)python__is_eval_frame(profile__frame(r->profile, frames[i]));
	*n = python__merge(frames, is_eval, *n, ids, py->frames, len, out,
			   max < MAX_FRAMES ? max : MAX_FRAMES);
	memcpy(frames, out, (size_t)*n * sizeof(*frames));
	r->stats.py_frames += (uint64_t)len;
	return 0;
}

static int add_lost(struct resolver *r, const char *what, int32_t id, uint32_t *out, int *n)
{
	char name[96];
	struct frame f = {.kind = FRAME_LOST, .name = name};

	snprintf(name, sizeof(name), "[%s stack lost: %s]", what, lost_reason(id));
	return add_frame(r, &f, out, n);
}

/* The labels of p's samples (p NULL: a sample without a process, which has
 * the static ones only), interned in the profile, once per identity. */
static int process_labels(struct resolver *r, const struct proc *p,
			  const struct profile_labels **out)
{
	struct profile_label l[LABEL_MAX_STATIC + 8];
	uint64_t key = p ? p->identity : 0, v;
	struct identity id;
	size_t n = 0;
	int ret;

	if (hmap__get(r->label_cache, &key, sizeof(key), &v)) {
		*out = (const struct profile_labels *)(uintptr_t)v;
		return 0;
	}
	for (size_t i = 0; i < r->nstatic && n < LABEL_MAX_STATIC + 1; i++)
		l[n++] = r->static_labels[i];
	if (p) {
		identity__from_cgroup(p->cgroup, &id);
		l[n++] = (struct profile_label){"exe", p->exe};
		l[n++] = (struct profile_label){"container_id", id.container_id};
		l[n++] = (struct profile_label){"pod_uid", id.pod_uid};
		l[n++] = (struct profile_label){"service", id.service};
	}
	ret = profile__labels(r->profile, l, n, out);
	if (ret)
		return ret;
	if (hmap__count(r->label_cache) >= RESOLVER_CACHE_MAX) {
		struct hmap *fresh = hmap__new();

		if (!fresh)
			return 0; /* uncached is still correct */
		hmap__free(r->label_cache);
		r->label_cache = fresh;
	}
	hmap__put(r->label_cache, &key, sizeof(key), (uint64_t)(uintptr_t)*out, NULL, NULL);
	return 0;
}

int resolver__add(void *resolver, const struct sample_key *key, uint64_t count,
		  const uint64_t *kstack, int kdepth, const uint64_t *ustack, int udepth,
		  const struct py_stack *py)
{
	struct resolver *r = resolver;
	uint32_t frames[MAX_FRAMES], tmp[MAX_FRAMES_PER_ADDR];
	struct proc *p = NULL;
	struct profile_origin o;
	char comm[TASK_COMM_LEN + 1];
	int n = 0;

	memcpy(comm, key->comm, TASK_COMM_LEN);
	comm[TASK_COMM_LEN] = '\0';
	if (key->ustack_id >= 0 || udepth || py)
		p = proc_table__get(r->procs, key->tgid);

	/* user frames, root first */
	if (key->ustack_id < 0 && key->ustack_id != STACK_ID_NONE &&
	    !(key->ustack_id == STACK_ID_UNWOUND && udepth > 0)) {
		r->stats.user_stack_lost += count;
		if (add_lost(r, "user", key->ustack_id, frames, &n))
			return -ENOMEM;
	}
	if (udepth >= MAX_STACK_DEPTH) {
		struct frame f = {.kind = FRAME_LOST, .name = "[truncated]"};

		r->stats.truncated_user += count;
		if (add_frame(r, &f, frames, &n))
			return -ENOMEM;
	}
	for (int i = udepth - 1; i >= 0; i--) {
		/* return addresses point after the call: step back into it */
		uint64_t addr = i > 0 && ustack[i] ? ustack[i] - 1 : ustack[i];
		int k = resolve_addr(r, p, addr, 0, tmp);

		if (k < 0)
			return k;
		/* tmp is innermost first; the profile wants root first */
		for (int j = k - 1; j >= 0 && n < MAX_FRAMES; j--)
			frames[n++] = tmp[j];
	}
	if (py && py->len && r->python) {
		int ret = merge_python(r, p, py, frames, &n, MAX_FRAMES);

		if (ret)
			return ret;
		r->stats.py_samples += count;
	}

	/* kernel frames, root first */
	if (key->kstack_id < 0 && key->kstack_id != STACK_ID_NONE) {
		r->stats.kernel_stack_lost += count;
		if (add_lost(r, "kernel", key->kstack_id, frames, &n))
			return -ENOMEM;
	}
	for (int i = kdepth - 1; i >= 0 && n < MAX_FRAMES; i--) {
		uint64_t addr = i > 0 ? kstack[i] - 1 : kstack[i];
		int k = resolve_addr(r, NULL, addr, 1, tmp);

		if (k < 0)
			return k;
		for (int j = k - 1; j >= 0 && n < MAX_FRAMES; j--)
			frames[n++] = tmp[j];
	}
	r->stats.samples += count;
	r->stats.frames += (uint64_t)n * count;
	if (!p) /* for the cgroup and labels: a kernel-only sample captures nothing */
		p = proc_table__lookup(r->procs, key->tgid);
	o = (struct profile_origin){key->tgid, key->tid, comm, p ? p->cgroup : NULL, NULL};
	if (process_labels(r, p, &o.labels))
		return -ENOMEM;
	return profile__add_sample_from(r->profile, frames, (uint32_t)n, &o, count);
}
