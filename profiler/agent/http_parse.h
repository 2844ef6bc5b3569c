/* SPDX-License-Identifier: MIT */
/*
 * http_parse.h - a bounded HTTP/1.x request-head parser that owns no memory
 * beyond the caller's struct, in the shape of picohttpparser.
 */
#ifndef BPFPROF_HTTP_PARSE_H
#define BPFPROF_HTTP_PARSE_H

#include <stddef.h>

#define HTTP_MAX_HEAD 8192   /* request line + headers */
#define HTTP_MAX_HEADERS 64
#define HTTP_MAX_TARGET 2048
#define HTTP_MAX_AUTH 1024   /* an Authorization value, NUL included */
#define HTTP_MAX_HOST 256    /* a Host value, NUL included */

struct http_request {
	char method[8];
	char path[HTTP_MAX_TARGET];  /* percent-decoded path, no query */
	char query[HTTP_MAX_TARGET]; /* raw query string after '?', "" if none */
	char authorization[HTTP_MAX_AUTH]; /* its value, trimmed; "" if none */
	char host[HTTP_MAX_HOST];          /* the Host header's, trimmed; "" if none */
	int minor_version;
	size_t nheaders;
	int client_fd; /* set by the server (http_server.h), -1 when none */
};

/* Parse the head in buf[0..len). Returns the bytes of the head (> 0), -2 when
 * more input is needed, -1 for a malformed or oversized request (a second
 * Authorization or Host header, or one longer than its buffer, included). */
int http__parse_request(const char *buf, size_t len, struct http_request *req);

/* 1 when a Host header value names this machine's loopback ("localhost",
 * 127.x.x.x or [::1], with or without a port). */
int http__host_header_is_loopback(const char *host);

/* Value of query parameter name, percent-decoded into out. Returns 1 when
 * found, 0 when absent, -1 when malformed or longer than outlen - 1. */
int http__query_get(const char *query, const char *name, char *out, size_t outlen);

#endif
