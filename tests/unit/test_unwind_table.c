// SPDX-License-Identifier: MIT
/*
 * test_unwind_table.c - the CFI-to-rows builder, checked against libdw's
 * own CFI interpreter on real files, plus hand-made and broken input.
 */
#include "harness.h"
#include "unwind/unwind_table.h"

#include <elfutils/libdw.h>
#include <dwarf.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const libc_paths[] = {
	"/lib/x86_64-linux-gnu/libc.so.6", "/usr/lib/x86_64-linux-gnu/libc.so.6", NULL,
};

static int open_first(const char *const *paths)
{
	for (int i = 0; paths[i]; i++) {
		int fd = open(paths[i], O_RDONLY | O_CLOEXEC);

		if (fd >= 0)
			return fd;
	}
	return -1;
}

/*
 * Compare every row's CFA and return-address rule with libdw at the row's
 * first pc. Returns the number of disagreements (-1 if libdw has no CFI).
 */
static long compare_with_libdw(int fd, const struct unwind_table *t, size_t *checked)
{
	Elf *elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	Dwarf_CFI *cfi = elf ? dwarf_getcfi_elf(elf) : NULL;
	long bad = 0;

	*checked = 0;
	if (!cfi) {
		if (elf)
			elf_end(elf);
		return -1;
	}
	for (size_t i = 0; i < t->nrows; i++) {
		const struct unwind_row *r = &t->rows[i];
		Dwarf_Frame *f = NULL;
		Dwarf_Op *ops = NULL, mem[3];
		size_t nops = 0;

		if (r->cfa_rule != CFA_SP && r->cfa_rule != CFA_FP && r->cfa_rule != CFA_END)
			continue;
		if (dwarf_cfi_addrframe(cfi, r->pc, &f)) {
			printf("  row %zu pc 0x%x: libdw has no frame: %s\n", i, r->pc,
			       dwarf_errmsg(-1));
			bad++;
			continue;
		}
		(*checked)++;
		if (r->cfa_rule == CFA_END) {
			/* libdw: undefined = no ops and a NULL ops pointer */
			if (dwarf_frame_register(f, 16, mem, &ops, &nops) || ops != mem || nops) {
				printf("  row %zu pc 0x%x: END but libdw has a rule (%zu ops)\n", i,
				       r->pc, nops);
				bad++;
			}
		} else if (dwarf_frame_cfa(f, &ops, &nops) || nops != 1 ||
			   ops[0].atom != DW_OP_bregx ||
			   ops[0].number != (r->cfa_rule == CFA_SP ? 7u : 6u) ||
			   (int64_t)ops[0].number2 != r->cfa_off) {
			if (bad < 5)
				printf("  row %zu pc 0x%x rule %d off %d differs from libdw\n", i,
				       r->pc, r->cfa_rule, r->cfa_off);
			bad++;
		}
		free(f);
	}
	dwarf_cfi_end(cfi);
	elf_end(elf);
	return bad;
}

static void test_libc_matches_libdw(struct test_state *s)
{
	struct unwind_table *t = NULL;
	char err[256] = "";
	size_t checked = 0;
	long bad;
	int fd = open_first(libc_paths);

	if (fd < 0)
		SKIP(s, "no libc.so.6 at the Debian paths");
	ASSERT_EQ(s, unwind_table__build_fd(fd, &t, err, sizeof(err)), 0);
	ASSERT_TRUE(s, t->nrows > 10000);
	ASSERT_TRUE(s, t->stats.fdes > 1000);
	ASSERT_TRUE(s, t->stats.plt_rows > 0); /* libc's .plt has the expression */
	ASSERT_TRUE(s, t->nsegs >= 1);
	for (size_t i = 1; i < t->nrows; i++)
		ASSERT_TRUE(s, t->rows[i - 1].pc < t->rows[i].pc);
	bad = compare_with_libdw(fd, t, &checked);
	ASSERT_TRUE(s, checked > 10000);
	ASSERT_EQ(s, bad, 0);
cleanup:
	unwind_table__free(t);
	if (fd >= 0)
		close(fd);
}

static void test_self_matches_libdw(struct test_state *s)
{
	struct unwind_table *t = NULL;
	char err[256] = "";
	size_t checked = 0;
	const struct unwind_row *r;
	int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);

	ASSERT_TRUE(s, fd >= 0);
	ASSERT_EQ(s, unwind_table__build_fd(fd, &t, err, sizeof(err)), 0);
	ASSERT_EQ(s, compare_with_libdw(fd, t, &checked), 0);
	ASSERT_TRUE(s, checked > 10);
	/* _start marks the return address undefined: an END row exists */
	r = NULL;
	for (size_t i = 0; i < t->nrows && !r; i++)
		if (t->rows[i].cfa_rule == CFA_END)
			r = &t->rows[i];
	ASSERT_TRUE(s, r != NULL);
cleanup:
	unwind_table__free(t);
	if (fd >= 0)
		close(fd);
}

/* Functions described only in .debug_frame (gcc -fno-asynchronous-unwind-
 * tables -g; the C runtime still brings a small .eh_frame), plain and
 * compressed (-gz): the same rows. */
static void test_debug_frame(struct test_state *s)
{
	static const char *const plain = "tests/build/workloads/calltree_debugframe";
	static const char *const gz = "tests/build/workloads/calltree_debugframe_gz";
	struct unwind_table *a = NULL, *b = NULL;
	char err[256] = "";
	int fa = open(plain, O_RDONLY | O_CLOEXEC), fb = open(gz, O_RDONLY | O_CLOEXEC);

	if (fa < 0 || fb < 0)
		SKIP(s, "workloads not built (make -C tests build)");
	ASSERT_EQ(s, unwind_table__build_fd(fa, &a, err, sizeof(err)), 0);
	ASSERT_EQ(s, unwind_table__build_fd(fb, &b, err, sizeof(err)), 0);
	ASSERT_TRUE(s, a->stats.debug_frame_fdes >= 6); /* main, run, 3 stages, 3 leaves */
	ASSERT_EQ(s, b->stats.debug_frame_fdes, a->stats.debug_frame_fdes);
	ASSERT_EQ(s, b->nrows, a->nrows);
	ASSERT_TRUE(s, !memcmp(a->rows, b->rows, a->nrows * sizeof(*a->rows)));
cleanup:
	unwind_table__free(a);
	unwind_table__free(b);
	if (fa >= 0)
		close(fa);
	if (fb >= 0)
		close(fb);
}

static void test_bias(struct test_state *s)
{
	struct unwind_table t = {0};
	uint64_t bias = 0;

	/* a typical PIE: text at offset 0x1000, vaddr 0x1000 */
	t.segs[0] = (struct unwind_segment){.vaddr = 0x1000, .offset = 0x1000, .filesz = 0x5000};
	t.nsegs = 1;
	ASSERT_EQ(s, unwind_table__bias(&t, 0x555555555000ULL, 0x1000, &bias), 0);
	ASSERT_EQ(s, bias, 0x555555554000ULL);
	/* vaddr != offset (non-PIE style) */
	t.segs[0] = (struct unwind_segment){.vaddr = 0x401000, .offset = 0x1000, .filesz = 0x5000};
	ASSERT_EQ(s, unwind_table__bias(&t, 0x401000, 0x1000, &bias), 0);
	ASSERT_EQ(s, bias, 0);
	ASSERT_EQ(s, unwind_table__bias(&t, 0x401000, 0x9000, &bias), -ENOENT);
cleanup:;
}

/* A minimal ELF image in memory with a hand-written .eh_frame. */
struct mini_elf {
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	uint8_t eh_frame[128];
	char shstr[48];
	Elf64_Shdr sh[3];
};

static size_t put_frame(uint8_t *p, size_t eh_addr, uint32_t fn, uint32_t len,
			const uint8_t *insns, size_t ninsns)
{
	/* CIE: version 1, "zR", code 1, data -8, RA 16, R = pcrel|sdata4;
	 * initial: def_cfa rsp+8, offset r16 at cfa-8 */
	static const uint8_t cie[] = {0x14, 0, 0, 0, 0, 0, 0, 0, 1, 'z', 'R', 0, 1, 0x78, 16,
				      1, 0x1b, 0x0c, 7, 8, 0x90, 1, 0, 0};
	size_t o = sizeof(cie), fde_len = 4 + 4 + 4 + 1 + ninsns;
	int32_t rel;

	memcpy(p, cie, sizeof(cie));
	fde_len = (fde_len + 3) & ~3ULL;
	p[o] = (uint8_t)fde_len;
	p[o + 1] = p[o + 2] = p[o + 3] = 0;
	p[o + 4] = (uint8_t)(o + 4); /* back to the CIE */
	p[o + 5] = p[o + 6] = p[o + 7] = 0;
	rel = (int32_t)(fn - (eh_addr + o + 8));
	memcpy(p + o + 8, &rel, 4);
	memcpy(p + o + 12, &len, 4);
	p[o + 16] = 0; /* augmentation data length */
	memcpy(p + o + 17, insns, ninsns);
	memset(p + o + 17 + ninsns, 0, fde_len + 4 - 17 - ninsns);
	return o + 4 + fde_len + 4; /* plus a zero terminator */
}

static size_t mini_build(struct mini_elf *m, const uint8_t *insns, size_t n)
{
	const size_t eh_addr = 0x2000;

	memset(m, 0, sizeof(*m));
	memcpy(m->eh.e_ident, ELFMAG, SELFMAG);
	m->eh.e_ident[EI_CLASS] = ELFCLASS64;
	m->eh.e_ident[EI_DATA] = ELFDATA2LSB;
	m->eh.e_ident[EI_VERSION] = EV_CURRENT;
	m->eh.e_type = ET_DYN;
	m->eh.e_machine = EM_X86_64;
	m->eh.e_version = EV_CURRENT;
	m->eh.e_ehsize = sizeof(Elf64_Ehdr);
	m->eh.e_phoff = offsetof(struct mini_elf, ph);
	m->eh.e_phentsize = sizeof(Elf64_Phdr);
	m->eh.e_phnum = 1;
	m->eh.e_shoff = offsetof(struct mini_elf, sh);
	m->eh.e_shentsize = sizeof(Elf64_Shdr);
	m->eh.e_shnum = 3;
	m->eh.e_shstrndx = 2;
	m->ph.p_type = PT_LOAD;
	m->ph.p_flags = PF_R | PF_X;
	m->ph.p_vaddr = 0x1000;
	m->ph.p_offset = 0x1000;
	m->ph.p_filesz = 0x1000;
	memcpy(m->shstr, "\0.eh_frame\0.shstrtab\0.debug_frame", 34);
	m->sh[1].sh_name = 1;
	m->sh[1].sh_type = SHT_PROGBITS;
	m->sh[1].sh_addr = eh_addr;
	m->sh[1].sh_offset = offsetof(struct mini_elf, eh_frame);
	m->sh[1].sh_size = put_frame(m->eh_frame, eh_addr, 0x1100, 0x40, insns, n);
	m->sh[2].sh_name = 11;
	m->sh[2].sh_type = SHT_STRTAB;
	m->sh[2].sh_offset = offsetof(struct mini_elf, shstr);
	m->sh[2].sh_size = 34;
	return sizeof(*m);
}

static void test_handmade_push_rbp(struct test_state *s)
{
	/* push rbp; mov rbp,rsp; ... leave; ret:
	 * advance 1; def_cfa_offset 16; offset r6 at cfa-16; advance 3;
	 * def_cfa_register r6; advance 0x30; def_cfa rsp+8 */
	static const uint8_t insns[] = {0x41, 0x0e, 16, 0x86, 2, 0x43, 0x0d, 6, 0x70, 0x0c, 7, 8};
	struct mini_elf m;
	struct unwind_table *t = NULL;
	const struct unwind_row *r;
	char err[128] = "";
	size_t size = mini_build(&m, insns, sizeof(insns));

	ASSERT_EQ(s, unwind_table__build_mem(&m, size, &t, err, sizeof(err)), 0);
	r = unwind_table__find(t, 0x1100);
	ASSERT_TRUE(s, r && r->cfa_rule == CFA_SP && r->cfa_off == 8 && r->rbp_rule == RBP_SAME);
	r = unwind_table__find(t, 0x1102);
	ASSERT_TRUE(s, r && r->cfa_rule == CFA_SP && r->cfa_off == 16);
	ASSERT_TRUE(s, r->rbp_rule == RBP_AT_CFA && r->rbp_off == -2);
	r = unwind_table__find(t, 0x1110);
	ASSERT_TRUE(s, r && r->cfa_rule == CFA_FP && r->cfa_off == 16);
	r = unwind_table__find(t, 0x1134);
	ASSERT_TRUE(s, r && r->cfa_rule == CFA_SP && r->cfa_off == 8);
	r = unwind_table__find(t, 0x1140); /* past the function */
	ASSERT_TRUE(s, r && r->cfa_rule == CFA_NONE);
	ASSERT_TRUE(s, unwind_table__find(t, 0x10ff) == NULL);
cleanup:
	unwind_table__free(t);
}

static void test_handmade_plt_and_undefined(struct test_state *s)
{
	/* def_cfa_expression (the PLT one, lit11); advance 8; undefined r16 */
	static const uint8_t insns[] = {0x0f, 11,   0x77, 0x08, 0x80, 0x00, 0x3f, 0x1a,
					0x3b, 0x2a, 0x33, 0x24, 0x22, 0x48, 0x07, 16};
	struct mini_elf m;
	struct unwind_table *t = NULL;
	const struct unwind_row *r;
	char err[128] = "";
	size_t size = mini_build(&m, insns, sizeof(insns));

	ASSERT_EQ(s, unwind_table__build_mem(&m, size, &t, err, sizeof(err)), 0);
	r = unwind_table__find(t, 0x1104);
	ASSERT_TRUE(s, r && r->cfa_rule == CFA_PLT && r->cfa_off == 11);
	r = unwind_table__find(t, 0x1108);
	ASSERT_TRUE(s, r && r->cfa_rule == CFA_END);
cleanup:
	unwind_table__free(t);
}

/* Factored offsets that overflow 64 bits (hostile LEB128 operands times the
 * data alignment, -8) wrap instead of being undefined (UBSan aborts here). */
static void test_handmade_offset_overflow(struct test_state *s)
{
	static const uint8_t insns[] = {
		0x86, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, /* offset r6 2^63-1 */
		0x41,
		0x11, 6, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7f, /* _sf INT64_MIN */
		0x41,
		0x2f, 6, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01, /* neg 2^63 */
		0x41,
		0x13, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, /* _sf 2^63-2 */
	};
	struct mini_elf m;
	struct unwind_table *t = NULL;
	const struct unwind_row *r;
	char err[128] = "";
	size_t size = mini_build(&m, insns, sizeof(insns));

	ASSERT_EQ(s, unwind_table__build_mem(&m, size, &t, err, sizeof(err)), 0);
	r = unwind_table__find(t, 0x1100); /* (2^63 - 1) * -8 wraps to 8 */
	ASSERT_TRUE(s, r && r->cfa_rule == CFA_SP && r->rbp_rule == RBP_AT_CFA && r->rbp_off == 1);
	r = unwind_table__find(t, 0x1101); /* INT64_MIN * -8 wraps to 0 */
	ASSERT_TRUE(s, r && r->rbp_rule == RBP_AT_CFA && r->rbp_off == 0);
	r = unwind_table__find(t, 0x1103); /* def_cfa_offset_sf (2^63 - 2) * -8: 16 */
	ASSERT_TRUE(s, r && r->cfa_rule == CFA_SP && r->cfa_off == 16);
cleanup:
	unwind_table__free(t);
}

/* Truncated, bit-flipped and random input never crashes or hangs. */
static void test_garbage(struct test_state *s)
{
	static const uint8_t insns[] = {0x41, 0x0e, 16, 0x86, 2, 0x43, 0x0d, 6, 0x70, 0x0c, 7, 8};
	struct mini_elf m, g;
	struct unwind_table *t = NULL;
	char err[128];
	size_t size = mini_build(&m, insns, sizeof(insns));
	unsigned seed = 12345;

	for (int iter = 0; iter < 20000; iter++) {
		g = m;
		for (int k = 0; k < 1 + iter % 4; k++) {
			seed = seed * 1103515245 + 12345;
			size_t pos = (seed >> 8) % (m.sh[1].sh_size);

			g.eh_frame[pos] = (uint8_t)(seed >> 20);
		}
		if (iter % 7 == 0) {
			seed = seed * 1103515245 + 12345;
			g.sh[1].sh_size = (seed >> 8) % (m.sh[1].sh_size + 1);
		}
		if (iter % 2) { /* the same bytes read as .debug_frame */
			g.sh[1].sh_name = 21;
			if (iter % 4 == 1) /* with a .debug_frame CIE id */
				memset(g.eh_frame + 4, 0xff, 4);
		}
		if (unwind_table__build_mem(&g, size, &t, err, sizeof(err)) == 0) {
			ASSERT_TRUE(s, t->nrows > 0);
			unwind_table__free(t);
			t = NULL;
		}
	}
cleanup:
	unwind_table__free(t);
}

int main(void)
{
	struct test_state s = {.suite = "unwind_table"};

	elf_version(EV_CURRENT);
	RUN_TEST(&s, test_libc_matches_libdw);
	RUN_TEST(&s, test_self_matches_libdw);
	RUN_TEST(&s, test_debug_frame);
	RUN_TEST(&s, test_bias);
	RUN_TEST(&s, test_handmade_push_rbp);
	RUN_TEST(&s, test_handmade_plt_and_undefined);
	RUN_TEST(&s, test_handmade_offset_overflow);
	RUN_TEST(&s, test_garbage);
	printf("%d passed, %d failed, %d skipped\n", s.passed, s.failed, s.skipped);
	return test__finish(&s);
}
