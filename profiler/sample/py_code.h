/* SPDX-License-Identifier: MIT */
/*
 * py_code.h - CPython code objects read from another process's memory: the
 * function's qualified name, its file, and the line of an instruction from
 * the code object's location table (3.11 format).
 *
 * Everything read is hostile: every length is bounded before it is used,
 * strings are copied at most PY_CODE_MAX_NAME bytes, line tables at most
 * PY_CODE_MAX_LINETABLE, and a table is decoded without reading past it.
 */
#ifndef BPFPROF_PY_CODE_H
#define BPFPROF_PY_CODE_H

#include <stddef.h>
#include <stdint.h>

#include "sample/py_offsets.h"

#define PY_CODE_MAX_NAME 256
#define PY_CODE_MAX_LINETABLE (64u << 10)

/* Read len bytes at addr of the process into buf: 0 or -errno. */
typedef int (*py_read_fn)(void *ctx, uint64_t addr, void *buf, size_t len);

struct py_code {
	char qualname[PY_CODE_MAX_NAME];
	char filename[PY_CODE_MAX_NAME];
	int32_t firstlineno;
	uint64_t fingerprint;    /* py_fingerprint() of what was read */
	uint8_t *linetable;      /* malloc'd, NULL when empty */
	size_t linetable_len;
};

/*
 * Read the code object at addr. 0 or -errno: -EFAULT when memory could not
 * be read, -EINVAL when what was read is not a code object of this layout.
 * The caller frees c->linetable.
 */
int py_code__read(const struct py_layout *l, py_read_fn read, void *ctx, uint64_t addr,
		  struct py_code *c);

/*
 * A str object at addr into out (UTF-8, NUL-terminated, cut at outlen - 1
 * bytes, at a character boundary). Compact objects only (all that code
 * objects hold); 0 or -errno.
 */
int py_code__read_str(const struct py_layout *l, py_read_fn read, void *ctx, uint64_t addr,
		      char *out, size_t outlen);

/*
 * The line of the instruction at byte offset instr of the code from a 3.11
 * location table; firstlineno when the table does not say (or instr lies
 * before the first instruction). Never reads past len bytes.
 */
int32_t py_code__line(const uint8_t *table, size_t len, int32_t firstlineno, int64_t instr);

#endif
