/* SPDX-License-Identifier: MIT */
/*
 * errbuf.h - library code reports failures as -errno plus a one-line reason
 * in a caller's buffer ("open %s: %s"); only command-level code prints it.
 */
#ifndef BPFPROF_ERRBUF_H
#define BPFPROF_ERRBUF_H

#include <stddef.h>

/* printf into err[0..len); nothing when err is NULL or len is 0. */
void errbuf__set(char *err, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
