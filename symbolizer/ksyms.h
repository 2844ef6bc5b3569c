/* SPDX-License-Identifier: MIT */
/*
 * ksyms.h - kernel symbols from /proc/kallsyms (module names included),
 * sorted once and binary-searched.
 */
#ifndef BPFPROF_KSYMS_H
#define BPFPROF_KSYMS_H

#include <stddef.h>
#include <stdint.h>

struct ksyms;

/* Load a kallsyms-format file (path NULL = /proc/kallsyms). 0 or -errno. */
int ksyms__load(const char *path, struct ksyms **out);
void ksyms__free(struct ksyms *k);

/* Symbol containing addr; *module is NULL for the core kernel. */
const char *ksyms__lookup(const struct ksyms *k, uint64_t addr, const char **module,
			  uint64_t *offset);
size_t ksyms__count(const struct ksyms *k);

#endif
