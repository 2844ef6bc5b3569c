/* SPDX-License-Identifier: MIT */
/*
 * agent.h - state the agent's sampling loop shares with its HTTP handlers.
 *
 * The sampling loop (main thread) owns the sampler and closes windows; HTTP
 * threads read the store (thread-safe on its own) and the published
 * statistics, and may ask for an early window close (flush), under `lock`.
 */
#ifndef BPFPROF_AGENT_H
#define BPFPROF_AGENT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "agent/http_server.h"
#include "sample/sampler.h"
#include "agent/store.h"

struct agent {
	/* settings */
	uint64_t freq, window_ns;
	const char *listen, *data_dir;

	struct store *store;
	struct http_server *http;

	pthread_mutex_t lock;
	pthread_cond_t flushed;
	uint64_t flush_requested, flush_done; /* counters */
	uint64_t last_window_end_ms;
	bool stopping;
	struct sampler_stats stats; /* published after every window */
	uint64_t windows_closed, window_write_errors, drain_errors;
	uint64_t started_ms;
};

/* Ask the sampling loop to close the current window now; returns the time
 * (ms) where it ended, or 0 when the agent is stopping. Blocks. */
uint64_t agent__flush(struct agent *a);

/* The HTTP request handler (api.c). */
void agent__handle(void *agent, const struct http_request *req, struct http_response *resp);

uint64_t agent__now_ms(void);

#endif
