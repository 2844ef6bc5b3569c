/* SPDX-License-Identifier: MIT */
/* output.h - pick an output format and write a profile in it. */
#ifndef BPFPROF_OUTPUT_H
#define BPFPROF_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>

#include "format/profile.h"

enum output_format {
	OUTPUT_FOLDED = 0,
	OUTPUT_PPROF,
	OUTPUT_HTML,
	OUTPUT_JSON, /* the flame-graph JSON of web/README.md */
};

struct output_opts {
	enum output_format format;
	bool lines; /* folded: show file:line */
	const struct profile *base; /* html, json: differential against this */
	const char *title;          /* html, json: NULL for a default */
};

/* "folded", "pprof", "html", "json" -> format. 0 or -EINVAL. */
int output__parse_format(const char *name, enum output_format *out);

/* Format implied by a file name (.pb.gz/.pprof -> pprof, .html -> html,
 * .json -> json, anything else -> folded). */
enum output_format output__format_for_path(const char *path);

/* Write p to an open stream in the chosen format. 0, -ENOTSUP or -errno. */
int output__write_file(const struct profile *p, const struct output_opts *opts, FILE *f);

/* Write p to path ("-" or NULL = stdout) atomically: a temporary file in the
 * same folder renamed over path. 0 or -errno with a reason in err. */
int output__write(const struct profile *p, const struct output_opts *opts, const char *path,
		  char *err, size_t errlen);

#endif
