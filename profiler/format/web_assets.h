/* SPDX-License-Identifier: MIT */
/*
 * web_assets.h - the files of web/, compiled into the binary by
 * tools/embed.sh (build/web_assets.c). Each array is NUL-terminated; _len
 * does not count the NUL.
 */
#ifndef BPFPROF_WEB_ASSETS_H
#define BPFPROF_WEB_ASSETS_H

#include <stddef.h>

struct web_asset {
	const char *name; /* file name in web/, e.g. "flamegraph.js"; NULL ends */
	const unsigned char *data;
	size_t len;
};

/* Every file of web/, in name order, ending with a NULL name. */
extern const struct web_asset web_assets[];

/* The asset called name, or NULL. */
const struct web_asset *web_assets__find(const char *name);

extern const unsigned char web_page_html[];
extern const size_t web_page_html_len;
extern const unsigned char web_flamegraph_js[];
extern const size_t web_flamegraph_js_len;
extern const unsigned char web_flamegraph_css[];
extern const size_t web_flamegraph_css_len;

#endif
