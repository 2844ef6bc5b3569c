/* SPDX-License-Identifier: MIT */
/*
 * pprof.h - google/pprof profile.proto, gzip-compressed: the format of
 * `go tool pprof`, Pyroscope, Parca and the OpenTelemetry profiler.
 *
 * Written the way Go writes its own CPU profiles: sample types
 * samples/count and cpu/nanoseconds, period_type cpu/nanoseconds,
 * string_table[0] = "". A location is one real frame with the frames inlined
 * into it (line[0] is the innermost); kernel frames sit in a
 * "[kernel.kallsyms]" mapping; samples carry pid and tid (numeric), comm,
 * cgroup and their label set's labels (strings).
 */
#ifndef BPFPROF_PPROF_H
#define BPFPROF_PPROF_H

#include <stddef.h>
#include <stdio.h>

#include "format/pb.h"
#include "format/profile.h"

/* Encode p as an uncompressed profile.proto message into out (appended).
 * 0 or -ENOMEM. */
int pprof__encode(const struct profile *p, struct bytebuf *out);

/* Encode and gzip p to out. 0 or -errno. */
int pprof__write(const struct profile *p, FILE *out);

/* Largest profile pprof__read accepts once decompressed. */
#define PPROF_MAX_BYTES (512UL << 20)

/*
 * Read a profile.proto message, gzip-compressed or not, from data into p
 * (which may already hold samples: they add up). Untrusted input: every
 * index and length is checked; malformed data gives -EINVAL and a reason in
 * err, never a crash.
 */
int pprof__read(const void *data, size_t len, struct profile *p, char *err, size_t errlen);

#endif
