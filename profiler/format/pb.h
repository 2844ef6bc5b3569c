/* SPDX-License-Identifier: MIT */
/*
 * pb.h - the few protocol-buffer primitives pprof needs: a growable writer
 * with a sticky error, and a bounded reader over caller-owned bytes that
 * never reads past the end (the shape of picohttpparser: it owns nothing).
 */
#ifndef BPFPROF_PB_H
#define BPFPROF_PB_H

#include <stddef.h>
#include <stdint.h>

enum pb_wire {
	PB_VARINT = 0,
	PB_I64 = 1,
	PB_LEN = 2,
	PB_I32 = 5,
};

/* Writer. Any failed allocation sets err (-ENOMEM) and later calls do nothing. */
struct pb_buf {
	uint8_t *data;
	size_t len, cap;
	int err;
};

void pb_buf__reset(struct pb_buf *b); /* len = 0, keep memory and error */
void pb_buf__release(struct pb_buf *b);
void pb__varint(struct pb_buf *b, uint64_t v);
void pb__tag(struct pb_buf *b, uint32_t field, enum pb_wire wire);
/* A varint field; zero values are left out as proto3 does. */
void pb__uint(struct pb_buf *b, uint32_t field, uint64_t v);
void pb__bytes(struct pb_buf *b, uint32_t field, const void *data, size_t len);
void pb__string(struct pb_buf *b, uint32_t field, const char *s);
/* Embed sub as a length-delimited field (sub keeps its contents). */
void pb__msg(struct pb_buf *b, uint32_t field, const struct pb_buf *sub);

/* Reader. */
struct pb_reader {
	const uint8_t *p, *end;
};

struct pb_field {
	uint32_t field;
	enum pb_wire wire;
	uint64_t v;          /* PB_VARINT, PB_I64, PB_I32 */
	const uint8_t *data; /* PB_LEN */
	size_t len;
};

void pb_reader__init(struct pb_reader *r, const void *data, size_t len);
/* Next field: 1 read, 0 at the end, -EINVAL on malformed input (truncated
 * varint or length, field 0, groups, unknown wire types). */
int pb__next(struct pb_reader *r, struct pb_field *f);
/* One varint from r (for packed repeated fields): 0 or -EINVAL. */
int pb__read_varint(struct pb_reader *r, uint64_t *v);

#endif
