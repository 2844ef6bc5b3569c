// SPDX-License-Identifier: MIT
#include "format/folded.h"
#include "common/hmap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct buf {
	char *s;
	size_t len, cap;
};

static int buf_reserve(struct buf *b, size_t more)
{
	if (b->len + more + 1 <= b->cap)
		return 0;
	size_t ncap = b->cap ? b->cap * 2 : 1024;

	while (ncap < b->len + more + 1)
		ncap *= 2;
	char *n = realloc(b->s, ncap);

	if (!n)
		return -ENOMEM;
	b->s = n;
	b->cap = ncap;
	return 0;
}

/* Append s with the separator and line breaks made harmless. */
static int buf_name(struct buf *b, const char *s)
{
	size_t n = strlen(s);

	if (buf_reserve(b, n))
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		b->s[b->len++] = c == ';' ? ':' : (c == '\n' || c == '\r') ? ' ' : c;
	}
	b->s[b->len] = '\0';
	return 0;
}

static int buf_str(struct buf *b, const char *s)
{
	size_t n = strlen(s);

	if (buf_reserve(b, n))
		return -ENOMEM;
	memcpy(b->s + b->len, s, n + 1);
	b->len += n;
	return 0;
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

static int append_frame(struct buf *b, const struct frame *f, const struct folded_opts *o)
{
	char line[64];

	if (buf_str(b, ";") || buf_name(b, f->name))
		return -ENOMEM;
	if (o && o->lines && f->file && f->line) {
		snprintf(line, sizeof(line), ":%u)", f->line);
		if (buf_str(b, " (") || buf_name(b, base_name(f->file)) || buf_str(b, line))
			return -ENOMEM;
	}
	switch (f->kind) {
	case FRAME_KERNEL: return buf_str(b, "_[k]");
	case FRAME_INLINE: return buf_str(b, "_[i]");
	case FRAME_JIT: return buf_str(b, "_[j]");
	default: return 0;
	}
}

struct line {
	const char *text;
	uint64_t count;
};

static int line_cmp(const void *a, const void *b)
{
	return strcmp(((const struct line *)a)->text, ((const struct line *)b)->text);
}

int folded__write(const struct profile *p, const struct folded_opts *opts, FILE *out)
{
	struct hmap *seen = hmap__new();
	struct line *lines = NULL;
	struct buf b = {0};
	size_t nlines = 0, n = profile__sample_count(p);
	int ret = 0;

	if (!seen)
		return -ENOMEM;
	lines = calloc(n ? n : 1, sizeof(*lines));
	if (!lines) {
		ret = -ENOMEM;
		goto cleanup;
	}
	for (size_t i = 0; i < n; i++) {
		const struct profile_sample *s = profile__sample(p, i);
		const void *stored;
		uint64_t idx;

		b.len = 0;
		if (buf_name(&b, s->comm && *s->comm ? s->comm : "[unknown]")) {
			ret = -ENOMEM;
			goto cleanup;
		}
		for (uint32_t j = 0; j < s->nframes; j++) {
			if (append_frame(&b, profile__frame(p, s->frames[j]), opts)) {
				ret = -ENOMEM;
				goto cleanup;
			}
		}
		ret = hmap__put(seen, b.s, b.len + 1, nlines, &idx, &stored);
		if (ret < 0)
			goto cleanup;
		if (ret == 1) {
			lines[nlines].text = stored;
			lines[nlines++].count = s->count;
		} else {
			lines[idx].count += s->count;
		}
		ret = 0;
	}
	qsort(lines, nlines, sizeof(*lines), line_cmp);
	for (size_t i = 0; i < nlines; i++)
		if (lines[i].count && fprintf(out, "%s %llu\n", lines[i].text,
					      (unsigned long long)lines[i].count) < 0) {
			ret = -EIO;
			break;
		}
	if (!ret && fflush(out))
		ret = -errno;
cleanup:
	free(b.s);
	free(lines);
	hmap__free(seen);
	return ret;
}
