/* SPDX-License-Identifier: MIT */
/*
 * symbolize.h - the `bpfprof symbolize` command.
 */
#ifndef BPFPROF_SYMBOLIZE_H
#define BPFPROF_SYMBOLIZE_H

int symbolize__main(int argc, char **argv);

#endif
