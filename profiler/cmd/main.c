// SPDX-License-Identifier: MIT
/*
 * main.c - `bpfprof`: the command dispatcher. The only file with global
 * state: the stop flag, set by SIGINT/SIGTERM (1) or by the end of
 * `record -d` (SIGALRM, 2), and the watchdog that ends a stop that hangs.
 */
#include "cmd/convert.h"
#include "cmd/record.h"
#include "cmd/serve.h"
#include "cmd/symbolize.h"
#include "common/sigbus_guard.h"
#include "common/version.h"

#include <bpf/libbpf.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <malloc.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <unistd.h>


static volatile sig_atomic_t stop_requested;

/* How long a stop may take (the last drain, writing the output or the last
 * window) before the watchdog ends the process. */
#define STOP_GRACE_S 30

static void say(const char *msg)
{
	ssize_t n = write(STDERR_FILENO, msg, strlen(msg));

	(void)n;
}

/*
 * A stop must win whatever the program is doing: neither handler restarts
 * the system call it interrupts (a blocking open or read returns EINTR), and
 * a stop that has not finished STOP_GRACE_S later, or a second signal, ends
 * the process at once. SIGALRM is the record -d deadline, then the watchdog.
 */
static void on_signal(int sig)
{
	struct itimerval grace = {.it_value = {.tv_sec = STOP_GRACE_S}};

	if (stop_requested) {
		say(sig == SIGALRM ? "bpfprof: stopping took too long; exiting without output\n"
				   : "bpfprof: stopped at once by a second signal\n");
		_exit(1);
	}
	stop_requested = sig == SIGALRM ? 2 : 1;
	setitimer(ITIMER_REAL, &grace, NULL);
}

static int quiet_libbpf(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	/* libbpf's own warnings are noise to a user; our errors say what failed */
	if (level == LIBBPF_DEBUG || level == LIBBPF_INFO)
		return 0;
	if (getenv("BPFPROF_DEBUG"))
		return vfprintf(stderr, fmt, ap);
	return 0;
}

static const char usage[] =
	"Usage: bpfprof COMMAND [OPTIONS]\n"
	"\n"
	"An eBPF CPU profiler: kernel and user stacks of every process, as flame graphs.\n"
	"\n"
	"Commands:\n"
	"  record     sample the machine, some processes or a command into a profile\n"
	"  serve      the always-on agent: rolling history, web UI, pprof and metrics\n"
	"  convert    convert a profile between folded, pprof, HTML and JSON\n"
	"  diff       draw a differential flame graph of two profiles\n"
	"  symbolize  addresses of a file or a process to functions and lines\n"
	"  version    print the version\n"
	"\n"
	"Run 'bpfprof COMMAND --help' for a command's options.\n"
	"\n"
	"Examples:\n"
	"  bpfprof record -d 10 -o profile.folded\n"
	"  bpfprof record -o build.folded -- make -j2\n"
	"  bpfprof record -d 10 -o profile.html\n"
	"  bpfprof convert profile.folded -o profile.pb.gz\n"
	"  bpfprof diff before.folded after.folded -o diff.html\n";

int main(int argc, char **argv)
{
	struct sigaction sa = {.sa_handler = on_signal};
	struct rlimit rl;

	if (argc < 2) {
		fputs(usage, stderr);
		return 2;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		fputs(usage, stdout);
		return 0;
	}
	if (!strcmp(argv[1], "-V") || !strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		printf("bpfprof %s\n", BPFPROF_VERSION);
		return 0;
	}

	/* Tables and symbol files are built in big temporary buffers; keep
	 * those out of the heap so freeing them gives the memory back (glibc
	 * would otherwise raise the mmap threshold and keep them in the heap,
	 * and an always-on agent's RSS would only grow). */
	mallopt(M_MMAP_THRESHOLD, 256 * 1024);
	libbpf_set_print(quiet_libbpf);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGALRM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* a debuginfod server that does not answer must not hold the sampling
	 * loop long (libdebuginfod waits 90 s by default, unbounded in total);
	 * the user's own settings win */
	setenv("DEBUGINFOD_TIMEOUT", "5", 0);
	setenv("DEBUGINFOD_MAXTIME", "30", 0);
	setenv("DEBUGINFOD_RETRY_LIMIT", "1", 0);
	/* a binary its owner truncates while we read it must not end us */
	if (sigbus_guard__install())
		perror("bpfprof: SIGBUS handler");
	/* one descriptor per mapped file is held open: raise the soft limit */
	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}

	if (!strcmp(argv[1], "record"))
		return record__main(argc - 1, argv + 1, &stop_requested);
	if (!strcmp(argv[1], "serve"))
		return serve__main(argc - 1, argv + 1, &stop_requested);
	if (!strcmp(argv[1], "convert"))
		return convert__main(argc - 1, argv + 1);
	if (!strcmp(argv[1], "diff"))
		return diff__main(argc - 1, argv + 1);

	if (!strcmp(argv[1], "symbolize"))
		return symbolize__main(argc - 1, argv + 1);

	fprintf(stderr, "bpfprof: unknown command '%s' (see bpfprof --help)\n", argv[1]);
	return 2;
}
