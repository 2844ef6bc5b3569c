/* SPDX-License-Identifier: MIT */
/* cli.h - strict parsing of command-line values. All return 0 or -EINVAL. */
#ifndef BPFPROF_CLI_H
#define BPFPROF_CLI_H

#include <stddef.h>
#include <stdint.h>

/* A whole decimal number within [min, max]. */
int cli__parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);

/* A duration: "10", "1.5", "10s", "500ms", "5m", "24h", "7d" -> nanoseconds. */
int cli__parse_duration(const char *s, uint64_t *ns);

/* A size: "512", "64K", "100M", "1G" (powers of 1024) -> bytes. */
int cli__parse_size(const char *s, uint64_t *bytes);

/* "PID[,PID...]" appended to *pids (grown with realloc). */
int cli__parse_pids(const char *s, uint32_t **pids, size_t *npids);

/* "auto", "dwarf" or "fp" -> enum unwind_mode (profile_abi.h). */
int cli__parse_unwind(const char *s, int *mode);

/* 1,234,567 style, into buf. Returns buf. */
const char *cli__thousands(uint64_t v, char *buf, size_t len);

#endif
