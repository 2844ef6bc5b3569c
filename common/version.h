/* SPDX-License-Identifier: MIT */
/* version.h - the one version string (bpfprof version, /api/info, packages). */
#ifndef BPFPROF_VERSION_H
#define BPFPROF_VERSION_H

#ifndef BPFPROF_VERSION
#define BPFPROF_VERSION "0.1.0"
#endif

#endif
