// SPDX-License-Identifier: MIT
/*
 * unwind_table.c - .eh_frame / .debug_frame to compact unwind rows.
 *
 * One pass: for each FDE, run its CIE's initial instructions and then its
 * own, emitting a row whenever the location advances. Only what the BPF
 * unwinder evaluates is kept: the CFA as rsp/rbp + offset (or the PLT
 * expression), where rbp was saved, and whether the return address is
 * undefined (the outermost frame). Everything else becomes CFA_UNSUP.
 */
#include "common/array.h"
#include "common/errbuf.h"
#include "symbolizer/dwarf_cur.h"
#include "symbolizer/elf_note.h"
#include "symbolizer/elf_segment.h"
#include "symbolizer/gopclntab.h"
#include "unwind/unwind_table.h"

#include <errno.h>
#include <gelf.h>
#include <libelf.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* DWARF register numbers on x86-64 */
#define REG_RBP 6
#define REG_RSP 7
#define REG_RA 16

_Static_assert(sizeof(struct unwind_row) == 8, "rows stay 8 bytes");

#define MAX_STATE_STACK 16   /* DW_CFA_remember_state nesting */
#define MAX_AUG_LEN 16       /* augmentation string length */

enum reg_rule { RULE_SAME = 0, RULE_UNDEF, RULE_OFFSET, RULE_OTHER };

struct cfa_state {
	uint8_t cfa; /* enum unwind_cfa: CFA_SP, CFA_FP, CFA_PLT, CFA_UNSUP */
	int64_t cfa_off;
	uint8_t rbp_rule, ra_rule; /* enum reg_rule */
	int64_t rbp_off, ra_off;
};

struct cie {
	uint64_t code_align;
	int64_t data_align;
	uint64_t ra_reg;
	uint8_t fde_enc;  /* DW_EH_PE_* of FDE addresses */
	bool has_z;       /* FDEs carry an augmentation data length */
	uint8_t addr_size;
	const uint8_t *insns, *insns_end;
};

struct section {
	const uint8_t *data;
	size_t size;
	uint64_t addr; /* sh_addr, for pc-relative pointers */
	bool eh;       /* .eh_frame (else .debug_frame) */
};

struct builder {
	struct unwind_row *rows;
	size_t n, cap;
	struct unwind_table_stats *stats;
	/* while reading .debug_frame: the sorted .eh_frame rows, whose
	 * functions are skipped (.eh_frame wins where both describe one) */
	size_t eh_rows;
};

/* In rows[0, n), sorted by pc: the index of the first row above pc (n when
 * none); rows[i - 1] is the row covering pc when i > 0. */
static size_t row_upper(const struct unwind_row *rows, size_t n, uint64_t pc)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (rows[mid].pc <= pc)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static bool covered_by_eh(const struct builder *b, uint64_t pc)
{
	size_t lo = row_upper(b->rows, b->eh_rows, pc);

	return lo && b->rows[lo - 1].cfa_rule != CFA_NONE;
}

/* A DW_EH_PE-encoded pointer; sec gives the address for pc-relative ones. */
static uint64_t rd_encoded(struct dwarf_cur *c, uint8_t enc, const struct section *sec)
{
	uint64_t base = 0, v;

	if (enc == 0xff) /* DW_EH_PE_omit */
		return 0;
	if ((enc & 0x70) == 0x10) /* pcrel */
		base = sec->addr + (uint64_t)(c->p - sec->data);
	else if ((enc & 0x70) != 0) /* textrel, datarel, funcrel, aligned: not in FDEs here */
		return dwarf_cur__fail(c);
	switch (enc & 0x0f) {
	case 0x00: v = dwarf_cur__rd(c, 8); break;
	case 0x01: v = dwarf_cur__uleb(c); break;
	case 0x02: v = dwarf_cur__rd(c, 2); break;
	case 0x03: v = dwarf_cur__rd(c, 4); break;
	case 0x04: v = dwarf_cur__rd(c, 8); break;
	case 0x09: v = (uint64_t)dwarf_cur__sleb(c); break;
	case 0x0a: v = (uint64_t)(int64_t)(int16_t)dwarf_cur__rd(c, 2); break;
	case 0x0b: v = (uint64_t)(int64_t)(int32_t)dwarf_cur__rd(c, 4); break;
	case 0x0c: v = dwarf_cur__rd(c, 8); break;
	default: return dwarf_cur__fail(c);
	}
	return base + v;
}

/* Parse the CIE at off. 0 or -EINVAL. */
static int parse_cie(const struct section *sec, uint64_t off, struct cie *cie)
{
	struct dwarf_cur c;
	uint64_t len, id;
	uint8_t version;
	char aug[MAX_AUG_LEN + 1];
	size_t alen = 0;
	bool dwarf64 = false;

	/* off comes from the file: check it before it forms a pointer */
	if (off >= sec->size)
		return -EINVAL;
	c = (struct dwarf_cur){sec->data + off, sec->data + sec->size, false};
	memset(cie, 0, sizeof(*cie));
	cie->addr_size = 8;
	cie->fde_enc = 0; /* absptr */
	len = dwarf_cur__rd(&c, 4);
	if (len == 0xffffffffu) {
		len = dwarf_cur__rd(&c, 8);
		dwarf64 = true;
	}
	if (c.bad || len > dwarf_cur__left(&c))
		return -EINVAL;
	c.end = c.p + len;
	id = dwarf_cur__rd(&c, dwarf64 ? 8 : 4);
	if (sec->eh ? id != 0 : id != (dwarf64 ? ~0ULL : 0xffffffffULL))
		return -EINVAL;
	version = (uint8_t)dwarf_cur__rd(&c, 1);
	if (version != 1 && version != 3 && version != 4)
		return -EINVAL;
	while (c.p < c.end && *c.p && alen < MAX_AUG_LEN)
		aug[alen++] = (char)*c.p++;
	aug[alen] = '\0';
	if (c.p >= c.end || *c.p)
		return -EINVAL;
	c.p++;
	if (version == 4) {
		cie->addr_size = (uint8_t)dwarf_cur__rd(&c, 1);
		dwarf_cur__rd(&c, 1); /* segment selector size */
		if (cie->addr_size != 8 && cie->addr_size != 4)
			return -EINVAL;
	}
	if (strstr(aug, "eh")) /* ancient GCC: an eh_ptr we do not need */
		dwarf_cur__rd(&c, 8);
	cie->code_align = dwarf_cur__uleb(&c);
	cie->data_align = dwarf_cur__sleb(&c);
	cie->ra_reg = version == 1 ? dwarf_cur__rd(&c, 1) : dwarf_cur__uleb(&c);
	if (aug[0] == 'z') {
		uint64_t alen2 = dwarf_cur__uleb(&c);
		struct dwarf_cur a;

		if (c.bad || alen2 > dwarf_cur__left(&c))
			return -EINVAL;
		a.p = c.p;
		a.end = c.p + alen2;
		a.bad = false;
		cie->has_z = true;
		for (size_t i = 1; aug[i] && !a.bad; i++) {
			switch (aug[i]) {
			case 'R':
				cie->fde_enc = (uint8_t)dwarf_cur__rd(&a, 1);
				break;
			case 'L':
				dwarf_cur__rd(&a, 1);
				break;
			case 'P': {
				uint8_t penc = (uint8_t)dwarf_cur__rd(&a, 1);

				/* the personality pointer: skip it, whatever its base */
				rd_encoded(&a, penc & 0x0f, sec);
				break;
			}
			case 'S': /* signal frame */
			case 'B':
			case 'G':
				break;
			default:
				i = alen; /* unknown: the length lets us skip the rest */
				i--;
				break;
			}
		}
		c.p += alen2;
	} else if (aug[0]) {
		return -EINVAL; /* an augmentation we cannot skip */
	}
	if (c.bad)
		return -EINVAL;
	cie->insns = c.p;
	cie->insns_end = c.end;
	return 0;
}

static int emit(struct builder *b, uint64_t pc, const struct cfa_state *s, bool none)
{
	struct unwind_row r = {0};

	if (pc > UINT32_MAX)
		return -ERANGE;
	r.pc = (uint32_t)pc;
	if (none) {
		r.cfa_rule = CFA_NONE;
	} else if (s->ra_rule == RULE_UNDEF) {
		r.cfa_rule = CFA_END;
	} else if (s->cfa == CFA_UNSUP || s->ra_rule != RULE_OFFSET || s->ra_off != -8 ||
		   s->cfa_off < INT16_MIN || s->cfa_off > INT16_MAX) {
		r.cfa_rule = CFA_UNSUP;
		b->stats->unsupported_rows++;
	} else {
		r.cfa_rule = s->cfa;
		r.cfa_off = (int16_t)s->cfa_off;
		if (s->cfa == CFA_PLT)
			b->stats->plt_rows++;
	}
	if (!none && r.cfa_rule != CFA_UNSUP) {
		if (s->rbp_rule == RULE_OFFSET && s->rbp_off % 8 == 0 &&
		    s->rbp_off >= INT8_MIN * 8 && s->rbp_off <= INT8_MAX * 8) {
			r.rbp_rule = RBP_AT_CFA;
			r.rbp_off = (int8_t)(s->rbp_off / 8);
		} else if (s->rbp_rule == RULE_SAME) {
			r.rbp_rule = RBP_SAME;
		} else {
			r.rbp_rule = RBP_LOST;
		}
	}
	/* the same pc again: the later rule wins (an empty advance) */
	if (b->n && b->rows[b->n - 1].pc == r.pc && !none) {
		b->rows[b->n - 1] = r;
		return 0;
	}
	if (b->n == b->cap) {
		if (b->n >= UNWIND_TABLE_MAX_ROWS)
			return -E2BIG;
		if (array__grow((void **)&b->rows, &b->cap, b->n + 1, sizeof(*b->rows)))
			return -ENOMEM;
	}
	b->rows[b->n++] = r;
	return 0;
}

/* The CFA expression every x86-64 PLT uses (binutils): rsp + 8 + ((rip & 15)
 * >= N) << 3. Returns N (10 or 11), or 0 for any other expression. */
static int plt_expression(const uint8_t *e, uint64_t len)
{
	static const uint8_t head[] = {0x77, 0x08, 0x80, 0x00, 0x3f, 0x1a};
	static const uint8_t tail[] = {0x2a, 0x33, 0x24, 0x22};

	if (len != sizeof(head) + 1 + sizeof(tail) || memcmp(e, head, sizeof(head)) ||
	    memcmp(e + sizeof(head) + 1, tail, sizeof(tail)))
		return 0;
	if (e[sizeof(head)] < 0x30 || e[sizeof(head)] > 0x4f) /* DW_OP_lit0..31 */
		return 0;
	return e[sizeof(head)] - 0x30;
}

/* A factored offset, v * data_align, modulo 2^64: hostile operands wrap
 * (into rules emit() then judges) instead of overflowing a signed multiply. */
static int64_t factored(uint64_t v, const struct cie *cie)
{
	return (int64_t)(v * (uint64_t)cie->data_align);
}

static void set_reg(struct cfa_state *s, uint64_t reg, uint8_t rule, int64_t off)
{
	if (reg == REG_RBP) {
		s->rbp_rule = rule;
		s->rbp_off = off;
	} else if (reg == REG_RA) {
		s->ra_rule = rule;
		s->ra_off = off;
	}
}

/*
 * Run CFA instructions from c. When emitting (b != NULL) a row is written at
 * each location change in [*loc, end_pc). init is the state after the CIE's
 * instructions (for DW_CFA_restore).
 */
static int run_insns(struct dwarf_cur *c, const struct cie *cie, const struct section *sec,
		     struct cfa_state *s, const struct cfa_state *init, uint64_t *loc,
		     uint64_t end_pc, struct builder *b)
{
	struct cfa_state stack[MAX_STATE_STACK];
	int depth = 0, ret;

	while (c->p < c->end && !c->bad) {
		uint8_t op = *c->p++, low = op & 0x3f;
		uint64_t reg, adv = 0, newloc;
		int64_t off;
		bool advance = false;

		switch (op >> 6) {
		case 1: /* DW_CFA_advance_loc */
			adv = low;
			advance = true;
			break;
		case 2: /* DW_CFA_offset */
			off = factored(dwarf_cur__uleb(c), cie);
			set_reg(s, low, RULE_OFFSET, off);
			continue;
		case 3: /* DW_CFA_restore */
			if (init) {
				if (low == REG_RBP) {
					s->rbp_rule = init->rbp_rule;
					s->rbp_off = init->rbp_off;
				} else if (low == REG_RA) {
					s->ra_rule = init->ra_rule;
					s->ra_off = init->ra_off;
				}
			}
			continue;
		}
		switch (advance ? 0x100 : op) {
		case 0x100: /* DW_CFA_advance_loc, above */
			break;
		case 0x00: /* nop */
			continue;
		case 0x01: /* set_loc */
			newloc = rd_encoded(c, cie->fde_enc, sec);
			if (c->bad || newloc < *loc)
				return -EINVAL;
			adv = (newloc - *loc) / (cie->code_align ? cie->code_align : 1);
			advance = true;
			break;
		case 0x02: adv = dwarf_cur__rd(c, 1); advance = true; break;
		case 0x03: adv = dwarf_cur__rd(c, 2); advance = true; break;
		case 0x04: adv = dwarf_cur__rd(c, 4); advance = true; break;
		case 0x05: /* offset_extended */
			reg = dwarf_cur__uleb(c);
			off = factored(dwarf_cur__uleb(c), cie);
			set_reg(s, reg, RULE_OFFSET, off);
			continue;
		case 0x06: /* restore_extended */
			reg = dwarf_cur__uleb(c);
			if (init && reg == REG_RBP) {
				s->rbp_rule = init->rbp_rule;
				s->rbp_off = init->rbp_off;
			} else if (init && reg == REG_RA) {
				s->ra_rule = init->ra_rule;
				s->ra_off = init->ra_off;
			}
			continue;
		case 0x07: /* undefined */
			set_reg(s, dwarf_cur__uleb(c), RULE_UNDEF, 0);
			continue;
		case 0x08: /* same_value */
			set_reg(s, dwarf_cur__uleb(c), RULE_SAME, 0);
			continue;
		case 0x09: /* register */
			reg = dwarf_cur__uleb(c);
			dwarf_cur__uleb(c);
			set_reg(s, reg, RULE_OTHER, 0);
			continue;
		case 0x0a: /* remember_state */
			if (depth >= MAX_STATE_STACK)
				return -EINVAL;
			stack[depth++] = *s;
			continue;
		case 0x0b: /* restore_state */
			if (depth <= 0)
				return -EINVAL;
			{
				/* the CFA is not part of the saved state in practice
				 * (GCC/binutils save registers only), but DWARF says
				 * it is: restore everything */
				*s = stack[--depth];
			}
			continue;
		case 0x0c: /* def_cfa */
			reg = dwarf_cur__uleb(c);
			s->cfa_off = (int64_t)dwarf_cur__uleb(c);
			s->cfa = reg == REG_RSP ? CFA_SP : reg == REG_RBP ? CFA_FP : CFA_UNSUP;
			continue;
		case 0x0d: /* def_cfa_register */
			reg = dwarf_cur__uleb(c);
			if (s->cfa != CFA_PLT)
				s->cfa = reg == REG_RSP ? CFA_SP : reg == REG_RBP ? CFA_FP : CFA_UNSUP;
			else
				s->cfa = CFA_UNSUP;
			continue;
		case 0x0e: /* def_cfa_offset */
			s->cfa_off = (int64_t)dwarf_cur__uleb(c);
			if (s->cfa == CFA_PLT)
				s->cfa = CFA_UNSUP;
			continue;
		case 0x0f: { /* def_cfa_expression */
			uint64_t len = dwarf_cur__uleb(c);
			int thr;

			if (c->bad || len > dwarf_cur__left(c))
				return -EINVAL;
			thr = plt_expression(c->p, len);
			s->cfa = thr ? CFA_PLT : CFA_UNSUP;
			s->cfa_off = thr;
			c->p += len;
			continue;
		}
		case 0x10: /* expression */
		case 0x16: { /* val_expression */
			uint64_t len;

			reg = dwarf_cur__uleb(c);
			len = dwarf_cur__uleb(c);
			if (c->bad || len > dwarf_cur__left(c))
				return -EINVAL;
			c->p += len;
			set_reg(s, reg, RULE_OTHER, 0);
			continue;
		}
		case 0x11: /* offset_extended_sf */
			reg = dwarf_cur__uleb(c);
			off = factored((uint64_t)dwarf_cur__sleb(c), cie);
			set_reg(s, reg, RULE_OFFSET, off);
			continue;
		case 0x12: /* def_cfa_sf */
			reg = dwarf_cur__uleb(c);
			s->cfa_off = factored((uint64_t)dwarf_cur__sleb(c), cie);
			s->cfa = reg == REG_RSP ? CFA_SP : reg == REG_RBP ? CFA_FP : CFA_UNSUP;
			continue;
		case 0x13: /* def_cfa_offset_sf */
			s->cfa_off = factored((uint64_t)dwarf_cur__sleb(c), cie);
			if (s->cfa == CFA_PLT)
				s->cfa = CFA_UNSUP;
			continue;
		case 0x14: /* val_offset */
			reg = dwarf_cur__uleb(c);
			dwarf_cur__uleb(c);
			set_reg(s, reg, RULE_OTHER, 0);
			continue;
		case 0x15: /* val_offset_sf */
			reg = dwarf_cur__uleb(c);
			dwarf_cur__sleb(c);
			set_reg(s, reg, RULE_OTHER, 0);
			continue;
		case 0x2e: /* GNU_args_size */
			dwarf_cur__uleb(c);
			continue;
		case 0x2f: /* GNU_negative_offset_extended */
			reg = dwarf_cur__uleb(c);
			off = factored(0 - dwarf_cur__uleb(c), cie);
			set_reg(s, reg, RULE_OFFSET, off);
			continue;
		default:
			return -EINVAL; /* unknown opcode: its length is unknown too */
		}
		if (advance) {
			uint64_t delta = adv * cie->code_align;

			if (!b)
				return -EINVAL; /* CIE instructions do not advance */
			if (delta && *loc < end_pc) {
				ret = emit(b, *loc, s, false);
				if (ret)
					return ret;
			}
			*loc += delta;
		}
	}
	return c->bad ? -EINVAL : 0;
}

static int do_fde(const struct section *sec, struct dwarf_cur *c, uint64_t cie_off,
		  struct builder *b)
{
	struct cie cie;
	struct cfa_state init = {0}, s;
	struct dwarf_cur ci;
	uint64_t pc, range, loc;
	int ret;

	if (parse_cie(sec, cie_off, &cie))
		return -EINVAL;
	b->stats->fdes++;
	if (sec->eh) {
		pc = rd_encoded(c, cie.fde_enc, sec);
		range = rd_encoded(c, cie.fde_enc & 0x0f, sec);
	} else {
		pc = dwarf_cur__rd(c, cie.addr_size);
		range = dwarf_cur__rd(c, cie.addr_size);
	}
	if (cie.has_z) {
		uint64_t alen = dwarf_cur__uleb(c);

		if (c->bad || alen > dwarf_cur__left(c))
			return -EINVAL;
		c->p += alen;
	}
	if (c->bad)
		return -EINVAL;
	if (pc == 0 || range == 0 || pc + range < pc)
		return 0; /* a discarded function (pc 0): no rows */
	if (!sec->eh && covered_by_eh(b, pc))
		return 0;
	if (!sec->eh)
		b->stats->debug_frame_fdes++;
	/* the CIE's initial instructions set the starting rules */
	init.cfa = CFA_UNSUP;
	init.ra_rule = RULE_SAME;
	ci.p = cie.insns;
	ci.end = cie.insns_end;
	ci.bad = false;
	loc = pc;
	ret = run_insns(&ci, &cie, sec, &init, NULL, &loc, pc + range, NULL);
	if (ret)
		return ret;
	s = init;
	ret = run_insns(c, &cie, sec, &s, &init, &loc, pc + range, b);
	if (ret)
		return ret;
	if (loc < pc + range) {
		ret = emit(b, loc, &s, false);
		if (ret)
			return ret;
	}
	return emit(b, pc + range, &s, true); /* past the end: no CFI */
}

static int walk_section(const struct section *sec, struct builder *b)
{
	uint64_t off = 0;
	size_t entries = 0;
	int ret;

	/* each entry is at least 4 bytes: bounded by the section size */
	while (off + 4 <= sec->size) {
		struct dwarf_cur c = {sec->data + off, sec->data + sec->size, false};
		uint64_t len, id, start;
		bool dwarf64 = false;

		len = dwarf_cur__rd(&c, 4);
		if (len == 0) { /* terminator in .eh_frame */
			if (sec->eh)
				break;
			off += 4;
			continue;
		}
		if (len == 0xffffffffu) {
			len = dwarf_cur__rd(&c, 8);
			dwarf64 = true;
		}
		if (c.bad || len > dwarf_cur__left(&c) || len < 4)
			return -EINVAL;
		start = (uint64_t)(c.p - sec->data);
		c.end = c.p + len;
		id = dwarf_cur__rd(&c, dwarf64 ? 8 : 4);
		if (++entries > sec->size)
			return -EINVAL;
		if (sec->eh ? id != 0 : id != (dwarf64 ? ~0ULL : 0xffffffffULL)) {
			uint64_t cie_off;

			if (sec->eh) {
				/* relative to the CIE pointer field */
				if (id > start)
					return -EINVAL;
				cie_off = start - id;
			} else {
				cie_off = id;
			}
			ret = do_fde(sec, &c, cie_off, b);
			if (ret == -ENOMEM || ret == -E2BIG || ret == -ERANGE)
				return ret;
			/* one bad FDE loses its function, not the file */
		} else {
			b->stats->cies++;
		}
		off = start + len;
	}
	return 0;
}

static int row_cmp(const void *a, const void *b)
{
	const struct unwind_row *x = a, *y = b;
	int nx = x->cfa_rule != CFA_NONE, ny = y->cfa_rule != CFA_NONE;

	if (x->pc != y->pc)
		return (x->pc > y->pc) - (x->pc < y->pc);
	return (nx > ny) - (nx < ny); /* at one pc, a real rule after "none" */
}

static bool same_rule(const struct unwind_row *a, const struct unwind_row *b)
{
	return a->cfa_rule == b->cfa_rule && a->cfa_off == b->cfa_off &&
	       a->rbp_rule == b->rbp_rule && a->rbp_off == b->rbp_off;
}

/* Sort, let a function's first row win over the previous one's end marker,
 * and drop rows that repeat the rule before them. */
static void finish_rows(struct builder *b)
{
	size_t w = 0;

	bool sorted = true;

	if (b->n == 0)
		return;
	/* FDEs mostly come in address order: one pass saves the sort */
	for (size_t i = 1; i < b->n && sorted; i++)
		sorted = row_cmp(&b->rows[i - 1], &b->rows[i]) <= 0;
	if (!sorted)
		qsort(b->rows, b->n, sizeof(*b->rows), row_cmp);
	for (size_t i = 0; i < b->n; i++) {
		if (i + 1 < b->n && b->rows[i + 1].pc == b->rows[i].pc)
			continue; /* the last of equal pcs is the real one */
		if (w && same_rule(&b->rows[w - 1], &b->rows[i]))
			continue;
		b->rows[w++] = b->rows[i];
	}
	b->n = w;
}

static int get_section(Elf *elf, const char *name, size_t shstrndx, struct section *out)
{
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		const char *n;
		Elf_Data *d;

		if (!gelf_getshdr(scn, &sh) || !(n = elf_strptr(elf, shstrndx, sh.sh_name)))
			continue;
		if (strcmp(n, name))
			continue;
		if (sh.sh_type == SHT_NOBITS)
			return -ENOENT; /* stripped into a debug file */
		/* -gz: .debug_frame compressed; libelf inflates it in memory */
		if ((sh.sh_flags & SHF_COMPRESSED) && elf_compress(scn, 0, 0) < 0)
			return -EINVAL;
		d = elf_getdata(scn, NULL);
		if (!d || !d->d_buf || !d->d_size)
			return -ENOENT;
		out->data = d->d_buf;
		out->size = d->d_size;
		out->addr = sh.sh_addr;
		return 0;
	}
	return -ENOENT;
}

/*
 * Rows of Go functions from the pclntab's SP deltas (pcsp): at each pc the
 * CFA is rsp + delta + 8 and the return address is at CFA - 8. Go keeps
 * the caller's rbp at CFA - 16 once a frame is set up (the assembler adds
 * that to assembly functions with a frame too, which may then use rbp as a
 * general register; up to Go 1.20 the store follows the SUBQ that makes
 * the frame, and rbp is unchanged until it), and a frameless function
 * leaves rbp alone. The
 * outermost functions (goexit, mstart, rt0_go) end the stack; functions
 * that switch stacks (systemstack, mcall, morestack) cannot be stepped
 * through by a delta and end it too.
 */
struct go_ctx {
	struct builder *b;
	const struct section *text; /* the code, to see the prologue's rbp store */
	uint8_t flags;
	int32_t prev_delta;
};

/* Length of "MOVQ BP, disp(SP)" with disp = want at pc (Go <= 1.20's
 * prologue stores the caller's rbp one instruction after its SUBQ), or 0. */
static size_t go_rbp_store(const struct section *text, uint64_t pc, int64_t want)
{
	const uint8_t *p;
	size_t left;
	int32_t d32;

	if (!text || pc < text->addr || pc - text->addr >= text->size)
		return 0;
	p = text->data + (pc - text->addr);
	left = text->size - (pc - text->addr);
	if (left >= 5 && !memcmp(p, "\x48\x89\x6c\x24", 4) && (int8_t)p[4] == want)
		return 5;
	if (left >= 8 && !memcmp(p, "\x48\x89\xac\x24", 4)) {
		memcpy(&d32, p + 4, 4);
		if (d32 == want)
			return 8;
	}
	return 0;
}

static int go_run(void *ctx, uint64_t start, uint64_t end, int32_t delta)
{
	struct go_ctx *g = ctx;
	struct cfa_state s = {.cfa = CFA_SP, .ra_rule = RULE_OFFSET, .ra_off = -8};
	int32_t prev = g->prev_delta;
	int ret;

	g->prev_delta = delta;
	if (g->flags & (GOPCLNTAB_FLAG_TOPFRAME | GOPCLNTAB_FLAG_SPWRITE))
		s.ra_rule = RULE_UNDEF;
	if (delta < 0 || delta % 8) {
		s.cfa = CFA_UNSUP;
		return emit(g->b, start, &s, false);
	}
	s.cfa_off = (int64_t)delta + 8;
	s.rbp_rule = delta ? RULE_OFFSET : RULE_SAME;
	s.rbp_off = -16;
	if (delta >= 16 && prev == 0) {
		/* the frame was just made: rbp is still the caller's until stored */
		size_t len = go_rbp_store(g->text, start, delta - 8);

		if (len && start + len < end) {
			s.rbp_rule = RULE_SAME;
			ret = emit(g->b, start, &s, false);
			if (ret)
				return ret;
			s.rbp_rule = RULE_OFFSET;
			start += len;
		}
	}
	return emit(g->b, start, &s, false);
}

/* Rows for the functions of g that rows[0, b->eh_rows) do not cover. */
static int add_go_rows(struct builder *b, const struct gopclntab *g, const struct section *text)
{
	size_t n = gopclntab__nfuncs(g);
	int ret;

	for (size_t i = 0; i < n; i++) {
		struct gopclntab_func f;
		struct go_ctx ctx = {.b = b, .text = text};
		size_t before = b->n;

		if (gopclntab__func(g, i, &f) || f.entry >= f.end) {
			b->stats->go_bad_funcs++;
			continue;
		}
		if (covered_by_eh(b, f.entry))
			continue;
		ctx.flags = f.flags;
		ret = gopclntab__sp_runs(g, i, go_run, &ctx);
		if (ret == -ENOMEM || ret == -E2BIG || ret == -ERANGE)
			return ret;
		if (ret) { /* a bad table: none of its rows */
			b->n = before;
			b->stats->go_bad_funcs++;
			continue;
		}
		b->stats->go_funcs++;
		ret = emit(b, f.end, NULL, true);
		if (ret)
			return ret;
	}
	return 0;
}

/* The bytes of the executable section holding vaddr, read in place from
 * the file's image (elf_getdata would copy all of .text); without section
 * headers, of the executable segment. */
static int code_at(Elf *elf, uint64_t vaddr, struct section *out)
{
	Elf_Scn *scn = NULL;
	size_t fsize = 0;
	const char *raw = elf_rawfile(elf, &fsize);

	if (!raw)
		return -ENOENT;
	if (!elf_nextscn(elf, NULL)) {
		struct elf_segment segs[ELF_SEGMENT_MAX];
		size_t n = elf_segment__load(elf, segs, ELF_SEGMENT_MAX);
		const struct elf_segment *x = elf_segment__at(segs, n, vaddr, PF_X, 0);

		if (!x)
			return -ENOENT;
		out->data = x->data;
		out->size = x->size;
		out->addr = x->vaddr;
		return 0;
	}
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_PROGBITS ||
		    !(sh.sh_flags & SHF_EXECINSTR) || vaddr < sh.sh_addr ||
		    vaddr - sh.sh_addr >= sh.sh_size)
			continue;
		if (sh.sh_offset > fsize || sh.sh_size > fsize - sh.sh_offset)
			return -EINVAL;
		out->data = (const uint8_t *)raw + sh.sh_offset;
		out->size = sh.sh_size;
		out->addr = sh.sh_addr;
		return 0;
	}
	return -ENOENT;
}

/* Rows from the file's .gopclntab after the CFI's: 1 when it has one, 0
 * when not, or -errno (a table too big for the rows). */
static int go_rows(Elf *elf, struct builder *b)
{
	struct gopclntab *g = NULL;
	struct gopclntab_func f0;
	struct section text = {0};
	bool have_text;
	int ret;

	if (gopclntab__open_elf(elf, &g, NULL, 0))
		return 0;
	have_text = !gopclntab__func(g, 0, &f0) && !code_at(elf, f0.entry, &text);
	b->eh_rows = b->n;
	ret = add_go_rows(b, g, have_text ? &text : NULL);
	gopclntab__free(g);
	if (ret)
		return ret;
	finish_rows(b);
	return 1;
}

static int build_elf(Elf *elf, struct unwind_table **out, char *err, size_t errlen)
{
	struct unwind_table *t = NULL;
	struct builder b = {0};
	size_t shstrndx, nph;
	GElf_Ehdr eh;
	int ret, found = 0;

	*out = NULL;
	if (elf_kind(elf) != ELF_K_ELF || !gelf_getehdr(elf, &eh)) {
		errbuf__set(err, errlen, "not an ELF file");
		return -EINVAL;
	}
	if (eh.e_machine != EM_X86_64 || eh.e_ident[EI_CLASS] != ELFCLASS64) {
		errbuf__set(err, errlen, "not an x86-64 ELF file");
		return -ENOTSUP;
	}
	if (elf_getshdrstrndx(elf, &shstrndx) || elf_getphdrnum(elf, &nph)) {
		errbuf__set(err, errlen, "bad ELF headers");
		return -EINVAL;
	}
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	for (size_t i = 0; i < nph && t->nsegs < UNWIND_MAX_SEGMENTS; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_LOAD || !(ph.p_flags & PF_X))
			continue;
		t->segs[t->nsegs].vaddr = ph.p_vaddr;
		t->segs[t->nsegs].offset = ph.p_offset;
		t->segs[t->nsegs].filesz = ph.p_filesz;
		t->nsegs++;
	}
	b.stats = &t->stats;
	/* .eh_frame first; then the functions only .debug_frame describes
	 * (built with -fno-asynchronous-unwind-tables -g, the C runtime's own
	 * .eh_frame covering just _start) */
	for (int pass = 0; pass < 2; pass++) {
		struct section sec = {0};

		sec.eh = pass == 0;
		if (get_section(elf, sec.eh ? ".eh_frame" : ".debug_frame", shstrndx, &sec))
			continue;
		found++;
		b.eh_rows = b.n;
		ret = walk_section(&sec, &b);
		if (ret) {
			errbuf__set(err, errlen, "%s: %s", sec.eh ? ".eh_frame" : ".debug_frame",
			       ret == -E2BIG	? "too many rows"
			       : ret == -ERANGE ? "addresses above 4 GiB"
						: strerror(-ret));
			goto fail;
		}
		finish_rows(&b);
	}
	/* Go code without CFI: stripped Go binaries have none at all, a cgo
	 * binary has it for its C code only */
	ret = go_rows(elf, &b);
	if (ret < 0) {
		errbuf__set(err, errlen, ".gopclntab: %s",
			    ret == -E2BIG    ? "too many rows"
			    : ret == -ERANGE ? "addresses above 4 GiB"
					     : strerror(-ret));
		goto fail;
	}
	found += ret;
	if (!found) {
		ret = -ENOENT;
		errbuf__set(err, errlen, "no .eh_frame, .debug_frame or .gopclntab");
		goto fail;
	}
	if (b.n == 0) {
		ret = -ENOENT;
		errbuf__set(err, errlen, "no usable CFI");
		goto fail;
	}
	t->rows = b.rows;
	t->nrows = b.n;
	*out = t;
	return 0;
fail:
	free(b.rows);
	free(t);
	return ret;
}

int unwind_table__build_fd(int fd, struct unwind_table **out, char *err, size_t errlen)
{
	Elf *elf;
	int ret;

	*out = NULL;
	elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf) {
		errbuf__set(err, errlen, "read ELF: %s", elf_errmsg(-1));
		return -EINVAL;
	}
	ret = build_elf(elf, out, err, errlen);
	elf_end(elf);
	return ret;
}

int unwind_table__build_mem(const void *image, size_t size, struct unwind_table **out, char *err,
			    size_t errlen)
{
	Elf *elf;
	int ret;

	*out = NULL;
	elf_version(EV_CURRENT);
	elf = elf_memory((char *)image, size);
	if (!elf) {
		errbuf__set(err, errlen, "read ELF image: %s", elf_errmsg(-1));
		return -EINVAL;
	}
	ret = build_elf(elf, out, err, errlen);
	elf_end(elf);
	return ret;
}

void unwind_table__free(struct unwind_table *t)
{
	if (!t)
		return;
	free(t->rows);
	free(t);
}

const struct unwind_row *unwind_table__find(const struct unwind_table *t, uint64_t vaddr)
{
	size_t lo = row_upper(t->rows, t->nrows, vaddr);

	return lo ? &t->rows[lo - 1] : NULL;
}

int unwind_table__bias(const struct unwind_table *t, uint64_t start, uint64_t pgoff,
		       uint64_t *bias)
{
	for (int i = 0; i < t->nsegs; i++) {
		const struct unwind_segment *s = &t->segs[i];
		uint64_t seg_page = s->offset & ~0xfffULL;

		if (pgoff >= seg_page && pgoff < s->offset + s->filesz) {
			/* the mapping's first byte is file offset pgoff */
			*bias = start - (s->vaddr - (s->offset - pgoff));
			return 0;
		}
	}
	return -ENOENT;
}

size_t unwind_table__bpf_bytes(const struct unwind_table *t)
{
	return t->nrows * sizeof(struct unwind_row);
}

/* From the PT_NOTE segments: what the loader maps, there even when the
 * section headers are stripped. */
int unwind_table__build_id(int fd, uint8_t *out, size_t max)
{
	Elf *elf;
	int ret;

	elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf)
		return -EINVAL;
	ret = elf_note__build_id(elf, ELF_NOTE_SEGMENTS, out, max);
	elf_end(elf);
	return ret;
}
