// SPDX-License-Identifier: MIT
/*
 * pprof.c - write a profile as profile.proto (see pprof.h), by hand: one
 * fixed schema does not need a protobuf library. Field numbers:
 * pprof_proto.h.
 */
#include "common/array.h"
#include "format/pprof.h"
#include "format/pprof_proto.h"
#include "common/hmap.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define KERNEL_MAPPING "[kernel.kallsyms]"
#define JIT_MAPPING "[jit]"

struct mapping {
	uint64_t name, build_id; /* string indexes */
	uint64_t lo, hi;
	uint64_t self;  /* samples whose leaf is here */
	bool files, lines, inlines;
	bool user, has_main;
};

struct location {
	uint64_t mapping; /* id, 0 = none */
	uint64_t addr;
	size_t first; /* into the frame-id pool */
	uint32_t n;
};

struct writer {
	const struct profile *p;
	struct hmap *strings, *functions, *mappings, *locations;
	const char **strtab;
	size_t nstr, strcap;
	uint64_t (*funcs)[2]; /* name, file string indexes */
	size_t nfuncs, funccap;
	struct mapping *maps;
	size_t nmaps, mapcap;
	struct location *locs;
	size_t nlocs, loccap;
	uint32_t *pool;
	size_t npool, poolcap;
	uint64_t *map_order; /* old mapping id - 1 -> new id */
};

/* String index of s ("" and NULL are 0). Strings must outlive the writer. */
static int str(struct writer *w, const char *s, uint64_t *idx)
{
	uint64_t existing;
	int ret;

	if (!s || !*s) {
		*idx = 0;
		return 0;
	}
	ret = hmap__put(w->strings, s, strlen(s) + 1, w->nstr, &existing, NULL);
	if (ret < 0)
		return ret;
	if (ret == 0) {
		*idx = existing;
		return 0;
	}
	if (array__grow((void **)&w->strtab, &w->strcap, w->nstr + 1, sizeof(*w->strtab)))
		return -ENOMEM;
	w->strtab[w->nstr] = s;
	*idx = w->nstr++;
	return 0;
}

static int function(struct writer *w, const struct frame *f, uint64_t *id)
{
	uintptr_t key[2] = {(uintptr_t)f->name, (uintptr_t)f->file};
	uint64_t existing, name, file;
	int ret = hmap__put(w->functions, key, sizeof(key), w->nfuncs + 1, &existing, NULL);

	if (ret < 0)
		return ret;
	if (ret == 0) {
		*id = existing;
		return 0;
	}
	if (str(w, f->name, &name) || str(w, f->file, &file) ||
	    array__grow((void **)&w->funcs, &w->funccap, w->nfuncs + 1, sizeof(*w->funcs)))
		return -ENOMEM;
	w->funcs[w->nfuncs][0] = name;
	w->funcs[w->nfuncs][1] = file;
	*id = ++w->nfuncs;
	return 0;
}

static const char *mapping_name(const struct frame *f)
{
	switch (f->kind) {
	case FRAME_KERNEL: return KERNEL_MAPPING;
	case FRAME_JIT: return f->module ? f->module : JIT_MAPPING;
	case FRAME_LOST: return NULL;
	case FRAME_PYTHON: return "[python]";
	default: return f->module;
	}
}

static int mapping(struct writer *w, const struct frame *f, uint64_t *id)
{
	const char *name = mapping_name(f);
	uint64_t existing;
	struct mapping *m;
	int ret;

	*id = 0;
	if (!name)
		return 0;
	ret = hmap__put(w->mappings, name, strlen(name) + 1, w->nmaps + 1, &existing, NULL);
	if (ret < 0)
		return ret;
	if (ret == 0) {
		*id = existing;
		m = &w->maps[existing - 1];
	} else {
		if (array__grow((void **)&w->maps, &w->mapcap, w->nmaps + 1, sizeof(*w->maps)))
			return -ENOMEM;
		m = &w->maps[w->nmaps];
		memset(m, 0, sizeof(*m));
		m->lo = UINT64_MAX;
		m->user = f->kind == FRAME_USER || f->kind == FRAME_INLINE;
		if (str(w, name, &m->name) ||
		    str(w, profile__build_id(w->p, f->module), &m->build_id))
			return -ENOMEM;
		*id = ++w->nmaps;
	}
	if (f->addr < m->lo)
		m->lo = f->addr;
	if (f->addr > m->hi)
		m->hi = f->addr;
	return 0;
}

/* The location of frames[0..n) (one real frame and what is inlined into it). */
static int location(struct writer *w, const uint32_t *frames, uint32_t n, uint64_t *id)
{
	const struct frame *head = profile__frame(w->p, frames[0]);
	struct location *l;
	uint64_t existing, map;
	int ret;

	ret = hmap__put(w->locations, frames, n * sizeof(*frames), w->nlocs + 1, &existing, NULL);
	if (ret < 0)
		return ret;
	if (ret == 0) {
		*id = existing;
		return 0;
	}
	if (mapping(w, head, &map) ||
	    array__grow((void **)&w->locs, &w->loccap, w->nlocs + 1, sizeof(*w->locs)) ||
	    array__grow((void **)&w->pool, &w->poolcap, w->npool + n, sizeof(*w->pool)))
		return -ENOMEM;
	l = &w->locs[w->nlocs];
	l->mapping = map;
	l->addr = head->addr;
	l->first = w->npool;
	l->n = n;
	memcpy(&w->pool[w->npool], frames, n * sizeof(*frames));
	w->npool += n;
	if (map) {
		struct mapping *m = &w->maps[map - 1];

		for (uint32_t i = 0; i < n; i++) {
			const struct frame *f = profile__frame(w->p, frames[i]);

			m->files |= f->file != NULL;
			m->lines |= f->line != 0;
			m->has_main |= !strcmp(f->name, "main");
		}
		m->inlines |= n > 1;
	}
	*id = ++w->nlocs;
	return 0;
}

static void value_type(struct bytebuf *b, struct bytebuf *sub, uint32_t field, uint64_t type,
		       uint64_t unit)
{
	bytebuf__reset(sub);
	pb__uint(sub, PPROF_VALUE_TYPE_TYPE, type);
	pb__uint(sub, PPROF_VALUE_TYPE_UNIT, unit);
	pb__msg(b, field, sub);
}

static void num_label(struct bytebuf *b, struct bytebuf *sub, uint64_t key, uint64_t num)
{
	bytebuf__reset(sub);
	pb__uint(sub, PPROF_LABEL_KEY, key);
	pb__uint(sub, PPROF_LABEL_NUM, num);
	pb__msg(b, PPROF_SAMPLE_LABEL, sub);
}

/* A string label (comm, cgroup, a label set's) on a sample; nothing when
 * value is empty. */
static int str_label(struct writer *w, struct bytebuf *s, struct bytebuf *sub, uint64_t key,
		     const char *value)
{
	uint64_t v;

	if (!value || !*value)
		return 0;
	if (str(w, value, &v))
		return -ENOMEM;
	bytebuf__reset(sub);
	pb__uint(sub, PPROF_LABEL_KEY, key);
	pb__uint(sub, PPROF_LABEL_STR, v);
	pb__msg(s, PPROF_SAMPLE_LABEL, sub);
	return 0;
}

/* Samples: leaf location first, values {count, count * period}, labels. */
static int encode_samples(struct writer *w, struct bytebuf *out)
{
	struct bytebuf s = {0}, packed = {0}, sub = {0};
	uint64_t k_pid, k_tid, k_comm, k_cgroup, period = profile__meta_const(w->p)->period_ns;
	uint64_t *ids = NULL;
	size_t idcap = 0;
	int ret = 0;

	if (str(w, "pid", &k_pid) || str(w, "tid", &k_tid) || str(w, "comm", &k_comm) ||
	    str(w, "cgroup", &k_cgroup))
		return -ENOMEM;
	for (size_t i = 0; i < profile__sample_count(w->p); i++) {
		const struct profile_sample *ps = profile__sample(w->p, i);
		size_t nids = 0;
		uint32_t j = 0;

		if (!ps->count)
			continue;
		if (array__grow((void **)&ids, &idcap, ps->nframes + 1, sizeof(*ids))) {
			ret = -ENOMEM;
			goto cleanup;
		}
		/* group each frame with the frames inlined into it, which follow it
		 * leafward (from the same module, when they name one) */
		while (j < ps->nframes) {
			const struct frame *head = profile__frame(w->p, ps->frames[j]);
			uint32_t n = 1;

			while (j + n < ps->nframes) {
				const struct frame *f = profile__frame(w->p, ps->frames[j + n]);

				if (f->kind != FRAME_INLINE || (f->module && f->module != head->module))
					break;
				n++;
			}
			ret = location(w, &ps->frames[j], n, &ids[nids++]);
			if (ret)
				goto cleanup;
			j += n;
		}
		if (nids && w->locs[ids[nids - 1] - 1].mapping)
			w->maps[w->locs[ids[nids - 1] - 1].mapping - 1].self += ps->count;
		bytebuf__reset(&s);
		bytebuf__reset(&packed);
		for (size_t k = nids; k-- > 0;)
			pb__varint(&packed, ids[k]);
		if (nids)
			pb__msg(&s, PPROF_SAMPLE_LOCATION_ID, &packed);
		bytebuf__reset(&packed);
		pb__varint(&packed, ps->count);
		if (period)
			pb__varint(&packed, ps->count * period);
		pb__msg(&s, PPROF_SAMPLE_VALUE, &packed);
		if (ps->pid)
			num_label(&s, &sub, k_pid, ps->pid);
		if (ps->tid)
			num_label(&s, &sub, k_tid, ps->tid);
		if ((ret = str_label(w, &s, &sub, k_comm, ps->comm)) ||
		    (ret = str_label(w, &s, &sub, k_cgroup, ps->cgroup)))
			goto cleanup;
		for (size_t k = 0; ps->labels && k < ps->labels->n; k++) {
			uint64_t key;

			if (str(w, ps->labels->l[k].key, &key)) {
				ret = -ENOMEM;
				goto cleanup;
			}
			if ((ret = str_label(w, &s, &sub, key, ps->labels->l[k].value)))
				goto cleanup;
		}
		pb__msg(out, PPROF_PROFILE_SAMPLE, &s);
	}
	ret = out->err;
cleanup:
	free(ids);
	bytebuf__release(&s);
	bytebuf__release(&packed);
	bytebuf__release(&sub);
	return ret;
}

/* pprof tools take the first mapping for the main binary: the one with
 * main(), else the user mapping with the most samples at the leaf. */
static int map_rank_cmp(const void *pa, const void *pb, void *ctx)
{
	const struct mapping *maps = ctx;
	const struct mapping *a = &maps[*(const size_t *)pa], *b = &maps[*(const size_t *)pb];

	if (a->has_main != b->has_main)
		return a->has_main ? -1 : 1;
	if (a->user != b->user)
		return a->user ? -1 : 1;
	if (a->self != b->self)
		return a->self > b->self ? -1 : 1;
	return (*(const size_t *)pa > *(const size_t *)pb) - (*(const size_t *)pa < *(const size_t *)pb);
}

static int encode_tables(struct writer *w, struct bytebuf *out)
{
	struct bytebuf m = {0}, line = {0};
	size_t *order = calloc(w->nmaps + 1, sizeof(*order));
	int ret = -ENOMEM;

	w->map_order = calloc(w->nmaps + 1, sizeof(*w->map_order));
	if (!order || !w->map_order)
		goto cleanup;
	for (size_t i = 0; i < w->nmaps; i++)
		order[i] = i;
	qsort_r(order, w->nmaps, sizeof(*order), map_rank_cmp, w->maps);
	for (size_t i = 0; i < w->nmaps; i++)
		w->map_order[order[i]] = i + 1;
	for (size_t i = 0; i < w->nmaps; i++) {
		const struct mapping *mp = &w->maps[order[i]];

		bytebuf__reset(&m);
		pb__uint(&m, PPROF_MAPPING_ID, i + 1);
		if (mp->lo <= mp->hi) {
			pb__uint(&m, PPROF_MAPPING_MEMORY_START, mp->lo & ~0xfffULL);
			pb__uint(&m, PPROF_MAPPING_MEMORY_LIMIT, mp->hi + 1);
			pb__uint(&m, PPROF_MAPPING_FILE_OFFSET, mp->lo & ~0xfffULL);
		}
		pb__uint(&m, PPROF_MAPPING_FILENAME, mp->name);
		pb__uint(&m, PPROF_MAPPING_BUILD_ID, mp->build_id);
		pb__uint(&m, PPROF_MAPPING_HAS_FUNCTIONS, 1);
		pb__uint(&m, PPROF_MAPPING_HAS_FILENAMES, mp->files);
		pb__uint(&m, PPROF_MAPPING_HAS_LINE_NUMBERS, mp->lines);
		pb__uint(&m, PPROF_MAPPING_HAS_INLINE_FRAMES, mp->inlines);
		pb__msg(out, PPROF_PROFILE_MAPPING, &m);
	}
	for (size_t i = 0; i < w->nlocs; i++) {
		const struct location *l = &w->locs[i];

		bytebuf__reset(&m);
		pb__uint(&m, PPROF_LOCATION_ID, i + 1);
		pb__uint(&m, PPROF_LOCATION_MAPPING_ID,
			 l->mapping ? w->map_order[l->mapping - 1] : 0);
		pb__uint(&m, PPROF_LOCATION_ADDRESS, l->addr);
		/* innermost first: the pool holds the real frame first */
		for (uint32_t k = l->n; k-- > 0;) {
			const struct frame *f = profile__frame(w->p, w->pool[l->first + k]);
			uint64_t fid;

			if ((ret = function(w, f, &fid)))
				goto cleanup;
			bytebuf__reset(&line);
			pb__uint(&line, PPROF_LINE_FUNCTION_ID, fid);
			pb__uint(&line, PPROF_LINE_LINE, f->line);
			pb__msg(&m, PPROF_LOCATION_LINE, &line);
		}
		pb__msg(out, PPROF_PROFILE_LOCATION, &m);
	}
	for (size_t i = 0; i < w->nfuncs; i++) {
		bytebuf__reset(&m);
		pb__uint(&m, PPROF_FUNCTION_ID, i + 1);
		pb__uint(&m, PPROF_FUNCTION_NAME, w->funcs[i][0]);
		pb__uint(&m, PPROF_FUNCTION_SYSTEM_NAME, w->funcs[i][0]);
		pb__uint(&m, PPROF_FUNCTION_FILENAME, w->funcs[i][1]);
		pb__msg(out, PPROF_PROFILE_FUNCTION, &m);
	}
	for (size_t i = 0; i < w->nstr; i++)
		pb__string(out, PPROF_PROFILE_STRING_TABLE, w->strtab[i]);
	ret = out->err ? out->err : m.err ? m.err : line.err;
cleanup:
	free(order);
	bytebuf__release(&m);
	bytebuf__release(&line);
	return ret;
}

int pprof__encode(const struct profile *p, struct bytebuf *out)
{
	const struct profile_meta *meta = profile__meta_const(p);
	struct writer w = {.p = p};
	struct bytebuf sub = {0};
	uint64_t samples, count, cpu, ns;
	int ret = -ENOMEM;

	w.strings = hmap__new();
	w.functions = hmap__new();
	w.mappings = hmap__new();
	w.locations = hmap__new();
	if (!w.strings || !w.functions || !w.mappings || !w.locations)
		goto cleanup;
	/* string_table[0] must be "" */
	if (array__grow((void **)&w.strtab, &w.strcap, 1, sizeof(*w.strtab)))
		goto cleanup;
	w.strtab[w.nstr++] = "";
	if (str(&w, "samples", &samples) || str(&w, "count", &count) ||
	    str(&w, "cpu", &cpu) || str(&w, "nanoseconds", &ns))
		goto cleanup;
	value_type(out, &sub, PPROF_PROFILE_SAMPLE_TYPE, samples, count);
	/* without a period (a folded input) CPU time is unknown: counts only */
	if (meta->period_ns)
		value_type(out, &sub, PPROF_PROFILE_SAMPLE_TYPE, cpu, ns);
	if ((ret = encode_samples(&w, out)) || (ret = encode_tables(&w, out)))
		goto cleanup;
	pb__uint(out, PPROF_PROFILE_TIME_NANOS, meta->time_ns);
	pb__uint(out, PPROF_PROFILE_DURATION_NANOS, meta->duration_ns);
	if (meta->period_ns) {
		value_type(out, &sub, PPROF_PROFILE_PERIOD_TYPE, cpu, ns);
		pb__uint(out, PPROF_PROFILE_PERIOD, meta->period_ns);
	}
	ret = out->err ? out->err : sub.err;
cleanup:
	bytebuf__release(&sub);
	hmap__free(w.strings);
	hmap__free(w.functions);
	hmap__free(w.mappings);
	hmap__free(w.locations);
	free(w.strtab);
	free(w.funcs);
	free(w.maps);
	free(w.locs);
	free(w.pool);
	free(w.map_order);
	return ret;
}

int pprof__write(const struct profile *p, FILE *out)
{
	struct bytebuf raw = {0};
	unsigned char chunk[65536];
	z_stream zs;
	int ret, zret;

	memset(&zs, 0, sizeof(zs));
	ret = pprof__encode(p, &raw);
	if (ret)
		goto cleanup;
	if (raw.len > UINT32_MAX) {
		ret = -EFBIG;
		goto cleanup;
	}
	/* windowBits 15 + 16: a gzip wrapper, as pprof expects */
	if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
			 Z_DEFAULT_STRATEGY) != Z_OK) {
		ret = -ENOMEM;
		goto cleanup;
	}
	zs.next_in = (Bytef *)raw.data;
	zs.avail_in = (uInt)raw.len; /* profiles stay far below 4 GiB */
	do {
		zs.next_out = chunk;
		zs.avail_out = sizeof(chunk);
		zret = deflate(&zs, Z_FINISH);
		if (zret == Z_STREAM_ERROR) {
			ret = -EIO;
			break;
		}
		if (fwrite(chunk, 1, sizeof(chunk) - zs.avail_out, out) !=
		    sizeof(chunk) - zs.avail_out) {
			ret = -EIO;
			break;
		}
	} while (zret != Z_STREAM_END);
	deflateEnd(&zs);
	if (!ret && fflush(out))
		ret = -errno;
cleanup:
	bytebuf__release(&raw);
	return ret;
}
