/* SPDX-License-Identifier: MIT */
/* clock.h - the two clocks the profiler reads: monotonic for intervals,
 * real time for timestamps that leave the process (history, profiles). */
#ifndef BPFPROF_CLOCK_H
#define BPFPROF_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline uint64_t clock__ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static inline uint64_t clock__mono_ns(void)
{
	return clock__ns(CLOCK_MONOTONIC);
}

static inline uint64_t clock__real_ns(void)
{
	return clock__ns(CLOCK_REALTIME);
}

static inline uint64_t clock__real_ms(void)
{
	return clock__real_ns() / 1000000ULL;
}

#endif
