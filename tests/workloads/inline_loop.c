// SPDX-License-Identifier: MIT
/*
 * inline_loop.c - a hot always_inline helper inside a frame-pointer function,
 * for the symbolizer tests: every sample's leaf is helper (inlined into
 * work), called from main. With "vdso", the loop calls clock_gettime (vDSO).
 * The line numbers below are asserted by tests: keep them stable.
 *
 * Usage: inline_loop [SECONDS] [vdso]
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

static inline __attribute__((always_inline)) unsigned long helper(unsigned long x)
{
	unsigned long r = x;
	for (int i = 0; i < 4096; i++)
		r = r * 6364136223846793005UL + (unsigned long)i; /* HELPER_LINE 18 */
	return r;
}

__attribute__((noinline)) unsigned long work(unsigned long x)
{
	return helper(x) ^ 1; /* CALL_LINE 24 */
}

__attribute__((noinline)) unsigned long clock_work(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long)ts.tv_nsec;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : 5.0, end = now() + seconds;
	int vdso = argc > 2 && !strcmp(argv[2], "vdso");
	volatile unsigned long sink = 0;

	while (now() < end)
		for (int i = 0; i < 100; i++)
			sink += vdso ? clock_work() : work(sink + (unsigned long)i);
	return (int)(sink & 0);
}
