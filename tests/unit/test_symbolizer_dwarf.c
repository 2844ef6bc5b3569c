// SPDX-License-Identifier: MIT
/*
 * test_symbolizer_dwarf.c - DWARF names, lines and inlined frames, the
 * symbol-table fallback, the vDSO, and the cache (counters, build-id sharing,
 * eviction by count and by bytes), and units read ahead on threads then looked
 * up from several threads at once.
 *
 * Uses tests/build/workloads/inline_loop (built by tests/Makefile): helper()
 * is always_inline in work(); its hot line is 18, the call is on line 24.
 */
#include "harness.h"
#include "symbolizer/symbolizer.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FIXTURE "tests/build/workloads/inline_loop"
#define HELPER_LINE 18
#define CALL_LINE 24

static struct test_state T = {.suite = "test_symbolizer_dwarf"};

/* Address of a function symbol through nm (binutils is a test dependency). */
static uint64_t sym_addr(const char *path, const char *name)
{
	char cmd[512], line[512];
	unsigned long long a = 0;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "nm --defined-only %s", path);
	p = popen(cmd, "r");
	if (!p)
		return 0;
	while (fgets(line, sizeof(line), p)) {
		char type, sym[256];
		unsigned long long v;

		if (sscanf(line, "%llx %c %255s", &v, &type, sym) == 3 && !strcmp(sym, name))
			a = v;
	}
	pclose(p);
	return a;
}

static int open_file(const char *path, struct sym_file *f)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || fstat(fd, &st)) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	*f = (struct sym_file){.fd = fd, .path = path, .dev = st.st_dev, .ino = st.st_ino,
			       .mtime = st.st_mtime};
	return fd;
}

static int copy_file(const char *from, const char *to)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), "cp %s %s", from, to);
	return system(cmd);
}

static void test_inlined_helper_is_its_own_frame(struct test_state *t)
{
	struct symbolizer *s = NULL;
	struct sym_file f = {.fd = -1};
	struct sym_result r;
	uint64_t work = sym_addr(FIXTURE, "work");

	ASSERT_TRUE(t, work != 0);
	ASSERT_TRUE(t, open_file(FIXTURE, &f) >= 0);
	ASSERT_EQ(t, symbolizer__new(NULL, &s), 0);
	/* the loop body, a few instructions in */
	ASSERT_EQ(t, symbolizer__user_vaddr(s, &f, work + 0x12, &r), 0);
	ASSERT_EQ(t, r.nframes, 2);
	ASSERT_STREQ(t, r.frames[0].name, "helper");
	ASSERT_EQ(t, r.frames[0].inlined, 1);
	ASSERT_TRUE(t, r.frames[0].file && strstr(r.frames[0].file, "inline_loop.c"));
	ASSERT_EQ(t, r.frames[0].line, HELPER_LINE);
	ASSERT_STREQ(t, r.frames[1].name, "work");
	ASSERT_EQ(t, r.frames[1].inlined, 0);
	ASSERT_EQ(t, r.frames[1].line, CALL_LINE);
	ASSERT_TRUE(t, r.build_id && strlen(r.build_id) == 40);
cleanup:
	symbolizer__free(s);
	if (f.fd >= 0)
		close(f.fd);
}

static void test_file_offset_and_symtab_fallback(struct test_state *t)
{
	struct symbolizer_opts o = {.no_dwarf = 1};
	struct symbolizer *s = NULL, *d = NULL;
	struct sym_file f = {.fd = -1};
	struct sym_result r;
	uint64_t main_addr = sym_addr(FIXTURE, "main");

	ASSERT_TRUE(t, main_addr != 0);
	ASSERT_TRUE(t, open_file(FIXTURE, &f) >= 0);
	ASSERT_EQ(t, symbolizer__new(&o, &s), 0);
	ASSERT_EQ(t, symbolizer__user_vaddr(s, &f, main_addr + 1, &r), 0);
	ASSERT_EQ(t, r.nframes, 1);
	ASSERT_STREQ(t, r.frames[0].name, "main");
	ASSERT_TRUE(t, r.frames[0].file == NULL);
	/* a PIE's first PT_LOAD maps offset 0 at vaddr 0: offsets equal vaddrs */
	ASSERT_EQ(t, symbolizer__new(NULL, &d), 0);
	ASSERT_EQ(t, symbolizer__user(d, &f, main_addr + 1, &r), 0);
	ASSERT_EQ(t, r.vaddr, main_addr + 1);
	ASSERT_STREQ(t, r.frames[0].name, "main");
	ASSERT_TRUE(t, r.frames[0].file && r.frames[0].line > 0);
	/* the ELF header: no function, not a wrong name */
	ASSERT_EQ(t, symbolizer__user_vaddr(d, &f, 0x10, &r), 0);
	ASSERT_EQ(t, r.nframes, 0);
cleanup:
	symbolizer__free(s);
	symbolizer__free(d);
	if (f.fd >= 0)
		close(f.fd);
}

static void test_cache_shares_by_build_id(struct test_state *t)
{
	char dir[] = "/tmp/bpfprof-symtest.XXXXXX", a[128], b[128];
	struct symbolizer *s = NULL;
	struct sym_file fa = {.fd = -1}, fb = {.fd = -1};
	struct symbolizer_stats st;
	struct sym_result r;
	uint64_t work = sym_addr(FIXTURE, "work");
	int made = mkdtemp(dir) != NULL;

	ASSERT_TRUE(t, made);
	snprintf(a, sizeof(a), "%s/a", dir);
	snprintf(b, sizeof(b), "%s/b", dir);
	ASSERT_EQ(t, copy_file(FIXTURE, a), 0);
	ASSERT_EQ(t, copy_file(FIXTURE, b), 0);
	ASSERT_TRUE(t, open_file(a, &fa) >= 0);
	ASSERT_TRUE(t, open_file(b, &fb) >= 0);
	ASSERT_EQ(t, symbolizer__new(NULL, &s), 0);
	ASSERT_EQ(t, symbolizer__user_vaddr(s, &fa, work + 0x12, &r), 0);
	ASSERT_EQ(t, symbolizer__user_vaddr(s, &fa, work + 0x14, &r), 0);
	ASSERT_EQ(t, symbolizer__user_vaddr(s, &fb, work + 0x12, &r), 0);
	ASSERT_STREQ(t, r.frames[0].name, "helper");
	symbolizer__stats(s, &st);
	ASSERT_EQ(t, st.cache_hits, 1);
	ASSERT_EQ(t, st.cache_misses, 2);
	ASSERT_EQ(t, st.shared_by_build_id, 1);
	ASSERT_EQ(t, st.files_cached, 2);
	ASSERT_TRUE(t, st.memory > 0);
	ASSERT_EQ(t, st.dwarf_files, 1); /* parsed once */
cleanup:
	symbolizer__free(s);
	if (fa.fd >= 0)
		close(fa.fd);
	if (fb.fd >= 0)
		close(fb.fd);
	if (made) {
		unlink(a);
		unlink(b);
		rmdir(dir);
	}
}

static void test_cache_bounds_evict(struct test_state *t)
{
	struct symbolizer_opts by_count = {.max_files = 2}, by_bytes = {.max_bytes = 1};
	struct symbolizer *s = NULL, *m = NULL;
	struct symbolizer_stats st;
	struct sym_result r;
	struct sym_file f = {.fd = -1};
	uint64_t work = sym_addr(FIXTURE, "work");

	ASSERT_TRUE(t, open_file(FIXTURE, &f) >= 0);
	ASSERT_EQ(t, symbolizer__new(&by_count, &s), 0);
	ASSERT_EQ(t, symbolizer__new(&by_bytes, &m), 0);
	/* the same file under five identities (as five containers would map it) */
	for (uint64_t i = 0; i < 5; i++) {
		struct sym_file g = f;

		g.ino = f.ino + 1000 * (i + 1);
		ASSERT_EQ(t, symbolizer__user_vaddr(s, &g, work + 0x12, &r), 0);
		ASSERT_STREQ(t, r.frames[0].name, "helper");
		ASSERT_EQ(t, symbolizer__user_vaddr(m, &g, work + 0x12, &r), 0);
		ASSERT_STREQ(t, r.frames[0].name, "helper");
	}
	symbolizer__stats(s, &st);
	ASSERT_EQ(t, st.files_cached, 2);
	ASSERT_EQ(t, st.evictions, 3);
	ASSERT_EQ(t, st.cache_misses, 5);
	symbolizer__stats(m, &st);
	ASSERT_EQ(t, st.files_cached, 1); /* over the byte bound: only the one in use */
	ASSERT_EQ(t, st.evictions, 4);
cleanup:
	symbolizer__free(s);
	symbolizer__free(m);
	if (f.fd >= 0)
		close(f.fd);
}

static void test_vdso_has_names(struct test_state *t)
{
	struct symbolizer *s = NULL;
	struct sym_result r;
	int found = 0;

	ASSERT_EQ(t, symbolizer__new(NULL, &s), 0);
	for (uint64_t off = 0; off < 16384 && !found; off += 4) {
		if (symbolizer__vdso(s, off, &r))
			break;
		found = r.nframes && strstr(r.frames[0].name, "clock_gettime");
	}
	ASSERT_TRUE(t, found);
cleanup:
	symbolizer__free(s);
}

static void test_unreadable_file(struct test_state *t)
{
	struct symbolizer *s = NULL;
	struct sym_file f = {.fd = -1, .path = "/nonexistent/bin", .dev = 1, .ino = 2};
	struct symbolizer_stats st;
	struct sym_result r;

	ASSERT_EQ(t, symbolizer__new(NULL, &s), 0);
	ASSERT_EQ(t, symbolizer__user(s, &f, 0x1234, &r), -ENOEXEC);
	ASSERT_EQ(t, r.nframes, 0);
	ASSERT_EQ(t, r.vaddr, 0x1234);
	ASSERT_EQ(t, symbolizer__user(s, &f, 0x1234, &r), -ENOEXEC);
	symbolizer__stats(s, &st);
	ASSERT_EQ(t, st.open_errors, 1); /* the failure is cached */
cleanup:
	symbolizer__free(s);
}

/* Code addresses of this test binary (many units: libbpfprof.a with -g):
 * every 8th byte of every function, in address order. */
static size_t self_addrs(const char *self, uint64_t *out, size_t max)
{
	char line[512], cmd[PATH_MAX + 64];
	size_t n = 0;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "nm -S --defined-only -n '%s'", self);
	p = popen(cmd, "r");
	if (!p)
		return 0;
	while (fgets(line, sizeof(line), p) && n < max) {
		unsigned long long a, sz;
		char type;

		if (sscanf(line, "%llx %llx %c", &a, &sz, &type) != 3 || (type != 't' && type != 'T'))
			continue;
		for (unsigned long long off = 0; off < sz && n < max; off += 8)
			out[n++] = a + off;
	}
	pclose(p);
	return n;
}

/* One result as text, to compare answers of two symbolizers. */
static void result_text(const struct sym_result *r, char *buf, size_t len)
{
	size_t o = 0;

	buf[0] = '\0';
	for (int i = 0; i < r->nframes && o < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s|%s|%u|%d;", r->frames[i].name,
				      r->frames[i].file ? r->frames[i].file : "-", r->frames[i].line,
				      r->frames[i].inlined);
}

#define SELF_MAX 40000

struct reader_job {
	struct sym_reader *r;
	const uint64_t *addrs;
	char (*want)[256];
	size_t n, mismatches;
};

static void *reader_job_run(void *arg)
{
	struct reader_job *j = arg;
	struct sym_result res;
	char got[256];

	for (size_t i = 0; i < j->n; i++) {
		sym_reader__vaddr(j->r, j->addrs[i], &res);
		result_text(&res, got, sizeof(got));
		if (strcmp(got, j->want[i]))
			j->mismatches++;
	}
	return NULL;
}

/* Units read ahead on threads, then looked up from two threads at once
 * through readers: the same answers as one lookup at a time. */
static void test_prefetch_and_readers_match(struct test_state *t)
{
	struct symbolizer_opts o = {.threads = 3};
	struct symbolizer *s1 = NULL, *s2 = NULL;
	struct sym_file f = {.fd = -1};
	struct reader_job jobs[2] = {{0}};
	pthread_t th;
	int started = 0;
	uint64_t *addrs = calloc(SELF_MAX, sizeof(*addrs));
	char (*want)[256] = calloc(SELF_MAX, sizeof(*want));
	size_t n = 0, with_lines = 0;
	struct sym_result res;
	char self[PATH_MAX];

	ASSERT_TRUE(t, addrs && want);
	ASSERT_TRUE(t, realpath("/proc/self/exe", self));
	n = self_addrs(self, addrs, SELF_MAX);
	ASSERT_TRUE(t, n > 10000);
	ASSERT_TRUE(t, open_file(self, &f) >= 0);
	ASSERT_EQ(t, symbolizer__new(NULL, &s1), 0);
	ASSERT_EQ(t, symbolizer__new(&o, &s2), 0);
	for (size_t i = 0; i < n; i++) {
		ASSERT_EQ(t, symbolizer__user_vaddr(s1, &f, addrs[i], &res), 0);
		result_text(&res, want[i], sizeof(want[i]));
		with_lines += res.nframes > 0 && res.frames[0].line > 0;
	}
	printf("  %zu addresses, %zu with lines\n", n, with_lines);
	ASSERT_TRUE(t, with_lines > n / 2); /* DWARF answered, not the symbol table */
	ASSERT_EQ(t, symbolizer__prefetch(s2, &f, addrs, n), 0);
	for (int i = 0; i < 2; i++) {
		jobs[i] = (struct reader_job){.addrs = addrs, .want = want, .n = n};
		ASSERT_EQ(t, symbolizer__reader_new(s2, &f, &jobs[i].r), 0);
	}
	started = !pthread_create(&th, NULL, reader_job_run, &jobs[1]);
	ASSERT_TRUE(t, started);
	reader_job_run(&jobs[0]);
	pthread_join(th, NULL);
	started = 0;
	ASSERT_EQ(t, jobs[0].mismatches, 0);
	ASSERT_EQ(t, jobs[1].mismatches, 0);
cleanup:
	if (started)
		pthread_join(th, NULL);
	for (int i = 0; i < 2; i++)
		sym_reader__free(jobs[i].r);
	symbolizer__free(s1);
	symbolizer__free(s2);
	if (f.fd >= 0)
		close(f.fd);
	free(addrs);
	free(want);
}

int main(void)
{
	RUN_TEST(&T, test_inlined_helper_is_its_own_frame);
	RUN_TEST(&T, test_file_offset_and_symtab_fallback);
	RUN_TEST(&T, test_cache_shares_by_build_id);
	RUN_TEST(&T, test_cache_bounds_evict);
	RUN_TEST(&T, test_vdso_has_names);
	RUN_TEST(&T, test_unreadable_file);
	RUN_TEST(&T, test_prefetch_and_readers_match);
	return test__finish(&T);
}
