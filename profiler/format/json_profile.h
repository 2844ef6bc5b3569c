/* SPDX-License-Identifier: MIT */
/*
 * json_profile.h - a profile as the compact JSON the flame-graph page reads
 * (format: web/README.md). Frames are merged by name and kind, as a flame
 * graph draws them; the process name (comm) is the first frame of a stack.
 */
#ifndef BPFPROF_JSON_PROFILE_H
#define BPFPROF_JSON_PROFILE_H

#include <stdio.h>

#include "format/profile.h"

/*
 * Write p as JSON to out. With base (not NULL) the result is differential:
 * "counts" are p's, "baseCounts" base's, over the union of their stacks.
 * title may be NULL. The output is safe inside an HTML <script> element
 * ('<', '>' and '&' are escaped). 0 or -errno.
 */
int json_profile__write(const struct profile *p, const struct profile *base, const char *title,
			FILE *out);

/* Write s as a JSON string literal (quotes included), HTML-safe: '"', '\\',
 * control characters, '<', '>' and '&' escaped. NULL is "". The one JSON
 * string writer, also for the agent's API. 0 or -EIO. */
int json_profile__string(const char *s, FILE *out);

#endif
