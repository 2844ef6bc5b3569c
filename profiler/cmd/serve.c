// SPDX-License-Identifier: MIT
/*
 * serve.c - `bpfprof serve`: the agent's options and its main loop; the
 * agent itself (windows, history, HTTP) is agent/.
 */
#include "cmd/serve.h"
#include "agent/agent.h"
#include "agent/http_server.h"
#include "agent/push.h"
#include "cmd/cli.h"
#include "cmd/config_file.h"
#include "common/parse.h"
#include "sample/caps.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_TOKEN 512 /* bytes; an Authorization header holds at most HTTP_MAX_AUTH */
#define MAX_PUSH_SECRET 4096 /* bytes of a --push-token-file or --push-basic-auth-file */
#define MAX_PUSH_HEADERS 16
#define MAX_PUSH_HEADER 1024 /* bytes of one "Name: value" */

/* What --push options hold while the agent runs. */
struct push_args {
	struct push_opts o;
	char bearer[MAX_PUSH_SECRET + 1], basic[MAX_PUSH_SECRET + 1];
	char headers[MAX_PUSH_HEADERS][MAX_PUSH_HEADER];
	const char *header_ptrs[MAX_PUSH_HEADERS];
};

/* The secret (what: "token file", ...) in FILE: a regular file, private to
 * its owner, 1 to toklen - 1 printable bytes without spaces after one
 * trailing newline is dropped. 0 or -1 with the reason in err (never the
 * secret). */
static int read_token(const char *what, const char *path, char *tok, size_t toklen, char *err,
		      size_t errlen)
{
	struct stat st;
	ssize_t n = -1;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY), ret = -1;

	if (fd < 0 || fstat(fd, &st)) {
		snprintf(err, errlen, "%s %s: %s", what, path, strerror(errno));
		goto cleanup;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s %s is not a regular file", what, path);
		goto cleanup;
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		snprintf(err, errlen,
			 "%s %s is accessible by group or others (mode %03o): chmod 600 it",
			 what, path, (unsigned)(st.st_mode & 0777));
		goto cleanup;
	}
	if (st.st_size > (off_t)toklen) {
		snprintf(err, errlen, "%s %s is larger than %zu bytes", what, path, toklen - 1);
		goto cleanup;
	}
	n = read(fd, tok, toklen);
	if (n < 0) {
		snprintf(err, errlen, "%s %s: %s", what, path, strerror(errno));
		goto cleanup;
	}
	if (n > 0 && tok[n - 1] == '\n')
		n--;
	if (n == 0 || (size_t)n >= toklen) {
		snprintf(err, errlen, "%s %s is %s", what, path, n ? "too large" : "empty");
		goto cleanup;
	}
	for (ssize_t i = 0; i < n; i++)
		if ((unsigned char)tok[i] <= ' ' || (unsigned char)tok[i] >= 0x7f) {
			snprintf(err, errlen,
				 "%s %s: the secret has a space, control or non-ASCII byte at offset %zd",
				 what, path, i);
			goto cleanup;
		}
	tok[n] = '\0';
	ret = 0;
cleanup:
	if (fd >= 0)
		close(fd);
	return ret;
}

static const char usage[] =
    "Usage: bpfprof serve [OPTIONS]\n"
    "\n"
    "The always-on agent: samples every CPU continuously, keeps a rolling on-disk\n"
    "history and serves a web UI and standard endpoints over HTTP.\n"
    "\n"
    "Options:\n"
    "  -l, --listen ADDR:PORT  where to listen (default 127.0.0.1:7070; \":7070\" for all;\n"
    "                          port 1-65535). An address other than loopback\n"
    "                          (127.0.0.0/8, ::1, localhost) needs --token-file\n"
    "      --token-file FILE   every endpoint but /healthz wants the header\n"
    "                          \"Authorization: Bearer TOKEN\", TOKEN being FILE's\n"
    "                          content (read once at start, one trailing newline\n"
    "                          dropped); FILE must be a regular file that group and\n"
    "                          others cannot access (chmod 600)\n"
    "      --insecure-listen   allow a non-loopback --listen without a token: anyone\n"
    "                          who reaches the port reads every process's stacks\n"
    "                          and command names\n"
    "  -D, --data-dir DIR      history folder (default /var/lib/bpfprof)\n"
    "  -F, --freq HZ           samples per second per CPU (default 19, at most 10000)\n"
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
    "      --label KEY=VALUE   a label on every sample (repeatable: cluster, region,\n"
    "                          env, ...); host=NAME replaces the machine's name\n"
    "      --no-interpreters   no Python frames (CPython 3.11 functions read from the\n"
    "                          interpreter's memory; default: on)\n"
    "      --push URL          send every window to a Pyroscope-compatible store:\n"
    "                          POST URL/ingest, one series per --push-group-by value,\n"
    "                          in order, from a queue kept on disk (needs --window\n"
    "                          of 1s or more)\n"
    "      --push-group-by KEY service (default), container, exe or comm; a sample\n"
    "                          without KEY goes to its executable's base name, else\n"
    "                          its comm\n"
    "      --push-queue SIZE   unpushed windows kept on disk; beyond, the oldest are\n"
    "                          dropped and counted (default 256M)\n"
    "      --push-token-file FILE      \"Authorization: Bearer\" with FILE's content\n"
    "      --push-basic-auth-file FILE basic auth, FILE holding user:password\n"
    "                          (Grafana Cloud); both files as --token-file (chmod 600)\n"
    "      --push-header K=V   an HTTP header for every push (e.g. X-Scope-OrgID=t1);\n"
    "                          repeatable, at most 16\n"
    "      --push-timeout TIME one push request's limit (default 30s; connect 10s)\n"
    "      --push-backoff-max TIME  longest wait between tries (default 5m)\n"
    "      --config FILE       read options from FILE first (default\n"
    "                          " SERVE_DEFAULT_CONFIG " when it exists):\n"
    "                          one a line, \"key = value\" or \"key value\", the keys\n"
    "                          being the long options above; a flag is \"key\" or\n"
    "                          \"key = true\"; a repeatable option repeats its key;\n"
    "                          \"#\" starts a comment line. The command line wins.\n"
    "                          FILE must be root's and writable by nobody else\n"
    "      --no-config         read no config file, not even the default one\n"
    "  -h, --help              this help\n"
    "\n"
    "Endpoints:\n"
    "  /                                 the web UI\n"
    "  /api/profile?from=&to=&format=    merged profile (json, folded, pprof);\n"
    "                                    filters pid=, comm=, cgroup=, label.KEY=\n"
    "                                    (host, exe, service, container_id, pod_uid,\n"
    "                                    --label keys; several are ANDed)\n"
    "  /api/timeline?from=&to=&step=     samples over time\n"
    "  /api/processes?from=&to=          top processes\n"
    "  /debug/pprof/profile?seconds=N    Go pprof semantics (go tool pprof, Parca,\n"
    "                                    Pyroscope scrapers); N is 1 to 300 (default 30)\n"
    "  /metrics                          Prometheus metrics of the agent itself\n"
    "  /healthz                          liveness (never needs the token)\n"
    "\n"
    "Limits: 32 requests are answered at once (4 of them kept for /healthz and\n"
    "/metrics); a request waits up to 3 s for a free slot, then gets 503 with\n"
    "Retry-After; a request head must arrive within 10 s (else 408).\n"
    "\n"
    "Examples:\n"
    "  bpfprof serve                               # http://127.0.0.1:7070/\n"
    "  bpfprof serve --listen :7070 --token-file /etc/bpfprof/token --max-disk 5G\n"
    "  curl -H \"Authorization: Bearer $(cat /etc/bpfprof/token)\" http://HOST:7070/metrics\n"
    "  go tool pprof http://127.0.0.1:7070/debug/pprof/profile?seconds=10\n";

/* --push-header K=V as "K: V" in out. 0 or -1 with err. */
static int parse_header(const char *kv, char *out, size_t outlen, char *err, size_t errlen)
{
	const char *eq = strchr(kv, '=');

	if (!eq || eq == kv) {
		/* not repeated: it may be a credential typed another way */
		snprintf(err, errlen, "--push-header is not NAME=VALUE (e.g. X-Scope-OrgID=t1)");
		return -1;
	}
	for (const char *c = kv; c < eq; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || *c == '-' || *c == '_')) {
			snprintf(err, errlen,
				 "--push-header: a header name has letters, digits, '-' and '_' only");
			return -1;
		}
	for (const char *c = eq + 1; *c; c++)
		if ((unsigned char)*c < ' ' || (unsigned char)*c == 0x7f) {
			snprintf(err, errlen, "--push-header: the value has a control byte");
			return -1;
		}
	if ((size_t)snprintf(out, outlen, "%.*s: %s", (int)(eq - kv), kv, eq + 1) >= outlen) {
		snprintf(err, errlen, "--push-header: longer than %zu bytes", outlen - 1);
		return -1;
	}
	return 0;
}

#define SERVE_SHORT_OPTIONS ":l:D:F:w:h"

enum {
	OPT_RETENTION = 256,
	OPT_MAX_DISK,
	OPT_IDLE,
	OPT_UNWIND,
	OPT_SYMBOL_CACHE,
	OPT_LINES,
	OPT_TOKEN_FILE,
	OPT_INSECURE_LISTEN,
	OPT_CONFIG,
	OPT_NO_CONFIG,
	OPT_PUSH,
	OPT_PUSH_GROUP_BY,
	OPT_PUSH_QUEUE,
	OPT_PUSH_TOKEN_FILE,
	OPT_PUSH_BASIC_AUTH_FILE,
	OPT_PUSH_HEADER,
	OPT_PUSH_TIMEOUT,
	OPT_PUSH_BACKOFF_MAX,
	OPT_LABEL,
	OPT_NO_INTERPRETERS,
};
/* serve's options: the command line's and, through the same table, the
 * config file's keys (config_file.h). */
static const struct option serve_options[] = {
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
    {"token-file", required_argument, NULL, OPT_TOKEN_FILE},
    {"insecure-listen", no_argument, NULL, OPT_INSECURE_LISTEN},
    {"label", required_argument, NULL, OPT_LABEL},
    {"no-interpreters", no_argument, NULL, OPT_NO_INTERPRETERS},
    {"config", required_argument, NULL, OPT_CONFIG},
    {"no-config", no_argument, NULL, OPT_NO_CONFIG},
    {"push", required_argument, NULL, OPT_PUSH},
    {"push-group-by", required_argument, NULL, OPT_PUSH_GROUP_BY},
    {"push-queue", required_argument, NULL, OPT_PUSH_QUEUE},
    {"push-token-file", required_argument, NULL, OPT_PUSH_TOKEN_FILE},
    {"push-basic-auth-file", required_argument, NULL, OPT_PUSH_BASIC_AUTH_FILE},
    {"push-header", required_argument, NULL, OPT_PUSH_HEADER},
    {"push-timeout", required_argument, NULL, OPT_PUSH_TIMEOUT},
    {"push-backoff-max", required_argument, NULL, OPT_PUSH_BACKOFF_MAX},
    {"help", no_argument, NULL, 'h'},
    {0},
};

/* *at: the index in argv of the option being handled when a usage error
 * returns (0 for errors after them: the token file, a listen address that
 * needs it). */
static int parse_args(int argc, char **argv, struct agent_opts *o, char *token, size_t toklen,
		      struct cli_labels *labels, struct push_args *pa, int *at)
{
	const char *token_file = NULL, *push_token_file = NULL, *push_basic_file = NULL;
	const char *push_option = NULL; /* a --push-* option seen: it needs --push */
	struct push_opts *po = &pa->o;
	uint64_t ns;
	bool insecure = false;
	char host[256], err[512];
	int c, port, li = 0;

	o->listen = "127.0.0.1:7070";
	o->data_dir = "/var/lib/bpfprof";
	o->freq = 19;
	o->unwind_mode = UNWIND_AUTO;
	o->window_ns = 10000000000ULL;
	o->retention_ns = 24 * 3600 * 1000000000ULL;
	o->max_disk = 1ULL << 30;
	/* an always-on agent keeps a small working set; record keeps everything */
	o->symbol_cache = 16ULL << 20;
	po->group = PUSH_GROUP_SERVICE;
	po->queue_bytes = 256ULL << 20;
	po->backoff_max_ms = 5 * 60 * 1000;
	po->target.connect_timeout_ms = 10000;
	po->target.timeout_ms = 30000;
	po->target.headers = pa->header_ptrs;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, SERVE_SHORT_OPTIONS, serve_options, &li)) != -1) {
		*at = optind - 1; /* the config file's options are one argument each */
		if (c > OPT_PUSH && c <= OPT_PUSH_BACKOFF_MAX && !push_option)
			push_option = serve_options[li].name;
		switch (c) {
		case 'l':
			if (http__parse_listen(optarg, host, sizeof(host), &port, 0, err, sizeof(err)))
				return cli__usage_error("serve", "%s", err);
			o->listen = optarg;
			break;
		case 'D': o->data_dir = optarg; break;
		case 'F':
			if (cli__parse_freq("serve", optarg, &o->freq))
				return EXIT_USAGE;
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
		case OPT_TOKEN_FILE: token_file = optarg; break;
		case OPT_INSECURE_LISTEN: insecure = true; break;
		case OPT_PUSH:
			if (push_client__check_url(optarg, err, sizeof(err)))
				return cli__usage_error("serve", "%s", err);
			po->target.url = optarg;
			break;
		case OPT_PUSH_GROUP_BY:
			if (push_group__parse(optarg, &po->group))
				return cli__usage_error(
				    "serve", "unknown --push-group-by '%s' (service, container, exe, comm)",
				    optarg);
			break;
		case OPT_PUSH_QUEUE:
			if (parse__size(optarg, &po->queue_bytes) || po->queue_bytes < (16u << 10))
				return cli__usage_error(
				    "serve", "invalid --push-queue '%s' (at least 16K)", optarg);
			break;
		case OPT_PUSH_TOKEN_FILE: push_token_file = optarg; break;
		case OPT_PUSH_BASIC_AUTH_FILE: push_basic_file = optarg; break;
		case OPT_PUSH_HEADER:
			if (po->target.nheaders == MAX_PUSH_HEADERS)
				return cli__usage_error("serve", "more than %d --push-header",
							MAX_PUSH_HEADERS);
			if (parse_header(optarg, pa->headers[po->target.nheaders], MAX_PUSH_HEADER,
					 err, sizeof(err)))
				return cli__usage_error("serve", "%s", err);
			pa->header_ptrs[po->target.nheaders] = pa->headers[po->target.nheaders];
			po->target.nheaders++;
			break;
		case OPT_PUSH_TIMEOUT:
			if (parse__duration(optarg, &ns) || ns < 100000000ULL ||
			    ns > 600000000000ULL)
				return cli__usage_error(
				    "serve", "invalid --push-timeout '%s' (100ms to 10m)", optarg);
			po->target.timeout_ms = ns / 1000000;
			if (po->target.connect_timeout_ms > po->target.timeout_ms)
				po->target.connect_timeout_ms = po->target.timeout_ms;
			break;
		case OPT_PUSH_BACKOFF_MAX:
			if (parse__duration(optarg, &ns) || ns < 1000000000ULL ||
			    ns > 3600000000000ULL)
				return cli__usage_error(
				    "serve", "invalid --push-backoff-max '%s' (1s to 1h)", optarg);
			po->backoff_max_ms = ns / 1000000;
			break;
		case OPT_LABEL:
			if (cli__parse_label("serve", optarg, labels))
				return EXIT_USAGE;
			break;
		case OPT_NO_INTERPRETERS: o->no_interpreters = true; break;
		case OPT_CONFIG:
		case OPT_NO_CONFIG: break; /* read by serve_args, before */
		case 'h': fputs(usage, stdout); return 0;
		case ':':
			return cli__usage_error("serve", "option '%s' needs a value",
						argv[optind - 1]);
		default: return cli__usage_error("serve", "unknown option '%s'", argv[optind - 1]);
		}
	}
	*at = 0;
	if (optind < argc)
		return cli__usage_error("serve", "unexpected argument '%s'", argv[optind]);
	cli__labels_add_host(labels);
	o->labels = labels->l;
	o->nlabels = labels->n;
	if (http__parse_listen(o->listen, host, sizeof(host), &port, 0, err, sizeof(err)))
		return cli__usage_error("serve", "%s", err);
	if (token_file) {
		if (read_token("token file", token_file, token, toklen, err, sizeof(err)))
			return cli__usage_error("serve", "%s", err);
		o->token = token;
	} else if (!insecure && !http__host_is_loopback(host)) {
		return cli__usage_error("serve",
					"refusing to listen on %s without --token-file: it is not a "
					"loopback address (--insecure-listen to do it anyway)",
					o->listen);
	}
	if (!po->target.url) {
		if (push_option)
			return cli__usage_error("serve", "--%s needs --push URL", push_option);
		return -1;
	}
	if (o->window_ns < 1000000000ULL) /* from= and until= are whole seconds */
		return cli__usage_error("serve", "--push needs a --window of 1s or more");
	if (push_token_file && push_basic_file)
		return cli__usage_error("serve",
					"--push-token-file and --push-basic-auth-file exclude each other");
	if (push_token_file) {
		if (read_token("push token file", push_token_file, pa->bearer, sizeof(pa->bearer),
			       err, sizeof(err)))
			return cli__usage_error("serve", "%s", err);
		po->target.bearer = pa->bearer;
	}
	if (push_basic_file) {
		if (read_token("push basic auth file", push_basic_file, pa->basic,
			       sizeof(pa->basic), err, sizeof(err)))
			return cli__usage_error("serve", "%s", err);
		if (!strchr(pa->basic, ':'))
			return cli__usage_error("serve", "push basic auth file %s: not user:password",
						push_basic_file);
		po->target.basic = pa->basic;
	}
	po->rate_hz = o->freq;
	po->data_dir = o->data_dir;
	return -1;
}

/* Keys a config file cannot hold: what chooses the file, and --help. */
static const char *const serve_config_deny[] = {"config", "no-config", "help", NULL};

/*
 * serve's options: the config file's (--config FILE, else the default file
 * when it exists, unless --no-config), then the command line's, parsed as one
 * argument list so that the command line wins and a repeatable option adds to
 * the file's. *cfg and *args hold the strings o points into: free them after
 * the agent. Returns -1 to run, else the exit code.
 */
static int serve_args(int argc, char **argv, struct agent_opts *o, char *token, size_t toklen,
		      struct cli_labels *labels, struct push_args *pa, struct config_file **cfg,
		      char ***args)
{
	char **scan = calloc((size_t)argc + 1, sizeof(*scan)), err[512];
	const char *path = NULL;
	bool none = false, help = false;
	size_t n = 0;
	int c, at = 0, ret = EXIT_USAGE;

	*cfg = NULL;
	*args = NULL;
	if (!scan) {
		fprintf(stderr, "bpfprof serve: %s\n", strerror(ENOMEM));
		ret = 1;
		goto cleanup;
	}
	/* first pass: only where the options come from (getopt permutes a copy) */
	memcpy(scan, argv, (size_t)argc * sizeof(*scan));
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, scan, SERVE_SHORT_OPTIONS, serve_options, NULL)) != -1) {
		if (c == OPT_CONFIG)
			path = optarg;
		else if (c == OPT_NO_CONFIG)
			none = true;
		else if (c == 'h')
			help = true;
	}
	if (path && none) {
		ret = cli__usage_error("serve", "--config and --no-config contradict each other");
		goto cleanup;
	}
	if (!help && !none) {
		const char *file = path ? path : SERVE_DEFAULT_CONFIG;
		int r = config_file__read(file, serve_options, serve_config_deny, cfg, err,
					  sizeof(err));

		if (r && !(r == -ENOENT && !path)) {
			ret = cli__usage_error("serve", "config file %s", err);
			goto cleanup;
		}
	}
	/* second pass: argv[0], the file's options, then the command line's */
	*args = calloc((size_t)argc + 1 + (*cfg ? (*cfg)->n : 0), sizeof(**args));
	if (!*args) {
		fprintf(stderr, "bpfprof serve: %s\n", strerror(ENOMEM));
		ret = 1;
		goto cleanup;
	}
	(*args)[n++] = argv[0];
	for (size_t i = 0; *cfg && i < (*cfg)->n; i++)
		(*args)[n++] = (*cfg)->entries[i].arg;
	for (int i = 1; i < argc; i++)
		(*args)[n++] = argv[i];
	ret = parse_args((int)n, *args, o, token, toklen, labels, pa, &at);
	/* a value of the file refused: say which line (its arguments are
	 * 1 to n of the list) */
	if (ret == EXIT_USAGE && *cfg && at >= 1 && (size_t)at <= (*cfg)->n) {
		const char *arg = (*cfg)->entries[at - 1].arg, *eq = strchr(arg, '=');
		/* values that can hold credentials are not repeated */
		bool secret = eq && (!strncmp(arg, "--push=", 7) || !strncmp(arg, "--push-header=", 14));

		fprintf(stderr, "bpfprof serve: that is %s line %u (%.*s%s)\n", (*cfg)->path,
			(*cfg)->entries[at - 1].line, secret ? (int)(eq - arg + 1) : (int)strlen(arg),
			arg, secret ? "..." : "");
	}
cleanup:
	free(scan);
	return ret;
}

/* What the agent loses without each capability it keeps after start-up. */
static const struct {
	int cap;
	const char *name, *without;
} agent_caps[] = {
	{CAP_SYS_PTRACE, "CAP_SYS_PTRACE",
	 "other users' processes are not symbolized (their /proc/PID/maps is unreadable)"},
	{CAP_DAC_READ_SEARCH, "CAP_DAC_READ_SEARCH",
	 "files only their owner may read are not symbolized"},
	{CAP_CHECKPOINT_RESTORE, "CAP_CHECKPOINT_RESTORE",
	 "deleted binaries and files of other mount namespaces are opened by path only"},
	{CAP_SYSLOG, "CAP_SYSLOG", "kernel frames may show as addresses (/proc/kallsyms)"},
};

/* Name each capability the agent would use but does not have, and what it
 * costs, as record names the ones profiling needs. */
static void warn_missing_caps(void)
{
	for (size_t i = 0; i < sizeof(agent_caps) / sizeof(agent_caps[0]); i++) {
		int cap = agent_caps[i].cap;

		if (cap == CAP_CHECKPOINT_RESTORE && caps__has(CAP_SYS_ADMIN))
			continue;
		if (!caps__has(cap))
			fprintf(stderr, "bpfprof serve: without %s: %s\n", agent_caps[i].name,
				agent_caps[i].without);
	}
}

static void print_kept_caps(uint64_t kept)
{
	static const struct {
		int cap;
		const char *name;
	} names[] = {
		{CAP_SYS_PTRACE, "sys_ptrace"}, {CAP_DAC_READ_SEARCH, "dac_read_search"},
		{CAP_CHECKPOINT_RESTORE, "checkpoint_restore"}, {CAP_SYSLOG, "syslog"},
		{CAP_SYS_ADMIN, "sys_admin"}, {CAP_BPF, "bpf"},
		{CAP_NET_BIND_SERVICE, "net_bind_service"},
	};

	fprintf(stderr, "bpfprof serve: capabilities dropped but");
	for (size_t i = 0, n = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if ((kept >> names[i].cap) & 1 && caps__has(names[i].cap))
			fprintf(stderr, "%s%s", n++ ? "," : " ", names[i].name);
	fprintf(stderr, "; no_new_privs\n");
}

static void log_line(const char *msg)
{
	fprintf(stderr, "bpfprof serve: %s\n", msg);
}

/* The agent with options o (pushing with pa's when it has a URL), until
 * *stop. The exit code. */
static int serve_run(struct agent_opts o, struct push_args *pa, volatile sig_atomic_t *stop)
{
	struct agent *a = NULL;
	struct store_stats st;
	uint64_t kept = 0, ignored;
	char err[256] = "";
	int ret;

	if (cli__check_profiling_caps())
		return EXIT_USAGE;
	if (pa->o.target.url && push_client__global_init()) {
		fprintf(stderr, "bpfprof serve: libcurl failed to initialise\n");
		return 1;
	}
	o.log = log_line;
	warn_missing_caps();
	ret = agent__new(&o, &a, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "bpfprof serve: %s\n", err);
		return 1;
	}
	ret = agent__limit_privileges(a, &kept);
	if (ret) {
		fprintf(stderr, "bpfprof serve: cannot drop capabilities: %s\n", strerror(-ret));
		agent__free(a);
		return 1;
	}
	if (pa->o.target.url) {
		pa->o.log = log_line;
		ret = agent__start_push(a, &pa->o, err, sizeof(err));
		if (ret) {
			fprintf(stderr, "bpfprof serve: %s\n", err);
			agent__free(a);
			return 1;
		}
	}
	ret = agent__listen(a, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "bpfprof serve: %s\n", err);
		agent__free(a);
		return 1;
	}
	print_kept_caps(kept);
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
	if (pa->o.target.url) {
		static const char *const groups[] = {"service", "container", "exe", "comm"};

		fprintf(stderr,
			"bpfprof serve: pushing to %s/ingest, one series per %s, queue up to %llu "
			"bytes\n",
			pa->o.target.url, groups[pa->o.group],
			(unsigned long long)pa->o.queue_bytes);
	}
	fprintf(stderr, "bpfprof serve: open http://%s/\n", o.listen);
	while (!*stop)
		agent__step(a);
	fprintf(stderr, "bpfprof serve: stopped; %llu windows written\n",
		(unsigned long long)agent__stop(a));
	agent__free(a);
	return 0;
}

int serve__main(int argc, char **argv, volatile sig_atomic_t *stop)
{
	struct agent_opts o = {0};
	char token[MAX_TOKEN + 1] = ""; /* o.token points here while the agent runs */
	struct cli_labels labels = {0}; /* o.labels points here */
	char **args = NULL;
	struct config_file *cfg = NULL; /* o points into cfg and args */
	struct push_args *pa = calloc(1, sizeof(*pa)); /* --push's secrets and headers */
	int ret;

	if (!pa) {
		fprintf(stderr, "bpfprof serve: %s\n", strerror(ENOMEM));
		return 1;
	}
	ret = serve_args(argc, argv, &o, token, sizeof(token), &labels, pa, &cfg, &args);
	if (ret >= 0)
		goto cleanup;
	ret = serve_run(o, pa, stop);
cleanup:
	config_file__free(cfg);
	free(args);
	explicit_bzero(pa, sizeof(*pa)); /* the push credentials */
	free(pa);
	return ret;
}
