/* SPDX-License-Identifier: MIT */
/*
 * dwarf_cur.h - a bounded cursor over DWARF section bytes, shared by our
 * .debug_line and .debug_info readers. Reading past the end sets `bad` and
 * returns 0, so a caller checks once per record, not per field.
 * Little-endian only: the callers check the ELF first.
 */
#ifndef BPFPROF_DWARF_CUR_H
#define BPFPROF_DWARF_CUR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct dwarf_cur {
	const uint8_t *p, *end;
	bool bad;
};

static inline size_t dwarf_cur__left(const struct dwarf_cur *c)
{
	return (size_t)(c->end - c->p);
}

/* An n-byte unsigned value (n <= 8). */
static inline uint64_t dwarf_cur__rd(struct dwarf_cur *c, size_t n)
{
	uint64_t v = 0;

	if (dwarf_cur__left(c) < n) {
		c->bad = true;
		c->p = c->end;
		return 0;
	}
	if (n == 4) {
		uint32_t x;

		memcpy(&x, c->p, 4);
		v = x;
	} else if (n == 8) {
		memcpy(&v, c->p, 8);
	} else {
		for (size_t i = 0; i < n; i++)
			v |= (uint64_t)c->p[i] << (8 * i);
	}
	c->p += n;
	return v;
}

static inline uint64_t dwarf_cur__uleb(struct dwarf_cur *c)
{
	uint64_t v = 0;
	unsigned shift = 0;

	while (c->p < c->end) {
		uint8_t b = *c->p++;

		if (shift < 64)
			v |= (uint64_t)(b & 0x7f) << shift;
		shift += 7;
		if (!(b & 0x80))
			return v;
	}
	c->bad = true;
	return 0;
}

static inline int64_t dwarf_cur__sleb(struct dwarf_cur *c)
{
	uint64_t v = 0;
	unsigned shift = 0;

	while (c->p < c->end) {
		uint8_t b = *c->p++;

		if (shift < 64)
			v |= (uint64_t)(b & 0x7f) << shift;
		shift += 7;
		if (!(b & 0x80)) {
			if (shift < 64 && (b & 0x40))
				v |= ~(uint64_t)0 << shift;
			return (int64_t)v;
		}
	}
	c->bad = true;
	return 0;
}

#endif
