// SPDX-License-Identifier: MIT
/*
 * web_ui.c - map request paths to the web/ files compiled into the binary
 * (tools/embed.sh). Only the names listed here are served: a request path is
 * never turned into a file name.
 */
#include "web_ui.h"
#include "web_assets.h"

#include <errno.h>
#include <string.h>

#define HTML "text/html; charset=utf-8"
#define JS "text/javascript; charset=utf-8"
#define CSS "text/css; charset=utf-8"

int web_ui__find(const char *path, struct web_ui_file *out)
{
	const char *name;

	if (!path)
		return -ENOENT;
	if (!strcmp(path, "/") || !strcmp(path, "/index.html")) {
		*out = (struct web_ui_file){HTML, web_agent_html, web_agent_html_len};
		return 0;
	}
	if (strncmp(path, "/ui/", 4))
		return -ENOENT;
	name = path + 4;
	if (!strcmp(name, "agent.js"))
		*out = (struct web_ui_file){JS, web_agent_js, web_agent_js_len};
	else if (!strcmp(name, "agent.css"))
		*out = (struct web_ui_file){CSS, web_agent_css, web_agent_css_len};
	else if (!strcmp(name, "flamegraph.js"))
		*out = (struct web_ui_file){JS, web_flamegraph_js, web_flamegraph_js_len};
	else if (!strcmp(name, "flamegraph.css"))
		*out = (struct web_ui_file){CSS, web_flamegraph_css, web_flamegraph_css_len};
	else
		return -ENOENT;
	return 0;
}
