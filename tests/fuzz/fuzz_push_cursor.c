// SPDX-License-Identifier: MIT
/*
 * fuzz_push_cursor.c - libFuzzer target for the push cursor's parser
 * (push_cursor__parse), which reads a file of the history directory: anyone
 * who can write there is hostile. Beyond "no crash": a line it accepts is
 * the one push_cursor__format writes for the same numbers.
 */
#include "agent/push_cursor.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	char again[PUSH_CURSOR_MAX];
	uint64_t next, done;
	int n;

	if (push_cursor__parse((const char *)data, len, &next, &done))
		return 0;
	n = push_cursor__format(again, sizeof(again), next, done);
	if (n < 0 || (size_t)n != len || memcmp(again, data, len))
		abort();
	return 0;
}
