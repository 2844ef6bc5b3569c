/* SPDX-License-Identifier: MIT */
/*
 * push.h - `serve --push`: every window of the history, cut into series
 * (push_series.h), sent to a Pyroscope-compatible store (push_client.h) on
 * a thread of its own, so neither sampling nor the HTTP API ever waits for
 * the network.
 *
 * The queue is the history itself: a cursor file in the data directory
 * (push-<hash of the URL>.cursor, one per target) says which windows, and
 * which series of the window in progress, the server has taken; it is
 * written after every request the server took and synced at the end of
 * every window, so a restart resumes where the last run stopped (after a
 * power loss, at worst one window's series are sent again). Without a cursor, pushing starts with
 * the windows closed from now on. Pushes go in window order, one request in
 * flight per target. A failed request is retried, after a wait that doubles
 * from 1 s up to backoff_max_ms, with jitter (a random half of it).
 *
 * Losses, each counted in push_stats: windows beyond queue_bytes of
 * unpushed window files are dropped, oldest first (queue_full); so are
 * windows that retention or --max-disk removed before they were pushed
 * (retention); a series the server refuses for good (400, 413, 415, 422:
 * rejected); a window that no longer reads back (unreadable).
 */
#ifndef BPFPROF_PUSH_H
#define BPFPROF_PUSH_H

#include <stdint.h>

#include "agent/push_client.h"
#include "agent/push_series.h"
#include "agent/store.h"

struct push_opts {
	struct push_target target;
	enum push_group group;
	uint64_t queue_bytes;	 /* bound of the unpushed window files */
	uint64_t backoff_max_ms; /* longest wait between two tries */
	uint64_t rate_hz;	 /* sampleRate= */
	const char *data_dir;	 /* where the cursor lives (the store's folder) */
	/* what the operator must hear (the start and end of a failure episode,
	 * losses); called from the push thread. NULL: nothing is said. */
	void (*log)(const char *msg);
};

enum push_drop {
	PUSH_DROP_QUEUE_FULL,
	PUSH_DROP_RETENTION, /* filled from the store's stats by the caller */
	PUSH_DROP_REJECTED,
	PUSH_DROP_UNREADABLE,
	PUSH_DROP_NR
};

struct push_stats {
	uint64_t requests, samples; /* taken by the server */
	uint64_t failed;	    /* requests that failed (and were tried again) */
	uint64_t queued_bytes;	    /* window files not pushed yet */
	uint64_t dropped_samples[PUSH_DROP_NR];
	uint64_t dropped_windows[PUSH_DROP_NR];
};

struct pusher;

/* Read the cursor and start the push thread (with the calling thread's
 * capabilities). 0 or -errno with err. */
int pusher__new(const struct push_opts *o, struct store *st, struct pusher **out, char *err,
		size_t errlen);
/* Stop the thread (a request in flight is aborted: its series stays
 * queued). */
void pusher__free(struct pusher *p);
void pusher__stats(struct pusher *p, struct push_stats *s);

#endif
