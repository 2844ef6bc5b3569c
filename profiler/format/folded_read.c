// SPDX-License-Identifier: MIT
/* folded_read.c - the folded-stack reader (see folded_read.h). */
#include "common/array.h"
#include "format/folded_read.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_COUNT 1000000000000000ULL /* 1e15: totals cannot overflow */

static int line_error(char *err, size_t errlen, size_t line, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (err && errlen) {
		n = snprintf(err, errlen, "line %zu: ", line);
		if (n >= 0 && (size_t)n < errlen) {
			va_start(ap, fmt);
			vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
			va_end(ap);
		}
	}
	return -EINVAL;
}

static bool has_suffix(const char *s, size_t len, const char *suf)
{
	size_t n = strlen(suf);

	return len >= n && !memcmp(s + len - n, suf, n);
}

/* name (NUL-terminated, writable, length len) -> frame fields; may cut name. */
static void parse_frame(char *name, size_t len, struct frame *f)
{
	char *open;

	memset(f, 0, sizeof(*f));
	f->kind = FRAME_USER;
	if (has_suffix(name, len, "_[k]")) {
		f->kind = FRAME_KERNEL;
		f->module = "[kernel.kallsyms]";
	} else if (has_suffix(name, len, "_[i]")) {
		f->kind = FRAME_INLINE;
	} else if (has_suffix(name, len, "_[j]")) {
		f->kind = FRAME_JIT;
	} else if (has_suffix(name, len, "_[p]")) {
		f->kind = FRAME_PYTHON;
		f->module = "[python]";
	}
	if (f->kind != FRAME_USER) {
		len -= 4;
		name[len] = '\0';
	}
	/* "func (file.c:42)" from --lines */
	if (len > 4 && name[len - 1] == ')' && (open = strstr(name, " (")) && open > name) {
		char *colon = NULL, *p;
		unsigned long v = 0;

		for (p = open + 2; p < name + len - 1; p++)
			if (*p == ':')
				colon = p;
		if (colon && colon > open + 2 && colon + 1 < name + len - 1) {
			bool digits = true;

			for (p = colon + 1; p < name + len - 1; p++) {
				if (*p < '0' || *p > '9' || v > 100000000UL) {
					digits = false;
					break;
				}
				v = v * 10 + (unsigned long)(*p - '0');
			}
			if (digits && v) {
				*open = '\0';
				*colon = '\0';
				f->file = open + 2;
				f->line = (uint32_t)v;
			}
		}
	}
	f->name = name;
}

int folded__read(const char *data, size_t len, struct profile *p, char *err, size_t errlen)
{
	uint32_t *ids = malloc(FOLDED_MAX_FRAMES * sizeof(*ids));
	char *line = NULL;
	size_t cap = 0, lineno = 0, pos = 0;
	int ret = 0;

	if (!ids)
		return -ENOMEM;
	while (pos < len && !ret) {
		const char *start = data + pos, *nl = memchr(start, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - start) : len - pos;
		char *sp, *comm, *s, *end;
		uint64_t count = 0;
		uint32_t nframes = 0;

		pos += n + (nl ? 1 : 0);
		lineno++;
		if (n && start[n - 1] == '\r')
			n--;
		if (n == 0 || start[0] == '#')
			continue;
		if (memchr(start, '\0', n)) {
			ret = line_error(err, errlen, lineno, "NUL byte in line");
			break;
		}
		if (array__grow((void **)&line, &cap, n + 1, 1)) {
			ret = -ENOMEM;
			break;
		}
		memcpy(line, start, n);
		line[n] = '\0';
		/* the count is the last space-separated field */
		while (n && (line[n - 1] == ' ' || line[n - 1] == '\t'))
			line[--n] = '\0';
		sp = strrchr(line, ' ');
		if (!sp || sp[1] == '\0') {
			ret = line_error(err, errlen, lineno, "no sample count after the stack");
			break;
		}
		for (s = sp + 1; *s; s++) {
			if (*s < '0' || *s > '9' || count > MAX_COUNT / 10) {
				ret = line_error(err, errlen, lineno,
						 "sample count '%.32s' is not a number up to 1e15",
						 sp + 1);
				break;
			}
			count = count * 10 + (uint64_t)(*s - '0');
		}
		if (ret)
			break;
		if (count > MAX_COUNT) {
			ret = line_error(err, errlen, lineno, "sample count too large");
			break;
		}
		while (sp > line && sp[-1] == ' ')
			sp--;
		*sp = '\0';
		if (sp == line) {
			ret = line_error(err, errlen, lineno, "empty stack");
			break;
		}
		/* comm, then frames root first */
		comm = line;
		end = strchr(line, ';');
		if (end)
			*end = '\0';
		s = end ? end + 1 : NULL;
		while (s) {
			struct frame f;

			end = strchr(s, ';');
			if (end)
				*end = '\0';
			if (!*s) {
				ret = line_error(err, errlen, lineno, "empty frame name (frame %u)",
						 nframes + 1);
				break;
			}
			if (nframes == FOLDED_MAX_FRAMES) {
				ret = line_error(err, errlen, lineno, "more than %d frames",
						 FOLDED_MAX_FRAMES);
				break;
			}
			parse_frame(s, strlen(s), &f);
			if ((ret = profile__add_frame(p, &f, &ids[nframes++])))
				break;
			s = end ? end + 1 : NULL;
		}
		if (!ret && count)
			ret = profile__add_sample(p, ids, nframes, 0, 0, comm, count);
	}
	free(line);
	free(ids);
	return ret;
}
