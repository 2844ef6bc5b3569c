// SPDX-License-Identifier: MIT
/*
 * dwarf_line.c - one .debug_line program into sorted (address, file, line)
 * rows, bounded by the section's bytes.
 *
 * The rules follow DWARF 2-5 and, where DWARF leaves room, what libdw
 * (elfutils 0.188) does, since our answers must equal eu-addr2line's: file 0
 * of DWARF < 5 is "???", a relative name is joined to its directory with a
 * '/', rows are sorted by address with an end of sequence first and program
 * order after, and the last row always ends a sequence. Whatever libdw would
 * reject, or that we do not handle, gives -EINVAL and the caller uses libdw.
 */
#include "symbolizer/dwarf_line.h"
#include "common/array.h"
#include "symbolizer/dwarf_cur.h"

#include <dwarf.h> /* constants only: no libdw needed */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FORMS 255
#define MAX_NAME 4096

/* A cursor over [p, end): every read checks the bytes left. */
/* A NUL-terminated string at p inside [p, end), or NULL. */
static const char *cstr(const uint8_t *p, const uint8_t *end)
{
	if (!p || p >= end || !memchr(p, '\0', (size_t)(end - p)))
		return NULL;
	return (const char *)p;
}

static const char *str_at(const uint8_t *sec, size_t size, uint64_t off)
{
	if (!sec || off >= size)
		return NULL;
	return cstr(sec + off, sec + size);
}

/*
 * Read one attribute value of form f at c. *s gets a string value (path
 * forms), *u an unsigned one (index forms); either may be NULL. -EINVAL
 * for forms we do not take.
 */
static int read_form(struct dwarf_cur *c, unsigned f, unsigned offset_size,
		     const struct dwarf_line_sections *sec, const char **s, uint64_t *u)
{
	uint64_t v = 0, n;
	const char *str = NULL;

	switch (f) {
	case DW_FORM_data1: v = dwarf_cur__rd(c, 1); break;
	case DW_FORM_data2: v = dwarf_cur__rd(c, 2); break;
	case DW_FORM_data4: v = dwarf_cur__rd(c, 4); break;
	case DW_FORM_data8: v = dwarf_cur__rd(c, 8); break;
	case DW_FORM_udata: v = dwarf_cur__uleb(c); break;
	case DW_FORM_data16:
		dwarf_cur__rd(c, 8);
		dwarf_cur__rd(c, 8);
		if (u)
			return -EINVAL;
		break;
	case DW_FORM_sdata:
	case DW_FORM_strx:
		dwarf_cur__sleb(c);
		if (u || s)
			return -EINVAL;
		break;
	case DW_FORM_strx1: case DW_FORM_strx2: case DW_FORM_strx3: case DW_FORM_strx4:
		dwarf_cur__rd(c, f == DW_FORM_strx1 ? 1 : f == DW_FORM_strx2 ? 2 : f == DW_FORM_strx3 ? 3 : 4);
		if (u || s)
			return -EINVAL; /* needs .debug_str_offsets: leave to libdw */
		break;
	case DW_FORM_block: case DW_FORM_block1: case DW_FORM_block2: case DW_FORM_block4:
		n = f == DW_FORM_block ? dwarf_cur__uleb(c) : dwarf_cur__rd(c, f == DW_FORM_block1 ? 1 : f == DW_FORM_block2 ? 2 : 4);
		if (n > dwarf_cur__left(c))
			return -EINVAL;
		c->p += n;
		if (u || s)
			return -EINVAL;
		break;
	case DW_FORM_string:
		str = cstr(c->p, c->end);
		if (!str)
			return -EINVAL;
		c->p += strlen(str) + 1;
		break;
	case DW_FORM_strp:
	case DW_FORM_line_strp:
		v = dwarf_cur__rd(c, offset_size);
		if (c->bad)
			return -EINVAL;
		str = f == DW_FORM_strp ? str_at(sec->str, sec->str_size, v)
				     : str_at(sec->line_str, sec->line_str_size, v);
		if (!str)
			return -EINVAL;
		break;
	default:
		return -EINVAL;
	}
	if (c->bad)
		return -EINVAL;
	if (s) {
		if (!str)
			return -EINVAL;
		*s = str;
	} else if (u) {
		if (str)
			return -EINVAL;
		*u = v;
	}
	return 0;
}

/* dir + '/' + name as libdw joins them (an absolute name stays as is). */
static char *join(const char *dir, const char *name)
{
	size_t dl, nl = strnlen(name, MAX_NAME);
	char *s;

	if (name[0] == '/' || !dir)
		dir = NULL;
	dl = dir ? strnlen(dir, MAX_NAME) : 0;
	s = malloc(dl + 1 + nl + 1);
	if (!s)
		return NULL;
	if (dir) {
		memcpy(s, dir, dl);
		s[dl] = '/';
		dl++;
	}
	memcpy(s + dl, name, nl);
	s[dl + nl] = '\0';
	return s;
}

static int add_file(struct dwarf_line_prog *p, size_t *cap, char *name)
{
	if (!name)
		return -ENOMEM;
	if (array__grow((void **)&p->files, cap, p->nfiles + 1, sizeof(*p->files))) {
		free(name);
		return -ENOMEM;
	}
	p->files[p->nfiles++] = name;
	return 0;
}

/* An entry format of DWARF 5: which forms, and where path and index are. */
struct format {
	unsigned n, path, idx;
	uint16_t forms[MAX_FORMS];
};

static int read_format(struct dwarf_cur *c, struct format *fm, bool need_idx)
{
	fm->n = (unsigned)dwarf_cur__rd(c, 1);
	fm->path = fm->idx = UINT32_MAX;
	for (unsigned i = 0; i < fm->n; i++) {
		uint64_t desc = dwarf_cur__uleb(c), form = dwarf_cur__uleb(c);

		if (c->bad || form > 0xffff)
			return -EINVAL;
		fm->forms[i] = (uint16_t)form;
		if (desc == DW_LNCT_path)
			fm->path = i;
		else if (desc == DW_LNCT_directory_index)
			fm->idx = i;
	}
	if (c->bad || fm->n == 0 || fm->path == UINT32_MAX || (need_idx && fm->idx == UINT32_MAX))
		return -EINVAL;
	return 0;
}

/* The directory and file tables (the header after the opcode lengths). */
static int read_files(struct dwarf_cur *c, unsigned version, unsigned offset_size,
		      const char *comp_dir, const struct dwarf_line_sections *sec,
		      struct dwarf_line_prog *p)
{
	const char **dirs = NULL;
	size_t ndirs = 0, cap = 0;
	int ret = -EINVAL;
	struct format *fm = NULL;

	if (version < 5) {
		/* dir 0 is the unit's folder, then NUL-terminated names until "" */
		const uint8_t *q = c->p;

		ndirs = 1;
		while (q < c->end && *q) {
			const char *d = cstr(q, c->end);

			if (!d)
				return -EINVAL;
			q += strlen(d) + 1;
			ndirs++;
		}
		if (q >= c->end)
			return -EINVAL;
		dirs = malloc(ndirs * sizeof(*dirs));
		if (!dirs)
			return -ENOMEM;
		dirs[0] = comp_dir;
		for (size_t i = 1; i < ndirs; i++) {
			dirs[i] = (const char *)c->p;
			c->p += strlen(dirs[i]) + 1;
		}
		c->p++;
		ret = add_file(p, &cap, join(NULL, "???"));
		if (ret)
			goto cleanup;
		ret = -EINVAL;
		while (c->p < c->end && *c->p) {
			const char *name = cstr(c->p, c->end);
			uint64_t di;

			if (!name)
				goto cleanup;
			c->p += strlen(name) + 1;
			di = dwarf_cur__uleb(c);
			dwarf_cur__uleb(c); /* mtime */
			dwarf_cur__uleb(c); /* length */
			if (c->bad || di >= ndirs)
				goto cleanup;
			ret = add_file(p, &cap, join(dirs[di], name));
			if (ret)
				goto cleanup;
			ret = -EINVAL;
		}
		if (c->p >= c->end)
			goto cleanup;
		c->p++;
		ret = 0;
		goto cleanup;
	}

	fm = malloc(sizeof(*fm));
	if (!fm)
		return -ENOMEM;
	if (read_format(c, fm, false))
		goto cleanup;
	ndirs = dwarf_cur__uleb(c);
	if (c->bad || ndirs == 0 || ndirs > dwarf_cur__left(c) / fm->n)
		goto cleanup;
	dirs = malloc(ndirs * sizeof(*dirs));
	if (!dirs) {
		ret = -ENOMEM;
		goto cleanup;
	}
	for (size_t i = 0; i < ndirs; i++) {
		dirs[i] = NULL;
		for (unsigned m = 0; m < fm->n; m++)
			if (read_form(c, fm->forms[m], offset_size, sec,
				      m == fm->path ? &dirs[i] : NULL, NULL))
				goto cleanup;
	}
	if (read_format(c, fm, true))
		goto cleanup;
	{
		uint64_t nfiles = dwarf_cur__uleb(c);

		if (c->bad || nfiles > dwarf_cur__left(c) / fm->n)
			goto cleanup;
		if (nfiles == 0) {
			ret = add_file(p, &cap, join(NULL, "???"));
			if (ret)
				goto cleanup;
		}
		for (uint64_t i = 0; i < nfiles; i++) {
			const char *name = NULL;
			uint64_t di = UINT64_MAX;

			for (unsigned m = 0; m < fm->n; m++)
				if (read_form(c, fm->forms[m], offset_size, sec,
					      m == fm->path ? &name : NULL,
					      m == fm->idx ? &di : NULL))
					goto cleanup;
			if (!name || di >= ndirs)
				goto cleanup;
			ret = add_file(p, &cap, join(dirs[di], name));
			if (ret)
				goto cleanup;
			ret = -EINVAL;
		}
	}
	ret = 0;
cleanup:
	free(dirs);
	free(fm);
	return ret;
}

/*
 * libdw's order: address, an end of sequence first, then program order. A
 * row's position in the array stands for its program order: the only rows
 * ever moved (an end of sequence put before the rows at its own address)
 * differ from those they pass in the end flag, which decides first.
 */
static int row_cmp_at(const struct dwarf_line_row *rows, size_t i, size_t j)
{
	const struct dwarf_line_row *x = &rows[i], *y = &rows[j];
	bool ex = x->file == DWARF_LINE_END, ey = y->file == DWARF_LINE_END;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	if (ex != ey)
		return ex ? -1 : 1;
	return (i > j) - (i < j);
}

/* The same for the row-by-row fallback, which carries positions along. */
struct row_o {
	struct dwarf_line_row r;
	size_t order;
};

static int row_o_cmp(const void *a, const void *b)
{
	const struct row_o *x = a, *y = b;
	bool ex = x->r.file == DWARF_LINE_END, ey = y->r.file == DWARF_LINE_END;

	if (x->r.addr != y->r.addr)
		return x->r.addr < y->r.addr ? -1 : 1;
	if (ex != ey)
		return ex ? -1 : 1;
	return (x->order > y->order) - (x->order < y->order);
}

/* A sequence: rows [first, first + n) of the program. */
struct seq {
	size_t first, n;
	const struct dwarf_line_row *rows;
};

static int seq_cmp(const void *a, const void *b)
{
	const struct seq *x = a, *y = b;

	return row_cmp_at(x->rows, x->first, y->first);
}

static int add_seq(struct seq **seqs, size_t *n, size_t *cap, size_t first, size_t len,
		   const struct dwarf_line_row *rows)
{
	if (array__grow((void **)seqs, cap, *n + 1, sizeof(**seqs)))
		return -ENOMEM;
	(*seqs)[(*n)++] = (struct seq){first, len, rows};
	return 0;
}

/*
 * rows in libdw's order: *out is rows itself when already in order, else a
 * new array (rows is then left to the caller to free). Compilers write each
 * sequence in address order but the sequences of a unit in any order
 * (.text, .text.startup, .text.unlikely): sorting the sequences and checking
 * where they meet is enough then; anything else is sorted row by row.
 */
static int sort_rows(struct dwarf_line_row *rows, size_t n, struct dwarf_line_row **out)
{
	struct seq *seqs = NULL;
	struct row_o *tmp = NULL;
	size_t nseqs = 0, start = 0, cap = 0, k = 0;
	bool ok = true;
	int ret = -ENOMEM;

	*out = rows;
	for (size_t i = 0; i < n && ok; i++) {
		if (i > start && row_cmp_at(rows, i - 1, i) > 0) {
			/*
			 * gcc often ends a sequence with a row at the end
			 * address: the end goes before the rows at its address,
			 * which then form a sequence of their own.
			 */
			size_t j = i;
			struct dwarf_line_row end = rows[i];

			while (j > start && rows[j - 1].addr == end.addr &&
			       rows[j - 1].file != DWARF_LINE_END)
				j--;
			if (end.file != DWARF_LINE_END || j == i ||
			    (j > start && rows[j - 1].addr > end.addr)) {
				ok = false;
				break;
			}
			memmove(&rows[j + 1], &rows[j], (i - j) * sizeof(*rows));
			rows[j] = end;
			if (add_seq(&seqs, &nseqs, &cap, start, j + 1 - start, rows))
				goto cleanup;
			start = j + 1;
		}
		if (rows[i].file == DWARF_LINE_END || i == n - 1) {
			if (add_seq(&seqs, &nseqs, &cap, start, i + 1 - start, rows))
				goto cleanup;
			start = i + 1;
		}
	}
	if (ok && nseqs > 1) {
		for (size_t j = 1; j < nseqs && ok; j++) /* in order already? */
			ok = row_cmp_at(rows, seqs[j - 1].first + seqs[j - 1].n - 1,
					seqs[j].first) <= 0;
		if (ok)
			nseqs = 1;
		else {
			qsort(seqs, nseqs, sizeof(*seqs), seq_cmp);
			ok = true;
			for (size_t j = 1; j < nseqs && ok; j++)
				ok = row_cmp_at(rows, seqs[j - 1].first + seqs[j - 1].n - 1,
						seqs[j].first) <= 0;
		}
	}
	if (ok && nseqs <= 1) {
		ret = 0;
		goto cleanup;
	}
	*out = malloc(n * sizeof(**out));
	if (!*out)
		goto cleanup;
	if (ok) {
		for (size_t j = 0; j < nseqs; j++) {
			memcpy(*out + k, rows + seqs[j].first, seqs[j].n * sizeof(*rows));
			k += seqs[j].n;
		}
	} else {
		tmp = malloc(n * sizeof(*tmp));
		if (!tmp) {
			free(*out);
			*out = rows;
			goto cleanup;
		}
		for (size_t i = 0; i < n; i++)
			tmp[i] = (struct row_o){rows[i], i};
		qsort(tmp, n, sizeof(*tmp), row_o_cmp);
		for (size_t i = 0; i < n; i++)
			(*out)[i] = tmp[i].r;
	}
	ret = 0;
cleanup:
	free(seqs);
	free(tmp);
	return ret;
}

/* The fixed fields of a program's header, and where its parts are. */
struct header {
	unsigned version, offset_size, address_size, min_inst, line_range, opcode_base;
	int line_base;
	const uint8_t *std_len; /* std_len[op] for op in [1, opcode_base) */
	struct dwarf_cur tables; /* the directory and file tables */
	struct dwarf_cur prog; /* the opcodes */
};

/* The header fields of the program at off, up to its directory table. */
static int read_fields(const struct dwarf_line_sections *s, uint64_t off,
		       unsigned address_size, struct header *h)
{
	struct dwarf_cur c;
	uint64_t unit_len, hdr_len;

	if (!s->line || off >= s->line_size || (address_size != 4 && address_size != 8))
		return -EINVAL;
	c = (struct dwarf_cur){s->line + off, s->line + s->line_size, false};
	h->address_size = address_size;
	h->offset_size = 4;
	unit_len = dwarf_cur__rd(&c, 4);
	if (unit_len == 0xffffffff) {
		unit_len = dwarf_cur__rd(&c, 8);
		h->offset_size = 8;
	}
	if (c.bad || unit_len > dwarf_cur__left(&c))
		return -EINVAL;
	c.end = c.p + unit_len;
	h->version = (unsigned)dwarf_cur__rd(&c, 2);
	if (c.bad || h->version < 2 || h->version > 5)
		return -EINVAL;
	if (h->version >= 5) {
		unsigned as = (unsigned)dwarf_cur__rd(&c, 1), seg = (unsigned)dwarf_cur__rd(&c, 1);

		if (as != address_size || seg != 0)
			return -EINVAL;
	}
	hdr_len = dwarf_cur__rd(&c, h->offset_size);
	if (c.bad || hdr_len > dwarf_cur__left(&c))
		return -EINVAL;
	h->prog = (struct dwarf_cur){c.p + hdr_len, c.end, false};
	c.end = c.p + hdr_len;
	h->min_inst = (unsigned)dwarf_cur__rd(&c, 1);
	if (h->version >= 4 && dwarf_cur__rd(&c, 1) != 1)
		return -EINVAL; /* VLIW op_index: not handled */
	dwarf_cur__rd(&c, 1); /* default_is_stmt: no use here */
	h->line_base = (int8_t)dwarf_cur__rd(&c, 1);
	h->line_range = (unsigned)dwarf_cur__rd(&c, 1);
	h->opcode_base = (unsigned)dwarf_cur__rd(&c, 1);
	if (c.bad || h->line_range == 0 || h->opcode_base <= DW_LNE_set_discriminator ||
	    dwarf_cur__left(&c) < h->opcode_base - 1)
		return -EINVAL;
	h->std_len = c.p - 1;
	c.p += h->opcode_base - 1;
	h->tables = c;
	return 0;
}

/* The whole header: its fields into h, its file names into p->files. */
static int read_header(const struct dwarf_line_sections *s, uint64_t off, unsigned address_size,
		       const char *comp_dir, struct header *h, struct dwarf_line_prog *p)
{
	int ret = read_fields(s, off, address_size, h);

	if (ret)
		return ret;
	ret = read_files(&h->tables, h->version, h->offset_size, comp_dir, s, p);
	if (ret)
		return ret;
	if (h->tables.p != h->tables.end)
		return -EINVAL; /* libdw checks the header ends where it says */
	return 0;
}

struct state {
	uint64_t addr;
	uint32_t file;
	int64_t line;
	uint64_t column, isa;
};

/* The rows a program appends to: at most max, in a buffer of cap. */
struct row_buf {
	struct dwarf_line_row *rows;
	size_t n, cap, max;
};

static inline int push_row(struct row_buf *b, const struct state *st, bool end)
{
	/* libdw stores line as int, column and isa in small fields: call it invalid */
	if (st->line < INT32_MIN || st->line > INT32_MAX || st->column > 0xffff || st->isa > 0xff)
		return -EINVAL;
	if (!end && st->file == DWARF_LINE_END)
		return -EINVAL;
	if (b->n >= b->max)
		return -E2BIG;
	if (b->n == b->cap && array__grow((void **)&b->rows, &b->cap, b->n + 1, sizeof(*b->rows)))
		return -ENOMEM;
	b->rows[b->n] = (struct dwarf_line_row){
		st->addr, end ? DWARF_LINE_END : st->file,
		(int32_t)st->line > 0 ? (uint32_t)(int32_t)st->line : 0};
	b->n++;
	return 0;
}

/* One extended opcode (after its 0) at c. */
static inline int run_extended(const struct header *h, struct dwarf_cur *c, struct state *st,
			       struct row_buf *b)
{
	unsigned len, sub;
	int ret;

	if (dwarf_cur__left(c) < 2)
		return -EINVAL;
	len = *c->p++;
	if (dwarf_cur__left(c) < len || len == 0)
		return -EINVAL;
	sub = *c->p++;
	switch (sub) {
	case DW_LNE_end_sequence:
		ret = push_row(b, st, true);
		if (ret)
			return ret;
		*st = (struct state){.file = 1, .line = 1};
		break;
	case DW_LNE_set_address:
		st->addr = dwarf_cur__rd(c, h->address_size);
		break;
	case DW_LNE_set_discriminator:
		if (h->std_len[DW_LNS_advance_line] != 1)
			return -EINVAL; /* libdw checks this slot: so do we */
		dwarf_cur__uleb(c);
		break;
	case DW_LNE_define_file:
	case 0x80: /* DW_LNE_NVIDIA_inlined_call */
	case 0x81: /* DW_LNE_NVIDIA_set_function_name */
		return -EINVAL;
	default:
		c->p += len - 1;
		break;
	}
	return c->bad ? -EINVAL : 0;
}

/* One standard opcode (1 to DW_LNS_set_isa) at c. */
static inline int run_standard(const struct header *h, unsigned op, struct dwarf_cur *c,
			       struct state *st, struct row_buf *b)
{
	static const uint8_t want[] = {0, 0, 1, 1, 1, 1, 0, 0, 0, 1, 0, 0, 1};
	uint64_t v;
	int ret;

	if (h->std_len[op] != want[op])
		return -EINVAL;
	switch (op) {
	case DW_LNS_copy:
		ret = push_row(b, st, false);
		if (ret)
			return ret;
		break;
	case DW_LNS_advance_pc:
		v = dwarf_cur__uleb(c);
		st->addr += (uint32_t)(h->min_inst * (uint32_t)v);
		break;
	case DW_LNS_advance_line:
		st->line += (int32_t)dwarf_cur__sleb(c);
		break;
	case DW_LNS_set_file:
		st->file = (uint32_t)dwarf_cur__uleb(c);
		break;
	case DW_LNS_set_column:
		st->column = (uint32_t)dwarf_cur__uleb(c);
		break;
	case DW_LNS_const_add_pc:
		st->addr += (uint32_t)(h->min_inst * ((255 - h->opcode_base) / h->line_range));
		break;
	case DW_LNS_fixed_advance_pc:
		st->addr += dwarf_cur__rd(c, 2);
		break;
	case DW_LNS_set_isa:
		st->isa = (uint32_t)dwarf_cur__uleb(c);
		break;
	default: /* negate_stmt, basic_block, prologue_end, epilogue_begin */
		break;
	}
	return c->bad ? -EINVAL : 0;
}

/* Run the line-number state machine over the opcodes, rows into *rb. */
static int run_program(const struct header *h, struct row_buf *rb)
{
	struct dwarf_cur prog = h->prog;
	struct row_buf b = *rb; /* a local copy: row stores cannot alias its counts */
	struct {
		int line;
		uint32_t addr;
	} special[256];
	struct state st = {.file = 1, .line = 1};
	unsigned opcode_base = h->opcode_base; /* a local: row stores cannot alias it */
	int ret = 0;

	/* what each special opcode adds, worked out once: a division per row
	 * was the reader's single largest cost */
	for (unsigned op = opcode_base; op < 256; op++) {
		unsigned adj = op - opcode_base;

		special[op].line = h->line_base + (int)(adj % h->line_range);
		special[op].addr = (uint32_t)(h->min_inst * (adj / h->line_range));
	}
	while (prog.p < prog.end) {
		unsigned op = *prog.p++;

		if (op >= opcode_base) {
			st.line += special[op].line;
			st.addr += special[op].addr;
			ret = push_row(&b, &st, false);
		} else if (op == 0) {
			ret = run_extended(h, &prog, &st, &b);
		} else if (op <= DW_LNS_set_isa) {
			ret = run_standard(h, op, &prog, &st, &b);
		} else {
			for (unsigned n = h->std_len[op]; n > 0; n--)
				dwarf_cur__uleb(&prog);
			ret = prog.bad ? -EINVAL : 0;
		}
		if (ret)
			break;
	}
	*rb = b;
	return ret;
}

/* Sort the rows into libdw's order and hand them to *out. */
static int store_rows(struct row_buf *b, struct dwarf_line_prog *out)
{
	struct dwarf_line_row *sorted;
	int ret;

	if (!b->rows && array__grow((void **)&b->rows, &b->cap, 1, sizeof(*b->rows)))
		return -ENOMEM;
	ret = sort_rows(b->rows, b->n, &sorted);
	if (ret)
		return ret;
	if (sorted != b->rows) {
		free(b->rows);
		b->cap = b->n;
	}
	out->rows = sorted;
	out->rows_cap = b->cap;
	if (b->n) /* libdw marks the last row an end of sequence */
		out->rows[b->n - 1].file = DWARF_LINE_END;
	out->nrows = b->n;
	return 0;
}

int dwarf_line__read(const struct dwarf_line_sections *s, uint64_t off, unsigned address_size,
		     const char *comp_dir, size_t max_rows, struct dwarf_line_prog *out)
{
	/* a buffer to reuse, if the caller has one: it stays in *out */
	struct row_buf b = {out->rows, 0, out->rows ? out->rows_cap : 0, max_rows};
	struct header h;
	int ret;

	out->files = NULL;
	out->nfiles = out->nrows = 0;
	ret = read_header(s, off, address_size, comp_dir, &h, out);
	if (ret)
		goto cleanup;
	ret = run_program(&h, &b);
	if (ret)
		goto cleanup;
	ret = store_rows(&b, out);
cleanup:
	if (ret) {
		dwarf_line_prog__reset(out);
		out->rows = b.rows; /* still the caller's to reuse or free */
		out->rows_cap = b.cap;
	}
	return ret;
}

void dwarf_line_prog__reset(struct dwarf_line_prog *p)
{
	for (size_t i = 0; i < p->nfiles; i++)
		free(p->files[i]);
	free(p->files);
	p->files = NULL;
	p->nfiles = 0;
	p->nrows = 0;
}

void dwarf_line_prog__clear(struct dwarf_line_prog *p)
{
	if (!p)
		return;
	dwarf_line_prog__reset(p);
	free(p->rows);
	memset(p, 0, sizeof(*p));
}
