// SPDX-License-Identifier: MIT
#include "format/pb.h"

#include <errno.h>
#include <string.h>

void pb__varint(struct bytebuf *b, uint64_t v)
{
	if (bytebuf__reserve(b, 10))
		return;
	while (v >= 0x80) {
		b->data[b->len++] = (char)(v | 0x80);
		v >>= 7;
	}
	b->data[b->len++] = (char)v;
}

void pb__tag(struct bytebuf *b, uint32_t field, enum pb_wire wire)
{
	pb__varint(b, (uint64_t)field << 3 | (uint64_t)wire);
}

void pb__uint(struct bytebuf *b, uint32_t field, uint64_t v)
{
	if (!v)
		return;
	pb__tag(b, field, PB_VARINT);
	pb__varint(b, v);
}

void pb__bytes(struct bytebuf *b, uint32_t field, const void *data, size_t len)
{
	pb__tag(b, field, PB_LEN);
	pb__varint(b, len);
	bytebuf__put(b, data, len);
}

void pb__string(struct bytebuf *b, uint32_t field, const char *s)
{
	pb__bytes(b, field, s, strlen(s));
}

void pb__msg(struct bytebuf *b, uint32_t field, const struct bytebuf *sub)
{
	if (sub->err) {
		if (!b->err)
			b->err = sub->err;
		return;
	}
	pb__bytes(b, field, sub->data, sub->len);
}

void pb_reader__init(struct pb_reader *r, const void *data, size_t len)
{
	r->p = data;
	r->end = r->p + len;
}

int pb__read_varint(struct pb_reader *r, uint64_t *v)
{
	uint64_t x = 0;

	for (int shift = 0; shift < 64; shift += 7) {
		uint8_t c;

		if (r->p >= r->end)
			return -EINVAL;
		c = *r->p++;
		x |= (uint64_t)(c & 0x7f) << shift;
		if (!(c & 0x80)) {
			*v = x;
			return 0;
		}
	}
	return -EINVAL; /* more than 10 bytes */
}

int pb__next(struct pb_reader *r, struct pb_field *f)
{
	uint64_t key, len;

	if (r->p >= r->end)
		return 0;
	if (pb__read_varint(r, &key))
		return -EINVAL;
	if (key >> 3 == 0 || key >> 3 > UINT32_MAX)
		return -EINVAL;
	f->field = (uint32_t)(key >> 3);
	f->wire = (enum pb_wire)(key & 7);
	f->v = 0;
	f->data = NULL;
	f->len = 0;
	switch (f->wire) {
	case PB_VARINT:
		return pb__read_varint(r, &f->v) ? -EINVAL : 1;
	case PB_I64:
		if (r->end - r->p < 8)
			return -EINVAL;
		for (int i = 7; i >= 0; i--)
			f->v = f->v << 8 | r->p[i];
		r->p += 8;
		return 1;
	case PB_I32:
		if (r->end - r->p < 4)
			return -EINVAL;
		for (int i = 3; i >= 0; i--)
			f->v = f->v << 8 | r->p[i];
		r->p += 4;
		return 1;
	case PB_LEN:
		if (pb__read_varint(r, &len) || len > (uint64_t)(r->end - r->p))
			return -EINVAL;
		f->data = r->p;
		f->len = (size_t)len;
		r->p += len;
		return 1;
	default:
		return -EINVAL;
	}
}
