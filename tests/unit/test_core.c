// SPDX-License-Identifier: MIT
/* test_core.c - hmap, root_open (and its refusals), /proc/PID/maps lines, cli parsing, profile interning and the folded writer. */
#include "cmd/cli.h"
#include "common/parse.h"
#include "format/folded.h"
#include "harness.h"
#include "common/hmap.h"
#include "common/root_open.h"
#include "format/profile.h"
#include "sample/proc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static struct test_state T = {.suite = "core"};

static void test_hmap_put_get_grow(struct test_state *t)
{
	struct hmap *m = hmap__new();
	uint64_t v = 0;
	char key[32];

	ASSERT_TRUE(t, m);
	for (int i = 0; i < 10000; i++) {
		snprintf(key, sizeof(key), "key-%d", i);
		ASSERT_EQ(t, hmap__put(m, key, strlen(key), (uint64_t)i * 3, NULL, NULL), 1);
	}
	ASSERT_EQ(t, hmap__count(m), 10000);
	ASSERT_EQ(t, hmap__put(m, "key-42", 6, 7, &v, NULL), 0); /* already there */
	ASSERT_EQ(t, v, 126);
	ASSERT_EQ(t, hmap__get(m, "key-9999", 8, &v), 1);
	ASSERT_EQ(t, v, 29997);
	ASSERT_EQ(t, hmap__get(m, "key-10000", 9, &v), 0);
	ASSERT_EQ(t, hmap__set(m, "key-1", 5, 5), 0);
	ASSERT_EQ(t, hmap__get(m, "key-1", 5, &v), 1);
	ASSERT_EQ(t, v, 5);
	ASSERT_EQ(t, hmap__set(m, "nope", 4, 5), -ENOENT);
cleanup:
	hmap__free(m);
}

/* A cache that churns: keys come and go, every survivor stays findable and
 * memory follows what is present (slots shrink, the arena is compacted). */
static void test_hmap_delete_churn(struct test_state *t)
{
	struct hmap *m = hmap__new();
	uint64_t v = 0;
	char key[48];

	ASSERT_TRUE(t, m);
	for (int round = 0; round < 50; round++) {
		for (int i = 0; i < 2000; i++) {
			snprintf(key, sizeof(key), "file-%d-%d", round, i);
			ASSERT_EQ(t, hmap__put(m, key, strlen(key), (uint64_t)i, NULL, NULL), 1);
		}
		/* drop the previous round, and every other key of this one */
		for (int i = 0; round && i < 2000; i++) {
			snprintf(key, sizeof(key), "file-%d-%d", round - 1, i);
			if (i % 2)
				ASSERT_EQ(t, hmap__del(m, key, strlen(key)), 0);
			else
				ASSERT_EQ(t, hmap__del(m, key, strlen(key)), -ENOENT);
		}
		for (int i = 0; i < 2000; i += 2) {
			snprintf(key, sizeof(key), "file-%d-%d", round, i);
			ASSERT_EQ(t, hmap__del(m, key, strlen(key)), 0);
		}
		ASSERT_EQ(t, hmap__count(m), 1000);
		for (int i = 1; i < 2000; i += 2) {
			snprintf(key, sizeof(key), "file-%d-%d", round, i);
			ASSERT_EQ(t, hmap__get(m, key, strlen(key), &v), 1);
			ASSERT_EQ(t, v, (uint64_t)i);
		}
	}
	for (int i = 1; i < 2000; i += 2) {
		snprintf(key, sizeof(key), "file-49-%d", i);
		ASSERT_EQ(t, hmap__del(m, key, strlen(key)), 0);
	}
	ASSERT_EQ(t, hmap__count(m), 0);
	ASSERT_EQ(t, hmap__get(m, "file-49-1", 9, &v), 0);
	ASSERT_EQ(t, hmap__put(m, "again", 5, 9, NULL, NULL), 1);
	ASSERT_EQ(t, hmap__get(m, "again", 5, &v), 1);
	ASSERT_EQ(t, v, 9);
cleanup:
	hmap__free(m);
}

static int write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	fputs(text, f);
	return fclose(f);
}

/* The first bytes of fd as a string ("" on error); closes fd. */
static const char *read_fd(int fd, char *buf, size_t len)
{
	ssize_t n = fd >= 0 ? read(fd, buf, len - 1) : -1;

	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

/* "..", absolute paths and absolute symlinks all stay inside the root. */
static void test_root_open_stays_inside(struct test_state *t)
{
	char dir[] = "/tmp/bpfprof-root-XXXXXX", root[64], p[128], buf[32];
	int fd;

	ASSERT_TRUE(t, mkdtemp(dir) != NULL);
	snprintf(root, sizeof(root), "%s/root", dir);
	ASSERT_EQ(t, mkdir(root, 0700), 0);
	snprintf(p, sizeof(p), "%s/secret", dir);
	ASSERT_EQ(t, write_file(p, "outer"), 0);
	snprintf(p, sizeof(p), "%s/secret", root);
	ASSERT_EQ(t, write_file(p, "inner"), 0);
	snprintf(p, sizeof(p), "%s/up", root);
	ASSERT_EQ(t, symlink("../secret", p), 0);
	snprintf(p, sizeof(p), "%s/abs", root);
	ASSERT_EQ(t, symlink("/secret", p), 0);

	fd = root_open__file(root, "/secret", NULL);
	if (fd == -ENOSYS)
		SKIP(t, "no openat2 on this kernel");
	ASSERT_STREQ(t, read_fd(fd, buf, sizeof(buf)), "inner");
	ASSERT_STREQ(t, read_fd(root_open__file(root, "../secret", NULL), buf, sizeof(buf)), "inner");
	ASSERT_STREQ(t, read_fd(root_open__file(root, "/up", NULL), buf, sizeof(buf)), "inner");
	ASSERT_STREQ(t, read_fd(root_open__file(root, "abs", &(struct root_open_opts){0}), buf,
				sizeof(buf)),
		     "inner");
	ASSERT_EQ(t, root_open__file(root, "/nope", NULL), -ENOENT);
	/* NULL root: the host's filesystem, as given */
	snprintf(p, sizeof(p), "%s/secret", dir);
	ASSERT_STREQ(t, read_fd(root_open__file(NULL, p, NULL), buf, sizeof(buf)), "outer");
	ASSERT_EQ(t, root_open__file(root, NULL, NULL), -EINVAL);
	ASSERT_EQ(t, root_open__file(root, "/secret", &(struct root_open_opts){.flags = 1u << 31}),
		  -EINVAL);
cleanup:
	for (const char *n = "root/up\0root/abs\0root/secret\0secret\0root\0"; *n; n += strlen(n) + 1) {
		snprintf(p, sizeof(p), "%s/%s", dir, n);
		remove(p);
	}
	rmdir(dir);
}

/* What a hostile process can plant instead of a file is refused, counted by
 * reason, and never waited for. */
static void test_root_open_refusals(struct test_state *t)
{
	char dir[] = "/tmp/bpfprof-refuse-XXXXXX", p[128], buf[32];
	struct root_open_stats st = {0};
	struct root_open_opts reg = {.flags = ROOT_OPEN_REGULAR | ROOT_OPEN_NOFOLLOW, .stats = &st};
	struct root_open_opts o;
	int made = mkdtemp(dir) != NULL, fd;

	ASSERT_TRUE(t, made);
	if (geteuid() != 0)
		SKIP(t, "needs root (files of other owners)");
	snprintf(p, sizeof(p), "%s/plain", dir);
	ASSERT_EQ(t, write_file(p, "plain"), 0);
	snprintf(p, sizeof(p), "%s/nobody", dir);
	ASSERT_EQ(t, write_file(p, "nobody's"), 0);
	ASSERT_EQ(t, chown(p, 65534, 65534), 0);
	snprintf(p, sizeof(p), "%s/fifo", dir);
	ASSERT_EQ(t, mkfifo(p, 0666), 0);
	snprintf(p, sizeof(p), "%s/dir", dir);
	ASSERT_EQ(t, mkdir(p, 0700), 0);
	snprintf(p, sizeof(p), "%s/link", dir);
	ASSERT_EQ(t, symlink("plain", p), 0);
	snprintf(p, sizeof(p), "%s/big", dir);
	fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	ASSERT_TRUE(t, fd >= 0);
	ASSERT_EQ(t, ftruncate(fd, 2 << 20), 0); /* sparse: costs nothing to make */
	close(fd);

	fd = root_open__file(dir, "/plain", &reg);
	if (fd == -ENOSYS)
		SKIP(t, "no openat2 on this kernel");
	ASSERT_STREQ(t, read_fd(fd, buf, sizeof(buf)), "plain");
	/* a FIFO: refused at once, not opened (an open for reading would wait) */
	ASSERT_EQ(t, root_open__file(dir, "/fifo", &reg), -ENXIO);
	ASSERT_EQ(t, root_open__file(dir, "/dir", &reg), -EISDIR);
	ASSERT_EQ(t, st.not_regular, 2);
	/* a symlink as the last component, inside a root and on the host */
	ASSERT_EQ(t, root_open__file(dir, "/link", &reg), -ELOOP);
	snprintf(p, sizeof(p), "%s/link", dir);
	ASSERT_EQ(t, root_open__file(NULL, p, &reg), -ELOOP);
	ASSERT_EQ(t, st.symlink, 2);
	ASSERT_STREQ(t, read_fd(root_open__file(dir, "/link", NULL), buf, sizeof(buf)), "plain");
	/* owners: the user's own or root's; a root process any; "only" not even root's */
	o = (struct root_open_opts){.flags = ROOT_OPEN_REGULAR | ROOT_OPEN_OWNER, .stats = &st};
	o.uid = 1000;
	ASSERT_EQ(t, root_open__file(dir, "/nobody", &o), -EPERM);
	ASSERT_STREQ(t, read_fd(root_open__file(dir, "/plain", &o), buf, sizeof(buf)), "plain");
	o.uid = 65534;
	ASSERT_STREQ(t, read_fd(root_open__file(dir, "/nobody", &o), buf, sizeof(buf)), "nobody's");
	o.uid = 0;
	ASSERT_STREQ(t, read_fd(root_open__file(dir, "/nobody", &o), buf, sizeof(buf)), "nobody's");
	o.flags = ROOT_OPEN_REGULAR | ROOT_OPEN_OWNER_ONLY;
	ASSERT_EQ(t, root_open__file(dir, "/nobody", &o), -EPERM);
	o.uid = 1000;
	ASSERT_EQ(t, root_open__file(dir, "/plain", &o), -EPERM);
	o.uid = 65534;
	ASSERT_STREQ(t, read_fd(root_open__file(dir, "/nobody", &o), buf, sizeof(buf)), "nobody's");
	ASSERT_EQ(t, st.owner, 3);
	/* size */
	o = (struct root_open_opts){.flags = ROOT_OPEN_REGULAR, .max_size = 1 << 20, .stats = &st};
	ASSERT_EQ(t, root_open__file(dir, "/big", &o), -EFBIG);
	ASSERT_EQ(t, st.too_big, 1);
	o.max_size = 2 << 20;
	fd = root_open__file(dir, "/big", &o);
	ASSERT_TRUE(t, fd >= 0);
	close(fd);
	ASSERT_EQ(t, st.not_regular + st.symlink + st.owner + st.too_big, 8);
	/* procfs files are regular (of size 0): they pass */
	ASSERT_TRUE(t, strncmp(read_fd(root_open__file(NULL, "/proc/self/status", &reg), buf,
				       sizeof(buf)),
			       "Name:", 5) == 0);
	/* root_open__at opens directly: the same refusals, and never a wait */
	{
		int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC), pfd;

		ASSERT_TRUE(t, dfd >= 0);
		memset(&st, 0, sizeof(st));
		ASSERT_STREQ(t, read_fd(root_open__at(dfd, "plain", &reg), buf, sizeof(buf)), "plain");
		ASSERT_EQ(t, root_open__at(dfd, "fifo", &reg), -ENXIO);
		ASSERT_EQ(t, root_open__at(dfd, "dir", &reg), -EISDIR);
		ASSERT_EQ(t, root_open__at(dfd, "link", &reg), -ELOOP);
		ASSERT_EQ(t, root_open__at(dfd, "nope", &reg), -ENOENT);
		o = (struct root_open_opts){.flags = ROOT_OPEN_REGULAR | ROOT_OPEN_OWNER, .uid = 1000,
					    .stats = &st};
		ASSERT_EQ(t, root_open__at(dfd, "nobody", &o), -EPERM);
		ASSERT_EQ(t, st.not_regular + st.symlink + st.owner, 4);
		close(dfd);
		pfd = open("/proc/self", O_PATH | O_DIRECTORY | O_CLOEXEC);
		ASSERT_TRUE(t, strncmp(read_fd(root_open__at(pfd, "status", &reg), buf, sizeof(buf)),
				       "Name:", 5) == 0);
		close(pfd);
	}
cleanup:
	for (const char *n = "plain\0nobody\0fifo\0dir\0link\0big\0"; made && *n; n += strlen(n) + 1) {
		snprintf(p, sizeof(p), "%s/%s", dir, n);
		remove(p);
	}
	if (made)
		rmdir(dir);
}

struct lines_seen {
	char text[256];
	int n;
};

static int collect_line(void *ctx, char *line, size_t len)
{
	struct lines_seen *l = ctx;

	if (strlen(line) != len)
		return -EINVAL;
	snprintf(l->text + strlen(l->text), sizeof(l->text) - strlen(l->text), "[%s]", line);
	return ++l->n >= 100;
}

static int memfd_with(const char *text)
{
	int fd = memfd_create("lines", MFD_CLOEXEC);

	if (fd >= 0 && write(fd, text, strlen(text)) == (ssize_t)strlen(text) &&
	    lseek(fd, 0, SEEK_SET) == 0)
		return fd;
	if (fd >= 0)
		close(fd);
	return -1;
}

/* Bounded reads: whole small files, and lines with a bound on each and on all. */
static void test_root_open_bounded_reads(struct test_state *t)
{
	struct lines_seen l = {0};
	char buf[16];
	int fd = memfd_with("0123456789");

	ASSERT_TRUE(t, fd >= 0);
	ASSERT_EQ(t, root_open__read(fd, buf, 8), -EFBIG);
	ASSERT_STREQ(t, buf, "0123456");
	lseek(fd, 0, SEEK_SET);
	ASSERT_EQ(t, root_open__read(fd, buf, 11), 10);
	ASSERT_STREQ(t, buf, "0123456789");
	close(fd);

	/* a line over max_line is skipped whole, the last one needs no newline */
	fd = memfd_with("a\nbbbbbbbbbbbb\ncccc\n\nlast");
	ASSERT_TRUE(t, fd >= 0);
	ASSERT_EQ(t, root_open__lines(fd, 1000, 4, collect_line, &l), 0);
	ASSERT_STREQ(t, l.text, "[a][cccc][][last]");
	/* the byte bound: lines before it, then -EFBIG */
	lseek(fd, 0, SEEK_SET);
	memset(&l, 0, sizeof(l));
	ASSERT_EQ(t, root_open__lines(fd, 20, 4, collect_line, &l), -EFBIG);
	ASSERT_STREQ(t, l.text, "[a][cccc]");
	/* exactly at the bound is the whole file */
	lseek(fd, 0, SEEK_SET);
	memset(&l, 0, sizeof(l));
	ASSERT_EQ(t, root_open__lines(fd, 26, 4, collect_line, &l), 0);
	ASSERT_STREQ(t, l.text, "[a][cccc][][last]");
cleanup:
	if (fd >= 0)
		close(fd);
}

static void test_proc_maps_line(struct test_state *t)
{
	struct proc_maps_line m;

	ASSERT_EQ(t, proc_maps__parse_line("7f1234560000-7f1234570000 r-xp 00001000 fd:01 123456    "
					   "/usr/lib/x86_64-linux-gnu/libc.so.6",
					   &m),
		  0);
	ASSERT_EQ(t, m.start, 0x7f1234560000ULL);
	ASSERT_EQ(t, m.end, 0x7f1234570000ULL);
	ASSERT_STREQ(t, m.perms, "r-xp");
	ASSERT_EQ(t, m.pgoff, 0x1000);
	ASSERT_EQ(t, m.major, 0xfd);
	ASSERT_EQ(t, m.minor, 1);
	ASSERT_EQ(t, m.ino, 123456);
	ASSERT_STREQ(t, m.path, "/usr/lib/x86_64-linux-gnu/libc.so.6");
	ASSERT_EQ(t, proc_maps__parse_line("7ffd1000-7ffd2000 rwxp 00000000 00:00 0 ", &m), 0);
	ASSERT_STREQ(t, m.path, "");
	ASSERT_EQ(t, proc_maps__parse_line("7ffd1000-7ffd2000 r-xp 00000000 00:00 0", &m), 0);
	ASSERT_STREQ(t, m.path, "");
	ASSERT_EQ(t, proc_maps__parse_line("1000-2000 r-xp 0 103:02 5 /tmp/a b (deleted)", &m), 0);
	ASSERT_STREQ(t, m.path, "/tmp/a b (deleted)");
	ASSERT_EQ(t, m.major, 0x103);
	ASSERT_EQ(t, proc_maps__parse_line("ffffffffff600000-ffffffffff601000 --xp 0 00:00 0 "
					   "[vsyscall]",
					   &m),
		  0);
	ASSERT_STREQ(t, m.path, "[vsyscall]");
	const char *bad[] = {
		"", "1000-2000", "1000-2000 r-x", "1000-2000 r-xp", "zz-2000 r-xp 0 0:0 0",
		"2000-1000 r-xp 0 0:0 0", "1000-1000 r-xp 0 0:0 0", "1000-2000 r-xp 0 0:0 12x /a",
		"1000-2000 r-xp 0 00 0 /a", "1000-2000 r-xp 0 0:0 99999999999999999999 /a",
		"10000000000000000-10000000000000001 r-xp 0 0:0 0", "1000 2000 r-xp 0 0:0 0",
		"1000-2000 r- 0 0:0 0", "1000-2000 r-xp 0 100000000:0 0",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (proc_maps__parse_line(bad[i], &m) != -EINVAL) {
			fprintf(stderr, "accepted: \"%s\"\n", bad[i]);
			ASSERT_TRUE(t, 0);
		}
	}
cleanup:;
}

static void test_cli_numbers(struct test_state *t)
{
	uint64_t v = 0;

	ASSERT_EQ(t, parse__u64("99", 1, 100, &v), 0);
	ASSERT_EQ(t, v, 99);
	ASSERT_EQ(t, parse__u64("0", 1, 100, &v), -EINVAL);
	ASSERT_EQ(t, parse__u64("101", 1, 100, &v), -EINVAL);
	ASSERT_EQ(t, parse__u64("-1", 0, 100, &v), -EINVAL);
	ASSERT_EQ(t, parse__u64("12abc", 0, 100, &v), -EINVAL);
	ASSERT_EQ(t, parse__u64("99999999999999999999999", 0, UINT64_MAX, &v), -EINVAL);
	ASSERT_EQ(t, parse__duration("10", &v), 0);
	ASSERT_EQ(t, v, 10000000000ULL);
	ASSERT_EQ(t, parse__duration("1.5s", &v), 0);
	ASSERT_EQ(t, v, 1500000000ULL);
	ASSERT_EQ(t, parse__duration("250ms", &v), 0);
	ASSERT_EQ(t, v, 250000000ULL);
	ASSERT_EQ(t, parse__duration("24h", &v), 0);
	ASSERT_EQ(t, v, 86400000000000ULL);
	ASSERT_EQ(t, parse__duration("1x", &v), -EINVAL);
	ASSERT_EQ(t, parse__duration("nan", &v), -EINVAL);
	ASSERT_EQ(t, parse__duration("1e300", &v), -EINVAL);
	ASSERT_EQ(t, parse__size("1G", &v), 0);
	ASSERT_EQ(t, v, 1ULL << 30);
	ASSERT_EQ(t, parse__size("64KB", &v), 0);
	ASSERT_EQ(t, v, 65536);
	ASSERT_EQ(t, parse__size("1Q", &v), -EINVAL);
	ASSERT_EQ(t, parse__size("99999999999999999T", &v), -EINVAL);
cleanup:;
}

static void test_cli_pids_and_thousands(struct test_state *t)
{
	uint32_t *pids = NULL;
	size_t n = 0;
	char buf[32];

	ASSERT_EQ(t, cli__parse_pids("1,22,333", &pids, &n), 0);
	ASSERT_EQ(t, n, 3);
	ASSERT_EQ(t, pids[2], 333);
	ASSERT_EQ(t, cli__parse_pids("4,x", &pids, &n), -EINVAL);
	ASSERT_EQ(t, cli__parse_pids("", &pids, &n) == 0 && n == 0, 0);
	ASSERT_STREQ(t, cli__thousands(0, buf, sizeof(buf)), "0");
	ASSERT_STREQ(t, cli__thousands(999, buf, sizeof(buf)), "999");
	ASSERT_STREQ(t, cli__thousands(12345, buf, sizeof(buf)), "12,345");
	ASSERT_STREQ(t, cli__thousands(1234567, buf, sizeof(buf)), "1,234,567");
cleanup:
	free(pids);
}

static void test_profile_merges_and_interns(struct test_state *t)
{
	struct profile *p = profile__new();
	struct frame a = {.name = "main", .module = "/bin/x", .addr = 0x10};
	struct frame a2 = {.name = "main", .module = "/bin/x", .addr = 0x10};
	struct frame k = {.name = "vfs_read", .kind = FRAME_KERNEL, .addr = 0xffff1};
	uint32_t ids[2], id2;

	ASSERT_TRUE(t, p);
	ASSERT_EQ(t, profile__add_frame(p, &a, &ids[0]), 0);
	ASSERT_EQ(t, profile__add_frame(p, &a2, &id2), 0);
	ASSERT_EQ(t, ids[0], id2); /* same frame, same id */
	ASSERT_EQ(t, profile__add_frame(p, &k, &ids[1]), 0);
	ASSERT_EQ(t, profile__frame_count(p), 2);
	ASSERT_EQ(t, profile__add_sample(p, ids, 2, 10, 11, "prog", 3), 0);
	ASSERT_EQ(t, profile__add_sample(p, ids, 2, 10, 11, "prog", 4), 0);
	ASSERT_EQ(t, profile__add_sample(p, ids, 2, 10, 12, "prog", 1), 0); /* other tid */
	ASSERT_EQ(t, profile__sample_count(p), 2);
	ASSERT_EQ(t, profile__sample(p, 0)->count, 7);
	ASSERT_EQ(t, profile__total(p), 8);
	ASSERT_EQ(t, profile__set_build_id(p, "/bin/x", "abcd"), 0);
	ASSERT_STREQ(t, profile__build_id(p, "/bin/x"), "abcd");
	ASSERT_TRUE(t, profile__build_id(p, "/bin/y") == NULL);
cleanup:
	profile__free(p);
}

/* profile__merge: the sum of two profiles, frames re-interned (ids differ),
 * cgroups and build-ids kept, merging twice doubles; src is untouched. */
/* Label sets: interned (any order, same set), samples with different sets
 * stay apart, bounds and bad sets refused. */
static void test_profile_label_sets(struct test_state *t)
{
	struct profile *p = profile__new();
	const struct profile_label a[] = {{"exe", "/bin/x"}, {"host", "h1"}},
				   b[] = {{"host", "h1"}, {"exe", "/bin/x"}},
				   c[] = {{"host", "h2"}, {"exe", "/bin/x"}},
				   dup[] = {{"host", "h1"}, {"host", "h2"}},
				   nokey[] = {{"", "v"}};
	struct profile_label many[PROFILE_MAX_LABELS + 1];
	char keys[PROFILE_MAX_LABELS + 1][16];
	const struct profile_labels *sa, *sb, *sc, *none;
	struct profile_origin o = {.pid = 5, .tid = 5, .comm = "c"};
	uint32_t id;
	struct frame f = {.name = "f"};

	ASSERT_TRUE(t, p);
	ASSERT_EQ(t, profile__labels(p, a, 2, &sa), 0);
	ASSERT_EQ(t, profile__labels(p, b, 2, &sb), 0);
	ASSERT_EQ(t, profile__labels(p, c, 2, &sc), 0);
	ASSERT_TRUE(t, sa && sa == sb && sa != sc);
	ASSERT_EQ(t, profile__labels(p, a, 0, &none), 0);
	ASSERT_TRUE(t, none == NULL);
	ASSERT_EQ(t, profile__labels(p, dup, 2, &none), -EINVAL);
	ASSERT_EQ(t, profile__labels(p, nokey, 1, &none), -EINVAL);
	for (int i = 0; i <= PROFILE_MAX_LABELS; i++) {
		snprintf(keys[i], sizeof(keys[i]), "k%d", i);
		many[i] = (struct profile_label){keys[i], "v"};
	}
	ASSERT_EQ(t, profile__labels(p, many, PROFILE_MAX_LABELS + 1, &none), -E2BIG);
	ASSERT_EQ(t, profile__labels(p, many, PROFILE_MAX_LABELS, &none), 0);
	ASSERT_STREQ(t, profile_labels__get(none, "k63"), "v");
	ASSERT_EQ(t, profile__add_frame(p, &f, &id), 0);
	o.labels = sa;
	ASSERT_EQ(t, profile__add_sample_from(p, &id, 1, &o, 1), 0);
	o.labels = sb;
	ASSERT_EQ(t, profile__add_sample_from(p, &id, 1, &o, 2), 0);
	o.labels = sc;
	ASSERT_EQ(t, profile__add_sample_from(p, &id, 1, &o, 4), 0);
	ASSERT_EQ(t, profile__sample_count(p), 2);
	ASSERT_EQ(t, profile__sample(p, 0)->count, 3);
	ASSERT_STREQ(t, profile_sample__label(profile__sample(p, 1), "host"), "h2");
cleanup:
	profile__free(p);
}

static void test_profile_merge(struct test_state *t)
{
	struct profile *src = profile__new(), *dst = profile__new();
	struct frame f[3] = {{.name = "main", .module = "/bin/x", .addr = 1},
			     {.name = "work", .module = "/bin/x", .file = "w.c", .line = 7, .addr = 2},
			     {.name = "other", .module = "/bin/y", .addr = 3}};
	uint32_t ids[3], d0;
	const struct profile_sample *s;

	ASSERT_TRUE(t, src && dst);
	ASSERT_EQ(t, profile__add_frame(dst, &f[2], &d0), 0); /* dst's ids differ */
	ASSERT_EQ(t, profile__add_sample(dst, &d0, 1, 1, 1, "y", 5), 0);
	for (int i = 0; i < 3; i++)
		ASSERT_EQ(t, profile__add_frame(src, &f[i], &ids[i]), 0);
	{
		const struct profile_label l[] = {{"service", "a.service"}, {"env", "prod"},
						  {"empty", ""}};
		struct profile_origin o = {10, 11, "x", "/sys/a", NULL};

		ASSERT_EQ(t, profile__labels(src, l, 3, &o.labels), 0);
		ASSERT_EQ(t, profile__add_sample_from(src, ids, 2, &o, 3), 0);
	}
	ASSERT_EQ(t, profile__add_sample(src, &ids[2], 1, 1, 1, "y", 2), 0);
	ASSERT_EQ(t, profile__set_build_id(src, "/bin/x", "beef"), 0);
	ASSERT_EQ(t, profile__merge(dst, src), 0);
	ASSERT_EQ(t, profile__total(dst), 10);
	ASSERT_EQ(t, profile__sample_count(dst), 2); /* "other" merged with dst's own */
	ASSERT_EQ(t, profile__sample(dst, 0)->count, 7);
	s = profile__sample(dst, 1);
	ASSERT_EQ(t, s->count, 3);
	ASSERT_EQ(t, s->nframes, 2);
	ASSERT_STREQ(t, profile__frame(dst, s->frames[0])->name, "main");
	ASSERT_STREQ(t, profile__frame(dst, s->frames[1])->file, "w.c");
	ASSERT_EQ(t, profile__frame(dst, s->frames[1])->line, 7);
	ASSERT_STREQ(t, s->cgroup, "/sys/a");
	ASSERT_STREQ(t, s->comm, "x");
	/* the labels came along, interned in dst; empty values are no label */
	ASSERT_TRUE(t, s->labels && s->labels->n == 2);
	ASSERT_STREQ(t, s->labels->l[0].key, "env"); /* sorted */
	ASSERT_STREQ(t, profile_sample__label(s, "service"), "a.service");
	ASSERT_STREQ(t, profile_sample__label(s, "env"), "prod");
	ASSERT_TRUE(t, profile_sample__label(s, "empty") == NULL);
	ASSERT_TRUE(t, profile_sample__label(s, "host") == NULL);
	ASSERT_STREQ(t, profile_sample__label(s, "pid"), "10");
	ASSERT_STREQ(t, profile_sample__label(s, "comm"), "x");
	ASSERT_STREQ(t, profile_sample__label(s, "cgroup"), "/sys/a");
	ASSERT_TRUE(t, profile_sample__label(profile__sample(dst, 0), "cgroup") == NULL);
	ASSERT_STREQ(t, profile__build_id(dst, "/bin/x"), "beef");
	ASSERT_EQ(t, profile__merge(dst, src), 0);
	ASSERT_EQ(t, profile__total(dst), 15);
	ASSERT_EQ(t, profile__frame_count(dst), 3);
	ASSERT_EQ(t, profile__total(src), 5);
cleanup:
	profile__free(src);
	profile__free(dst);
}

static void test_folded_format(struct test_state *t)
{
	struct profile *p = profile__new();
	struct frame fr[] = {
		{.name = "main"},
		{.name = "ns;odd\nna\033[2Jme\x7f", .file = "/src/a.c", .line = 42},
		{.name = "helper", .kind = FRAME_INLINE},
		{.name = "vfs_read", .kind = FRAME_KERNEL},
	};
	uint32_t ids[4];
	char *out = NULL;
	size_t len = 0;
	FILE *f = NULL;

	ASSERT_TRUE(t, p);
	for (int i = 0; i < 4; i++)
		ASSERT_EQ(t, profile__add_frame(p, &fr[i], &ids[i]), 0);
	/* two tids of one comm and stack merge into one line */
	ASSERT_EQ(t, profile__add_sample(p, ids, 4, 1, 1, "my prog", 2), 0);
	ASSERT_EQ(t, profile__add_sample(p, ids, 4, 1, 2, "my prog", 3), 0);
	ASSERT_EQ(t, profile__add_sample(p, ids, 1, 1, 2, "", 1), 0);
	f = open_memstream(&out, &len);
	ASSERT_TRUE(t, f);
	ASSERT_EQ(t, folded__write(p, NULL, f), 0);
	fclose(f);
	f = NULL;
	ASSERT_STREQ(t, out, "[unknown];main 1\n"
			     "my prog;main;ns:odd na?[2Jme?;helper_[i];vfs_read_[k] 5\n");
	free(out);
	out = NULL;
	f = open_memstream(&out, &len);
	ASSERT_EQ(t, folded__write(p, &(struct folded_opts){.lines = true}, f), 0);
	fclose(f);
	f = NULL;
	ASSERT_TRUE(t, strstr(out, ";ns:odd na?[2Jme? (a.c:42);") != NULL);
cleanup:
	if (f)
		fclose(f);
	free(out);
	profile__free(p);
}

int main(void)
{
	RUN_TEST(&T, test_hmap_put_get_grow);
	RUN_TEST(&T, test_hmap_delete_churn);
	RUN_TEST(&T, test_root_open_stays_inside);
	RUN_TEST(&T, test_root_open_refusals);
	RUN_TEST(&T, test_root_open_bounded_reads);
	RUN_TEST(&T, test_proc_maps_line);
	RUN_TEST(&T, test_cli_numbers);
	RUN_TEST(&T, test_cli_pids_and_thousands);
	RUN_TEST(&T, test_profile_merges_and_interns);
	RUN_TEST(&T, test_profile_merge);
	RUN_TEST(&T, test_profile_label_sets);
	RUN_TEST(&T, test_folded_format);
	return test__finish(&T);
}
