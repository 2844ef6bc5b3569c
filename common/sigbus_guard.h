/* SPDX-License-Identifier: MIT */
/*
 * sigbus_guard.h - a truncated file must not kill the profiler. libelf and
 * libdw read binaries and debug files through read-only mappings; when the
 * owner of such a file (any user: the binaries we read are theirs) truncates
 * it while we read, touching a page past its new end raises SIGBUS, which
 * would end the process. The guard answers that SIGBUS by putting a page of
 * zeros where the file's page was, and the read goes on: a truncated file
 * reads as one whose tail was zeroed, which the parsers treat as any other
 * damaged file. The pages replaced are counted.
 *
 * The count is the one piece of global state outside main.c: a signal
 * handler has nowhere else to put it.
 */
#ifndef BPFPROF_SIGBUS_GUARD_H
#define BPFPROF_SIGBUS_GUARD_H

#include <stdint.h>

/* Install the SIGBUS handler for the whole process. 0 or -errno. */
int sigbus_guard__install(void);

/* Pages replaced by zeros since the start. */
uint64_t sigbus_guard__pages(void);

#endif
