// SPDX-License-Identifier: MIT
/*
 * py_code.c - read CPython code objects and their 3.11 location tables.
 *
 * The location table (CPython's Objects/locations.md): a sequence of
 * entries, each covering 1-8 code units (2 bytes each). The first byte of
 * an entry has bit 7 set, its bits 3-6 are a code and bits 0-2 the number of
 * code units minus one. Codes 0-9: short form, same line (one byte of
 * columns follows); 10-12: one-line form, line + code - 10 (two column
 * bytes); 13: no columns, line + a signed varint; 14: long form, line + a
 * signed varint, then three varints; 15: no location. Varints are 6-bit
 * groups, least significant first, bit 6 set on all but the last; a signed
 * varint holds (v << 1) | sign.
 */
#include "sample/py_code.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* PyASCIIObject.state bits (3.11): interned:2, kind:3, compact:1, ascii:1 */
#define STATE_KIND(s) (((s) >> 2) & 7)
#define STATE_COMPACT(s) (((s) >> 5) & 1)
#define STATE_ASCII(s) (((s) >> 6) & 1)

static uint64_t get_u64(const uint8_t *b, size_t off)
{
	uint64_t v;

	memcpy(&v, b + off, sizeof(v));
	return v;
}

static uint32_t get_u32(const uint8_t *b, size_t off)
{
	uint32_t v;

	memcpy(&v, b + off, sizeof(v));
	return v;
}

/* Append code point cp as UTF-8 to out[*n] if it fits (room for the NUL
 * kept); 0, or -ENOSPC when it does not. */
static int put_utf8(char *out, size_t outlen, size_t *n, uint32_t cp)
{
	char b[4];
	size_t k;

	if (cp < 0x80) {
		b[0] = (char)cp;
		k = 1;
	} else if (cp < 0x800) {
		b[0] = (char)(0xc0 | cp >> 6);
		b[1] = (char)(0x80 | (cp & 0x3f));
		k = 2;
	} else if (cp < 0x10000) {
		if (cp >= 0xd800 && cp < 0xe000)
			cp = 0xfffd; /* a lone surrogate is not text */
		b[0] = (char)(0xe0 | cp >> 12);
		b[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (char)(0x80 | (cp & 0x3f));
		k = 3;
	} else {
		if (cp > 0x10ffff)
			cp = 0xfffd;
		if (cp == 0xfffd)
			return put_utf8(out, outlen, n, cp);
		b[0] = (char)(0xf0 | cp >> 18);
		b[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		b[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[3] = (char)(0x80 | (cp & 0x3f));
		k = 4;
	}
	if (*n + k >= outlen)
		return -ENOSPC;
	memcpy(out + *n, b, k);
	*n += k;
	return 0;
}

int py_code__read_str(const struct py_layout *l, py_read_fn read, void *ctx, uint64_t addr,
		      char *out, size_t outlen)
{
	uint8_t head[128], data[PY_CODE_MAX_NAME * 4];
	size_t hlen = l->unicode_compact_data, n = 0, kind, count, bytes;
	uint64_t len;
	uint32_t state;

	if (!outlen)
		return -EINVAL;
	out[0] = '\0';
	if (!addr || hlen > sizeof(head) || l->unicode_state + 4u > hlen ||
	    l->unicode_length + 8u > hlen)
		return -EINVAL;
	if (read(ctx, addr, head, hlen))
		return -EFAULT;
	len = get_u64(head, l->unicode_length);
	state = get_u32(head, l->unicode_state);
	if (!STATE_COMPACT(state) || len > (1u << 30))
		return -EINVAL;
	kind = STATE_ASCII(state) ? 1 : STATE_KIND(state);
	if (kind != 1 && kind != 2 && kind != 4)
		return -EINVAL;
	count = len < PY_CODE_MAX_NAME ? (size_t)len : PY_CODE_MAX_NAME;
	bytes = count * kind;
	if (bytes && read(ctx, addr + (STATE_ASCII(state) ? l->unicode_ascii_data
							   : l->unicode_compact_data),
			  data, bytes))
		return -EFAULT;
	for (size_t i = 0; i < count; i++) {
		uint32_t cp = kind == 1 ? data[i]
			      : kind == 2 ? (uint32_t)data[2 * i] | (uint32_t)data[2 * i + 1] << 8
					  : get_u32(data, 4 * i);

		if (STATE_ASCII(state) && cp >= 0x80)
			cp = 0xfffd; /* claims ASCII, is not */
		if (cp == 0)
			cp = 0xfffd;
		if (put_utf8(out, outlen, &n, cp))
			break;
	}
	out[n] = '\0';
	return 0;
}

int py_code__read(const struct py_layout *l, py_read_fn read, void *ctx, uint64_t addr,
		  struct py_code *c)
{
	const struct py_offsets *o = &l->off;
	uint8_t head[512], bhead[64];
	size_t hlen = o->code_code_adaptive;
	uint64_t qualname, filename, linetable, blen;
	int ret;

	memset(c, 0, sizeof(*c));
	if (hlen > sizeof(head) || o->code_linetable + 8u > hlen || o->code_qualname + 8u > hlen ||
	    o->code_filename + 8u > hlen || o->code_firstlineno + 4u > hlen ||
	    l->bytes_data > sizeof(bhead) || l->bytes_size + 8u > l->bytes_data)
		return -EINVAL;
	if (!addr || read(ctx, addr, head, hlen))
		return -EFAULT;
	c->firstlineno = (int32_t)get_u32(head, o->code_firstlineno);
	qualname = get_u64(head, o->code_qualname);
	filename = get_u64(head, o->code_filename);
	linetable = get_u64(head, o->code_linetable);
	c->fingerprint = py_fingerprint(qualname, filename, (uint32_t)c->firstlineno);
	if ((ret = py_code__read_str(l, read, ctx, qualname, c->qualname, sizeof(c->qualname))) ||
	    (ret = py_code__read_str(l, read, ctx, filename, c->filename, sizeof(c->filename))))
		return ret;
	if (!linetable)
		return 0;
	if (read(ctx, linetable, bhead, l->bytes_data))
		return -EFAULT;
	blen = get_u64(bhead, l->bytes_size);
	if (blen > PY_CODE_MAX_LINETABLE)
		return 0; /* a table this long is not believed: lines fall back */
	if (!blen)
		return 0;
	c->linetable = malloc((size_t)blen);
	if (!c->linetable)
		return -ENOMEM;
	if (read(ctx, linetable + l->bytes_data, c->linetable, (size_t)blen)) {
		free(c->linetable);
		c->linetable = NULL;
		return -EFAULT;
	}
	c->linetable_len = (size_t)blen;
	return 0;
}

/* An unsigned varint at table[*i]; stops at the end of the table. */
static uint64_t varint(const uint8_t *t, size_t len, size_t *i)
{
	uint64_t v = 0;
	unsigned shift = 0;

	while (*i < len) {
		uint8_t b = t[(*i)++];

		if (shift < 60)
			v |= (uint64_t)(b & 63) << shift;
		shift += 6;
		if (!(b & 64))
			break;
	}
	return v;
}

static int64_t svarint(const uint8_t *t, size_t len, size_t *i)
{
	uint64_t v = varint(t, len, i);

	return v & 1 ? -(int64_t)(v >> 1) : (int64_t)(v >> 1);
}

int32_t py_code__line(const uint8_t *t, size_t len, int32_t firstlineno, int64_t instr)
{
	int64_t line = firstlineno, unit = 0, target;
	size_t i = 0;

	if (instr < 0 || !t)
		return firstlineno;
	target = instr / 2;
	while (i < len) {
		uint8_t b = t[i++];
		int code = (b >> 3) & 15, units = (b & 7) + 1;
		int64_t delta = 0;

		if (!(b & 0x80))
			continue; /* not the start of an entry: resynchronize */
		if (code == 15) {
			/* no location: the line before it is the best guess */
		} else if (code == 14) {
			delta = svarint(t, len, &i);
			varint(t, len, &i);
			varint(t, len, &i);
			varint(t, len, &i);
		} else if (code == 13) {
			delta = svarint(t, len, &i);
		} else if (code >= 10) {
			delta = code - 10;
			i += 2;
		} else {
			i += 1;
		}
		if (delta > INT32_MAX || delta < -(int64_t)INT32_MAX)
			return firstlineno;
		line += delta;
		if (line > INT32_MAX || line < INT32_MIN)
			return firstlineno;
		if (target < unit + units)
			return (int32_t)line;
		unit += units;
	}
	return firstlineno;
}
