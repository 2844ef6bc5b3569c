/* SPDX-License-Identifier: MIT */
/* parse.h - strict parsing of values from the command line, the config and
 * HTTP queries: the whole string must match. All return 0 or -EINVAL. */
#ifndef BPFPROF_PARSE_H
#define BPFPROF_PARSE_H

#include <stdbool.h>
#include <stdint.h>

/* A whole decimal number within [min, max]. */
int parse__u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);

/* A duration: "10", "1.5", "10s", "500ms", "5m", "24h", "7d" -> nanoseconds. */
int parse__duration(const char *s, uint64_t *ns);

/* A size: "512", "64K", "100M", "1G" (powers of 1024) -> bytes. */
int parse__size(const char *s, uint64_t *bytes);

/* A CPU list as the kernel writes it ("0-3,8,10-11"; as perf -C takes it):
 * *mask gets *n entries (the highest CPU + 1), true for each CPU listed; the
 * caller frees it. CPUs from 0 to PARSE_MAX_CPUS - 1. */
#define PARSE_MAX_CPUS 4096
int parse__cpu_list(const char *s, bool **mask, int *n);

/* A number in base 10 or 16 (no sign, no "0x") starting at *p, for a field
 * inside a line: at least one digit, no overflow; *p is advanced past it. */
int parse__u64_prefix(const char **p, unsigned base, uint64_t *out);

#endif
