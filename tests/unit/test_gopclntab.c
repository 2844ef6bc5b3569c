// SPDX-License-Identifier: MIT
/*
 * test_gopclntab.c - Go's function table: hand-made tables in the Go 1.16,
 * 1.18-1.19 and 1.20+ layouts (names, file:line, an inlined call, SP-delta
 * runs and the unwind rows made from them), hostile headers, and the real
 * table of the Go workload (Go 1.19 here), whose rows must agree with the
 * .debug_frame Go writes into the unstripped build; and the same workloads
 * with their section headers removed (sstrip), where the table is found by
 * its header in the segments and must give the same frames and rows, and
 * a Go binary linked by the system's linker, whose table has no section.
 */
#include "harness.h"
#include "symbolizer/gopclntab.h"
#include "symbolizer/symbolizer.h"
#include "tests/elf_image.h"
#include "unwind/unwind_table.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define PCLN_ADDR 0x20000
#define FDATA_ADDR 0x30000
#define TEXT 0x1000

struct buf {
	uint8_t b[4096];
	size_t n;
};

static size_t put(struct buf *b, const void *p, size_t n)
{
	size_t at = b->n;

	memcpy(b->b + b->n, p, n);
	b->n += n;
	return at;
}

static size_t put32(struct buf *b, uint32_t v) { return put(b, &v, 4); }
static size_t put64(struct buf *b, uint64_t v) { return put(b, &v, 8); }

static void align(struct buf *b, size_t a)
{
	while (b->n % a)
		b->b[b->n++] = 0;
}

/* A pc-value table from (value, length) pairs. */
static uint32_t pcvalue_table(struct buf *b, size_t pctab, const int32_t *vals,
			      const uint32_t *lens, int n)
{
	size_t at = b->n;
	int32_t prev = -1;

	for (int i = 0; i < n; i++) {
		int32_t d = vals[i] - prev;
		uint32_t uv = d < 0 ? ~((uint32_t)d << 1) : (uint32_t)d << 1;

		for (uint32_t v = uv;; v >>= 7) { /* varint */
			b->b[b->n++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
			if (v <= 0x7f)
				break;
		}
		b->b[b->n++] = (uint8_t)lens[i]; /* < 128 here */
		prev = vals[i];
	}
	b->b[b->n++] = 0;
	return (uint32_t)(at - pctab);
}

/*
 * Two functions: main.outer [0x1000, 0x1040) with main.inner inlined at
 * [0x1010, 0x1020) (called from pc offset 8), and main.last [0x1040,
 * 0x1050), a top frame. SP deltas of main.outer: 0, 24 from 0x1004, 0 from
 * 0x1030. Lines: 7, 10 from 0x1010, 12 from 0x1020.
 */
static void make_table(int version, struct buf *t, struct buf *fd)
{
	static const char names[] = "\0main.outer\0main.inner\0main.last";
	static const char files[] = "/src/main.go";
	size_t hdr_words = version == 116 ? 7 : 8, funcname, cu, filetab, pctab, pcln, ftab, rec[2];
	uint32_t sp, fl, ln, inl, sp2;
	int32_t tree_off = 16;

	memset(t, 0, sizeof(*t));
	memset(fd, 0, sizeof(*fd));
	put32(t, version == 116 ? 0xfffffffa : version == 118 ? 0xfffffff0 : 0xfffffff1);
	put(t, "\0\0\1\x08", 4);
	t->n += 8 * hdr_words; /* filled below */
	funcname = put(t, names, sizeof(names));
	align(t, 4);
	cu = put32(t, 0);
	filetab = put(t, files, sizeof(files));
	pctab = t->n;
	t->b[t->n++] = 0;
	{
		int32_t v1[] = {0, 24, 0}, v2[] = {0, 0, 0}, v3[] = {7, 10, 12}, v4[] = {-1, 0, -1};
		uint32_t l1[] = {4, 0x2c, 0x10}, l2[] = {0x40}, l3[] = {0x10, 0x10, 0x20},
			 l4[] = {0x10, 0x10, 0x20}, l5[] = {0x10};

		sp = pcvalue_table(t, pctab, v1, l1, 3);
		fl = pcvalue_table(t, pctab, v2, l2, 1);
		ln = pcvalue_table(t, pctab, v3, l3, 3);
		inl = pcvalue_table(t, pctab, v4, l4, 3);
		sp2 = pcvalue_table(t, pctab, v2, l5, 1);
	}
	align(t, 8);
	pcln = t->n;
	ftab = t->n;
	t->n += 3 * (version == 116 ? 16 : 8);
	for (int f = 0; f < 2; f++) {
		uint32_t nameoff = f == 0 ? 1 : 23;

		align(t, 8);
		rec[f] = t->n;
		if (version == 116)
			put64(t, TEXT + 0x40 * f);
		else
			put32(t, 0x40 * f);
		put32(t, nameoff);
		put32(t, 0); /* args */
		put32(t, 0); /* deferreturn */
		put32(t, f == 0 ? sp : sp2);
		put32(t, fl);
		put32(t, ln);
		put32(t, 3);  /* npcdata */
		put32(t, 0);  /* cu offset */
		if (version == 120)
			put32(t, 1); /* startLine */
		put(t, (uint8_t[]){0, f == 1 && version != 116 ? GOPCLNTAB_FLAG_TOPFRAME : 0, 0, 4},
		    4);
		put32(t, 0);
		put32(t, 0);
		put32(t, f == 0 ? inl : 0);
		if (version == 116) {
			if ((PCLN_ADDR + t->n) & 4)
				t->n += 4;
			for (int k = 0; k < 4; k++)
				put64(t, k == 3 && f == 0 ? FDATA_ADDR + tree_off : 0);
		} else {
			for (int k = 0; k < 4; k++)
				put32(t, k == 3 && f == 0 ? (uint32_t)tree_off : UINT32_MAX);
		}
	}
	/* functab: entries and record offsets from pcln; the end of text last */
	for (int i = 0; i < 3; i++) {
		uint64_t funcoff = rec[i < 2 ? i : 1] - pcln;

		if (version == 116) {
			memcpy(t->b + ftab + 16 * i, &(uint64_t){TEXT + 0x40 * i - (i == 2 ? 0x30 : 0)}, 8);
			memcpy(t->b + ftab + 16 * i + 8, &funcoff, 8);
		} else {
			memcpy(t->b + ftab + 8 * i, &(uint32_t){0x40 * i - (i == 2 ? 0x30 : 0)}, 4);
			memcpy(t->b + ftab + 8 * i + 4, &(uint32_t){(uint32_t)funcoff}, 4);
		}
	}
	{
		uint64_t h[8] = {2, 1}, *w = h + 2;

		if (version != 116)
			*w++ = TEXT;
		w[0] = funcname, w[1] = cu, w[2] = filetab, w[3] = pctab, w[4] = pcln;
		memcpy(t->b + 8, h, 8 * hdr_words);
	}
	/* the inline tree: main.inner called at pc offset 8 */
	fd->n = tree_off;
	if (version == 120) {
		put32(fd, 0);
		put32(fd, 12);
		put32(fd, 8);
		put32(fd, 9);
	} else {
		put32(fd, 0xffff); /* parent -1, funcID 0 */
		put32(fd, 0);
		put32(fd, 9);
		put32(fd, 12);
		put32(fd, 8);
	}
}

static int parse_q(const struct buf *t, const struct buf *fd, struct gopclntab **g, bool quiet)
{
	struct gopclntab_input in = {
		.pcln = t->b, .pcln_size = t->n, .pcln_vaddr = PCLN_ADDR, .text_vaddr = TEXT,
		.fdata = fd->b, .fdata_size = fd->n, .fdata_vaddr = FDATA_ADDR, .copy = true,
	};
	char err[128] = "";
	int ret = gopclntab__parse(&in, g, err, sizeof(err));

	if (ret && !quiet)
		printf("  parse: %s\n", err);
	return ret;
}

static int parse(const struct buf *t, const struct buf *fd, struct gopclntab **g)
{
	return parse_q(t, fd, g, false);
}

static int collect(void *ctx, uint64_t start, uint64_t end, int32_t delta)
{
	char *s = ctx;

	snprintf(s + strlen(s), 256 - strlen(s), "[%lx,%lx)%d ", (unsigned long)start,
		 (unsigned long)end, delta);
	return 0;
}

/* An ELF image with the table as .gopclntab, no CFI: its unwind table. */
static int rows_of(const struct buf *t, struct unwind_table **out)
{
	size_t total;
	uint8_t *img = elf_image__build(ET_EXEC, 0,
					&(struct elf_image_section){.name = ".gopclntab",
								    .addr = PCLN_ADDR,
								    .flags = SHF_ALLOC,
								    .data = t->b,
								    .size = t->n},
					&total);
	char err[128] = "";
	int ret;

	if (!img)
		return -ENOMEM;
	ret = unwind_table__build_mem(img, total, out, err, sizeof(err));
	if (ret)
		printf("  rows: %s\n", err);
	free(img);
	return ret;
}

static void check_version(struct test_state *s, int version)
{
	struct buf t, fd;
	struct gopclntab *g = NULL;
	struct unwind_table *u = NULL;
	struct gopclntab_frame fr[4];
	struct gopclntab_func f;
	char runs[256] = "";
	const struct unwind_row *r;
	int n;

	make_table(version, &t, &fd);
	ASSERT_EQ(s, parse(&t, &fd, &g), 0);
	ASSERT_EQ(s, gopclntab__version(g), version);
	ASSERT_EQ(s, (long)gopclntab__nfuncs(g), 2);
	/* plain code of main.outer */
	n = gopclntab__lookup(g, 0x1004, fr, 4);
	ASSERT_EQ(s, n, 1);
	ASSERT_STREQ(s, fr[0].name, "main.outer");
	ASSERT_STREQ(s, fr[0].file, "/src/main.go");
	ASSERT_EQ(s, fr[0].line, 7);
	/* the inlined call: main.inner at line 10, in main.outer at its call site */
	n = gopclntab__lookup(g, 0x1018, fr, 4);
	ASSERT_EQ(s, n, 2);
	ASSERT_STREQ(s, fr[0].name, "main.inner");
	ASSERT_EQ(s, fr[0].line, 10);
	ASSERT_TRUE(s, fr[0].inlined);
	ASSERT_STREQ(s, fr[1].name, "main.outer");
	ASSERT_EQ(s, fr[1].line, 7);
	ASSERT_TRUE(s, !fr[1].inlined);
	/* max 1: the outer function alone */
	ASSERT_EQ(s, gopclntab__lookup(g, 0x1018, fr, 1), 1);
	ASSERT_STREQ(s, fr[0].name, "main.outer");
	ASSERT_EQ(s, gopclntab__lookup(g, 0x1025, fr, 4), 1);
	ASSERT_EQ(s, fr[0].line, 12);
	ASSERT_EQ(s, gopclntab__lookup(g, 0x1045, fr, 4), 1);
	ASSERT_STREQ(s, fr[0].name, "main.last");
	/* outside every function */
	ASSERT_EQ(s, gopclntab__lookup(g, 0xfff, fr, 4), 0);
	ASSERT_EQ(s, gopclntab__lookup(g, 0x1050, fr, 4), 0);
	ASSERT_EQ(s, gopclntab__func(g, 1, &f), 0);
	ASSERT_EQ(s, f.entry, 0x1040);
	ASSERT_EQ(s, f.end, 0x1050);
	if (version != 116)
		ASSERT_EQ(s, f.flags, GOPCLNTAB_FLAG_TOPFRAME);
	ASSERT_EQ(s, gopclntab__sp_runs(g, 0, collect, runs), 0);
	ASSERT_STREQ(s, runs, "[1000,1004)0 [1004,1030)24 [1030,1040)0 ");
	gopclntab__free(g);
	g = NULL;

	/* the rows: CFA = rsp + delta + 8, rbp at CFA - 16 inside the frame */
	ASSERT_EQ(s, rows_of(&t, &u), 0);
	r = unwind_table__find(u, 0x1000);
	ASSERT_TRUE(s, r && r->cfa_rule == CFA_SP && r->cfa_off == 8 && r->rbp_rule == RBP_SAME);
	r = unwind_table__find(u, 0x1010);
	ASSERT_TRUE(s, r && r->cfa_rule == CFA_SP && r->cfa_off == 32 &&
			       r->rbp_rule == RBP_AT_CFA && r->rbp_off == -2);
	r = unwind_table__find(u, 0x1031);
	ASSERT_TRUE(s, r && r->cfa_rule == CFA_SP && r->cfa_off == 8);
	if (version != 116) {
		r = unwind_table__find(u, 0x1041);
		ASSERT_TRUE(s, r && r->cfa_rule == CFA_END);
	}
	r = unwind_table__find(u, 0x1050);
	ASSERT_TRUE(s, r && r->cfa_rule == CFA_NONE);
	ASSERT_EQ(s, (long)u->stats.go_funcs, 2);
cleanup:
	gopclntab__free(g);
	unwind_table__free(u);
}

static void test_go116(struct test_state *s) { check_version(s, 116); }
static void test_go118(struct test_state *s) { check_version(s, 118); }
static void test_go120(struct test_state *s) { check_version(s, 120); }

/* Broken tables: refused or answered with nothing, never read out of bounds
 * (ASan watches). */
static void test_hostile(struct test_state *s)
{
	struct buf t, fd;
	struct gopclntab *g = NULL;
	struct gopclntab_frame fr[4];
	uint64_t big = ~0ULL;

	make_table(118, &t, &fd);
	/* nfunc beyond the bound */
	memcpy(t.b + 8, &big, 8);
	ASSERT_EQ(s, parse_q(&t, &fd, &g, true), -E2BIG);
	/* a table offset past the end */
	make_table(118, &t, &fd);
	memcpy(t.b + 8 + 7 * 8, &big, 8);
	ASSERT_EQ(s, parse_q(&t, &fd, &g, true), -EINVAL);
	/* truncated everywhere: parse fails or every lookup stays in bounds */
	make_table(120, &t, &fd);
	for (size_t cut = 0; cut < t.n; cut++) {
		struct buf c = t;

		c.n = cut;
		if (parse_q(&c, &fd, &g, true) == 0) {
			for (uint64_t pc = 0xff0; pc < 0x1058; pc += 3)
				(void)gopclntab__lookup(g, pc, fr, 4);
			gopclntab__free(g);
			g = NULL;
		}
	}
	/* every byte flipped in turn */
	for (size_t i = 0; i < t.n; i++) {
		struct buf c = t;

		c.b[i] ^= 0xa5;
		if (parse_q(&c, &fd, &g, true) == 0) {
			for (uint64_t pc = 0xff0; pc < 0x1058; pc += 5)
				(void)gopclntab__lookup(g, pc, fr, 4);
			gopclntab__free(g);
			g = NULL;
		}
	}
cleanup:
	gopclntab__free(g);
}

static int open_workload(const char *name)
{
	char path[512];

	snprintf(path, sizeof(path), "tests/build/workloads/%s", name);
	return open(path, O_RDONLY | O_CLOEXEC);
}

/* Every function of g: in *inlined, how many of its pcs (every 4th byte)
 * have inlined calls; in *alpha, how often main.alpha is there, and its
 * entry's frames in fr (their number in *nfr). 0, or -1 when a function
 * cannot be read. */
static int walk_table(const struct gopclntab *g, size_t *inlined, size_t *alpha,
		      struct gopclntab_frame fr[8], int *nfr)
{
	*inlined = *alpha = 0;
	for (size_t i = 0; i < gopclntab__nfuncs(g); i++) {
		struct gopclntab_func f;
		struct gopclntab_frame tmp[8];

		if (gopclntab__func(g, i, &f))
			return -1;
		for (uint64_t pc = f.entry; pc < f.end; pc += 4)
			if (gopclntab__lookup(g, pc, tmp, 8) > 1)
				(*inlined)++;
		if (f.name && !strcmp(f.name, "main.alpha")) {
			*nfr = gopclntab__lookup(g, f.entry, fr, 8);
			(*alpha)++;
		}
	}
	return 0;
}

/* The real Go 1.19 table: names, lines and inlined calls, and rows that
 * agree with the .debug_frame of the same program built unstripped. */
static void test_real_go(struct test_state *s)
{
	int fs = open_workload("gocalltree-stripped"), fu = open_workload("gocalltree");
	struct gopclntab *g = NULL;
	struct unwind_table *ts = NULL, *tu = NULL;
	size_t inlined = 0, alpha = 0, agree = 0, differ = 0, prologues = 0;
	struct gopclntab_frame fr[8];
	char err[256] = "";
	int n = 0;

	if (fs < 0 || fu < 0) {
		SKIP(s, "Go workloads not built (make -C tests build)");
		goto cleanup;
	}
	ASSERT_EQ(s, gopclntab__open_fd(fs, &g, err, sizeof(err)), 0);
	ASSERT_EQ(s, gopclntab__version(g), 118);
	ASSERT_TRUE(s, gopclntab__has_inlines(g));
	ASSERT_TRUE(s, gopclntab__nfuncs(g) > 1000);
	ASSERT_EQ(s, walk_table(g, &inlined, &alpha, fr, &n), 0);
	ASSERT_EQ(s, (long)alpha, 1);
	ASSERT_EQ(s, n, 1);
	ASSERT_TRUE(s, fr[0].file && strstr(fr[0].file, "gocalltree/main.go"));
	ASSERT_TRUE(s, fr[0].line > 0);
	ASSERT_TRUE(s, inlined > 100);
	/* rows from the SP deltas against Go's own CFI, row by row */
	ASSERT_EQ(s, unwind_table__build_fd(fs, &ts, err, sizeof(err)), 0);
	ASSERT_EQ(s, unwind_table__build_fd(fu, &tu, err, sizeof(err)), 0);
	ASSERT_TRUE(s, ts->stats.go_funcs > 1000 && tu->stats.go_funcs < ts->stats.go_funcs);
	for (size_t i = 0; i < ts->nrows; i++) {
		const struct unwind_row *a = &ts->rows[i], *b = unwind_table__find(tu, a->pc);

		if (a->cfa_rule != CFA_SP || !b || b->cfa_rule != CFA_SP)
			continue;
		if (a->cfa_off == b->cfa_off)
			agree++;
		else
			differ++;
	}
	printf("  %zu rows agree with .debug_frame, %zu differ\n", agree, differ);
	ASSERT_TRUE(s, agree > 1000);
	ASSERT_TRUE(s, differ * 100 < agree);
	/* Go 1.19's prologue: SUBQ $n, SP; MOVQ BP, n-8(SP): rbp unchanged for
	 * the store's one instruction, then saved at CFA - 16 */
	for (size_t i = 0; i + 1 < ts->nrows; i++) {
		const struct unwind_row *a = &ts->rows[i], *b = &ts->rows[i + 1];

		if (a->cfa_rule == CFA_SP && a->cfa_off >= 24 && a->rbp_rule == RBP_SAME) {
			ASSERT_TRUE(s, b->pc - a->pc == 5 || b->pc - a->pc == 8);
			ASSERT_TRUE(s, b->cfa_rule == CFA_SP && b->cfa_off == a->cfa_off);
			ASSERT_TRUE(s, b->rbp_rule == RBP_AT_CFA && b->rbp_off == -2);
			prologues++;
		}
	}
	printf("  %zu prologues with the rbp store apart\n", prologues);
	ASSERT_TRUE(s, prologues > 1000);
cleanup:
	gopclntab__free(g);
	unwind_table__free(ts);
	unwind_table__free(tu);
	if (fs >= 0)
		close(fs);
	if (fu >= 0)
		close(fu);
}

/* ---- files without section headers ---- */

/* The whole file of a workload, malloc'ed; NULL when not built. */
static uint8_t *read_workload(const char *name, size_t *size)
{
	char path[512];
	uint8_t *b = NULL;
	FILE *f;
	long n;

	snprintf(path, sizeof(path), "tests/build/workloads/%s", name);
	f = fopen(path, "rb");
	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (b = malloc((size_t)n)) && fread(b, 1, (size_t)n, f) != (size_t)n) {
		free(b);
		b = NULL;
	}
	*size = b ? (size_t)n : 0;
	fclose(f);
	return b;
}

/* The table of an ELF image in memory, through a file as the symbolizer
 * opens it (its bytes copied): 0 or what gopclntab__open_fd says. */
static int open_image(const uint8_t *img, size_t size, struct gopclntab **g)
{
	int fd = memfd_create("elf", MFD_CLOEXEC), ret = -EIO;

	if (fd < 0)
		return -errno;
	if (write(fd, img, size) == (ssize_t)size)
		ret = gopclntab__open_fd(fd, g, NULL, 0);
	close(fd);
	return ret;
}

static bool same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

/* Frames at every pc of functions whose name starts with one of prefixes
 * (every 8th pc of the others) are the same in a and b. The number of
 * pcs compared, of them with inlined frames in *inlined; -1 on the first
 * difference (printed). */
static long same_frames(const struct gopclntab *a, const struct gopclntab *b, size_t *inlined)
{
	static const char *const full[] = {"main.", "crypto/sha256."};
	long pcs = 0;

	*inlined = 0;
	if (gopclntab__nfuncs(a) != gopclntab__nfuncs(b))
		return -1;
	for (size_t i = 0; i < gopclntab__nfuncs(a); i++) {
		struct gopclntab_func fa, fb;
		uint64_t step = 8;

		if (gopclntab__func(a, i, &fa) || gopclntab__func(b, i, &fb) ||
		    fa.entry != fb.entry || fa.end != fb.end || !same_str(fa.name, fb.name) ||
		    fa.flags != fb.flags) {
			printf("  function %zu differs\n", i);
			return -1;
		}
		for (size_t k = 0; k < sizeof(full) / sizeof(full[0]); k++)
			if (fa.name && !strncmp(fa.name, full[k], strlen(full[k])))
				step = 1;
		for (uint64_t pc = fa.entry; pc < fa.end; pc += step) {
			struct gopclntab_frame ra[8], rb[8];
			int na = gopclntab__lookup(a, pc, ra, 8), nb = gopclntab__lookup(b, pc, rb, 8);

			if (na != nb || na < 1) {
				printf("  %#lx: %d frames, %d without sections\n", (unsigned long)pc, na,
				       nb);
				return -1;
			}
			for (int f = 0; f < na; f++)
				if (!same_str(ra[f].name, rb[f].name) ||
				    !same_str(ra[f].file, rb[f].file) || ra[f].line != rb[f].line ||
				    ra[f].inlined != rb[f].inlined) {
					printf("  %#lx frame %d: %s, %s without sections\n",
					       (unsigned long)pc, f, ra[f].name, rb[f].name);
					return -1;
				}
			*inlined += na > 1;
			pcs++;
		}
	}
	return pcs;
}

/* The file offset of section name in the ELF image, 0 when none. */
static uint64_t section_offset(uint8_t *img, size_t size, const char *name)
{
	Elf *elf = elf_memory((char *)img, size);
	Elf_Scn *scn = NULL;
	size_t shstrndx;
	uint64_t off = 0;

	if (!elf || elf_getshdrstrndx(elf, &shstrndx))
		goto cleanup;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		const char *n;

		if (gelf_getshdr(scn, &sh) && (n = elf_strptr(elf, shstrndx, sh.sh_name)) &&
		    !strcmp(n, name))
			off = sh.sh_offset;
	}
cleanup:
	elf_end(elf);
	return off;
}

/* The rows of an image equal those of another. */
static bool same_rows(uint8_t *a, size_t asize, uint8_t *b, size_t bsize, size_t *nrows)
{
	struct unwind_table *ta = NULL, *tb = NULL;
	bool same;

	same = !unwind_table__build_mem(a, asize, &ta, NULL, 0) &&
	       !unwind_table__build_mem(b, bsize, &tb, NULL, 0) && ta->nrows == tb->nrows &&
	       ta->stats.go_funcs == tb->stats.go_funcs &&
	       !memcmp(ta->rows, tb->rows, ta->nrows * sizeof(*ta->rows));
	*nrows = same ? ta->nrows : 0;
	unwind_table__free(ta);
	unwind_table__free(tb);
	return same;
}

/* The stripped and the PIE workload, section headers removed: the table is
 * found in the segments, with its inline trees (funcdata from the
 * moduledata), and every frame and unwind row is the one the sections
 * give; so with section names that cannot be read; with the header's text start cleared too (what a PIE linked by
 * another linker, or Go 1.26, leaves), the text start comes from the
 * moduledata and nothing changes. */
static void check_noshdr(struct test_state *s, const char *name, const char *secname)
{
	size_t size = 0, inl = 0, rows = 0;
	uint8_t *orig = read_workload(name, &size), *cut = NULL;
	struct gopclntab *ga = NULL, *gb = NULL;
	uint64_t pcln;
	long pcs;

	if (!orig) {
		SKIP(s, "Go workloads not built (make -C tests build)");
		goto cleanup;
	}
	cut = malloc(size);
	ASSERT_TRUE(s, cut != NULL);
	memcpy(cut, orig, size);
	ASSERT_EQ(s, elf_image__strip_sections(cut, size), 0);
	ASSERT_EQ(s, open_image(orig, size, &ga), 0);
	ASSERT_EQ(s, open_image(cut, size, &gb), 0);
	ASSERT_EQ(s, gopclntab__version(gb), gopclntab__version(ga));
	ASSERT_TRUE(s, gopclntab__has_inlines(ga) && gopclntab__has_inlines(gb));
	pcs = same_frames(ga, gb, &inl);
	printf("  %s: %ld pcs, %zu with inlined frames, the same without sections\n", name, pcs,
	       inl);
	ASSERT_TRUE(s, pcs > 10000);
	ASSERT_TRUE(s, inl > 100);
	ASSERT_TRUE(s, same_rows(orig, size, cut, size, &rows));
	ASSERT_TRUE(s, rows > 1000);
	gopclntab__free(gb);
	gb = NULL;

	/* section headers whose names cannot be read (e_shstrndx at a section
	 * that is no string table): searched for as without sections */
	memcpy(cut, orig, size);
	((Elf64_Ehdr *)cut)->e_shstrndx = 1;
	ASSERT_EQ(s, open_image(cut, size, &gb), 0);
	ASSERT_TRUE(s, same_frames(ga, gb, &inl) > 10000 && inl > 100);
	gopclntab__free(gb);
	gb = NULL;
	ASSERT_EQ(s, elf_image__strip_sections(cut, size), 0);

	/* the header's text start left to relocations */
	pcln = section_offset(orig, size, secname);
	ASSERT_TRUE(s, pcln && pcln + 32 <= size);
	memset(cut + pcln + 24, 0, 8);
	ASSERT_EQ(s, open_image(cut, size, &gb), 0);
	pcs = same_frames(ga, gb, &inl);
	ASSERT_TRUE(s, pcs > 10000 && inl > 100);
cleanup:
	gopclntab__free(ga);
	gopclntab__free(gb);
	free(orig);
	free(cut);
}

static void test_noshdr_stripped(struct test_state *s)
{
	check_noshdr(s, "gocalltree-stripped", ".gopclntab");
}

static void test_noshdr_pie(struct test_state *s)
{
	check_noshdr(s, "gocalltree-pie", ".data.rel.ro.gopclntab");
}

/* Hand-made images without sections: the table is taken when its functions
 * lie in the executable segment, refused (-EINVAL: the symbolizer counts it
 * unreadable) when they do not, and a segment full of headers costs a
 * bounded number of parses (-E2BIG, counted too). */
static void test_noshdr_hostile(struct test_state *s)
{
	struct buf t, fd;
	struct gopclntab *g = NULL;
	struct gopclntab_frame fr[4];
	uint8_t *img = NULL, *fake = NULL;
	size_t total, fsize = 1u << 20;

	for (int v = 116; v <= 120; v += 2) { /* 1.16, 1.18, 1.20 layouts */
		make_table(v, &t, &fd);
		img = elf_image__build_noshdr(t.b, t.n, TEXT, 0x1000, PCLN_ADDR, 0x40000, &total);
		ASSERT_TRUE(s, img != NULL);
		ASSERT_EQ(s, open_image(img, total, &g), 0);
		ASSERT_EQ(s, gopclntab__version(g), v);
		ASSERT_EQ(s, gopclntab__lookup(g, 0x1045, fr, 4), 1);
		ASSERT_STREQ(s, fr[0].name, "main.last");
		gopclntab__free(g);
		g = NULL;
		free(img);
		img = NULL;
	}
	make_table(120, &t, &fd);
	/* its functions outside the executable segment: refused, and said */
	img = elf_image__build_noshdr(t.b, t.n, 0x100000, 0x1000, PCLN_ADDR, 0x40000, &total);
	ASSERT_TRUE(s, img != NULL);
	ASSERT_EQ(s, open_image(img, total, &g), -EINVAL);
	free(img);
	/* the text start 0 and no moduledata to give it: refused */
	memset(t.b + 24, 0, 8);
	img = elf_image__build_noshdr(t.b, t.n, 0, 0x2000, PCLN_ADDR, 0x40000, &total);
	ASSERT_TRUE(s, img != NULL);
	ASSERT_EQ(s, open_image(img, total, &g), -EINVAL);
	free(img);
	img = NULL;
	/* a megabyte of headers, then the real table: given up on, quickly */
	make_table(120, &t, &fd);
	fake = malloc(fsize);
	ASSERT_TRUE(s, fake != NULL);
	for (size_t off = 0; off + 8 <= fsize - t.n; off += 8)
		memcpy(fake + off, t.b, 8);
	memcpy(fake + fsize - t.n, t.b, t.n);
	img = elf_image__build_noshdr(fake, fsize, TEXT, 0x1000, PCLN_ADDR, 0x40000000, &total);
	ASSERT_TRUE(s, img != NULL);
	ASSERT_EQ(s, open_image(img, total, &g), -E2BIG);
	free(img);
	/* no header at all: not a Go binary, nothing to count */
	memset(fake, 0x5a, fsize);
	img = elf_image__build_noshdr(fake, fsize, TEXT, 0x1000, PCLN_ADDR, 0x40000000, &total);
	ASSERT_TRUE(s, img != NULL);
	ASSERT_EQ(s, open_image(img, total, &g), -ENOENT);
	/* cut anywhere: found or not, never read out of bounds (ASan) */
	free(img);
	img = elf_image__build_noshdr(t.b, t.n, TEXT, 0x1000, PCLN_ADDR, 0x40000, &total);
	ASSERT_TRUE(s, img != NULL);
	for (size_t cut = 0; cut < total; cut += 3) {
		if (open_image(img, cut, &g) == 0) {
			for (uint64_t pc = 0xff0; pc < 0x1058; pc += 3)
				(void)gopclntab__lookup(g, pc, fr, 4);
			gopclntab__free(g);
			g = NULL;
		}
	}
cleanup:
	gopclntab__free(g);
	free(img);
	free(fake);
}

/* The symbolizer over an image: the name at vaddr (NULL when none) and its
 * Go counts. */
static const char *symbolize_image(const uint8_t *img, size_t size, uint64_t vaddr,
				   struct symbolizer_stats *st, char *name, size_t len)
{
	int fd = memfd_create("elf", MFD_CLOEXEC);
	struct symbolizer *s = NULL;
	struct sym_result r;
	struct sym_file f = {.fd = fd, .dev = 1, .ino = 1};
	const char *ret = NULL;

	memset(st, 0, sizeof(*st));
	if (fd < 0 || write(fd, img, size) != (ssize_t)size || symbolizer__new(NULL, &s))
		goto cleanup;
	if (symbolizer__user_vaddr(s, &f, vaddr, &r) == 0 && r.nframes) {
		snprintf(name, len, "%s", r.frames[r.nframes - 1].name);
		ret = name;
	}
	symbolizer__stats(s, st);
cleanup:
	symbolizer__free(s);
	if (fd >= 0)
		close(fd);
	return ret;
}

/* What the symbolizer makes of it: names from a table found without
 * sections (a Go file), and a refused table counted as unreadable. */
static void test_noshdr_counted(struct test_state *s)
{
	struct buf t, fd;
	struct symbolizer_stats st;
	uint8_t *img = NULL;
	size_t total;
	char name[128];

	make_table(120, &t, &fd);
	img = elf_image__build_noshdr(t.b, t.n, TEXT, 0x1000, PCLN_ADDR, 0x40000, &total);
	ASSERT_TRUE(s, img != NULL);
	ASSERT_STREQ(s, symbolize_image(img, total, 0x1045, &st, name, sizeof(name)), "main.last");
	ASSERT_EQ(s, st.go_files, 1);
	ASSERT_EQ(s, st.go_errors, 0);
	free(img);
	img = elf_image__build_noshdr(t.b, t.n, 0x100000, 0x1000, PCLN_ADDR, 0x40000, &total);
	ASSERT_TRUE(s, img != NULL);
	ASSERT_TRUE(s, !symbolize_image(img, total, 0x1045, &st, name, sizeof(name)));
	ASSERT_EQ(s, st.go_files, 0);
	ASSERT_EQ(s, st.go_errors, 1);
cleanup:
	free(img);
}

/* A Go binary the system's linker linked (-linkmode=external, as cgo
 * programs are): the table has no section of its own, it is found in the
 * segments; names, lines, inlined calls and Go rows after the C code's
 * .eh_frame rows. */
static void test_external_linker(struct test_state *s)
{
	int fd = open_workload("gocalltree-extpie");
	struct gopclntab *g = NULL;
	struct unwind_table *t = NULL;
	size_t inlined = 0, alpha = 0;
	struct gopclntab_frame fr[8];
	char err[256] = "";
	int n = 0;

	if (fd < 0) {
		SKIP(s, "Go workloads not built (make -C tests build)");
		goto cleanup;
	}
	ASSERT_EQ(s, gopclntab__open_fd(fd, &g, err, sizeof(err)), 0);
	ASSERT_EQ(s, gopclntab__version(g), 118);
	ASSERT_TRUE(s, gopclntab__has_inlines(g));
	ASSERT_TRUE(s, gopclntab__nfuncs(g) > 1000);
	ASSERT_EQ(s, walk_table(g, &inlined, &alpha, fr, &n), 0);
	ASSERT_EQ(s, (long)alpha, 1);
	ASSERT_EQ(s, n, 1);
	ASSERT_STREQ(s, fr[0].name, "main.alpha");
	ASSERT_TRUE(s, fr[0].file && strstr(fr[0].file, "gocalltree/main.go"));
	ASSERT_TRUE(s, inlined > 100);
	ASSERT_EQ(s, unwind_table__build_fd(fd, &t, err, sizeof(err)), 0);
	ASSERT_TRUE(s, t->stats.go_funcs > 1000);
cleanup:
	gopclntab__free(g);
	unwind_table__free(t);
	if (fd >= 0)
		close(fd);
}

int main(void)
{
	struct test_state s = {.suite = "gopclntab"};

	RUN_TEST(&s, test_go116);
	RUN_TEST(&s, test_go118);
	RUN_TEST(&s, test_go120);
	RUN_TEST(&s, test_hostile);
	RUN_TEST(&s, test_real_go);
	RUN_TEST(&s, test_noshdr_stripped);
	RUN_TEST(&s, test_noshdr_pie);
	RUN_TEST(&s, test_noshdr_hostile);
	RUN_TEST(&s, test_noshdr_counted);
	RUN_TEST(&s, test_external_linker);
	printf("%d passed, %d failed, %d skipped\n", s.passed, s.failed, s.skipped);
	return test__finish(&s);
}
