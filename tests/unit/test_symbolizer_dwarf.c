// SPDX-License-Identifier: MIT
/*
 * test_symbolizer_dwarf.c - DWARF names, lines and inlined frames, the
 * symbol-table fallback, the vDSO, and the cache (counters, build-id sharing,
 * eviction by count and by bytes).
 *
 * Uses tests/build/workloads/inline_loop (built by tests/Makefile): helper()
 * is always_inline in work(); its hot line is 18, the call is on line 24.
 */
#include "harness.h"
#include "symbolizer.h"

#include <errno.h>
#include <fcntl.h>
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

int main(void)
{
	RUN_TEST(&T, test_inlined_helper_is_its_own_frame);
	RUN_TEST(&T, test_file_offset_and_symtab_fallback);
	RUN_TEST(&T, test_cache_shares_by_build_id);
	RUN_TEST(&T, test_cache_bounds_evict);
	RUN_TEST(&T, test_vdso_has_names);
	RUN_TEST(&T, test_unreadable_file);
	return test__finish(&T);
}
