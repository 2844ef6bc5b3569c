// SPDX-License-Identifier: MIT
#include "common/array.h"
#include "format/profile.h"
#include "common/hmap.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

/* A sample's key: pid, tid, interned comm, cgroup and label set, then the
 * frame ids. */
#define SAMPLE_KEY_HEAD 5

struct profile {
	struct profile_meta meta;
	struct hmap *strings; /* string -> 0; the stored key is the interned copy */
	struct hmap *frame_ids; /* struct frame (interned pointers) -> id */
	struct frame *frames;
	size_t nframes, frames_cap;
	struct hmap *sample_ids; /* sample key bytes -> index */
	struct profile_sample *samples;
	size_t nsamples, samples_cap;
	struct hmap *build_ids; /* interned module pointer -> interned build-id */
	struct hmap *label_sets; /* struct profile_labels bytes -> 0; the stored key is the set */
	uint64_t total;
};

struct profile *profile__new(void)
{
	struct profile *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->strings = hmap__new();
	p->frame_ids = hmap__new();
	p->sample_ids = hmap__new();
	p->build_ids = hmap__new();
	p->label_sets = hmap__new();
	if (!p->strings || !p->frame_ids || !p->sample_ids || !p->build_ids || !p->label_sets) {
		profile__free(p);
		return NULL;
	}
	return p;
}

void profile__free(struct profile *p)
{
	if (!p)
		return;
	hmap__free(p->strings);
	hmap__free(p->frame_ids);
	hmap__free(p->sample_ids);
	hmap__free(p->build_ids);
	hmap__free(p->label_sets);
	free(p->frames);
	free(p->samples);
	free(p);
}

struct profile_meta *profile__meta(struct profile *p)
{
	return &p->meta;
}

const struct profile_meta *profile__meta_const(const struct profile *p)
{
	return &p->meta;
}

const char *profile__intern(struct profile *p, const char *s)
{
	const void *stored;

	if (!s)
		return NULL;
	if (hmap__put(p->strings, s, strlen(s) + 1, 0, NULL, &stored) < 0)
		return NULL;
	return stored;
}

int profile__add_frame(struct profile *p, const struct frame *f, uint32_t *id)
{
	struct frame key = {0};
	uint64_t existing;
	int ret;

	memset(&key, 0, sizeof(key)); /* padding is part of the hashed key */
	key.name = profile__intern(p, f->name ? f->name : "[unknown]");
	key.module = profile__intern(p, f->module);
	key.file = profile__intern(p, f->file);
	key.line = f->line;
	key.kind = f->kind;
	key.addr = f->addr;
	if (!key.name || (f->module && !key.module) || (f->file && !key.file))
		return -ENOMEM;
	ret = hmap__put(p->frame_ids, &key, sizeof(key), p->nframes, &existing, NULL);
	if (ret < 0)
		return ret;
	if (ret == 0) {
		*id = (uint32_t)existing;
		return 0;
	}
	if (array__grow((void **)&p->frames, &p->frames_cap, p->nframes + 1, sizeof(*p->frames)))
		return -ENOMEM;
	p->frames[p->nframes] = key;
	*id = (uint32_t)p->nframes++;
	return 0;
}

int profile__add_sample(struct profile *p, const uint32_t *frames, uint32_t nframes,
			uint32_t pid, uint32_t tid, const char *comm, uint64_t count)
{
	struct profile_origin o = {.pid = pid, .tid = tid, .comm = comm};

	return profile__add_sample_from(p, frames, nframes, &o, count);
}

int profile__add_sample_from(struct profile *p, const uint32_t *frames, uint32_t nframes,
			     const struct profile_origin *o, uint64_t count)
{
	size_t len = SAMPLE_KEY_HEAD * sizeof(uint64_t) + (size_t)nframes * sizeof(uint32_t);
	uint64_t stack[64], *key = stack, existing;
	const void *stored;
	const char *icomm = profile__intern(p, o->comm ? o->comm : "");
	const char *icg = profile__intern(p, o->cgroup);
	const char *ipid = NULL;
	char pid[16];
	int ret;

	if (!icomm || (o->cgroup && !icg))
		return -ENOMEM;
	if (len > sizeof(stack)) {
		key = malloc(len);
		if (!key)
			return -ENOMEM;
	}
	key[0] = o->pid;
	key[1] = o->tid;
	key[2] = (uint64_t)(uintptr_t)icomm;
	key[3] = (uint64_t)(uintptr_t)icg;
	key[4] = (uint64_t)(uintptr_t)o->labels;
	if (nframes)
		memcpy(&key[SAMPLE_KEY_HEAD], frames, (size_t)nframes * sizeof(uint32_t));
	ret = hmap__put(p->sample_ids, key, len, p->nsamples, &existing, &stored);
	if (key != stack)
		free(key);
	if (ret < 0)
		return ret;
	p->total += count;
	if (ret == 0) {
		p->samples[existing].count += count;
		return 0;
	}
	if (o->pid) { /* a new sample: its pid as text, for profile_sample__label */
		snprintf(pid, sizeof(pid), "%u", o->pid);
		ipid = profile__intern(p, pid);
	}
	if ((o->pid && !ipid) ||
	    array__grow((void **)&p->samples, &p->samples_cap, p->nsamples + 1, sizeof(*p->samples)))
		return -ENOMEM;
	p->samples[p->nsamples] = (struct profile_sample){
		.frames = (const uint32_t *)((const uint64_t *)stored + SAMPLE_KEY_HEAD),
		.nframes = nframes,
		.pid = o->pid,
		.tid = o->tid,
		.comm = icomm,
		.cgroup = icg,
		.labels = o->labels,
		.pid_text = ipid,
		.count = count,
	};
	p->nsamples++;
	return 0;
}

static int label_cmp(const void *a, const void *b)
{
	const struct profile_label *x = a, *y = b;

	return strcmp(x->key, y->key);
}

int profile__labels(struct profile *p, const struct profile_label *l, size_t n,
		    const struct profile_labels **out)
{
	struct profile_labels *set;
	const void *stored;
	size_t k = 0, len;
	int ret = 0;

	*out = NULL;
	if (n > PROFILE_MAX_LABELS)
		return -E2BIG;
	len = sizeof(*set) + n * sizeof(set->l[0]);
	set = calloc(1, len);
	if (!set)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		if (!l[i].key || !*l[i].key) {
			ret = -EINVAL;
			goto cleanup;
		}
		if (!l[i].value || !*l[i].value)
			continue;
		set->l[k].key = profile__intern(p, l[i].key);
		set->l[k].value = profile__intern(p, l[i].value);
		if (!set->l[k].key || !set->l[k].value) {
			ret = -ENOMEM;
			goto cleanup;
		}
		k++;
	}
	if (!k)
		goto cleanup;
	qsort(set->l, k, sizeof(set->l[0]), label_cmp);
	for (size_t i = 1; i < k; i++)
		if (set->l[i].key == set->l[i - 1].key) { /* interned: equal keys, equal pointers */
			ret = -EINVAL;
			goto cleanup;
		}
	set->n = k;
	len = sizeof(*set) + k * sizeof(set->l[0]);
	ret = hmap__put(p->label_sets, set, len, 0, NULL, &stored);
	if (ret < 0)
		goto cleanup;
	*out = stored; /* the map's copy, inserted or found */
	ret = 0;
cleanup:
	free(set);
	return ret;
}

const char *profile_labels__get(const struct profile_labels *set, const char *key)
{
	size_t lo = 0, hi = set ? set->n : 0;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(set->l[mid].key, key);

		if (!c)
			return set->l[mid].value;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const char *profile_sample__label(const struct profile_sample *s, const char *key)
{
	if (!strcmp(key, "pid"))
		return s->pid_text;
	if (!strcmp(key, "comm"))
		return s->comm && *s->comm ? s->comm : NULL;
	if (!strcmp(key, "cgroup"))
		return s->cgroup;
	return profile_labels__get(s->labels, key);
}

int profile__merge(struct profile *dst, const struct profile *src)
{
	uint32_t *ids = NULL, *frames = NULL;
	size_t frames_cap = 0;
	struct hmap *sets = hmap__new(); /* src's label set -> dst's */
	int ret = 0;

	if (!sets || (src->nframes && !(ids = calloc(src->nframes, sizeof(*ids))))) {
		hmap__free(sets);
		return -ENOMEM;
	}
	for (size_t i = 0; i < src->nframes; i++) {
		const struct frame *f = &src->frames[i];
		const char *bid = profile__build_id(src, f->module);

		ret = profile__add_frame(dst, f, &ids[i]);
		if (!ret && bid)
			ret = profile__set_build_id(dst, f->module, bid);
		if (ret)
			goto cleanup;
	}
	for (size_t i = 0; i < src->nsamples; i++) {
		const struct profile_sample *s = &src->samples[i];
		struct profile_origin o;

		if (array__grow((void **)&frames, &frames_cap, (size_t)s->nframes + 1,
				sizeof(*frames))) {
			ret = -ENOMEM;
			goto cleanup;
		}
		for (uint32_t j = 0; j < s->nframes; j++)
			frames[j] = ids[s->frames[j]]; /* ids < src->nframes: interned by src */
		o = (struct profile_origin){s->pid, s->tid, s->comm, s->cgroup, NULL};
		if (s->labels) {
			uintptr_t key = (uintptr_t)s->labels;
			uint64_t v;

			if (hmap__get(sets, &key, sizeof(key), &v)) {
				o.labels = (const struct profile_labels *)(uintptr_t)v;
			} else {
				ret = profile__labels(dst, s->labels->l, s->labels->n, &o.labels);
				if (!ret && hmap__put(sets, &key, sizeof(key),
						      (uint64_t)(uintptr_t)o.labels, NULL, NULL) < 0)
					ret = -ENOMEM;
			}
		}
		if (!ret)
			ret = profile__add_sample_from(dst, frames, s->nframes, &o, s->count);
		if (ret)
			goto cleanup;
	}
cleanup:
	free(frames);
	free(ids);
	hmap__free(sets);
	return ret;
}

int profile__set_build_id(struct profile *p, const char *module, const char *build_id)
{
	const char *m = profile__intern(p, module), *b = profile__intern(p, build_id);
	uintptr_t key;

	if (!m || !b)
		return -ENOMEM;
	key = (uintptr_t)m;
	if (hmap__put(p->build_ids, &key, sizeof(key), (uintptr_t)b, NULL, NULL) < 0)
		return -ENOMEM;
	return 0;
}

const char *profile__build_id(const struct profile *p, const char *module)
{
	uint64_t v;
	const void *stored;
	uintptr_t key;

	if (!module || !hmap__get_key(p->strings, module, strlen(module) + 1, NULL, &stored))
		return NULL;
	key = (uintptr_t)stored;
	if (!hmap__get(p->build_ids, &key, sizeof(key), &v))
		return NULL;
	return (const char *)(uintptr_t)v;
}

size_t profile__frame_count(const struct profile *p)
{
	return p->nframes;
}

const struct frame *profile__frame(const struct profile *p, uint32_t id)
{
	return id < p->nframes ? &p->frames[id] : NULL;
}

size_t profile__sample_count(const struct profile *p)
{
	return p->nsamples;
}

const struct profile_sample *profile__sample(const struct profile *p, size_t i)
{
	return i < p->nsamples ? &p->samples[i] : NULL;
}

uint64_t profile__total(const struct profile *p)
{
	return p->total;
}

static const char *path_base(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

const char *frame__label(const struct frame *f, int lines, char *buf, size_t len)
{
	if (f->kind != FRAME_PYTHON || !f->file)
		return f->name;
	if (lines && f->line)
		snprintf(buf, len, "%s (%s:%u)", f->name, path_base(f->file), f->line);
	else
		snprintf(buf, len, "%s (%s)", f->name, path_base(f->file));
	return buf;
}
