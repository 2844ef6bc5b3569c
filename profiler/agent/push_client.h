/* SPDX-License-Identifier: MIT */
/*
 * push_client.h - one HTTP(S) client of a Pyroscope-compatible store, on
 * libcurl: POST BASE/ingest?name=&from=&until=&format=pprof&sampleRate=
 * &spyName=bpfprof with the profile as the multipart/form-data field
 * "profile" (file name profile.pprof), as Pyroscope's own clients send it.
 *
 * One request at a time per client (the caller's thread); connections are
 * kept between requests. The server is not trusted: no redirects are
 * followed, only http and https are spoken, its answer's body is read but
 * not kept beyond a bound, and every request has a connect and a total
 * timeout. Credentials never appear in an error message.
 */
#ifndef BPFPROF_PUSH_CLIENT_H
#define BPFPROF_PUSH_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct push_target {
	const char *url;	    /* the server, http(s)://HOST[:PORT][/PREFIX] */
	const char *bearer;	    /* "Authorization: Bearer" token, or NULL */
	const char *basic;	    /* "user:password" for basic auth, or NULL */
	const char *const *headers; /* "Name: value" lines sent as they are */
	size_t nheaders;
	uint64_t connect_timeout_ms, timeout_ms;
};

/* libcurl's own set-up, once, before any other thread starts. 0 or -EIO. */
int push_client__global_init(void);

/* Is url one --push takes: http or https, a host, no query or fragment?
 * 0 or -EINVAL with the reason in err. */
int push_client__check_url(const char *url, char *err, size_t errlen);

struct push_client;

/* *stop (read at least every second during a request) aborts a request
 * when it becomes true. 0 or -errno with err. */
int push_client__new(const struct push_target *t, const bool *stop, struct push_client **out,
		     char *err, size_t errlen);
void push_client__free(struct push_client *c);

/* One series' profile (gzip pprof). 0 when the server took it (2xx);
 * -EBADMSG when it refuses that request for good (400, 413, 415, 422: sending
 * it again cannot help); -ECANCELED when *stop ended it; -EAGAIN for
 * anything else (no answer, a timeout, 5xx, 401, 429...). err says why. */
int push_client__send(struct push_client *c, const char *name, uint64_t from_s, uint64_t until_s,
		      uint64_t rate_hz, const void *body, size_t len, char *err, size_t errlen);

#endif
