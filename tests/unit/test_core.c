// SPDX-License-Identifier: MIT
/* test_core.c - hmap, root_open, cli parsing, profile interning and the folded writer. */
#include "cmd/cli.h"
#include "common/parse.h"
#include "format/folded.h"
#include "harness.h"
#include "common/hmap.h"
#include "common/root_open.h"
#include "format/profile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
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
	ASSERT_EQ(t, root_open__file(root, "/secret", &(struct root_open_opts){.flags = 1}), -EINVAL);
cleanup:
	for (const char *n = "root/up\0root/abs\0root/secret\0secret\0root\0"; *n; n += strlen(n) + 1) {
		snprintf(p, sizeof(p), "%s/%s", dir, n);
		remove(p);
	}
	rmdir(dir);
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
	ASSERT_EQ(t, profile__add_sample_cg(src, ids, 2, 10, 11, "x", "/sys/a", 3), 0);
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
		{.name = "ns;odd\nname", .file = "/src/a.c", .line = 42},
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
			     "my prog;main;ns:odd name;helper_[i];vfs_read_[k] 5\n");
	free(out);
	out = NULL;
	f = open_memstream(&out, &len);
	ASSERT_EQ(t, folded__write(p, &(struct folded_opts){.lines = true}, f), 0);
	fclose(f);
	f = NULL;
	ASSERT_TRUE(t, strstr(out, ";ns:odd name (a.c:42);") != NULL);
cleanup:
	if (f)
		fclose(f);
	free(out);
	profile__free(p);
}

int main(void)
{
	RUN_TEST(&T, test_hmap_put_get_grow);
	RUN_TEST(&T, test_root_open_stays_inside);
	RUN_TEST(&T, test_cli_numbers);
	RUN_TEST(&T, test_cli_pids_and_thousands);
	RUN_TEST(&T, test_profile_merges_and_interns);
	RUN_TEST(&T, test_profile_merge);
	RUN_TEST(&T, test_folded_format);
	return test__finish(&T);
}
