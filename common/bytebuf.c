// SPDX-License-Identifier: MIT
#include "common/bytebuf.h"
#include "common/array.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

int bytebuf__grow(struct bytebuf *b, size_t more)
{
	if (b->err)
		return b->err;
	if (more <= b->cap - b->len)
		return 0;
	/* array__grow doubles the capacity: keep len + more within half of SIZE_MAX */
	if (more > SIZE_MAX / 2 - b->len ||
	    array__grow((void **)&b->data, &b->cap, b->len + more, 1))
		b->err = -ENOMEM;
	return b->err;
}

void bytebuf__release(struct bytebuf *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}
