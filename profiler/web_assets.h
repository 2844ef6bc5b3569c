/* SPDX-License-Identifier: MIT */
/*
 * web_assets.h - the files of web/, compiled into the binary by
 * tools/embed.sh (build/web_assets.c). Each array is NUL-terminated; _len
 * does not count the NUL.
 */
#ifndef BPFPROF_WEB_ASSETS_H
#define BPFPROF_WEB_ASSETS_H

#include <stddef.h>

extern const unsigned char web_page_html[];
extern const size_t web_page_html_len;
extern const unsigned char web_flamegraph_js[];
extern const size_t web_flamegraph_js_len;
extern const unsigned char web_flamegraph_css[];
extern const size_t web_flamegraph_css_len;
/* the agent's page (bpfprof serve): web/agent.html, agent.js, agent.css */
extern const unsigned char web_agent_html[];
extern const size_t web_agent_html_len;
extern const unsigned char web_agent_js[];
extern const size_t web_agent_js_len;
extern const unsigned char web_agent_css[];
extern const size_t web_agent_css_len;

#endif
