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
/*
 * Bytes read of one map: 64 MiB is some 700,000 JIT-ed functions at ~90
 * bytes a line, far more than Node or Python write for a service (a few MB),
 * and caps what a planted map costs (parsing it: well under a second, and at
 * most its entries and names in memory). A bigger map is refused whole.
 */
#define PERFMAP_MAX_BYTES (64ull << 20)
/* A longer line is skipped without being held: 64 KiB of memory at most. */
#define PERFMAP_MAX_LINE (64u << 10)
/* Names are cut to this many bytes. */
#define PERFMAP_MAX_NAME 4096

struct perfmap;

/* Parse the perf map open on fd, at most PERFMAP_MAX_BYTES of it. 0 or
 * -errno (-EFBIG: the map has more; bad and too long lines are skipped). */
int perfmap__load(int fd, struct perfmap **out);
void perfmap__free(struct perfmap *m);

/* Name of the code blob containing addr (the latest one when blobs overlap). */
const char *perfmap__lookup(const struct perfmap *m, uint64_t addr);
size_t perfmap__count(const struct perfmap *m);
size_t perfmap__memory(const struct perfmap *m);

#endif
