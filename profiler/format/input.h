/* SPDX-License-Identifier: MIT */
/*
 * input.h - read a profile file of any format we read: pprof (gzip or raw
 * profile.proto) or folded stacks, told apart by content.
 */
#ifndef BPFPROF_INPUT_H
#define BPFPROF_INPUT_H

#include <stddef.h>

#include "format/profile.h"

/* Biggest input file read. */
#define INPUT_MAX_BYTES (1UL << 30)

enum input_format {
	INPUT_FOLDED = 0,
	INPUT_PPROF,
};

/* Format of data: gzip, or a first byte no text line starts with
 * (0x0a is a profile.proto sample_type tag), means pprof. */
enum input_format input__detect(const void *data, size_t len);

/* Read path ("-" = stdin) into p. 0 or -errno with "PATH: reason" in err. */
int input__read_file(const char *path, struct profile *p, char *err, size_t errlen);

#endif
