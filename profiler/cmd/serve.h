/* SPDX-License-Identifier: MIT */
/* serve.h - `bpfprof serve`: the always-on agent. */
#ifndef BPFPROF_SERVE_H
#define BPFPROF_SERVE_H

#include <signal.h>

/* The config file serve reads when it exists and no --config is given. */
#define SERVE_DEFAULT_CONFIG "/etc/bpfprof/bpfprof.conf"

/* Run the agent until *stop turns non-zero. Returns the exit code. */
int serve__main(int argc, char **argv, volatile sig_atomic_t *stop);

#endif
