// SPDX-License-Identifier: MIT
#include "agent/push_cursor.h"
#include "common/parse.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define MAGIC "bpfprof-push 1 "

int push_cursor__format(char *buf, size_t len, uint64_t next_ms, uint64_t done)
{
	return snprintf(buf, len, MAGIC "%" PRIu64 " %" PRIu64 "\n", next_ms, done);
}

int push_cursor__parse(const char *data, size_t len, uint64_t *next_ms, uint64_t *done)
{
	char buf[PUSH_CURSOR_MAX + 1], *sp;

	if (len <= strlen(MAGIC) || len > PUSH_CURSOR_MAX || data[len - 1] != '\n' ||
	    memchr(data, '\0', len) || memcmp(data, MAGIC, strlen(MAGIC)))
		return -EINVAL;
	memcpy(buf, data + strlen(MAGIC), len - strlen(MAGIC) - 1);
	buf[len - strlen(MAGIC) - 1] = '\0';
	sp = strchr(buf, ' ');
	if (!sp)
		return -EINVAL;
	*sp = '\0';
	/* parse__u64 takes digits only: no sign, no space, no second field;
	 * one spelling of each number (no leading zero), the one we write */
	if ((buf[0] == '0' && buf[1]) || (sp[1] == '0' && sp[2]) ||
	    parse__u64(buf, 0, UINT64_MAX / 2, next_ms) ||
	    parse__u64(sp + 1, 0, PUSH_CURSOR_MAX_DONE, done))
		return -EINVAL;
	return 0;
}
