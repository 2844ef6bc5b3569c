/* SPDX-License-Identifier: MIT */
/*
 * html.h - a self-contained HTML flame graph: web/page.html with the renderer
 * (web/flamegraph.js, .css) and the profile JSON inlined, so the file opens
 * anywhere without a network.
 */
#ifndef BPFPROF_HTML_H
#define BPFPROF_HTML_H

#include <stdio.h>

#include "format/profile.h"

/* Write p (differential against base when base is not NULL) as one HTML page
 * titled title (NULL: a default). 0 or -errno. */
int html__write(const struct profile *p, const struct profile *base, const char *title,
		FILE *out);

#endif
