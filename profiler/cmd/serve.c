// SPDX-License-Identifier: MIT
/*
 * serve.c - `bpfprof serve`: the agent's options and its main loop; the
 * agent itself (windows, history, HTTP) is agent/.
 */
#include "cmd/serve.h"
#include "agent/agent.h"
#include "cmd/cli.h"
#include "common/parse.h"

#include <getopt.h>
#include <stdio.h>

static const char usage[] =
    "Usage: bpfprof serve [OPTIONS]\n"
    "\n"
    "The always-on agent: samples every CPU continuously, keeps a rolling on-disk\n"
    "history and serves a web UI and standard endpoints over HTTP.\n"
    "\n"
    "Options:\n"
    "  -l, --listen ADDR:PORT  where to listen (default 127.0.0.1:7070; \":7070\" for all)\n"
    "  -D, --data-dir DIR      history folder (default /var/lib/bpfprof)\n"
    "  -F, --freq HZ           samples per second per CPU (default 19)\n"
    "  -w, --window TIME       how often samples are drained and stored (default 10s)\n"
    "      --retention TIME    drop history older than this (default 24h; 0 = keep)\n"
    "      --max-disk SIZE     drop the oldest history beyond this size (default 1G)\n"
    "      --symbol-cache SIZE memory for parsed symbol and line tables (default 16M);\n"
    "                          the least recently used files are dropped beyond it\n"
    "      --lines             also read DWARF: source lines and inlined frames (about\n"
    "                          40 MB more on a host with debug info; default: names\n"
    "                          from symbol tables, debug files' included)\n"
    "      --idle              keep samples of idle CPUs\n"
    "      --unwind MODE       user stacks: auto (unwind tables where loaded, frame\n"
    "                          pointers elsewhere; default), dwarf, fp\n"
    "  -h, --help              this help\n"
    "\n"
    "Endpoints:\n"
    "  /                                 the web UI\n"
    "  /api/profile?from=&to=&format=    merged profile (json, folded, pprof);\n"
    "                                    filters pid=, comm=, cgroup=\n"
    "  /api/timeline?from=&to=&step=     samples over time\n"
    "  /api/processes?from=&to=          top processes\n"
    "  /debug/pprof/profile?seconds=N    Go pprof semantics (go tool pprof, Parca,\n"
    "                                    Pyroscope scrapers)\n"
    "  /metrics                          Prometheus metrics of the agent itself\n"
    "  /healthz                          liveness\n"
    "\n"
    "Examples:\n"
    "  bpfprof serve                               # http://127.0.0.1:7070/\n"
    "  bpfprof serve --listen :7070 --retention 7d --max-disk 5G\n"
    "  go tool pprof http://127.0.0.1:7070/debug/pprof/profile?seconds=10\n";

static int parse_args(int argc, char **argv, struct agent_opts *o)
{
	enum {
		OPT_RETENTION = 256,
		OPT_MAX_DISK,
		OPT_IDLE,
		OPT_UNWIND,
		OPT_SYMBOL_CACHE,
		OPT_LINES
	};
	static const struct option longopts[] = {
	    {"listen", required_argument, NULL, 'l'},
	    {"data-dir", required_argument, NULL, 'D'},
	    {"freq", required_argument, NULL, 'F'},
	    {"window", required_argument, NULL, 'w'},
	    {"retention", required_argument, NULL, OPT_RETENTION},
	    {"max-disk", required_argument, NULL, OPT_MAX_DISK},
	    {"idle", no_argument, NULL, OPT_IDLE},
	    {"symbol-cache", required_argument, NULL, OPT_SYMBOL_CACHE},
	    {"lines", no_argument, NULL, OPT_LINES},
	    {"unwind", required_argument, NULL, OPT_UNWIND},
	    {"help", no_argument, NULL, 'h'},
	    {0},
	};
	int c;

	o->listen = "127.0.0.1:7070";
	o->data_dir = "/var/lib/bpfprof";
	o->freq = 19;
	o->unwind_mode = UNWIND_AUTO;
	o->window_ns = 10000000000ULL;
	o->retention_ns = 24 * 3600 * 1000000000ULL;
	o->max_disk = 1ULL << 30;
	/* an always-on agent keeps a small working set; record keeps everything */
	o->symbol_cache = 16ULL << 20;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":l:D:F:w:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'l': o->listen = optarg; break;
		case 'D': o->data_dir = optarg; break;
		case 'F':
			if (parse__u64(optarg, 1, 10000, &o->freq))
				return cli__usage_error(
				    "serve", "invalid frequency '%s' (1-10000 Hz)", optarg);
			break;
		case 'w':
			if (parse__duration(optarg, &o->window_ns) || o->window_ns < 100000000ULL ||
			    o->window_ns > 3600000000000ULL)
				return cli__usage_error(
				    "serve", "invalid window '%s' (100ms to 1h)", optarg);
			break;
		case OPT_RETENTION:
			if (parse__duration(optarg, &o->retention_ns))
				return cli__usage_error("serve", "invalid retention '%s'", optarg);
			break;
		case OPT_MAX_DISK:
			if (parse__size(optarg, &o->max_disk))
				return cli__usage_error(
				    "serve", "invalid size '%s' (e.g. 500M, 1G)", optarg);
			break;
		case OPT_IDLE: o->idle = true; break;
		case OPT_LINES: o->lines = true; break;
		case OPT_SYMBOL_CACHE:
			if (parse__size(optarg, &o->symbol_cache) || o->symbol_cache < (1u << 20))
				return cli__usage_error(
				    "serve", "invalid --symbol-cache '%s' (at least 1M)", optarg);
			break;
		case OPT_UNWIND:
			if (cli__parse_unwind(optarg, &o->unwind_mode))
				return cli__usage_error(
				    "serve", "unknown unwind mode '%s' (auto, dwarf, fp)", optarg);
			break;
		case 'h': fputs(usage, stdout); return 0;
		case ':':
			return cli__usage_error("serve", "option '%s' needs a value",
						argv[optind - 1]);
		default: return cli__usage_error("serve", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cli__usage_error("serve", "unexpected argument '%s'", argv[optind]);
	return -1;
}

static void log_line(const char *msg)
{
	fprintf(stderr, "bpfprof serve: %s\n", msg);
}

int serve__main(int argc, char **argv, volatile sig_atomic_t *stop)
{
	struct agent_opts o = {0};
	struct agent *a = NULL;
	struct store_stats st;
	uint64_t ignored;
	char err[256] = "";
	int ret = parse_args(argc, argv, &o);

	if (ret >= 0)
		return ret;
	if (cli__check_profiling_caps())
		return EXIT_USAGE;
	o.log = log_line;
	ret = agent__new(&o, &a, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "bpfprof serve: %s\n", err);
		return 1;
	}
	agent__store_stats(a, &st);
	fprintf(stderr,
		"bpfprof serve: sampling at %llu Hz, %llu ms windows, history in %s "
		"(%zu windows kept%s%s)\n",
		(unsigned long long)o.freq, (unsigned long long)(o.window_ns / 1000000), o.data_dir,
		st.windows, st.cleaned_temp ? ", removed an interrupted write" : "",
		st.tightened ? ", made private (0700, files 0600)" : "");
	ignored = st.ignored[STORE_IGNORE_NOT_REGULAR] + st.ignored[STORE_IGNORE_OWNER] +
		  st.ignored[STORE_IGNORE_TOO_BIG] + st.ignored[STORE_IGNORE_INVALID];
	if (ignored)
		fprintf(stderr,
			"bpfprof serve: ignored %llu files named like windows in %s: %llu not "
			"regular files, %llu of another user, %llu too big, %llu unreadable or "
			"not matching their name\n",
			(unsigned long long)ignored, o.data_dir,
			(unsigned long long)st.ignored[STORE_IGNORE_NOT_REGULAR],
			(unsigned long long)st.ignored[STORE_IGNORE_OWNER],
			(unsigned long long)st.ignored[STORE_IGNORE_TOO_BIG],
			(unsigned long long)st.ignored[STORE_IGNORE_INVALID]);
	fprintf(stderr, "bpfprof serve: open http://%s/\n", o.listen);
	while (!*stop)
		agent__step(a);
	fprintf(stderr, "bpfprof serve: stopped; %llu windows written\n",
		(unsigned long long)agent__stop(a));
	agent__free(a);
	return 0;
}
