// SPDX-License-Identifier: MIT
/*
 * record.c - `bpfprof record`: sample, symbolize while processes are alive,
 * write one output at the end.
 */
#include "cmd/record.h"
#include "common/clock.h"
#include "cmd/cli.h"
#include "common/parse.h"
#include "common/sigbus_guard.h"
#include "sample/mem_reader.h"
#include "format/output.h"
#include "format/profile.h"
#include "sample/sampler.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define DRAIN_INTERVAL_NS 1000000000ULL

static const char usage[] =
	"Usage: bpfprof record [OPTIONS] [-- COMMAND [ARGS...]]\n"
	"\n"
	"Sample kernel and user stacks of every CPU and write a profile.\n"
	"\n"
	"Options:\n"
	"  -F, --freq HZ          samples per second per CPU (default 99, at most 10000)\n"
	"  -d, --duration TIME    stop after TIME (10, 2.5, 30s, 5m); default: until\n"
	"                         Ctrl-C, or until COMMAND or every -p process exits\n"
	"  -p, --pid PID[,PID..]  profile only these processes\n"
	"  -t, --tid TID[,TID..]  profile only these threads\n"
	"  -C, --cpu CPUS         sample only these CPUs (0,2-3)\n"
	"      --cgroup PATH      only processes in this cgroup v2 subtree (a path under\n"
	"                         the cgroup2 mount, or as /proc/PID/cgroup shows it)\n"
	"  -k, --kernel-only      kernel stacks only (bcc's -K)\n"
	"  -u, --user-only        user stacks only (bcc's -U)\n"
	"  -o, --output FILE      write here (default: stdout); the format follows the\n"
	"                         name: .pb.gz/.pprof pprof, .html flame graph,\n"
	"                         anything else folded stacks\n"
	"  -f, --format FMT       folded, pprof, html or json (default: from the name)\n"
	"      --lines            frames as \"func (file.c:42)\" where known\n"
	"      --idle             keep samples of idle CPUs\n"
	"      --unwind MODE      user stacks: auto (unwind tables from .eh_frame where\n"
	"                         loaded, frame pointers elsewhere; default), dwarf\n"
	"                         (tables only), fp (frame pointers only)\n"
	"      --no-interpreters  no Python frames: CPython 3.11 processes then show only\n"
	"                         the interpreter's C frames (default: their Python\n"
	"                         functions, read from the interpreter's memory)\n"
	"      --count-entries N  in-kernel sample map size per buffer\n"
	"      --stack-entries N  in-kernel stack map size per buffer\n"
	"      --label KEY=VALUE  a label on every sample (repeatable: cluster, region,\n"
	"                         env, ...); host=NAME replaces the machine's name.\n"
	"                         pprof samples carry host, exe, comm, cgroup and, where\n"
	"                         the cgroup says, container_id, pod_uid, service\n"
	"  -q, --quiet            no progress and no summary\n"
	"  -h, --help             this help\n"
	"\n"
	"perf and bcc habits: -a (every CPU) and -g (stacks) are the default;\n"
	"--call-graph fp|dwarf is --unwind fp|auto; -I is --idle.\n"
	"\n"
	"With -- COMMAND, bpfprof runs COMMAND, profiles it and its children until it\n"
	"exits, and exits with its exit code.\n"
	"\n"
	"Examples:\n"
	"  bpfprof record -d 10 -o profile.folded     # whole machine, 10 seconds\n"
	"  bpfprof record -p 1234 -F 999 -d 5 > p.txt  # one process at 999 Hz\n"
	"  bpfprof record -o make.folded -- make -j2   # a command and its children\n"
	"  bpfprof record -d 10 -o profile.pb.gz      # for go tool pprof, Parca...\n"
	"  bpfprof record -d 10 -o profile.html       # interactive flame graph\n"
	"  flamegraph.pl profile.folded > profile.svg  # draw it\n";

struct record_opts {
	uint64_t freq;
	uint64_t duration_ns; /* 0 = until stopped */
	uint32_t *pids;
	size_t npids;
	const char *output;
	struct output_opts out;
	bool format_given;
	bool idle, quiet;
	int unwind_mode;
	bool no_interpreters;
	uint64_t count_entries, stack_entries;
	char **command;
	bool *cpus; /* -C */
	int ncpus;
	uint32_t *tids; /* -t; their processes go to pids */
	size_t ntids;
	uint64_t cgroup_id; /* --cgroup */
	uint32_t cgroup_level;
	bool no_user, no_kernel; /* -k, -u */
	struct cli_labels labels; /* --label, host */
};

struct record {
	struct record_opts o;
	struct sampler *sampler;
	struct profile *profile;
	pid_t child;
	uint32_t child_pid;
	int child_status;
	bool child_done;
	int go_pipe; /* write end: releases the child to exec */
};

/* Returns -1 to go on, else an exit code. */
static int parse_args(int argc, char **argv, struct record_opts *o)
{
	enum {
		OPT_LINES = 256,
		OPT_IDLE,
		OPT_COUNT_ENTRIES,
		OPT_STACK_ENTRIES,
		OPT_UNWIND,
		OPT_NO_INTERPRETERS,
		OPT_CALL_GRAPH,
		OPT_CGROUP,
		OPT_LABEL,
		OPT_NOT_HERE, /* a perf or bcc flag with no meaning here */
	};
	static const struct option longopts[] = {
		{"freq", required_argument, NULL, 'F'},
		{"duration", required_argument, NULL, 'd'},
		{"pid", required_argument, NULL, 'p'},
		{"output", required_argument, NULL, 'o'},
		{"format", required_argument, NULL, 'f'},
		{"lines", no_argument, NULL, OPT_LINES},
		{"idle", no_argument, NULL, OPT_IDLE},
		{"unwind", required_argument, NULL, OPT_UNWIND},
		{"no-interpreters", no_argument, NULL, OPT_NO_INTERPRETERS},
		{"count-entries", required_argument, NULL, OPT_COUNT_ENTRIES},
		{"stack-entries", required_argument, NULL, OPT_STACK_ENTRIES},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{"cpu", required_argument, NULL, 'C'},
		{"tid", required_argument, NULL, 't'},
		{"cgroup", required_argument, NULL, OPT_CGROUP},
		{"label", required_argument, NULL, OPT_LABEL},
		{"kernel-only", no_argument, NULL, 'k'},
		{"user-only", no_argument, NULL, 'u'},
		/* perf's and bcc's habits */
		{"all-cpus", no_argument, NULL, 'a'},
		{"call-graph", required_argument, NULL, OPT_CALL_GRAPH},
		{"include-idle", no_argument, NULL, 'I'},
		{"event", required_argument, NULL, 'e'},
		{"count", required_argument, NULL, 'c'},
		{0},
	};
	int c;

	o->freq = 99;
	o->unwind_mode = UNWIND_AUTO;
	optind = 1;
	opterr = 0;
	/* '+': stop at the first non-option, which starts COMMAND */
	while ((c = getopt_long(argc, argv, "+:F:d:p:o:f:qhagIe:c:C:t:kuKU", longopts, NULL)) != -1) {
		switch (c) {
		case 'F':
			if (cli__parse_freq("record", optarg, &o->freq))
				return EXIT_USAGE;
			break;
		case 'd':
			if (parse__duration(optarg, &o->duration_ns) || !o->duration_ns)
				return cli__usage_error("record", "invalid duration '%s'", optarg);
			break;
		case 'p':
			if (cli__parse_pids(optarg, &o->pids, &o->npids))
				return cli__usage_error("record", "invalid pid list '%s'", optarg);
			break;
		case 'o':
			o->output = optarg;
			break;
		case 'f':
			if (output__parse_format(optarg, &o->out.format))
				return cli__usage_error("record", "unknown format '%s'", optarg);
			o->format_given = true;
			break;
		case OPT_LINES:
			o->out.lines = true;
			break;
		case OPT_IDLE:
			o->idle = true;
			break;
		case OPT_NO_INTERPRETERS:
			o->no_interpreters = true;
			break;
		case OPT_UNWIND:
			if (cli__parse_unwind(optarg, &o->unwind_mode))
				return cli__usage_error("record", "unknown unwind mode '%s' (auto, dwarf, fp)", optarg);
			break;
		case OPT_COUNT_ENTRIES:
			if (parse__u64(optarg, 64, 1u << 24, &o->count_entries))
				return cli__usage_error("record", "invalid --count-entries '%s' (64-16777216)", optarg);
			break;
		case OPT_STACK_ENTRIES:
			if (parse__u64(optarg, 64, 1u << 22, &o->stack_entries))
				return cli__usage_error("record", "invalid --stack-entries '%s' (64-4194304)", optarg);
			break;
		case 'q':
			o->quiet = true;
			break;
		case 'C': {
			int ret = parse__cpu_list(optarg, &o->cpus, &o->ncpus);

			if (ret == -ENOMEM)
				return 1;
			if (ret)
				return cli__usage_error("record", "invalid CPU list '%s' (0,2-3)", optarg);
			break;
		}
		case 't':
			if (cli__parse_pids(optarg, &o->tids, &o->ntids))
				return cli__usage_error("record", "invalid thread id list '%s'", optarg);
			break;
		case OPT_CGROUP: {
			int ret = cli__parse_cgroup(optarg, &o->cgroup_id, &o->cgroup_level);

			if (ret)
				return cli__usage_error("record", "--cgroup %s: %s (a cgroup v2 directory)",
							optarg, strerror(-ret));
			break;
		}
		case OPT_LABEL:
			if (cli__parse_label("record", optarg, &o->labels))
				return EXIT_USAGE;
			break;
		case 'k': /* bcc: -K */
		case 'K':
			o->no_user = true;
			break;
		case 'u': /* bcc: -U */
		case 'U':
			o->no_kernel = true;
			break;
		case 'a': /* perf: every CPU, the default */
		case 'g': /* perf: with call graphs; stacks are always on */
			break;
		case 'I': /* bcc: include idle */
			o->idle = true;
			break;
		case OPT_CALL_GRAPH:
			if (!strcmp(optarg, "fp"))
				o->unwind_mode = UNWIND_FP;
			else if (!strncmp(optarg, "dwarf", 5)) /* "dwarf" or "dwarf,SIZE" */
				o->unwind_mode = UNWIND_AUTO;
			else
				return cli__usage_error("record",
							"--call-graph %s: not here; stacks are walked "
							"from unwind tables (--unwind auto, the default), "
							"or --unwind fp",
							optarg);
			break;
		case 'e':
			return cli__usage_error("record",
						"-e %s: bpfprof samples the cpu-clock event only; for "
						"other events use perf record -e",
						optarg);
		case 'c':
			return cli__usage_error("record",
						"-c %s: bpfprof samples by frequency; use -F HZ", optarg);
		case 'h':
			fputs(usage, stdout);
			return 0;
		case ':':
			return cli__usage_error("record", "option '%s' needs a value", argv[optind - 1]);
		default:
			return cli__usage_error("record", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		o->command = &argv[optind];
	if (o->command && o->npids)
		return cli__usage_error("record", "%s", "-p and COMMAND exclude each other");
	if (o->ntids && (o->npids || o->command))
		return cli__usage_error("record", "%s", "-t excludes -p and COMMAND");
	if (o->no_user && o->no_kernel)
		return cli__usage_error("record", "%s", "-k and -u exclude each other");
	if (!o->format_given)
		o->out.format = output__format_for_path(o->output);
	cli__labels_add_host(&o->labels);
	return -1;
}

/* The process of thread tid (/proc/TID/status), 0 when there is none. */
static uint32_t tgid_of(uint32_t tid)
{
	char path[64], line[256];
	unsigned int tgid = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%u/status", tid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Tgid: %u", &tgid) == 1)
			break;
	fclose(f);
	return tgid;
}

/* Add pid to o->pids once. 0 or -ENOMEM. */
static int add_pid(struct record_opts *o, uint32_t pid)
{
	uint32_t *n;

	for (size_t i = 0; i < o->npids; i++)
		if (o->pids[i] == pid)
			return 0;
	n = realloc(o->pids, (o->npids + 1) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	n[o->npids++] = pid;
	o->pids = n;
	return 0;
}

/* Fork COMMAND stopped before exec; it execs when go_pipe is written. */
static int spawn_command(struct record *r)
{
	int go[2];
	pid_t pid;

	if (pipe2(go, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0) {
		int err = -errno;

		close(go[0]);
		close(go[1]);
		return err;
	}
	if (pid == 0) {
		char c;

		close(go[1]);
		/* EOF without a byte: the profiler failed to start; do not run */
		if (read(go[0], &c, 1) != 1)
			_exit(127);
		execvp(r->o.command[0], r->o.command);
		fprintf(stderr, "bpfprof: cannot run %s: %s\n", r->o.command[0], strerror(errno));
		_exit(127);
	}
	close(go[0]);
	r->child = pid;
	r->go_pipe = go[1];
	return 0;
}

/*
 * How long the loop may wait for process events. A command or -p processes
 * are checked for exit every 100 ms; otherwise nothing needs the loop before
 * the next drain or the end (a signal interrupts the wait): an idle wake-up
 * costs a context switch, and ten a second were a third of record's steady
 * CPU time.
 */
static int poll_timeout_ms(const struct record *r, uint64_t now, uint64_t start,
			   uint64_t last_drain)
{
	uint64_t next_drain = last_drain + DRAIN_INTERVAL_NS;
	uint64_t wait = next_drain > now ? next_drain - now : 0;

	if (r->o.duration_ns) {
		uint64_t end = start + r->o.duration_ns;

		if (end <= now)
			return 0;
		if (end - now < wait)
			wait = end - now;
	}
	if ((r->child || r->o.npids) && wait > 100000000ULL)
		wait = 100000000ULL;
	return (int)((wait + 999999) / 1000000);
}

static bool pids_all_gone(const struct record *r)
{
	for (size_t i = 0; i < r->o.npids; i++) {
		char path[64];

		snprintf(path, sizeof(path), "/proc/%u/stat", r->o.pids[i]);
		if (access(path, F_OK) == 0) {
			/* a zombie still has /proc; treat state Z as gone */
			FILE *f = fopen(path, "re");
			char buf[512], *rp;
			bool zombie = false;

			if (f) {
				if (fgets(buf, sizeof(buf), f) && (rp = strrchr(buf, ')')))
					zombie = rp[1] == ' ' && rp[2] == 'Z';
				fclose(f);
			}
			if (!zombie)
				return false;
		}
	}
	return true;
}

static void progress(const struct record *r, uint64_t elapsed, uint64_t samples)
{
	char n[32];

	if (r->o.duration_ns)
		fprintf(stderr, "\r\033[Kbpfprof: %.0fs / %.0fs, %s samples", elapsed / 1e9,
			r->o.duration_ns / 1e9, cli__thousands(samples, n, sizeof(n)));
	else
		fprintf(stderr, "\r\033[Kbpfprof: %.0fs, %s samples (Ctrl-C to stop)",
			elapsed / 1e9, cli__thousands(samples, n, sizeof(n)));
	fflush(stderr);
}

/* Fail before profiling, not after the whole run. Prints why. */
static int output_dir_unwritable(const char *path)
{
	char *dir, *slash;
	const char *d = ".";
	struct stat st;
	int ret;

	if (!stat(path, &st) && !S_ISREG(st.st_mode)) { /* /dev/null, a FIFO: written in place */
		ret = access(path, W_OK) ? -errno : 0;
		if (ret)
			fprintf(stderr, "bpfprof: cannot write %s: %s\n", path, strerror(-ret));
		return ret;
	}
	dir = strdup(path);
	if (!dir)
		return -ENOMEM;
	slash = strrchr(dir, '/');
	if (slash == dir)
		d = "/";
	else if (slash) {
		*slash = '\0';
		d = dir;
	}
	ret = access(d, W_OK) ? -errno : 0;
	if (ret)
		fprintf(stderr, "bpfprof: cannot write %s: %s: %s\n", path, d, strerror(-ret));
	free(dir);
	return ret;
}

static void summary(struct record *r, uint64_t elapsed, size_t nstacks)
{
	struct sampler_stats st;
	const uint64_t *m = st.metrics;
	const struct resolver_stats *rs = &st.resolver;
	char a[32], b[32], c[32], d[32];
	uint64_t stack_errors = 0;

	sampler__stats(r->sampler, &st);
	for (int i = METRIC_KSTACK_COLLISION; i <= METRIC_STACK_OTHER; i++)
		stack_errors += m[i];
	fprintf(stderr,
		"bpfprof: %s samples in %.1f s from %d CPUs at %llu Hz, %s with truncated user "
		"stacks, %s stacks lost (%llu collisions, %llu unreadable, %llu map full), "
		"%s dropped (map full)",
		cli__thousands(m[METRIC_SAMPLES], a, sizeof(a)), elapsed / 1e9,
		st.ncpus, (unsigned long long)r->o.freq,
		cli__thousands(rs->truncated_user, b, sizeof(b)),
		cli__thousands(stack_errors, c, sizeof(c)),
		(unsigned long long)(m[METRIC_KSTACK_COLLISION] + m[METRIC_USTACK_COLLISION]),
		(unsigned long long)(m[METRIC_KSTACK_FAULT] + m[METRIC_USTACK_FAULT]),
		(unsigned long long)(m[METRIC_KSTACK_NOMEM] + m[METRIC_USTACK_NOMEM]),
		cli__thousands(m[METRIC_COUNTS_FULL], d, sizeof(d)));
	if (m[METRIC_EVENTS_LOST])
		fprintf(stderr, ", %llu process events lost",
			(unsigned long long)m[METRIC_EVENTS_LOST]);
	if (m[METRIC_PIDS_FULL])
		fprintf(stderr, ", %llu processes untracked (pid map full)",
			(unsigned long long)m[METRIC_PIDS_FULL]);
	if (m[METRIC_IDLE] || m[METRIC_FILTERED])
		fprintf(stderr, "; left out: %llu idle, %llu of other processes",
			(unsigned long long)m[METRIC_IDLE], (unsigned long long)m[METRIC_FILTERED]);
	if (rs->samples != m[METRIC_SAMPLES])
		fprintf(stderr, ", %llu samples not drained",
			(unsigned long long)(m[METRIC_SAMPLES] - rs->samples));
	{
		const struct root_open_stats *fr = &st.files_refused;

		if (fr->not_regular || fr->symlink || fr->owner || fr->too_big)
			fprintf(stderr,
				", files of processes refused: %llu not regular, %llu symlinks, "
				"%llu of another owner, %llu too big",
				(unsigned long long)fr->not_regular,
				(unsigned long long)fr->symlink, (unsigned long long)fr->owner,
				(unsigned long long)fr->too_big);
	}
	if (sigbus_guard__pages())
		fprintf(stderr, ", %llu pages of files truncated while read (read as zeros)",
			(unsigned long long)sigbus_guard__pages());
	if (st.bpf_runs) /* only while kernel.bpf_stats_enabled=1 */
		fprintf(stderr, ", BPF %.0f ns per sample",
			(double)st.bpf_run_ns / (double)st.bpf_runs);
	if (st.python && (st.python_st.procs || m[METRIC_PY_STACKS] || m[METRIC_PY_NO_TSTATE] ||
			  st.python_st.procs_unsupported || st.python_st.procs_no_runtime ||
			  st.python_st.procs_refused)) {
		const struct python_stats *ps = &st.python_st;

		fprintf(stderr,
			"\nbpfprof: Python: %llu interpreters walked, not walked: %llu of an unsupported "
			"version, %llu without _PyRuntime, %llu map full; %llu stacks (%.1f frames, %.0f "
			"ns each), %llu without a thread state, %llu past %d threads, %llu bad reads, "
			"%llu too deep, %llu not stored (map full); code objects: %llu read, %llu "
			"unreadable, %llu changed since the sample",
			(unsigned long long)ps->procs, (unsigned long long)ps->procs_unsupported,
			(unsigned long long)ps->procs_no_runtime, (unsigned long long)ps->procs_refused,
			(unsigned long long)m[METRIC_PY_STACKS],
			m[METRIC_PY_STACKS] ? (double)m[METRIC_PY_FRAMES] / m[METRIC_PY_STACKS] : 0.0,
			m[METRIC_PY_STACKS] ? (double)m[METRIC_PY_NS] / m[METRIC_PY_STACKS] : 0.0,
			(unsigned long long)m[METRIC_PY_NO_TSTATE],
			(unsigned long long)m[METRIC_PY_THREADS], PY_MAX_THREADS,
			(unsigned long long)m[METRIC_PY_BAD_READ], (unsigned long long)m[METRIC_PY_DEPTH],
			(unsigned long long)m[METRIC_PY_STACKS_FULL], (unsigned long long)ps->code_reads,
			(unsigned long long)ps->code_unreadable, (unsigned long long)ps->code_changed);
		if (ps->mem_timeouts || ps->mem_refused)
			fprintf(stderr,
				"; memory reads: %llu given up after %d ms (a page that did not "
				"come), %llu not tried (their process left alone)",
				(unsigned long long)ps->mem_timeouts, MEM_READER_TIMEOUT_MS,
				(unsigned long long)ps->mem_refused);
	}
	if (st.unwind_mode != UNWIND_FP) {
		const struct unwinder_stats *us = &st.unwind;
		uint64_t unwound = m[METRIC_UNWIND_END] + m[METRIC_UNWIND_NO_TABLE] +
				   m[METRIC_UNWIND_UNSUPPORTED] + m[METRIC_UNWIND_BAD_READ] +
				   m[METRIC_UNWIND_DEPTH];

		fprintf(stderr,
			"\nbpfprof: %llu user stacks unwound from tables (%llu complete, %llu no "
			"table, %llu unsupported rule, %llu bad read, %llu too deep), %llu with "
			"frame pointers (no table yet); %zu tables, %.1f MiB of rows",
			(unsigned long long)unwound, (unsigned long long)m[METRIC_UNWIND_END],
			(unsigned long long)m[METRIC_UNWIND_NO_TABLE],
			(unsigned long long)m[METRIC_UNWIND_UNSUPPORTED],
			(unsigned long long)m[METRIC_UNWIND_BAD_READ],
			(unsigned long long)m[METRIC_UNWIND_DEPTH],
			(unsigned long long)m[METRIC_UNWIND_FP_FALLBACK], us->files,
			us->rows_used * sizeof(struct unwind_row) / 1048576.0);
		if (us->evictions)
			fprintf(stderr, ", %llu evicted", (unsigned long long)us->evictions);
		if (us->file_evictions || us->files_refused)
			fprintf(stderr, "; file cache full (%zu files): %llu evicted, %llu refused",
				us->max_files, (unsigned long long)us->file_evictions,
				(unsigned long long)us->files_refused);
		if (us->procs_refused || st.procs.procs_refused)
			fprintf(stderr, "; %llu processes not tracked (table full)",
				(unsigned long long)(us->procs_refused + st.procs.procs_refused));
		if (m[METRIC_USTACKS_FULL])
			fprintf(stderr, ", %llu not stored (map full: frame pointers kept)",
				(unsigned long long)m[METRIC_USTACKS_FULL]);
		if (us->go_funcs || us->go_bad_funcs)
			fprintf(stderr, ", %llu Go functions from .gopclntab (%llu unreadable)",
				(unsigned long long)us->go_funcs,
				(unsigned long long)us->go_bad_funcs);
		if (st.symbolizer.go_errors)
			fprintf(stderr, ", %llu .gopclntab unreadable for names",
				(unsigned long long)st.symbolizer.go_errors);
		if (st.unwind_preloaded)
			fprintf(stderr, ", %zu running processes loaded in %.0f ms",
				st.unwind_preloaded, st.unwind_preload_ns / 1e6);
		if (unwound)
			fprintf(stderr,
				"; %.0f ns and %.1f frames per stack (%.1f by frame pointer), %.0f %% "
				"of rows cached",
				(double)m[METRIC_UNWIND_NS] / (double)unwound,
				(double)m[METRIC_UNWIND_FRAMES] / (double)unwound,
				(double)m[METRIC_UNWIND_FP_FRAMES] / (double)unwound,
				m[METRIC_UNWIND_FRAMES]
					? 100.0 * (double)m[METRIC_UNWIND_CACHE_HITS] /
						  (double)m[METRIC_UNWIND_FRAMES]
					: 0.0);
	}
	fprintf(stderr, "\nbpfprof: wrote %zu unique stacks to %s\n", nstacks,
		r->o.output ? r->o.output : "stdout");
}

/* Check, start the sampler (and COMMAND), let the command run. Returns -1
 * to go on, else an exit code. Prints why it stops. */
static int start(struct record *r)
{
	struct sampler_opts so = {0};
	char err[256] = "";
	int ret;

	if (cli__check_profiling_caps())
		return EXIT_USAGE;
	if (r->o.output && strcmp(r->o.output, "-") && output_dir_unwritable(r->o.output))
		return 1;
	so.freq = r->o.freq;
	so.idle = r->o.idle;
	so.unwind_mode = r->o.unwind_mode;
	so.no_interpreters = r->o.no_interpreters;
	so.preload_unwind = !r->o.command; /* a command's tables load at its exec */
	so.drain_interval_ns = DRAIN_INTERVAL_NS;
	so.count_entries = r->o.count_entries;
	so.stack_entries = r->o.stack_entries;
	so.labels = r->o.labels.l;
	so.nlabels = r->o.labels.n;
	so.filter = (struct sample_filter){
		.cpus = r->o.cpus,
		.ncpus = r->o.ncpus,
		.tids = r->o.tids,
		.ntids = r->o.ntids,
		.cgroup_id = r->o.cgroup_id,
		.cgroup_level = r->o.cgroup_level,
		.no_user = r->o.no_user,
		.no_kernel = r->o.no_kernel,
	};
	/* threads: their processes are tracked (maps, exit) like -p's */
	for (size_t i = 0; i < r->o.ntids; i++) {
		uint32_t tgid = tgid_of(r->o.tids[i]);

		if (!tgid) {
			fprintf(stderr, "bpfprof: no thread with id %u\n", r->o.tids[i]);
			return EXIT_USAGE;
		}
		if ((ret = add_pid(&r->o, tgid))) {
			fprintf(stderr, "bpfprof: %s\n", strerror(-ret));
			return 1;
		}
	}
	if (r->o.npids) {
		for (size_t i = 0; i < r->o.npids; i++) {
			char path[32];

			snprintf(path, sizeof(path), "/proc/%u", r->o.pids[i]);
			if (access(path, F_OK)) {
				fprintf(stderr, "bpfprof: no process with pid %u\n", r->o.pids[i]);
				return EXIT_USAGE;
			}
		}
		so.pids = r->o.pids;
		so.npids = r->o.npids;
	}
	if (r->o.command) {
		ret = spawn_command(r);
		if (ret) {
			fprintf(stderr, "bpfprof: fork: %s\n", strerror(-ret));
			return 1;
		}
		r->child_pid = (uint32_t)r->child;
		so.pids = &r->child_pid;
		so.npids = 1;
		so.follow_children = true;
	}

	r->profile = profile__new();
	if (!r->profile) {
		fprintf(stderr, "bpfprof: %s\n", strerror(ENOMEM));
		return 1;
	}
	ret = sampler__new(&so, r->profile, &r->sampler, err, sizeof(err));
	if (!ret)
		ret = sampler__start(r->sampler, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "bpfprof: %s\n", err);
		if (ret == -EPERM || ret == -EACCES)
			fprintf(stderr, "bpfprof: check kernel.perf_event_paranoid, "
					"kernel.unprivileged_bpf_disabled and lockdown\n");
		return 1;
	}
	profile__meta(r->profile)->period_ns = 1000000000ULL / r->o.freq;
	profile__meta(r->profile)->time_ns = clock__real_ns();
	if (r->child) { /* attached: let the command run */
		if (write(r->go_pipe, "g", 1) != 1) {
			fprintf(stderr, "bpfprof: start command: %s\n", strerror(errno));
			return 1;
		}
		close(r->go_pipe);
		r->go_pipe = -1;
	}
	return -1;
}

/* Sample until the duration, the command or every -p process ends, or a
 * signal; drain every DRAIN_INTERVAL_NS. Returns -1 to go on, else an exit
 * code; *elapsed is the time sampled. */
static int sample(struct record *r, volatile sig_atomic_t *stop, uint64_t *elapsed)
{
	bool tty = !r->o.quiet && isatty(STDERR_FILENO);
	uint64_t start, last_drain, last_progress, now;
	int ret;

	start = last_drain = last_progress = clock__mono_ns();
	if (r->o.duration_ns) {
		/* the deadline as a signal too, so that it interrupts whatever a
		 * drain waits for (main.c: *stop becomes 2) */
		struct itimerval end = {
			.it_value = {.tv_sec = (time_t)(r->o.duration_ns / 1000000000ULL),
				     .tv_usec = (suseconds_t)(r->o.duration_ns % 1000000000ULL / 1000)},
		};

		setitimer(ITIMER_REAL, &end, NULL);
	}
	while (!*stop) {
		sampler__poll(r->sampler, poll_timeout_ms(r, clock__mono_ns(), start, last_drain));
		now = clock__mono_ns();
		if (r->child && !r->child_done && waitpid(r->child, &r->child_status, WNOHANG) == r->child) {
			r->child_done = true;
			break;
		}
		if (r->o.npids && pids_all_gone(r))
			break;
		if (r->o.duration_ns && now - start >= r->o.duration_ns)
			break;
		if (now - last_drain >= DRAIN_INTERVAL_NS) {
			ret = sampler__drain(r->sampler);
			if (ret) {
				fprintf(stderr, "\nbpfprof: drain samples: %s\n", strerror(-ret));
				return 1;
			}
			last_drain = now;
		}
		if (tty && now - last_progress >= 1000000000ULL &&
		    (!r->o.duration_ns || r->o.duration_ns > 2000000000ULL)) {
			struct sampler_stats st;

			sampler__stats(r->sampler, &st);
			progress(r, now - start, st.metrics[METRIC_SAMPLES]);
			last_progress = now;
		}
	}
	*elapsed = clock__mono_ns() - start;
	if (tty && last_progress != start)
		fprintf(stderr, "\r\033[K");
	return -1;
}

/* Take the last samples, write the output, say what was lost, and end as
 * the command ended. Returns the exit code. */
static int finish(struct record *r, volatile sig_atomic_t *stop, uint64_t elapsed)
{
	char err[256] = "";
	int ret;

	/* stop sampling, take the last process events, drain both buffers */
	sampler__stop(r->sampler);
	sampler__poll(r->sampler, 0);
	if ((ret = sampler__drain(r->sampler)) || (ret = sampler__drain(r->sampler))) {
		fprintf(stderr, "bpfprof: drain samples: %s\n", strerror(-ret));
		return 1;
	}
	profile__meta(r->profile)->duration_ns = elapsed;

	ret = output__write(r->profile, &r->o.out, r->o.output, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "bpfprof: %s\n", err);
		return 1;
	}
	if (!r->o.quiet)
		summary(r, elapsed, profile__sample_count(r->profile));
	/* the output is written: no watchdog while a command finishes */
	setitimer(ITIMER_REAL, &(struct itimerval){0}, NULL);

	if (r->child) {
		if (!r->child_done) {
			/* stopped early by a signal: pass a SIGTERM on (Ctrl-C
			 * reached the whole process group already), then wait as
			 * a shell would; at the -d deadline (2) the command goes on */
			if (*stop == 1)
				kill(r->child, SIGTERM);
			waitpid(r->child, &r->child_status, 0);
		}
		if (WIFEXITED(r->child_status))
			return WEXITSTATUS(r->child_status);
		if (WIFSIGNALED(r->child_status))
			return 128 + WTERMSIG(r->child_status);
	}
	return 0;
}

int record__main(int argc, char **argv, volatile sig_atomic_t *stop)
{
	struct record r = {.go_pipe = -1};
	uint64_t elapsed = 0;
	int ret = parse_args(argc, argv, &r.o);

	if (ret < 0)
		ret = start(&r);
	if (ret < 0)
		ret = sample(&r, stop, &elapsed);
	if (ret < 0)
		ret = finish(&r, stop, elapsed);
	if (r.go_pipe >= 0)
		close(r.go_pipe); /* the child sees EOF and exits without running */
	sampler__free(r.sampler);
	profile__free(r.profile);
	free(r.o.pids);
	free(r.o.tids);
	free(r.o.cpus);
	return ret;
}
