/* SPDX-License-Identifier: MIT */
/*
 * push_series.h - one history window cut into the series pushed to a
 * Pyroscope-compatible store: one series per service, container, executable
 * or command (--push-group-by), each with its own profile and its
 * `name=` parameter, "APP.cpu{key=value,...}".
 *
 * A sample without the grouping label goes to the series of its executable's
 * base name, else of its command name (comm), else "unknown". The labels in
 * braces are those every sample of the series shares (host, service,
 * container_id, pod_uid, exe, comm). Names and values keep only the bytes
 * Pyroscope's series-name syntax allows (letters, digits and "._-", plus
 * "/:" in values); every other byte becomes '_'.
 */
#ifndef BPFPROF_PUSH_SERIES_H
#define BPFPROF_PUSH_SERIES_H

#include <stddef.h>
#include <stdint.h>

#include "format/profile.h"

enum push_group { PUSH_GROUP_SERVICE, PUSH_GROUP_CONTAINER, PUSH_GROUP_EXE, PUSH_GROUP_COMM };

/* "service", "container", "exe" or "comm". 0 or -EINVAL. */
int push_group__parse(const char *s, enum push_group *g);

struct push_series {
	char *name;	  /* the name= parameter */
	struct profile *p; /* its samples; the window's meta */
	uint64_t samples;
};

/* Longest series name: longer label values are cut. */
#define PUSH_SERIES_MAX_NAME 1024

/* Cut window into series, sorted by name (the order is the same every time
 * the same window is cut: a push cursor counts series). *out is NULL and *n
 * 0 for a window without samples. 0 or -ENOMEM. */
int push_series__split(const struct profile *window, enum push_group g,
		       struct push_series **out, size_t *n);
void push_series__free(struct push_series *s, size_t n);

#endif
