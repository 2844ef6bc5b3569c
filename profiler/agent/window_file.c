// SPDX-License-Identifier: MIT
#include "common/array.h"
#include "common/errbuf.h"
#include "common/hmap.h"
#include "agent/window_file.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

/* The encoder: text in chunks through deflate (gzip framing) into a byte
 * buffer. Errors are sticky; the file is written by the store, whose write
 * calls report their own errno (ENOSPC, EROFS), which zlib's file functions
 * would lose. */
struct enc {
	z_stream zs;
	struct bytebuf *out;
	size_t out_start;
	uint64_t text;
	size_t n;
	int err;
	char in[16384];
};

static void enc_deflate(struct enc *e, int flush)
{
	int r;

	if (e->err)
		return;
	e->zs.next_in = (Bytef *)e->in;
	e->zs.avail_in = (uInt)e->n;
	do {
		size_t room;

		if (bytebuf__reserve(e->out, 16384)) {
			e->err = -ENOMEM;
			return;
		}
		room = e->out->cap - e->out->len;
		room = room > (1u << 20) ? (1u << 20) : room;
		e->zs.next_out = (Bytef *)e->out->data + e->out->len;
		e->zs.avail_out = (uInt)room;
		r = deflate(&e->zs, flush);
		e->out->len += room - e->zs.avail_out;
		if (r == Z_STREAM_ERROR) {
			e->err = -EIO;
			return;
		}
	} while (e->zs.avail_out == 0 || (flush == Z_FINISH && r != Z_STREAM_END));
	e->n = 0;
	if (e->out->len - e->out_start > WINDOW_MAX_FILE)
		e->err = -EFBIG;
}

static void enc_put(struct enc *e, const char *s, size_t n)
{
	if (e->err)
		return;
	e->text += n;
	if (e->text > WINDOW_MAX_TEXT) {
		e->err = -EFBIG;
		return;
	}
	while (n && !e->err) {
		size_t k = sizeof(e->in) - e->n < n ? sizeof(e->in) - e->n : n;

		memcpy(e->in + e->n, s, k);
		e->n += k;
		s += k;
		n -= k;
		if (e->n == sizeof(e->in))
			enc_deflate(e, Z_NO_FLUSH);
	}
}

__attribute__((format(printf, 2, 3))) static void enc_printf(struct enc *e, const char *fmt, ...)
{
	char buf[128];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(buf)) { /* only numbers are formatted */
		e->err = e->err ? e->err : -EINVAL;
		return;
	}
	enc_put(e, buf, (size_t)n);
}

/* A string field: at most this many bytes, so that a frame line (three
 * fields) always fits in WINDOW_MAX_LINE. */
#define MAX_FIELD (WINDOW_MAX_LINE / 4)

/* s, cut at MAX_FIELD bytes, with tabs and line breaks made harmless. */
static void enc_str(struct enc *e, const char *s)
{
	char buf[512];
	size_t n = 0, left = MAX_FIELD;

	for (; s && *s && left; s++, left--) {
		buf[n++] = (*s == '\t' || *s == '\n' || *s == '\r') ? ' ' : *s;
		if (n == sizeof(buf)) {
			enc_put(e, buf, n);
			n = 0;
		}
	}
	enc_put(e, buf, n);
}

/* Each label set of p's samples, numbered in order of first use into sets
 * (set pointer -> number), as l lines. */
static void enc_label_sets(struct enc *e, const struct profile *p, struct hmap *sets)
{
	size_t nsamples = profile__sample_count(p);

	for (size_t i = 0; !e->err && i < nsamples; i++) {
		const struct profile_labels *set = profile__sample(p, i)->labels;
		uintptr_t key = (uintptr_t)set;
		size_t n = hmap__count(sets);
		int r;

		if (!set)
			continue;
		r = hmap__put(sets, &key, sizeof(key), n, NULL, NULL);
		if (r < 0)
			e->err = -ENOMEM;
		else if (r > 0 && n >= WINDOW_MAX_LABEL_SETS)
			e->err = -EFBIG;
		for (size_t k = 0; r > 0 && !e->err && k < set->n; k++) {
			enc_printf(e, "l %zu ", n);
			enc_str(e, set->l[k].key);
			enc_put(e, "\t", 1);
			enc_str(e, set->l[k].value);
			enc_put(e, "\n", 1);
		}
	}
}

int window_file__encode(const struct profile *p, struct bytebuf *out, char *err, size_t errlen)
{
	const struct profile_meta *m = profile__meta_const(p);
	size_t nframes = profile__frame_count(p), nsamples = profile__sample_count(p);
	struct enc *e = calloc(1, sizeof(*e));
	struct hmap *sets = hmap__new();
	int ret;

	if (!e || !sets || deflateInit2(&e->zs, 6, Z_DEFLATED, 15 + 16 /* gzip */, 8,
					Z_DEFAULT_STRATEGY) != Z_OK) {
		free(e);
		hmap__free(sets);
		errbuf__set(err, errlen, "compress: %s", strerror(ENOMEM));
		return -ENOMEM;
	}
	e->out = out;
	e->out_start = out->len;
	enc_printf(e, "bpfprof-window 2\ntime %" PRIu64 " %" PRIu64 " %" PRIu64 "\n", m->time_ns,
		   m->duration_ns, m->period_ns);
	for (uint32_t i = 0; !e->err && i < nframes; i++) {
		const struct frame *f = profile__frame(p, i);

		enc_printf(e, "f %d %u %" PRIx64 "\t", (int)f->kind, f->line, f->addr);
		enc_str(e, f->name);
		enc_put(e, "\t", 1);
		enc_str(e, f->module);
		enc_put(e, "\t", 1);
		enc_str(e, f->file);
		enc_put(e, "\n", 1);
	}
	enc_label_sets(e, p, sets);
	for (size_t i = 0; !e->err && i < nsamples; i++) {
		const struct profile_sample *s = profile__sample(p, i);
		uintptr_t key = (uintptr_t)s->labels;
		uint64_t set;

		if (s->labels && hmap__get(sets, &key, sizeof(key), &set))
			enc_printf(e, "s %u %u %" PRIu64 " %" PRIu64 "\t", s->pid, s->tid, s->count,
				   set);
		else
			enc_printf(e, "s %u %u %" PRIu64 " -\t", s->pid, s->tid, s->count);
		enc_str(e, s->comm);
		enc_put(e, "\t", 1);
		enc_str(e, s->cgroup);
		enc_put(e, "\t", 1);
		if (s->nframes > WINDOW_MAX_DEPTH)
			e->err = -EFBIG;
		for (uint32_t j = 0; j < s->nframes && !e->err; j++)
			enc_printf(e, j ? " %u" : "%u", s->frames[j]);
		enc_put(e, "\n", 1);
	}
	enc_printf(e, "end %zu %" PRIu64 "\n", nsamples, profile__total(p));
	if (!e->err && (nframes > WINDOW_MAX_FRAMES || profile__total(p) > WINDOW_MAX_SAMPLES))
		e->err = -EFBIG;
	enc_deflate(e, Z_FINISH);
	deflateEnd(&e->zs);
	ret = e->err;
	if (ret == -EFBIG)
		errbuf__set(err, errlen, "window too large for a history file (%" PRIu64
			    " bytes of text, %zu frames)", e->text, nframes);
	else if (ret)
		errbuf__set(err, errlen, "compress: %s", strerror(-ret));
	if (ret)
		out->len = e->out_start;
	free(e);
	hmap__free(sets);
	return ret;
}

/* Split s at tabs into at most n fields; returns the number found. */
static int split_tabs(char *s, char **fields, int n)
{
	int k = 0;

	fields[k++] = s;
	while (k < n && (s = strchr(s, '\t'))) {
		*s++ = '\0';
		fields[k++] = s;
	}
	return k;
}

static int parse_u64(const char **p, uint64_t *v, int base)
{
	char *end;

	errno = 0;
	if (**p == '-' || **p == '+' || **p == ' ' || **p == '\0')
		return -EINVAL;
	*v = strtoull(*p, &end, base);
	if (errno || end == *p)
		return -EINVAL;
	*p = end;
	return 0;
}

/* What one read keeps between lines. */
struct reader {
	const struct window_filter *flt;
	struct profile *into; /* NULL: check only */
	int version;          /* 1: no labels */
	uint32_t *ids, *stack;
	size_t nids, ids_cap;
	/* label sets read and the one being read, interned in into (when
	 * checking only, in a profile of their own made at the first label
	 * line: a bad set is found either way) */
	struct profile *labels_into;
	const struct profile_labels **sets;
	size_t nsets, sets_cap;
	struct profile_label pending[PROFILE_MAX_LABELS];
	size_t npending;
	uint64_t nsamples, total, added;
	bool seen_time;
	struct window_info info;
};

static const char *read_time(struct reader *r, const char *p)
{
	uint64_t t, d, per;

	if (r->seen_time)
		return "a second time line";
	if (parse_u64(&p, &t, 10) || *p++ != ' ' || parse_u64(&p, &d, 10) || *p++ != ' ' ||
	    parse_u64(&p, &per, 10) || *p)
		return "bad time line";
	r->seen_time = true;
	r->info.time_ns = t;
	r->info.duration_ns = d;
	if (r->into) {
		struct profile_meta *m = profile__meta(r->into);

		if (!m->time_ns || t < m->time_ns)
			m->time_ns = t;
		if (!m->period_ns)
			m->period_ns = per;
		m->duration_ns = d > UINT64_MAX - m->duration_ns ? UINT64_MAX : m->duration_ns + d;
	}
	return NULL;
}

/* "f ..." (the line after "f "). NULL, or the reason it is bad; *ret for an
 * error that is not the file's (memory). */
static const char *read_frame(struct reader *r, char *line, int *ret)
{
	struct frame f = {0};
	uint64_t kind, ln;
	char *fields[4];
	const char *p = line;
	uint32_t id;

	if (split_tabs(line, fields, 4) != 4)
		return "bad frame line";
	if (parse_u64(&p, &kind, 10) || kind > FRAME_KIND_MAX || *p++ != ' ' ||
	    parse_u64(&p, &ln, 10) || ln > UINT32_MAX || *p++ != ' ' ||
	    parse_u64(&p, &f.addr, 16) || *p)
		return "bad frame line";
	if (r->nids >= WINDOW_MAX_FRAMES)
		return "too many frames";
	if (!r->into) {
		r->nids++;
		return NULL;
	}
	f.kind = (enum frame_kind)kind;
	f.line = (uint32_t)ln;
	f.name = fields[1];
	f.module = *fields[2] ? fields[2] : NULL;
	f.file = *fields[3] ? fields[3] : NULL;
	if ((*ret = profile__add_frame(r->into, &f, &id)))
		return NULL;
	if (array__grow((void **)&r->ids, &r->ids_cap, r->nids + 1, sizeof(*r->ids))) {
		*ret = -ENOMEM;
		return NULL;
	}
	r->ids[r->nids++] = id;
	return NULL;
}

/* Bytes of a label key at most (a value is a string field). */
#define MAX_LABEL_KEY 256

/* The label set being read is complete. NULL or why it is bad. */
static const char *end_label_set(struct reader *r, int *ret)
{
	const struct profile_labels *set = NULL;

	if (!r->npending)
		return NULL;
	if ((*ret = profile__labels(r->labels_into, r->pending, r->npending, &set))) {
		if (*ret == -EINVAL) {
			*ret = 0;
			return "a key twice in a label set";
		}
		return NULL;
	}
	if (array__grow((void **)&r->sets, &r->sets_cap, r->nsets + 1, sizeof(*r->sets))) {
		*ret = -ENOMEM;
		return NULL;
	}
	r->sets[r->nsets++] = set;
	r->npending = 0;
	return NULL;
}

/* "l SET KEY<TAB>VALUE" (the line after "l "): a label of the set being
 * read (SET = sets read so far) or the first of the next one. */
static const char *read_label(struct reader *r, char *line, int *ret)
{
	const char *p = line, *why;
	char *fields[2];
	uint64_t set;

	if (r->version < 2)
		return "a label line in a version 1 file";
	if (split_tabs(line, fields, 2) != 2 || parse_u64(&p, &set, 10) || *p++ != ' ' || !*p ||
	    !*fields[1])
		return "bad label line";
	/* a key the writer would change (control characters, cut) could make
	 * two keys of a set one */
	for (const char *k = p; *k; k++)
		if ((unsigned char)*k < 0x20 || k - p >= MAX_LABEL_KEY)
			return "bad label key";
	if (set == r->nsets + 1 && r->npending) {
		if ((why = end_label_set(r, ret)) || *ret)
			return why;
	}
	if (set != r->nsets)
		return "label sets out of order";
	if (set >= WINDOW_MAX_LABEL_SETS)
		return "too many label sets";
	if (r->npending >= PROFILE_MAX_LABELS)
		return "too many labels in a set";
	if (!r->labels_into && !(r->labels_into = profile__new())) { /* checking only */
		*ret = -ENOMEM;
		return NULL;
	}
	{
		const char *k = profile__intern(r->labels_into, p),
			   *v = profile__intern(r->labels_into, fields[1]);

		if (!k || !v) {
			*ret = -ENOMEM;
			return NULL;
		}
		r->pending[r->npending++] = (struct profile_label){k, v};
	}
	return NULL;
}

/* The sample matches the filter's labels. */
static bool labels_match(const struct window_filter *flt, uint64_t pid, const char *comm,
			 const char *cgroup, const struct profile_labels *set)
{
	char pid_text[16];
	struct profile_sample v = {.pid = (uint32_t)pid, .comm = comm, .cgroup = cgroup,
				   .labels = set, .pid_text = pid_text};

	snprintf(pid_text, sizeof(pid_text), "%u", (uint32_t)pid);
	if (!pid)
		v.pid_text = NULL;
	for (size_t i = 0; i < flt->nlabels; i++) {
		const char *got = profile_sample__label(&v, flt->labels[i].key);

		if (!got || strcmp(got, flt->labels[i].value))
			return false;
	}
	return true;
}

static const char *read_sample(struct reader *r, char *line, int *ret)
{
	const struct window_filter *flt = r->flt;
	const struct profile_labels *set = NULL;
	uint64_t pid, tid, count, fid, setno;
	struct profile_origin o;
	uint32_t depth = 0;
	char *fields[4];
	const char *p = line, *why;

	if ((why = end_label_set(r, ret)) || *ret)
		return why;
	if (split_tabs(line, fields, 4) != 4)
		return "bad sample line";
	if (parse_u64(&p, &pid, 10) || pid > UINT32_MAX || *p++ != ' ' || parse_u64(&p, &tid, 10) ||
	    tid > UINT32_MAX || *p++ != ' ' || parse_u64(&p, &count, 10))
		return "bad sample line";
	if (r->version >= 2) {
		if (*p++ != ' ')
			return "bad sample line";
		if (*p == '-') {
			p++;
		} else if (parse_u64(&p, &setno, 10) || setno >= r->nsets) {
			return "bad label set reference in sample";
		} else {
			set = r->sets[setno];
		}
	}
	if (*p)
		return "bad sample line";
	if (count > WINDOW_MAX_SAMPLES - r->total)
		return "more samples than a window can hold";
	for (p = fields[3]; *p;) {
		if (parse_u64(&p, &fid, 10) || fid >= r->nids || depth >= WINDOW_MAX_DEPTH)
			return "bad frame reference in sample";
		r->stack[depth++] = r->into ? r->ids[fid] : 0;
		if (*p == ' ')
			p++;
		else if (*p)
			return "bad frame list";
	}
	r->nsamples++;
	r->total += count;
	o = (struct profile_origin){(uint32_t)pid, (uint32_t)tid, fields[1],
				    *fields[2] ? fields[2] : NULL, set};
	if (!r->into || (flt && flt->pid && flt->pid != pid) ||
	    (flt && flt->comm && strcmp(flt->comm, fields[1])) ||
	    (flt && flt->cgroup && strcmp(flt->cgroup, fields[2])) ||
	    (flt && flt->nlabels && !labels_match(flt, pid, o.comm, o.cgroup, set)))
		return NULL;
	*ret = profile__add_sample_from(r->into, r->stack, depth, &o, count);
	if (!*ret)
		r->added += count;
	return NULL;
}

static const char *read_end(struct reader *r, const char *p)
{
	uint64_t n, total;

	if (r->npending)
		return "a label set no sample uses at the end";
	if (parse_u64(&p, &n, 10) || *p++ != ' ' || parse_u64(&p, &total, 10) || *p)
		return "bad end line";
	if (n != r->nsamples || total != r->total)
		return "the end line's counts do not match the samples";
	if (!r->seen_time)
		return "no time line";
	return NULL;
}

int window_file__read(int fd, const char *name, const struct window_filter *flt,
		      struct profile *into, struct window_info *info, uint64_t *added, char *err,
		      size_t errlen)
{
	struct reader r = {.flt = flt, .into = into};
	int dfd = fcntl(fd, F_DUPFD_CLOEXEC, 0), ret = 0, zerr = Z_OK;
	gzFile gz = dfd >= 0 ? gzdopen(dfd, "rb") : NULL;
	uint64_t text = 0;
	size_t lineno = 0;
	const char *why = NULL;
	char *line = NULL;
	bool done = false;

	if (info)
		memset(info, 0, sizeof(*info));
	if (added)
		*added = 0;
	if (!gz) {
		ret = dfd < 0 ? -errno : -ENOMEM;
		if (dfd >= 0)
			close(dfd);
		errbuf__set(err, errlen, "open %s: %s", name, strerror(-ret));
		return ret;
	}
	line = malloc(WINDOW_MAX_LINE);
	r.stack = malloc(WINDOW_MAX_DEPTH * sizeof(*r.stack));
	r.labels_into = into; /* NULL: made at the first label line */
	if (!line || !r.stack) {
		ret = -ENOMEM;
		errbuf__set(err, errlen, "read %s: %s", name, strerror(ENOMEM));
		goto cleanup;
	}
	while (!why && !ret && gzgets(gz, line, WINDOW_MAX_LINE)) {
		size_t len = strlen(line);

		lineno++;
		text += len;
		if (done)
			why = "data after the end line";
		else if (lineno == 1 && gzdirect(gz))
			why = "not gzip-compressed";
		else if (text > WINDOW_MAX_TEXT)
			why = "too large";
		else if (len == 0 || line[len - 1] != '\n')
			why = "line too long, cut short or with a NUL byte";
		if (why)
			break;
		line[--len] = '\0';
		if (lineno == 1) {
			r.version = !strcmp(line, "bpfprof-window 1")   ? 1
				    : !strcmp(line, "bpfprof-window 2") ? 2
									: 0;
			why = r.version ? NULL : "not a bpfprof window file (version 1 or 2)";
		}
		else if (!strncmp(line, "time ", 5))
			why = read_time(&r, line + 5);
		else if (!strncmp(line, "f ", 2))
			why = read_frame(&r, line + 2, &ret);
		else if (!strncmp(line, "l ", 2))
			why = read_label(&r, line + 2, &ret);
		else if (!strncmp(line, "s ", 2))
			why = read_sample(&r, line + 2, &ret);
		else if (!strncmp(line, "end ", 4))
			done = !(why = read_end(&r, line + 4));
		else
			why = "unknown line";
	}
	if (ret) {
		errbuf__set(err, errlen, "read %s: %s", name, strerror(-ret));
		goto cleanup;
	}
	if (!why) {
		const char *zmsg = gzerror(gz, &zerr);

		if (zerr == Z_ERRNO) {
			ret = errno ? -errno : -EIO;
			errbuf__set(err, errlen, "read %s: %s", name, strerror(-ret));
			goto cleanup;
		}
		if (zerr != Z_OK)
			why = zmsg;
		else if (!done)
			why = "incomplete (no end line)";
	}
	if (why) {
		errbuf__set(err, errlen, "%s:%zu: %s", name, lineno, why);
		ret = -EINVAL;
		goto cleanup;
	}
	r.info.samples = r.total;
	if (info)
		*info = r.info;
	if (added)
		*added = r.added;
cleanup:
	gzclose(gz);
	free(line);
	free(r.stack);
	free(r.ids);
	free(r.sets);
	if (r.labels_into != into)
		profile__free(r.labels_into);
	return ret;
}
