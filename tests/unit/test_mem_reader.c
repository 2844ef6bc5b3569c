// SPDX-License-Identifier: MIT
/*
 * test_mem_reader.c - another process's memory is read, and a page that
 * never comes (a userfaultfd range nobody serves: what a FUSE daemon that
 * does not answer does too) costs the reader one timeout, not a hang; that
 * process is then left alone, others are still read, and the stuck thread
 * ends when the page's owner goes. Needs root (userfaultfd for kernel
 * faults).
 */
#include "harness.h"
#include "sample/mem_reader.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static struct test_state T = {.suite = "mem_reader"};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A child holding "hello" at one address and, with uffd, a page nobody
 * serves at another; both addresses come back through the pipe. */
static pid_t child(bool uffd, uint64_t addrs[2])
{
	int p[2];
	pid_t c;

	if (pipe(p))
		return -1;
	c = fork();
	if (c == 0) {
		static char hello[] = "hello";
		uint64_t a[2] = {(uint64_t)(uintptr_t)hello, 0};

		if (uffd) {
			int fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC);
			struct uffdio_api api = {.api = UFFD_API};
			char *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			struct uffdio_register reg = {
			    .range = {(uint64_t)(uintptr_t)m, 4096},
			    .mode = UFFDIO_REGISTER_MODE_MISSING};

			if (fd < 0 || ioctl(fd, UFFDIO_API, &api) || m == MAP_FAILED ||
			    ioctl(fd, UFFDIO_REGISTER, &reg))
				_exit(1);
			a[1] = (uint64_t)(uintptr_t)m;
		}
		if (write(p[1], a, sizeof(a)) != sizeof(a))
			_exit(1);
		pause();
		_exit(0);
	}
	close(p[1]);
	if (c < 0 || read(p[0], addrs, 2 * sizeof(uint64_t)) != 2 * sizeof(uint64_t)) {
		close(p[0]);
		return -1;
	}
	close(p[0]);
	return c;
}

static void test_reads_and_gives_up(struct test_state *t)
{
	struct mem_reader *r = NULL;
	struct mem_reader_stats st;
	uint64_t hostile[2] = {0}, plain[2] = {0};
	pid_t h = -1, p = -1;
	char buf[8] = "";
	double t0, took;

	if (geteuid() != 0)
		SKIP(t, "needs root (userfaultfd for kernel faults)");
	ASSERT_EQ(t, mem_reader__new(&r), 0);
	h = child(true, hostile);
	p = child(false, plain);
	ASSERT_TRUE(t, h > 0 && p > 0 && hostile[1]);
	/* plain memory is read */
	ASSERT_EQ(t, mem_reader__read(r, h, hostile[0], buf, 6), 0);
	ASSERT_STREQ(t, buf, "hello");
	/* the page that never comes: one timeout */
	t0 = now_s();
	ASSERT_EQ(t, mem_reader__read(r, h, hostile[1], buf, 8), -ETIMEDOUT);
	took = now_s() - t0;
	printf("# a read of a page nobody serves gave up after %.2f s\n", took);
	ASSERT_TRUE(t, took < 5.0);
	/* that process is left alone, at once, even where it is readable */
	t0 = now_s();
	ASSERT_EQ(t, mem_reader__read(r, h, hostile[0], buf, 6), -ETIMEDOUT);
	ASSERT_TRUE(t, now_s() - t0 < 0.5);
	/* another process is read, by a new thread */
	memset(buf, 0, sizeof(buf));
	ASSERT_EQ(t, mem_reader__read(r, p, plain[0], buf, 6), 0);
	ASSERT_STREQ(t, buf, "hello");
	ASSERT_EQ(t, mem_reader__read(r, p, 8, buf, 4), -EFAULT); /* unmapped */
	mem_reader__stats(r, &st);
	ASSERT_EQ(t, st.timeouts, 1);
	ASSERT_EQ(t, st.refused, 1);
	ASSERT_EQ(t, st.stuck, 1);
	/* its owner goes: the page fault ends, and so does the stuck thread */
	kill(h, SIGKILL);
	waitpid(h, NULL, 0);
	h = -1;
	for (int i = 0; i < 100 && st.stuck; i++) {
		usleep(50000);
		mem_reader__stats(r, &st);
	}
	ASSERT_EQ(t, st.stuck, 0);
cleanup:
	mem_reader__free(r);
	if (h > 0) {
		kill(h, SIGKILL);
		waitpid(h, NULL, 0);
	}
	if (p > 0) {
		kill(p, SIGKILL);
		waitpid(p, NULL, 0);
	}
}

int main(void)
{
	RUN_TEST(&T, test_reads_and_gives_up);
	return test__finish(&T);
}
