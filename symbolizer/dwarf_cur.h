/* SPDX-License-Identifier: MIT */
/*
 * dwarf_cur.h - a bounded cursor over DWARF section bytes, shared by our
 * .debug_line and .debug_info readers and the .eh_frame / .debug_frame
 * reader (profiler/unwind/unwind_table.c). Reading past the end (or a
 * malformed LEB128) sets `bad`, moves to the end and returns 0; once bad,
 * every read returns 0, so a caller checks once per record, not per field.
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

/* A 64-bit LEB128 value takes at most 10 bytes; a longer one is bad. */
#define DWARF_CUR_LEB_MAX 10

static inline size_t dwarf_cur__left(const struct dwarf_cur *c)
{
	return (size_t)(c->end - c->p);
}

/* Give up on c: bad from now on, at the end, every later read returns 0. */
static inline uint64_t dwarf_cur__fail(struct dwarf_cur *c)
{
	c->bad = true;
	c->p = c->end;
	return 0;
}

/* An n-byte unsigned value (n <= 8). */
static inline uint64_t dwarf_cur__rd(struct dwarf_cur *c, size_t n)
{
	uint64_t v = 0;

	if (c->bad || dwarf_cur__left(c) < n)
		return dwarf_cur__fail(c);
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

/* The bytes of one LEB128 number: its low 64 bits in *v; returns the number
 * of bits read (7 a byte, 7..70), or 0 (and c bad, *v 0) when it runs past
 * the end or past DWARF_CUR_LEB_MAX bytes. Every shift is below 64. */
static inline unsigned dwarf_cur__leb(struct dwarf_cur *c, uint64_t *v)
{
	*v = 0;
	if (c->bad)
		return 0;
	for (unsigned shift = 0; shift < 7 * DWARF_CUR_LEB_MAX; shift += 7) {
		uint8_t b;

		if (c->p >= c->end)
			break;
		b = *c->p++;
		if (shift < 64)
			*v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			return shift + 7;
	}
	*v = 0;
	dwarf_cur__fail(c);
	return 0;
}

static inline uint64_t dwarf_cur__uleb(struct dwarf_cur *c)
{
	uint64_t v;

	dwarf_cur__leb(c, &v);
	return v;
}

/* Sign-extended from the last byte's bit 6 (bit bits-1 of the value);
 * unsigned arithmetic throughout, no shift of 64 or more. */
static inline int64_t dwarf_cur__sleb(struct dwarf_cur *c)
{
	uint64_t v;
	unsigned bits = dwarf_cur__leb(c, &v);

	if (bits && bits < 64 && ((v >> (bits - 1)) & 1))
		v |= ~(uint64_t)0 << bits;
	return (int64_t)v;
}

#endif
