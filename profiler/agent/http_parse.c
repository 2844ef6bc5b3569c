// SPDX-License-Identifier: MIT
#include "agent/http_parse.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Percent-decode src[0..n) into out; '+' is a space only in queries. */
static int decode(const char *src, size_t n, char *out, size_t outlen, int plus_is_space)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		char c = src[i];

		if (c == '%') {
			int hi, lo;

			if (i + 2 >= n)
				return -1;
			hi = hexval(src[i + 1]);
			lo = hexval(src[i + 2]);
			if (hi < 0 || lo < 0)
				return -1;
			c = (char)(hi << 4 | lo);
			i += 2;
		} else if (c == '+' && plus_is_space) {
			c = ' ';
		}
		if (c == '\0' || o + 1 >= outlen)
			return -1;
		out[o++] = c;
	}
	out[o] = '\0';
	return 0;
}

int http__parse_request(const char *buf, size_t len, struct http_request *req)
{
	const char *end, *p, *sp1, *sp2, *target, *q, *eol;
	size_t head_len, mlen, tlen;

	memset(req, 0, sizeof(*req));
	req->client_fd = -1;
	end = NULL;
	for (size_t i = 0; i + 3 < len && i < HTTP_MAX_HEAD; i++) {
		if (buf[i] == '\r' && buf[i + 1] == '\n' && buf[i + 2] == '\r' && buf[i + 3] == '\n') {
			end = buf + i + 4;
			break;
		}
	}
	if (!end)
		return len >= HTTP_MAX_HEAD ? -1 : -2;
	head_len = (size_t)(end - buf);

	/* request line: METHOD SP TARGET SP HTTP/1.x CRLF */
	eol = memchr(buf, '\r', head_len);
	if (eol[1] != '\n') /* a bare CR: found before the head's end, so eol[1] exists */
		return -1;
	sp1 = memchr(buf, ' ', (size_t)(eol - buf));
	if (!sp1)
		return -1;
	mlen = (size_t)(sp1 - buf);
	if (mlen == 0 || mlen >= sizeof(req->method))
		return -1;
	for (size_t i = 0; i < mlen; i++)
		if (!isupper((unsigned char)buf[i]))
			return -1;
	memcpy(req->method, buf, mlen);
	target = sp1 + 1;
	sp2 = memchr(target, ' ', (size_t)(eol - target));
	if (!sp2 || sp2 == target || *target != '/')
		return -1;
	if ((size_t)(eol - sp2 - 1) != 8 || memcmp(sp2 + 1, "HTTP/1.", 7) ||
	    (sp2[8] != '0' && sp2[8] != '1'))
		return -1;
	req->minor_version = sp2[8] - '0';
	tlen = (size_t)(sp2 - target);
	if (tlen >= HTTP_MAX_TARGET)
		return -1;
	for (size_t i = 0; i < tlen; i++)
		if ((unsigned char)target[i] <= 0x20 || (unsigned char)target[i] >= 0x7f)
			return -1;
	q = memchr(target, '?', tlen);
	if (decode(target, q ? (size_t)(q - target) : tlen, req->path, sizeof(req->path), 0))
		return -1;
	if (q) {
		memcpy(req->query, q + 1, tlen - (size_t)(q - target) - 1);
		req->query[tlen - (size_t)(q - target) - 1] = '\0';
	}

	/* headers: NAME ":" VALUE CRLF; only Authorization and Host are kept,
	 * all must be sane */
	for (p = eol + 2; p < end - 2;) {
		const char *colon, *v, *ve;
		char *keep = NULL;
		size_t keep_len = 0;

		eol = memchr(p, '\r', (size_t)(end - p));
		if (!eol || eol[1] != '\n')
			return -1;
		colon = memchr(p, ':', (size_t)(eol - p));
		if (!colon || colon == p)
			return -1;
		for (const char *c = p; c < colon; c++)
			if (!isgraph((unsigned char)*c))
				return -1;
		if (++req->nheaders > HTTP_MAX_HEADERS)
			return -1;
		if ((size_t)(colon - p) == 13 && !strncasecmp(p, "Authorization", 13)) {
			keep = req->authorization;
			keep_len = sizeof(req->authorization);
		} else if ((size_t)(colon - p) == 4 && !strncasecmp(p, "Host", 4)) {
			keep = req->host;
			keep_len = sizeof(req->host);
		}
		if (keep) {
			for (v = colon + 1; v < eol && (*v == ' ' || *v == '\t'); v++)
				;
			for (ve = eol; ve > v && (ve[-1] == ' ' || ve[-1] == '\t'); ve--)
				;
			/* two of them, an empty or an oversized one: refuse, never guess */
			if (keep[0] || ve == v || (size_t)(ve - v) >= keep_len)
				return -1;
			memcpy(keep, v, (size_t)(ve - v));
			keep[ve - v] = '\0';
		}
		p = eol + 2;
	}
	return (int)head_len;
}

int http__host_header_is_loopback(const char *host)
{
	char name[HTTP_MAX_HOST];
	const char *end;
	struct in6_addr a6;
	struct in_addr a4;

	if (host[0] == '[') { /* [v6] or [v6]:port */
		end = strchr(host, ']');
		if (!end || (end[1] && end[1] != ':'))
			return 0;
		host++;
	} else {
		end = strchr(host, ':');
		end = end ? end : host + strlen(host);
	}
	if ((size_t)(end - host) >= sizeof(name))
		return 0;
	memcpy(name, host, (size_t)(end - host));
	name[end - host] = '\0';
	if (!strcasecmp(name, "localhost"))
		return 1;
	if (inet_pton(AF_INET, name, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	return inet_pton(AF_INET6, name, &a6) == 1 && IN6_IS_ADDR_LOOPBACK(&a6);
}

int http__query_get(const char *query, const char *name, char *out, size_t outlen)
{
	size_t nlen = strlen(name);
	const char *p = query;

	while (p && *p) {
		const char *amp = strchr(p, '&'), *eq;
		size_t len = amp ? (size_t)(amp - p) : strlen(p);

		eq = memchr(p, '=', len);
		if ((eq ? (size_t)(eq - p) : len) == nlen && !memcmp(p, name, nlen)) {
			if (!eq) {
				if (outlen)
					out[0] = '\0';
				return 1;
			}
			return decode(eq + 1, len - nlen - 1, out, outlen, 1) ? -1 : 1;
		}
		p = amp ? amp + 1 : NULL;
	}
	return 0;
}
