/* SPDX-License-Identifier: MIT */
/*
 * py_offsets.h - the CPython structure layouts the profiler reads, one table
 * per interpreter version, and the version of an interpreter from the name
 * of its binary or library.
 */
#ifndef BPFPROF_PY_OFFSETS_H
#define BPFPROF_PY_OFFSETS_H

#include <linux/types.h>
#include <stddef.h>
#include <stdint.h>

#include "bpf/profile_abi.h"

/* What user space reads besides the BPF side's struct py_offsets. */
struct py_layout {
	uint32_t version; /* 0x030b: 3.11 */
	struct py_offsets off;
	/* PyUnicodeObject (str): compact objects only */
	uint16_t unicode_length;       /* PyASCIIObject.length */
	uint16_t unicode_state;        /* PyASCIIObject.state (bit field word) */
	uint16_t unicode_ascii_data;   /* sizeof(PyASCIIObject): ASCII text */
	uint16_t unicode_compact_data; /* sizeof(PyCompactUnicodeObject): others */
	/* PyBytesObject */
	uint16_t bytes_size;  /* ob_base.ob_size */
	uint16_t bytes_data;  /* ob_sval */
};

/* The layout of version 0x03MM (3.MM), or NULL when unsupported. */
const struct py_layout *py_layout__find(uint32_t version);

/*
 * The interpreter version a mapped file's path names: "python3.11",
 * "libpython3.11.so.1.0" (also "...3.11d", "...3.11m"). 0 when the path is
 * not a CPython binary or library.
 */
uint32_t py_version__from_path(const char *path);

/* Where the BPF side's reads of a frame and of a code object start so that
 * every field it uses is inside its window; -EINVAL when no window fits. */
int py_offsets__windows(const struct py_offsets *o, uint16_t *frame_window,
			uint16_t *code_window);

#endif
