/* SPDX-License-Identifier: MIT */
/* array.h - grow a realloc'ed array geometrically. */
#ifndef BPFPROF_ARRAY_H
#define BPFPROF_ARRAY_H

#include <stddef.h>

/* Make *arr (of *cap elements of elem bytes) hold at least need elements.
 * 0 or -ENOMEM (then *arr and *cap are unchanged). */
int array__grow(void **arr, size_t *cap, size_t need, size_t elem);

#endif
