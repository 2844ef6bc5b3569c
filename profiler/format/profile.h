/* SPDX-License-Identifier: MIT */
/*
 * profile.h - a symbolized, aggregated CPU profile: the one data model every
 * output (folded, pprof, HTML) reads and every input (collector, folded and
 * pprof readers) writes.
 *
 * Strings, frames, stacks and label sets are interned; samples with the same
 * (stack, pid, tid, comm, cgroup, labels) are merged. Everything a profile returns is owned by
 * it and valid until profile__free().
 */
#ifndef BPFPROF_PROFILE_H
#define BPFPROF_PROFILE_H

#include <stddef.h>
#include <stdint.h>

enum frame_kind {
	FRAME_USER = 0,
	FRAME_KERNEL, /* folded suffix _[k] */
	FRAME_INLINE, /* inlined into the next frame toward the root; _[i] */
	FRAME_JIT,    /* from a perf map file; _[j] */
	FRAME_LOST,   /* placeholder for a stack that could not be read */
	FRAME_PYTHON, /* an interpreted CPython function: name is its qualname,
		       * file its source file, module "[python]"; _[p] */
};
#define FRAME_KIND_MAX FRAME_PYTHON

struct frame {
	const char *name;   /* never NULL */
	const char *module; /* binary path, "[kernel.kallsyms]", module; or NULL */
	const char *file;   /* source file, or NULL */
	uint32_t line;      /* 0 when unknown */
	enum frame_kind kind;
	uint64_t addr;      /* user: ELF virtual address in module; kernel: address */
};

/* The label of a frame for outputs that show one string: a Python frame is
 * "qualname (file.py)" (":line" too with lines), others their name. Returns
 * buf or f->name. */
const char *frame__label(const struct frame *f, int lines, char *buf, size_t len);

/* A sample's labels beyond pid, tid, comm and cgroup (host, exe,
 * container_id, pod_uid, service, the static ones, a pprof file's own). */
struct profile_label {
	const char *key, *value;
};

/* An interned label set: keys sorted (strcmp), each once, values non-empty.
 * Two samples of a profile with equal sets have the same pointer. */
struct profile_labels {
	size_t n;
	struct profile_label l[];
};

/* Labels in one set at most (readers of files refuse more). */
#define PROFILE_MAX_LABELS 64

struct profile_sample {
	const uint32_t *frames; /* frame ids, root first */
	uint32_t nframes;
	uint32_t pid, tid;
	const char *comm;
	const char *cgroup; /* cgroup path, or NULL when unknown */
	const struct profile_labels *labels; /* NULL when none */
	const char *pid_text; /* pid in decimal, NULL when 0 (profile_sample__label) */
	uint64_t count;
};

/* Who a sample is, to add it: labels interned in the same profile
 * (profile__labels) or NULL. */
struct profile_origin {
	uint32_t pid, tid;
	const char *comm;   /* NULL: "" */
	const char *cgroup; /* NULL: unknown */
	const struct profile_labels *labels;
};

struct profile_meta {
	uint64_t time_ns;     /* start, nanoseconds since the Unix epoch */
	uint64_t duration_ns; /* 0 when unknown */
	uint64_t period_ns;   /* CPU time one sample stands for */
};

struct profile;

struct profile *profile__new(void);
void profile__free(struct profile *p);

struct profile_meta *profile__meta(struct profile *p);
const struct profile_meta *profile__meta_const(const struct profile *p);

/* Intern a string; NULL stays NULL. Returns NULL on allocation failure. */
const char *profile__intern(struct profile *p, const char *s);

/* Intern a frame (its strings are copied). Returns 0 or -ENOMEM. */
int profile__add_frame(struct profile *p, const struct frame *f, uint32_t *id);

/* Add count to the sample (frames root first, pid, tid, comm). 0 or -errno. */
int profile__add_sample(struct profile *p, const uint32_t *frames, uint32_t nframes,
			uint32_t pid, uint32_t tid, const char *comm, uint64_t count);

/* The same, with the sample's cgroup and labels. */
int profile__add_sample_from(struct profile *p, const uint32_t *frames, uint32_t nframes,
			     const struct profile_origin *o, uint64_t count);

/* Intern a label set of n labels (any order; strings copied) into p:
 * *out is NULL when n is 0 or every value is empty (an empty value is no
 * label). 0, -EINVAL (a key twice, an empty key), -E2BIG (more than
 * PROFILE_MAX_LABELS) or -ENOMEM. */
int profile__labels(struct profile *p, const struct profile_label *l, size_t n,
		    const struct profile_labels **out);

/* The value of label key in set, or NULL. */
const char *profile_labels__get(const struct profile_labels *set, const char *key);

/* The sample's value of label key: "pid" (decimal), "comm", "cgroup", or a
 * key of its label set (host, exe, container_id, pod_uid, service, static
 * ones). NULL when absent. Valid as long as the profile. */
const char *profile_sample__label(const struct profile_sample *s, const char *key);

/* Add every sample of src to dst: frames, strings and build-ids are interned
 * into dst, samples merged as profile__add_sample does; dst's meta is left
 * alone. 0 or -ENOMEM (dst then holds part of src). */
int profile__merge(struct profile *dst, const struct profile *src);

/* Record a module's build-id (lower-case hex) for outputs that carry it. */
int profile__set_build_id(struct profile *p, const char *module, const char *build_id);
const char *profile__build_id(const struct profile *p, const char *module);

size_t profile__frame_count(const struct profile *p);
const struct frame *profile__frame(const struct profile *p, uint32_t id);
size_t profile__sample_count(const struct profile *p);
const struct profile_sample *profile__sample(const struct profile *p, size_t i);
uint64_t profile__total(const struct profile *p);

#endif
