/* SPDX-License-Identifier: MIT */
/*
 * http_server.h - a small HTTP/1.1 server, one request per connection.
 *
 * One event-loop thread accepts connections and reads their request heads
 * without blocking (at most HTTP_MAX_PENDING at once, each with a deadline of
 * HTTP_HEAD_DEADLINE_MS for the whole head: a client that trickles bytes gets
 * 408). A complete head waits in a queue for one of HTTP_MAX_CONNECTIONS
 * worker threads; HTTP_RESERVED_CHEAP of them only take the cheap paths the
 * caller names (liveness and metrics stay answerable when slow requests hold
 * the rest). A head that waits longer than HTTP_QUEUE_WAIT_MS gets a clean
 * 503 with Retry-After: every answer is sent after the request was read, so
 * a client never sees a reset. A worker is free again as soon as its answer
 * is sent. Enough for an agent's UI and scrapers; nothing more.
 */
#ifndef BPFPROF_HTTP_SERVER_H
#define BPFPROF_HTTP_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "agent/http_parse.h"

#define HTTP_MAX_CONNECTIONS 32  /* worker threads: requests answered at once */
#define HTTP_RESERVED_CHEAP 4    /* of them, kept for the cheap paths */
#define HTTP_MAX_PENDING 256     /* connections reading their head or queued */
#define HTTP_HEAD_DEADLINE_MS 10000
#define HTTP_QUEUE_WAIT_MS 3000
#define HTTP_SEND_TIMEOUT_S 10   /* per send of an answer */

/* A handler sets this status when the client went away: nothing is sent. */
#define HTTP_STATUS_CLIENT_GONE 499

struct http_response {
	int status;
	const char *content_type;
	const char *extra_headers; /* "Name: value\r\n..." or NULL */
	char *body;                /* freed by the server when free_body */
	size_t len;
	int free_body;
};

/* Handle one request; runs on a worker thread, may block (see
 * http__client_wait). */
typedef void (*http_handler_fn)(void *ctx, const struct http_request *req,
				struct http_response *resp);

struct http_server_opts {
	const char *listen; /* "HOST:PORT" (http__parse_listen) */
	http_handler_fn fn;
	void *ctx;
	const char *const *cheap_paths; /* NULL-terminated; may use the reserved workers */
};

/* What the server refused or dropped, since the start. */
struct http_server_stats {
	uint64_t requests;      /* answered by the handler */
	uint64_t busy;          /* 503: no worker free within HTTP_QUEUE_WAIT_MS */
	uint64_t head_timeouts; /* 408: head not complete within the deadline */
	uint64_t bad_requests;  /* 400, 405, 413: malformed, other methods, too large */
	uint64_t unauthorized;  /* 401 from the handler */
	uint64_t client_gone;   /* the client left before its answer */
	uint64_t pending_full;  /* times HTTP_MAX_PENDING connections were open (new
				 * ones waited in the kernel's backlog) */
};

struct http_server;

/* Listen and serve in background threads. 0 or -errno with err. */
int http_server__start(const struct http_server_opts *opts, struct http_server **out, char *err,
		       size_t errlen);

/* The port actually bound (useful with port 0). */
int http_server__port(const struct http_server *s);

void http_server__stats(struct http_server *s, struct http_server_stats *st);

/* Stop accepting and wait (a bounded time) for running requests to finish. */
void http_server__stop(struct http_server *s);

/* Split "HOST:PORT", "[V6]:PORT" or ":PORT" (all addresses). host gets "" for
 * all; the port must be 0-65535 (1-65535 unless allow_zero). 0 or -EINVAL
 * with err. */
int http__parse_listen(const char *listen, char *host, size_t hostlen, int *port, int allow_zero,
		       char *err, size_t errlen);

/* 1 when host (from http__parse_listen) can only be reached from this
 * machine: "localhost", 127.0.0.0/8, ::1 (v4-mapped 127/8 too). */
int http__host_is_loopback(const char *host);

/* Wait up to timeout_ms while the client of req stays connected. Returns 1
 * as soon as it went away (closed or reset its end), 0 after the timeout.
 * Bytes it sends meanwhile are read and dropped. */
int http__client_wait(const struct http_request *req, int timeout_ms);

/* Set a response to a one-line text/plain message. */
void http__text(struct http_response *r, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
