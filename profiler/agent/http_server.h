/* SPDX-License-Identifier: MIT */
/*
 * http_server.h - a small HTTP/1.1 server: one accept thread, one thread per
 * connection (bounded), one request per connection, bounded request heads,
 * read timeouts. Enough for an agent's UI and scrapers; nothing more.
 */
#ifndef BPFPROF_HTTP_SERVER_H
#define BPFPROF_HTTP_SERVER_H

#include <stddef.h>

#include "agent/http_parse.h"

#define HTTP_MAX_CONNECTIONS 32

struct http_response {
	int status;
	const char *content_type;
	const char *extra_headers; /* "Name: value\r\n..." or NULL */
	char *body;                /* freed by the server when free_body */
	size_t len;
	int free_body;
};

/* Handle one request; runs on the connection's thread, may block. */
typedef void (*http_handler_fn)(void *ctx, const struct http_request *req,
				struct http_response *resp);

struct http_server;

/* Listen on "HOST:PORT" ("127.0.0.1:7070", "[::1]:7070", ":7070" for all)
 * and serve in background threads. 0 or -errno with err. */
int http_server__start(const char *listen, http_handler_fn fn, void *ctx,
		       struct http_server **out, char *err, size_t errlen);

/* The port actually bound (useful with port 0). */
int http_server__port(const struct http_server *s);

/* Stop accepting and wait for running requests to finish. */
void http_server__stop(struct http_server *s);

/* Set a response to a one-line text/plain message. */
void http__text(struct http_response *r, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
