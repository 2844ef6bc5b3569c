// SPDX-License-Identifier: MIT
/* input.c - read a profile file (see input.h). */
#include "common/array.h"
#include "format/input.h"
#include "format/folded_read.h"
#include "format/pprof.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum input_format input__detect(const void *data, size_t len)
{
	const unsigned char *d = data;

	if (len >= 2 && d[0] == 0x1f && d[1] == 0x8b)
		return INPUT_PPROF;
	/* profile.proto starts with a field tag: 0x0a (sample_type) in
	 * practice; text never starts with a control byte but \t\n\r */
	if (len && d[0] < 0x20 && d[0] != '\n' && d[0] != '\r' && d[0] != '\t')
		return INPUT_PPROF;
	if (len && d[0] == 0x0a && len > 1 && d[1] < 0x20 && d[1] != '\n' && d[1] != '\r')
		return INPUT_PPROF;
	return INPUT_FOLDED;
}

static int read_all(int fd, char **out, size_t *outlen)
{
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap);

	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t r;

		if (n == cap) {
			if (cap >= INPUT_MAX_BYTES) {
				free(buf);
				return -EFBIG;
			}
			if (array__grow((void **)&buf, &cap, n + 1, 1)) { /* doubles cap */
				free(buf);
				return -ENOMEM;
			}
		}
		r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int ret = -errno;

			free(buf);
			return ret;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	*out = buf;
	*outlen = n;
	return 0;
}

int input__read_file(const char *path, struct profile *p, char *err, size_t errlen)
{
	char *data = NULL, why[200] = "";
	size_t len = 0;
	int fd = -1, ret;

	fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : STDIN_FILENO;
	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "open %s: %s", path, strerror(-ret));
		return ret;
	}
	ret = read_all(fd, &data, &len);
	if (ret) {
		snprintf(err, errlen, "read %s: %s", path,
			 ret == -EFBIG ? "larger than 1 GiB" : strerror(-ret));
		goto cleanup;
	}
	if (input__detect(data, len) == INPUT_PPROF)
		ret = pprof__read(data, len, p, why, sizeof(why));
	else
		ret = folded__read(data, len, p, why, sizeof(why));
	if (ret)
		snprintf(err, errlen, "%s: %s", path, *why ? why : strerror(-ret));
cleanup:
	if (fd != STDIN_FILENO)
		close(fd);
	free(data);
	return ret;
}
