// SPDX-License-Identifier: MIT
/*
 * perfmap.c - parse perf map files: sorted once, binary-searched.
 */
#include "symbolizer/perfmap.h"
#include "common/array.h"
#include "common/addr_sorted.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct entry {
	uint64_t start, size;
	uint32_t seq;  /* line number: later lines replace earlier ones */
	uint32_t name; /* offset into names */
};

struct perfmap {
	struct entry *e;
	size_t n;
	char *names;
	size_t names_len;
};

static int entry_cmp(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;

	if (x->start != y->start)
		return (x->start > y->start) - (x->start < y->start);
	return (x->seq > y->seq) - (x->seq < y->seq);
}

/* Parse one hex number (optional 0x); advances *p. 0 or -EINVAL. */
static int parse_hex(const char **p, uint64_t *v)
{
	const char *s = *p;
	uint64_t r = 0;
	int digits = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	for (;; s++, digits++) {
		int d;

		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else if (*s >= 'A' && *s <= 'F')
			d = *s - 'A' + 10;
		else
			break;
		if (digits >= 16)
			return -EINVAL;
		r = r << 4 | (uint64_t)d;
	}
	if (!digits)
		return -EINVAL;
	*v = r;
	*p = s;
	return 0;
}

int perfmap__load(int fd, struct perfmap **out)
{
	struct perfmap *m = calloc(1, sizeof(*m));
	size_t cap = 0, ncap = 0, len = 0;
	char *line = NULL;
	FILE *f = NULL;
	uint32_t seq = 0;
	int ret = 0, dfd = -1;

	*out = NULL;
	if (!m)
		return -ENOMEM;
	dfd = dup(fd);
	if (dfd < 0 || !(f = fdopen(dfd, "r"))) {
		ret = -errno;
		if (dfd >= 0)
			close(dfd);
		goto cleanup;
	}
	while (getline(&line, &len, f) > 0) {
		const char *p = line;
		uint64_t start, size;
		size_t nl;

		if (m->n >= PERFMAP_MAX_ENTRIES)
			break;
		seq++;
		if (parse_hex(&p, &start) || *p != ' ')
			continue;
		p++;
		if (parse_hex(&p, &size) || *p != ' ' || !size || start + size < start)
			continue;
		p++;
		nl = strcspn(p, "\r\n");
		if (!nl)
			continue;
		if (nl > PERFMAP_MAX_LINE)
			nl = PERFMAP_MAX_LINE;
		if (array__grow((void **)&m->e, &cap, m->n + 1, sizeof(*m->e))) {
			ret = -ENOMEM;
			goto cleanup;
		}
		if (m->names_len + nl + 1 > ncap) {
			size_t c = ncap ? ncap * 2 : 4096;
			char *n;

			while (c < m->names_len + nl + 1)
				c *= 2;
			if (c > UINT32_MAX)
				break;
			n = realloc(m->names, c);
			if (!n) {
				ret = -ENOMEM;
				goto cleanup;
			}
			m->names = n;
			ncap = c;
		}
		memcpy(m->names + m->names_len, p, nl);
		m->names[m->names_len + nl] = '\0';
		m->e[m->n++] = (struct entry){start, size, seq, (uint32_t)m->names_len};
		m->names_len += nl + 1;
	}
	if (m->n)
		qsort(m->e, m->n, sizeof(*m->e), entry_cmp);
	*out = m;
	m = NULL;
cleanup:
	if (f)
		fclose(f);
	free(line);
	perfmap__free(m);
	return ret;
}

void perfmap__free(struct perfmap *m)
{
	if (!m)
		return;
	free(m->e);
	free(m->names);
	free(m);
}

/* How far back to look for an earlier, longer blob that still covers addr. */
#define OVERLAP_SCAN 16

const char *perfmap__lookup(const struct perfmap *m, uint64_t addr)
{
	size_t lo = addr_sorted__upper(m->e, m->n, sizeof(*m->e), offsetof(struct entry, start),
				       addr);
	const struct entry *best = NULL;

	for (size_t i = lo, k = 0; i > 0 && k < OVERLAP_SCAN; i--, k++) {
		const struct entry *e = &m->e[i - 1];

		if (addr - e->start < e->size && (!best || e->seq > best->seq))
			best = e;
	}
	return best ? m->names + best->name : NULL;
}

size_t perfmap__count(const struct perfmap *m)
{
	return m->n;
}

size_t perfmap__memory(const struct perfmap *m)
{
	return sizeof(*m) + m->n * sizeof(*m->e) + m->names_len;
}
