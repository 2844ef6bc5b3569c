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

#include <stdint.h>

#ifndef CAP_CHECKPOINT_RESTORE
#define CAP_CHECKPOINT_RESTORE 40
#endif

/* Effective = eff (within what is permitted); the permitted set stays, so
 * this can be undone. For probing what a later caps__limit may drop. */
int caps__set_effective(uint64_t eff);

/* 1 when the running kernel knows capability cap. */
int caps__known(int cap);

/* Keep only the capabilities in the keep mask (bit 1 << CAP_X), for good:
 * bounding, permitted and effective sets, no inheritable or ambient ones,
 * and no_new_privs. Affects the calling thread and the threads it starts
 * afterwards: call it before starting any. 0 or -errno. */
int caps__limit(uint64_t keep);

/* 1 when the named extra capability (CAP_SYS_PTRACE, CAP_SYSLOG...) is
 * effective, else 0. */
int caps__has(int cap);

#endif
