// SPDX-License-Identifier: MIT
#include "common/array.h"
#include "common/errbuf.h"
#include "agent/window_file.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* Write s with tabs and line breaks made harmless. */
static int put_str(gzFile gz, const char *s)
{
	char buf[512];
	size_t n = 0;

	for (; s && *s; s++) {
		buf[n++] = (*s == '\t' || *s == '\n' || *s == '\r') ? ' ' : *s;
		if (n == sizeof(buf)) {
			if (gzwrite(gz, buf, (unsigned)n) != (int)n)
				return -EIO;
			n = 0;
		}
	}
	if (n && gzwrite(gz, buf, (unsigned)n) != (int)n)
		return -EIO;
	return 0;
}

int window_file__write(const struct profile *p, const char *path, char *err, size_t errlen)
{
	const struct profile_meta *m = profile__meta_const(p);
	size_t nframes = profile__frame_count(p), nsamples = profile__sample_count(p);
	gzFile gz = gzopen(path, "wb6");
	int ret = 0;

	if (!gz) {
		ret = errno ? -errno : -ENOMEM;
		errbuf__set(err, errlen, "create %s: %s", path, strerror(-ret));
		return ret;
	}
	if (gzprintf(gz, "bpfprof-window 1\ntime %" PRIu64 " %" PRIu64 " %" PRIu64 "\n",
		     m->time_ns, m->duration_ns, m->period_ns) <= 0)
		ret = -EIO;
	for (uint32_t i = 0; !ret && i < nframes; i++) {
		const struct frame *f = profile__frame(p, i);

		if (gzprintf(gz, "f %d %u %" PRIx64 "\t", (int)f->kind, f->line, f->addr) <= 0 ||
		    put_str(gz, f->name) || gzputc(gz, '\t') < 0 || put_str(gz, f->module) ||
		    gzputc(gz, '\t') < 0 || put_str(gz, f->file) || gzputc(gz, '\n') < 0)
			ret = -EIO;
	}
	for (size_t i = 0; !ret && i < nsamples; i++) {
		const struct profile_sample *s = profile__sample(p, i);

		if (gzprintf(gz, "s %u %u %" PRIu64 "\t", s->pid, s->tid, s->count) <= 0 ||
		    put_str(gz, s->comm) || gzputc(gz, '\t') < 0 || put_str(gz, s->cgroup) ||
		    gzputc(gz, '\t') < 0) {
			ret = -EIO;
			break;
		}
		for (uint32_t j = 0; j < s->nframes && !ret; j++)
			if (gzprintf(gz, j ? " %u" : "%u", s->frames[j]) <= 0)
				ret = -EIO;
		if (!ret && gzputc(gz, '\n') < 0)
			ret = -EIO;
	}
	if (!ret && gzprintf(gz, "end %zu %" PRIu64 "\n", nsamples, profile__total(p)) <= 0)
		ret = -EIO;
	if (gzclose(gz) != Z_OK && !ret)
		ret = -EIO;
	if (ret)
		errbuf__set(err, errlen, "write %s: %s", path, strerror(-ret));
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
	if (**p == '-' || **p == ' ' || **p == '\0')
		return -EINVAL;
	*v = strtoull(*p, &end, base);
	if (errno || end == *p)
		return -EINVAL;
	*p = end;
	return 0;
}

int window_file__read(const char *path, const struct window_filter *flt, struct profile *into,
		      uint64_t *total, char *err, size_t errlen)
{
	gzFile gz = gzopen(path, "rb");
	char *line = NULL, *fields[4];
	uint32_t *ids = NULL, *stack = NULL;
	size_t nids = 0, ids_cap = 0, lineno = 0;
	uint64_t added = 0, nsamples = 0;
	int ret = 0, done = 0;

	if (total)
		*total = 0;
	if (!gz) {
		ret = errno ? -errno : -ENOMEM;
		errbuf__set(err, errlen, "open %s: %s", path, strerror(-ret));
		return ret;
	}
	line = malloc(WINDOW_MAX_LINE);
	stack = malloc(WINDOW_MAX_DEPTH * sizeof(*stack));
	if (!line || !stack) {
		ret = -ENOMEM;
		goto cleanup;
	}
#define BAD(why)                                                                              \
	do {                                                                                  \
		errbuf__set(err, errlen, "%s:%zu: %s", path, lineno, why);                         \
		ret = -EINVAL;                                                                \
		goto cleanup;                                                                 \
	} while (0)
	while (!done && gzgets(gz, line, WINDOW_MAX_LINE)) {
		size_t len = strlen(line);
		const char *p;

		lineno++;
		if (len == 0 || line[len - 1] != '\n')
			BAD("line too long or cut short");
		line[--len] = '\0';
		if (lineno == 1) {
			if (strcmp(line, "bpfprof-window 1"))
				BAD("not a bpfprof window file (version 1)");
		} else if (!strncmp(line, "time ", 5)) {
			struct profile_meta *m = profile__meta(into);
			uint64_t t, d, per;

			p = line + 5;
			if (parse_u64(&p, &t, 10) || *p++ != ' ' || parse_u64(&p, &d, 10) ||
			    *p++ != ' ' || parse_u64(&p, &per, 10) || *p)
				BAD("bad time line");
			if (!m->time_ns || t < m->time_ns)
				m->time_ns = t;
			if (!m->period_ns)
				m->period_ns = per;
			m->duration_ns += d;
		} else if (!strncmp(line, "f ", 2)) {
			struct frame f = {0};
			uint64_t kind, ln;
			uint32_t id;

			if (split_tabs(line, fields, 4) != 4)
				BAD("bad frame line");
			p = fields[0] + 2;
			if (parse_u64(&p, &kind, 10) || kind > FRAME_LOST || *p++ != ' ' ||
			    parse_u64(&p, &ln, 10) || ln > UINT32_MAX || *p++ != ' ' ||
			    parse_u64(&p, &f.addr, 16) || *p)
				BAD("bad frame line");
			if (nids >= WINDOW_MAX_FRAMES)
				BAD("too many frames");
			f.kind = (enum frame_kind)kind;
			f.line = (uint32_t)ln;
			f.name = fields[1];
			f.module = *fields[2] ? fields[2] : NULL;
			f.file = *fields[3] ? fields[3] : NULL;
			if ((ret = profile__add_frame(into, &f, &id)))
				goto cleanup;
			if (array__grow((void **)&ids, &ids_cap, nids + 1, sizeof(*ids))) {
				ret = -ENOMEM;
				goto cleanup;
			}
			ids[nids++] = id;
		} else if (!strncmp(line, "s ", 2)) {
			uint64_t pid, tid, count, fid;
			uint32_t depth = 0;

			if (split_tabs(line, fields, 4) != 4)
				BAD("bad sample line");
			p = fields[0] + 2;
			if (parse_u64(&p, &pid, 10) || pid > UINT32_MAX || *p++ != ' ' ||
			    parse_u64(&p, &tid, 10) || tid > UINT32_MAX || *p++ != ' ' ||
			    parse_u64(&p, &count, 10) || *p)
				BAD("bad sample line");
			for (p = fields[3]; *p;) {
				if (parse_u64(&p, &fid, 10) || fid >= nids || depth >= WINDOW_MAX_DEPTH)
					BAD("bad frame reference in sample");
				stack[depth++] = ids[fid];
				if (*p == ' ')
					p++;
				else if (*p)
					BAD("bad frame list");
			}
			nsamples++;
			if ((flt && flt->pid && flt->pid != pid) ||
			    (flt && flt->comm && strcmp(flt->comm, fields[1])) ||
			    (flt && flt->cgroup && strcmp(flt->cgroup, fields[2])))
				continue;
			ret = profile__add_sample_cg(into, stack, depth, (uint32_t)pid, (uint32_t)tid,
						     fields[1], *fields[2] ? fields[2] : NULL, count);
			if (ret)
				goto cleanup;
			added += count;
		} else if (!strncmp(line, "end ", 4)) {
			uint64_t n;

			p = line + 4;
			if (parse_u64(&p, &n, 10) || n != nsamples)
				BAD("sample count does not match the end line");
			done = 1;
		} else {
			BAD("unknown line");
		}
	}
#undef BAD
	if (!done) {
		errbuf__set(err, errlen, "%s: incomplete (no end line)", path);
		ret = -EINVAL;
	}
cleanup:
	if (!ret && total)
		*total = added;
	gzclose(gz);
	free(line);
	free(stack);
	free(ids);
	return ret;
}
