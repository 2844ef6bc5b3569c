// SPDX-License-Identifier: MIT
#include "common/errbuf.h"
#include "agent/http_server.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define READ_TIMEOUT_S 10

struct http_server {
	int fd;
	int port;
	int stop_pipe[2];
	pthread_t accept_thread;
	http_handler_fn fn;
	void *ctx;
	pthread_mutex_t lock;
	pthread_cond_t idle;
	int active; /* connection threads running */
	int stopping;
};

struct conn {
	struct http_server *s;
	int fd;
};

void http__text(struct http_response *r, int status, const char *fmt, ...)
{
	va_list ap;
	char *body = NULL;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&body, fmt, ap);
	va_end(ap);
	if (r->free_body)
		free(r->body);
	r->status = status;
	r->content_type = "text/plain; charset=utf-8";
	r->body = n < 0 ? NULL : body;
	r->len = n < 0 ? 0 : (size_t)n;
	r->free_body = 1;
}

static const char *reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 413: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 503: return "Service Unavailable";
	default: return "Unknown";
	}
}

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static void respond(int fd, const struct http_response *r, int head_only)
{
	char head[1024];
	int n = snprintf(head, sizeof(head),
			 "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
			 "Connection: close\r\nCache-Control: no-store\r\n%s\r\n",
			 r->status, reason(r->status),
			 r->content_type ? r->content_type : "text/plain", r->len,
			 r->extra_headers ? r->extra_headers : "");

	if (n < 0 || (size_t)n >= sizeof(head))
		return;
	if (write_all(fd, head, (size_t)n) == 0 && !head_only && r->len)
		write_all(fd, r->body, r->len);
}

static void *conn_main(void *arg)
{
	struct conn *c = arg;
	struct http_server *s = c->s;
	struct http_request req;
	struct http_response resp = {0};
	char buf[HTTP_MAX_HEAD];
	size_t len = 0;
	int parsed = -2;

	while (parsed == -2 && len < sizeof(buf)) {
		ssize_t n = recv(c->fd, buf + len, sizeof(buf) - len, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
				http__text(&resp, 408, "request not received in %d s\n",
					   READ_TIMEOUT_S);
				respond(c->fd, &resp, 0);
			}
			goto out;
		}
		len += (size_t)n;
		parsed = http__parse_request(buf, len, &req);
	}
	if (parsed == -2 || parsed == -1) {
		if (len >= sizeof(buf))
			http__text(&resp, 413, "request head larger than %d bytes\n", HTTP_MAX_HEAD);
		else
			http__text(&resp, 400, "malformed HTTP request\n");
		respond(c->fd, &resp, 0);
		goto out;
	}
	if (strcmp(req.method, "GET") && strcmp(req.method, "HEAD")) {
		http__text(&resp, 405, "only GET and HEAD are served\n");
		resp.extra_headers = "Allow: GET, HEAD\r\n";
		respond(c->fd, &resp, 0);
		goto out;
	}
	s->fn(s->ctx, &req, &resp);
	respond(c->fd, &resp, !strcmp(req.method, "HEAD"));
out:
	if (resp.free_body)
		free(resp.body);
	shutdown(c->fd, SHUT_WR);
	close(c->fd);
	free(c);
	pthread_mutex_lock(&s->lock);
	if (--s->active == 0)
		pthread_cond_broadcast(&s->idle);
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

static void *accept_main(void *arg)
{
	struct http_server *s = arg;
	struct pollfd pfd[2] = {{.fd = s->fd, .events = POLLIN}, {.fd = s->stop_pipe[0], .events = POLLIN}};

	for (;;) {
		struct timeval tv = {.tv_sec = READ_TIMEOUT_S};
		pthread_attr_t attr;
		pthread_t th;
		struct conn *c;
		int fd;

		if (poll(pfd, 2, -1) < 0 && errno != EINTR)
			break;
		if (pfd[1].revents)
			break;
		if (!(pfd[0].revents & POLLIN))
			continue;
		fd = accept4(s->fd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		pthread_mutex_lock(&s->lock);
		if (s->active >= HTTP_MAX_CONNECTIONS) {
			pthread_mutex_unlock(&s->lock);
			static const char busy[] = "HTTP/1.1 503 Service Unavailable\r\n"
						   "Content-Length: 5\r\nConnection: close\r\n\r\nbusy\n";
			write_all(fd, busy, sizeof(busy) - 1);
			close(fd);
			continue;
		}
		s->active++;
		pthread_mutex_unlock(&s->lock);
		c = malloc(sizeof(*c));
		if (c) {
			c->s = s;
			c->fd = fd;
			pthread_attr_init(&attr);
			pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
			pthread_attr_setstacksize(&attr, 256 * 1024);
			if (pthread_create(&th, &attr, conn_main, c) == 0) {
				pthread_attr_destroy(&attr);
				continue;
			}
			pthread_attr_destroy(&attr);
			free(c);
		}
		close(fd);
		pthread_mutex_lock(&s->lock);
		if (--s->active == 0)
			pthread_cond_broadcast(&s->idle);
		pthread_mutex_unlock(&s->lock);
	}
	return NULL;
}

static int split_listen(const char *listen, char *host, size_t hlen, char *port, size_t plen)
{
	const char *colon;

	if (listen[0] == '[') { /* [v6]:port */
		const char *rb = strchr(listen, ']');

		if (!rb || rb[1] != ':' || (size_t)(rb - listen - 1) >= hlen)
			return -EINVAL;
		memcpy(host, listen + 1, (size_t)(rb - listen - 1));
		host[rb - listen - 1] = '\0';
		colon = rb + 1;
	} else {
		colon = strrchr(listen, ':');
		if (!colon || (size_t)(colon - listen) >= hlen)
			return -EINVAL;
		memcpy(host, listen, (size_t)(colon - listen));
		host[colon - listen] = '\0';
	}
	if (!colon[1] || strlen(colon + 1) >= plen || strspn(colon + 1, "0123456789") != strlen(colon + 1))
		return -EINVAL;
	strcpy(port, colon + 1);
	return 0;
}

int http_server__start(const char *listen_addr, http_handler_fn fn, void *ctx,
		       struct http_server **out, char *err, size_t errlen)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE}, *ai = NULL;
	struct http_server *s;
	char host[256], port[16];
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	int one = 1, ret;

	*out = NULL;
	if (split_listen(listen_addr, host, sizeof(host), port, sizeof(port))) {
		errbuf__set(err, errlen, "bad listen address '%s' (want HOST:PORT)", listen_addr);
		return -EINVAL;
	}
	ret = getaddrinfo(host[0] ? host : NULL, port, &hints, &ai);
	if (ret) {
		errbuf__set(err, errlen, "resolve %s: %s", listen_addr, gai_strerror(ret));
		return -EINVAL;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		freeaddrinfo(ai);
		return -ENOMEM;
	}
	s->fn = fn;
	s->ctx = ctx;
	s->stop_pipe[0] = s->stop_pipe[1] = -1;
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->idle, NULL);
	s->fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s->fd < 0 || setsockopt(s->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(s->fd, ai->ai_addr, ai->ai_addrlen) || listen(s->fd, 64) ||
	    getsockname(s->fd, (struct sockaddr *)&ss, &sl) || pipe2(s->stop_pipe, O_CLOEXEC)) {
		ret = -errno;
		errbuf__set(err, errlen, "listen on %s: %s", listen_addr, strerror(-ret));
		goto fail;
	}
	s->port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
						 : ((struct sockaddr_in *)&ss)->sin_port);
	ret = -pthread_create(&s->accept_thread, NULL, accept_main, s);
	if (ret) {
		errbuf__set(err, errlen, "start server thread: %s", strerror(-ret));
		goto fail;
	}
	freeaddrinfo(ai);
	*out = s;
	return 0;
fail:
	freeaddrinfo(ai);
	if (s->fd >= 0)
		close(s->fd);
	if (s->stop_pipe[0] >= 0) {
		close(s->stop_pipe[0]);
		close(s->stop_pipe[1]);
	}
	free(s);
	return ret;
}

int http_server__port(const struct http_server *s)
{
	return s->port;
}

void http_server__stop(struct http_server *s)
{
	struct timespec deadline;

	if (!s)
		return;
	if (write(s->stop_pipe[1], "x", 1) < 0) {
		/* the accept thread also ends when the pipe closes below */
	}
	pthread_join(s->accept_thread, NULL);
	close(s->fd);
	/* give running requests a moment; they own nothing of ours but s */
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += READ_TIMEOUT_S + 2;
	pthread_mutex_lock(&s->lock);
	while (s->active > 0)
		if (pthread_cond_timedwait(&s->idle, &s->lock, &deadline))
			break;
	pthread_mutex_unlock(&s->lock);
	close(s->stop_pipe[0]);
	close(s->stop_pipe[1]);
	if (s->active == 0) {
		pthread_cond_destroy(&s->idle);
		pthread_mutex_destroy(&s->lock);
		free(s);
	} /* else: a stuck request still holds s; leak it rather than crash */
}
