// SPDX-License-Identifier: MIT
/*
 * fuzz_py_code.c - libFuzzer target for the CPython readers (memory of a
 * process is hostile): the input is a byte for the instruction, then a
 * memory image at PY_MEM_BASE holding a code object at its start (3.11
 * layout) with whatever its pointers reach; the code object is read as the
 * profiler reads it and its line table decoded, and the whole input is
 * decoded as a line table too.
 *
 *   make -C tests fuzz && tests/build/fuzz/fuzz_py_code -max_total_time=60
 */
#include "py_mem.h"
#include "sample/py_code.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct py_layout *l = py_layout__find(0x030b);
	struct py_mem m;
	struct py_code c;
	int64_t instr;

	if (size < 1 || !l)
		return 0;
	instr = (int64_t)data[0] * 2 - 2;
	m.data = data + 1;
	m.size = size - 1;
	if (!py_code__read(l, py_mem__read, &m, PY_MEM_BASE, &c)) {
		if (strlen(c.qualname) >= sizeof(c.qualname) || strlen(c.filename) >= sizeof(c.filename))
			abort();
		if (c.linetable_len > PY_CODE_MAX_LINETABLE)
			abort();
		(void)py_code__line(c.linetable, c.linetable_len, c.firstlineno, instr);
		free(c.linetable);
	}
	(void)py_code__line(data, size, 1, instr);
	return 0;
}
