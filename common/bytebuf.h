/* SPDX-License-Identifier: MIT */
/*
 * bytebuf.h - a growable byte buffer with a sticky error, for output built
 * in memory (folded lines, protobuf messages, symbolize batches).
 *
 * A zeroed struct is an empty buffer. When an allocation fails, err becomes
 * -ENOMEM, the bytes so far stay, and every later append does nothing: check
 * err (or any append's result) once at the end. Appends are inline; only
 * growing the buffer is a call.
 */
#ifndef BPFPROF_BYTEBUF_H
#define BPFPROF_BYTEBUF_H

#include <stddef.h>
#include <string.h>

struct bytebuf {
	char *data;
	size_t len, cap;
	int err; /* 0 or -ENOMEM, sticky */
};

/* Room for more bytes past len (out of line: the slow path of the others).
 * 0, or err (-ENOMEM, now or from before). */
int bytebuf__grow(struct bytebuf *b, size_t more);

/* Free the memory; b is then empty, without error. */
void bytebuf__release(struct bytebuf *b);

/* len = 0; the memory and the error stay. */
static inline void bytebuf__reset(struct bytebuf *b)
{
	b->len = 0;
}

/* Room for more bytes at data + len, to be written by the caller (who then
 * adds to len). 0 or err. */
static inline int bytebuf__reserve(struct bytebuf *b, size_t more)
{
	if (more <= b->cap - b->len && !b->err)
		return 0;
	return bytebuf__grow(b, more);
}

/* Append n bytes of s. 0 or err. */
static inline int bytebuf__put(struct bytebuf *b, const void *s, size_t n)
{
	if (bytebuf__reserve(b, n))
		return b->err;
	if (n) /* data may still be NULL */
		memcpy(b->data + b->len, s, n);
	b->len += n;
	return 0;
}

/* Append the string s, without its NUL. 0 or err. */
static inline int bytebuf__puts(struct bytebuf *b, const char *s)
{
	return bytebuf__put(b, s, strlen(s));
}

#endif
