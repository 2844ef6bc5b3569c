/* SPDX-License-Identifier: MIT */
/* metrics.h - the agent's /metrics page (Prometheus text format 0.0.4). */
#ifndef BPFPROF_METRICS_H
#define BPFPROF_METRICS_H

#include <stdio.h>

#include "agent/agent.h"

/* Write every metric of the snapshot. 0 or -errno (a write error on f). */
int metrics__write(FILE *f, const struct agent_snapshot *s);

#endif
