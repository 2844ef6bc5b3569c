// SPDX-License-Identifier: MIT
/*
 * fuzz_window.c - libFuzzer target for the agent's window file reader
 * (window_file__read), which reads files of the history directory: anyone
 * who can write there is hostile.
 *
 * The first byte chooses what the rest is: 0, the file's bytes as they are
 * (gzip framing, trailers, truncation); anything else, the text, which the
 * harness compresses first (the line parser). The input goes through a
 * memfd, as the store hands the reader a descriptor. Beyond "no crash, no
 * leak, no hang": a file that checks out reads into a profile with the
 * total it claims, and our own encoding of that profile reads back the same.
 * Seeds: tests/fixtures/window.txt in both forms and window2.txt (label sets,
 * version 2) as text (make -C tests fuzz); a label filter reads a part too.
 */
#include "agent/window_file.h"
#include "common/bytebuf.h"
#include "format/profile.h"

#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

/* data as one gzip member into out. */
static void gzip(const uint8_t *data, size_t len, struct bytebuf *out)
{
	z_stream zs = {0};
	size_t room = compressBound((uLong)len) + 64;

	if (deflateInit2(&zs, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK ||
	    bytebuf__reserve(out, room))
		abort();
	zs.next_in = (Bytef *)data;
	zs.avail_in = (uInt)len;
	zs.next_out = (Bytef *)out->data;
	zs.avail_out = (uInt)room;
	if (deflate(&zs, Z_FINISH) != Z_STREAM_END)
		abort();
	out->len = room - zs.avail_out;
	deflateEnd(&zs);
}

/* A memfd holding len bytes of data, at offset 0. */
static int memfd(const void *data, size_t len)
{
	int fd = memfd_create("window", MFD_CLOEXEC);

	if (fd < 0 || (len && write(fd, data, len) != (ssize_t)len) || lseek(fd, 0, SEEK_SET))
		abort();
	return fd;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static const struct profile_label host[] = {{"host", "vm"}};
	struct window_filter flt = {.pid = 1786, .labels = host, .nlabels = 1};
	struct profile *p = profile__new(), *q = profile__new(), *r = profile__new();
	struct bytebuf gz = {0}, again = {0};
	struct window_info info, info2;
	uint64_t added;
	char err[256];
	int fd, fd2;

	if (!p || !q || !r || len > (1u << 20))
		goto out;
	if (len && data[0] == 0)
		fd = memfd(data + 1, len - 1);
	else {
		gzip(len ? data + 1 : data, len ? len - 1 : 0, &gz);
		fd = memfd(gz.data, gz.len);
	}
	if (window_file__read(fd, "fuzz", NULL, NULL, &info, NULL, err, sizeof(err)) == 0) {
		/* the check and the read agree, and the total is what the file says */
		if (lseek(fd, 0, SEEK_SET) ||
		    window_file__read(fd, "fuzz", NULL, p, &info2, &added, err, sizeof(err)) ||
		    info2.samples != info.samples || added != info.samples ||
		    profile__total(p) != info.samples)
			abort();
		/* a filter keeps a part */
		if (lseek(fd, 0, SEEK_SET) ||
		    window_file__read(fd, "fuzz", &flt, r, NULL, &added, err, sizeof(err)) ||
		    added > info.samples)
			abort();
		/* our own file of what we read reads back */
		if (window_file__encode(p, &again, err, sizeof(err)))
			abort();
		fd2 = memfd(again.data, again.len);
		if (window_file__read(fd2, "again", NULL, q, &info2, NULL, err, sizeof(err)) ||
		    info2.samples != info.samples || profile__total(q) != info.samples)
			abort();
		close(fd2);
	}
	close(fd);
out:
	bytebuf__release(&gz);
	bytebuf__release(&again);
	profile__free(p);
	profile__free(q);
	profile__free(r);
	return 0;
}
