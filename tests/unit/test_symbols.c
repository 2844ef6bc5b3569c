// SPDX-License-Identifier: MIT
/* test_symbols.c - ELF symbols of a real binary, kallsyms parsing, proc capture. */
#include "symbolizer/elf_symtab.h"
#include "harness.h"
#include "symbolizer/ksyms.h"
#include "sample/proc.h"
#include "symbolizer/symbolizer.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static struct test_state T = {.suite = "symbols"};

__attribute__((noinline)) int test_marker_function(int x)
{
	return x * 3 + 1;
}

/* Resolve our own function's address the way the profiler does:
 * process mapping -> file offset -> ELF vaddr -> symbol. */
static void test_resolve_own_function(struct test_state *t)
{
	struct proc_table *pt = NULL;
	struct symbolizer *s = NULL;
	struct proc *p;
	const struct proc_mapping *m;
	struct sym_result res;
	uint64_t addr = (uint64_t)(uintptr_t)&test_marker_function + 4;

	ASSERT_EQ(t, proc_table__new(NULL, &pt), 0);
	ASSERT_EQ(t, symbolizer__new(NULL, &s), 0);
	p = proc_table__get(pt, (uint32_t)getpid());
	ASSERT_TRUE(t, p && p->nmaps > 0);
	m = proc_table__find(pt, p, addr, 1);
	ASSERT_TRUE(t, m && m->file && m->file->fd >= 0);
	ASSERT_EQ(t, symbolizer__user(s, &(struct sym_file){.fd = m->file->fd, .dev = m->file->dev,
							    .ino = m->file->ino},
				      addr - m->start + m->pgoff, &res),
		  0);
	ASSERT_EQ(t, res.nframes >= 1, 1);
	ASSERT_STREQ(t, res.frames[res.nframes - 1].name, "test_marker_function");
	ASSERT_TRUE(t, res.build_id != NULL);
	/* a second lookup hits the cache */
	ASSERT_EQ(t, symbolizer__user(s, &(struct sym_file){.fd = m->file->fd, .dev = m->file->dev,
							    .ino = m->file->ino},
				      addr - m->start + m->pgoff, &res),
		  0);
	struct symbolizer_stats st;

	symbolizer__stats(s, &st);
	ASSERT_EQ(t, st.cache_misses, 1);
	ASSERT_EQ(t, st.cache_hits, 1);
cleanup:
	symbolizer__free(s);
	proc_table__free(pt);
}

static void test_libc_function(struct test_state *t)
{
	struct proc_table *pt = NULL;
	struct symbolizer *s = NULL;
	struct proc *p;
	const struct proc_mapping *m;
	struct sym_result res;
	uint64_t addr = (uint64_t)(uintptr_t)&getpid;

	ASSERT_EQ(t, proc_table__new(NULL, &pt), 0);
	ASSERT_EQ(t, symbolizer__new(NULL, &s), 0);
	p = proc_table__get(pt, (uint32_t)getpid());
	m = proc_table__find(pt, p, addr, 1);
	ASSERT_TRUE(t, m && strstr(m->path, "libc.so"));
	ASSERT_EQ(t, symbolizer__user(s, &(struct sym_file){.fd = m->file->fd, .dev = m->file->dev,
							    .ino = m->file->ino},
				      addr - m->start + m->pgoff, &res),
		  0);
	ASSERT_EQ(t, res.nframes >= 1, 1);
	ASSERT_TRUE(t, strstr(res.frames[res.nframes - 1].name, "getpid") != NULL);
cleanup:
	symbolizer__free(s);
	proc_table__free(pt);
}

static void test_garbage_files(struct test_state *t)
{
	char path[] = "/tmp/bpfprof-garbage.XXXXXX";
	struct elf_symtab *st = NULL;
	unsigned char junk[4096];
	char err[128];
	int fd = mkstemp(path);

	ASSERT_TRUE(t, fd >= 0);
	/* empty file */
	ASSERT_TRUE(t, elf_symtab__open_fd(fd, &st, err, sizeof(err)) < 0);
	/* ELF magic followed by noise */
	srand(1);
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (unsigned char)rand();
	memcpy(junk, "\177ELF\2\1\1", 7);
	ASSERT_EQ(t, pwrite(fd, junk, sizeof(junk), 0), (ssize_t)sizeof(junk));
	int ret = elf_symtab__open_fd(fd, &st, err, sizeof(err));
	if (!ret) { /* parsed as an odd ELF: lookups must stay safe */
		elf_symtab__lookup(st, 0x1234, NULL);
		elf_symtab__free(st);
		st = NULL;
	}
cleanup:
	if (fd >= 0) {
		close(fd);
		unlink(path);
	}
	elf_symtab__free(st);
}

static void test_ksyms_parse(struct test_state *t)
{
	char path[] = "/tmp/bpfprof-kallsyms.XXXXXX";
	struct ksyms *k = NULL;
	const char *mod = "x", *name;
	uint64_t off = 0;
	int fd = mkstemp(path);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;

	ASSERT_TRUE(t, f);
	fputs("ffffffff81000000 T _stext\n"
	      "ffffffff81001000 t do_thing\n"
	      "ffffffff81002000 D some_data\n"
	      "ffffffff81003000 T other_thing\n"
	      "ffffffffc0001000 t mod_func\t[xfs]\n"
	      "garbage line\n"
	      "0000000000000000 T hidden\n",
	      f);
	fclose(f);
	fd = -1;
	ASSERT_EQ(t, ksyms__load(path, &k), 0);
	ASSERT_EQ(t, ksyms__count(k), 4);
	name = ksyms__lookup(k, 0xffffffff81002010ULL, &mod, &off);
	ASSERT_STREQ(t, name, "do_thing"); /* data symbols do not shadow text */
	ASSERT_TRUE(t, mod == NULL);
	ASSERT_EQ(t, off, 0x1010);
	name = ksyms__lookup(k, 0xffffffffc0001004ULL, &mod, NULL);
	ASSERT_STREQ(t, name, "mod_func");
	ASSERT_STREQ(t, mod, "xfs");
	ASSERT_TRUE(t, ksyms__lookup(k, 0x1000, NULL, NULL) == NULL);
cleanup:
	ksyms__free(k);
	unlink(path);
}

static void test_ksyms_restricted(struct test_state *t)
{
	char path[] = "/tmp/bpfprof-kallsyms.XXXXXX";
	struct ksyms *k = NULL;
	int fd = mkstemp(path);

	ASSERT_TRUE(t, fd >= 0);
	ASSERT_TRUE(t, write(fd, "0000000000000000 T _stext\n", 26) == 26);
	close(fd);
	/* kptr_restrict shows zeros: an error, not an empty table that resolves nothing */
	ASSERT_EQ(t, ksyms__load(path, &k), -EPERM);
cleanup:
	ksyms__free(k);
	unlink(path);
}

static void test_proc_gone(struct test_state *t)
{
	struct proc_table *pt = NULL;

	ASSERT_EQ(t, proc_table__new(NULL, &pt), 0);
	ASSERT_EQ(t, proc_table__capture(pt, 0x3ffffff0), -ESRCH);
	struct proc *p = proc_table__get(pt, 0x3ffffff0);

	ASSERT_TRUE(t, p && p->nmaps == 0 && p->capture_errno == ESRCH);
	ASSERT_TRUE(t, proc_table__find(pt, p, 0x400000, 1) == NULL);
cleanup:
	proc_table__free(pt);
}

int main(void)
{
	RUN_TEST(&T, test_resolve_own_function);
	RUN_TEST(&T, test_libc_function);
	RUN_TEST(&T, test_garbage_files);
	RUN_TEST(&T, test_ksyms_parse);
	RUN_TEST(&T, test_ksyms_restricted);
	RUN_TEST(&T, test_proc_gone);
	return test__finish(&T);
}
