// SPDX-License-Identifier: MIT
/*
 * syscall_loop.c - spends its time inside the kernel: read() of /dev/zero
 * into a large buffer, issued from our own code (inline syscall), so the
 * user part of every stack is exactly main -> read_zero_loop.
 *
 * Usage: syscall_loop [SECONDS]
 */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static char buf[1 << 20];

static long raw_read(long fd, void *p, long n)
{
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"((long)SYS_read), "D"(fd), "S"(p), "d"(n)
			 : "rcx", "r11", "memory");
	return ret;
}

__attribute__((noinline)) void read_zero_loop(int fd, double seconds)
{
	struct timespec a, b;

	clock_gettime(CLOCK_MONOTONIC, &a);
	do {
		for (int i = 0; i < 64; i++)
			raw_read(fd, buf, sizeof(buf));
		clock_gettime(CLOCK_MONOTONIC, &b);
	} while ((b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9 < seconds);
}

int main(int argc, char **argv)
{
	int fd = open("/dev/zero", O_RDONLY);

	if (fd < 0)
		return 1;
	read_zero_loop(fd, argc > 1 ? atof(argv[1]) : 5.0);
	return 0;
}
