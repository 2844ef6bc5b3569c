// SPDX-License-Identifier: MIT
/* test_http.c - the agent's HTTP request-head parser, query getter and
 * listen-address checks: what a hostile client or a typo can send. */
#include "agent/http_parse.h"
#include "agent/http_server.h"
#include "harness.h"

#include <stdlib.h>
#include <string.h>

static struct test_state T = {.suite = "http"};

static int parse(const char *s, struct http_request *r)
{
	return http__parse_request(s, strlen(s), r);
}

static void test_parses_a_head(struct test_state *t)
{
	struct http_request r;
	const char *s = "GET /api/pro%66ile?from=-15m&format=folded HTTP/1.1\r\n"
			"Host: x\r\nauthorization:   Bearer  abc \t\r\n\r\nBODY";

	ASSERT_EQ(t, parse(s, &r), (int)(strstr(s, "BODY") - s));
	ASSERT_STREQ(t, r.method, "GET");
	ASSERT_STREQ(t, r.path, "/api/profile");
	ASSERT_STREQ(t, r.query, "from=-15m&format=folded");
	ASSERT_STREQ(t, r.authorization, "Bearer  abc");
	ASSERT_STREQ(t, r.host, "x");
	ASSERT_EQ(t, r.minor_version, 1);
	ASSERT_EQ(t, r.nheaders, 2);
	ASSERT_EQ(t, r.client_fd, -1);
cleanup:;
}

static void test_needs_more_then_refuses(struct test_state *t)
{
	struct http_request r;
	char *big = malloc(HTTP_MAX_HEAD + 16);

	ASSERT_TRUE(t, big != NULL);
	ASSERT_EQ(t, parse("", &r), -2);
	ASSERT_EQ(t, parse("GET / HTTP/1.1\r\nHost: x\r\n", &r), -2);
	ASSERT_EQ(t, parse("GET / HTTP/1.1\r\n\r", &r), -2);
	/* a head that never ends is refused at the bound, not read forever */
	memset(big, 'a', HTTP_MAX_HEAD + 15);
	memcpy(big, "GET / HTTP/1.1\r\nX: ", 19);
	big[HTTP_MAX_HEAD + 15] = '\0';
	ASSERT_EQ(t, parse(big, &r), -1);
cleanup:
	free(big);
}

static void test_refuses_malformed(struct test_state *t)
{
	static const char *const bad[] = {
	    "\r\n\r\n",
	    "GET\r\n\r\n",
	    "get / HTTP/1.1\r\n\r\n",			 /* methods are upper case */
	    "GETTOOLONG / HTTP/1.1\r\n\r\n",		 /* longer than method[] */
	    "GET x HTTP/1.1\r\n\r\n",			 /* origin form only */
	    "GET / HTTP/2.0\r\n\r\n",
	    "GET / HTTP/1.1 \r\n\r\n",
	    "GET /a b HTTP/1.1\r\n\r\n",
	    "GET /%zz HTTP/1.1\r\n\r\n",		 /* bad escape */
	    "GET /%00 HTTP/1.1\r\n\r\n",		 /* NUL in the path */
	    "GET /%4 HTTP/1.1\r\n\r\n",			 /* cut escape */
	    "GET /\x7f HTTP/1.1\r\n\r\n",
	    "GET / HTTP/1.1\rX\r\n\r\n",		 /* bare CR */
	    "GET / HTTP/1.1\r\nNoColon\r\n\r\n",
	    "GET / HTTP/1.1\r\n: empty name\r\n\r\n",
	    "GET / HTTP/1.1\r\n folded: x\r\n\r\n",	 /* obs-fold */
	    "GET / HTTP/1.1\r\nA: b\rc\r\n\r\n",	 /* bare CR in a header */
	    "GET / HTTP/1.1\r\nAuthorization: a\r\nAuthorization: b\r\n\r\n", /* two */
	    "GET / HTTP/1.1\r\nAuthorization:   \r\n\r\n", /* empty */
	    "GET / HTTP/1.1\r\nHost: a\r\nhost: 127.0.0.1\r\n\r\n", /* two */
	};
	struct http_request r;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse(bad[i], &r) != -1)
			printf("  accepted: %s\n", bad[i]);
		ASSERT_EQ(t, parse(bad[i], &r), -1);
	}
cleanup:;
}

static void test_bounds(struct test_state *t)
{
	struct http_request r;
	char *s = malloc(HTTP_MAX_HEAD);
	size_t n;

	ASSERT_TRUE(t, s != NULL);
	/* a target of HTTP_MAX_TARGET - 1 bytes fits, one more does not */
	for (int extra = 0; extra < 2; extra++) {
		n = (size_t)snprintf(s, HTTP_MAX_HEAD, "GET /");
		memset(s + n, 'a', HTTP_MAX_TARGET - 2 + extra);
		n += HTTP_MAX_TARGET - 2 + extra;
		strcpy(s + n, " HTTP/1.1\r\n\r\n");
		ASSERT_EQ(t, parse(s, &r) > 0, !extra);
	}
	/* HTTP_MAX_HEADERS headers, then one more */
	for (int extra = 0; extra < 2; extra++) {
		n = (size_t)snprintf(s, HTTP_MAX_HEAD, "GET / HTTP/1.0\r\n");
		for (int i = 0; i < HTTP_MAX_HEADERS + extra; i++)
			n += (size_t)snprintf(s + n, HTTP_MAX_HEAD - n, "H%d: v\r\n", i);
		strcpy(s + n, "\r\n");
		ASSERT_EQ(t, parse(s, &r) > 0, !extra);
	}
	/* an Authorization value of HTTP_MAX_AUTH - 1 bytes, then one more */
	for (int extra = 0; extra < 2; extra++) {
		n = (size_t)snprintf(s, HTTP_MAX_HEAD, "GET / HTTP/1.1\r\nAuthorization: ");
		memset(s + n, 't', HTTP_MAX_AUTH - 1 + extra);
		n += HTTP_MAX_AUTH - 1 + extra;
		strcpy(s + n, "\r\n\r\n");
		ASSERT_EQ(t, parse(s, &r) > 0, !extra);
	}
cleanup:
	free(s);
}

static void test_query_get(struct test_state *t)
{
	char out[8];

	ASSERT_EQ(t, http__query_get("a=1&seconds=30&b", "seconds", out, sizeof(out)), 1);
	ASSERT_STREQ(t, out, "30");
	ASSERT_EQ(t, http__query_get("a=1&b", "b", out, sizeof(out)), 1);
	ASSERT_STREQ(t, out, "");
	ASSERT_EQ(t, http__query_get("ab=1", "a", out, sizeof(out)), 0);
	ASSERT_EQ(t, http__query_get("", "a", out, sizeof(out)), 0);
	ASSERT_EQ(t, http__query_get("&&a=x+y%21", "a", out, sizeof(out)), 1);
	ASSERT_STREQ(t, out, "x y!");
	ASSERT_EQ(t, http__query_get("a=1234567", "a", out, sizeof(out)), 1);
	ASSERT_EQ(t, http__query_get("a=12345678", "a", out, sizeof(out)), -1); /* too long */
	ASSERT_EQ(t, http__query_get("a=%0", "a", out, sizeof(out)), -1);
	ASSERT_EQ(t, http__query_get("a=%00", "a", out, sizeof(out)), -1);
	ASSERT_EQ(t, http__query_get("a=1&a=2", "a", out, sizeof(out)), 1); /* the first */
	ASSERT_STREQ(t, out, "1");
cleanup:;
}

static void test_listen(struct test_state *t)
{
	char host[64], err[128];
	int port = -1;

	ASSERT_EQ(t, http__parse_listen("127.0.0.1:7070", host, sizeof(host), &port, 0, err, sizeof(err)), 0);
	ASSERT_STREQ(t, host, "127.0.0.1");
	ASSERT_EQ(t, port, 7070);
	ASSERT_EQ(t, http__parse_listen("[::1]:1", host, sizeof(host), &port, 0, err, sizeof(err)), 0);
	ASSERT_STREQ(t, host, "::1");
	ASSERT_EQ(t, http__parse_listen(":65535", host, sizeof(host), &port, 0, err, sizeof(err)), 0);
	ASSERT_STREQ(t, host, "");
	ASSERT_EQ(t, http__parse_listen("127.0.0.1:99999", host, sizeof(host), &port, 0, err, sizeof(err)), -22);
	ASSERT_TRUE(t, strstr(err, "1-65535") != NULL);
	ASSERT_EQ(t, http__parse_listen("127.0.0.1:0", host, sizeof(host), &port, 0, err, sizeof(err)), -22);
	ASSERT_EQ(t, http__parse_listen("127.0.0.1:0", host, sizeof(host), &port, 1, err, sizeof(err)), 0);
	ASSERT_EQ(t, http__parse_listen("127.0.0.1:-1", host, sizeof(host), &port, 0, err, sizeof(err)), -22);
	ASSERT_EQ(t, http__parse_listen("127.0.0.1:", host, sizeof(host), &port, 0, err, sizeof(err)), -22);
	ASSERT_EQ(t, http__parse_listen("127.0.0.1", host, sizeof(host), &port, 0, err, sizeof(err)), -22);
	ASSERT_EQ(t, http__parse_listen("::1:80", host, sizeof(host), &port, 0, err, sizeof(err)), -22);
	ASSERT_EQ(t, http__parse_listen("[::1:80", host, sizeof(host), &port, 0, err, sizeof(err)), -22);

	ASSERT_EQ(t, http__host_is_loopback("127.0.0.1"), 1);
	ASSERT_EQ(t, http__host_is_loopback("127.255.0.9"), 1);
	ASSERT_EQ(t, http__host_is_loopback("localhost"), 1);
	ASSERT_EQ(t, http__host_is_loopback("::1"), 1);
	ASSERT_EQ(t, http__host_is_loopback("::ffff:127.0.0.1"), 1);
	ASSERT_EQ(t, http__host_is_loopback(""), 0); /* all addresses */
	ASSERT_EQ(t, http__host_is_loopback("0.0.0.0"), 0);
	ASSERT_EQ(t, http__host_is_loopback("::"), 0);
	ASSERT_EQ(t, http__host_is_loopback("128.0.0.1"), 0);
	ASSERT_EQ(t, http__host_is_loopback("localhost.example.com"), 0);
	ASSERT_EQ(t, http__host_is_loopback("10.0.0.1"), 0);
cleanup:;
}

/* The names a loopback agent answers to without a token (DNS rebinding). */
static void test_host_loopback(struct test_state *t)
{
	static const char *const yes[] = {"localhost", "LOCALHOST:7070", "127.0.0.1",
					  "127.0.0.1:7070", "127.1.2.3:80", "[::1]", "[::1]:7070"};
	static const char *const no[] = {"evil.example", "evil.example:7070", "localhost.evil.example",
					 "127.0.0.1.evil.example", "10.0.0.1:7070", "[::2]:7070",
					 "[::1", "[::1]x", "::1", ""};

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		ASSERT_EQ(t, http__host_header_is_loopback(yes[i]), 1);
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		if (http__host_header_is_loopback(no[i]))
			printf("  accepted: %s\n", no[i]);
		ASSERT_EQ(t, http__host_header_is_loopback(no[i]), 0);
	}
cleanup:;
}

int main(void)
{
	RUN_TEST(&T, test_parses_a_head);
	RUN_TEST(&T, test_needs_more_then_refuses);
	RUN_TEST(&T, test_refuses_malformed);
	RUN_TEST(&T, test_bounds);
	RUN_TEST(&T, test_query_get);
	RUN_TEST(&T, test_listen);
	RUN_TEST(&T, test_host_loopback);
	return test__finish(&T);
}
