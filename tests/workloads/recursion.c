// SPDX-License-Identifier: MIT
/*
 * recursion.c - a deep, known recursion for stack-depth tests:
 *
 *   main -> run -> descend x DEPTH -> spin
 *
 * Usage: recursion [SECONDS [DEPTH]]   (default 5 s, depth 80)
 *
 * Built without frame pointers: only table unwinding sees every frame.
 */
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#define NOINLINE __attribute__((noinline, noclone))

static volatile uint64_t sink;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

NOINLINE uint64_t spin(void)
{
	uint64_t x = sink;

	for (unsigned long i = 0; i < 2000000UL; i++)
		x = x * 6364136223846793005ULL + i;
	sink = x;
	return x & 1;
}

/* The work after the call keeps it from becoming a loop or a tail call. */
NOINLINE uint64_t descend(int depth)
{
	uint64_t r;

	if (depth <= 1)
		return spin();
	r = descend(depth - 1);
	sink += r;
	return r + (uint64_t)depth;
}

NOINLINE void run(double seconds, int depth)
{
	double end = now() + seconds;

	while (now() < end)
		sink += descend(depth);
}

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : 5.0;
	int depth = argc > 2 ? atoi(argv[2]) : 80;

	if (depth < 1 || depth > 100000)
		depth = 80;
	run(seconds, depth);
	return 0;
}
