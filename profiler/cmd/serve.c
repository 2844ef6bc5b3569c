// SPDX-License-Identifier: MIT
/*
 * serve.c - `bpfprof serve`: sample continuously at a low frequency, close a
 * window every --window, symbolize it once, append it to the on-disk store,
 * and serve the history over HTTP (agent_api.c).
 */
#include "cmd/serve.h"
#include "agent/agent.h"
#include "sample/caps.h"
#include "cmd/cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define EXIT_USAGE 2

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

uint64_t agent__now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

uint64_t agent__flush(struct agent *a)
{
	uint64_t want, end = 0;

	pthread_mutex_lock(&a->lock);
	want = ++a->flush_requested;
	while (a->flush_done < want && !a->stopping)
		pthread_cond_wait(&a->flushed, &a->lock);
	if (!a->stopping || a->flush_done >= want)
		end = a->last_window_end_ms;
	pthread_mutex_unlock(&a->lock);
	return end;
}

static int usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "bpfprof serve: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, " (see bpfprof serve --help)\n");
	return EXIT_USAGE;
}

struct serve_opts {
	const char *listen, *data_dir;
	uint64_t freq, window_ns, retention_ns, max_disk, symbol_cache;
	bool idle, lines;
	int unwind_mode;
};

static int parse_args(int argc, char **argv, struct serve_opts *o)
{
	enum { OPT_RETENTION = 256, OPT_MAX_DISK, OPT_IDLE, OPT_UNWIND, OPT_SYMBOL_CACHE, OPT_LINES };
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
		case 'l':
			o->listen = optarg;
			break;
		case 'D':
			o->data_dir = optarg;
			break;
		case 'F':
			if (cli__parse_u64(optarg, 1, 10000, &o->freq))
				return usage_error("invalid frequency '%s' (1-10000 Hz)", optarg);
			break;
		case 'w':
			if (cli__parse_duration(optarg, &o->window_ns) ||
			    o->window_ns < 100000000ULL || o->window_ns > 3600000000000ULL)
				return usage_error("invalid window '%s' (100ms to 1h)", optarg);
			break;
		case OPT_RETENTION:
			if (cli__parse_duration(optarg, &o->retention_ns))
				return usage_error("invalid retention '%s'", optarg);
			break;
		case OPT_MAX_DISK:
			if (cli__parse_size(optarg, &o->max_disk))
				return usage_error("invalid size '%s' (e.g. 500M, 1G)", optarg);
			break;
		case OPT_IDLE:
			o->idle = true;
			break;
		case OPT_LINES:
			o->lines = true;
			break;
		case OPT_SYMBOL_CACHE:
			if (cli__parse_size(optarg, &o->symbol_cache) || o->symbol_cache < (1u << 20))
				return usage_error("invalid --symbol-cache '%s' (at least 1M)", optarg);
			break;
		case OPT_UNWIND:
			if (cli__parse_unwind(optarg, &o->unwind_mode))
				return usage_error("unknown unwind mode '%s' (auto, dwarf, fp)", optarg);
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		case ':':
			return usage_error("option '%s' needs a value", argv[optind - 1]);
		default:
			return usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	return -1;
}

/* Drain the current window into its profile, store it, start the next. */
static void close_window(struct agent *a, struct sampler *smp, struct profile **win,
			 uint64_t *start_ms)
{
	uint64_t end_ms = agent__now_ms();
	struct profile *next = profile__new();
	struct profile_meta *m = profile__meta(*win);
	char err[256];
	int ret;

	ret = sampler__drain(smp);
	m->time_ns = *start_ms * 1000000ULL;
	m->duration_ns = (end_ms - *start_ms) * 1000000ULL;
	m->period_ns = 1000000000ULL / a->freq;
	/* an idle window is no history: the timeline shows it as zero anyway */
	if (profile__total(*win) && store__append(a->store, *win, *start_ms, end_ms, err, sizeof(err))) {
		fprintf(stderr, "bpfprof serve: %s\n", err);
		pthread_mutex_lock(&a->lock);
		a->window_write_errors++;
		pthread_mutex_unlock(&a->lock);
	}
	if (next) { /* without memory, keep filling the old one: better than losing it */
		profile__free(*win);
		*win = next;
		sampler__set_profile(smp, next);
	}
	pthread_mutex_lock(&a->lock);
	sampler__stats(smp, &a->stats);
	a->windows_closed++;
	if (ret)
		a->drain_errors++;
	a->last_window_end_ms = end_ms;
	pthread_mutex_unlock(&a->lock);
	*start_ms = end_ms;
}

int serve__main(int argc, char **argv, volatile sig_atomic_t *stop)
{
	struct serve_opts o = {0};
	struct agent a = {0};
	struct sampler *smp = NULL;
	struct sampler_opts so = {0};
	struct store_opts sto = {0};
	struct profile *win = NULL;
	char err[256] = "", missing[64];
	uint64_t start_ms, window_mono;
	int ret = parse_args(argc, argv, &o);

	if (ret >= 0)
		return ret;
	if (caps__check_profiling(missing, sizeof(missing))) {
		fprintf(stderr,
			"bpfprof: profiling needs root, or the capabilities CAP_BPF and "
			"CAP_PERFMON; missing: %s\n",
			missing);
		return EXIT_USAGE;
	}
	pthread_mutex_init(&a.lock, NULL);
	pthread_cond_init(&a.flushed, NULL);
	a.freq = o.freq;
	a.window_ns = o.window_ns;
	a.listen = o.listen;
	a.data_dir = o.data_dir;
	a.started_ms = agent__now_ms();

	sto.dir = o.data_dir;
	sto.retention_ms = o.retention_ns / 1000000ULL;
	sto.max_bytes = o.max_disk;
	ret = store__open(&sto, &a.store, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "bpfprof serve: %s\n", err);
		ret = 1;
		goto cleanup;
	}
	win = profile__new();
	so.freq = o.freq;
	so.idle = o.idle;
	so.drain_interval_ns = o.window_ns;
	so.symbol_cache_bytes = o.symbol_cache;
	/* an always-on agent's memory budget: names by default, lines on request */
	so.no_lines = !o.lines;
	so.unwind_mode = o.unwind_mode;
	so.preload_unwind = true;
	if (!win || (ret = sampler__new(&so, win, &smp, err, sizeof(err))) ||
	    (ret = sampler__start(smp, err, sizeof(err)))) {
		fprintf(stderr, "bpfprof serve: %s\n", win ? err : strerror(ENOMEM));
		ret = 1;
		goto cleanup;
	}
	sampler__preload_kernel_symbols(smp);
	ret = http_server__start(o.listen, agent__handle, &a, &a.http, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "bpfprof serve: %s\n", err);
		ret = 1;
		goto cleanup;
	}
	{
		struct store_stats st;

		store__stats(a.store, &st);
		fprintf(stderr,
			"bpfprof serve: sampling at %llu Hz, %llu ms windows, history in %s "
			"(%zu windows kept%s)\nbpfprof serve: open http://%s/\n",
			(unsigned long long)o.freq, (unsigned long long)(o.window_ns / 1000000),
			o.data_dir, st.windows,
			st.cleaned_temp ? ", removed an interrupted write" : "", o.listen);
	}

	start_ms = agent__now_ms();
	window_mono = mono_ns();
	while (!*stop) {
		bool flush;

		/* events wake it at once; the timeout only paces window checks */
		sampler__poll(smp, 500);
		pthread_mutex_lock(&a.lock);
		flush = a.flush_requested != a.flush_done;
		pthread_mutex_unlock(&a.lock);
		if (flush || mono_ns() - window_mono >= o.window_ns) {
			uint64_t served;

			pthread_mutex_lock(&a.lock);
			served = a.flush_requested;
			pthread_mutex_unlock(&a.lock);
			close_window(&a, smp, &win, &start_ms);
			window_mono = mono_ns();
			pthread_mutex_lock(&a.lock);
			a.flush_done = served;
			pthread_cond_broadcast(&a.flushed);
			pthread_mutex_unlock(&a.lock);
		}
	}
	/* flush what the current window holds, then let waiting requests go */
	sampler__stop(smp);
	close_window(&a, smp, &win, &start_ms);
	pthread_mutex_lock(&a.lock);
	a.stopping = true;
	a.flush_done = a.flush_requested;
	pthread_cond_broadcast(&a.flushed);
	pthread_mutex_unlock(&a.lock);
	fprintf(stderr, "bpfprof serve: stopped; %llu windows written\n",
		(unsigned long long)a.windows_closed);
	ret = 0;
cleanup:
	http_server__stop(a.http);
	sampler__free(smp);
	profile__free(win);
	store__close(a.store);
	pthread_cond_destroy(&a.flushed);
	pthread_mutex_destroy(&a.lock);
	return ret;
}
