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

#define UNIT 20000UL /* iterations per unit of work */

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

NOINLINE void stage_three(unsigned long k)
{
	leaf_alpha(6 * k);
	leaf_beta(3 * k);
	leaf_gamma(k);
	sink++;
}

NOINLINE void stage_two(unsigned long k)
{
	stage_three(k);
	sink++;
}

NOINLINE void stage_one(unsigned long k)
{
	stage_two(k);
	sink++;
}

/*
 * Each round is scaled by a pseudo-random 1 to 4, the split staying 6:3:1
 * within every round: rounds of one fixed length alias with the sampling
 * period whenever it holds a whole number of them (250 us rounds and 499 Hz
 * put 8.0 rounds in a period), and the samples then keep landing on the same
 * phase of the round, so on the same leaf (42-79 % for a 60 % leaf).
 */
static unsigned long round_scale(void)
{
	static uint64_t s = 88172645463325252ULL; /* xorshift64 */

	s ^= s << 13;
	s ^= s >> 7;
	s ^= s << 17;
	return 1 + (s >> 32) % 4;
}

/* Rounds of the whole tree done, in rounds of scale 1: the workload's
 * throughput, for benchmarks. */
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
		unsigned long k = round_scale();

		stage_one(k);
		rounds += k; /* in rounds of scale 1: throughput keeps its unit */
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
