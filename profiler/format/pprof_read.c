// SPDX-License-Identifier: MIT
/*
 * pprof_read.c - read profile.proto (gzip or raw) into a profile. Every id,
 * index and length comes from an untrusted file: all are checked, all loops
 * are bounded by the input size, and decompression stops at PPROF_MAX_BYTES.
 */
#include "common/array.h"
#include "format/pprof.h"
#include "format/pprof_proto.h"
#include "common/hmap.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define MAX_SAMPLE_FRAMES 8192
#define MAX_SAMPLE_TYPES 64

struct pmapping {
	uint64_t file, build_id;
};

struct plocation {
	uint64_t mapping_id, addr;
	size_t first, n; /* into lines */
};

struct pfunction {
	uint64_t name, file;
};

struct pline {
	uint64_t function_id, line;
};

struct reader {
	char **strs;  /* NUL-terminated copies */
	size_t nstrs;
	char *arena;
	struct hmap *map_ids, *loc_ids, *fn_ids;
	struct pmapping *maps;
	size_t nmaps;
	struct plocation *locs;
	size_t nlocs;
	struct pfunction *fns;
	size_t nfns;
	struct pline *lines;
	size_t nlines, linecap;
	uint64_t types[MAX_SAMPLE_TYPES];
	size_t ntypes;
	uint64_t default_type, period, time_ns, duration_ns;
	char *err;
	size_t errlen;
};

static int fail(struct reader *r, const char *fmt, ...)
{
	va_list ap;

	if (r->err && r->errlen) {
		va_start(ap, fmt);
		vsnprintf(r->err, r->errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static int gunzip(const uint8_t *in, size_t len, uint8_t **out, size_t *outlen, struct reader *r)
{
	z_stream zs;
	size_t cap = len * 4 + 4096, n = 0;
	uint8_t *buf = NULL;
	int zret, ret = 0;

	memset(&zs, 0, sizeof(zs));
	if (inflateInit2(&zs, 15 + 32) != Z_OK) /* gzip or zlib, detected */
		return -ENOMEM;
	if (cap > PPROF_MAX_BYTES)
		cap = PPROF_MAX_BYTES;
	zs.next_in = (Bytef *)(uintptr_t)in;
	for (;;) {
		if (n == cap || !buf) {
			uint8_t *nb;

			if (buf) {
				if (cap >= PPROF_MAX_BYTES) {
					ret = fail(r, "gzip: more than %lu MiB once decompressed",
						   PPROF_MAX_BYTES >> 20);
					break;
				}
				cap = cap * 2 > PPROF_MAX_BYTES ? PPROF_MAX_BYTES : cap * 2;
			}
			nb = realloc(buf, cap);
			if (!nb) {
				ret = -ENOMEM;
				break;
			}
			buf = nb;
		}
		if (!zs.avail_in && (size_t)(zs.next_in - in) < len) {
			size_t left = len - (size_t)(zs.next_in - in);

			zs.avail_in = left > (1u << 30) ? (1u << 30) : (uInt)left;
		}
		zs.next_out = buf + n;
		zs.avail_out = (uInt)(cap - n > (1u << 30) ? (1u << 30) : cap - n);
		{
			uInt before = zs.avail_out;

			zret = inflate(&zs, Z_NO_FLUSH);
			n += before - zs.avail_out;
		}
		if (zret == Z_STREAM_END)
			break;
		if (zret == Z_BUF_ERROR && zs.avail_out) {
			ret = fail(r, "gzip: truncated data");
			break;
		}
		if (zret != Z_OK && zret != Z_BUF_ERROR) {
			ret = fail(r, "gzip: %s", zs.msg ? zs.msg : "corrupt data");
			break;
		}
	}
	inflateEnd(&zs);
	if (ret) {
		free(buf);
		return ret;
	}
	*out = buf;
	*outlen = n;
	return 0;
}

static int add_id(struct hmap *m, uint64_t id, size_t idx)
{
	int ret = hmap__put(m, &id, sizeof(id), idx, NULL, NULL);

	return ret < 0 ? ret : ret == 1 ? 0 : -EEXIST;
}

/* Add id -> idx of a Mapping, Location or Function; a second entry with the
 * same id is an error. */
static int add_entry(struct reader *r, struct hmap *ids, const char *what, uint64_t id, size_t idx)
{
	int ret = add_id(ids, id, idx);

	return ret == -EEXIST ? fail(r, "duplicate %s id %llu", what, (unsigned long long)id) : ret;
}

_Static_assert((int)PPROF_MAPPING_ID == (int)PPROF_LOCATION_ID &&
		   (int)PPROF_MAPPING_ID == (int)PPROF_FUNCTION_ID,
	       "entry_fields() reads one id field for all three");

/* The varint fields of a Mapping, Location or Function message f: its id
 * (field 1, the same in all three) and fields fa and fb (0: none) into *a and
 * *b. 0 or -EINVAL. */
static int entry_fields(const struct pb_field *f, uint64_t *id, uint32_t fa, uint64_t *a,
			uint32_t fb, uint64_t *b)
{
	struct pb_reader sr;
	struct pb_field sf;
	int ret;

	pb_reader__init(&sr, f->data, f->len);
	while ((ret = pb__next(&sr, &sf)) > 0) {
		if (sf.wire != PB_VARINT)
			continue;
		if (sf.field == PPROF_MAPPING_ID)
			*id = sf.v;
		else if (sf.field == fa)
			*a = sf.v;
		else if (sf.field == fb)
			*b = sf.v;
	}
	return ret;
}

static int parse_lines(struct reader *r, const uint8_t *data, size_t len, struct plocation *l)
{
	struct pb_reader pr;
	struct pb_field f;
	int ret;

	l->first = r->nlines;
	pb_reader__init(&pr, data, len);
	while ((ret = pb__next(&pr, &f)) > 0) {
		struct pb_reader lr;
		struct pb_field lf;
		struct pline line = {0};

		if (f.field == PPROF_LOCATION_MAPPING_ID && f.wire == PB_VARINT) {
			l->mapping_id = f.v;
		} else if (f.field == PPROF_LOCATION_ADDRESS && f.wire == PB_VARINT) {
			l->addr = f.v;
		} else if (f.field == PPROF_LOCATION_LINE && f.wire == PB_LEN) {
			pb_reader__init(&lr, f.data, f.len);
			while ((ret = pb__next(&lr, &lf)) > 0) {
				if (lf.field == PPROF_LINE_FUNCTION_ID && lf.wire == PB_VARINT)
					line.function_id = lf.v;
				else if (lf.field == PPROF_LINE_LINE && lf.wire == PB_VARINT)
					line.line = lf.v;
			}
			if (ret < 0)
				return ret;
			if (array__grow((void **)&r->lines, &r->linecap, r->nlines + 1,
					sizeof(*r->lines)))
				return -ENOMEM;
			r->lines[r->nlines++] = line;
			l->n++;
		}
	}
	return ret;
}

/* Pass 1: everything but the samples. Counts first so arrays are sized once. */
static int read_tables(struct reader *r, const uint8_t *data, size_t len)
{
	size_t nstr = 0, nmap = 0, nloc = 0, nfn = 0, strbytes = 0;
	struct pb_reader pr;
	struct pb_field f;
	char *a;
	int ret;

	pb_reader__init(&pr, data, len);
	while ((ret = pb__next(&pr, &f)) > 0) {
		if (f.wire != PB_LEN)
			continue;
		switch (f.field) {
		case PPROF_PROFILE_MAPPING: nmap++; break;
		case PPROF_PROFILE_LOCATION: nloc++; break;
		case PPROF_PROFILE_FUNCTION: nfn++; break;
		case PPROF_PROFILE_STRING_TABLE:
			nstr++;
			strbytes += f.len + 1;
			break;
		}
	}
	if (ret < 0)
		return fail(r, "malformed profile.proto (not a pprof file?)");
	if (!nstr)
		return fail(r, "no string table (not a pprof file?)");
	r->strs = calloc(nstr, sizeof(*r->strs));
	r->arena = malloc(strbytes);
	r->maps = calloc(nmap + 1, sizeof(*r->maps));
	r->locs = calloc(nloc + 1, sizeof(*r->locs));
	r->fns = calloc(nfn + 1, sizeof(*r->fns));
	if (!r->strs || !r->arena || !r->maps || !r->locs || !r->fns)
		return -ENOMEM;

	a = r->arena;
	pb_reader__init(&pr, data, len);
	while ((ret = pb__next(&pr, &f)) > 0) {
		struct pb_reader sr;
		struct pb_field sf;
		uint64_t id = 0, unused;

		if (f.field == PPROF_PROFILE_STRING_TABLE && f.wire == PB_LEN) {
			r->strs[r->nstrs++] = a;
			for (size_t i = 0; i < f.len; i++) /* a NUL would cut the name */
				*a++ = f.data[i] ? (char)f.data[i] : '?';
			*a++ = '\0';
		} else if (f.field == PPROF_PROFILE_SAMPLE_TYPE && f.wire == PB_LEN &&
			   r->ntypes < MAX_SAMPLE_TYPES) {
			uint64_t type = 0;

			pb_reader__init(&sr, f.data, f.len);
			while ((ret = pb__next(&sr, &sf)) > 0)
				if (sf.field == PPROF_VALUE_TYPE_TYPE && sf.wire == PB_VARINT)
					type = sf.v;
			if (ret < 0)
				break;
			r->types[r->ntypes++] = type;
		} else if (f.field == PPROF_PROFILE_MAPPING && f.wire == PB_LEN) {
			struct pmapping *m = &r->maps[r->nmaps];

			if ((ret = entry_fields(&f, &id, PPROF_MAPPING_FILENAME, &m->file,
						PPROF_MAPPING_BUILD_ID, &m->build_id)) < 0)
				break;
			if ((ret = add_entry(r, r->map_ids, "mapping", id, r->nmaps++)))
				return ret;
		} else if (f.field == PPROF_PROFILE_LOCATION && f.wire == PB_LEN) {
			struct plocation *l = &r->locs[r->nlocs];

			if ((ret = entry_fields(&f, &id, 0, &unused, 0, &unused)) < 0)
				break;
			if ((ret = parse_lines(r, f.data, f.len, l)))
				break;
			if ((ret = add_entry(r, r->loc_ids, "location", id, r->nlocs++)))
				return ret;
		} else if (f.field == PPROF_PROFILE_FUNCTION && f.wire == PB_LEN) {
			struct pfunction *fn = &r->fns[r->nfns];

			if ((ret = entry_fields(&f, &id, PPROF_FUNCTION_NAME, &fn->name,
						PPROF_FUNCTION_FILENAME, &fn->file)) < 0)
				break;
			if ((ret = add_entry(r, r->fn_ids, "function", id, r->nfns++)))
				return ret;
		} else if (f.wire == PB_VARINT) {
			switch (f.field) {
			case PPROF_PROFILE_TIME_NANOS: r->time_ns = f.v; break;
			case PPROF_PROFILE_DURATION_NANOS: r->duration_ns = f.v; break;
			case PPROF_PROFILE_PERIOD: r->period = f.v; break;
			case PPROF_PROFILE_DEFAULT_SAMPLE_TYPE: r->default_type = f.v; break;
			}
		}
	}
	if (ret == -ENOMEM)
		return ret;
	if (ret < 0)
		return fail(r, "malformed profile.proto (bad nested message)");
	if (r->strs[0][0])
		return fail(r, "string_table[0] is not empty (not a pprof file?)");
	return 0;
}

static const char *string_at(struct reader *r, uint64_t idx, bool *bad)
{
	if (idx >= r->nstrs) {
		*bad = true;
		return "";
	}
	return r->strs[idx];
}

static enum frame_kind mapping_kind(const char *file)
{
	const char *base = strrchr(file, '/');

	if (!strncmp(file, "[kernel", 7) || !strcmp(file, "[vmlinux]"))
		return FRAME_KERNEL;
	base = base ? base + 1 : file;
	if (!strcmp(file, "[python]"))
		return FRAME_PYTHON;
	if (!strcmp(file, "[jit]") || (!strncmp(base, "perf-", 5) && strstr(base, ".map")))
		return FRAME_JIT;
	return FRAME_USER;
}

/* Frames of one location, root-most (the real frame) first, into ids. */
static int location_frames(struct reader *r, struct profile *p, const struct plocation *l,
			   uint32_t *ids, uint32_t *n)
{
	struct frame f = {0};
	enum frame_kind kind = FRAME_USER;
	const char *module = NULL;
	bool bad = false;
	char name[64];
	uint64_t idx;
	int ret;

	if (l->mapping_id) {
		if (!hmap__get(r->map_ids, &l->mapping_id, sizeof(l->mapping_id), &idx))
			return fail(r, "location refers to unknown mapping %llu",
				    (unsigned long long)l->mapping_id);
		module = string_at(r, r->maps[idx].file, &bad);
		const char *bid = string_at(r, r->maps[idx].build_id, &bad);

		if (bad)
			return fail(r, "mapping %llu: string index out of range",
				    (unsigned long long)l->mapping_id);
		kind = *module ? mapping_kind(module) : FRAME_USER;
		if (!*module)
			module = NULL;
		if (module && *bid && (ret = profile__set_build_id(p, module, bid)))
			return ret;
	}
	f.module = module;
	f.addr = l->addr;
	if (!l->n) { /* not symbolized: name it by address */
		snprintf(name, sizeof(name), "0x%llx", (unsigned long long)l->addr);
		f.name = name;
		f.kind = kind;
		if (*n >= MAX_SAMPLE_FRAMES)
			return fail(r, "a sample has more than %d frames", MAX_SAMPLE_FRAMES);
		return profile__add_frame(p, &f, &ids[(*n)++]);
	}
	for (size_t i = l->n; i-- > 0;) { /* lines are innermost first */
		const struct pline *ln = &r->lines[l->first + i];
		const struct pfunction *fn;

		if (!hmap__get(r->fn_ids, &ln->function_id, sizeof(ln->function_id), &idx))
			return fail(r, "line refers to unknown function %llu",
				    (unsigned long long)ln->function_id);
		fn = &r->fns[idx];
		f.name = string_at(r, fn->name, &bad);
		f.file = string_at(r, fn->file, &bad);
		if (bad)
			return fail(r, "function %llu: string index out of range",
				    (unsigned long long)ln->function_id);
		if (!*f.name)
			f.name = "[unknown]";
		if (!*f.file)
			f.file = NULL;
		f.line = ln->line > UINT32_MAX ? 0 : (uint32_t)ln->line;
		f.kind = i == l->n - 1 ? kind : FRAME_INLINE;
		if (*n >= MAX_SAMPLE_FRAMES)
			return fail(r, "a sample has more than %d frames", MAX_SAMPLE_FRAMES);
		if ((ret = profile__add_frame(p, &f, &ids[(*n)++])))
			return ret;
	}
	return 0;
}

/* Pass 2: the samples. */
static int read_samples(struct reader *r, const uint8_t *data, size_t len, struct profile *p)
{
	uint32_t *ids = malloc(MAX_SAMPLE_FRAMES * sizeof(*ids));
	uint64_t *locs = malloc(MAX_SAMPLE_FRAMES * sizeof(*locs));
	struct profile_label labels[PROFILE_MAX_LABELS];
	size_t vi = 0, nsample = 0;
	struct pb_reader pr;
	struct pb_field f;
	int ret = 0;

	if (!ids || !locs) {
		free(ids);
		free(locs);
		return -ENOMEM;
	}
	/* the value to read: "samples" when present, else the default type */
	for (size_t i = 0; i < r->ntypes; i++) {
		if (r->types[i] < r->nstrs && !strcmp(r->strs[r->types[i]], "samples")) {
			vi = i;
			break;
		}
		if (r->default_type && r->types[i] == r->default_type)
			vi = i;
	}
	pb_reader__init(&pr, data, len);
	while (!ret && (ret = pb__next(&pr, &f)) > 0) {
		struct pb_reader sr, lr;
		struct pb_field sf, lf;
		size_t nlocs = 0, nvals = 0;
		uint64_t value = 0, pid = 0, tid = 0;
		const char *comm = NULL, *cgroup = NULL;
		struct profile_origin o;
		size_t nlabels = 0;
		uint32_t n = 0;
		bool bad = false, too_deep = false, too_many = false;

		ret = 0;
		if (f.field != PPROF_PROFILE_SAMPLE || f.wire != PB_LEN)
			continue;
		nsample++;
		pb_reader__init(&sr, f.data, f.len);
		while ((ret = pb__next(&sr, &sf)) > 0) {
			ret = 0;
			if (sf.field == PPROF_SAMPLE_LOCATION_ID && sf.wire == PB_VARINT) {
				if (nlocs == MAX_SAMPLE_FRAMES) {
					too_deep = true;
					break;
				}
				locs[nlocs++] = sf.v;
			} else if (sf.field == PPROF_SAMPLE_LOCATION_ID && sf.wire == PB_LEN) {
				struct pb_reader vr;

				pb_reader__init(&vr, sf.data, sf.len);
				while (vr.p < vr.end && !ret && !too_deep) {
					if (nlocs == MAX_SAMPLE_FRAMES)
						too_deep = true;
					else
						ret = pb__read_varint(&vr, &locs[nlocs++]);
				}
				if (too_deep)
					break;
			} else if (sf.field == PPROF_SAMPLE_VALUE &&
				   (sf.wire == PB_VARINT || sf.wire == PB_LEN)) {
				struct pb_reader vr;
				uint64_t v = sf.v;

				if (sf.wire == PB_VARINT) {
					if (nvals++ == vi)
						value = v;
					continue;
				}
				pb_reader__init(&vr, sf.data, sf.len);
				while (vr.p < vr.end && !ret) {
					ret = pb__read_varint(&vr, &v);
					if (!ret && nvals++ == vi)
						value = v;
				}
			} else if (sf.field == PPROF_SAMPLE_LABEL && sf.wire == PB_LEN) {
				uint64_t key = 0, str = 0, num = 0;

				pb_reader__init(&lr, sf.data, sf.len);
				while ((ret = pb__next(&lr, &lf)) > 0) {
					if (lf.wire != PB_VARINT)
						continue;
					if (lf.field == PPROF_LABEL_KEY)
						key = lf.v;
					else if (lf.field == PPROF_LABEL_STR)
						str = lf.v;
					else if (lf.field == PPROF_LABEL_NUM)
						num = lf.v;
				}
				if (ret < 0)
					break;
				ret = 0;
				const char *k = string_at(r, key, &bad);
				const char *s = string_at(r, str, &bad);

				if (!strcmp(k, "comm") && *s)
					comm = s;
				else if (!strcmp(k, "cgroup") && *s)
					cgroup = s;
				else if (!strcmp(k, "pid") && num <= UINT32_MAX)
					pid = num;
				else if (!strcmp(k, "tid") && num <= UINT32_MAX)
					tid = num;
				else if (*k && *s && strcmp(k, "pid") && strcmp(k, "tid") &&
					 strcmp(k, "comm") && strcmp(k, "cgroup")) {
					/* any other string label (a key's first value) */
					size_t j = 0;

					while (j < nlabels && strcmp(labels[j].key, k))
						j++;
					if (j == nlabels && nlabels == PROFILE_MAX_LABELS)
						too_many = true;
					else if (j == nlabels)
						labels[nlabels++] = (struct profile_label){k, s};
				}
			}
			if (ret)
				break;
		}
		if (too_deep) {
			ret = fail(r, "sample %zu: more than %d locations", nsample, MAX_SAMPLE_FRAMES);
			break;
		}
		if (ret < 0) {
			ret = fail(r, "sample %zu: malformed", nsample);
			break;
		}
		if (bad) {
			ret = fail(r, "sample %zu: label string index out of range", nsample);
			break;
		}
		if (too_many) {
			ret = fail(r, "sample %zu: more than %d labels", nsample, PROFILE_MAX_LABELS);
			break;
		}
		if ((int64_t)value <= 0)
			continue;
		for (size_t i = nlocs; i-- > 0 && !ret;) { /* leaf first in the file */
			uint64_t idx;

			if (!hmap__get(r->loc_ids, &locs[i], sizeof(locs[i]), &idx)) {
				ret = fail(r, "sample %zu: unknown location id %llu", nsample,
					   (unsigned long long)locs[i]);
				break;
			}
			ret = location_frames(r, p, &r->locs[idx], ids, &n);
		}
		o = (struct profile_origin){(uint32_t)pid, (uint32_t)tid, comm, cgroup, NULL};
		if (!ret)
			ret = profile__labels(p, labels, nlabels, &o.labels);
		if (!ret)
			ret = profile__add_sample_from(p, ids, n, &o, value);
	}
	free(ids);
	free(locs);
	return ret < 0 ? ret : 0;
}

int pprof__read(const void *data, size_t len, struct profile *p, char *err, size_t errlen)
{
	struct reader r = {.err = err, .errlen = errlen};
	const uint8_t *in = data;
	uint8_t *raw = NULL;
	int ret = -ENOMEM;

	if (len >= 2 && in[0] == 0x1f && in[1] == 0x8b) {
		size_t n;

		if ((ret = gunzip(in, len, &raw, &n, &r)))
			return ret;
		in = raw;
		len = n;
	}
	r.map_ids = hmap__new();
	r.loc_ids = hmap__new();
	r.fn_ids = hmap__new();
	if (!r.map_ids || !r.loc_ids || !r.fn_ids)
		goto cleanup;
	if ((ret = read_tables(&r, in, len)) || (ret = read_samples(&r, in, len, p)))
		goto cleanup;
	{
		struct profile_meta *m = profile__meta(p);

		if (!m->time_ns)
			m->time_ns = r.time_ns;
		m->duration_ns += r.duration_ns;
		if (!m->period_ns)
			m->period_ns = r.period;
	}
cleanup:
	if (ret == -ENOMEM && err && errlen)
		snprintf(err, errlen, "out of memory");
	free(raw);
	free(r.strs);
	free(r.arena);
	free(r.maps);
	free(r.locs);
	free(r.fns);
	free(r.lines);
	hmap__free(r.map_ids);
	hmap__free(r.loc_ids);
	hmap__free(r.fn_ids);
	return ret;
}
