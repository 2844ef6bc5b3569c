/* SPDX-License-Identifier: MIT */
/* serve.h - `bpfprof serve`: the always-on agent. */
#ifndef BPFPROF_SERVE_H
#define BPFPROF_SERVE_H

#include <signal.h>

/* Run the agent until *stop turns non-zero. Returns the exit code. */
int serve__main(int argc, char **argv, volatile sig_atomic_t *stop);

#endif
