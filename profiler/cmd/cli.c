// SPDX-License-Identifier: MIT
#include "common/array.h"
#include "cmd/cli.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cli__parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
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

int cli__parse_duration(const char *s, uint64_t *ns)
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

int cli__parse_size(const char *s, uint64_t *bytes)
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
	case 'K': mult = 1ULL << 10; end++; break;
	case 'M': mult = 1ULL << 20; end++; break;
	case 'G': mult = 1ULL << 30; end++; break;
	case 'T': mult = 1ULL << 40; end++; break;
	default: return -EINVAL;
	}
	if ((*end == 'B' || *end == 'b') && mult > 1)
		end++;
	if (*end || v > UINT64_MAX / mult)
		return -EINVAL;
	*bytes = v * mult;
	return 0;
}

int cli__parse_pids(const char *s, uint32_t **pids, size_t *npids)
{
	char *copy = strdup(s ? s : ""), *tok, *save = NULL;
	size_t cap = *npids; /* what *pids holds at least */
	int ret = 0;

	if (!copy)
		return -ENOMEM;
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		uint64_t pid;

		if (cli__parse_u64(tok, 1, 0x3fffffff, &pid)) {
			ret = -EINVAL;
			break;
		}
		if (array__grow((void **)pids, &cap, *npids + 1, sizeof(**pids))) {
			ret = -ENOMEM;
			break;
		}
		(*pids)[(*npids)++] = (uint32_t)pid;
	}
	if (!ret && *npids == 0)
		ret = -EINVAL;
	free(copy);
	return ret;
}

const char *cli__thousands(uint64_t v, char *buf, size_t len)
{
	char tmp[32];
	int n = snprintf(tmp, sizeof(tmp), "%llu", (unsigned long long)v), o = 0;

	for (int i = 0; i < n && (size_t)o + 2 < len; i++) {
		if (i && (n - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = tmp[i];
	}
	buf[o] = '\0';
	return buf;
}

int cli__parse_unwind(const char *s, int *mode)
{
	/* values of enum unwind_mode in profile_abi.h */
	if (!strcmp(s, "fp"))
		*mode = 0;
	else if (!strcmp(s, "dwarf"))
		*mode = 1;
	else if (!strcmp(s, "auto"))
		*mode = 2;
	else
		return -EINVAL;
	return 0;
}
