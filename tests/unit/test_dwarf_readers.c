// SPDX-License-Identifier: MIT
/*
 * test_dwarf_readers.c - our own .debug_line reader (dwarf_line.c) and DIE
 * walk (dwarf_die.c) against libdw on real DWARF 5 and DWARF 4 files, and on
 * truncated and mutated sections (exact-size copies, so ASan sees any read
 * past the end): an error or bounded output, never a crash or a hang. And
 * the cursor both they and unwind_table.c read with (dwarf_cur.h).
 */
#include "symbolizer/dwarf_cur.h"
#include "symbolizer/dwarf_die.h"
#include "symbolizer/dwarf_line.h"
#include "harness.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FIX5 "tests/build/workloads/inline_loop"
#define FIX4 "tests/build/workloads/inline_loop_dw4"
#define MUTATIONS 3000

static struct test_state T = {.suite = "test_dwarf_readers"};

struct file {
	int fd;
	Elf *elf;
	Dwarf *dw;
	struct dwarf_line_sections ls;
	struct dwarf_die_sections ds;
};

static void file_close(struct file *f)
{
	if (f->dw)
		dwarf_end(f->dw);
	if (f->elf)
		elf_end(f->elf);
	if (f->fd >= 0)
		close(f->fd);
	memset(f, 0, sizeof(*f));
	f->fd = -1;
}

static int file_open(struct file *f, const char *path)
{
	size_t shstrndx;
	Elf_Scn *scn = NULL;

	memset(f, 0, sizeof(*f));
	elf_version(EV_CURRENT);
	f->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (f->fd < 0)
		return -errno;
	f->elf = elf_begin(f->fd, ELF_C_READ_MMAP, NULL);
	f->dw = f->elf ? dwarf_begin_elf(f->elf, DWARF_C_READ, NULL) : NULL;
	if (!f->dw || elf_getshdrstrndx(f->elf, &shstrndx))
		return -ENODATA;
	while ((scn = elf_nextscn(f->elf, scn))) {
		GElf_Shdr sh;
		const char *name;
		Elf_Data *d;

		if (!gelf_getshdr(scn, &sh) || !(name = elf_strptr(f->elf, shstrndx, sh.sh_name)) ||
		    !(d = elf_getdata(scn, NULL)))
			continue;
#define SEC(n, ptr, size)                                                                     \
	if (!strcmp(name, n)) {                                                               \
		ptr = d->d_buf;                                                               \
		size = d->d_size;                                                             \
	}
		SEC(".debug_line", f->ls.line, f->ls.line_size)
		SEC(".debug_line_str", f->ls.line_str, f->ls.line_str_size)
		SEC(".debug_str", f->ls.str, f->ls.str_size)
		SEC(".debug_info", f->ds.info, f->ds.info_size)
		SEC(".debug_abbrev", f->ds.abbrev, f->ds.abbrev_size)
		SEC(".debug_ranges", f->ds.ranges, f->ds.ranges_size)
		SEC(".debug_rnglists", f->ds.rnglists, f->ds.rnglists_size)
#undef SEC
	}
	f->ds.str = f->ls.str;
	f->ds.str_size = f->ls.str_size;
	f->ds.line_str = f->ls.line_str;
	f->ds.line_str_size = f->ls.line_str_size;
	return f->ls.line && f->ds.info ? 0 : -ENODATA;
}

/* The next compile unit's DIE, its line offset, address size and unit description. */
static int next_cu(struct file *f, Dwarf_CU **cu, Dwarf_Die *die, uint64_t *line_off,
		   struct dwarf_die_unit *u)
{
	Dwarf_CU *next;
	uint8_t unit_type, asize, osize;
	Dwarf_Half version;
	Dwarf_Off abbrev;
	Dwarf_Attribute a;
	Dwarf_Word off;
	Dwarf_Addr base = 0;
	Dwarf_Die tmp;

	for (;;) {
		if (dwarf_get_units(f->dw, *cu, &next, &version, &unit_type, die, NULL))
			return 0;
		*cu = next;
		if (unit_type != DW_UT_compile)
			continue;
		if (!dwarf_attr(die, DW_AT_stmt_list, &a) || dwarf_formudata(&a, &off) ||
		    !dwarf_cu_die(next, &tmp, &version, &abbrev, &asize, &osize, NULL, NULL))
			continue;
		dwarf_lowpc(die, &base);
		*line_off = off;
		*u = (struct dwarf_die_unit){dwarf_dieoffset(die), abbrev, base, version, asize,
					     osize};
		return 1;
	}
}

/* dwarf_line__read gives libdw's rows and file names on a real file. */
static int line_matches(struct test_state *t, const char *path, int want_version)
{
	struct file f;
	Dwarf_CU *cu = NULL;
	Dwarf_Die die;
	uint64_t off;
	struct dwarf_die_unit u;
	struct dwarf_line_prog p = {0};
	int ncus = 0, ok = 0;

	ASSERT_EQ(t, file_open(&f, path), 0);
	while (next_cu(&f, &cu, &die, &off, &u)) {
		Dwarf_Attribute a;
		const char *comp = dwarf_formstring(dwarf_attr(&die, DW_AT_comp_dir, &a));
		Dwarf_Lines *lines;
		Dwarf_Files *files;
		size_t n, nfiles;

		ASSERT_EQ(t, u.version, want_version);
		ASSERT_EQ(t, dwarf_line__read(&f.ls, off, u.address_size, comp, 1u << 24, &p), 0);
		ASSERT_EQ(t, dwarf_getsrclines(&die, &lines, &n), 0);
		ASSERT_EQ(t, dwarf_getsrcfiles(&die, &files, &nfiles), 0);
		ASSERT_EQ(t, p.nrows, n);
		ASSERT_EQ(t, p.nfiles, nfiles);
		for (size_t i = 0; i < nfiles; i++)
			ASSERT_STREQ(t, p.files[i], dwarf_filesrc(files, i, NULL, NULL));
		for (size_t i = 0; i < n; i++) {
			Dwarf_Line *l = dwarf_onesrcline(lines, i);
			Dwarf_Addr addr;
			bool end;
			int line;
			size_t idx;
			Dwarf_Files *lf;

			ASSERT_TRUE(t, l && !dwarf_lineaddr(l, &addr) &&
					       !dwarf_lineendsequence(l, &end) &&
					       !dwarf_lineno(l, &line) &&
					       !dwarf_line_file(l, &lf, &idx));
			ASSERT_EQ(t, p.rows[i].addr, addr);
			ASSERT_EQ(t, p.rows[i].file == DWARF_LINE_END, end);
			if (!end) {
				ASSERT_EQ(t, p.rows[i].file, idx);
				ASSERT_EQ(t, p.rows[i].line, line);
			}
		}
		dwarf_line_prog__clear(&p);
		ncus++;
	}
	ASSERT_TRUE(t, ncus > 0);
	ok = 1;
cleanup:
	dwarf_line_prog__clear(&p);
	file_close(&f);
	return ok;
}

static void test_line_matches_libdw_v5(struct test_state *t)
{
	ASSERT_TRUE(t, line_matches(t, FIX5, 5));
cleanup:;
}

static void test_line_matches_libdw_v4(struct test_state *t)
{
	ASSERT_TRUE(t, line_matches(t, FIX4, 4));
cleanup:;
}

/* A reference walk with libdw, the rules of dwarf_index.c's walk_dies. */
struct ref_scope {
	char name[128];
	uint32_t depth, parent, nranges;
	uint64_t lo, call_line;
};

struct collect {
	struct ref_scope s[4096];
	size_t n;
};

static const char *ref_name(Dwarf_Die *d)
{
	Dwarf_Attribute a;
	const char *s = NULL;

	if (dwarf_attr_integrate(d, DW_AT_linkage_name, &a) ||
	    dwarf_attr_integrate(d, DW_AT_MIPS_linkage_name, &a))
		s = dwarf_formstring(&a);
	return s ? s : dwarf_diename(d);
}

static uint32_t ref_add(struct collect *c, Dwarf_Die *d, uint32_t parent, uint32_t depth)
{
	Dwarf_Addr base, lo, hi, first = 0;
	ptrdiff_t off = 0;
	uint32_t n = 0;
	Dwarf_Attribute a;
	Dwarf_Word v = 0;
	struct ref_scope *s;

	while ((off = dwarf_ranges(d, off, &base, &lo, &hi)) > 0)
		if (lo && hi > lo && n++ == 0)
			first = lo;
	if (!n || c->n >= 4096)
		return UINT32_MAX;
	s = &c->s[c->n];
	snprintf(s->name, sizeof(s->name), "%s", ref_name(d) ? ref_name(d) : "(none)");
	s->depth = depth;
	s->parent = parent;
	s->nranges = n;
	s->lo = first;
	s->call_line = parent != UINT32_MAX && dwarf_attr(d, DW_AT_call_line, &a) &&
				       !dwarf_formudata(&a, &v)
			       ? v
			       : 0;
	return (uint32_t)c->n++;
}

static void ref_walk(struct collect *c, Dwarf_Die *parent, uint32_t scope, uint32_t depth)
{
	Dwarf_Die d;

	if (dwarf_child(parent, &d))
		return;
	do {
		int tag = dwarf_tag(&d), descend = 0;
		uint32_t s = scope;

		if (tag == DW_TAG_subprogram || (tag == DW_TAG_inlined_subroutine && scope != UINT32_MAX)) {
			s = ref_add(c, &d, tag == DW_TAG_subprogram ? UINT32_MAX : scope, depth);
			descend = s != UINT32_MAX;
		} else if (tag == DW_TAG_lexical_block) {
			descend = scope != UINT32_MAX;
		} else if (tag == DW_TAG_namespace || tag == DW_TAG_structure_type ||
			   tag == DW_TAG_class_type || tag == DW_TAG_union_type ||
			   tag == DW_TAG_module) {
			descend = scope == UINT32_MAX;
		}
		if (descend)
			ref_walk(c, &d, s, depth + 1);
	} while (dwarf_siblingof(&d, &d) == 0);
}

static int own_add(void *ctx, const struct dwarf_die_scope *sc, uint32_t *idx)
{
	struct collect *c = ctx;
	uint32_t n = 0;
	uint64_t first = 0;
	struct ref_scope *s;

	*idx = UINT32_MAX;
	for (size_t i = 0; i < sc->nranges; i++)
		if (sc->ranges[i][0] && sc->ranges[i][1] > sc->ranges[i][0] && n++ == 0)
			first = sc->ranges[i][0];
	if (!n || c->n >= 4096)
		return 0;
	s = &c->s[c->n];
	snprintf(s->name, sizeof(s->name), "%s", sc->name ? sc->name : "(none)");
	s->depth = sc->depth;
	s->parent = sc->parent;
	s->nranges = n;
	s->lo = first;
	s->call_line = sc->parent != UINT32_MAX && sc->has_call_line ? sc->call_line : 0;
	*idx = (uint32_t)c->n++;
	return 0;
}

static int die_matches(struct test_state *t, const char *path)
{
	struct file f;
	Dwarf_CU *cu = NULL;
	Dwarf_Die die;
	uint64_t off;
	struct dwarf_die_unit u;
	struct collect *ref = calloc(1, sizeof(*ref)), *own = calloc(1, sizeof(*own));
	int ok = 0, inlined = 0;

	ASSERT_TRUE(t, ref && own);
	ASSERT_EQ(t, file_open(&f, path), 0);
	while (next_cu(&f, &cu, &die, &off, &u)) {
		ref->n = own->n = 0;
		ref_walk(ref, &die, UINT32_MAX, 0);
		ASSERT_EQ(t, dwarf_die__walk(&f.ds, &u, 1u << 24, 64, own_add, own), 0);
		ASSERT_EQ(t, own->n, ref->n);
		for (size_t i = 0; i < ref->n; i++) {
			ASSERT_STREQ(t, own->s[i].name, ref->s[i].name);
			ASSERT_EQ(t, own->s[i].depth, ref->s[i].depth);
			ASSERT_EQ(t, own->s[i].parent, ref->s[i].parent);
			ASSERT_EQ(t, own->s[i].nranges, ref->s[i].nranges);
			ASSERT_EQ(t, own->s[i].lo, ref->s[i].lo);
			ASSERT_EQ(t, own->s[i].call_line, ref->s[i].call_line);
			inlined += own->s[i].parent != UINT32_MAX &&
				   !strcmp(own->s[i].name, "helper");
		}
	}
	ASSERT_TRUE(t, inlined > 0); /* the fixture's always_inline helper was seen inlined */
	ok = 1;
cleanup:
	free(ref);
	free(own);
	file_close(&f);
	return ok;
}

static void test_die_matches_libdw_v5(struct test_state *t)
{
	ASSERT_TRUE(t, die_matches(t, FIX5));
cleanup:;
}

static void test_die_matches_libdw_v4(struct test_state *t)
{
	ASSERT_TRUE(t, die_matches(t, FIX4));
cleanup:;
}

static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static uint8_t *dup_exact(const uint8_t *p, size_t n)
{
	uint8_t *q = malloc(n ? n : 1);

	if (q && n)
		memcpy(q, p, n);
	return q;
}

/* Truncated and mutated .debug_line: an error or bounded rows. */
static void line_hostile(struct test_state *t, const char *path)
{
	struct file f;
	Dwarf_CU *cu = NULL;
	Dwarf_Die die;
	uint64_t off, seed = 0x9e3779b97f4a7c15ULL;
	struct dwarf_die_unit u;
	struct dwarf_line_prog p = {0};
	struct dwarf_line_sections s;
	uint8_t *buf = NULL;
	int ok_runs = 0;

	ASSERT_EQ(t, file_open(&f, path), 0);
	ASSERT_TRUE(t, next_cu(&f, &cu, &die, &off, &u));
	s = f.ls;
	/* every truncation of the first unit's program */
	for (size_t len = (size_t)off; len <= f.ls.line_size && len < off + 4096; len++) {
		free(buf);
		buf = dup_exact(f.ls.line, len);
		ASSERT_TRUE(t, buf);
		s.line = buf;
		s.line_size = len;
		if (dwarf_line__read(&s, off, u.address_size, "/c", 1u << 20, &p) == 0) {
			ASSERT_TRUE(t, p.nfiles > 0 && p.files[0]);
			ok_runs++;
		}
		dwarf_line_prog__clear(&p);
	}
	ASSERT_TRUE(t, ok_runs > 0); /* the whole unit fits at the end */
	/* random bytes flipped in the unit (header, tables, program) */
	for (int i = 0; i < MUTATIONS; i++) {
		size_t span = f.ls.line_size - (size_t)off < 2048 ? f.ls.line_size - (size_t)off : 2048;
		int flips = 1 + (int)(rng_next(&seed) % 4);
		int ret;

		free(buf);
		buf = dup_exact(f.ls.line, f.ls.line_size);
		ASSERT_TRUE(t, buf);
		for (int k = 0; k < flips; k++)
			buf[off + rng_next(&seed) % span] = (uint8_t)rng_next(&seed);
		s.line = buf;
		s.line_size = f.ls.line_size;
		ret = dwarf_line__read(&s, off, u.address_size, NULL, 1u << 16, &p);
		ASSERT_TRUE(t, ret == 0 || ret == -EINVAL || ret == -E2BIG);
		if (ret == 0)
			ASSERT_TRUE(t, p.nrows <= (1u << 16));
		dwarf_line_prog__clear(&p);
	}
	/* a row bound is kept */
	s = f.ls;
	ASSERT_EQ(t, dwarf_line__read(&s, off, u.address_size, NULL, 3, &p), -E2BIG);
	/* offsets and sizes out of range */
	ASSERT_EQ(t, dwarf_line__read(&s, f.ls.line_size, u.address_size, NULL, 100, &p), -EINVAL);
	ASSERT_EQ(t, dwarf_line__read(&s, UINT64_MAX, u.address_size, NULL, 100, &p), -EINVAL);
	ASSERT_EQ(t, dwarf_line__read(&s, off, 3, NULL, 100, &p), -EINVAL);
cleanup:
	dwarf_line_prog__clear(&p);
	free(buf);
	file_close(&f);
}

static void test_line_hostile(struct test_state *t)
{
	line_hostile(t, FIX5);
	if (t->cur_failed)
		return;
	line_hostile(t, FIX4);
}

static int count_add(void *ctx, const struct dwarf_die_scope *sc, uint32_t *idx)
{
	size_t *n = ctx;

	/* touch everything the walk hands out (ASan checks the pointers) */
	if (sc->name)
		(void)strlen(sc->name);
	for (size_t i = 0; i < sc->nranges; i++)
		(void)(sc->ranges[i][0] + sc->ranges[i][1]);
	*idx = sc->nranges ? (uint32_t)(*n)++ : UINT32_MAX;
	return 0;
}

/* Truncated and mutated .debug_info/.debug_abbrev: an error or bounded scopes. */
static void die_hostile(struct test_state *t, const char *path)
{
	struct file f;
	Dwarf_CU *cu = NULL;
	Dwarf_Die die;
	uint64_t off, seed = 0x2545f4914f6cdd1dULL;
	struct dwarf_die_unit u, bad;
	struct dwarf_die_sections s;
	uint8_t *info = NULL, *abbrev = NULL;
	size_t n = 0;

	ASSERT_EQ(t, file_open(&f, path), 0);
	ASSERT_TRUE(t, next_cu(&f, &cu, &die, &off, &u));
	s = f.ds;
	/* truncations of .debug_info and .debug_abbrev */
	for (size_t len = 0; len <= f.ds.info_size && len < 6000; len += 1 + len / 64) {
		free(info);
		info = dup_exact(f.ds.info, len);
		ASSERT_TRUE(t, info);
		s = f.ds;
		s.info = info;
		s.info_size = len;
		n = 0;
		(void)dwarf_die__walk(&s, &u, 1u << 20, 64, count_add, &n);
	}
	for (size_t len = 0; len <= f.ds.abbrev_size; len++) {
		free(abbrev);
		abbrev = dup_exact(f.ds.abbrev, len);
		ASSERT_TRUE(t, abbrev);
		s = f.ds;
		s.abbrev = abbrev;
		s.abbrev_size = len;
		(void)dwarf_die__walk(&s, &u, 1u << 20, 64, count_add, &n);
	}
	/* random bytes in the unit and its abbreviations */
	for (int i = 0; i < MUTATIONS; i++) {
		int flips = 1 + (int)(rng_next(&seed) % 4), ret;
		size_t span = f.ds.info_size - (size_t)u.die_off;

		free(info);
		free(abbrev);
		info = dup_exact(f.ds.info, f.ds.info_size);
		abbrev = dup_exact(f.ds.abbrev, f.ds.abbrev_size);
		ASSERT_TRUE(t, info && abbrev);
		for (int k = 0; k < flips; k++) {
			if (rng_next(&seed) & 1)
				info[u.die_off - 11 + rng_next(&seed) % (span + 11)] =
					(uint8_t)rng_next(&seed);
			else
				abbrev[rng_next(&seed) % f.ds.abbrev_size] = (uint8_t)rng_next(&seed);
		}
		s = f.ds;
		s.info = info;
		s.abbrev = abbrev;
		n = 0;
		ret = dwarf_die__walk(&s, &u, 1u << 16, 64, count_add, &n);
		ASSERT_TRUE(t, ret == 0 || ret == -EINVAL || ret == -E2BIG);
		ASSERT_TRUE(t, n <= (1u << 16));
	}
	/* hostile unit descriptions */
	s = f.ds;
	bad = u;
	bad.die_off = f.ds.info_size - 1;
	ASSERT_EQ(t, dwarf_die__walk(&s, &bad, 100, 64, count_add, &n), -EINVAL);
	bad = u;
	bad.abbrev_off = f.ds.abbrev_size;
	ASSERT_EQ(t, dwarf_die__walk(&s, &bad, 100, 64, count_add, &n), -EINVAL);
	bad = u;
	bad.version = 9;
	ASSERT_EQ(t, dwarf_die__walk(&s, &bad, 100, 64, count_add, &n), -EINVAL);
	bad = u;
	bad.offset_size = 8;
	ASSERT_EQ(t, dwarf_die__walk(&s, &bad, 100, 64, count_add, &n), -EINVAL);
	/* the DIE bound is kept */
	ASSERT_EQ(t, dwarf_die__walk(&s, &u, 2, 64, count_add, &n), -E2BIG);
cleanup:
	free(info);
	free(abbrev);
	file_close(&f);
}

static void test_die_hostile(struct test_state *t)
{
	die_hostile(t, FIX5);
	if (t->cur_failed)
		return;
	die_hostile(t, FIX4);
}

/* One LEB128 number from exactly len bytes (a heap copy: ASan sees any read
 * past them); *used is how many were consumed, *bad the cursor's flag. */
static int64_t leb_of(const uint8_t *bytes, size_t len, bool sleb, size_t *used, bool *bad)
{
	uint8_t *copy = malloc(len ? len : 1);
	struct dwarf_cur c;
	int64_t v;

	if (!copy)
		abort();
	memcpy(copy, bytes, len);
	c = (struct dwarf_cur){copy, copy + len, false};
	v = sleb ? dwarf_cur__sleb(&c) : (int64_t)dwarf_cur__uleb(&c);
	*used = (size_t)(c.p - copy);
	*bad = c.bad;
	free(copy);
	return v;
}

/* LEB128 edges: sign extension, 64-bit extremes, 10 bytes at most, no read
 * past the end, bad is sticky (under UBSan: no shift of 64 or more). */
static void test_cur_leb(struct test_state *t)
{
	static const uint8_t m1[] = {0x7f}, m129[] = {0xff, 0x7e}, big[] = {0xe5, 0x8e, 0x26};
	static const uint8_t max_u[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
	static const uint8_t min_s[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7f};
	static const uint8_t max_s[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00};
	static const uint8_t s63[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x40};
	static const uint8_t eleven[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
					 0x80, 0x80, 0x80, 0x80, 0x00};
	static const uint8_t cut[] = {0x80, 0x80};
	static const uint8_t two[] = {0x01, 0x02, 0x03};
	struct dwarf_cur c = {two, two + sizeof(two), false};
	size_t used;
	bool bad;

	ASSERT_EQ(t, leb_of(m1, sizeof(m1), true, &used, &bad), -1);
	ASSERT_TRUE(t, used == 1 && !bad);
	ASSERT_EQ(t, leb_of(m1, sizeof(m1), false, &used, &bad), 127);
	ASSERT_EQ(t, leb_of(m129, sizeof(m129), true, &used, &bad), -129);
	ASSERT_EQ(t, leb_of(big, sizeof(big), false, &used, &bad), 624485);
	ASSERT_TRUE(t, (uint64_t)leb_of(max_u, sizeof(max_u), false, &used, &bad) == UINT64_MAX);
	ASSERT_TRUE(t, used == 10 && !bad);
	ASSERT_TRUE(t, leb_of(min_s, sizeof(min_s), true, &used, &bad) == INT64_MIN);
	ASSERT_TRUE(t, used == 10 && !bad);
	ASSERT_TRUE(t, leb_of(max_s, sizeof(max_s), true, &used, &bad) == INT64_MAX);
	ASSERT_TRUE(t, leb_of(s63, sizeof(s63), true, &used, &bad) == -(INT64_C(1) << 62));
	ASSERT_TRUE(t, used == 9 && !bad);
	/* over 10 bytes: bad, even when it would end */
	ASSERT_EQ(t, leb_of(eleven, sizeof(eleven), false, &used, &bad), 0);
	ASSERT_TRUE(t, bad && used == sizeof(eleven));
	ASSERT_EQ(t, leb_of(eleven, sizeof(eleven), true, &used, &bad), 0);
	ASSERT_TRUE(t, bad);
	/* runs off the end */
	ASSERT_EQ(t, leb_of(cut, sizeof(cut), true, &used, &bad), 0);
	ASSERT_TRUE(t, bad && used == sizeof(cut));
	ASSERT_EQ(t, leb_of(cut, 0, false, &used, &bad), 0);
	ASSERT_TRUE(t, bad && used == 0);
	/* fixed sizes; an overrun is bad, at the end, and stays bad */
	ASSERT_EQ(t, dwarf_cur__rd(&c, 2), 0x0201);
	ASSERT_EQ(t, dwarf_cur__rd(&c, 2), 0);
	ASSERT_TRUE(t, c.bad && c.p == c.end);
	c.p = two;
	ASSERT_EQ(t, dwarf_cur__rd(&c, 1), 0);
	ASSERT_EQ(t, dwarf_cur__uleb(&c), 0);
	ASSERT_TRUE(t, c.bad && c.p == c.end);
cleanup:;
}

int main(void)
{
	RUN_TEST(&T, test_line_matches_libdw_v5);
	RUN_TEST(&T, test_line_matches_libdw_v4);
	RUN_TEST(&T, test_die_matches_libdw_v5);
	RUN_TEST(&T, test_die_matches_libdw_v4);
	RUN_TEST(&T, test_line_hostile);
	RUN_TEST(&T, test_die_hostile);
	RUN_TEST(&T, test_cur_leb);
	return test__finish(&T);
}
