/* SPDX-License-Identifier: MIT */
/*
 * py_mem.h - a process's memory as a byte array for the CPython readers
 * (unit tests and the fuzz target): address PY_MEM_BASE + i is byte i.
 */
#ifndef BPFPROF_TEST_PY_MEM_H
#define BPFPROF_TEST_PY_MEM_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define PY_MEM_BASE 0x10000ull

struct py_mem {
	const uint8_t *data;
	size_t size;
};

static inline int py_mem__read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	const struct py_mem *m = ctx;

	if (addr < PY_MEM_BASE || addr - PY_MEM_BASE > m->size || len > m->size - (addr - PY_MEM_BASE))
		return -EFAULT;
	memcpy(buf, m->data + (addr - PY_MEM_BASE), len);
	return 0;
}

#endif
