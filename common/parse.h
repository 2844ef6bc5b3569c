/* SPDX-License-Identifier: MIT */
/* parse.h - strict parsing of values from the command line, the config and
 * HTTP queries: the whole string must match. All return 0 or -EINVAL. */
#ifndef BPFPROF_PARSE_H
#define BPFPROF_PARSE_H

#include <stdint.h>

/* A whole decimal number within [min, max]. */
int parse__u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);

/* A duration: "10", "1.5", "10s", "500ms", "5m", "24h", "7d" -> nanoseconds. */
int parse__duration(const char *s, uint64_t *ns);

/* A size: "512", "64K", "100M", "1G" (powers of 1024) -> bytes. */
int parse__size(const char *s, uint64_t *bytes);

/* A number in base 10 or 16 (no sign, no "0x") starting at *p, for a field
 * inside a line: at least one digit, no overflow; *p is advanced past it. */
int parse__u64_prefix(const char **p, unsigned base, uint64_t *out);

#endif
