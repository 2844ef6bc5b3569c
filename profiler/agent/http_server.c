// SPDX-License-Identifier: MIT
/*
 * http_server.c - the event loop (accept, read heads, deadlines, answers
 * that need no handler) and the worker pool (handlers). See http_server.h.
 */
#include "common/clock.h"
#include "common/errbuf.h"
#include "common/parse.h"
#include "agent/http_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define MS 1000000ULL
#define LOOP_TICK_MS 1000 /* the loop wakes at least this often */
#define DRAIN_MAX 65536	  /* bytes read and dropped before closing a socket */

/* A connection between accept and its answer. */
struct conn {
	int fd;
	bool cheap;		/* its path is one of the cheap ones */
	uint64_t deadline_ns;	/* of the head, then of the wait for a worker */
	size_t len;
	struct http_request req;
	char buf[HTTP_MAX_HEAD];
};

struct http_server {
	int fd;
	int port;
	int stop_pipe[2];
	pthread_t loop_thread;
	struct http_server_opts o;

	/* the loop thread's own: connections still reading their head */
	struct conn *reading[HTTP_MAX_PENDING];
	size_t nreading;

	pthread_mutex_t lock;
	pthread_cond_t work; /* a queued request, a free worker, or stopping */
	pthread_cond_t idle; /* a worker ended */
	struct conn *queue[HTTP_MAX_PENDING]; /* heads read, oldest first */
	size_t nqueue;
	int busy, busy_heavy; /* workers running a handler; of them, not cheap */
	int workers;	      /* worker threads alive */
	bool stopping;
	struct http_server_stats stats;
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
	case 401: return "Unauthorized";
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

/* The status line and headers of r into head; its length, or -1. */
static int format_head(char *head, size_t len, const struct http_response *r)
{
	int n = snprintf(head, len,
			 "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
			 "Connection: close\r\nCache-Control: no-store\r\n%s\r\n",
			 r->status, reason(r->status),
			 r->content_type ? r->content_type : "text/plain", r->len,
			 r->extra_headers ? r->extra_headers : "");

	return n < 0 || (size_t)n >= len ? -1 : n;
}

/* Close a connection whose answer is sent: whatever the client still sent is
 * read first (bounded), so that the close is a FIN, not a reset that could
 * destroy the answer in the client's buffer. */
static void finish(int fd)
{
	char sink[4096];

	shutdown(fd, SHUT_WR);
	for (size_t got = 0; got < DRAIN_MAX;) {
		ssize_t n = recv(fd, sink, sizeof(sink), MSG_DONTWAIT);

		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
}

/* An answer from the loop thread, which never blocks: a short message sent
 * at once (a socket's empty send buffer always takes it), then closed. */
static void answer_now(struct conn *c, int status, const char *extra, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void answer_now(struct conn *c, int status, const char *extra, const char *fmt, ...)
{
	struct http_response r = {.status = status,
				  .content_type = "text/plain; charset=utf-8",
				  .extra_headers = extra};
	char msg[512], out[1024 + sizeof(msg)];
	va_list ap;
	int n, m;

	va_start(ap, fmt);
	m = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	r.len = m < 0 ? 0 : (size_t)m < sizeof(msg) ? (size_t)m : sizeof(msg) - 1;
	n = format_head(out, sizeof(out) - sizeof(msg), &r);
	if (n > 0) {
		memcpy(out + n, msg, r.len);
		(void)!send(c->fd, out, (size_t)n + r.len, MSG_NOSIGNAL | MSG_DONTWAIT);
	}
	finish(c->fd);
	free(c);
}

static void respond(int fd, const struct http_response *r, int head_only)
{
	char head[1024];
	int n = format_head(head, sizeof(head), r);

	if (n < 0)
		return;
	if (write_all(fd, head, (size_t)n) == 0 && !head_only && r->len)
		write_all(fd, r->body, r->len);
}

int http__client_wait(const struct http_request *req, int timeout_ms)
{
	uint64_t end = clock__mono_ns() + (uint64_t)timeout_ms * MS;

	if (req->client_fd < 0)
		return 0;
	for (int turns = 0; turns < 1000; turns++) { /* each turn reads or waits */
		struct pollfd p = {.fd = req->client_fd, .events = POLLIN | POLLRDHUP};
		uint64_t now = clock__mono_ns();
		char sink[512];
		ssize_t n;

		n = poll(&p, 1, now >= end ? 0 : (int)((end - now + MS - 1) / MS));
		if (n < 0 && errno != EINTR)
			return 0;
		if (n > 0) {
			if (p.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL))
				return 1;
			n = recv(req->client_fd, sink, sizeof(sink), MSG_DONTWAIT);
			if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
				return 1;
		}
		if (clock__mono_ns() >= end)
			return 0;
	}
	/* a client that keeps sending: let it wait out the rest */
	while (clock__mono_ns() < end) {
		struct timespec ts = {0, 50 * 1000 * 1000};

		nanosleep(&ts, NULL);
	}
	return 0;
}

static bool is_cheap(const struct http_server *s, const char *path)
{
	for (const char *const *p = s->o.cheap_paths; p && *p; p++)
		if (!strcmp(*p, path))
			return true;
	return false;
}

/* The first queued request this worker may take, or -1. */
static int pick(const struct http_server *s)
{
	for (size_t i = 0; i < s->nqueue; i++)
		if (s->queue[i]->cheap ||
		    s->busy_heavy < HTTP_MAX_CONNECTIONS - HTTP_RESERVED_CHEAP)
			return (int)i;
	return -1;
}

static void dequeue(struct http_server *s, size_t i)
{
	memmove(&s->queue[i], &s->queue[i + 1], (s->nqueue - i - 1) * sizeof(s->queue[0]));
	s->nqueue--;
}

static void run(struct http_server *s, struct conn *c)
{
	struct http_response resp = {0};
	struct timeval tv = {.tv_sec = HTTP_SEND_TIMEOUT_S};
	int flags = fcntl(c->fd, F_GETFL);

	if (flags >= 0)
		fcntl(c->fd, F_SETFL, flags & ~O_NONBLOCK);
	setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	c->req.client_fd = c->fd;
	s->o.fn(s->o.ctx, &c->req, &resp);
	if (resp.status != HTTP_STATUS_CLIENT_GONE)
		respond(c->fd, &resp, !strcmp(c->req.method, "HEAD"));
	if (resp.free_body)
		free(resp.body);
	pthread_mutex_lock(&s->lock);
	if (resp.status == HTTP_STATUS_CLIENT_GONE)
		s->stats.client_gone++;
	else if (resp.status == 401)
		s->stats.unauthorized++;
	else
		s->stats.requests++;
	pthread_mutex_unlock(&s->lock);
}

static void *worker_main(void *arg)
{
	struct http_server *s = arg;

	pthread_mutex_lock(&s->lock);
	while (!s->stopping) {
		int i = pick(s);
		struct conn *c;
		bool heavy;

		if (i < 0) {
			pthread_cond_wait(&s->work, &s->lock);
			continue;
		}
		c = s->queue[i];
		dequeue(s, (size_t)i);
		heavy = !c->cheap;
		s->busy++;
		s->busy_heavy += heavy;
		pthread_mutex_unlock(&s->lock);

		run(s, c);

		/* the answer is sent: the worker is free before the socket is closed */
		pthread_mutex_lock(&s->lock);
		s->busy--;
		s->busy_heavy -= heavy;
		pthread_cond_broadcast(&s->work);
		pthread_mutex_unlock(&s->lock);
		finish(c->fd);
		free(c);
		pthread_mutex_lock(&s->lock);
	}
	s->workers--;
	pthread_cond_broadcast(&s->idle);
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

static void count(struct http_server *s, uint64_t *counter)
{
	pthread_mutex_lock(&s->lock);
	(*counter)++;
	pthread_mutex_unlock(&s->lock);
}

/* Read what c's client sent. Returns false when c is done with (answered or
 * closed), true while it still reads its head. */
static bool read_head(struct http_server *s, struct conn *c)
{
	int parsed = -2;

	for (int turns = 0; turns < 64 && c->len < sizeof(c->buf); turns++) {
		ssize_t n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len, MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0) { /* gone before its request was complete */
			close(c->fd);
			free(c);
			return false;
		}
		c->len += (size_t)n;
		parsed = http__parse_request(c->buf, c->len, &c->req);
		if (parsed != -2)
			break;
	}
	if (parsed == -2 && c->len < sizeof(c->buf))
		return true;
	if (parsed < 0) {
		count(s, &s->stats.bad_requests);
		if (c->len >= sizeof(c->buf))
			answer_now(c, 413, NULL, "request head larger than %d bytes\n", HTTP_MAX_HEAD);
		else
			answer_now(c, 400, NULL, "malformed HTTP request\n");
		return false;
	}
	if (strcmp(c->req.method, "GET") && strcmp(c->req.method, "HEAD")) {
		count(s, &s->stats.bad_requests);
		answer_now(c, 405, "Allow: GET, HEAD\r\n", "only GET and HEAD are served\n");
		return false;
	}
	c->cheap = is_cheap(s, c->req.path);
	c->deadline_ns = clock__mono_ns() + HTTP_QUEUE_WAIT_MS * MS;
	pthread_mutex_lock(&s->lock);
	s->queue[s->nqueue++] = c; /* room: reading + queued <= HTTP_MAX_PENDING */
	pthread_cond_broadcast(&s->work);
	pthread_mutex_unlock(&s->lock);
	return false;
}

static void accept_some(struct http_server *s, size_t room)
{
	for (size_t i = 0; i < room; i++) {
		int fd = accept4(s->fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		struct conn *c;

		if (fd < 0)
			return;
		c = malloc(sizeof(*c));
		if (!c) {
			close(fd);
			continue;
		}
		c->fd = fd;
		c->len = 0;
		c->cheap = false;
		c->deadline_ns = clock__mono_ns() + HTTP_HEAD_DEADLINE_MS * MS;
		s->reading[s->nreading++] = c;
	}
}

/* 503 to the queued requests that waited too long; the earliest deadline
 * still pending. */
static uint64_t expire_queue(struct http_server *s, uint64_t now)
{
	struct conn *late[HTTP_MAX_PENDING];
	size_t nlate = 0;
	uint64_t next = UINT64_MAX;

	pthread_mutex_lock(&s->lock);
	for (size_t i = 0; i < s->nqueue;) {
		if (s->queue[i]->deadline_ns <= now) {
			late[nlate++] = s->queue[i];
			dequeue(s, i);
			s->stats.busy++;
			continue;
		}
		if (s->queue[i]->deadline_ns < next)
			next = s->queue[i]->deadline_ns;
		i++;
	}
	pthread_mutex_unlock(&s->lock);
	for (size_t i = 0; i < nlate; i++)
		answer_now(late[i], 503, "Retry-After: 5\r\n",
			   "busy: all %d request slots in use; retry later\n",
			   HTTP_MAX_CONNECTIONS);
	return next;
}

static size_t queued(struct http_server *s)
{
	size_t n;

	pthread_mutex_lock(&s->lock);
	n = s->nqueue;
	pthread_mutex_unlock(&s->lock);
	return n;
}

static void *loop_main(void *arg)
{
	struct http_server *s = arg;
	struct pollfd pfd[2 + HTTP_MAX_PENDING];
	bool was_full = false;

	for (;;) {
		uint64_t now = clock__mono_ns(), next = expire_queue(s, now);
		size_t open = s->nreading + queued(s), n = 0;
		int timeout;

		pfd[n++] = (struct pollfd){.fd = s->stop_pipe[0], .events = POLLIN};
		/* full: new connections wait in the kernel's backlog */
		pfd[n++] = (struct pollfd){.fd = open < HTTP_MAX_PENDING ? s->fd : -1,
					   .events = POLLIN};
		if (open >= HTTP_MAX_PENDING && !was_full)
			count(s, &s->stats.pending_full);
		was_full = open >= HTTP_MAX_PENDING;
		for (size_t i = 0; i < s->nreading; i++) {
			pfd[n++] = (struct pollfd){.fd = s->reading[i]->fd, .events = POLLIN};
			if (s->reading[i]->deadline_ns < next)
				next = s->reading[i]->deadline_ns;
		}
		timeout = LOOP_TICK_MS;
		if (next != UINT64_MAX)
			timeout = next <= now ? 0
				  : (next - now) / MS + 1 < LOOP_TICK_MS ? (int)((next - now) / MS + 1)
									  : LOOP_TICK_MS;
		if (poll(pfd, n, timeout) < 0 && errno != EINTR)
			break;
		if (pfd[0].revents)
			break;
		now = clock__mono_ns();
		/* heads first (pfd[2 + i] is reading[i]), compacting the array */
		{
			size_t keep = 0, nr = s->nreading;

			for (size_t i = 0; i < nr; i++) {
				struct conn *c = s->reading[i];

				if ((pfd[2 + i].revents && !read_head(s, c)))
					continue;
				if (c->deadline_ns <= now) {
					count(s, &s->stats.head_timeouts);
					answer_now(c, 408, NULL,
						   "request head not received in %d s\n",
						   HTTP_HEAD_DEADLINE_MS / 1000);
					continue;
				}
				s->reading[keep++] = c;
			}
			s->nreading = keep;
		}
		if (pfd[1].revents & POLLIN)
			accept_some(s, HTTP_MAX_PENDING - (s->nreading + queued(s)));
	}
	/* stopping: nothing new starts; what waits is dropped */
	pthread_mutex_lock(&s->lock);
	s->stopping = true;
	for (size_t i = 0; i < s->nqueue; i++) {
		close(s->queue[i]->fd);
		free(s->queue[i]);
	}
	s->nqueue = 0;
	pthread_cond_broadcast(&s->work);
	pthread_mutex_unlock(&s->lock);
	for (size_t i = 0; i < s->nreading; i++) {
		close(s->reading[i]->fd);
		free(s->reading[i]);
	}
	s->nreading = 0;
	return NULL;
}

int http__parse_listen(const char *listen, char *host, size_t hostlen, int *port, int allow_zero,
		       char *err, size_t errlen)
{
	const char *colon;
	uint64_t p;

	if (listen[0] == '[') { /* [v6]:port */
		const char *rb = strchr(listen, ']');

		if (!rb || rb[1] != ':' || (size_t)(rb - listen - 1) >= hostlen)
			goto bad;
		memcpy(host, listen + 1, (size_t)(rb - listen - 1));
		host[rb - listen - 1] = '\0';
		colon = rb + 1;
	} else {
		colon = strrchr(listen, ':');
		if (!colon || (size_t)(colon - listen) >= hostlen || memchr(listen, ':', (size_t)(colon - listen)))
			goto bad;
		memcpy(host, listen, (size_t)(colon - listen));
		host[colon - listen] = '\0';
	}
	if (parse__u64(colon + 1, allow_zero ? 0 : 1, 65535, &p)) {
		errbuf__set(err, errlen, "bad port in '%s' (want %d-65535)", listen,
			    allow_zero ? 0 : 1);
		return -EINVAL;
	}
	*port = (int)p;
	return 0;
bad:
	errbuf__set(err, errlen, "bad listen address '%s' (want HOST:PORT, [V6]:PORT or :PORT)",
		    listen);
	return -EINVAL;
}

int http__host_is_loopback(const char *host)
{
	struct in6_addr a6;
	struct in_addr a4;

	if (!strcasecmp(host, "localhost"))
		return 1;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, host, &a6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&a6) ||
		       (IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127);
	return 0;
}

int http_server__start(const struct http_server_opts *opts, struct http_server **out, char *err,
		       size_t errlen)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE}, *ai = NULL;
	struct http_server *s;
	char host[256], port[16];
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	int one = 1, ret, portnum;

	*out = NULL;
	ret = http__parse_listen(opts->listen, host, sizeof(host), &portnum, 1, err, errlen);
	if (ret)
		return ret;
	snprintf(port, sizeof(port), "%d", portnum);
	ret = getaddrinfo(host[0] ? host : NULL, port, &hints, &ai);
	if (ret) {
		errbuf__set(err, errlen, "resolve %s: %s", opts->listen, gai_strerror(ret));
		return -EINVAL;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		freeaddrinfo(ai);
		return -ENOMEM;
	}
	s->o = *opts;
	s->stop_pipe[0] = s->stop_pipe[1] = -1;
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->work, NULL);
	pthread_cond_init(&s->idle, NULL);
	s->fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (s->fd < 0 || setsockopt(s->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(s->fd, ai->ai_addr, ai->ai_addrlen) || listen(s->fd, 128) ||
	    getsockname(s->fd, (struct sockaddr *)&ss, &sl) || pipe2(s->stop_pipe, O_CLOEXEC)) {
		ret = -errno;
		errbuf__set(err, errlen, "listen on %s: %s", opts->listen, strerror(-ret));
		goto fail;
	}
	s->port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
						 : ((struct sockaddr_in *)&ss)->sin_port);
	for (int i = 0; i < HTTP_MAX_CONNECTIONS; i++) {
		pthread_attr_t attr;
		pthread_t th;

		pthread_attr_init(&attr);
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		pthread_attr_setstacksize(&attr, 256 * 1024);
		ret = -pthread_create(&th, &attr, worker_main, s);
		pthread_attr_destroy(&attr);
		if (ret) {
			errbuf__set(err, errlen, "start server threads: %s", strerror(-ret));
			goto fail;
		}
		pthread_mutex_lock(&s->lock);
		s->workers++;
		pthread_mutex_unlock(&s->lock);
	}
	ret = -pthread_create(&s->loop_thread, NULL, loop_main, s);
	if (ret) {
		errbuf__set(err, errlen, "start server thread: %s", strerror(-ret));
		goto fail;
	}
	freeaddrinfo(ai);
	*out = s;
	return 0;
fail:
	freeaddrinfo(ai);
	pthread_mutex_lock(&s->lock);
	s->stopping = true;
	pthread_cond_broadcast(&s->work);
	while (s->workers > 0) /* idle workers end at once */
		pthread_cond_wait(&s->idle, &s->lock);
	pthread_mutex_unlock(&s->lock);
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

void http_server__stats(struct http_server *s, struct http_server_stats *st)
{
	pthread_mutex_lock(&s->lock);
	*st = s->stats;
	pthread_mutex_unlock(&s->lock);
}

void http_server__stop(struct http_server *s)
{
	struct timespec deadline;
	int left;

	if (!s)
		return;
	if (write(s->stop_pipe[1], "x", 1) < 0) {
		/* the loop also ends when the pipe closes below */
	}
	pthread_join(s->loop_thread, NULL);
	close(s->fd);
	/* give running requests a moment; they own nothing of ours but s */
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += HTTP_SEND_TIMEOUT_S + 2;
	pthread_mutex_lock(&s->lock);
	while (s->workers > 0)
		if (pthread_cond_timedwait(&s->idle, &s->lock, &deadline))
			break;
	left = s->workers;
	pthread_mutex_unlock(&s->lock);
	close(s->stop_pipe[0]);
	close(s->stop_pipe[1]);
	if (left == 0) {
		pthread_cond_destroy(&s->work);
		pthread_cond_destroy(&s->idle);
		pthread_mutex_destroy(&s->lock);
		free(s);
	} /* else: a stuck request still holds s; leak it rather than crash */
}
