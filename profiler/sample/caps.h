/* SPDX-License-Identifier: MIT */
/* caps.h - say exactly which privileges profiling needs and which are missing. */
#ifndef BPFPROF_CAPS_H
#define BPFPROF_CAPS_H

#include <stddef.h>

/*
 * Check that the effective capabilities allow loading BPF and system-wide
 * perf events: CAP_BPF and CAP_PERFMON, or CAP_SYS_ADMIN. Returns 0, or
 * -EPERM with the missing names ("CAP_BPF, CAP_PERFMON") in missing.
 */
int caps__check_profiling(char *missing, size_t len);

/* 1 when the named extra capability (CAP_SYS_PTRACE, CAP_SYSLOG...) is
 * effective, else 0. */
int caps__has(int cap);

#endif
