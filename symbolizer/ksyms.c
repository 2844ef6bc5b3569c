// SPDX-License-Identifier: MIT
#include "symbolizer/ksyms.h"
#include "common/array.h"
#include "common/addr_sorted.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ksym {
	uint64_t addr;
	uint32_t name;   /* offset into names */
	uint32_t module; /* offset into names, or UINT32_MAX */
};

struct ksyms {
	struct ksym *syms;
	size_t n, cap;
	char *names;
	size_t names_len, names_cap;
};

/* Kernel text ends where the next symbol starts; a symbol further than this
 * from its start is not trusted (unmapped gaps, module boundaries). */
#define KSYM_MAX_SIZE (16u << 20)

static int ksym_cmp(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;

	return (x->addr > y->addr) - (x->addr < y->addr);
}

static int add_name(struct ksyms *k, const char *s, size_t len, uint32_t *off)
{
	if (k->names_len + len + 1 > k->names_cap) {
		size_t ncap = k->names_cap ? k->names_cap * 2 : (1u << 20);
		char *n;

		while (ncap < k->names_len + len + 1)
			ncap *= 2;
		if (ncap > UINT32_MAX)
			return -E2BIG;
		n = realloc(k->names, ncap);
		if (!n)
			return -ENOMEM;
		k->names = n;
		k->names_cap = ncap;
	}
	memcpy(k->names + k->names_len, s, len);
	k->names[k->names_len + len] = '\0';
	*off = (uint32_t)k->names_len;
	k->names_len += len + 1;
	return 0;
}

/*
 * One kallsyms line, "ADDR TYPE NAME[\t[MODULE]]", without sscanf: 120,000
 * lines through sscanf were most of the agent's CPU in its first minutes.
 * Returns the fields found (3, or 4 with a module), or 0 for a bad line.
 */
static int parse_line(const char *p, unsigned long long *addr, char *type, char *name,
		      size_t nlen, char *mod, size_t mlen)
{
	unsigned long long a = 0;
	size_t i = 0;
	int digits = 0;

	for (; digits < 16; p++, digits++) {
		int v = *p >= '0' && *p <= '9' ? *p - '0'
			: *p >= 'a' && *p <= 'f' ? *p - 'a' + 10
			: *p >= 'A' && *p <= 'F' ? *p - 'A' + 10 : -1;

		if (v < 0)
			break;
		a = a << 4 | (unsigned)v;
	}
	if (!digits || *p != ' ' || !p[1] || p[2] != ' ')
		return 0;
	*type = p[1];
	p += 3;
	while (*p && *p != '\t' && *p != ' ' && *p != '\n' && i + 1 < nlen)
		name[i++] = *p++;
	name[i] = '\0';
	if (!i)
		return 0;
	*addr = a;
	while (*p == '\t' || *p == ' ')
		p++;
	if (*p != '[')
		return 3;
	p++;
	for (i = 0; *p && *p != ']' && i + 1 < mlen; p++)
		mod[i++] = *p;
	mod[i] = '\0';
	return *p == ']' && i ? 4 : 3;
}

int ksyms__load(const char *path, struct ksyms **out)
{
	struct ksyms *k = NULL;
	FILE *f = NULL;
	char line[512], prev_mod[128] = "";
	uint32_t prev_mod_off = UINT32_MAX;
	int ret = 0;

	*out = NULL;
	f = fopen(path ? path : "/proc/kallsyms", "re");
	if (!f)
		return -errno;
	k = calloc(1, sizeof(*k));
	if (!k) {
		ret = -ENOMEM;
		goto cleanup;
	}
	while (fgets(line, sizeof(line), f)) {
		unsigned long long addr;
		char type, name[256], mod[128] = "";
		int n = parse_line(line, &addr, &type, name, sizeof(name), mod, sizeof(mod));

		if (n < 3 || addr == 0)
			continue;
		/* text symbols only; data symbols would shadow functions */
		if (type != 't' && type != 'T' && type != 'w' && type != 'W')
			continue;
		if (array__grow((void **)&k->syms, &k->cap, k->n + 1, sizeof(*k->syms))) {
			ret = -ENOMEM;
			goto cleanup;
		}
		struct ksym *s = &k->syms[k->n];

		s->addr = addr;
		s->module = UINT32_MAX;
		ret = add_name(k, name, strlen(name), &s->name);
		if (ret)
			goto cleanup;
		if (mod[0]) { /* modules repeat: share one copy per run of lines */
			if (strcmp(mod, prev_mod)) {
				ret = add_name(k, mod, strlen(mod), &prev_mod_off);
				if (ret)
					goto cleanup;
				snprintf(prev_mod, sizeof(prev_mod), "%s", mod);
			}
			s->module = prev_mod_off;
		}
		k->n++;
	}
	if (!k->n) { /* kptr_restrict hides addresses: all zeros were skipped */
		ret = -EPERM;
		goto cleanup;
	}
	qsort(k->syms, k->n, sizeof(*k->syms), ksym_cmp);
	*out = k;
	k = NULL;
cleanup:
	if (f)
		fclose(f);
	ksyms__free(k);
	return ret;
}

void ksyms__free(struct ksyms *k)
{
	if (!k)
		return;
	free(k->syms);
	free(k->names);
	free(k);
}

const char *ksyms__lookup(const struct ksyms *k, uint64_t addr, const char **module,
			  uint64_t *offset)
{
	size_t lo = addr_sorted__upper(k->syms, k->n, sizeof(*k->syms),
				       offsetof(struct ksym, addr), addr);
	const struct ksym *s;

	if (lo == 0)
		return NULL;
	s = &k->syms[lo - 1];
	if (addr - s->addr > KSYM_MAX_SIZE)
		return NULL;
	if (module)
		*module = s->module == UINT32_MAX ? NULL : k->names + s->module;
	if (offset)
		*offset = addr - s->addr;
	return k->names + s->name;
}

size_t ksyms__count(const struct ksyms *k)
{
	return k->n;
}
