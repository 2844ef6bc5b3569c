// SPDX-License-Identifier: MIT
/*
 * perfmap.c - parse perf map files: sorted once, binary-searched.
 */
#include "symbolizer/perfmap.h"
#include "common/array.h"
#include "common/addr_sorted.h"
#include "common/parse.h"
#include "common/root_open.h"

#include <errno.h>
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

/* One hex number, "0x" optional; advances *p. 0 or -EINVAL. */
static int parse_hex(const char **p, uint64_t *v)
{
	if ((*p)[0] == '0' && ((*p)[1] == 'x' || (*p)[1] == 'X'))
		*p += 2;
	return parse__u64_prefix(p, 16, v);
}

struct load {
	struct perfmap *m;
	size_t cap, ncap;
	uint32_t seq;
};

/* One "START SIZE name" line; bad lines are skipped. 0, 1 (full) or -ENOMEM. */
static int load_line(void *ctx, char *line, size_t len)
{
	struct load *l = ctx;
	struct perfmap *m = l->m;
	const char *p = line;
	uint64_t start, size;
	size_t nl;

	(void)len;
	if (m->n >= PERFMAP_MAX_ENTRIES)
		return 1;
	l->seq++;
	if (parse_hex(&p, &start) || *p != ' ')
		return 0;
	p++;
	if (parse_hex(&p, &size) || *p != ' ' || !size || start + size < start)
		return 0;
	p++;
	nl = strcspn(p, "\r");
	if (!nl)
		return 0;
	if (nl > PERFMAP_MAX_NAME)
		nl = PERFMAP_MAX_NAME;
	if (array__grow((void **)&m->e, &l->cap, m->n + 1, sizeof(*m->e)))
		return -ENOMEM;
	if (m->names_len + nl + 1 > l->ncap) {
		size_t c = l->ncap ? l->ncap * 2 : 4096;
		char *n;

		while (c < m->names_len + nl + 1)
			c *= 2;
		if (c > UINT32_MAX)
			return 1;
		n = realloc(m->names, c);
		if (!n)
			return -ENOMEM;
		m->names = n;
		l->ncap = c;
	}
	memcpy(m->names + m->names_len, p, nl);
	m->names[m->names_len + nl] = '\0';
	m->e[m->n++] = (struct entry){start, size, l->seq, (uint32_t)m->names_len};
	m->names_len += nl + 1;
	return 0;
}

int perfmap__load(int fd, struct perfmap **out)
{
	struct load l = {.m = calloc(1, sizeof(*l.m))};
	int ret;

	*out = NULL;
	if (!l.m)
		return -ENOMEM;
	ret = root_open__lines(fd, PERFMAP_MAX_BYTES, PERFMAP_MAX_LINE, load_line, &l);
	if (ret < 0)
		goto cleanup;
	ret = 0;
	if (l.m->n)
		qsort(l.m->e, l.m->n, sizeof(*l.m->e), entry_cmp);
	*out = l.m;
	l.m = NULL;
cleanup:
	perfmap__free(l.m);
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
