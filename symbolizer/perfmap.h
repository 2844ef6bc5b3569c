/* SPDX-License-Identifier: MIT */
/*
 * perfmap.h - JIT symbols from a perf map file (/tmp/perf-PID.map), as
 * written by Node (--perf-basic-prof), Python 3.12 (-X perf) and Java agents:
 * one "START SIZE name" line per code blob, hex numbers.
 */
#ifndef BPFPROF_PERFMAP_H
#define BPFPROF_PERFMAP_H

#include <stddef.h>
#include <stdint.h>

#define PERFMAP_MAX_ENTRIES (4u << 20)
#define PERFMAP_MAX_LINE 4096

struct perfmap;

/* Parse the perf map open on fd. 0 or -errno (bad lines are skipped). */
int perfmap__load(int fd, struct perfmap **out);
void perfmap__free(struct perfmap *m);

/* Name of the code blob containing addr (the latest one when blobs overlap). */
const char *perfmap__lookup(const struct perfmap *m, uint64_t addr);
size_t perfmap__count(const struct perfmap *m);
size_t perfmap__memory(const struct perfmap *m);

#endif
