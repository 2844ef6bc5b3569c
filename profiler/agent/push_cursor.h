/* SPDX-License-Identifier: MIT */
/*
 * push_cursor.h - the push cursor file's content (push.c), one line:
 *
 *   bpfprof-push 1 NEXT_START_MS SERIES_DONE
 *
 * The next window to push is the first that starts at or after
 * NEXT_START_MS; when it starts exactly there, its first SERIES_DONE series
 * (in push_series order) are already pushed. The file lives in the history
 * folder, whose files are not trusted: the parser takes exactly that line.
 */
#ifndef BPFPROF_PUSH_CURSOR_H
#define BPFPROF_PUSH_CURSOR_H

#include <stddef.h>
#include <stdint.h>

#define PUSH_CURSOR_MAX 128 /* bytes of a cursor file */
#define PUSH_CURSOR_MAX_DONE (1u << 30)

/* The line for (next_ms, done) in buf (PUSH_CURSOR_MAX bytes); its length. */
int push_cursor__format(char *buf, size_t len, uint64_t next_ms, uint64_t done);

/* data[0..len) is one cursor line, newline included: 0 with the two
 * numbers, or -EINVAL. */
int push_cursor__parse(const char *data, size_t len, uint64_t *next_ms, uint64_t *done);

#endif
