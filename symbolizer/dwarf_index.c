// SPDX-License-Identifier: MIT
/*
 * dwarf_index.c - per compile unit tables of code ranges and line rows.
 *
 * Built lazily: opening a file reads only the compile unit headers and
 * their address ranges; a unit's DIEs and line program are read on the first
 * lookup that lands in it. Every count read from the file is bounded.
 */
#include "common/array.h"
#include "common/errbuf.h"
#include "common/addr_sorted.h"
#include "symbolizer/dwarf_index.h"
#include "symbolizer/dwarf_die.h"
#include "symbolizer/dwarf_line.h"
#include "common/hmap.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <errno.h>
#include <gelf.h>
#include <libelf.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NONE UINT32_MAX
/*
 * libdw keeps what it parsed for every unit (line tables, abbreviations)
 * until dwarf_end. Our tables hold copies of all strings, so after this many
 * units are read the libdw handle is replaced by a fresh one: memory is ours
 * and counted, not libdw's and growing.
 */
#define RECYCLE_EVERY 32
/* Longest name or path kept; longer ones are cut. */
#define MAX_STRING 4096

/* A function body or an inlined call: one frame of an inline chain. */
struct scope {
	const char *name;
	const char *call_file; /* where it was inlined (inlined scopes only) */
	uint32_t call_line;
	uint32_t parent; /* enclosing scope (always < own index), NONE for a function */
};

/* [lo, next seg's lo) is covered by scope (NONE: a gap). */
struct seg {
	uint64_t lo;
	uint32_t scope;
};

/* A line row while a unit is read (file NONE ends a sequence); stored as
 * a row_ent afterwards. */
#define row dwarf_line_row

/* A row as searched: the entry found is on a line the search touched. */
struct row_ent {
	uint64_t addr;
	uint32_t file, line;
};

struct cu {
	Dwarf_Die die;
	int state; /* enum cu_state */
	struct scope *scopes;
	struct seg *segs;
	struct row_ent *rows;
	const char **paths; /* file names as addr2line prints them, by file index */
	size_t nscopes, nsegs, nrows, nfiles;
	size_t row_hint; /* the last row found: lookups in address order start there */
	size_t seg_hint; /* the same for segments */
};

enum cu_state {
	CU_UNREAD = 0,
	CU_READ = 1,
	CU_UNREADABLE = -1,
	CU_READING = 2, /* listed for a prefetch */
};

struct cu_range {
	uint64_t lo, hi;
	uint32_t cu;
};

/*
 * Where a unit's reading puts its strings, and the line reader's buffer
 * (reused for every unit). The index has one; each prefetch thread another.
 */
struct unit_reader {
	struct hmap *strings; /* names and paths, interned: owned by the index */
	struct dwarf_line_prog lines;
};

struct dwarf_index {
	Elf *elf;
	Dwarf *dw;
	struct cu *cus;
	size_t ncus;
	struct cu_range *ranges;
	size_t nranges;
	struct unit_reader rd;
	struct hmap **more_strings; /* the prefetch threads' string tables */
	size_t nmore_strings;
	struct dwarf_line_sections sec; /* for our own line reader; .line NULL: use libdw */
	struct dwarf_die_sections dsec; /* for our own DIE walk; .info NULL: use libdw */
	size_t memory, cus_read;
};

_Static_assert(sizeof(struct row_ent) == 16 && sizeof(struct seg) == 16 &&
		       offsetof(struct row_ent, addr) == 0 && offsetof(struct seg, lo) == 0,
	       "last_le reads 16-byte entries that start with their address");

/* A code range of a scope while a unit is read. */
struct range {
	uint64_t lo, hi;
	uint32_t scope, depth;
};

static int cu_range_cmp(const void *a, const void *b)
{
	const struct cu_range *x = a, *y = b;

	return (x->lo > y->lo) - (x->lo < y->lo);
}

static int range_cmp(const void *a, const void *b)
{
	const struct range *x = a, *y = b;

	if (x->lo != y->lo)
		return (x->lo > y->lo) - (x->lo < y->lo);
	if (x->depth != y->depth) /* outer first */
		return (x->depth > y->depth) - (x->depth < y->depth);
	return (x->hi < y->hi) - (x->hi > y->hi); /* longer first */
}

static int row_cmp(const void *a, const void *b)
{
	const struct row *x = a, *y = b;

	if (x->addr != y->addr)
		return (x->addr > y->addr) - (x->addr < y->addr);
	/* an end of sequence before a row starting at the same address */
	return (x->file != NONE) - (y->file != NONE);
}

/*
 * The sections our line reader needs, as libdw left them (it inflates
 * compressed ones in place). Only for little-endian files, which the reader
 * assumes; a section still compressed or missing leaves .line NULL and every
 * unit is read by libdw.
 */
static void find_sections(struct dwarf_index *x)
{
	size_t shstrndx;
	Elf_Scn *scn = NULL;
	const char *ident = elf_getident(x->elf, NULL);
	const struct {
		const char *name;
		const uint8_t **where;
		size_t *size;
	} wanted[] = {
		{".debug_line", &x->sec.line, &x->sec.line_size},
		{".debug_line_str", &x->sec.line_str, &x->sec.line_str_size},
		{".debug_str", &x->sec.str, &x->sec.str_size},
		{".debug_info", &x->dsec.info, &x->dsec.info_size},
		{".debug_abbrev", &x->dsec.abbrev, &x->dsec.abbrev_size},
		{".debug_ranges", &x->dsec.ranges, &x->dsec.ranges_size},
		{".debug_rnglists", &x->dsec.rnglists, &x->dsec.rnglists_size},
	};

	if (!ident || ident[EI_DATA] != ELFDATA2LSB || elf_getshdrstrndx(x->elf, &shstrndx))
		return;
	while ((scn = elf_nextscn(x->elf, scn))) {
		GElf_Shdr sh;
		const char *name;
		Elf_Data *d;
		const uint8_t **where = NULL;
		size_t *size = NULL;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type == SHT_NOBITS ||
		    (sh.sh_flags & SHF_COMPRESSED))
			continue;
		name = elf_strptr(x->elf, shstrndx, sh.sh_name);
		if (!name)
			continue;
		for (size_t i = 0; i < sizeof(wanted) / sizeof(wanted[0]) && !where; i++)
			if (!strcmp(name, wanted[i].name)) {
				where = wanted[i].where;
				size = wanted[i].size;
			}
		if (!where)
			continue;
		d = elf_getdata(scn, NULL);
		if (d && d->d_buf && d->d_size) {
			*where = d->d_buf;
			*size = d->d_size;
		}
	}
	x->dsec.str = x->sec.str;
	x->dsec.str_size = x->sec.str_size;
	x->dsec.line_str = x->sec.line_str;
	x->dsec.line_str_size = x->sec.line_str_size;
}

int dwarf_index__open_fd(int fd, struct dwarf_index **out, char *err, size_t errlen)
{
	struct dwarf_index *x = NULL;
	Dwarf_CU *cu = NULL, *next;
	size_t cap = 0, rcap = 0;
	Dwarf_Die cudie;
	uint8_t unit_type;
	Dwarf_Half version;
	int ret = 0;

	*out = NULL;
	elf_version(EV_CURRENT);
	x = calloc(1, sizeof(*x));
	if (!x)
		return -ENOMEM;
	x->rd.strings = hmap__new();
	if (!x->rd.strings) {
		free(x);
		return -ENOMEM;
	}
	x->elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!x->elf || elf_kind(x->elf) != ELF_K_ELF) {
		errbuf__set(err, errlen, "not an ELF file: %s", elf_errmsg(-1));
		ret = -ENOEXEC;
		goto cleanup;
	}
	x->dw = dwarf_begin_elf(x->elf, DWARF_C_READ, NULL);
	if (!x->dw) {
		errbuf__set(err, errlen, "no DWARF: %s", dwarf_errmsg(-1));
		ret = -ENODATA;
		goto cleanup;
	}
	find_sections(x);
	while (dwarf_get_units(x->dw, cu, &next, &version, &unit_type, &cudie, NULL) == 0) {
		ptrdiff_t off = 0;
		Dwarf_Addr base, lo, hi;
		size_t n = 0;

		cu = next;
		if (unit_type != DW_UT_compile && unit_type != DW_UT_partial)
			continue; /* type units have no code; split units are not supported */
		if (x->ncus >= DWARF_INDEX_MAX_CUS) {
			ret = -E2BIG;
			errbuf__set(err, errlen, "too many compile units");
			goto cleanup;
		}
		if (array__grow((void **)&x->cus, &cap, x->ncus + 1, sizeof(*x->cus))) {
			ret = -ENOMEM;
			goto cleanup;
		}
		memset(&x->cus[x->ncus], 0, sizeof(x->cus[0]));
		x->cus[x->ncus].die = cudie;
		while ((off = dwarf_ranges(&cudie, off, &base, &lo, &hi)) > 0 &&
		       n++ < DWARF_INDEX_MAX_ROWS) {
			if (lo == 0 || hi <= lo)
				continue; /* code the linker discarded */
			if (array__grow((void **)&x->ranges, &rcap, x->nranges + 1, sizeof(*x->ranges))) {
				ret = -ENOMEM;
				goto cleanup;
			}
			x->ranges[x->nranges++] = (struct cu_range){lo, hi, (uint32_t)x->ncus};
		}
		x->ncus++;
	}
	if (!x->nranges) {
		errbuf__set(err, errlen, "no DWARF code ranges");
		ret = -ENODATA;
		goto cleanup;
	}
	qsort(x->ranges, x->nranges, sizeof(*x->ranges), cu_range_cmp);
	x->memory = sizeof(*x) + cap * sizeof(*x->cus) + rcap * sizeof(*x->ranges);
	*out = x;
	x = NULL;
cleanup:
	dwarf_index__free(x);
	return ret;
}

static void cu_clear(struct cu *c)
{
	free(c->scopes);
	free(c->segs);
	free(c->rows);
	free(c->paths);
	c->paths = NULL;
	c->nfiles = 0;
	c->scopes = NULL;
	c->segs = NULL;
	c->rows = NULL;
	c->nscopes = c->nsegs = c->nrows = 0;
}

void dwarf_index__free(struct dwarf_index *x)
{
	if (!x)
		return;
	for (size_t i = 0; i < x->ncus; i++)
		cu_clear(&x->cus[i]);
	free(x->cus);
	free(x->ranges);
	hmap__free(x->rd.strings);
	dwarf_line_prog__clear(&x->rd.lines);
	for (size_t i = 0; i < x->nmore_strings; i++)
		hmap__free(x->more_strings[i]);
	free(x->more_strings);
	if (x->dw)
		dwarf_end(x->dw);
	if (x->elf)
		elf_end(x->elf);
	free(x);
}

/* The index's own copy of s (cut at MAX_STRING), or NULL on failure. */
static const char *intern(struct hmap *strings, const char *s, size_t *memory)
{
	char buf[MAX_STRING + 1];
	size_t len = strnlen(s, MAX_STRING);
	const void *stored = NULL;
	int ret;

	if (s[len] != '\0') { /* cut: make a terminated copy */
		memcpy(buf, s, len);
		buf[len] = '\0';
		s = buf;
	}
	ret = hmap__put(strings, s, len + 1, 0, NULL, &stored);
	if (ret < 0)
		return NULL;
	if (ret > 0)
		*memory += len + 1 + 32; /* the key and about one slot of the table */
	else
		hmap__get_key(strings, s, len + 1, NULL, &stored);
	return stored;
}

/*
 * File names of the unit: libdw joins a relative name with its directory
 * entry but leaves it relative when the unit's folder itself is relative
 * (-fdebug-prefix-map builds, as Debian's); addr2line and eu-addr2line then
 * put DW_AT_comp_dir in front. Do the same, so names compare equal.
 */
static int set_path(struct hmap *strings, struct cu *c, size_t i, const char *f,
		    const char *comp, size_t comp_len, size_t *memory)
{
	char buf[MAX_STRING + 2];

	if (f[0] != '/' && comp_len) {
		snprintf(buf, sizeof(buf), "%.*s/%.*s", (int)comp_len, comp, (int)(MAX_STRING / 2),
			 f);
		f = buf;
	}
	c->paths[i] = intern(strings, f, memory);
	return c->paths[i] ? 0 : -ENOMEM;
}

static int read_paths(struct hmap *strings, struct cu *c, size_t *memory)
{
	Dwarf_Attribute a;
	const char *comp = dwarf_formstring(dwarf_attr(&c->die, DW_AT_comp_dir, &a));
	size_t comp_len = comp ? strnlen(comp, MAX_STRING / 2) : 0;
	Dwarf_Files *files;

	if (dwarf_getsrcfiles(&c->die, &files, &c->nfiles))
		return -ENOENT;
	if (c->nfiles > DWARF_INDEX_MAX_ROWS)
		c->nfiles = DWARF_INDEX_MAX_ROWS;
	c->paths = calloc(c->nfiles ? c->nfiles : 1, sizeof(*c->paths));
	if (!c->paths)
		return -ENOMEM;
	*memory += c->nfiles * sizeof(*c->paths);
	for (size_t i = 0; i < c->nfiles; i++) {
		const char *f = dwarf_filesrc(files, i, NULL, NULL);

		if (f && set_path(strings, c, i, f, comp, comp_len, memory))
			return -ENOMEM;
	}
	return 0;
}

/*
 * Keep row r after rows[0, *n): a row only changing the column (or a view)
 * adds nothing for us; at one address the later row wins, as in libdw's
 * search. *sorted is cleared when r breaks the order.
 */
static void keep_row(struct row *rows, size_t *n, const struct row *r, int *sorted)
{
	if (*n) {
		struct row *prev = &rows[*n - 1];

		if (prev->file != NONE && r->file == prev->file && r->line == prev->line &&
		    r->addr >= prev->addr)
			return;
		if (prev->file != NONE && r->file != NONE && r->addr == prev->addr) {
			*prev = *r;
			return;
		}
		if (row_cmp(prev, r) > 0)
			*sorted = 0;
	}
	rows[(*n)++] = *r;
}

/* Sort (hostile files only) and split rows into the unit's search arrays. */
static int store_rows(struct cu *c, struct row *rows, size_t nrows, int sorted, size_t *memory)
{
	if (!sorted) /* libdw sorts; a hostile file must not break the search */
		qsort(rows, nrows, sizeof(*rows), row_cmp);
	c->rows = malloc((nrows ? nrows : 1) * sizeof(*c->rows));
	if (!c->rows)
		return -ENOMEM;
	for (size_t i = 0; i < nrows; i++) {
		c->rows[i] = (struct row_ent){rows[i].addr, rows[i].file, rows[i].line};
	}
	c->nrows = nrows;
	*memory += nrows * sizeof(*c->rows);
	return 0;
}

/*
 * What our own readers need to know of a unit, asked of libdw first: libdw
 * is not thread-safe, our readers are (they only read the mapped sections).
 */
struct unit_info {
	int lines_ok, dies_ok; /* our readers can try (else libdw reads the unit) */
	uint64_t stmt_list;
	uint8_t asize;
	const char *comp; /* DW_AT_comp_dir, NULL when none */
	size_t comp_len;
	struct dwarf_die_unit u;
};

static void unit_info(const struct dwarf_index *x, struct cu *c, struct unit_info *ui)
{
	Dwarf_Attribute a;
	Dwarf_Word off;
	Dwarf_Die cudie;
	Dwarf_Half version;
	Dwarf_Off abbrev_off;
	Dwarf_Addr base;
	uint8_t asize = 0, osize;

	memset(ui, 0, sizeof(*ui));
	if (x->sec.line && dwarf_attr(&c->die, DW_AT_stmt_list, &a) && !dwarf_formudata(&a, &off) &&
	    dwarf_diecu(&c->die, &cudie, &asize, NULL)) {
		ui->lines_ok = 1;
		ui->stmt_list = off;
		ui->asize = asize;
		ui->comp = dwarf_formstring(dwarf_attr(&c->die, DW_AT_comp_dir, &a));
		ui->comp_len = ui->comp ? strnlen(ui->comp, MAX_STRING / 2) : 0;
	}
	if (x->dsec.info && x->sec.line && c->die.cu &&
	    dwarf_cu_die(c->die.cu, &cudie, &version, &abbrev_off, &asize, &osize, NULL, NULL) &&
	    !dwarf_lowpc(&c->die, &base)) {
		ui->dies_ok = 1;
		ui->u = (struct dwarf_die_unit){
			.die_off = dwarf_dieoffset(&c->die),
			.abbrev_off = abbrev_off,
			.base = base,
			.version = version,
			.address_size = asize,
			.offset_size = osize,
		};
	}
}

/*
 * Paths and rows of the unit with our own .debug_line reader. -EINVAL when
 * it cannot (the caller then asks libdw), -ENOMEM.
 */
static int read_lines_own(const struct dwarf_index *x, struct unit_reader *rd, struct cu *c,
			  const struct unit_info *ui, size_t *memory)
{
	size_t nrows = 0;
	struct dwarf_line_prog *p = &rd->lines;
	int sorted = 1, ret;

	if (!ui->lines_ok)
		return -EINVAL;
	ret = dwarf_line__read(&x->sec, ui->stmt_list, ui->asize, ui->comp, DWARF_INDEX_MAX_ROWS,
			       p);
	if (ret)
		return ret == -ENOMEM ? -ENOMEM : -EINVAL;
	c->nfiles = p->nfiles < DWARF_INDEX_MAX_ROWS ? p->nfiles : DWARF_INDEX_MAX_ROWS;
	c->paths = calloc(c->nfiles ? c->nfiles : 1, sizeof(*c->paths));
	ret = -ENOMEM;
	if (!c->paths)
		goto cleanup;
	*memory += c->nfiles * sizeof(*c->paths);
	for (size_t i = 0; i < c->nfiles; i++)
		if (p->files[i] &&
		    set_path(rd->strings, c, i, p->files[i], ui->comp, ui->comp_len, memory))
			goto cleanup;
	/* the rows array is reused in place: kept rows never outnumber read ones */
	for (size_t i = 0; i < p->nrows; i++) {
		struct row r = p->rows[i];

		if (r.file != NONE && r.file >= c->nfiles)
			continue;
		keep_row(p->rows, &nrows, &r, &sorted);
	}
	ret = store_rows(c, p->rows, nrows, sorted, memory);
cleanup:
	dwarf_line_prog__reset(p);
	return ret;
}

static int read_lines(struct cu *c, size_t *memory)
{
	Dwarf_Files *cu_files;
	Dwarf_Lines *lines;
	struct row *rows = NULL;
	size_t n, nrows = 0;
	int sorted = 1, ret;

	if (dwarf_getsrclines(&c->die, &lines, &n) || n == 0)
		return 0; /* a unit without lines still has functions */
	if (!c->paths || dwarf_getsrcfiles(&c->die, &cu_files, &(size_t){0}))
		return 0;
	if (n > DWARF_INDEX_MAX_ROWS)
		n = DWARF_INDEX_MAX_ROWS;
	rows = malloc(n * sizeof(*rows));
	if (!rows)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		Dwarf_Line *l = dwarf_onesrcline(lines, i);
		Dwarf_Files *files;
		Dwarf_Addr addr;
		size_t idx = NONE;
		bool end = false;
		int line = 0;
		struct row r;

		if (!l || dwarf_lineaddr(l, &addr) || dwarf_lineendsequence(l, &end))
			continue;
		if (!end && (dwarf_line_file(l, &files, &idx) || files != cu_files ||
			     idx >= c->nfiles))
			continue;
		r.addr = addr;
		r.file = end ? NONE : (uint32_t)idx;
		if (!end)
			dwarf_lineno(l, &line);
		r.line = line > 0 ? (uint32_t)line : 0;
		keep_row(rows, &nrows, &r, &sorted);
	}
	ret = store_rows(c, rows, nrows, sorted, memory);
	free(rows);
	return ret;
}

static const char *die_name(Dwarf_Die *d)
{
	Dwarf_Attribute a;
	const char *s = NULL;

	if (dwarf_attr_integrate(d, DW_AT_linkage_name, &a) ||
	    dwarf_attr_integrate(d, DW_AT_MIPS_linkage_name, &a))
		s = dwarf_formstring(&a);
	return s ? s : dwarf_diename(d);
}

struct walk {
	const struct dwarf_index *x;
	struct hmap *strings;
	size_t *memory;
	struct cu *c;
	struct range *ranges;
	size_t nranges, rcap, scap;
};

/* A code range of the scope about to be added; empty or discarded ones are dropped. */
static int push_range(struct walk *w, uint64_t lo, uint64_t hi, uint32_t depth)
{
	if (lo == 0 || hi <= lo)
		return 0; /* code the linker discarded */
	if (w->nranges >= DWARF_INDEX_MAX_ROWS)
		return -E2BIG;
	if (array__grow((void **)&w->ranges, &w->rcap, w->nranges + 1, sizeof(*w->ranges)))
		return -ENOMEM;
	w->ranges[w->nranges++] = (struct range){lo, hi, (uint32_t)w->c->nscopes, depth};
	return 0;
}

/* The scope whose ranges were just pushed, named and parented; *idx its index. */
static int push_scope(struct walk *w, const char *name, uint32_t parent, uint32_t *idx,
		      struct scope **out)
{
	struct scope *s;

	if (array__grow((void **)&w->c->scopes, &w->scap, w->c->nscopes + 1, sizeof(*w->c->scopes)))
		return -ENOMEM;
	s = &w->c->scopes[w->c->nscopes];
	memset(s, 0, sizeof(*s));
	s->name = name;
	if (s->name && !(s->name = intern(w->strings, s->name, w->memory)))
		return -ENOMEM;
	s->parent = parent;
	*idx = (uint32_t)w->c->nscopes++;
	*out = s;
	return 0;
}

/* Add a scope for a function or inlined call with code; NONE when it has none. */
static int add_scope(struct walk *w, Dwarf_Die *d, uint32_t parent, uint32_t depth,
		     uint32_t *idx)
{
	Dwarf_Addr base, lo, hi;
	ptrdiff_t off = 0;
	size_t first = w->nranges, n = 0;
	struct scope *s;
	int ret;

	*idx = NONE;
	while ((off = dwarf_ranges(d, off, &base, &lo, &hi)) > 0 && n++ < DWARF_INDEX_MAX_ROWS) {
		ret = push_range(w, lo, hi, depth);
		if (ret)
			return ret;
	}
	if (w->nranges == first)
		return 0;
	ret = push_scope(w, die_name(d), parent, idx, &s);
	if (ret)
		return ret;
	if (parent != NONE) {
		Dwarf_Attribute a;
		Dwarf_Word v;

		if (dwarf_attr(d, DW_AT_call_file, &a) && !dwarf_formudata(&a, &v) &&
		    w->c->paths && v < w->c->nfiles)
			s->call_file = w->c->paths[v];
		if (dwarf_attr(d, DW_AT_call_line, &a) && !dwarf_formudata(&a, &v) &&
		    v <= UINT32_MAX)
			s->call_line = (uint32_t)v;
	}
	return 0;
}

/* A scope found by our own DIE walk: what add_scope does with libdw's. */
static int add_scope_own(void *ctx, const struct dwarf_die_scope *sc, uint32_t *idx)
{
	struct walk *w = ctx;
	size_t first = w->nranges;
	struct scope *s;
	int ret;

	*idx = NONE;
	for (size_t i = 0; i < sc->nranges && i < DWARF_INDEX_MAX_ROWS; i++) {
		ret = push_range(w, sc->ranges[i][0], sc->ranges[i][1], sc->depth);
		if (ret)
			return ret;
	}
	if (w->nranges == first)
		return 0;
	ret = push_scope(w, sc->name, sc->parent, idx, &s);
	if (ret)
		return ret;
	if (sc->parent != NONE) {
		if (sc->has_call_file && w->c->paths && sc->call_file < w->c->nfiles)
			s->call_file = w->c->paths[sc->call_file];
		if (sc->has_call_line && sc->call_line <= UINT32_MAX)
			s->call_line = (uint32_t)sc->call_line;
	}
	return 0;
}

/* The unit's scopes with our own reader; -EINVAL when libdw must do it. */
static int walk_dies_own(struct walk *w, const struct unit_info *ui)
{
	if (!ui->dies_ok)
		return -EINVAL;
	return dwarf_die__walk(&w->x->dsec, &ui->u, DWARF_INDEX_MAX_DIES, DWARF_INDEX_MAX_DEPTH,
			       add_scope_own, w);
}

/* Walk the unit's DIE tree (iteratively, bounded) collecting scopes. */
static int walk_dies(struct walk *w)
{
	Dwarf_Die stack[DWARF_INDEX_MAX_DEPTH];
	uint32_t ctx[DWARF_INDEX_MAX_DEPTH];
	size_t visited = 0;
	int depth = 0, ret;

	if (dwarf_child(&w->c->die, &stack[0]) != 0)
		return 0;
	ctx[0] = NONE;
	for (;;) {
		Dwarf_Die *d = &stack[depth], tmp;
		uint32_t scope = ctx[depth];
		int descend = 0;

		if (++visited > DWARF_INDEX_MAX_DIES)
			return -E2BIG;
		switch (dwarf_tag(d)) {
		case DW_TAG_subprogram:
		case DW_TAG_inlined_subroutine: {
			/* a nested (GNU C) function is its own root, not inlined */
			uint32_t parent = dwarf_tag(d) == DW_TAG_subprogram ? NONE : scope;

			if (dwarf_tag(d) == DW_TAG_inlined_subroutine && scope == NONE)
				break; /* an inlined call outside any function: malformed */
			ret = add_scope(w, d, parent, (uint32_t)depth, &scope);
			if (ret)
				return ret;
			descend = scope != NONE;
			break;
		}
		default:
			descend = dwarf_die__enters((unsigned)dwarf_tag(d), scope != NONE);
			break;
		}
		if (descend && depth + 1 < DWARF_INDEX_MAX_DEPTH &&
		    dwarf_child(d, &stack[depth + 1]) == 0) {
			ctx[++depth] = scope;
			continue;
		}
		/* next sibling, climbing up when a level is done */
		for (;;) {
			if (dwarf_siblingof(&stack[depth], &tmp) == 0) {
				stack[depth] = tmp;
				break;
			}
			if (depth == 0)
				return 0;
			depth--;
		}
	}
}

static int emit(struct cu *c, size_t *cap, uint64_t lo, uint32_t scope)
{
	if (c->nsegs && c->segs[c->nsegs - 1].lo == lo) {
		c->segs[c->nsegs - 1].scope = scope; /* the later one is more specific */
		if (c->nsegs > 1 && c->segs[c->nsegs - 2].scope == scope)
			c->nsegs--;
		return 0;
	}
	if (c->nsegs && c->segs[c->nsegs - 1].scope == scope)
		return 0;
	if (array__grow((void **)&c->segs, cap, c->nsegs + 1, sizeof(*c->segs)))
		return -ENOMEM;
	c->segs[c->nsegs++] = (struct seg){lo, scope};
	return 0;
}

/*
 * Flatten nested ranges into non-overlapping segments pointing at the
 * innermost scope. Ranges are sorted by start, outer first; a stack holds the
 * open ones. A child that overhangs its parent (bad DWARF) is clipped.
 */
/*
 * w->ranges in range_cmp order, as glibc's (stable) qsort leaves them. The
 * walk lists an enclosing scope before what it contains, so a stable radix
 * sort on the start address alone almost always gives that order; a check
 * of neighbours sends anything else to qsort, which then sees the same ties
 * in the same order.
 */
static int sort_ranges(struct walk *w)
{
	size_t n = w->nranges;
	struct range *a = w->ranges, *tmp = malloc(n * sizeof(*tmp));
	uint64_t all_or = 0, all_and = UINT64_MAX;

	if (!tmp)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		all_or |= a[i].lo;
		all_and &= a[i].lo;
	}
	for (unsigned shift = 0; shift < 64; shift += 8) {
		size_t count[257] = {0};
		struct range *t;

		if ((((all_or ^ all_and) >> shift) & 0xff) == 0)
			continue;
		for (size_t i = 0; i < n; i++)
			count[((a[i].lo >> shift) & 0xff) + 1]++;
		for (int b = 0; b < 256; b++)
			count[b + 1] += count[b];
		for (size_t i = 0; i < n; i++)
			tmp[count[(a[i].lo >> shift) & 0xff]++] = a[i];
		t = a;
		a = tmp;
		tmp = t;
	}
	if (a != w->ranges) { /* an odd number of passes: the result is in tmp */
		memcpy(w->ranges, a, n * sizeof(*a));
		tmp = a;
	}
	for (size_t i = 1; i < n; i++)
		if (range_cmp(&w->ranges[i - 1], &w->ranges[i]) > 0) {
			qsort(w->ranges, n, sizeof(*w->ranges), range_cmp);
			break;
		}
	free(tmp);
	return 0;
}

static int flatten(struct walk *w, size_t *memory)
{
	struct range stack[DWARF_INDEX_MAX_DEPTH] = {{0}};
	size_t cap = 0;
	int sp = 0;

	if (w->nranges > 1 && sort_ranges(w))
		return -ENOMEM;
	for (size_t i = 0; i <= w->nranges; i++) {
		struct range r = i < w->nranges ? w->ranges[i] : (struct range){UINT64_MAX, 0, 0, 0};

		while (sp && stack[sp - 1].hi <= r.lo) {
			uint64_t end = stack[--sp].hi;

			if (emit(w->c, &cap, end, sp ? stack[sp - 1].scope : NONE))
				return -ENOMEM;
		}
		if (i == w->nranges)
			break;
		if (sp && r.hi > stack[sp - 1].hi)
			r.hi = stack[sp - 1].hi;
		if (r.hi <= r.lo)
			continue;
		if (sp == DWARF_INDEX_MAX_DEPTH)
			continue; /* deeper than any real inline chain: drop */
		if (emit(w->c, &cap, r.lo, r.scope))
			return -ENOMEM;
		stack[sp++] = r;
	}
	*memory += cap * sizeof(*w->c->segs);
	return 0;
}

/*
 * Read unit c into its tables (c->state is the caller's). With own_only (a
 * prefetch thread), -EINVAL as soon as libdw would be needed. On error the
 * tables are empty. Adds the bytes kept to *mem.
 */
static int read_cu(const struct dwarf_index *x, struct unit_reader *rd, struct cu *c,
		   const struct unit_info *ui, int own_only, size_t *mem)
{
	size_t memory = 0;
	struct walk w = {.x = x, .strings = rd->strings, .memory = &memory, .c = c};
	int ret;

	ret = read_lines_own(x, rd, c, ui, &memory);
	if (ret == -EINVAL && own_only)
		goto cleanup;
	if (ret == -EINVAL) { /* not for our reader: libdw reads this unit */
		cu_clear(c);
		if (read_paths(rd->strings, c, &memory) == -ENOMEM) {
			ret = -ENOMEM;
			goto cleanup;
		}
		ret = read_lines(c, &memory);
	}
	if (ret)
		goto cleanup;
	ret = walk_dies_own(&w, ui);
	if (ret == -EINVAL && own_only)
		goto cleanup;
	if (ret == -EINVAL) { /* not for our reader: libdw walks this unit */
		w.nranges = 0;
		c->nscopes = 0;
		ret = walk_dies(&w);
	}
	if (ret && ret != -E2BIG)
		goto cleanup;
	ret = flatten(&w, &memory);
	if (ret)
		goto cleanup;
	memory += w.scap * sizeof(*c->scopes);
	*mem += memory;
cleanup:
	free(w.ranges);
	if (ret)
		cu_clear(c);
	return ret;
}

/* The units of dw, in the order dwarf_index__open_fd numbered them. */
static int list_units(Dwarf *dw, Dwarf_Die *dies, size_t max, size_t *n)
{
	Dwarf_CU *cu = NULL, *next;
	Dwarf_Die cudie;
	uint8_t unit_type;
	Dwarf_Half version;

	*n = 0;
	while (dwarf_get_units(dw, cu, &next, &version, &unit_type, &cudie, NULL) == 0) {
		cu = next;
		if (unit_type != DW_UT_compile && unit_type != DW_UT_partial)
			continue;
		if (*n >= max)
			return -E2BIG;
		dies[(*n)++] = cudie;
	}
	return 0;
}

/* Drop libdw's caches: a fresh handle on the same ELF, same units. */
static void recycle(struct dwarf_index *x)
{
	Dwarf_Die *dies = malloc(x->ncus * sizeof(*dies));
	Dwarf *dw = dies ? dwarf_begin_elf(x->elf, DWARF_C_READ, NULL) : NULL;
	size_t n = 0;

	if (dw && !list_units(dw, dies, x->ncus, &n) && n == x->ncus) {
		for (size_t i = 0; i < n; i++)
			x->cus[i].die = dies[i];
		dwarf_end(x->dw);
		x->dw = dw;
		dw = NULL;
	}
	if (dw)
		dwarf_end(dw);
	free(dies);
}

static struct cu *find_cu(const struct dwarf_index *x, uint64_t addr)
{
	size_t lo = addr_sorted__upper(x->ranges, x->nranges, sizeof(*x->ranges),
				       offsetof(struct cu_range, lo), addr);

	/* ranges of different units should not overlap; look back a little if they do */
	for (size_t i = lo, k = 0; i > 0 && k < 4; i--, k++)
		if (addr < x->ranges[i - 1].hi)
			return &x->cus[x->ranges[i - 1].cu];
	return NULL;
}

/*
 * Rows and segments are arrays of 16-byte entries that start with their
 * address; KEY reads the address of entry i.
 */
#define KEY(a, i) (*(const uint64_t *)((const char *)(a) + (i) * 16))

/* Index of the last entry with address <= key, or n when none.
 * Branch-free: the loads of the next step do not wait on a misprediction. */
static size_t last_le(const void *a, size_t n, uint64_t key)
{
	size_t base = 0;

	if (!n || KEY(a, 0) > key)
		return n;
	while (n > 1) {
		size_t half = n / 2;

		base = KEY(a, base + half) <= key ? base + half : base;
		n -= half;
	}
	return base;
}

/*
 * last_le starting from the previous answer: callers that look up addresses
 * in increasing order (bpfprof symbolize sorts its batches) then touch a few
 * neighbouring cache lines instead of a fresh path down the whole array.
 * The answer is the same as last_le's.
 */
static size_t last_le_near(const void *a, size_t n, uint64_t key, size_t *hint)
{
	size_t h = *hint, step = 1, lo, hi, i;

	if (h >= n || KEY(a, h) > key) {
		i = last_le(a, n, key);
	} else {
		/* a[h] <= key: gallop forward to a bound a[hi] > key (or n) */
		lo = h;
		hi = h + 1;
		while (hi < n && KEY(a, hi) <= key) {
			lo = hi;
			step *= 2;
			hi = step < n - lo ? lo + step : n;
		}
		i = lo + last_le((const char *)a + lo * 16, hi - lo, key);
	}
	if (i < n)
		*hint = i;
	return i;
}

static const struct row_ent *find_row(const struct cu *c, uint64_t addr, size_t *hint)
{
	size_t i = last_le_near(c->rows, c->nrows, addr, hint);

	if (i == c->nrows || c->rows[i].file == NONE)
		return NULL;
	return &c->rows[i];
}

/* The innermost scope at addr. */
static uint32_t find_scope(const struct cu *c, uint64_t addr, size_t *hint)
{
	size_t i = last_le_near(c->segs, c->nsegs, addr, hint);

	return i < c->nsegs ? c->segs[i].scope : NONE;
}

/* Make unit c searchable, reading it if it is not yet. 1 when it is. */
static int unit_ready(struct dwarf_index *x, struct cu *c)
{
	struct unit_info ui;
	int ret;

	if (c->state != CU_UNREAD)
		return c->state == CU_READ;
	unit_info(x, c, &ui);
	ret = read_cu(x, &x->rd, c, &ui, 0, &x->memory);
	c->state = ret ? CU_UNREADABLE : CU_READ;
	if (++x->cus_read % RECYCLE_EVERY == 0)
		recycle(x);
	return !ret;
}

/* Frames at vaddr in unit c (read), searching from the given hints. */
static int lookup_in(const struct cu *c, uint64_t vaddr, size_t *row_hint, size_t *seg_hint,
		     struct dwarf_frame *frames, int max)
{
	const struct row_ent *row = find_row(c, vaddr, row_hint);
	uint32_t s = find_scope(c, vaddr, seg_hint);
	int n;

	if (s == NONE && !row)
		return 0;
	frames[0] = (struct dwarf_frame){
		.name = s != NONE ? c->scopes[s].name : NULL,
		.file = row ? c->paths[row->file] : NULL,
		.line = row ? row->line : 0,
		.inlined = s != NONE && c->scopes[s].parent != NONE,
	};
	n = 1;
	/* parents always have smaller indices: this climbs, it cannot loop */
	while (s != NONE && c->scopes[s].parent != NONE && c->scopes[s].parent < s && n < max) {
		const struct scope *in = &c->scopes[s];
		uint32_t p = in->parent;

		frames[n++] = (struct dwarf_frame){
			.name = c->scopes[p].name,
			.file = in->call_file,
			.line = in->call_line,
			.inlined = c->scopes[p].parent != NONE,
		};
		s = p;
	}
	return n;
}

int dwarf_index__lookup(struct dwarf_index *x, uint64_t vaddr, struct dwarf_frame *frames,
			int max)
{
	struct cu *c = find_cu(x, vaddr);

	if (!c || max <= 0 || !unit_ready(x, c))
		return 0;
	return lookup_in(c, vaddr, &c->row_hint, &c->seg_hint, frames, max);
}

int dwarf_index__lookup_read(const struct dwarf_index *x, uint64_t vaddr,
			     struct dwarf_cursor *cur, struct dwarf_frame *frames, int max)
{
	const struct cu *c = find_cu(x, vaddr);

	if (!c || max <= 0 || c->state != CU_READ)
		return 0;
	if (cur->unit != c) {
		cur->unit = c;
		cur->row_hint = cur->seg_hint = 0;
	}
	return lookup_in(c, vaddr, &cur->row_hint, &cur->seg_hint, frames, max);
}

/*
 * Prefetch: the units a batch of lookups needs are shared out to threads
 * (this one included) that read them with our own readers only (libdw is
 * not thread-safe: what they need of it is asked beforehand, here); whoever
 * is free takes the next unit. Units our readers cannot do are read after,
 * here, with libdw.
 */
struct prefetch {
	struct dwarf_index *x;
	struct cu **cus;        /* the units to read, in address order */
	struct unit_info *info; /* what libdw said of each */
	size_t n;
	size_t next; /* the next unit to take (atomic) */
};

struct prefetch_worker {
	struct prefetch *p;
	struct unit_reader rd;
	size_t memory;
	pthread_t thread;
	int started;
};

static void *prefetch_run(void *arg)
{
	struct prefetch_worker *w = arg;
	struct prefetch *p = w->p;
	size_t i;

	while ((i = __atomic_fetch_add(&p->next, 1, __ATOMIC_RELAXED)) < p->n) {
		struct cu *c = p->cus[i];

		/* each unit is one thread's: its fields are written by that one only */
		if (!read_cu(p->x, &w->rd, c, &p->info[i], 1, &w->memory))
			c->state = CU_READ;
	}
	return NULL;
}

int dwarf_index__prefetch(struct dwarf_index *x, const uint64_t *vaddrs, size_t n,
			  int nthreads)
{
	struct prefetch p = {.x = x};
	struct prefetch_worker *w = NULL;
	struct hmap **more;
	int ret = -ENOMEM, nw = 0;

	if (nthreads > DWARF_INDEX_MAX_THREADS)
		nthreads = DWARF_INDEX_MAX_THREADS;
	p.cus = malloc(x->ncus * sizeof(*p.cus));
	if (!p.cus)
		return -ENOMEM;
	/* the unread units these addresses fall in; READING marks one listed */
	for (size_t i = 0; i < n; i++) {
		struct cu *c = find_cu(x, vaddrs[i]);

		if (c && c->state == CU_UNREAD) {
			c->state = CU_READING;
			p.cus[p.n++] = c;
		}
	}
	for (size_t i = 0; i < p.n; i++)
		p.cus[i]->state = CU_UNREAD;
	if (nthreads >= 2 && p.n >= 2 && x->sec.line && x->dsec.info) {
		nw = (size_t)nthreads < p.n ? nthreads : (int)p.n;
		p.info = malloc(p.n * sizeof(*p.info));
		w = calloc((size_t)nw, sizeof(*w));
		more = realloc(x->more_strings, (x->nmore_strings + (size_t)nw) * sizeof(*more));
		if (more)
			x->more_strings = more;
		if (!p.info || !w || !more)
			goto out;
		for (size_t i = 0; i < p.n; i++)
			unit_info(x, p.cus[i], &p.info[i]);
		for (int i = 0; i < nw; i++) {
			w[i].p = &p;
			w[i].rd.strings = i ? hmap__new() : x->rd.strings;
			if (!w[i].rd.strings)
				break;
			if (i)
				x->more_strings[x->nmore_strings++] = w[i].rd.strings;
			/* this thread is worker 0; one that does not start is one fewer */
			w[i].started = i && !pthread_create(&w[i].thread, NULL, prefetch_run, &w[i]);
		}
		w[0].rd.lines = x->rd.lines;
		prefetch_run(&w[0]);
		x->rd.lines = w[0].rd.lines;
		for (int i = 0; i < nw; i++) {
			if (w[i].started)
				pthread_join(w[i].thread, NULL);
			if (i)
				dwarf_line_prog__clear(&w[i].rd.lines);
			x->memory += w[i].memory;
		}
	}
	/* what the threads could not read (or with no threads: everything) */
	for (size_t i = 0; i < p.n; i++)
		unit_ready(x, p.cus[i]);
	ret = 0;
out:
	free(w);
	free(p.info);
	free(p.cus);
	return ret;
}

size_t dwarf_index__memory(const struct dwarf_index *x)
{
	return x->memory;
}
