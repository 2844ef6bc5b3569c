// SPDX-License-Identifier: MIT
/*
 * test_window_file.c - the agent's window file: what the writer writes reads
 * back; a file counts only whole (its end line's counts, one time line,
 * gzip, bounds); a string cannot break a line.
 */
#include "harness.h"

#include "agent/window_file.h"
#include "common/bytebuf.h"
#include "format/profile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>

static struct test_state st = {.suite = "test_window_file"};

/* A memfd with len bytes of data at offset 0, or -1. */
static int memfd(const void *data, size_t len)
{
	int fd = memfd_create("window", MFD_CLOEXEC);

	if (fd >= 0 && ((len && write(fd, data, len) != (ssize_t)len) || lseek(fd, 0, SEEK_SET))) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* text, gzip-compressed, in a memfd (raw: as it is). */
static int text_fd(const char *text, int raw)
{
	int fd, dfd;
	gzFile gz;

	if (raw)
		return memfd(text, strlen(text));
	fd = memfd(NULL, 0);
	if (fd < 0)
		return -1;
	dfd = dup(fd);
	gz = dfd >= 0 ? gzdopen(dfd, "wb") : NULL;
	if (!gz || gzputs(gz, text) < 0 || gzclose(gz) != Z_OK || lseek(fd, 0, SEEK_SET)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* window_file__read of text: 0 or -errno; info and the profile filled. */
static int read_text(const char *text, int raw, struct profile *p, struct window_info *info)
{
	char err[256];
	int fd = text_fd(text, raw), ret;

	if (fd < 0)
		return -EBADF;
	ret = window_file__read(fd, "t", NULL, p, info, NULL, err, sizeof(err));
	close(fd);
	return ret;
}

#define HEAD "bpfprof-window 1\ntime 1000000000 1000000000 10000000\n"
#define FRAMES "f 0 0 10\tmain\t/bin/x\t\nf 0 3 20\tleaf\t/bin/x\tx.c\n"

static void test_round_trip(struct test_state *s)
{
	struct profile *p = profile__new(), *q = profile__new();
	struct bytebuf buf = {0};
	struct window_info info;
	uint32_t ids[2];
	struct frame f = {.name = "na\tme\nwith breaks", .module = "/bin/x"};
	char err[256];
	int fd = -1;

	ASSERT_TRUE(s, p && q);
	ASSERT_EQ(s, profile__add_frame(p, &f, &ids[0]), 0);
	f.name = "leaf";
	f.file = "x.c";
	f.line = 3;
	ASSERT_EQ(s, profile__add_frame(p, &f, &ids[1]), 0);
	{
		const struct profile_label l[] = {{"exe", "/bin/x\twith tab"}, {"host", "h"},
						  {"service", "demo.service"}};
		struct profile_origin o = {7, 8, "comm\twith tab", "/cg", NULL};

		ASSERT_EQ(s, profile__labels(p, l, 3, &o.labels), 0);
		ASSERT_EQ(s, profile__add_sample_from(p, ids, 2, &o, 5), 0);
		o = (struct profile_origin){9, 9, "other", NULL, NULL};
		ASSERT_EQ(s, profile__add_sample_from(p, ids, 1, &o, 3), 0);
	}
	profile__meta(p)->time_ns = 2000000000;
	profile__meta(p)->duration_ns = 1000000000;
	ASSERT_EQ(s, window_file__encode(p, &buf, err, sizeof(err)), 0);
	fd = memfd(buf.data, buf.len);
	ASSERT_TRUE(s, fd >= 0);
	ASSERT_EQ(s, window_file__read(fd, "t", NULL, q, &info, NULL, err, sizeof(err)), 0);
	ASSERT_EQ(s, info.samples, 8);
	ASSERT_EQ(s, info.time_ns, 2000000000);
	ASSERT_EQ(s, info.duration_ns, 1000000000);
	ASSERT_EQ(s, profile__total(q), 8);
	ASSERT_EQ(s, profile__sample_count(q), 2);
	ASSERT_STREQ(s, profile__frame(q, profile__sample(q, 0)->frames[0])->name,
		     "na me with breaks");
	ASSERT_STREQ(s, profile__sample(q, 0)->comm, "comm with tab");
	/* the labels came back, tabs made spaces; the other sample has none */
	ASSERT_STREQ(s, profile_sample__label(profile__sample(q, 0), "exe"), "/bin/x with tab");
	ASSERT_STREQ(s, profile_sample__label(profile__sample(q, 0), "service"), "demo.service");
	ASSERT_STREQ(s, profile_sample__label(profile__sample(q, 0), "host"), "h");
	ASSERT_TRUE(s, profile__sample(q, 1)->labels == NULL);
cleanup:
	if (fd >= 0)
		close(fd);
	bytebuf__release(&buf);
	profile__free(p);
	profile__free(q);
}

static void test_valid_text(struct test_state *s)
{
	struct profile *p = profile__new();
	struct window_info info;

	ASSERT_TRUE(s, p);
	ASSERT_EQ(s, read_text(HEAD FRAMES "s 1 1 4\tx\t\t0 1\ns 2 2 6\ty\t/c\t0\nend 2 10\n", 0,
			       p, &info), 0);
	ASSERT_EQ(s, info.samples, 10);
	ASSERT_EQ(s, profile__total(p), 10);
	/* check only: no profile */
	ASSERT_EQ(s, read_text(HEAD FRAMES "s 1 1 4\tx\t\t0 1\nend 1 4\n", 0, NULL, &info), 0);
	ASSERT_EQ(s, info.samples, 4);
cleanup:
	profile__free(p);
}

#define HEAD2 "bpfprof-window 2\ntime 1000000000 1000000000 10000000\n"
#define SETS "l 0 host\th1\nl 0 service\ta.service\nl 1 host\th2\n"

/* Version 2: label sets, samples referring to them, label filters ANDed. */
static void test_labels_text(struct test_state *s)
{
	const char *text = HEAD2 FRAMES SETS "s 1 1 4 0\tx\t\t0 1\ns 2 2 6 1\ty\t/c\t0\n"
				       "s 3 3 1 -\tz\t\t0\nend 3 11\n";
	const struct profile_label want_h1[] = {{"host", "h1"}},
				   want_both[] = {{"host", "h1"}, {"service", "a.service"}},
				   want_none[] = {{"host", "h1"}, {"service", "b.service"}},
				   want_pid[] = {{"pid", "2"}, {"host", "h2"}};
	struct window_filter flt = {0};
	struct profile *p = profile__new();
	struct window_info info;
	uint64_t added;
	char err[256];
	int fd = -1;

	ASSERT_TRUE(s, p);
	ASSERT_EQ(s, read_text(text, 0, p, &info), 0);
	ASSERT_EQ(s, profile__total(p), 11);
	ASSERT_STREQ(s, profile_sample__label(profile__sample(p, 0), "service"), "a.service");
	ASSERT_STREQ(s, profile_sample__label(profile__sample(p, 1), "host"), "h2");
	ASSERT_TRUE(s, profile__sample(p, 2)->labels == NULL);
	struct {
		const struct profile_label *l;
		size_t n;
		uint64_t want;
	} cases[] = {{want_h1, 1, 4}, {want_both, 2, 4}, {want_none, 2, 0}, {want_pid, 2, 6}};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		profile__free(p);
		p = profile__new();
		ASSERT_TRUE(s, p);
		flt.labels = cases[i].l;
		flt.nlabels = cases[i].n;
		fd = text_fd(text, 0);
		ASSERT_EQ(s, window_file__read(fd, "t", &flt, p, &info, &added, err, sizeof(err)), 0);
		close(fd);
		fd = -1;
		if (added != cases[i].want || profile__total(p) != cases[i].want) {
			printf("  filter %zu: %llu samples, want %llu\n", i, (unsigned long long)added,
			       (unsigned long long)cases[i].want);
			ASSERT_TRUE(s, 0);
		}
	}
cleanup:
	if (fd >= 0)
		close(fd);
	profile__free(p);
}

/* Each of these is refused whole (-EINVAL), and says nothing of itself. */
static void test_refused(struct test_state *s)
{
	static const char *const bad[] = {
	    /* the end line's counts disagree with the samples */
	    HEAD FRAMES "s 1 1 4\tx\t\t0 1\nend 1 5\n",
	    HEAD FRAMES "s 1 1 4\tx\t\t0 1\nend 2 4\n",
	    HEAD FRAMES "s 1 1 4\tx\t\t0 1\nend 1\n",
	    /* no end, data after it, no or two time lines */
	    HEAD FRAMES "s 1 1 4\tx\t\t0 1\n",
	    HEAD FRAMES "s 1 1 4\tx\t\t0 1\nend 1 4\ns 1 1 4\tx\t\t0 1\n",
	    "bpfprof-window 1\n" FRAMES "s 1 1 4\tx\t\t0 1\nend 1 4\n",
	    HEAD "time 1 1 1\nend 0 0\n",
	    /* a count no window holds, and two that wrap */
	    HEAD FRAMES "s 1 1 1099511627777\tx\t\t0\nend 1 1099511627777\n",
	    HEAD FRAMES "s 1 1 18446744073709551615\tx\t\t0\ns 1 2 1\tx\t\t0\n"
			"end 2 0\n",
	    /* a frame reference out of range, a signed number */
	    HEAD FRAMES "s 1 1 4\tx\t\t0 2\nend 1 4\n",
	    HEAD FRAMES "s 1 1 +4\tx\t\t0\nend 1 4\n",
	    /* label sets: in a version 1 file, out of order, a key twice, a
	     * reference to no set, a set reference in version 1, no key */
	    HEAD FRAMES SETS "s 1 1 4\tx\t\t0 1\nend 1 4\n",
	    HEAD2 FRAMES "l 1 host\th\ns 1 1 4 0\tx\t\t0 1\nend 1 4\n",
	    HEAD2 FRAMES "l 0 host\th\nl 0 host\th2\ns 1 1 4 0\tx\t\t0 1\nend 1 4\n",
	    HEAD2 FRAMES SETS "s 1 1 4 2\tx\t\t0 1\nend 1 4\n",
	    HEAD2 FRAMES "s 1 1 4\tx\t\t0 1\nend 1 4\n",
	    HEAD FRAMES "s 1 1 4 0\tx\t\t0 1\nend 1 4\n",
	    HEAD2 FRAMES "l 0 \th\ns 1 1 4 0\tx\t\t0 1\nend 1 4\n",
	    HEAD2 FRAMES "l 0 host\th\nend 0 0\n",
	    "bpfprof-window 3\ntime 1 1 1\nend 0 0\n",
	    /* not a window file */
	    "hello\n",
	    "",
	};
	struct window_info info;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		info.samples = 99;
		if (read_text(bad[i], 0, NULL, &info) != -EINVAL || info.samples != 0) {
			printf("  case %zu read\n", i);
			ASSERT_TRUE(s, 0);
		}
	}
	/* the text itself, uncompressed */
	ASSERT_EQ(s, read_text(HEAD FRAMES "s 1 1 4\tx\t\t0 1\nend 1 4\n", 1, NULL, &info), -EINVAL);
cleanup:;
}

/* A gzip stream cut short or damaged after the end line is refused. */
static void test_damaged_gzip(struct test_state *s)
{
	const char *text = HEAD FRAMES "s 1 1 4\tx\t\t0 1\nend 1 4\n";
	struct window_info info;
	char buf[512], err[256];
	ssize_t n;
	int fd = text_fd(text, 0), cut = -1;

	ASSERT_TRUE(s, fd >= 0);
	n = read(fd, buf, sizeof(buf));
	ASSERT_TRUE(s, n > 20);
	cut = memfd(buf, (size_t)n - 4); /* without the length trailer */
	ASSERT_EQ(s, window_file__read(cut, "cut", NULL, NULL, &info, NULL, err, sizeof(err)),
		  -EINVAL);
	close(cut);
	buf[n - 6] ^= 0x55; /* the CRC */
	cut = memfd(buf, (size_t)n);
	ASSERT_EQ(s, window_file__read(cut, "crc", NULL, NULL, &info, NULL, err, sizeof(err)),
		  -EINVAL);
cleanup:
	if (fd >= 0)
		close(fd);
	if (cut >= 0)
		close(cut);
}

/* The fuzz target's seed (tests/fixtures/window.txt) is a valid window. */
static void test_fixture(struct test_state *s)
{
	struct window_info info;
	char text[4096];
	FILE *f = fopen("tests/fixtures/window.txt", "r");
	size_t n;

	if (!f)
		SKIP(s, "run from the repository root");
	n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = '\0';
	ASSERT_EQ(s, read_text(text, 0, NULL, &info), 0);
	ASSERT_EQ(s, info.samples, 183);
cleanup:
	if (f)
		fclose(f);
}

/* A window file written by the agent before labels (version 1: main at
 * 7ca9b69, tests/fixtures/window-v1.win.gz) still reads, without labels,
 * and filters by pid, comm and labels as before. */
static void test_version1_file(struct test_state *s)
{
	const struct profile_label by_host[] = {{"host", "vm"}}, by_comm[] = {{"comm", "calltree"}};
	struct window_filter flt = {0};
	struct window_info info;
	struct profile *p = profile__new();
	uint64_t added = 0, calltree = 0;
	char err[256] = "";
	int fd = open("tests/fixtures/window-v1.win.gz", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		SKIP(s, "run from the repository root");
	ASSERT_TRUE(s, p);
	ASSERT_EQ(s, window_file__read(fd, "v1", NULL, p, &info, &added, err, sizeof(err)), 0);
	ASSERT_EQ(s, info.samples, 106);
	ASSERT_EQ(s, added, 106);
	ASSERT_EQ(s, info.time_ns, 1796309459373000000ULL);
	for (size_t i = 0; i < profile__sample_count(p); i++) {
		const struct profile_sample *x = profile__sample(p, i);

		ASSERT_TRUE(s, x->labels == NULL);
		if (!strcmp(x->comm, "calltree"))
			calltree += x->count;
	}
	ASSERT_TRUE(s, calltree > 0);
	/* a label filter: nothing carries host; comm works as a label key */
	flt.labels = by_host;
	flt.nlabels = 1;
	ASSERT_EQ(s, lseek(fd, 0, SEEK_SET), 0);
	ASSERT_EQ(s, window_file__read(fd, "v1", &flt, NULL, &info, &added, err, sizeof(err)), 0);
	profile__free(p);
	p = profile__new();
	ASSERT_TRUE(s, p);
	ASSERT_EQ(s, lseek(fd, 0, SEEK_SET), 0);
	ASSERT_EQ(s, window_file__read(fd, "v1", &flt, p, &info, &added, err, sizeof(err)), 0);
	ASSERT_EQ(s, added, 0);
	flt.labels = by_comm;
	ASSERT_EQ(s, lseek(fd, 0, SEEK_SET), 0);
	ASSERT_EQ(s, window_file__read(fd, "v1", &flt, p, &info, &added, err, sizeof(err)), 0);
	ASSERT_EQ(s, added, calltree);
cleanup:
	if (fd >= 0)
		close(fd);
	profile__free(p);
}

int main(void)
{
	RUN_TEST(&st, test_round_trip);
	RUN_TEST(&st, test_valid_text);
	RUN_TEST(&st, test_labels_text);
	RUN_TEST(&st, test_refused);
	RUN_TEST(&st, test_damaged_gzip);
	RUN_TEST(&st, test_fixture);
	RUN_TEST(&st, test_version1_file);
	return test__finish(&st);
}
