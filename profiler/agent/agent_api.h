/* SPDX-License-Identifier: MIT */
/* agent_api.h - the agent's HTTP endpoints (a handler for http_server). */
#ifndef BPFPROF_AGENT_API_H
#define BPFPROF_AGENT_API_H

#include "agent/http_server.h"

/* An http_handler_fn; agent is the struct agent. */
void agent_api__handle(void *agent, const struct http_request *req, struct http_response *resp);

/* The paths cheap enough for the server's reserved workers (liveness and
 * metrics: answerable when slow requests hold every other worker). */
extern const char *const agent_api__cheap_paths[];

#endif
