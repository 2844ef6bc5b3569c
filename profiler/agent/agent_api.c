// SPDX-License-Identifier: MIT
/*
 * agent_api.c - the agent's HTTP endpoints. Runs on HTTP threads: touches
 * only the store (thread-safe) and what the main loop publishes (agent.h).
 */
#include "agent/agent.h"
#include "agent/agent_api.h"
#include "agent/metrics.h"
#include "common/clock.h"
#include "common/parse.h"
#include "common/version.h"
#include "common/hmap.h"
#include "format/output.h"
#include "format/folded.h"
#include "format/json_profile.h"
#include "format/web_assets.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>


#define MAX_TIMELINE_POINTS 5000
/* Go's net/http/pprof refuses seconds beyond the server's write timeout; a
 * profile request holds a worker for its whole length */
#define MAX_PPROF_SECONDS 300
#define CLIENT_CHECK_MS 250 /* how often a waiting pprof request checks its client */
#define MAX_MAIN_LOOP_WAIT_MS 30000 /* for the drain that ends a profile */

/* Parse "now", "-15m" (relative to now) or Unix milliseconds. */
static int parse_time(const char *s, uint64_t now, uint64_t *out)
{
	uint64_t v;

	if (!strcmp(s, "now")) {
		*out = now;
		return 0;
	}
	if (s[0] == '-') {
		if (parse__duration(s + 1, &v))
			return -EINVAL;
		v /= 1000000;
		*out = v > now ? 0 : now - v;
		return 0;
	}
	return parse__u64(s, 0, UINT64_MAX / 2, out);
}

/* from/to of a request; defaults to the last 15 minutes. 0 or -EINVAL with
 * the 400 response already set. */
static int get_range(const struct http_request *req, struct http_response *resp, uint64_t *from,
		     uint64_t *to)
{
	char v[64];
	uint64_t now = clock__real_ms();
	int r;

	*to = now;
	r = http__query_get(req->query, "to", v, sizeof(v));
	if (r < 0 || (r > 0 && parse_time(v, now, to))) {
		http__text(resp, 400, "bad 'to': want Unix milliseconds, -15m or now\n");
		return -EINVAL;
	}
	*from = *to > 15 * 60 * 1000 ? *to - 15 * 60 * 1000 : 0;
	r = http__query_get(req->query, "from", v, sizeof(v));
	if (r < 0 || (r > 0 && parse_time(v, now, from))) {
		http__text(resp, 400, "bad 'from': want Unix milliseconds, -15m or now\n");
		return -EINVAL;
	}
	if (*from >= *to) {
		http__text(resp, 400, "empty range: 'from' must be before 'to'\n");
		return -EINVAL;
	}
	return 0;
}

/* label.KEY=VALUE filters of a request, at most this many */
#define MAX_LABEL_FILTERS 16

struct label_filters {
	struct profile_label l[MAX_LABEL_FILTERS];
	char keys[MAX_LABEL_FILTERS][64];
	char values[MAX_LABEL_FILTERS][HTTP_MAX_TARGET];
};

/* Every label.KEY=VALUE of the query into lf (KEY of [a-zA-Z0-9_], at most
 * 63 bytes; VALUE percent-decoded; a KEY given twice counts once). Returns
 * how many, or -1 with the 400 response set. */
static int get_label_filters(const char *query, struct label_filters *lf,
			     struct http_response *resp)
{
	int n = 0;

	for (const char *p = query; p && *p;) {
		size_t len = strcspn(p, "&"), klen = strcspn(p, "&=");
		char name[6 + 64];
		bool dup = false;

		if (klen > 6 && !strncmp(p, "label.", 6)) {
			const char *k = p + 6;

			klen -= 6;
			if (klen >= sizeof(lf->keys[0]) || strspn(k, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJ"
								    "KLMNOPQRSTUVWXYZ0123456789_") < klen) {
				http__text(resp, 400, "bad label filter: want label.KEY=VALUE, KEY of "
						      "letters, digits and _\n");
				return -1;
			}
			snprintf(name, sizeof(name), "label.%.*s", (int)klen, k);
			for (int i = 0; i < n; i++)
				dup |= !strcmp(lf->keys[i], name + 6);
			if (!dup && n == MAX_LABEL_FILTERS) {
				http__text(resp, 400, "at most %d label filters\n", MAX_LABEL_FILTERS);
				return -1;
			}
			if (!dup) {
				snprintf(lf->keys[n], sizeof(lf->keys[n]), "%s", name + 6);
				if (http__query_get(query, name, lf->values[n], sizeof(lf->values[n])) < 0) {
					http__text(resp, 400, "bad '%s'\n", name);
					return -1;
				}
				lf->l[n] = (struct profile_label){lf->keys[n], lf->values[n]};
				n++;
			}
		}
		p += len;
		if (*p == '&')
			p++;
	}
	return n;
}

/* pid=, comm=, cgroup=, label.KEY= into f, strings into the caller's
 * buffers. */
static int get_filter(const struct http_request *req, struct http_response *resp,
		      struct window_filter *f, char *comm, size_t clen, char *cg, size_t cglen,
		      struct label_filters *lf)
{
	char v[32];
	uint64_t pid;
	int r;

	memset(f, 0, sizeof(*f));
	r = get_label_filters(req->query, lf, resp);
	if (r < 0)
		return -EINVAL;
	f->labels = lf->l;
	f->nlabels = (size_t)r;
	r = http__query_get(req->query, "pid", v, sizeof(v));
	if (r < 0 || (r > 0 && parse__u64(v, 1, UINT32_MAX, &pid))) {
		http__text(resp, 400, "bad 'pid': want a process id\n");
		return -EINVAL;
	}
	if (r > 0)
		f->pid = (uint32_t)pid;
	r = http__query_get(req->query, "comm", comm, clen);
	if (r < 0) {
		http__text(resp, 400, "bad 'comm'\n");
		return -EINVAL;
	}
	if (r > 0)
		f->comm = comm;
	r = http__query_get(req->query, "cgroup", cg, cglen);
	if (r < 0) {
		http__text(resp, 400, "bad 'cgroup'\n");
		return -EINVAL;
	}
	if (r > 0)
		f->cgroup = cg;
	return 0;
}

/* Take the memstream's buffer as the response body. */
static void set_body(struct http_response *resp, int status, const char *ctype, char *buf,
		     size_t len)
{
	if (resp->free_body)
		free(resp->body);
	resp->status = status;
	resp->content_type = ctype;
	resp->body = buf;
	resp->len = len;
	resp->free_body = 1;
}

static void handle_profile(struct agent *a, const struct http_request *req,
			   struct http_response *resp)
{
	struct output_opts oo = {0};
	struct window_filter flt;
	struct label_filters *lf = malloc(sizeof(*lf));
	struct profile *p = NULL;
	char fmt[16] = "json", comm[64], cg[1024];
	uint64_t from, to;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	int ret;

	if (!lf) {
		http__text(resp, 500, "out of memory\n");
		return;
	}
	if (get_range(req, resp, &from, &to) ||
	    get_filter(req, resp, &flt, comm, sizeof(comm), cg, sizeof(cg), lf))
		goto out;
	if (http__query_get(req->query, "format", fmt, sizeof(fmt)) < 0 ||
	    output__parse_format(fmt, &oo.format)) {
		http__text(resp, 400, "bad 'format': want json, folded, pprof or html\n");
		goto out;
	}
	p = profile__new();
	if (!p) {
		http__text(resp, 500, "out of memory\n");
		goto out;
	}
	ret = store__query(agent__store(a), from, to, false, &flt, p);
	if (ret < 0) {
		http__text(resp, 500, "read history: %s\n", strerror(-ret));
		goto out;
	}
	f = open_memstream(&buf, &len);
	if (!f) {
		http__text(resp, 500, "out of memory\n");
		goto out;
	}
	ret = output__write_file(p, &oo, f);
	fclose(f);
	if (ret == -ENOTSUP) {
		free(buf);
		http__text(resp, 501, "format '%s' is not built into this binary\n", fmt);
		goto out;
	}
	if (ret) {
		free(buf);
		http__text(resp, 500, "write profile: %s\n", strerror(-ret));
		goto out;
	}
	if (!strcmp(fmt, "pprof")) {
		set_body(resp, 200, "application/octet-stream", buf, len);
		resp->extra_headers = "Content-Disposition: attachment; filename=\"profile.pb.gz\"\r\n";
	} else if (!strcmp(fmt, "folded")) {
		set_body(resp, 200, "text/plain; charset=utf-8", buf, len);
	} else if (!strcmp(fmt, "html")) {
		set_body(resp, 200, "text/html; charset=utf-8", buf, len);
	} else {
		set_body(resp, 200, "application/json", buf, len);
	}
out:
	free(lf);
	profile__free(p);
}

static void handle_timeline(struct agent *a, const struct http_request *req,
			    struct http_response *resp)
{
	uint64_t from, to, step = 0, *counts = NULL;
	char v[32], *buf = NULL;
	size_t n, len = 0;
	FILE *f;
	int r;

	if (get_range(req, resp, &from, &to))
		return;
	r = http__query_get(req->query, "step", v, sizeof(v));
	if (r < 0 || (r > 0 && parse__u64(v, 1, UINT64_MAX / 2, &step))) {
		http__text(resp, 400, "bad 'step': want milliseconds\n");
		return;
	}
	if (!step) /* about 200 points, never finer than a second */
		step = (to - from) / 200 > 1000 ? (to - from) / 200 : 1000;
	n = (size_t)((to - from + step - 1) / step);
	if (n > MAX_TIMELINE_POINTS) {
		http__text(resp, 400, "too many points: %zu (at most %d; raise 'step')\n", n,
			   MAX_TIMELINE_POINTS);
		return;
	}
	counts = calloc(n ? n : 1, sizeof(*counts));
	f = counts ? open_memstream(&buf, &len) : NULL;
	if (!f) {
		free(counts);
		http__text(resp, 500, "out of memory\n");
		return;
	}
	store__timeline(agent__store(a), from, step, n, counts);
	fprintf(f, "{\"from\":%" PRIu64 ",\"to\":%" PRIu64 ",\"step\":%" PRIu64 ",\"points\":[",
		from, to, step);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s[%" PRIu64 ",%" PRIu64 "]", i ? "," : "", from + i * step, counts[i]);
	fprintf(f, "]}\n");
	fclose(f);
	free(counts);
	set_body(resp, 200, "application/json", buf, len);
}

struct proc_row {
	uint32_t pid;
	const char *comm, *cgroup; /* interned in the profile; cgroup may be NULL */
	const struct profile_labels *labels; /* NULL when none */
	uint64_t samples;
};

static int row_cmp(const void *x, const void *y)
{
	const struct proc_row *a = x, *b = y;

	if (a->samples != b->samples)
		return (a->samples < b->samples) - (a->samples > b->samples);
	return (a->pid > b->pid) - (a->pid < b->pid);
}

static void handle_processes(struct agent *a, const struct http_request *req,
			     struct http_response *resp)
{
	struct profile *p = profile__new();
	struct hmap *idx = hmap__new();
	struct proc_row *rows = NULL;
	uint64_t from, to, limit = 50, total = 0;
	size_t nrows = 0, len = 0;
	char v[32], *buf = NULL;
	FILE *f;
	int r;

	if (!p || !idx) {
		http__text(resp, 500, "out of memory\n");
		goto out;
	}
	if (get_range(req, resp, &from, &to))
		goto out;
	r = http__query_get(req->query, "limit", v, sizeof(v));
	if (r < 0 || (r > 0 && parse__u64(v, 1, 100000, &limit))) {
		http__text(resp, 400, "bad 'limit'\n");
		goto out;
	}
	if (store__query(agent__store(a), from, to, false, NULL, p) < 0) {
		http__text(resp, 500, "read history failed\n");
		goto out;
	}
	rows = calloc(profile__sample_count(p) + 1, sizeof(*rows));
	if (!rows) {
		http__text(resp, 500, "out of memory\n");
		goto out;
	}
	for (size_t i = 0; i < profile__sample_count(p); i++) {
		const struct profile_sample *s = profile__sample(p, i);
		/* strings are interned: equal names, equal pointers */
		uint64_t key[4] = {s->pid, (uint64_t)(uintptr_t)s->comm,
				   (uint64_t)(uintptr_t)s->cgroup, (uint64_t)(uintptr_t)s->labels},
			 at;

		total += s->count;
		if (hmap__get(idx, key, sizeof(key), &at)) {
			rows[at].samples += s->count;
			continue;
		}
		if (hmap__put(idx, key, sizeof(key), nrows, NULL, NULL) < 0)
			break;
		rows[nrows++] = (struct proc_row){s->pid, s->comm, s->cgroup, s->labels, s->count};
	}
	qsort(rows, nrows, sizeof(*rows), row_cmp);
	f = open_memstream(&buf, &len);
	if (!f) {
		http__text(resp, 500, "out of memory\n");
		goto out;
	}
	fprintf(f, "{\"total\":%" PRIu64 ",\"processes\":[", total);
	for (size_t i = 0; i < nrows && i < limit; i++) {
		fprintf(f, "%s{\"pid\":%u,\"comm\":", i ? "," : "", rows[i].pid);
		json_profile__string(rows[i].comm, f);
		if (rows[i].cgroup) {
			fprintf(f, ",\"cgroup\":");
			json_profile__string(rows[i].cgroup, f);
		}
		/* each label as a field; a history file's key that would shadow a
		 * field of the row is left out */
		for (size_t k = 0; rows[i].labels && k < rows[i].labels->n; k++) {
			const struct profile_label *l = &rows[i].labels->l[k];

			if (!strcmp(l->key, "pid") || !strcmp(l->key, "comm") ||
			    !strcmp(l->key, "cgroup") || !strcmp(l->key, "samples"))
				continue;
			fputc(',', f);
			json_profile__string(l->key, f);
			fputc(':', f);
			json_profile__string(l->value, f);
		}
		fprintf(f, ",\"samples\":%" PRIu64 "}", rows[i].samples);
	}
	fprintf(f, "]}\n");
	fclose(f);
	set_body(resp, 200, "application/json", buf, len);
out:
	free(rows);
	hmap__free(idx);
	profile__free(p);
}

static void handle_info(struct agent *a, struct http_response *resp)
{
	struct store_stats st;
	uint64_t ignored = 0;
	char host[256] = "", *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f) {
		http__text(resp, 500, "out of memory\n");
		return;
	}
	gethostname(host, sizeof(host) - 1);
	store__stats(agent__store(a), &st);
	for (int i = 0; i < STORE_IGNORE_NR; i++)
		ignored += st.ignored[i];
	fprintf(f, "{\"version\":\"%s\",\"hostname\":", BPFPROF_VERSION);
	json_profile__string(host, f);
	fprintf(f,
		",\"freq\":%" PRIu64 ",\"window_ms\":%" PRIu64 ",\"oldest\":%" PRIu64
		",\"newest\":%" PRIu64 ",\"windows\":%zu,\"ignored_files\":%" PRIu64 "}\n",
		agent__opts(a)->freq, agent__opts(a)->window_ns / 1000000, st.oldest_ms, st.newest_ms,
		st.windows, ignored);
	fclose(f);
	set_body(resp, 200, "application/json", buf, len);
}

/* Go's net/http/pprof: profile for N seconds from now, answer gzip pprof.
 * The samples come from a tap (agent.h): no window is closed for it. */
static void handle_pprof(struct agent *a, const struct http_request *req,
			 struct http_response *resp)
{
	struct output_opts oo = {.format = OUTPUT_PPROF};
	uint64_t seconds = 30, end;
	struct agent_tap *tap;
	struct profile *p = NULL;
	char v[32], *buf = NULL;
	bool stopped = false, gone = false;
	size_t len = 0;
	FILE *f;
	int r = http__query_get(req->query, "seconds", v, sizeof(v));

	if (r < 0 || (r > 0 && parse__u64(v, 1, MAX_PPROF_SECONDS, &seconds))) {
		http__text(resp, 400, "bad 'seconds': want 1 to %d (the longest profile served)\n",
			   MAX_PPROF_SECONDS);
		return;
	}
	tap = agent__tap_start(a);
	if (!tap) {
		http__text(resp, 503, "the agent is stopping\n");
		return;
	}
	/* seconds of profile, then the drain that ends it: the client is watched
	 * all along (bounded: CLIENT_CHECK_MS turns) */
	end = clock__mono_ns() + seconds * 1000000000ULL;
	for (uint64_t now = clock__mono_ns(); now < end && !agent__stopping(a);
	     now = clock__mono_ns()) {
		uint64_t left_ms = (end - now + 999999) / 1000000;

		gone = http__client_wait(req, left_ms < CLIENT_CHECK_MS ? (int)left_ms
								      : CLIENT_CHECK_MS);
		if (gone)
			break;
	}
	if (!gone)
		agent__tap_end(a, tap);
	for (int waited = 0; !gone && !agent__tap_wait(a, tap, CLIENT_CHECK_MS);
	     waited += CLIENT_CHECK_MS) {
		gone = http__client_wait(req, 0);
		if (!gone && waited >= MAX_MAIN_LOOP_WAIT_MS) {
			agent__tap_cancel(a, tap);
			http__text(resp, 503, "the agent's main loop did not answer in %d s\n",
				   MAX_MAIN_LOOP_WAIT_MS / 1000);
			return;
		}
	}
	if (gone) { /* nobody to answer: give the worker back now */
		agent__tap_cancel(a, tap);
		resp->status = HTTP_STATUS_CLIENT_GONE;
		return;
	}
	p = agent__tap_take(a, tap, &stopped);
	if (stopped || (p && !profile__meta(p)->duration_ns)) {
		http__text(resp, 503, "%s\n",
			   stopped ? "the agent is stopping"
				   : "the agent's main loop did not start the profile in time");
		goto out;
	}
	if (!p || !(f = open_memstream(&buf, &len))) {
		http__text(resp, 500, "collect profile failed: out of memory\n");
		goto out;
	}
	r = output__write_file(p, &oo, f);
	fclose(f);
	if (r) {
		free(buf);
		http__text(resp, r == -ENOTSUP ? 501 : 500, "write pprof: %s\n", strerror(-r));
		goto out;
	}
	set_body(resp, 200, "application/octet-stream", buf, len);
	resp->extra_headers = "Content-Disposition: attachment; filename=\"profile\"\r\n";
out:
	profile__free(p);
}

static void handle_metrics(struct agent *a, struct http_response *resp)
{
	struct agent_snapshot s;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int r;

	if (!f) {
		http__text(resp, 500, "out of memory\n");
		return;
	}
	agent__snapshot(a, &s);
	r = metrics__write(f, &s);
	if (fclose(f) || r) {
		free(buf);
		http__text(resp, 500, "write metrics failed\n");
		return;
	}
	set_body(resp, 200, "text/plain; version=0.0.4; charset=utf-8", buf, len);
}

static const char fallback_page[] =
	"<!doctype html><meta charset=utf-8><title>bpfprof</title>"
	"<h1>bpfprof agent</h1><ul>"
	"<li><a href=\"/api/profile?format=folded\">/api/profile?format=folded</a> (last 15 min)"
	"<li><a href=\"/api/timeline\">/api/timeline</a>"
	"<li><a href=\"/api/processes\">/api/processes</a>"
	"<li><a href=\"/metrics\">/metrics</a>"
	"<li>/debug/pprof/profile?seconds=30</ul>\n";

static const char *content_type(const char *name)
{
	const char *dot = strrchr(name, '.');

	if (dot && !strcmp(dot, ".html"))
		return "text/html; charset=utf-8";
	if (dot && !strcmp(dot, ".js"))
		return "text/javascript; charset=utf-8";
	if (dot && !strcmp(dot, ".css"))
		return "text/css; charset=utf-8";
	return "application/octet-stream";
}

/* An embedded web/ file, served from the binary's own memory. */
static int serve_asset(const char *name, struct http_response *resp)
{
	const struct web_asset *a = web_assets__find(name);

	if (!a)
		return -ENOENT;
	resp->status = 200;
	resp->content_type = content_type(name);
	resp->body = (char *)a->data;
	resp->len = a->len;
	resp->free_body = 0;
	return 0;
}

const char *const agent_api__cheap_paths[] = {"/healthz", "/metrics", NULL};

/* "Bearer TOKEN" (the scheme is case-insensitive, RFC 7235) against the
 * token, in a time that depends on the token's length only. */
static bool bearer_ok(const char *token, const char *authorization)
{
	const char *got = authorization;
	size_t want_len = strlen(token), got_len;
	unsigned char diff;

	if (strncasecmp(got, "Bearer ", 7))
		return false;
	got += 7;
	while (*got == ' ')
		got++;
	got_len = strlen(got);
	diff = want_len != got_len;
	for (size_t i = 0; i < want_len; i++)
		diff |= (unsigned char)token[i] ^ (unsigned char)(i < got_len ? got[i] : 0);
	return diff == 0;
}

/* Without a token, a loopback agent answers only requests addressed to a
 * loopback name: a web page of another site that a browser on this machine
 * opened can point its own name at 127.0.0.1 (DNS rebinding) and would
 * otherwise read every process's stacks. A request without Host (HTTP/1.0
 * tools) is no browser's. */
static bool host_allowed(const struct agent *a, const struct http_request *req)
{
	char host[256];
	int port;

	if (agent__opts(a)->token || !req->host[0] || http__host_header_is_loopback(req->host))
		return true;
	/* a non-loopback listen without a token was asked for (--insecure-listen) */
	return http__parse_listen(agent__opts(a)->listen, host, sizeof(host), &port, 1, NULL, 0) ||
	       !http__host_is_loopback(host);
}

void agent_api__handle(void *ctx, const struct http_request *req, struct http_response *resp)
{
	struct agent *a = ctx;
	const char *path = req->path;
	const char *token = agent__opts(a)->token;

	if (!host_allowed(a, req)) {
		http__text(resp, 403,
			   "this agent answers only requests to localhost, 127.0.0.1 or [::1] "
			   "(the Host header), or with --token-file any\n");
		return;
	}
	if (token && strcmp(path, "/healthz") && !bearer_ok(token, req->authorization)) {
		http__text(resp, 401, "%s\n",
			   req->authorization[0] ? "wrong token"
						 : "this agent wants 'Authorization: Bearer TOKEN'");
		resp->extra_headers = "WWW-Authenticate: Bearer realm=\"bpfprof\"\r\n";
		return;
	}
	if (!strcmp(path, "/healthz")) {
		http__text(resp, 200, "ok\n");
	} else if (!strcmp(path, "/metrics")) {
		handle_metrics(a, resp);
	} else if (!strcmp(path, "/api/profile")) {
		handle_profile(a, req, resp);
	} else if (!strcmp(path, "/api/timeline")) {
		handle_timeline(a, req, resp);
	} else if (!strcmp(path, "/api/processes")) {
		handle_processes(a, req, resp);
	} else if (!strcmp(path, "/api/info")) {
		handle_info(a, resp);
	} else if (!strcmp(path, "/debug/pprof/profile")) {
		handle_pprof(a, req, resp);
	} else if (!strcmp(path, "/")) {
		if (serve_asset("agent.html", resp)) { /* a build without the UI page */
			resp->status = 200;
			resp->content_type = "text/html; charset=utf-8";
			resp->body = (char *)fallback_page;
			resp->len = sizeof(fallback_page) - 1;
		}
	} else if (!strncmp(path, "/ui/", 4) && !strchr(path + 4, '/')) {
		if (serve_asset(path + 4, resp))
			http__text(resp, 404, "not found: %s\n", path);
	} else {
		http__text(resp, 404, "not found: %s\n", path);
	}
}
