// SPDX-License-Identifier: MIT
#include "agent/push_client.h"
#include "common/bytebuf.h"
#include "common/errbuf.h"
#include "common/version.h"

#include <curl/curl.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Bytes of a server's answer kept for an error message. */
#define ANSWER_KEEP 160

struct push_client {
	CURL *curl;
	struct curl_slist *headers;
	char *base; /* url without a trailing '/' */
	const bool *stop;
	char answer[ANSWER_KEEP + 1];
	size_t answer_len;
};

int push_client__global_init(void)
{
	return curl_global_init(CURL_GLOBAL_DEFAULT) ? -EIO : 0;
}

int push_client__check_url(const char *url, char *err, size_t errlen)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *query = NULL, *frag = NULL, *user = NULL;
	int ret = -EINVAL;

	if (!u) {
		errbuf__set(err, errlen, "push URL: %s", strerror(ENOMEM));
		return -ENOMEM;
	}
	if (curl_url_set(u, CURLUPART_URL, url, 0) ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0)) {
		errbuf__set(err, errlen, "push URL '%s' is not a URL (http(s)://HOST[:PORT])", url);
		goto cleanup;
	}
	if (strcmp(scheme, "http") && strcmp(scheme, "https")) {
		errbuf__set(err, errlen, "push URL: scheme %s is not http or https", scheme);
		goto cleanup;
	}
	if (!curl_url_get(u, CURLUPART_USER, &user, 0)) { /* the URL is printed and logged */
		errbuf__set(err, errlen,
			    "push URL: credentials go in --push-basic-auth-file, not in the URL");
		goto cleanup;
	}
	if (!curl_url_get(u, CURLUPART_QUERY, &query, 0) ||
	    !curl_url_get(u, CURLUPART_FRAGMENT, &frag, 0)) {
		errbuf__set(err, errlen,
			    "push URL: give the server without a query or fragment (/ingest?... "
			    "is added)");
		goto cleanup;
	}
	ret = 0;
cleanup:
	curl_free(scheme);
	curl_free(host);
	curl_free(query);
	curl_free(frag);
	curl_free(user);
	curl_url_cleanup(u);
	return ret;
}

static size_t on_answer(char *data, size_t size, size_t n, void *ctx)
{
	struct push_client *c = ctx;
	size_t len = size * n;

	for (size_t i = 0; i < len && c->answer_len < ANSWER_KEEP; i++) {
		unsigned char ch = (unsigned char)data[i];

		/* the server is not trusted: only printable bytes reach a log */
		c->answer[c->answer_len++] = ch >= ' ' && ch < 0x7f ? (char)ch : ' ';
	}
	return len; /* the rest is read and dropped */
}

static int on_progress(void *ctx, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
		       curl_off_t ulnow)
{
	const struct push_client *c = ctx;

	(void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
	return __atomic_load_n(c->stop, __ATOMIC_RELAXED);
}

int push_client__new(const struct push_target *t, const bool *stop, struct push_client **out,
		     char *err, size_t errlen)
{
	struct push_client *c = calloc(1, sizeof(*c));
	size_t len;
	int ret = -ENOMEM;

	*out = NULL;
	if (!c || !(c->base = strdup(t->url)) || !(c->curl = curl_easy_init()))
		goto fail;
	len = strlen(c->base);
	while (len && c->base[len - 1] == '/')
		c->base[--len] = '\0';
	c->stop = stop;
	/* no "Expect: 100-continue": a round trip per request for nothing */
	if (!(c->headers = curl_slist_append(NULL, "Expect:")))
		goto fail;
	for (size_t i = 0; i < t->nheaders; i++) {
		struct curl_slist *l = curl_slist_append(c->headers, t->headers[i]);

		if (!l)
			goto fail;
		c->headers = l;
	}
	if (t->bearer) {
		struct bytebuf h = {0};
		struct curl_slist *l;

		bytebuf__puts(&h, "Authorization: Bearer ");
		bytebuf__puts(&h, t->bearer);
		bytebuf__put(&h, "", 1);
		l = h.err ? NULL : curl_slist_append(c->headers, (char *)h.data);
		if (h.data)
			memset(h.data, 0, h.len); /* a secret: not left in freed memory */
		bytebuf__release(&h);
		if (!l)
			goto fail;
		c->headers = l;
	}
	if (t->basic && (curl_easy_setopt(c->curl, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC) ||
			 curl_easy_setopt(c->curl, CURLOPT_USERPWD, t->basic)))
		goto fail;
	/* a peer that is not trusted: no redirects, http(s) only, bounded time */
	if (curl_easy_setopt(c->curl, CURLOPT_PROTOCOLS_STR, "http,https") ||
	    curl_easy_setopt(c->curl, CURLOPT_FOLLOWLOCATION, 0L) ||
	    curl_easy_setopt(c->curl, CURLOPT_NOSIGNAL, 1L) ||
	    curl_easy_setopt(c->curl, CURLOPT_CONNECTTIMEOUT_MS, (long)t->connect_timeout_ms) ||
	    curl_easy_setopt(c->curl, CURLOPT_TIMEOUT_MS, (long)t->timeout_ms) ||
	    curl_easy_setopt(c->curl, CURLOPT_USERAGENT, "bpfprof/" BPFPROF_VERSION) ||
	    curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, c->headers) ||
	    curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, on_answer) ||
	    curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, c) ||
	    curl_easy_setopt(c->curl, CURLOPT_NOPROGRESS, 0L) ||
	    curl_easy_setopt(c->curl, CURLOPT_XFERINFOFUNCTION, on_progress) ||
	    curl_easy_setopt(c->curl, CURLOPT_XFERINFODATA, c)) {
		ret = -EINVAL;
		goto fail;
	}
	*out = c;
	return 0;
fail:
	errbuf__set(err, errlen, "push client: %s", ret == -ENOMEM ? strerror(ENOMEM)
								     : "libcurl refused an option");
	push_client__free(c);
	return ret;
}

void push_client__free(struct push_client *c)
{
	if (!c)
		return;
	if (c->curl)
		curl_easy_cleanup(c->curl);
	curl_slist_free_all(c->headers);
	free(c->base);
	free(c);
}

/* BASE/ingest?... in out. 0 or -ENOMEM. */
static int ingest_url(struct push_client *c, const char *name, uint64_t from_s, uint64_t until_s,
		      uint64_t rate_hz, struct bytebuf *out)
{
	char *esc = curl_easy_escape(c->curl, name, 0);
	char tail[160];

	if (!esc)
		return -ENOMEM;
	snprintf(tail, sizeof(tail),
		 "&from=%" PRIu64 "&until=%" PRIu64 "&format=pprof&sampleRate=%" PRIu64
		 "&spyName=bpfprof",
		 from_s, until_s, rate_hz);
	bytebuf__puts(out, c->base);
	bytebuf__puts(out, "/ingest?name=");
	bytebuf__puts(out, esc);
	bytebuf__puts(out, tail);
	bytebuf__put(out, "", 1);
	curl_free(esc);
	return out->err;
}

int push_client__send(struct push_client *c, const char *name, uint64_t from_s, uint64_t until_s,
		      uint64_t rate_hz, const void *body, size_t len, char *err, size_t errlen)
{
	struct bytebuf url = {0};
	curl_mime *form = NULL;
	curl_mimepart *part;
	CURLcode cc;
	long status = 0;
	int ret = -ENOMEM;

	c->answer_len = 0;
	if (ingest_url(c, name, from_s, until_s, rate_hz, &url))
		goto cleanup;
	form = curl_mime_init(c->curl);
	part = form ? curl_mime_addpart(form) : NULL;
	if (!part || curl_mime_name(part, "profile") ||
	    curl_mime_filename(part, "profile.pprof") ||
	    curl_mime_type(part, "application/octet-stream") ||
	    curl_mime_data(part, body, len))
		goto cleanup;
	if (curl_easy_setopt(c->curl, CURLOPT_URL, (char *)url.data) ||
	    curl_easy_setopt(c->curl, CURLOPT_MIMEPOST, form))
		goto cleanup;
	cc = curl_easy_perform(c->curl);
	if (cc == CURLE_ABORTED_BY_CALLBACK) {
		ret = -ECANCELED;
		errbuf__set(err, errlen, "stopped");
		goto cleanup;
	}
	if (cc != CURLE_OK) {
		ret = -EAGAIN;
		errbuf__set(err, errlen, "%s", curl_easy_strerror(cc));
		goto cleanup;
	}
	curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status);
	c->answer[c->answer_len] = '\0';
	if (status >= 200 && status < 300)
		ret = 0;
	else if (status == 400 || status == 413 || status == 415 || status == 422)
		ret = -EBADMSG;
	else
		ret = -EAGAIN;
	if (ret)
		errbuf__set(err, errlen, "HTTP %ld%s%s", status, c->answer_len ? ": " : "",
			    c->answer);
cleanup:
	if (ret == -ENOMEM)
		errbuf__set(err, errlen, "push: %s", strerror(ENOMEM));
	/* the form goes with this request only */
	curl_easy_setopt(c->curl, CURLOPT_MIMEPOST, NULL);
	curl_mime_free(form);
	bytebuf__release(&url);
	return ret;
}
