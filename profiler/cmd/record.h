/* SPDX-License-Identifier: MIT */
/* record.h - `bpfprof record`: one-shot profiling into a file. */
#ifndef BPFPROF_RECORD_H
#define BPFPROF_RECORD_H

#include <signal.h>

/* Run the record command. *stop turns 1 on SIGINT/SIGTERM and 2 when the
 * -d deadline record arms (ITIMER_REAL, SIGALRM) passes. Returns the process
 * exit code. */
int record__main(int argc, char **argv, volatile sig_atomic_t *stop);

#endif
