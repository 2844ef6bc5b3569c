// SPDX-License-Identifier: MIT
/*
 * test_symbolizer_hostile.c - truncated, garbage and hostile ELF/DWARF files
 * and perf maps must give an error or no name: never a crash (ASan/UBSan
 * watch), never a hang (the runner's timeout), never a name that is not in
 * the file.
 *
 * Fixtures are generated here from tests/build/workloads/inline_loop (a real
 * ELF with DWARF): truncations at every interesting size, seeded random byte
 * flips aimed at the ELF header, the section headers and the .debug_*
 * sections, header fields set to hostile values, string offsets that name
 * functions "", and pure garbage. Also the perf map parser on junk lines and
 * the JIT lookup path.
 */
#include "harness.h"
#include "common/sigbus_guard.h"
#include "symbolizer/perfmap.h"
#include "symbolizer/symbolizer.h"

#include <arpa/inet.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FIXTURE "tests/build/workloads/inline_loop"
#define MUTATIONS 400

static struct test_state T = {.suite = "test_symbolizer_hostile"};

static unsigned char *read_all(const char *path, size_t *len)
{
	struct stat st;
	unsigned char *buf = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || fstat(fd, &st) || st.st_size <= 0)
		goto cleanup;
	buf = malloc((size_t)st.st_size);
	if (buf && pread(fd, buf, (size_t)st.st_size, 0) != st.st_size) {
		free(buf);
		buf = NULL;
	}
	*len = (size_t)st.st_size;
cleanup:
	if (fd >= 0)
		close(fd);
	return buf;
}

static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/*
 * Write buf to a fresh file and symbolize a spread of addresses through a
 * fresh symbolizer (so every variant is parsed). Returns the number of
 * addresses that resolved; names must be printable.
 */
static int symbolize_blob(const char *dir, int id, const unsigned char *buf, size_t len,
			  int *bad_name)
{
	char path[256];
	struct symbolizer *s = NULL;
	struct sym_result r;
	struct sym_file f;
	int fd, named = 0;

	snprintf(path, sizeof(path), "%s/v%d", dir, id);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	if (len && write(fd, buf, len) != (ssize_t)len) {
		close(fd);
		return -1;
	}
	f = (struct sym_file){.fd = fd, .path = path, .dev = 1, .ino = (uint64_t)id + 1};
	if (symbolizer__new(NULL, &s)) {
		close(fd);
		return -1;
	}
	for (uint64_t a = 0; a < 0x3000; a += 0x40) {
		if (symbolizer__user(s, &f, a, &r) == 0 && r.nframes) {
			named++;
			for (int i = 0; i < r.nframes; i++)
				if (!r.frames[i].name || !r.frames[i].name[0])
					*bad_name = 1;
		}
	}
	symbolizer__free(s);
	close(fd);
	unlink(path);
	return named;
}

static void test_truncated(struct test_state *t)
{
	char dir[] = "/tmp/bpfprof-hostile.XXXXXX";
	unsigned char *buf = NULL;
	size_t len = 0;
	int made = mkdtemp(dir) != NULL, bad = 0;

	ASSERT_TRUE(t, made);
	buf = read_all(FIXTURE, &len);
	ASSERT_TRUE(t, buf && len > 4096);
	{
		size_t cuts[] = {0, 1, 4, 16, 52, 63, 64, 65, 120, 1000, 4096, len / 4, len / 2,
				 len - 4096, len - 200, len - 64, len - 1};

		for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++)
			ASSERT_TRUE(t, symbolize_blob(dir, (int)i, buf, cuts[i], &bad) >= 0);
	}
	/* the whole file still names things: the harness itself works */
	ASSERT_TRUE(t, symbolize_blob(dir, 99, buf, len, &bad) > 0);
	ASSERT_EQ(t, bad, 0);
cleanup:
	free(buf);
	if (made)
		rmdir(dir);
}

/* A file its owner truncates after it was opened: the DWARF index keeps it
 * mapped, and every later lookup reads past its new end. The SIGBUS that
 * raises must not end the process: the guard reads those pages as zeros. */
static void test_truncated_while_mapped(struct test_state *t)
{
	char path[] = "/tmp/bpfprof-trunc.XXXXXX";
	struct symbolizer *s = NULL;
	unsigned char *buf = NULL;
	struct sym_result r;
	struct sym_file f;
	size_t len = 0;
	int fd = mkstemp(path), named = 0;

	ASSERT_TRUE(t, fd >= 0);
	buf = read_all(FIXTURE, &len);
	ASSERT_TRUE(t, buf && len > 8192);
	ASSERT_TRUE(t, write(fd, buf, len) == (ssize_t)len);
	ASSERT_EQ(t, sigbus_guard__install(), 0);
	f = (struct sym_file){.fd = fd, .path = path, .dev = 1, .ino = 4242};
	ASSERT_EQ(t, symbolizer__new(NULL, &s), 0);
	for (uint64_t a = 0x1000; a < 0x3000 && !named; a += 0x10)
		named = symbolizer__user(s, &f, a, &r) == 0 && r.nframes > 0;
	ASSERT_TRUE(t, named); /* parsed, and its DWARF mapped */
	ASSERT_EQ(t, ftruncate(fd, 4096), 0);
	for (uint64_t a = 0x1000; a < 0x3000; a += 0x8)
		symbolizer__user(s, &f, a, &r);
	/* the lookups did read past the end: the guard was what kept us alive */
	ASSERT_TRUE(t, sigbus_guard__pages() > 0);
cleanup:
	symbolizer__free(s);
	free(buf);
	if (fd >= 0) {
		close(fd);
		unlink(path);
	}
}

/* Whether any address of 0x1000..0x3000 in f resolves to name. */
static int names(struct symbolizer *s, const struct sym_file *f, const char *name)
{
	struct sym_result r;

	for (uint64_t a = 0x1000; a < 0x3000; a += 0x10)
		if (!symbolizer__user_vaddr(s, f, a, &r) && r.nframes &&
		    !strcmp(r.frames[r.nframes - 1].name, name))
			return 1;
	return 0;
}

/* Files dir/NAME[i] that a shell command made from FIXTURE, opened as the
 * symbolizer would see them (device 1, inode i + 1). 0, or -1 (some may be
 * open: close_files). */
static int make_files(const char *cmd, const char *dir, const char *const *name,
		      struct sym_file *f, int n)
{
	char path[128];

	if (system(cmd))
		return -1;
	for (int i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, name[i]);
		f[i] = (struct sym_file){.fd = open(path, O_RDONLY | O_CLOEXEC), .dev = 1,
					 .ino = (uint64_t)i + 1};
		if (f[i].fd < 0)
			return -1;
	}
	return 0;
}

/* Close f[0, n) and remove dir with what is in it. */
static void close_files(struct sym_file *f, int n, const char *dir)
{
	char cmd[128];

	for (int i = 0; i < n; i++)
		if (f[i].fd >= 0)
			close(f[i].fd);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd))
		printf("  could not remove %s\n", dir);
}

/* A user's copy of a binary with its build-id but other symbols, parsed
 * first, does not name the frames of root's binary with that build-id; a
 * user's file may use what root's gave. */
static void test_build_id_poisoning(struct test_state *t)
{
	static const char *const names_[] = {"fake", "real"};
	char dir[] = "/tmp/bpfprof-bid.XXXXXX", cmd[1024];
	struct symbolizer *s = NULL;
	struct sym_file f[2] = {{.fd = -1}, {.fd = -1}}, *ff = &f[0], *rf = &f[1];
	int made = mkdtemp(dir) != NULL;

	ASSERT_TRUE(t, made);
	if (geteuid() != 0)
		SKIP(t, "needs root (a file of another owner)");
	snprintf(cmd, sizeof(cmd),
		 "objcopy --strip-debug --redefine-sym main=POISONED %s %s/fake && "
		 "chown 1234 %s/fake && objcopy --strip-debug %s %s/real",
		 FIXTURE, dir, dir, FIXTURE, dir);
	ASSERT_EQ(t, make_files(cmd, dir, names_, f, 2), 0);
	ff->uid = 1234;
	ASSERT_EQ(t, symbolizer__new(&(struct symbolizer_opts){.no_debuginfod = 1}, &s), 0);
	ASSERT_TRUE(t, names(s, ff, "POISONED")); /* the fake is parsed first */
	ASSERT_TRUE(t, names(s, rf, "main"));
	ASSERT_TRUE(t, !names(s, rf, "POISONED"));
	symbolizer__free(s);
	s = NULL;
	/* the other way round, root's first: the user's copy may share it */
	ASSERT_EQ(t, symbolizer__new(&(struct symbolizer_opts){.no_debuginfod = 1}, &s), 0);
	ASSERT_TRUE(t, names(s, rf, "main"));
	ASSERT_TRUE(t, names(s, ff, "main"));
cleanup:
	symbolizer__free(s);
	if (made)
		close_files(f, 2, dir);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A debuginfod server that takes connections and never answers: the first
 * file without debug info waits for it (DEBUGINFOD_TIMEOUT), the next ones
 * do not (it is left alone for a while, counted). */
static void test_debuginfod_silent_server(struct test_state *t)
{
	static const char *const names_[] = {"a", "b"};
	char dir[] = "/tmp/bpfprof-dbgd.XXXXXX", cmd[1024], url[64];
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t sl = sizeof(sa);
	struct symbolizer *s = NULL;
	struct symbolizer_stats st;
	struct sym_file f[2] = {{.fd = -1}, {.fd = -1}};
	struct sym_result r;
	int made = mkdtemp(dir) != NULL, lfd = socket(AF_INET, SOCK_STREAM, 0);
	double t0, first, second;

	ASSERT_TRUE(t, made && lfd >= 0);
	ASSERT_EQ(t, bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ASSERT_EQ(t, listen(lfd, 16), 0); /* never accepted: the kernel completes connects */
	ASSERT_EQ(t, getsockname(lfd, (struct sockaddr *)&sa, &sl), 0);
	/* two files without DWARF and with different build-ids (b's flipped) */
	snprintf(cmd, sizeof(cmd),
		 "objcopy --strip-debug %s %s/a && cp %s/a %s/b && python3 -c 'import sys; "
		 "p = sys.argv[1]; d = bytearray(open(p, \"rb\").read()); "
		 "i = d.find(bytes([4, 0, 0, 0, 20, 0, 0, 0, 3, 0, 0, 0]) + b\"GNU\\0\"); "
		 "assert i > 0; d[i + 16] ^= 0xff; open(p, \"wb\").write(d)' %s/b",
		 FIXTURE, dir, dir, dir, dir);
	ASSERT_EQ(t, make_files(cmd, dir, names_, f, 2), 0);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", ntohs(sa.sin_port));
	setenv("DEBUGINFOD_URLS", url, 1);
	setenv("DEBUGINFOD_TIMEOUT", "3", 1);
	setenv("DEBUGINFOD_RETRY_LIMIT", "0", 1);
	setenv("DEBUGINFOD_CACHE_PATH", dir, 1);
	ASSERT_EQ(t, symbolizer__new(&(struct symbolizer_opts){.debug_root = dir}, &s), 0);
	t0 = now_s();
	symbolizer__user_vaddr(s, &f[0], 0x1100, &r);
	first = now_s() - t0;
	t0 = now_s();
	symbolizer__user_vaddr(s, &f[1], 0x1100, &r);
	second = now_s() - t0;
	symbolizer__stats(s, &st);
	printf("# silent debuginfod: first file %.1f s, second %.2f s\n", first, second);
	ASSERT_TRUE(t, first >= 2.0); /* the server was asked, and waited for */
	ASSERT_EQ(t, st.debuginfod_pauses, 1);
	ASSERT_TRUE(t, second < 1.0);
cleanup:
	unsetenv("DEBUGINFOD_URLS");
	unsetenv("DEBUGINFOD_TIMEOUT");
	unsetenv("DEBUGINFOD_RETRY_LIMIT");
	unsetenv("DEBUGINFOD_CACHE_PATH");
	symbolizer__free(s);
	if (lfd >= 0)
		close(lfd);
	if (made)
		close_files(f, 2, dir);
}

static void test_garbage(struct test_state *t)
{
	char dir[] = "/tmp/bpfprof-hostile.XXXXXX";
	unsigned char junk[65536];
	uint64_t seed = 0x9e3779b97f4a7c15ULL;
	int made = mkdtemp(dir) != NULL, bad = 0;

	ASSERT_TRUE(t, made);
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (unsigned char)rng_next(&seed);
	ASSERT_EQ(t, symbolize_blob(dir, 1, junk, sizeof(junk), &bad), 0);
	/* an ELF magic in front of garbage */
	memcpy(junk, ELFMAG, SELFMAG);
	junk[EI_CLASS] = ELFCLASS64;
	junk[EI_DATA] = ELFDATA2LSB;
	junk[EI_VERSION] = EV_CURRENT;
	ASSERT_TRUE(t, symbolize_blob(dir, 2, junk, sizeof(junk), &bad) >= 0);
	ASSERT_EQ(t, bad, 0);
cleanup:
	if (made)
		rmdir(dir);
}

/* Header fields set to hostile values: huge counts, offsets past the end. */
static void test_hostile_headers(struct test_state *t)
{
	char dir[] = "/tmp/bpfprof-hostile.XXXXXX";
	unsigned char *buf = NULL, *v = NULL;
	size_t len = 0;
	int made = mkdtemp(dir) != NULL, bad = 0, id = 0;

	ASSERT_TRUE(t, made);
	buf = read_all(FIXTURE, &len);
	ASSERT_TRUE(t, buf && len > sizeof(Elf64_Ehdr));
	v = malloc(len);
	ASSERT_TRUE(t, v != NULL);
	{
		Elf64_Ehdr *eh = (Elf64_Ehdr *)buf;
		const struct {
			size_t off, size;
			uint64_t value;
		} edits[] = {
			{offsetof(Elf64_Ehdr, e_shoff), 8, UINT64_MAX - 8},
			{offsetof(Elf64_Ehdr, e_shoff), 8, len - 10},
			{offsetof(Elf64_Ehdr, e_phoff), 8, UINT64_MAX / 2},
			{offsetof(Elf64_Ehdr, e_shnum), 2, 0xffff},
			{offsetof(Elf64_Ehdr, e_phnum), 2, 0xffff},
			{offsetof(Elf64_Ehdr, e_shentsize), 2, 1},
			{offsetof(Elf64_Ehdr, e_shstrndx), 2, 0xfffe},
			{offsetof(Elf64_Ehdr, e_phentsize), 2, 0},
		};

		for (size_t i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
			memcpy(v, buf, len);
			memcpy(v + edits[i].off, &edits[i].value, edits[i].size);
			ASSERT_TRUE(t, symbolize_blob(dir, id++, v, len, &bad) >= 0);
		}
		/* every section header: size and offset past the end of the file */
		for (unsigned s = 1; s < eh->e_shnum && eh->e_shoff + (s + 1) * sizeof(Elf64_Shdr) <= len;
		     s++) {
			Elf64_Shdr *sh;

			memcpy(v, buf, len);
			sh = (Elf64_Shdr *)(v + eh->e_shoff + s * sizeof(Elf64_Shdr));
			sh->sh_size = (s & 1) ? UINT64_MAX / 4 : len;
			sh->sh_offset = (s & 2) ? len - 1 : sh->sh_offset;
			ASSERT_TRUE(t, symbolize_blob(dir, id++, v, len, &bad) >= 0);
		}
	}
	ASSERT_EQ(t, bad, 0);
cleanup:
	free(buf);
	free(v);
	if (made)
		rmdir(dir);
}

/* Seeded random byte flips, most of them inside the debug sections. */
static void test_mutations(struct test_state *t)
{
	char dir[] = "/tmp/bpfprof-hostile.XXXXXX";
	unsigned char *buf = NULL, *v = NULL;
	uint64_t seed = 0x243f6a8885a308d3ULL, dbg_lo = 0, dbg_hi = 0;
	size_t len = 0;
	int made = mkdtemp(dir) != NULL, bad = 0;

	ASSERT_TRUE(t, made);
	buf = read_all(FIXTURE, &len);
	ASSERT_TRUE(t, buf && len > sizeof(Elf64_Ehdr));
	v = malloc(len);
	ASSERT_TRUE(t, v != NULL);
	{
		const Elf64_Ehdr *eh = (const Elf64_Ehdr *)buf;

		/* the span of the non-allocated sections: .debug_*, .symtab, .strtab */
		for (unsigned s = 1; s < eh->e_shnum && eh->e_shoff + (s + 1) * sizeof(Elf64_Shdr) <= len;
		     s++) {
			const Elf64_Shdr *sh =
				(const Elf64_Shdr *)(buf + eh->e_shoff + s * sizeof(Elf64_Shdr));

			if (!(sh->sh_flags & SHF_ALLOC) && sh->sh_type == SHT_PROGBITS) {
				if (!dbg_lo || sh->sh_offset < dbg_lo)
					dbg_lo = sh->sh_offset;
				if (sh->sh_offset + sh->sh_size > dbg_hi)
					dbg_hi = sh->sh_offset + sh->sh_size;
			}
		}
	}
	ASSERT_TRUE(t, dbg_lo > 0 && dbg_hi > dbg_lo && dbg_hi <= len);
	for (int i = 0; i < MUTATIONS; i++) {
		int flips = 1 + (int)(rng_next(&seed) % 24);

		memcpy(v, buf, len);
		for (int k = 0; k < flips; k++) {
			uint64_t r = rng_next(&seed), pos;

			if (r % 8 == 0)
				pos = r % 64; /* the ELF header */
			else if (r % 8 == 1)
				pos = r % len;
			else
				pos = dbg_lo + r % (dbg_hi - dbg_lo);
			v[pos] = (r >> 32) & 1 ? (unsigned char)(r >> 40) : v[pos] ^ (1u << (r >> 48) % 8);
		}
		ASSERT_TRUE(t, symbolize_blob(dir, i, v, len, &bad) >= 0);
	}
	ASSERT_EQ(t, bad, 0);
cleanup:
	free(buf);
	free(v);
	if (made)
		rmdir(dir);
}

/* The section header named NAME, or NULL (names from .shstrtab, bounded). */
static Elf64_Shdr *section_named(unsigned char *buf, size_t len, const char *name)
{
	Elf64_Ehdr *eh = (Elf64_Ehdr *)buf;
	Elf64_Shdr *shs, *strs;

	if (eh->e_shoff > len || eh->e_shnum > (len - eh->e_shoff) / sizeof(Elf64_Shdr) ||
	    eh->e_shstrndx >= eh->e_shnum)
		return NULL;
	shs = (Elf64_Shdr *)(buf + eh->e_shoff);
	strs = &shs[eh->e_shstrndx];
	for (unsigned i = 1; i < eh->e_shnum; i++) {
		if (strs->sh_offset + shs[i].sh_name + strlen(name) + 1 > len)
			continue;
		if (!strcmp((const char *)buf + strs->sh_offset + shs[i].sh_name, name))
			return shs[i].sh_offset + shs[i].sh_size <= len ? &shs[i] : NULL;
	}
	return NULL;
}

/*
 * String offsets that land on a NUL name a function "": every symbol's
 * st_name set to 0 (the empty string at the start of .strtab), and every
 * byte of .debug_str zeroed, so each DW_FORM_strp name is "" too. Such a
 * frame has no name; it must not come out named "".
 */
static void test_empty_names(struct test_state *t)
{
	char dir[] = "/tmp/bpfprof-hostile.XXXXXX";
	unsigned char *buf = NULL;
	Elf64_Shdr *symtab, *dstr;
	size_t len = 0;
	int made = mkdtemp(dir) != NULL, bad = 0;

	ASSERT_TRUE(t, made);
	buf = read_all(FIXTURE, &len);
	ASSERT_TRUE(t, buf && len > sizeof(Elf64_Ehdr));
	symtab = section_named(buf, len, ".symtab");
	dstr = section_named(buf, len, ".debug_str");
	ASSERT_TRUE(t, symtab && dstr && dstr->sh_size > 0);
	/* before: the file names its functions */
	ASSERT_TRUE(t, symbolize_blob(dir, 1, buf, len, &bad) > 0);
	ASSERT_EQ(t, bad, 0);
	for (size_t off = 0; off + sizeof(Elf64_Sym) <= symtab->sh_size; off += sizeof(Elf64_Sym))
		((Elf64_Sym *)(buf + symtab->sh_offset + off))->st_name = 0;
	memset(buf + dstr->sh_offset, 0, dstr->sh_size);
	ASSERT_TRUE(t, symbolize_blob(dir, 2, buf, len, &bad) >= 0);
	ASSERT_EQ(t, bad, 0);
cleanup:
	free(buf);
	if (made)
		rmdir(dir);
}

static int perfmap_from(const char *text, struct perfmap **m)
{
	char path[] = "/tmp/bpfprof-perfmap.XXXXXX";
	int fd = mkstemp(path), ret;

	if (fd < 0)
		return -errno;
	unlink(path);
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
		close(fd);
		return -EIO;
	}
	lseek(fd, 0, SEEK_SET);
	ret = perfmap__load(fd, m);
	close(fd);
	return ret;
}

static void test_perfmap_parse(struct test_state *t)
{
	struct perfmap *m = NULL;
	const char *text = "1000 100 first\n"
			   "0x2000 0x10 LazyCompile:~foo /app/x.js:10:3\n"
			   "garbage line\n"
			   "3000\n"
			   "3000 0 zero_size\n"
			   "ffffffffffffffff 10 wraps\n"
			   "12345678901234567890 10 too_long_number\n"
			   "1080 20 later_overlap\n"
			   "4000 10 \n";

	ASSERT_EQ(t, perfmap_from(text, &m), 0);
	ASSERT_EQ(t, perfmap__count(m), 3);
	ASSERT_STREQ(t, perfmap__lookup(m, 0x1000), "first");
	ASSERT_STREQ(t, perfmap__lookup(m, 0x1090), "later_overlap"); /* later line wins */
	ASSERT_STREQ(t, perfmap__lookup(m, 0x10a0), "first");
	ASSERT_STREQ(t, perfmap__lookup(m, 0x10ff), "first");
	ASSERT_STREQ(t, perfmap__lookup(m, 0x200f), "LazyCompile:~foo /app/x.js:10:3");
	ASSERT_TRUE(t, perfmap__lookup(m, 0x2010) == NULL);
	ASSERT_TRUE(t, perfmap__lookup(m, 0x0fff) == NULL);
	ASSERT_TRUE(t, perfmap__lookup(m, 0x3000) == NULL);
cleanup:
	perfmap__free(m);
}

static void test_jit_lookup_rereads(struct test_state *t)
{
	char dir[] = "/tmp/bpfprof-jit.XXXXXX", path[128];
	struct symbolizer_opts o = {.perfmap_dir = dir};
	struct sym_proc me = {.pid = 4242, .uid = geteuid()}, other = {.pid = 4243, .uid = geteuid()};
	struct symbolizer *s = NULL;
	struct symbolizer_stats st;
	struct sym_result r;
	int made = mkdtemp(dir) != NULL;
	FILE *f = NULL;

	ASSERT_TRUE(t, made);
	snprintf(path, sizeof(path), "%s/perf-4242.map", dir);
	f = fopen(path, "w");
	ASSERT_TRUE(t, f != NULL);
	fputs("7f0000001000 40 js_hot\n", f);
	fclose(f);
	f = NULL;
	ASSERT_EQ(t, symbolizer__new(&o, &s), 0);
	ASSERT_EQ(t, symbolizer__jit(s, &me, 0x7f0000001010, &r), 0);
	ASSERT_EQ(t, r.nframes, 1);
	ASSERT_STREQ(t, r.frames[0].name, "js_hot");
	ASSERT_EQ(t, symbolizer__jit(s, &me, 0x7f0000002010, &r), 0);
	ASSERT_EQ(t, r.nframes, 0);
	/* the JIT appends a blob: the map is read again */
	f = fopen(path, "a");
	ASSERT_TRUE(t, f != NULL);
	fputs("7f0000002000 40 _ZN2js6Interp3runEv\n", f);
	fclose(f);
	f = NULL;
	ASSERT_EQ(t, symbolizer__jit(s, &me, 0x7f0000002010, &r), 0);
	ASSERT_EQ(t, r.nframes, 1);
	ASSERT_STREQ(t, r.frames[0].name, "js::Interp::run()"); /* demangled */
	ASSERT_EQ(t, symbolizer__jit(s, &other, 0x7f0000002010, &r), -ENOENT);
	symbolizer__stats(s, &st);
	ASSERT_EQ(t, st.jit_hits, 2);
	ASSERT_EQ(t, st.jit_misses, 2);
cleanup:
	if (f)
		fclose(f);
	symbolizer__free(s);
	if (made) {
		unlink(path);
		rmdir(dir);
	}
}

/* Many big perf maps: the parsed ones held stay within the memory bound (the
 * least recently used are dropped, counted, and read again when needed). */
static void test_jit_memory_bound(struct test_state *t)
{
	char dir[] = "/tmp/bpfprof-jitmem.XXXXXX", path[128];
	struct symbolizer_opts o = {.perfmap_dir = dir, .max_perfmap_bytes = 1u << 20};
	struct symbolizer *s = NULL;
	struct symbolizer_stats st;
	struct sym_result r;
	size_t one = 0;
	int made = mkdtemp(dir) != NULL;
	FILE *f = NULL;

	ASSERT_TRUE(t, made);
	for (int pid = 1; pid <= 12; pid++) { /* 12 maps of 10,000 blobs: ~400 KB each parsed */
		snprintf(path, sizeof(path), "%s/perf-%d.map", dir, pid);
		f = fopen(path, "w");
		ASSERT_TRUE(t, f != NULL);
		for (int i = 0; i < 10000; i++)
			fprintf(f, "%x 10 LazyCompile:*function_number_%d_of_process_%d\n",
				0x100000 + i * 0x10, i, pid);
		fclose(f);
		f = NULL;
	}
	ASSERT_EQ(t, symbolizer__new(&o, &s), 0);
	for (int pid = 1; pid <= 12; pid++) {
		struct sym_proc p = {.pid = (uint32_t)pid, .uid = geteuid()};

		ASSERT_EQ(t, symbolizer__jit(s, &p, 0x100000 + 7 * 0x10, &r), 0);
		ASSERT_EQ(t, r.nframes, 1);
		symbolizer__stats(s, &st);
		if (pid == 1)
			one = st.perfmap_memory;
		ASSERT_TRUE(t, st.perfmap_memory <= (1u << 20));
	}
	ASSERT_TRUE(t, one > 200000); /* the maps are big enough for the bound to bite */
	symbolizer__stats(s, &st);
	ASSERT_TRUE(t, st.perfmaps_evicted >= 12 - (1u << 20) / one);
	{ /* the first one was dropped: read again, still named */
		struct sym_proc p = {.pid = 1, .uid = geteuid()};

		ASSERT_EQ(t, symbolizer__jit(s, &p, 0x100000 + 9 * 0x10, &r), 0);
		ASSERT_EQ(t, r.nframes, 1);
		ASSERT_STREQ(t, r.frames[0].name, "LazyCompile:*function_number_9_of_process_1");
	}
cleanup:
	if (f)
		fclose(f);
	symbolizer__free(s);
	if (made) {
		for (int pid = 1; pid <= 12; pid++) {
			snprintf(path, sizeof(path), "%s/perf-%d.map", dir, pid);
			unlink(path);
		}
		rmdir(dir);
	}
}

/* A perf map the process does not own, a FIFO, a symlink, a huge file: not
 * read, counted; the map is named by the pid the process sees. */
static void test_jit_refusals(struct test_state *t)
{
	char dir[] = "/tmp/bpfprof-jitbad.XXXXXX", path[128], target[128];
	struct symbolizer_opts o = {.perfmap_dir = dir};
	struct sym_proc p = {.pid = 100, .uid = 65534};
	struct symbolizer *s = NULL;
	struct symbolizer_stats st;
	struct sym_result r;
	int made = mkdtemp(dir) != NULL, fd;

	ASSERT_TRUE(t, made);
	if (geteuid() != 0)
		SKIP(t, "needs root (files of other owners)");
	ASSERT_EQ(t, symbolizer__new(&o, &s), 0);
	snprintf(target, sizeof(target), "%s/secret", dir);
	fd = open(target, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	ASSERT_TRUE(t, fd >= 0);
	ASSERT_EQ(t, write(fd, "7f0000001000 40 SECRET\n", 23), 23);
	close(fd);
	/* root's file as the map of a process of user 65534: not its own */
	snprintf(path, sizeof(path), "%s/perf-100.map", dir);
	ASSERT_EQ(t, link(target, path), 0);
	ASSERT_EQ(t, symbolizer__jit(s, &p, 0x7f0000001010, &r), -EPERM);
	ASSERT_EQ(t, r.nframes, 0);
	unlink(path);
	/* the user's symlink to it */
	ASSERT_EQ(t, symlink(target, path), 0);
	ASSERT_EQ(t, lchown(path, 65534, 65534), 0);
	ASSERT_EQ(t, symbolizer__jit(s, &p, 0x7f0000001010, &r), -ELOOP);
	unlink(path);
	/* a FIFO: refused at once (reading it would wait for a writer) */
	ASSERT_EQ(t, mkfifo(path, 0666), 0);
	ASSERT_EQ(t, chown(path, 65534, 65534), 0);
	ASSERT_EQ(t, symbolizer__jit(s, &p, 0x7f0000001010, &r), -ENXIO);
	unlink(path);
	/* past PERFMAP_MAX_BYTES (sparse) */
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	ASSERT_TRUE(t, fd >= 0);
	ASSERT_EQ(t, ftruncate(fd, (off_t)PERFMAP_MAX_BYTES + 1), 0);
	ASSERT_EQ(t, fchown(fd, 65534, 65534), 0);
	close(fd);
	ASSERT_EQ(t, symbolizer__jit(s, &p, 0x7f0000001010, &r), -EFBIG);
	unlink(path);
	symbolizer__stats(s, &st);
	ASSERT_EQ(t, st.refused.owner, 1);
	ASSERT_EQ(t, st.refused.symlink, 1);
	ASSERT_EQ(t, st.refused.not_regular, 1);
	ASSERT_EQ(t, st.refused.too_big, 1);
	/* in a PID namespace the map is named by the pid the process sees */
	snprintf(path, sizeof(path), "%s/perf-7.map", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	ASSERT_TRUE(t, fd >= 0);
	ASSERT_EQ(t, write(fd, "7f0000001000 40 ns_jit\n", 23), 23);
	ASSERT_EQ(t, fchown(fd, 65534, 65534), 0);
	close(fd);
	p.ns_pid = 7;
	ASSERT_EQ(t, symbolizer__jit(s, &p, 0x7f0000001010, &r), 0);
	ASSERT_EQ(t, r.nframes, 1);
	ASSERT_STREQ(t, r.frames[0].name, "ns_jit");
	unlink(path);
cleanup:
	symbolizer__free(s);
	if (made) {
		for (const char *n = "perf-100.map\0perf-7.map\0secret\0"; *n; n += strlen(n) + 1) {
			snprintf(path, sizeof(path), "%s/%s", dir, n);
			unlink(path);
		}
		rmdir(dir);
	}
}

/* A line longer than PERFMAP_MAX_LINE is skipped without being held; the
 * lines after it are read. */
static void test_perfmap_long_line(struct test_state *t)
{
	size_t big = 3 * PERFMAP_MAX_LINE;
	char *text = malloc(big + 128);
	struct perfmap *m = NULL;

	ASSERT_TRUE(t, text != NULL);
	memcpy(text, "1000 10 ", 8);
	memset(text + 8, 'x', big);
	strcpy(text + 8 + big, "\n2000 10 after_long\n");
	ASSERT_EQ(t, perfmap_from(text, &m), 0);
	ASSERT_EQ(t, perfmap__count(m), 1);
	ASSERT_TRUE(t, perfmap__lookup(m, 0x1005) == NULL);
	ASSERT_STREQ(t, perfmap__lookup(m, 0x2005), "after_long");
cleanup:
	perfmap__free(m);
	free(text);
}

int main(void)
{
	RUN_TEST(&T, test_truncated);
	RUN_TEST(&T, test_truncated_while_mapped);
	RUN_TEST(&T, test_build_id_poisoning);
	RUN_TEST(&T, test_debuginfod_silent_server);
	RUN_TEST(&T, test_garbage);
	RUN_TEST(&T, test_hostile_headers);
	RUN_TEST(&T, test_mutations);
	RUN_TEST(&T, test_empty_names);
	RUN_TEST(&T, test_perfmap_parse);
	RUN_TEST(&T, test_jit_lookup_rereads);
	RUN_TEST(&T, test_jit_memory_bound);
	RUN_TEST(&T, test_jit_refusals);
	RUN_TEST(&T, test_perfmap_long_line);
	return test__finish(&T);
}
