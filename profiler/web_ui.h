/* SPDX-License-Identifier: MIT */
/*
 * web_ui.h - the agent's page as HTTP resources: "/" is web/agent.html and
 * "/ui/NAME" the other embedded web/ files (flamegraph.js, agent.js, ...).
 */
#ifndef BPFPROF_WEB_UI_H
#define BPFPROF_WEB_UI_H

#include <stddef.h>

struct web_ui_file {
	const char *content_type;
	const unsigned char *data; /* embedded in the binary: static, never freed */
	size_t len;
};

/* Fill out with the file a request path names ("/", "/ui/agent.js").
 * 0, or -ENOENT when no embedded file has that name. */
int web_ui__find(const char *path, struct web_ui_file *out);

#endif
