// SPDX-License-Identifier: MIT
/*
 * shortburn.c - a short-lived process with a known call depth:
 *
 *   main -> sb_outer -> sb_middle -> sb_inner   (burns MS milliseconds, then exits)
 *
 * Usage: shortburn [MS]   (default 30)
 *
 * Built without frame pointers: only unwind tables give a complete stack,
 * so the share of complete stacks over many runs tells whether a new
 * process is unwound from its first samples.
 */
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#define NOINLINE __attribute__((noinline))

static volatile uint64_t sink;

static double cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

NOINLINE void sb_inner(double until)
{
	uint64_t x = sink;

	while (cpu_now() < until)
		for (int i = 0; i < 20000; i++)
			x = x * 6364136223846793005ULL + (uint64_t)i;
	sink = x;
}

NOINLINE void sb_middle(double until)
{
	sb_inner(until);
	sink++;
}

NOINLINE void sb_outer(double until)
{
	sb_middle(until);
	sink++;
}

int main(int argc, char **argv)
{
	double ms = argc > 1 ? atof(argv[1]) : 30;

	sb_outer(cpu_now() + ms / 1000);
	return 0;
}
