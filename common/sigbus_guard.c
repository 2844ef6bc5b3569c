// SPDX-License-Identifier: MIT
/*
 * sigbus_guard.c - answer a SIGBUS on a mapped file's page past its end with a
 * page of zeros (see sigbus_guard.h).
 */
#include "common/sigbus_guard.h"

#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static _Atomic uint64_t pages_replaced;
static uintptr_t page_size; /* set once, before the handler is installed */

static void on_sigbus(int sig, siginfo_t *si, void *uctx)
{
	(void)uctx;
	/* BUS_ADRERR: a mapped file's page that no longer exists. Anything else
	 * (a hardware error, a misaligned access) is not ours to hide. mmap is a
	 * plain system call: safe in a handler. */
	if (si && si->si_code == BUS_ADRERR && si->si_addr) {
		void *page = (void *)((uintptr_t)si->si_addr & ~(page_size - 1));

		if (mmap(page, page_size, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1,
			 0) != MAP_FAILED) {
			atomic_fetch_add_explicit(&pages_replaced, 1, memory_order_relaxed);
			return; /* the faulting read runs again, on zeros */
		}
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

int sigbus_guard__install(void)
{
	struct sigaction sa;
	long ps = sysconf(_SC_PAGESIZE);

	if (ps <= 0)
		return -EINVAL;
	page_size = (uintptr_t)ps;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigbus;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	return sigaction(SIGBUS, &sa, NULL) ? -errno : 0;
}

uint64_t sigbus_guard__pages(void)
{
	return atomic_load_explicit(&pages_replaced, memory_order_relaxed);
}
