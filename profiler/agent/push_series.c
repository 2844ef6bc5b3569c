// SPDX-License-Identifier: MIT
#include "agent/push_series.h"
#include "common/array.h"
#include "common/bytebuf.h"
#include "common/hmap.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static const char *const group_names[] = {"service", "container", "exe", "comm"};
static const char *const group_keys[] = {"service", "container_id", "exe", "comm"};

/* The labels a series name may carry, when all its samples agree. */
static const char *const name_keys[] = {"host", "service", "container_id", "pod_uid", "exe",
					"comm"};
#define NAME_KEYS (sizeof(name_keys) / sizeof(name_keys[0]))

int push_group__parse(const char *s, enum push_group *g)
{
	for (size_t i = 0; i < sizeof(group_names) / sizeof(group_names[0]); i++)
		if (!strcmp(s, group_names[i])) {
			*g = (enum push_group)i;
			return 0;
		}
	return -EINVAL;
}

/* Append v with every byte Pyroscope's series names do not allow as '_',
 * at most max bytes. */
static void put_clean(struct bytebuf *b, const char *v, bool value, size_t max)
{
	for (size_t i = 0; v[i] && i < max; i++) {
		unsigned char c = (unsigned char)v[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-' ||
			  (value && (c == '/' || c == ':'));

		bytebuf__put(b, ok ? (const char *)&c : "_", 1);
	}
}

/* The series a sample belongs to: its grouping label, else its
 * executable's base name, else its comm. */
static const char *group_of(const struct profile_sample *s, enum push_group g)
{
	const char *v = profile_sample__label(s, group_keys[g]), *exe;

	if (v && *v)
		return v;
	exe = profile_sample__label(s, "exe");
	if (exe && *exe) {
		const char *slash = strrchr(exe, '/');

		if (slash && slash[1])
			return slash + 1;
		if (!slash)
			return exe;
	}
	v = profile_sample__label(s, "comm");
	return v && *v ? v : "unknown";
}

struct group {
	const char *app; /* the map's copy, cleaned */
	size_t first, n; /* its samples in order[] */
};

static int group_cmp(const void *a, const void *b)
{
	return strcmp(((const struct group *)a)->app, ((const struct group *)b)->app);
}

/* key's value when every sample idx[0..n) of window has the same, else NULL. */
static const char *shared_value(const struct profile *window, const size_t *idx, size_t n,
				const char *key)
{
	const char *v = NULL;

	for (size_t i = 0; i < n; i++) {
		const char *w = profile_sample__label(profile__sample(window, idx[i]), key);

		if (!w || !*w || (v && strcmp(v, w)))
			return NULL;
		v = w;
	}
	return v;
}

static bool is_name_key(const char *key)
{
	for (size_t k = 0; k < NAME_KEYS; k++)
		if (!strcmp(key, name_keys[k]))
			return true;
	return false;
}

static void put_label(struct bytebuf *b, bool *any, const char *key, const char *v)
{
	if (*any)
		bytebuf__puts(b, ",");
	put_clean(b, key, false, 64); /* a window file's keys are not ours either */
	bytebuf__puts(b, "=");
	put_clean(b, v, true, 256);
	*any = true;
}

/* The series name of the samples idx[0..n) of window: the identity labels
 * and then the static ones (--label: cluster, env, ...) that all of them
 * share. NULL: no memory. */
static char *series_name(const struct profile *window, const char *app, const size_t *idx,
			 size_t n)
{
	const struct profile_labels *first = n ? profile__sample(window, idx[0])->labels : NULL;
	struct bytebuf b = {0};
	bool any = false;
	const char *v;

	bytebuf__puts(&b, app);
	bytebuf__puts(&b, ".cpu{");
	for (size_t k = 0; k < NAME_KEYS; k++)
		if ((v = shared_value(window, idx, n, name_keys[k])))
			put_label(&b, &any, name_keys[k], v);
	for (size_t j = 0; first && j < first->n; j++)
		if (!is_name_key(first->l[j].key) &&
		    (v = shared_value(window, idx, n, first->l[j].key)))
			put_label(&b, &any, first->l[j].key, v);
	bytebuf__put(&b, "}", 2); /* with the terminating NUL */
	if (b.err) {
		bytebuf__release(&b);
		return NULL;
	}
	return (char *)b.data;
}

/* The profile of the samples idx[0..n) of window; map (one entry per frame
 * of window, all UINT32_MAX) is left as it was found. */
static struct profile *series_profile(const struct profile *window, const size_t *idx, size_t n,
				      uint32_t *map, uint32_t **frames, size_t *frames_cap)
{
	struct profile *p = profile__new();
	int ret = p ? 0 : -ENOMEM;

	if (p)
		*profile__meta(p) = *profile__meta_const(window);
	for (size_t i = 0; !ret && i < n; i++) {
		const struct profile_sample *s = profile__sample(window, idx[i]);

		ret = array__grow((void **)frames, frames_cap, s->nframes ? s->nframes : 1,
				  sizeof(**frames));
		for (uint32_t f = 0; !ret && f < s->nframes; f++) {
			uint32_t id = s->frames[f];

			if (map[id] == UINT32_MAX) {
				const struct frame *fr = profile__frame(window, id);

				ret = profile__add_frame(p, fr, &map[id]);
				if (!ret && fr->module && profile__build_id(window, fr->module))
					ret = profile__set_build_id(
					    p, fr->module, profile__build_id(window, fr->module));
			}
			(*frames)[f] = map[id];
		}
		if (!ret) {
			struct profile_origin o = {.pid = s->pid, .tid = s->tid, .comm = s->comm,
						   .cgroup = s->cgroup};

			/* the set is interned in window: intern it in p */
			if (s->labels)
				ret = profile__labels(p, s->labels->l, s->labels->n, &o.labels);
			if (!ret)
				ret = profile__add_sample_from(p, *frames, s->nframes, &o, s->count);
		}
	}
	/* put map back for the next series: only the frames used here */
	for (size_t i = 0; i < n; i++) {
		const struct profile_sample *s = profile__sample(window, idx[i]);

		for (uint32_t f = 0; f < s->nframes; f++)
			map[s->frames[f]] = UINT32_MAX;
	}
	if (ret) {
		profile__free(p);
		return NULL;
	}
	return p;
}

int push_series__split(const struct profile *window, enum push_group g,
		       struct push_series **out, size_t *nout)
{
	size_t ns = profile__sample_count(window), nf = profile__frame_count(window);
	size_t ngroups = 0, groups_cap = 0, frames_cap = 0;
	struct hmap *byname = hmap__new();
	struct group *groups = NULL;
	struct push_series *series = NULL;
	size_t *of = malloc((ns ? ns : 1) * sizeof(*of));
	size_t *order = malloc((ns ? ns : 1) * sizeof(*order));
	uint32_t *map = malloc((nf ? nf : 1) * sizeof(*map)), *frames = NULL;
	struct bytebuf clean = {0};
	int ret = 0;

	*out = NULL;
	*nout = 0;
	if (!byname || !of || !order || !map) {
		ret = -ENOMEM;
		goto cleanup;
	}
	for (size_t i = 0; i < nf; i++)
		map[i] = UINT32_MAX;
	for (size_t i = 0; i < ns; i++) {
		uint64_t gi;
		int put;

		bytebuf__reset(&clean);
		put_clean(&clean, group_of(profile__sample(window, i), g), false, 128);
		if (clean.err) {
			ret = -ENOMEM;
			goto cleanup;
		}
		put = hmap__put(byname, clean.data, clean.len, ngroups, &gi, NULL);
		if (put < 0 || (put == 1 && array__grow((void **)&groups, &groups_cap, ngroups + 1,
							 sizeof(*groups)))) {
			ret = -ENOMEM;
			goto cleanup;
		}
		if (put == 1) {
			/* a NUL-terminated copy: the map's key is not */
			char *app = malloc(clean.len + 1);

			if (!app) {
				ret = -ENOMEM;
				goto cleanup;
			}
			memcpy(app, clean.data, clean.len);
			app[clean.len] = '\0';
			groups[ngroups] = (struct group){app, 0, 0};
			gi = ngroups++;
		}
		of[i] = (size_t)gi;
		groups[gi].n++;
	}
	/* samples by group, in window order within one (a counting sort) */
	for (size_t gi = 0, at = 0; gi < ngroups; gi++) {
		groups[gi].first = at;
		at += groups[gi].n;
		groups[gi].n = 0;
	}
	for (size_t i = 0; i < ns; i++) {
		struct group *gr = &groups[of[i]];

		order[gr->first + gr->n++] = i;
	}
	if (!ngroups) /* no samples: no series */
		goto cleanup;
	qsort(groups, ngroups, sizeof(*groups), group_cmp);
	series = calloc(ngroups, sizeof(*series));
	if (!series) {
		ret = -ENOMEM;
		goto cleanup;
	}
	for (size_t gi = 0; gi < ngroups; gi++) {
		const size_t *idx = order + groups[gi].first;
		struct push_series *s = &series[gi];

		s->name = series_name(window, groups[gi].app, idx, groups[gi].n);
		s->p = series_profile(window, idx, groups[gi].n, map, &frames, &frames_cap);
		if (!s->name || !s->p) {
			push_series__free(series, gi + 1);
			series = NULL;
			ret = -ENOMEM;
			goto cleanup;
		}
		s->samples = profile__total(s->p);
	}
	*out = series;
	*nout = ngroups;
	series = NULL;
cleanup:
	for (size_t gi = 0; gi < ngroups; gi++)
		free((char *)groups[gi].app);
	free(groups);
	free(series);
	hmap__free(byname);
	free(of);
	free(order);
	free(map);
	free(frames);
	bytebuf__release(&clean);
	return ret;
}

void push_series__free(struct push_series *s, size_t n)
{
	for (size_t i = 0; s && i < n; i++) {
		profile__free(s[i].p);
		free(s[i].name);
	}
	free(s);
}
