// SPDX-License-Identifier: MIT
/*
 * py_offsets.c - CPython layouts, checked against the interpreter's own
 * headers by tests/unit/test_py_offsets.c (built with -DPy_BUILD_CORE
 * against /usr/include/python3.MM/internal when they are installed).
 *
 * 3.12 keeps this shape (cframe, f_code, prev_instr) without is_entry (an
 * entry frame is then owner == FRAME_OWNED_BY_CSTACK); 3.13 publishes its
 * offsets itself in _Py_DebugOffsets at the start of _PyRuntime (cookie
 * "xdebugpy"), which a table here would be filled from.
 */
#include "sample/py_offsets.h"

#include <errno.h>
#include <string.h>

static const struct py_layout layouts[] = {
	{
		.version = 0x030b,
		.off = {
			.runtime_interp_head = 40,
			.interp_tstate_head = 16,
			.tstate_next = 8,
			.tstate_thread_id = 152,
			.tstate_cframe = 56,
			.cframe_current_frame = 8,
			.frame_code = 32,
			.frame_previous = 48,
			.frame_prev_instr = 56,
			.frame_is_entry = 68,
			.code_firstlineno = 72,
			.code_filename = 112,
			.code_qualname = 128,
			.code_linetable = 136,
			.code_code_adaptive = 184,
			.code_name = 120,
		},
		.unicode_length = 16,
		.unicode_state = 32,
		.unicode_ascii_data = 48,
		.unicode_compact_data = 72,
		.bytes_size = 16,
		.bytes_data = 32,
	},
};

const struct py_layout *py_layout__find(uint32_t version)
{
	for (size_t i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++)
		if (layouts[i].version == version)
			return &layouts[i];
	return NULL;
}

uint32_t py_version__from_path(const char *path)
{
	const char *base = strrchr(path, '/');
	unsigned minor = 0;
	int digits = 0;
	const char *s;

	base = base ? base + 1 : path;
	if (!strncmp(base, "lib", 3))
		base += 3;
	if (strncmp(base, "python3.", 8))
		return 0;
	for (s = base + 8; *s >= '0' && *s <= '9' && digits < 3; s++, digits++)
		minor = minor * 10 + (unsigned)(*s - '0');
	if (!digits)
		return 0;
	/* the binary itself, or a flavour of it (d: debug, m: pymalloc) */
	while (*s == 'd' || *s == 'm' || *s == 'u')
		s++;
	if (*s && strncmp(s, ".so", 3))
		return 0;
	return 0x0300 | minor;
}

/* The lowest of n offsets, and whether all lie within one window from it. */
static int window(const uint16_t *offs, int n, uint16_t *start)
{
	uint16_t lo = UINT16_MAX;

	for (int i = 0; i < n; i++)
		if (offs[i] < lo)
			lo = offs[i];
	for (int i = 0; i < n; i++)
		if (offs[i] - lo > PY_WINDOW - 8)
			return -EINVAL;
	*start = lo;
	return 0;
}

int py_offsets__windows(const struct py_offsets *o, uint16_t *frame_window,
			uint16_t *code_window)
{
	uint16_t f[] = {o->frame_code, o->frame_previous, o->frame_prev_instr, o->frame_is_entry};
	uint16_t c[] = {o->code_firstlineno, o->code_filename, o->code_qualname};

	if (window(f, 4, frame_window) || window(c, 3, code_window))
		return -EINVAL;
	return 0;
}
