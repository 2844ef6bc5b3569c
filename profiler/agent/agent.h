/* SPDX-License-Identifier: MIT */
/*
 * agent.h - the always-on agent: samples every CPU continuously, closes a
 * window every --window (drain, symbolize once, append to the store), and
 * answers HTTP from the history (agent_api.c) on the server's threads.
 *
 * The main thread owns the sampler and runs agent__step(); HTTP threads only
 * read the store (thread-safe on its own) and what the main thread publishes
 * after every window, and may ask for an early window close (agent__flush).
 */
#ifndef BPFPROF_AGENT_H
#define BPFPROF_AGENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agent/store.h"
#include "sample/sampler.h"

struct agent_opts {
	const char *listen, *data_dir;
	uint64_t freq, window_ns, retention_ns, max_disk, symbol_cache;
	bool idle, lines;
	int unwind_mode; /* enum unwind_mode */
	/* what the operator must hear of (a window that could not be stored);
	 * the library itself never prints. NULL: nothing is said. */
	void (*log)(const char *msg);
};

struct agent;

/* Open the store, load and start the sampler, start the HTTP server.
 * 0 or -errno with err. */
int agent__new(const struct agent_opts *opts, struct agent **out, char *err, size_t errlen);
void agent__free(struct agent *a);

/* One turn of the main loop: wait (at most half a second) for process
 * events, then close the window when it is due or a request asked for it. */
void agent__step(struct agent *a);

/* Stop sampling, store the current window and release waiting requests.
 * Returns the number of windows written since the start. */
uint64_t agent__stop(struct agent *a);

/* What the history held at the start (windows kept, interrupted writes). */
void agent__store_stats(struct agent *a, struct store_stats *st);

/* For the HTTP side. */
const struct agent_opts *agent__opts(const struct agent *a);
struct store *agent__store(struct agent *a);
bool agent__stopping(struct agent *a);

/* Ask the main loop to close the current window now and wait for it; returns
 * the time (Unix ms) where it ended, or 0 when the agent is stopping. */
uint64_t agent__flush(struct agent *a);

/* Everything /metrics reports, read at once. */
struct agent_snapshot {
	struct sampler_stats sampler; /* as of the last window */
	struct store_stats store;
	uint64_t windows_closed, drain_errors;
	/* derived, so the metrics table only reads fields */
	double counts_fill, stacks_fill; /* map entries at the last drain / size */
	uint64_t unwind_table_bytes;
	double unwind_seconds, bpf_run_seconds;
	double cpu_seconds; /* the agent's own, user + system */
	uint64_t rss_bytes;
};
void agent__snapshot(struct agent *a, struct agent_snapshot *s);

#endif
