/* SPDX-License-Identifier: MIT */
/*
 * pb.h - the few protocol-buffer primitives pprof needs: a writer into a
 * growable buffer (common/bytebuf.h: a failed allocation sets its sticky
 * err, later calls do nothing), and a bounded reader over caller-owned bytes that
 * never reads past the end (the shape of picohttpparser: it owns nothing).
 */
#ifndef BPFPROF_PB_H
#define BPFPROF_PB_H

#include <stddef.h>
#include <stdint.h>

#include "common/bytebuf.h"

enum pb_wire {
	PB_VARINT = 0,
	PB_I64 = 1,
	PB_LEN = 2,
	PB_I32 = 5,
};

/* Writer: appends to b; any failed allocation sets b->err (-ENOMEM). */
void pb__varint(struct bytebuf *b, uint64_t v);
void pb__tag(struct bytebuf *b, uint32_t field, enum pb_wire wire);
/* A varint field; zero values are left out as proto3 does. */
void pb__uint(struct bytebuf *b, uint32_t field, uint64_t v);
void pb__bytes(struct bytebuf *b, uint32_t field, const void *data, size_t len);
void pb__string(struct bytebuf *b, uint32_t field, const char *s);
/* Embed sub as a length-delimited field (sub keeps its contents). */
void pb__msg(struct bytebuf *b, uint32_t field, const struct bytebuf *sub);

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
