// SPDX-License-Identifier: MIT
#include "format/folded.h"
#include "common/bytebuf.h"
#include "common/hmap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Append s with the separator, line breaks and other control bytes (a
 * hostile name's terminal escapes) made harmless. */
static int put_name(struct bytebuf *b, const char *s)
{
	size_t n = strlen(s);

	if (bytebuf__reserve(b, n))
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		b->data[b->len++] = c == ';'                ? ':'
				    : c == '\n' || c == '\r' ? ' '
				    : c < 0x20 || c == 0x7f  ? '?'
							     : (char)c;
	}
	return 0;
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

static int append_frame(struct bytebuf *b, const struct frame *f, const struct folded_opts *o)
{
	char line[64], label[1024];

	if (f->kind == FRAME_PYTHON) /* always with its file: "run" is in many */
		return bytebuf__puts(b, ";") ||
			       put_name(b, frame__label(f, o && o->lines, label, sizeof(label))) ||
			       bytebuf__puts(b, "_[p]")
		       ? -ENOMEM : 0;
	if (bytebuf__puts(b, ";") || put_name(b, f->name))
		return -ENOMEM;
	if (o && o->lines && f->file && f->line) {
		snprintf(line, sizeof(line), ":%u)", f->line);
		if (bytebuf__puts(b, " (") || put_name(b, base_name(f->file)) ||
		    bytebuf__puts(b, line))
			return -ENOMEM;
	}
	switch (f->kind) {
	case FRAME_KERNEL: return bytebuf__puts(b, "_[k]");
	case FRAME_INLINE: return bytebuf__puts(b, "_[i]");
	case FRAME_JIT: return bytebuf__puts(b, "_[j]");
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
	struct bytebuf b = {0};
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

		bytebuf__reset(&b);
		if (put_name(&b, s->comm && *s->comm ? s->comm : "[unknown]")) {
			ret = -ENOMEM;
			goto cleanup;
		}
		for (uint32_t j = 0; j < s->nframes; j++) {
			if (append_frame(&b, profile__frame(p, s->frames[j]), opts)) {
				ret = -ENOMEM;
				goto cleanup;
			}
		}
		if (bytebuf__put(&b, "", 1)) { /* the NUL: the key is the line as a string */
			ret = -ENOMEM;
			goto cleanup;
		}
		ret = hmap__put(seen, b.data, b.len, nlines, &idx, &stored);
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
	bytebuf__release(&b);
	free(lines);
	hmap__free(seen);
	return ret;
}
