/* SPDX-License-Identifier: MIT */
/* cli.h - what the commands share: command-line values that only they
 * parse (numbers, durations and sizes are common/parse.h) and messages. */
#ifndef BPFPROF_CLI_H
#define BPFPROF_CLI_H

#include <stddef.h>
#include <stdint.h>

/* "PID[,PID...]" appended to *pids (grown with realloc). */
int cli__parse_pids(const char *s, uint32_t **pids, size_t *npids);

/* "auto", "dwarf" or "fp" -> enum unwind_mode (profile_abi.h). */
int cli__parse_unwind(const char *s, int *mode);

/* Exit code of every usage error: bad option, bad value, missing privilege. */
#define EXIT_USAGE 2

/* "bpfprof CMD: <message> (see bpfprof CMD --help)" on stderr. Returns
 * EXIT_USAGE. */
int cli__usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Says on stderr which capabilities profiling lacks. 0 when none is missing,
 * else -EPERM. */
int cli__check_profiling_caps(void);

/* 1,234,567 style, into buf. Returns buf. */
const char *cli__thousands(uint64_t v, char *buf, size_t len);

#endif
