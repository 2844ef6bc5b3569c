// SPDX-License-Identifier: MIT
/*
 * fuzz_http.c - libFuzzer target for the agent's HTTP request-head parser
 * (http__parse_request) and its query getter (http__query_get): what any
 * client that reaches the port controls. Beyond "no crash, no overread":
 * a parsed head's strings are terminated and within their buffers, a head
 * that parses does so again as a prefix of a longer buffer, and the query
 * values fit the caller's buffer.
 */
#include "agent/http_parse.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

static void check_terminated(const char *s, size_t cap)
{
	if (!memchr(s, '\0', cap))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static const char *const names[] = {"seconds", "from", "to", "format", "pid", "", "a"};
	struct http_request req, again;
	char *buf, out[64];
	int n;

	/* an exact-size copy: ASan sees any read past the input */
	buf = malloc(len ? len : 1);
	if (!buf)
		return 0;
	memcpy(buf, data, len);
	n = http__parse_request(buf, len, &req);
	if (n == 0 || n < -2 || (n > 0 && (size_t)n > len))
		abort();
	if (n > 0) {
		check_terminated(req.method, sizeof(req.method));
		check_terminated(req.path, sizeof(req.path));
		check_terminated(req.query, sizeof(req.query));
		check_terminated(req.authorization, sizeof(req.authorization));
		if (req.path[0] != '/' || req.nheaders > HTTP_MAX_HEADERS || req.client_fd != -1)
			abort();
		/* the head alone parses the same */
		if (http__parse_request(buf, (size_t)n, &again) != n ||
		    strcmp(again.path, req.path) || strcmp(again.query, req.query) ||
		    strcmp(again.authorization, req.authorization))
			abort();
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			int r = http__query_get(req.query, names[i], out, sizeof(out));

			if (r < -1 || r > 1 || (r == 1 && !memchr(out, '\0', sizeof(out))))
				abort();
		}
	}
	/* the query getter on raw input too (terminated, bounded by the input) */
	if (len < 4096) {
		char *q = malloc(len + 1);

		if (q) {
			memcpy(q, data, len);
			q[len] = '\0';
			for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
				if (http__query_get(q, names[i], out, sizeof(out)) > 1)
					abort();
			free(q);
		}
	}
	free(buf);
	return 0;
}
