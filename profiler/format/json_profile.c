// SPDX-License-Identifier: MIT
/*
 * json_profile.c - write the flame-graph JSON (web/README.md): a string
 * table, frames as (name, kind) pairs, stacks of frame indexes root first
 * with a parallel array of counts (and of base counts in a diff).
 */
#include "common/array.h"
#include "format/json_profile.h"
#include "common/hmap.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define KIND_COMM 5 /* after FRAME_LOST: the process name */
#define KIND_PYTHON 6 /* FRAME_PYTHON, listed after comm (the pages' kind 5) */

struct stack {
	const uint32_t *frames;
	uint32_t n;
	uint64_t count, base;
};

struct jw {
	struct hmap *strings, *frames, *stacks;
	const char **strs;
	size_t nstrs, strcap;
	uint32_t (*fr)[2];
	size_t nfr, frcap;
	struct stack *st;
	size_t nst, stcap;
	uint32_t *key;
	size_t keycap;
};

static int frame_index(struct jw *w, const char *name, uint32_t kind, uint32_t *idx)
{
	uint64_t sidx, existing;
	const void *stored;
	uint32_t key[2];
	int ret;

	ret = hmap__put(w->strings, name, strlen(name) + 1, w->nstrs, &sidx, &stored);
	if (ret < 0)
		return ret;
	if (ret == 1) {
		if (array__grow((void **)&w->strs, &w->strcap, w->nstrs + 1, sizeof(*w->strs)))
			return -ENOMEM;
		w->strs[w->nstrs] = stored;
		sidx = w->nstrs++;
	}
	key[0] = (uint32_t)sidx;
	key[1] = kind;
	ret = hmap__put(w->frames, key, sizeof(key), w->nfr, &existing, NULL);
	if (ret < 0)
		return ret;
	if (ret == 0) {
		*idx = (uint32_t)existing;
		return 0;
	}
	if (array__grow((void **)&w->fr, &w->frcap, w->nfr + 1, sizeof(*w->fr)))
		return -ENOMEM;
	w->fr[w->nfr][0] = key[0];
	w->fr[w->nfr][1] = kind;
	*idx = (uint32_t)w->nfr++;
	return 0;
}

static int add_profile(struct jw *w, const struct profile *p, int is_base)
{
	for (size_t i = 0; i < profile__sample_count(p); i++) {
		const struct profile_sample *s = profile__sample(p, i);
		const char *comm = s->comm && *s->comm ? s->comm : "[unknown]";
		uint64_t existing;
		const void *stored;
		int ret;

		if (!s->count)
			continue;
		if (array__grow((void **)&w->key, &w->keycap, (size_t)s->nframes + 1, sizeof(*w->key)))
			return -ENOMEM;
		if ((ret = frame_index(w, comm, KIND_COMM, &w->key[0])))
			return ret;
		for (uint32_t j = 0; j < s->nframes; j++) {
			const struct frame *f = profile__frame(p, s->frames[j]);
			char label[1024];

			if ((ret = frame_index(w, frame__label(f, 0, label, sizeof(label)),
					       f->kind == FRAME_PYTHON ? KIND_PYTHON
								       : (uint32_t)f->kind,
					       &w->key[j + 1])))
				return ret;
		}
		ret = hmap__put(w->stacks, w->key, ((size_t)s->nframes + 1) * sizeof(*w->key), w->nst,
				&existing, &stored);
		if (ret < 0)
			return ret;
		if (ret == 1) {
			if (array__grow((void **)&w->st, &w->stcap, w->nst + 1, sizeof(*w->st)))
				return -ENOMEM;
			w->st[w->nst] = (struct stack){.frames = stored, .n = s->nframes + 1};
			existing = w->nst++;
		}
		if (is_base)
			w->st[existing].base += s->count;
		else
			w->st[existing].count += s->count;
	}
	return 0;
}

/* Lexicographic by frame index: stacks sharing a prefix end up adjacent,
 * which lets the renderer reuse the path it just built. */
static int stack_cmp(const void *pa, const void *pb)
{
	const struct stack *a = pa, *b = pb;
	uint32_t n = a->n < b->n ? a->n : b->n;

	for (uint32_t i = 0; i < n; i++)
		if (a->frames[i] != b->frames[i])
			return (a->frames[i] > b->frames[i]) - (a->frames[i] < b->frames[i]);
	return (a->n > b->n) - (a->n < b->n);
}

int json_profile__string(const char *s, FILE *out)
{
	static const char hex[] = "0123456789abcdef";

	if (putc('"', out) == EOF)
		return -EIO;
	for (const unsigned char *c = (const unsigned char *)(s ? s : ""); *c; c++) {
		switch (*c) {
		case '"': fputs("\\\"", out); break;
		case '\\': fputs("\\\\", out); break;
		case '\n': fputs("\\n", out); break;
		case '\t': fputs("\\t", out); break;
		case '<': case '>': case '&':
			fprintf(out, "\\u00%c%c", hex[*c >> 4], hex[*c & 15]);
			break;
		default:
			if (*c < 0x20)
				fprintf(out, "\\u00%c%c", hex[*c >> 4], hex[*c & 15]);
			else
				putc(*c, out);
		}
	}
	return putc('"', out) == EOF ? -EIO : 0;
}

static int emit(const struct jw *w, const struct profile *p, const struct profile *base,
		const char *title, FILE *out)
{
	const struct profile_meta *m = profile__meta_const(p);

	fputs("{\"format\":\"bpfprof-flamegraph\",\"version\":1,\"title\":", out);
	json_profile__string(title ? title : base ? "Differential flame graph" : "Flame graph",
			     out);
	fprintf(out,
		",\"unit\":\"samples\",\"periodNs\":%" PRIu64 ",\"timeNs\":%" PRIu64
		",\"durationNs\":%" PRIu64 ",\"total\":%" PRIu64,
		m->period_ns, m->time_ns, m->duration_ns, profile__total(p));
	if (base)
		fprintf(out, ",\"baseTotal\":%" PRIu64, profile__total(base));
	fputs(",\n\"kinds\":[\"user\",\"kernel\",\"inline\",\"jit\",\"lost\",\"comm\",\"python\"],\n\"strings\":[",
	      out);
	for (size_t i = 0; i < w->nstrs; i++) {
		if (i)
			putc(',', out);
		json_profile__string(w->strs[i], out);
	}
	fputs("],\n\"frames\":[", out);
	for (size_t i = 0; i < w->nfr; i++)
		fprintf(out, "%s%u,%u", i ? "," : "", w->fr[i][0], w->fr[i][1]);
	fputs("],\n\"stacks\":[", out);
	for (size_t i = 0; i < w->nst; i++) {
		putc(i ? ',' : '[', out);
		if (i)
			putc('[', out);
		for (uint32_t j = 0; j < w->st[i].n; j++)
			fprintf(out, "%s%u", j ? "," : "", w->st[i].frames[j]);
		putc(']', out);
	}
	fputs("],\n\"counts\":[", out);
	for (size_t i = 0; i < w->nst; i++)
		fprintf(out, "%s%" PRIu64, i ? "," : "", w->st[i].count);
	putc(']', out);
	if (base) {
		fputs(",\n\"baseCounts\":[", out);
		for (size_t i = 0; i < w->nst; i++)
			fprintf(out, "%s%" PRIu64, i ? "," : "", w->st[i].base);
		putc(']', out);
	}
	fputs("}\n", out);
	return ferror(out) ? -EIO : 0;
}

int json_profile__write(const struct profile *p, const struct profile *base, const char *title,
			FILE *out)
{
	struct jw w = {0};
	int ret = -ENOMEM;

	w.strings = hmap__new();
	w.frames = hmap__new();
	w.stacks = hmap__new();
	if (!w.strings || !w.frames || !w.stacks)
		goto cleanup;
	if ((ret = add_profile(&w, p, 0)) || (base && (ret = add_profile(&w, base, 1))))
		goto cleanup;
	if (w.nst > 1)
		qsort(w.st, w.nst, sizeof(*w.st), stack_cmp);
	ret = emit(&w, p, base, title, out);
cleanup:
	hmap__free(w.strings);
	hmap__free(w.frames);
	hmap__free(w.stacks);
	free(w.strs);
	free(w.fr);
	free(w.st);
	free(w.key);
	return ret;
}
