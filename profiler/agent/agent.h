/* SPDX-License-Identifier: MIT */
/*
 * agent.h - the always-on agent: samples every CPU continuously, closes a
 * window every --window (drain, symbolize once, append to the store), and
 * answers HTTP from the history (agent_api.c) on the server's threads.
 *
 * The main thread owns the sampler and runs agent__step(); HTTP threads only
 * read the store (thread-safe on its own) and what the main thread publishes
 * after every window, and may tap the samples of the coming seconds
 * (agent__tap_start) without closing a window.
 */
#ifndef BPFPROF_AGENT_H
#define BPFPROF_AGENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/capability.h>

#include "agent/http_server.h"
#include "agent/push.h"
#include "agent/store.h"
#include "sample/sampler.h"

struct agent_opts {
	const char *listen, *data_dir;
	uint64_t freq, window_ns, retention_ns, max_disk, symbol_cache;
	bool idle, lines;
	const char *token; /* with it, every endpoint but /healthz needs
			    * "Authorization: Bearer TOKEN"; NULL: open */
	int unwind_mode; /* enum unwind_mode */
	const struct profile_label *labels; /* on every sample: host, --label */
	size_t nlabels;
	bool no_interpreters; /* no CPython frames */
	/* what the operator must hear of (a window that could not be stored);
	 * the library itself never prints. NULL: nothing is said. */
	void (*log)(const char *msg);
};

struct agent;

/* Open the store, load and start the sampler. 0 or -errno with err. */
int agent__new(const struct agent_opts *opts, struct agent **out, char *err, size_t errlen);
void agent__free(struct agent *a);

/*
 * The capabilities the agent uses once sampling runs (bit 1 << CAP_X):
 *   CAP_SYS_PTRACE       /proc/PID/maps and /proc/PID/root of other users'
 *                        processes (their mappings, their files)
 *   CAP_DAC_READ_SEARCH  read mapped files that other users cannot read
 *   CAP_CHECKPOINT_RESTORE  /proc/PID/map_files: deleted binaries, files of
 *                        other mount namespaces (CAP_SYS_ADMIN before 5.9)
 *   CAP_SYSLOG           kernel symbol addresses in /proc/kallsyms
 * plus CAP_BPF where the kernel checks it on every map operation, and
 * CAP_NET_BIND_SERVICE for a --listen port below 1024.
 */
#define AGENT_KEEP_CAPS                                                                  \
	((1ULL << CAP_SYS_PTRACE) | (1ULL << CAP_DAC_READ_SEARCH) |                    \
	 (1ULL << CAP_CHECKPOINT_RESTORE) | (1ULL << CAP_SYSLOG))

/* Drop every capability the agent does not use from now on (see
 * AGENT_KEEP_CAPS), for good, and set no_new_privs. Call it after
 * agent__new and before agent__listen: capabilities are per thread, and the
 * HTTP threads must start without them. *kept: the mask kept. 0 or -errno. */
int agent__limit_privileges(struct agent *a, uint64_t *kept);

/* Start the HTTP server (--listen). 0 or -errno with err. */
int agent__listen(struct agent *a, char *err, size_t errlen);

/* Start pushing every window to a Pyroscope-compatible store (push.h), on
 * a thread of its own. Call it after agent__limit_privileges (the thread
 * starts with the caller's capabilities) and before agent__listen (the
 * HTTP threads read its counters). 0 or -errno with err. */
int agent__start_push(struct agent *a, const struct push_opts *o, char *err, size_t errlen);

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

/*
 * The samples of the coming seconds, for one request, without closing a
 * window: agent__tap_start registers a tap (it does not wait); the main loop's
 * next drain starts it, and every drain from then on goes to the tap's own
 * profile as well as to the window. agent__tap_end asks the next drain to
 * end it; agent__tap_wait waits (timeout_ms at most) until one did, then
 * agent__tap_take frees it and returns its profile. Until it is taken, a tap
 * is dropped with agent__tap_cancel (its requester went away).
 */
struct agent_tap;

/* NULL when the agent is stopping or out of memory. */
struct agent_tap *agent__tap_start(struct agent *a);
void agent__tap_end(struct agent *a, struct agent_tap *t);
/* true once a drain ended the tap (asked to, or the agent stopped). */
bool agent__tap_wait(struct agent *a, struct agent_tap *t, int timeout_ms);
/* An ended tap's profile, time and duration set (the drains that started
 * and ended it; no drain started it: duration 0), which the caller frees;
 * NULL when out of memory. *cut says the agent stopped before it was asked
 * to end. Frees the tap. */
struct profile *agent__tap_take(struct agent *a, struct agent_tap *t, bool *cut);
void agent__tap_cancel(struct agent *a, struct agent_tap *t);

/* Everything /metrics reports, read at once. */
struct agent_snapshot {
	struct sampler_stats sampler; /* as of the last window */
	struct store_stats store;
	struct http_server_stats http;
	struct push_stats push; /* zero without --push; dropped for retention
				 * from the store's stats */
	uint64_t windows_closed, drain_errors;
	uint64_t truncated_pages; /* of mapped files, read as zeros (sigbus_guard.h) */
	/* derived, so the metrics table only reads fields */
	double counts_fill, stacks_fill; /* map entries at the last drain / size */
	uint64_t unwind_table_bytes;
	double unwind_seconds, bpf_run_seconds, python_seconds;
	double cpu_seconds; /* the agent's own, user + system */
	uint64_t rss_bytes;
};
void agent__snapshot(struct agent *a, struct agent_snapshot *s);

#endif
