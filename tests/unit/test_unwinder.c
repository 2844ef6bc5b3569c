// SPDX-License-Identifier: MIT
/*
 * test_unwinder.c - tables into real BPF maps: per-process ranges with the
 * right load bias, one table for two copies of a file (build-id), and LRU
 * eviction inside a fixed row budget. Needs root (creates BPF maps).
 */
#include "harness.h"
#include "sample/proc.h"
#include "sample/unwinder.h"
#include "unwind/unwind_table.h"

#include <bpf/bpf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

struct maps {
	struct collector_unwind_maps m;
};

static int maps_open(struct maps *mp, uint32_t rows)
{
	mp->m.rows_fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "t_rows", 4, sizeof(struct unwind_row),
				       rows, NULL);
	mp->m.tables_fd = bpf_map_create(BPF_MAP_TYPE_HASH, "t_tables", 4,
					 sizeof(struct unwind_table_ref), 64, NULL);
	mp->m.procs_fd = bpf_map_create(BPF_MAP_TYPE_HASH, "t_procs", 4, sizeof(struct proc_unwind),
					16, NULL);
	mp->m.rows_capacity = rows;
	if (mp->m.rows_fd < 0 || mp->m.tables_fd < 0 || mp->m.procs_fd < 0)
		return -errno;
	return 0;
}

static void maps_close(struct maps *mp)
{
	if (mp->m.rows_fd >= 0)
		close(mp->m.rows_fd);
	if (mp->m.tables_fd >= 0)
		close(mp->m.tables_fd);
	if (mp->m.procs_fd >= 0)
		close(mp->m.procs_fd);
}

__attribute__((noinline)) int probe_function(int x)
{
	return x * 3 + 1;
}

/* A process with one mapping of an open file (start, pgoff as given). */
static void fake_proc(struct proc *p, struct proc_mapping *m, struct proc_file *f, uint32_t pid,
		      const char *path, int fd, uint64_t start, uint64_t end, uint64_t pgoff)
{
	struct stat st;

	memset(p, 0, sizeof(*p));
	memset(f, 0, sizeof(*f));
	fstat(fd, &st);
	f->fd = fd;
	f->dev = st.st_dev;
	f->ino = st.st_ino;
	m->start = start;
	m->end = end;
	m->pgoff = pgoff;
	m->path = path;
	m->file = f;
	p->pid = pid;
	p->maps = m;
	p->nmaps = 1;
}

static void test_self_ranges_and_bias(struct test_state *s)
{
	struct maps mp = {{-1, -1, -1, 0}};
	struct proc_table *pt = NULL;
	struct unwinder *u = NULL;
	struct unwind_table *t = NULL;
	struct proc_unwind pu;
	struct unwinder_stats st;
	uint32_t pid = (uint32_t)getpid();
	uint64_t addr = (uint64_t)(uintptr_t)&probe_function;
	const struct unwind_row *want;
	struct unwind_table_ref ref;
	struct unwind_row got;
	uint32_t i, key;
	int fd = -1, ret;

	ret = maps_open(&mp, 1u << 20);
	if (ret == -EPERM)
		SKIP(s, "creating BPF maps needs root");
	ASSERT_EQ(s, ret, 0);
	ASSERT_EQ(s, unwinder__new(&mp.m, &u), 0);
	ASSERT_EQ(s, proc_table__new(NULL, &pt), 0);
	ASSERT_EQ(s, proc_table__capture(pt, pid), 0);
	ASSERT_EQ(s, unwinder__load_proc(u, proc_table__get(pt, pid), UNWIND_BUILD_ALL), 0);
	unwinder__stats(u, &st);
	ASSERT_TRUE(s, st.files >= 3); /* this binary, libc, ld.so (and the vDSO) */
	ASSERT_TRUE(s, st.rows_used > 10000);

	ASSERT_EQ(s, bpf_map_lookup_elem(mp.m.procs_fd, &pid, &pu), 0);
	ASSERT_TRUE(s, pu.nranges >= 3);
	for (i = 0; i < pu.nranges; i++)
		if (addr >= pu.ranges[i].start && addr < pu.ranges[i].end)
			break;
	ASSERT_TRUE(s, i < pu.nranges);
	/* the row the BPF side would find equals the file's own row */
	ASSERT_EQ(s, bpf_map_lookup_elem(mp.m.tables_fd, &pu.ranges[i].table_id, &ref), 0);
	fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	ASSERT_EQ(s, unwind_table__build_fd(fd, &t, NULL, 0), 0);
	want = unwind_table__find(t, addr - pu.ranges[i].bias);
	ASSERT_TRUE(s, want != NULL && want->cfa_rule == CFA_SP);
	ASSERT_EQ(s, ref.count, t->nrows);
	key = ref.offset + (uint32_t)(want - t->rows);
	ASSERT_EQ(s, bpf_map_lookup_elem(mp.m.rows_fd, &key, &got), 0);
	ASSERT_EQ(s, got.pc, want->pc);
	ASSERT_EQ(s, got.cfa_off, want->cfa_off);

	unwinder__forget(u, pid);
	ASSERT_TRUE(s, bpf_map_lookup_elem(mp.m.procs_fd, &pid, &pu) != 0);
cleanup:
	unwind_table__free(t);
	if (fd >= 0)
		close(fd);
	unwinder__free(u);
	proc_table__free(pt);
	maps_close(&mp);
}

/* A copy of this test binary (same build-id, another inode) in a file made
 * from tmpl: its descriptor, or -1. */
static int copy_of_self(char *tmpl)
{
	int in = open("/proc/self/exe", O_RDONLY | O_CLOEXEC), out = mkstemp(tmpl);
	char buf[65536];
	ssize_t n = -1;

	if (in >= 0 && out >= 0)
		while ((n = read(in, buf, sizeof(buf))) > 0 && write(out, buf, (size_t)n) == n)
			;
	if (in >= 0)
		close(in);
	if (n != 0 && out >= 0) {
		close(out);
		unlink(tmpl);
		out = -1;
	}
	return out;
}

static void test_build_id_shared(struct test_state *s)
{
	struct maps mp = {{-1, -1, -1, 0}};
	struct unwinder *u = NULL;
	struct proc p1, p2;
	struct proc_mapping m1, m2;
	struct proc_file f1, f2;
	struct unwinder_stats st;
	char copy[] = "/tmp/test_unwinder.XXXXXX";
	int fd1 = -1, fd2 = -1, ret;
	uint64_t rows;

	ret = maps_open(&mp, 1u << 20);
	if (ret == -EPERM)
		SKIP(s, "creating BPF maps needs root");
	ASSERT_EQ(s, ret, 0);
	ASSERT_EQ(s, unwinder__new(&mp.m, &u), 0);
	fd1 = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	fd2 = copy_of_self(copy);
	ASSERT_TRUE(s, fd1 >= 0 && fd2 >= 0);
	fake_proc(&p1, &m1, &f1, 1001, "/a", fd1, 0x555555554000ULL, 0x555555600000ULL, 0);
	fake_proc(&p2, &m2, &f2, 1002, "/b", fd2, 0x565555554000ULL, 0x565555600000ULL, 0);
	ASSERT_TRUE(s, f1.ino != f2.ino);
	ASSERT_EQ(s, unwinder__load_proc(u, &p1, UNWIND_BUILD_ALL), 0);
	unwinder__stats(u, &st);
	rows = st.rows_used;
	ASSERT_EQ(s, unwinder__load_proc(u, &p2, UNWIND_BUILD_ALL), 0);
	unwinder__stats(u, &st);
	ASSERT_EQ(s, st.shared_by_build_id, 1);
	ASSERT_EQ(s, st.rows_used, rows);
	ASSERT_EQ(s, st.tables_built, 1);
cleanup:
	if (fd1 >= 0)
		close(fd1);
	if (fd2 >= 0) {
		close(fd2);
		unlink(copy);
	}
	unwinder__free(u);
	maps_close(&mp);
}

/* A user's file with a build-id does not lend its table to root's file with
 * that build-id (its rules could be forged); a user's file may use root's. */
static void test_build_id_owner(struct test_state *s)
{
	struct maps mp = {{-1, -1, -1, 0}};
	struct unwinder *u = NULL;
	struct proc p1, p2, p3;
	struct proc_mapping m1, m2, m3;
	struct proc_file f1, f2, f3;
	struct unwinder_stats st;
	char copy1[] = "/tmp/test_unwinder.XXXXXX", copy3[] = "/tmp/test_unwinder.XXXXXX";
	int self = -1, fd1 = -1, fd3 = -1, ret;

	ret = maps_open(&mp, 1u << 20);
	if (ret == -EPERM)
		SKIP(s, "creating BPF maps needs root");
	ASSERT_EQ(s, ret, 0);
	ASSERT_EQ(s, unwinder__new(&mp.m, &u), 0);
	self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	fd1 = copy_of_self(copy1);
	fd3 = copy_of_self(copy3);
	ASSERT_TRUE(s, self >= 0 && fd1 >= 0 && fd3 >= 0);
	fake_proc(&p1, &m1, &f1, 1001, "/user-copy", fd1, 0x555555554000ULL, 0x555555600000ULL, 0);
	fake_proc(&p2, &m2, &f2, 1002, "/root-file", self, 0x565555554000ULL, 0x565555600000ULL, 0);
	fake_proc(&p3, &m3, &f3, 1003, "/other-user", fd3, 0x575555554000ULL, 0x575555600000ULL, 0);
	f1.owner = 1234;
	f3.owner = 4321;
	ASSERT_EQ(s, unwinder__load_proc(u, &p1, UNWIND_BUILD_ALL), 0);
	ASSERT_EQ(s, unwinder__load_proc(u, &p2, UNWIND_BUILD_ALL), 0);
	unwinder__stats(u, &st);
	ASSERT_EQ(s, st.shared_by_build_id, 0); /* root's file got its own table */
	ASSERT_EQ(s, st.tables_built, 2);
	ASSERT_EQ(s, unwinder__load_proc(u, &p3, UNWIND_BUILD_ALL), 0);
	unwinder__stats(u, &st);
	ASSERT_EQ(s, st.shared_by_build_id, 1); /* another user's: root's table */
	ASSERT_EQ(s, st.tables_built, 2);
cleanup:
	if (self >= 0)
		close(self);
	if (fd1 >= 0) {
		close(fd1);
		unlink(copy1);
	}
	if (fd3 >= 0) {
		close(fd3);
		unlink(copy3);
	}
	unwinder__free(u);
	maps_close(&mp);
}

static void test_lru_eviction(struct test_state *s)
{
	static const char *const libc = "/lib/x86_64-linux-gnu/libc.so.6";
	static const char *const ld = "/lib64/ld-linux-x86-64.so.2";
	struct maps mp = {{-1, -1, -1, 0}};
	struct unwinder *u = NULL;
	struct unwind_table *tl = NULL, *td = NULL;
	struct proc p1, p2;
	struct proc_mapping m1, m2;
	struct proc_file f1, f2;
	struct unwinder_stats st;
	struct proc_unwind pu;
	struct unwind_table_ref ref;
	uint32_t libc_table;
	int fd1 = open(libc, O_RDONLY | O_CLOEXEC), fd2 = open(ld, O_RDONLY | O_CLOEXEC), ret;

	if (fd1 < 0 || fd2 < 0)
		SKIP(s, "no Debian libc/ld.so paths");
	ASSERT_EQ(s, unwind_table__build_fd(fd1, &tl, NULL, 0), 0);
	ASSERT_EQ(s, unwind_table__build_fd(fd2, &td, NULL, 0), 0);
	/* room for the bigger of the two, not for both */
	ret = maps_open(&mp, (uint32_t)(tl->nrows > td->nrows ? tl->nrows : td->nrows) + 16);
	if (ret == -EPERM)
		SKIP(s, "creating BPF maps needs root");
	ASSERT_EQ(s, ret, 0);
	ASSERT_EQ(s, unwinder__new(&mp.m, &u), 0);
	fake_proc(&p1, &m1, &f1, 2001, libc, fd1, 0x7f0000026000ULL, 0x7f000017c000ULL, 0x26000);
	fake_proc(&p2, &m2, &f2, 2002, ld, fd2, 0x7f1000001000ULL, 0x7f1000027000ULL, 0x1000);
	ASSERT_EQ(s, unwinder__load_proc(u, &p1, UNWIND_BUILD_ALL), 0);
	ASSERT_EQ(s, bpf_map_lookup_elem(mp.m.procs_fd, &p1.pid, &pu), 0);
	ASSERT_EQ(s, pu.nranges, 1);
	libc_table = pu.ranges[0].table_id;
	ASSERT_EQ(s, unwinder__load_proc(u, &p2, UNWIND_BUILD_ALL), 0);
	unwinder__stats(u, &st);
	ASSERT_EQ(s, st.evictions, 1);
	ASSERT_EQ(s, st.files, 1);
	ASSERT_TRUE(s, st.rows_used <= st.rows_capacity);
	/* the evicted table is gone: BPF falls back for those frames */
	ASSERT_TRUE(s, bpf_map_lookup_elem(mp.m.tables_fd, &libc_table, &ref) != 0);
	ASSERT_EQ(s, bpf_map_lookup_elem(mp.m.procs_fd, &p2.pid, &pu), 0);
	ASSERT_EQ(s, bpf_map_lookup_elem(mp.m.tables_fd, &pu.ranges[0].table_id, &ref), 0);
	ASSERT_EQ(s, ref.count, td->nrows);
	/* reloading the first process brings libc back, evicting ld.so */
	ASSERT_EQ(s, unwinder__load_proc(u, &p1, UNWIND_BUILD_ALL), 0);
	unwinder__stats(u, &st);
	ASSERT_EQ(s, st.evictions, 2);
	ASSERT_EQ(s, bpf_map_lookup_elem(mp.m.procs_fd, &p1.pid, &pu), 0);
	ASSERT_EQ(s, bpf_map_lookup_elem(mp.m.tables_fd, &pu.ranges[0].table_id, &ref), 0);
	ASSERT_EQ(s, ref.count, tl->nrows);
cleanup:
	unwind_table__free(tl);
	unwind_table__free(td);
	if (fd1 >= 0)
		close(fd1);
	if (fd2 >= 0)
		close(fd2);
	unwinder__free(u);
	maps_close(&mp);
}

#define LIBC "/lib/x86_64-linux-gnu/libc.so.6"

/*
 * A flood of distinct files (here: files without CFI, each a new inode)
 * cannot fill the cache for good: past the bound (twice the tables map's 64
 * entries) the least recently used entries go, and a file needed later
 * still gets its table. Within one load every entry is in use: the excess
 * is refused and counted. A deleted file is forgotten on request.
 */
static void test_file_cache_bounded(struct test_state *s)
{
	enum { NFLOOD = 300 };
	struct maps mp = {{-1, -1, -1, 0}};
	struct unwinder *u = NULL;
	struct proc flood, one;
	struct proc_mapping *fm = calloc(NFLOOD, sizeof(*fm)), m1;
	struct proc_file *ff = calloc(NFLOOD, sizeof(*ff)), f1;
	struct unwinder_stats st;
	struct proc_unwind pu;
	char dir[] = "/tmp/test_unwinder_flood.XXXXXX", path[64];
	int self = -1, ret;
	uint32_t pid;

	ASSERT_TRUE(s, fm && ff && mkdtemp(dir));
	ret = maps_open(&mp, 1u << 20);
	if (ret == -EPERM)
		SKIP(s, "creating BPF maps needs root");
	ASSERT_EQ(s, ret, 0);
	ASSERT_EQ(s, unwinder__new(&mp.m, &u), 0);
	for (int i = 0; i < NFLOOD; i++) {
		int fd;

		snprintf(path, sizeof(path), "%s/f%d", dir, i);
		fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		ASSERT_TRUE(s, fd >= 0);
		ASSERT_EQ(s, write(fd, "not an ELF file", 15), 15);
		fake_proc(&flood, &fm[i], &ff[i], 3000, "/flood", fd, 0x7f0000000000ULL + i * 0x10000ULL,
			  0x7f0000000000ULL + i * 0x10000ULL + 0x1000, 0);
	}
	flood.maps = fm;
	flood.nmaps = NFLOOD;
	/* one load: 128 entries in use by it, the rest refused */
	ASSERT_EQ(s, unwinder__load_proc(u, &flood, UNWIND_BUILD_ALL), 0);
	unwinder__stats(u, &st);
	ASSERT_EQ(s, st.max_files, 128);
	ASSERT_EQ(s, st.file_entries, 128);
	ASSERT_EQ(s, st.files_refused, NFLOOD - 128);
	/* a later process: the flood's entries are old now, one of them goes */
	self = open(LIBC, O_RDONLY | O_CLOEXEC);
	if (self < 0)
		SKIP(s, "no Debian libc path");
	fake_proc(&one, &m1, &f1, 3001, LIBC, self, 0x7f1000026000ULL, 0x7f100017c000ULL, 0x26000);
	ASSERT_EQ(s, unwinder__load_proc(u, &one, UNWIND_BUILD_ALL), 0);
	pid = one.pid;
	ASSERT_EQ(s, bpf_map_lookup_elem(mp.m.procs_fd, &pid, &pu), 0);
	ASSERT_EQ(s, pu.nranges, 1);
	unwinder__stats(u, &st);
	ASSERT_EQ(s, st.file_evictions, 1);
	ASSERT_EQ(s, st.file_entries, 128);
	ASSERT_EQ(s, st.files, 1);
	/* the file is deleted: its entry and its table go */
	unwinder__forget_file(u, f1.dev, f1.ino);
	unwinder__stats(u, &st);
	ASSERT_EQ(s, st.files, 0);
	ASSERT_EQ(s, st.rows_used, 0);
	ASSERT_EQ(s, st.file_entries, 127);
	ASSERT_EQ(s, st.files_forgotten, 1);
cleanup:
	for (int i = 0; fm && ff && i < NFLOOD; i++) {
		if (ff[i].fd > 0)
			close(ff[i].fd);
		snprintf(path, sizeof(path), "%s/f%d", dir, i);
		unlink(path);
	}
	rmdir(dir);
	free(fm);
	free(ff);
	if (self >= 0)
		close(self);
	unwinder__free(u);
	maps_close(&mp);
}

/* At exec nothing is parsed: a never-seen file is deferred and the process
 * queued, due at once; the cached files are published meanwhile. */
static void test_deferred_build(struct test_state *s)
{
	struct maps mp = {{-1, -1, -1, 0}};
	struct unwinder *u = NULL;
	struct proc p1, p2;
	struct proc_mapping m1, m2;
	struct proc_file f1, f2;
	struct unwinder_stats st;
	struct proc_unwind pu;
	uint32_t pids[4];
	int fd = open(LIBC, O_RDONLY | O_CLOEXEC), ret;

	if (fd < 0)
		SKIP(s, "no Debian libc path");
	ret = maps_open(&mp, 1u << 20);
	if (ret == -EPERM)
		SKIP(s, "creating BPF maps needs root");
	ASSERT_EQ(s, ret, 0);
	ASSERT_EQ(s, unwinder__new(&mp.m, &u), 0);
	fake_proc(&p1, &m1, &f1, 4001, LIBC, fd, 0x7f0000026000ULL, 0x7f000017c000ULL, 0x26000);
	fake_proc(&p2, &m2, &f2, 4002, LIBC, fd, 0x7f1000026000ULL, 0x7f100017c000ULL, 0x26000);
	ASSERT_EQ(s, unwinder__load_proc(u, &p1, 0), 1);
	ASSERT_TRUE(s, bpf_map_lookup_elem(mp.m.procs_fd, &p1.pid, &pu) != 0);
	ASSERT_TRUE(s, unwinder__has_pending(u));
	ASSERT_EQ(s, unwinder__take_pending(u, pids, 4), 1);
	ASSERT_EQ(s, pids[0], p1.pid);
	ASSERT_EQ(s, unwinder__load_proc(u, &p1, UNWIND_BUILD_ALL), 0);
	ASSERT_EQ(s, bpf_map_lookup_elem(mp.m.procs_fd, &p1.pid, &pu), 0);
	/* the same file in a new process: published at once, nothing built */
	ASSERT_EQ(s, unwinder__load_proc(u, &p2, 0), 0);
	ASSERT_EQ(s, bpf_map_lookup_elem(mp.m.procs_fd, &p2.pid, &pu), 0);
	ASSERT_EQ(s, pu.nranges, 1);
	unwinder__stats(u, &st);
	ASSERT_EQ(s, st.tables_built, 1);
	ASSERT_EQ(s, st.builds_deferred, 1);
	ASSERT_TRUE(s, !unwinder__has_pending(u));
cleanup:
	if (fd >= 0)
		close(fd);
	unwinder__free(u);
	maps_close(&mp);
}

int main(void)
{
	struct test_state s = {.suite = "unwinder"};

	RUN_TEST(&s, test_self_ranges_and_bias);
	RUN_TEST(&s, test_build_id_shared);
	RUN_TEST(&s, test_build_id_owner);
	RUN_TEST(&s, test_lru_eviction);
	RUN_TEST(&s, test_file_cache_bounded);
	RUN_TEST(&s, test_deferred_build);
	printf("%d passed, %d failed, %d skipped\n", s.passed, s.failed, s.skipped);
	return test__finish(&s);
}
