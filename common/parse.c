// SPDX-License-Identifier: MIT
/* parse.c - strict parsing of numbers, durations and sizes (see parse.h). */
#include "common/parse.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

int parse__u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (!s || !isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

int parse__duration(const char *s, uint64_t *ns)
{
	double v, mult = 1e9;
	char *end;

	if (!s || !(isdigit((unsigned char)*s) || *s == '.'))
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || !isfinite(v) || v < 0)
		return -EINVAL;
	if (!strcmp(end, "ms"))
		mult = 1e6;
	else if (!*end || !strcmp(end, "s"))
		mult = 1e9;
	else if (!strcmp(end, "m"))
		mult = 60e9;
	else if (!strcmp(end, "h"))
		mult = 3600e9;
	else if (!strcmp(end, "d"))
		mult = 86400e9;
	else
		return -EINVAL;
	if (v * mult > 1e18) /* about 31 years: plenty, and no overflow */
		return -EINVAL;
	*ns = (uint64_t)(v * mult);
	return 0;
}

int parse__size(const char *s, uint64_t *bytes)
{
	unsigned long long v;
	uint64_t mult = 1;
	char *end;

	if (!s || !isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -EINVAL;
	switch (toupper((unsigned char)*end)) {
	case '\0': break;
	case 'K':
		mult = 1ULL << 10;
		end++;
		break;
	case 'M':
		mult = 1ULL << 20;
		end++;
		break;
	case 'G':
		mult = 1ULL << 30;
		end++;
		break;
	case 'T':
		mult = 1ULL << 40;
		end++;
		break;
	default: return -EINVAL;
	}
	if ((*end == 'B' || *end == 'b') && mult > 1)
		end++;
	if (*end || v > UINT64_MAX / mult)
		return -EINVAL;
	*bytes = v * mult;
	return 0;
}

int parse__cpu_list(const char *s, bool **mask, int *n)
{
	const char *p = s;
	bool *m = NULL;
	int max = -1;

	*mask = NULL;
	*n = 0;
	if (!s || !*s)
		return -EINVAL;
	m = calloc(PARSE_MAX_CPUS, sizeof(*m));
	if (!m)
		return -ENOMEM;
	while (*p) {
		char *end;
		long a, b;

		if (!isdigit((unsigned char)*p))
			goto bad;
		a = b = strtol(p, &end, 10);
		if (a >= PARSE_MAX_CPUS)
			goto bad;
		p = end;
		if (*p == '-') {
			if (!isdigit((unsigned char)p[1]))
				goto bad;
			b = strtol(p + 1, &end, 10);
			if (b < a || b >= PARSE_MAX_CPUS)
				goto bad;
			p = end;
		}
		for (long i = a; i <= b; i++)
			m[i] = true;
		if (b > max)
			max = (int)b;
		if (*p == ',' && p[1])
			p++;
		else if (*p)
			goto bad;
	}
	*mask = m;
	*n = max + 1;
	return 0;
bad:
	free(m);
	return -EINVAL;
}

int parse__u64_prefix(const char **p, unsigned base, uint64_t *out)
{
	const char *s = *p;
	uint64_t v = 0;

	if (base != 10 && base != 16)
		return -EINVAL;
	for (;; s++) {
		unsigned d;

		if (*s >= '0' && *s <= '9')
			d = (unsigned)(*s - '0');
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = (unsigned)(*s - 'a' + 10);
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = (unsigned)(*s - 'A' + 10);
		else
			break;
		if (v > (UINT64_MAX - d) / base)
			return -EINVAL;
		v = v * base + d;
	}
	if (s == *p)
		return -EINVAL;
	*out = v;
	*p = s;
	return 0;
}
