// SPDX-License-Identifier: MIT
/*
 * calltree.c - a CPU workload with a known call tree and a known split:
 *
 *   main -> run -> stage_one -> stage_two -> stage_three -> leaf_alpha  60 %
 *                                                       -> leaf_beta   30 %
 *                                                       -> leaf_gamma  10 %
 *
 * Usage: calltree [SECONDS [EXIT_CODE [REPORT_SECONDS]]]   (default 5 s, exit 0)
 *
 * With REPORT_SECONDS, the rounds done are also reported every that many
 * seconds ("calltree: interval END ROUNDS LENGTH", END in epoch seconds), so
 * a benchmark can take the throughput of any stretch of a long run.
 *
 * Each leaf spins the same loop; the split comes from how many units each
 * gets per round. gcc gives leaf functions no frame even with
 * -fno-omit-frame-pointer, which makes a frame-pointer walk skip the leaf's
 * caller, so the leaves force a frame with __builtin_frame_address.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

#ifdef CALLTREE_NO_FORCE_FRAME
#define FORCE_FRAME() ((void)0)
#else
#define FORCE_FRAME() __asm__ volatile("" : : "r"(__builtin_frame_address(0)))
#endif
#define NOINLINE __attribute__((noinline))

static volatile uint64_t sink;

static double seconds_on(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

#define UNIT 20000UL /* iterations per unit of work: a round is about a millisecond,
			 * far below the sampling period, so samples cannot alias with it */

NOINLINE void leaf_alpha(unsigned long units)
{
	FORCE_FRAME();
	uint64_t x = sink;
	for (unsigned long i = 0; i < units * UNIT; i++)
		x = x * 6364136223846793005ULL + i;
	sink = x;
}

NOINLINE void leaf_beta(unsigned long units)
{
	FORCE_FRAME();
	uint64_t x = sink;
	for (unsigned long i = 0; i < units * UNIT; i++)
		x = x * 6364136223846793005ULL + i;
	sink = x;
}

NOINLINE void leaf_gamma(unsigned long units)
{
	FORCE_FRAME();
	uint64_t x = sink;
	for (unsigned long i = 0; i < units * UNIT; i++)
		x = x * 6364136223846793005ULL + i;
	sink = x;
}

NOINLINE void stage_three(void)
{
	leaf_alpha(6);
	leaf_beta(3);
	leaf_gamma(1);
	sink++;
}

NOINLINE void stage_two(void)
{
	stage_three();
	sink++;
}

NOINLINE void stage_one(void)
{
	stage_two();
	sink++;
}

/* Rounds of the whole tree done: the workload's throughput, for benchmarks. */
static unsigned long rounds;

NOINLINE void run(double seconds, double report_every)
{
	double t = seconds_on(CLOCK_MONOTONIC), end = t + seconds, last = t;
	unsigned long last_rounds = 0;

	for (; t < end; t = seconds_on(CLOCK_MONOTONIC)) {
		if (report_every > 0 && t - last >= report_every) {
			fprintf(stderr, "calltree: interval %.3f %lu %.6f\n", seconds_on(CLOCK_REALTIME),
				rounds - last_rounds, t - last);
			last = t;
			last_rounds = rounds;
		}
		stage_one();
		rounds++;
	}
	sink++;
}

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : 5.0;
	int code = argc > 2 ? atoi(argv[2]) : 0;
	double report_every = argc > 3 ? atof(argv[3]) : 0;

	struct rusage ru;
	double start = seconds_on(CLOCK_MONOTONIC);

	run(seconds, report_every);
	/* the CPU time it really got: tests compare sample counts with it */
	if (!getrusage(RUSAGE_SELF, &ru))
		fprintf(stderr, "calltree: cpu %.3f s, %lu rounds in %.3f s\n",
			ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec +
				ru.ru_stime.tv_usec / 1e6,
			rounds, seconds_on(CLOCK_MONOTONIC) - start);
	return code;
}
