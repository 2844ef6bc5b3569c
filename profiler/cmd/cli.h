/* SPDX-License-Identifier: MIT */
/* cli.h - what the commands share: command-line values that only they
 * parse (numbers, durations and sizes are common/parse.h) and messages. */
#ifndef BPFPROF_CLI_H
#define BPFPROF_CLI_H

#include <stddef.h>
#include <stdint.h>

#include "format/profile.h"
#include "sample/identity.h"

/* "PID[,PID...]" appended to *pids (grown with realloc). */
int cli__parse_pids(const char *s, uint32_t **pids, size_t *npids);

/* "auto", "dwarf" or "fp" -> enum unwind_mode (profile_abi.h). */
int cli__parse_unwind(const char *s, int *mode);

/* A cgroup v2 directory, as a path under the cgroup2 mount or as
 * /proc/PID/cgroup writes it ("/system.slice/x.service"): its id (the
 * directory's inode) and depth below the root. 0 or -errno. */
int cli__parse_cgroup(const char *path, uint64_t *id, uint32_t *level);

/* The labels every sample gets: --label KEY=VALUE (record, serve) and host. */
struct cli_labels {
	struct profile_label l[LABEL_MAX_STATIC + 1]; /* point into the arrays below */
	size_t n;
	char keys[LABEL_MAX_STATIC + 1][LABEL_MAX_KEY + 1];
	char values[LABEL_MAX_STATIC + 1][LABEL_MAX_VALUE + 1];
};

/* One --label KEY=VALUE of cmd into l (identity__static_label_error's rules,
 * each key once, at most LABEL_MAX_STATIC). 0, or says why on stderr and
 * returns EXIT_USAGE. */
int cli__parse_label(const char *cmd, const char *arg, struct cli_labels *l);

/* Add host = the machine's name (uname's nodename) unless --label host=
 * named it. */
void cli__labels_add_host(struct cli_labels *l);

/* Exit code of every usage error: bad option, bad value, missing privilege. */
#define EXIT_USAGE 2

/* "bpfprof CMD: <message> (see bpfprof CMD --help)" on stderr. Returns
 * EXIT_USAGE. */
int cli__usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Says on stderr which capabilities profiling lacks. 0 when none is missing,
 * else -EPERM. */
int cli__check_profiling_caps(void);

/*
 * The highest sampling frequency bpfprof accepts, per CPU. A sample with a
 * deep stack walked from unwind tables costs up to about 25 us of BPF time
 * (measured on a slow 2-CPU VM), so 10 kHz keeps even that within the
 * kernel's own budget for sampling, kernel.perf_cpu_time_max_percent (25 % of
 * a CPU by default); typical stacks cost 4-6 us, 5 % of a CPU. Above about
 * 50 kHz the sampler alone can take every CPU and a run never ends.
 */
#define CLI_MAX_FREQ 10000

/* -F: a frequency from 1 Hz to the lower of CLI_MAX_FREQ and the kernel's
 * kernel.perf_event_max_sample_rate. 0, or says why on stderr and returns
 * EXIT_USAGE. */
int cli__parse_freq(const char *cmd, const char *s, uint64_t *hz);

/* 1,234,567 style, into buf. Returns buf. */
const char *cli__thousands(uint64_t v, char *buf, size_t len);

#endif
