// SPDX-License-Identifier: MIT
/*
 * test_py_offsets.c - the CPython layouts of profiler/sample/py_offsets.c
 * against the interpreter's own headers: built with -DPy_BUILD_CORE and the
 * internal headers (python3.11-dev) when they are installed
 * (HAVE_PY311_HEADERS, see tests/Makefile), so a wrong offset fails. On a
 * mismatch it prints the table as the headers have it (the generator).
 */
#ifdef HAVE_PY311_HEADERS
#define Py_BUILD_CORE 1
#include <Python.h>
#include <internal/pycore_frame.h>
#include <internal/pycore_interp.h>
#include <internal/pycore_runtime.h>
#endif

#include "harness.h"
#include "sample/py_offsets.h"

#include <stddef.h>

#ifdef HAVE_PY311_HEADERS
#define CHECK(t, got, type, field)                                                            \
	do {                                                                                  \
		printf("  %-24s = %zu, /* offsetof(%s, %s) */\n", #got,                        \
		       offsetof(type, field), #type, #field);                                 \
		if ((size_t)(got) != offsetof(type, field))                                   \
			bad++;                                                                \
	} while (0)
#endif

static void test_py311(struct test_state *t)
{
#ifdef HAVE_PY311_HEADERS
	const struct py_layout *l = py_layout__find(0x030b);
	const struct py_offsets *o;
	int bad = 0;

	ASSERT_TRUE(t, PY_MAJOR_VERSION == 3 && PY_MINOR_VERSION == 11);
	ASSERT_TRUE(t, l != NULL);
	o = &l->off;
	CHECK(t, o->runtime_interp_head, _PyRuntimeState, interpreters.head);
	CHECK(t, o->interp_tstate_head, PyInterpreterState, threads.head);
	CHECK(t, o->tstate_next, PyThreadState, next);
	CHECK(t, o->tstate_thread_id, PyThreadState, thread_id);
	CHECK(t, o->tstate_cframe, PyThreadState, cframe);
	CHECK(t, o->cframe_current_frame, _PyCFrame, current_frame);
	CHECK(t, o->frame_code, _PyInterpreterFrame, f_code);
	CHECK(t, o->frame_previous, _PyInterpreterFrame, previous);
	CHECK(t, o->frame_prev_instr, _PyInterpreterFrame, prev_instr);
	CHECK(t, o->frame_is_entry, _PyInterpreterFrame, is_entry);
	CHECK(t, o->code_firstlineno, PyCodeObject, co_firstlineno);
	CHECK(t, o->code_filename, PyCodeObject, co_filename);
	CHECK(t, o->code_qualname, PyCodeObject, co_qualname);
	CHECK(t, o->code_linetable, PyCodeObject, co_linetable);
	CHECK(t, o->code_code_adaptive, PyCodeObject, co_code_adaptive);
	CHECK(t, o->code_name, PyCodeObject, co_name);
	CHECK(t, l->unicode_length, PyASCIIObject, length);
	CHECK(t, l->unicode_state, PyASCIIObject, state);
	CHECK(t, l->bytes_size, PyVarObject, ob_size);
	CHECK(t, l->bytes_data, PyBytesObject, ob_sval);
	ASSERT_EQ(t, bad, 0);
	ASSERT_EQ(t, l->unicode_ascii_data, sizeof(PyASCIIObject));
	ASSERT_EQ(t, l->unicode_compact_data, sizeof(PyCompactUnicodeObject));
	/* the sizes the BPF side reads fields with */
	ASSERT_EQ(t, sizeof(((PyThreadState *)0)->thread_id), 8);
	ASSERT_EQ(t, sizeof(((PyCodeObject *)0)->co_firstlineno), 4);
	ASSERT_EQ(t, sizeof(((_PyInterpreterFrame *)0)->is_entry), 1);
	/* the state bits py_code.c decodes: kind 2 bits up, compact, ascii */
	{
		PyASCIIObject a;

		memset(&a, 0, sizeof(a));
		a.state.kind = 4;
		a.state.compact = 1;
		a.state.ascii = 1;
		ASSERT_EQ(t, *(uint32_t *)((char *)&a + l->unicode_state), 4 << 2 | 1 << 5 | 1 << 6);
	}
#else
	SKIP(t, "no CPython 3.11 internal headers (python3.11-dev)");
#endif
cleanup:;
}

int main(void)
{
	struct test_state s = {.suite = "py_offsets"};

	RUN_TEST(&s, test_py311);
	printf("%d passed, %d failed, %d skipped\n", s.passed, s.failed, s.skipped);
	return test__finish(&s);
}
