// SPDX-License-Identifier: MIT
/*
 * jit_loop.c - a tiny "JIT": copies a busy loop's machine code into
 * anonymous executable memory, describes it in /tmp/perf-PID.map (or
 * $PERFMAP_DIR) the way Node and Python 3.12 do, and runs it. Every sample's
 * leaf is the JIT function "jit_busy_loop".
 *
 * Usage: jit_loop [SECONDS]
 * With JIT_NO_PERFMAP=1 it writes no map and prints the code's address
 * ("jit_loop: code 7f... 10"): a test plants the map itself (a FIFO, a
 * symlink, a huge file) as the user the workload runs as.
 * With JIT_NONDUMPABLE=1 it makes itself not dumpable first (prctl): root
 * then owns its /proc/PID, which must not make the profiler take it for root.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

/* x86-64: mov ecx, 1000000; 1: dec ecx; jnz 1b; ret */
static const unsigned char code[] = {0xb9, 0x40, 0x42, 0x0f, 0x00, 0xff, 0xc9, 0x75, 0xfc, 0xc3};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : 5.0, end = now() + seconds;
	const char *dir = getenv("PERFMAP_DIR") ? getenv("PERFMAP_DIR") : "/tmp";
	char path[4096];
	unsigned char *mem;
	void (*fn)(void);
	FILE *f;

	mem = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS,
		   -1, 0);
	if (mem == MAP_FAILED)
		return 1;
	/* some padding first, so the function does not start at the mapping */
	memset(mem, 0xcc, 4096);
	memcpy(mem + 256, code, sizeof(code));
	fn = (void (*)(void))(void *)(mem + 256);
	if (getenv("JIT_NONDUMPABLE") && prctl(PR_SET_DUMPABLE, 0, 0, 0, 0))
		return 1;
	if (getenv("JIT_NO_PERFMAP")) {
		printf("jit_loop: code %lx %zx\n", (unsigned long)(mem + 256), sizeof(code));
		fflush(stdout);
		while (now() < end)
			fn();
		return 0;
	}
	snprintf(path, sizeof(path), "%s/perf-%d.map", dir, (int)getpid());
	f = fopen(path, "w");
	if (!f)
		return 1;
	fprintf(f, "%lx %zx jit_busy_loop\n", (unsigned long)(mem + 256), sizeof(code));
	fclose(f);
	while (now() < end)
		fn();
	unlink(path);
	return 0;
}
