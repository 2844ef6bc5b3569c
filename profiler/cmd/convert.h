/* SPDX-License-Identifier: MIT */
/* convert.h - `bpfprof convert` and `bpfprof diff`: profile files in, one
 * output out. Both return the process exit code. */
#ifndef BPFPROF_CONVERT_H
#define BPFPROF_CONVERT_H

int convert__main(int argc, char **argv);
int diff__main(int argc, char **argv);

#endif
