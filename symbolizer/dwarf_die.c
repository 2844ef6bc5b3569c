// SPDX-License-Identifier: MIT
/*
 * dwarf_die.c - functions and inlined calls of one compile unit, read from
 * .debug_info and .debug_abbrev without libdw. Every read is checked against
 * its section; the walk is linear over the unit's bytes, so it ends.
 */
#include "symbolizer/dwarf_die.h"
#include "common/array.h"
#include "symbolizer/dwarf_cur.h"

#include <dwarf.h> /* constants only: no libdw needed */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define NONE UINT32_MAX
#define MAX_ABBREV_CODE 65536
#define MAX_SPECS (1u << 20)
#define CHAIN 8 /* abstract origin / specification hops, as libdw */
#define MAX_RANGES 65536 /* per DIE */

struct spec {
	uint32_t at, form;
	int64_t implicit;
	int32_t size; /* form_size(): bytes when fixed, else -1 */
};

struct abbrev {
	uint32_t tag, first, n; /* specs [first, first + n) */
	uint8_t children, used;
	int32_t fixed; /* bytes of all attributes when every form has a fixed size, else -1 */
	int32_t sibling; /* index of DW_AT_sibling among the specs (ref4 only), else -1 */
};

#define NAME_CACHE 1024

/* Names resolved through a reference, by the referenced DIE's offset. */
struct name_cache {
	uint64_t key;
	const char *name;
};

struct unit {
	struct name_cache names[NAME_CACHE];
	const struct dwarf_die_sections *s;
	const struct dwarf_die_unit *u;
	const uint8_t *start, *end; /* the unit's bytes in .debug_info */
	struct abbrev *abbrevs;
	size_t nabbrevs; /* slots, used or not: the table is indexed by code */
	struct spec *specs;
	size_t nspecs, scap;
	uint64_t (*ranges)[2];
	size_t nranges, rcap;
};

static const char *str_at(const uint8_t *sec, size_t size, uint64_t off)
{
	if (!sec || off >= size || !memchr(sec + off, '\0', size - off))
		return NULL;
	return (const char *)sec + off;
}

/* Bytes of a form's value when fixed for this unit, else -1. */
static int form_size(uint32_t form, const struct dwarf_die_unit *u)
{
	switch (form) {
	case DW_FORM_flag_present: case DW_FORM_implicit_const: return 0;
	case DW_FORM_data1: case DW_FORM_ref1: case DW_FORM_flag: case DW_FORM_strx1: case DW_FORM_addrx1:
		return 1;
	case DW_FORM_data2: case DW_FORM_ref2: case DW_FORM_strx2: case DW_FORM_addrx2: return 2;
	case DW_FORM_strx3: case DW_FORM_addrx3: return 3;
	case DW_FORM_data4: case DW_FORM_ref4: case DW_FORM_ref_sup4: case DW_FORM_strx4: case DW_FORM_addrx4:
		return 4;
	case DW_FORM_data8: case DW_FORM_ref8: case DW_FORM_ref_sig8: case DW_FORM_ref_sup8: return 8;
	case DW_FORM_data16: return 16;
	case DW_FORM_addr: return (int)u->address_size;
	case DW_FORM_strp: case DW_FORM_line_strp: case DW_FORM_sec_offset: case DW_FORM_strp_sup:
	case DW_FORM_GNU_ref_alt: case DW_FORM_GNU_strp_alt:
		return (int)u->offset_size;
	case DW_FORM_ref_addr: return (int)(u->version <= 2 ? u->address_size : u->offset_size);
	default: return -1;
	}
}

/* The slot of abbrev code (< MAX_ABBREV_CODE), the table grown to hold it. */
static int abbrev_slot(struct unit *w, uint64_t code, struct abbrev **a)
{
	size_t old = w->nabbrevs;

	if (array__grow((void **)&w->abbrevs, &w->nabbrevs, code + 1, sizeof(*w->abbrevs)))
		return -ENOMEM;
	if (w->nabbrevs > old)
		memset(w->abbrevs + old, 0, (w->nabbrevs - old) * sizeof(*w->abbrevs));
	*a = &w->abbrevs[code];
	if ((*a)->used)
		return -EINVAL; /* libdw keeps the first: do not guess */
	return 0;
}

/* An abbrev's (attribute, form) pairs up to its (0, 0), appended to specs. */
static int read_specs(struct unit *w, struct dwarf_cur *c, struct abbrev *a)
{
	a->first = (uint32_t)w->nspecs;
	for (;;) {
		uint64_t at = dwarf_cur__uleb(c), form = dwarf_cur__uleb(c);
		int64_t imp = 0;

		if (c->bad)
			return -EINVAL;
		if (at == 0 && form == 0)
			break;
		if (form == DW_FORM_implicit_const)
			imp = dwarf_cur__sleb(c);
		if (at > UINT32_MAX || form > UINT32_MAX || w->nspecs >= MAX_SPECS)
			return -EINVAL;
		if (array__grow((void **)&w->specs, &w->scap, w->nspecs + 1, sizeof(*w->specs)))
			return -ENOMEM;
		w->specs[w->nspecs++] = (struct spec){(uint32_t)at, (uint32_t)form, imp, -1};
	}
	a->n = (uint32_t)(w->nspecs - a->first);
	return 0;
}

/* Each spec's fixed size, the abbrev's (when all are fixed) and where a
 * DW_AT_sibling ref4 sits inside its DIEs. */
static void measure_abbrev(struct unit *w, struct abbrev *a)
{
	a->fixed = 0;
	a->sibling = -1;
	for (uint32_t i = 0; i < a->n; i++) {
		struct spec *sp = &w->specs[a->first + i];
		int sz = form_size(sp->form, w->u);

		sp->size = sz;
		if (sp->at == DW_AT_sibling && sp->form == DW_FORM_ref4 && a->fixed >= 0)
			a->sibling = a->fixed; /* its byte offset inside the DIE */
		if (sz < 0 || a->fixed < 0)
			a->fixed = -1;
		else
			a->fixed += sz;
	}
}

/* The unit's abbrev table, by code, until the code 0 that ends it. */
static int read_abbrevs(struct unit *w)
{
	const struct dwarf_die_sections *s = w->s;
	struct dwarf_cur c;

	if (!s->abbrev || w->u->abbrev_off >= s->abbrev_size)
		return -EINVAL;
	c = (struct dwarf_cur){s->abbrev + w->u->abbrev_off, s->abbrev + s->abbrev_size, false};
	for (;;) {
		uint64_t code = dwarf_cur__uleb(&c), tag;
		struct abbrev *a;
		int ret;

		if (c.bad)
			return -EINVAL;
		if (code == 0)
			return 0;
		if (code >= MAX_ABBREV_CODE)
			return -EINVAL;
		ret = abbrev_slot(w, code, &a);
		if (ret)
			return ret;
		tag = dwarf_cur__uleb(&c);
		a->used = 1;
		a->tag = (uint32_t)tag;
		a->children = (uint8_t)dwarf_cur__rd(&c, 1);
		if (c.bad || tag > UINT32_MAX)
			return -EINVAL;
		ret = read_specs(w, &c, a);
		if (ret)
			return ret;
		measure_abbrev(w, a);
	}
}

/* What we keep of one DIE. */
struct die {
	uint32_t tag;
	uint8_t children;
	uint64_t sibling; /* DW_AT_sibling as a .debug_info offset, UINT64_MAX none */
	const char *name, *linkage, *mips; /* NULL when absent */
	bool has_name, has_linkage, has_mips; /* present (string or not) */
	uint64_t origin, spec; /* absolute .debug_info offsets, UINT64_MAX none */
	bool has_low, has_high, high_is_addr, has_ranges, has_call_file, has_call_line;
	uint64_t low, high, ranges, call_file, call_line;
};

/* A form's value: v for constants/addresses/offsets, s for strings. */
static int read_value(struct unit *w, struct dwarf_cur *c, uint32_t form, int64_t implicit,
		      uint64_t *v, const char **s, int *cls)
{
	const struct dwarf_die_unit *u = w->u;
	unsigned os = u->offset_size;
	uint64_t n;

	*s = NULL;
	*v = 0;
	*cls = 0; /* 0 other, 1 constant, 2 address, 3 string, 4 unit ref, 5 offset */
	switch (form) {
	case DW_FORM_addr: *v = dwarf_cur__rd(c, u->address_size); *cls = 2; break;
	case DW_FORM_data1: *v = dwarf_cur__rd(c, 1); *cls = 1; break;
	case DW_FORM_data2: *v = dwarf_cur__rd(c, 2); *cls = 1; break;
	case DW_FORM_data4: *v = dwarf_cur__rd(c, 4); *cls = 1; break;
	case DW_FORM_data8: *v = dwarf_cur__rd(c, 8); *cls = 1; break;
	case DW_FORM_udata: *v = dwarf_cur__uleb(c); *cls = 1; break;
	case DW_FORM_sdata: *v = (uint64_t)dwarf_cur__sleb(c); *cls = 6; break;
	case DW_FORM_implicit_const: *v = (uint64_t)implicit; *cls = 6; break;
	case DW_FORM_data16: dwarf_cur__rd(c, 8); dwarf_cur__rd(c, 8); break;
	case DW_FORM_flag: dwarf_cur__rd(c, 1); break;
	case DW_FORM_flag_present: break;
	case DW_FORM_ref1: *v = dwarf_cur__rd(c, 1); *cls = 4; break;
	case DW_FORM_ref2: *v = dwarf_cur__rd(c, 2); *cls = 4; break;
	case DW_FORM_ref4: *v = dwarf_cur__rd(c, 4); *cls = 4; break;
	case DW_FORM_ref8: *v = dwarf_cur__rd(c, 8); *cls = 4; break;
	case DW_FORM_ref_udata: *v = dwarf_cur__uleb(c); *cls = 4; break;
	case DW_FORM_ref_addr: *v = dwarf_cur__rd(c, u->version <= 2 ? u->address_size : os); *cls = 7; break;
	case DW_FORM_ref_sig8: dwarf_cur__rd(c, 8); *cls = 8; break;
	case DW_FORM_ref_sup4: dwarf_cur__rd(c, 4); *cls = 8; break;
	case DW_FORM_ref_sup8: dwarf_cur__rd(c, 8); *cls = 8; break;
	case DW_FORM_GNU_ref_alt: dwarf_cur__rd(c, os); *cls = 8; break;
	case DW_FORM_sec_offset: *v = dwarf_cur__rd(c, os); *cls = 5; break;
	case DW_FORM_string:
		*s = c->p < c->end && memchr(c->p, '\0', (size_t)(c->end - c->p))
			     ? (const char *)c->p
			     : NULL;
		if (!*s)
			return -EINVAL;
		c->p += strlen(*s) + 1;
		*cls = 3;
		break;
	case DW_FORM_strp:
	case DW_FORM_line_strp:
		n = dwarf_cur__rd(c, os);
		if (c->bad)
			return -EINVAL;
		*s = form == DW_FORM_strp ? str_at(w->s->str, w->s->str_size, n)
				       : str_at(w->s->line_str, w->s->line_str_size, n);
		*cls = *s ? 3 : 8;
		break;
	case DW_FORM_strx: case DW_FORM_addrx: case DW_FORM_loclistx: case DW_FORM_rnglistx:
	case DW_FORM_GNU_addr_index: case DW_FORM_GNU_str_index:
		dwarf_cur__uleb(c); *cls = 8; break;
	case DW_FORM_strx1: case DW_FORM_addrx1: dwarf_cur__rd(c, 1); *cls = 8; break;
	case DW_FORM_strx2: case DW_FORM_addrx2: dwarf_cur__rd(c, 2); *cls = 8; break;
	case DW_FORM_strx3: case DW_FORM_addrx3: dwarf_cur__rd(c, 3); *cls = 8; break;
	case DW_FORM_strx4: case DW_FORM_addrx4: dwarf_cur__rd(c, 4); *cls = 8; break;
	case DW_FORM_strp_sup: case DW_FORM_GNU_strp_alt: dwarf_cur__rd(c, os); *cls = 8; break;
	case DW_FORM_block: case DW_FORM_block1: case DW_FORM_block2: case DW_FORM_block4:
	case DW_FORM_exprloc:
		n = form == DW_FORM_block1 ? dwarf_cur__rd(c, 1) : form == DW_FORM_block2 ? dwarf_cur__rd(c, 2)
				: form == DW_FORM_block4 ? dwarf_cur__rd(c, 4) : dwarf_cur__uleb(c);
		if (c->bad || n > (size_t)(c->end - c->p))
			return -EINVAL;
		c->p += n;
		break;
	default:
		return -EINVAL; /* DW_FORM_indirect and unknown forms */
	}
	return c->bad ? -EINVAL : 0;
}

/* The abbrev of the DIE whose code is at c: NULL for a code 0. */
static inline int die_abbrev(const struct unit *w, struct dwarf_cur *c, const struct abbrev **a)
{
	uint64_t code = dwarf_cur__uleb(c);

	*a = NULL;
	if (c->bad)
		return -EINVAL;
	if (code == 0)
		return 0;
	if (code >= w->nabbrevs || !w->abbrevs[code].used)
		return -EINVAL;
	*a = &w->abbrevs[code];
	return 0;
}

/* DW_AT_sibling of a DIE whose attributes start at p, read at its fixed
 * place, as a .debug_info offset; UINT64_MAX when the abbrev has none. */
static inline uint64_t die_sibling(const struct unit *w, const struct abbrev *a,
				   const struct dwarf_cur *c)
{
	const uint8_t *q;

	if (a->sibling < 0 || (size_t)(c->end - c->p) < (size_t)a->sibling + 4)
		return UINT64_MAX;
	q = c->p + a->sibling;
	return (uint64_t)(w->start - w->s->info) +
	       ((uint32_t)q[0] | (uint32_t)q[1] << 8 | (uint32_t)q[2] << 16 | (uint32_t)q[3] << 24);
}

/* Step c over a DIE's attribute values: fixed sizes at once. */
static inline int skip_attrs(struct unit *w, const struct abbrev *a, struct dwarf_cur *c)
{
	if (a->fixed >= 0) { /* nothing to read */
		if ((size_t)(c->end - c->p) < (size_t)a->fixed)
			return -EINVAL;
		c->p += a->fixed;
		return 0;
	}
	for (uint32_t i = 0; i < a->n; i++) {
		const struct spec *sp = &w->specs[a->first + i];
		uint64_t v;
		const char *str;
		int cls, ret;

		if (sp->size >= 0) {
			if ((size_t)(c->end - c->p) < (size_t)sp->size)
				return -EINVAL;
			c->p += sp->size;
			continue;
		}
		ret = read_value(w, c, sp->form, sp->implicit, &v, &str, &cls);
		if (ret)
			return ret;
	}
	return 0;
}

/* Keep one attribute's value (v, s of class cls, as read_value gives
 * them) in d if it is one we use. */
static inline int keep_attr(const struct unit *w, const struct spec *sp, uint64_t v,
			    const char *s, int cls, struct die *d)
{
	switch (sp->at) {
	case DW_AT_name:
	case DW_AT_linkage_name:
	case DW_AT_MIPS_linkage_name:
		if (cls != 3)
			return -EINVAL; /* a name libdw may read and we cannot */
		if (sp->at == DW_AT_name)
			d->name = s, d->has_name = true;
		else if (sp->at == DW_AT_linkage_name)
			d->linkage = s, d->has_linkage = true;
		else
			d->mips = s, d->has_mips = true;
		break;
	case DW_AT_abstract_origin:
	case DW_AT_specification:
		if (cls != 4 && cls != 7)
			return -EINVAL;
		if (cls == 4)
			v += (uint64_t)(w->start - w->s->info);
		if (v < (uint64_t)(w->start - w->s->info) || v >= (uint64_t)(w->end - w->s->info))
			return -EINVAL; /* another unit: leave it to libdw */
		if (sp->at == DW_AT_abstract_origin)
			d->origin = v;
		else
			d->spec = v;
		break;
	case DW_AT_low_pc:
		if (cls != 2)
			return -EINVAL;
		d->has_low = true;
		d->low = v;
		break;
	case DW_AT_high_pc:
		if (cls != 2 && cls != 1)
			return -EINVAL;
		d->has_high = true;
		d->high_is_addr = cls == 2;
		d->high = v;
		break;
	case DW_AT_ranges:
		if (cls != 5 && !(cls == 1 && w->u->version < 4 &&
				  (sp->form == DW_FORM_data4 || sp->form == DW_FORM_data8)))
			return -EINVAL;
		d->has_ranges = true;
		d->ranges = v;
		break;
	case DW_AT_call_file:
	case DW_AT_call_line:
		if (cls != 1 && cls != 6)
			return -EINVAL;
		if (sp->at == DW_AT_call_file)
			d->has_call_file = true, d->call_file = v;
		else
			d->has_call_line = true, d->call_line = v;
		break;
	default:
		break;
	}
	return 0;
}

/* Read a DIE's attribute values into d (its other fields already set). */
static inline int read_attrs(struct unit *w, const struct abbrev *a, struct dwarf_cur *c,
			     struct die *d)
{
	for (uint32_t i = 0; i < a->n; i++) {
		const struct spec *sp = &w->specs[a->first + i];
		uint64_t v;
		const char *s;
		int cls, ret = read_value(w, c, sp->form, sp->implicit, &v, &s, &cls);

		if (ret)
			return ret;
		ret = keep_attr(w, sp, v, s, cls, d);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * Parse the DIE at p (abbrev code first) into d (when want, else only skip
 * its attributes); *next is the byte after it. A code 0 gives tag 0.
 */
static int parse_die(struct unit *w, const uint8_t *p, struct die *d, bool want,
		     const uint8_t **next)
{
	struct dwarf_cur c = {p, w->end, false};
	const struct abbrev *a;
	uint64_t sibling;
	int ret = die_abbrev(w, &c, &a);

	if (ret)
		return ret;
	d->tag = 0;
	d->children = 0;
	if (!a) {
		*next = c.p;
		return 0;
	}
	sibling = die_sibling(w, a, &c);
	if (want) {
		memset(d, 0, sizeof(*d));
		d->origin = d->spec = UINT64_MAX;
	}
	d->tag = a->tag;
	d->children = a->children;
	d->sibling = sibling;
	ret = want ? read_attrs(w, a, &c, d) : skip_attrs(w, a, &c);
	if (ret)
		return ret;
	*next = c.p;
	return 0;
}

/*
 * The name libdw's rules give d (dwarf_index.c's die_name): the linkage
 * name, else the MIPS linkage name, else the name, each looked for on the
 * DIE and then through its abstract origin or specification, up to CHAIN
 * hops (dwarf_attr_integrate). One pass over the chain finds all three.
 */
static int die_name(struct unit *w, const struct die *d0, const char **name)
{
	const char *found[3] = {NULL, NULL, NULL};
	bool has[3] = {false, false, false};
	struct die d = *d0;
	const uint8_t *next;
	uint64_t key = UINT64_MAX;
	struct name_cache *nc = NULL;

	*name = NULL;
	/* a DIE naming nothing itself (an inlined call) is named by its chain */
	if (!d.has_linkage && !d.has_mips && !d.has_name) {
		key = d.origin != UINT64_MAX ? d.origin : d.spec;
		if (key == UINT64_MAX)
			return 0;
		nc = &w->names[key % NAME_CACHE];
		if (nc->key == key) {
			*name = nc->name;
			return 0;
		}
	}
	for (int hop = 0;; hop++) {
		const char *v[3] = {d.linkage, d.mips, d.name};
		bool h[3] = {d.has_linkage, d.has_mips, d.has_name};
		uint64_t ref;

		for (int i = 0; i < 3; i++)
			if (!has[i] && h[i]) {
				has[i] = true;
				found[i] = v[i];
			}
		if (has[0])
			break; /* nothing further down can change the answer */
		ref = d.origin != UINT64_MAX ? d.origin : d.spec;
		if (ref == UINT64_MAX || hop == CHAIN)
			break;
		if (parse_die(w, w->s->info + ref, &d, true, &next) || d.tag == 0)
			return -EINVAL;
	}
	if (has[0] || has[1])
		*name = has[0] ? found[0] : found[1];
	else
		*name = found[2];
	if (nc) {
		nc->key = key;
		nc->name = *name;
	}
	return 0;
}

static int push_range(struct unit *w, uint64_t lo, uint64_t hi)
{
	if (w->nranges >= MAX_RANGES)
		return -EINVAL;
	if (array__grow((void **)&w->ranges, &w->rcap, w->nranges + 1, sizeof(*w->ranges)))
		return -ENOMEM;
	w->ranges[w->nranges][0] = lo;
	w->ranges[w->nranges][1] = hi;
	w->nranges++;
	return 0;
}

/* The DIE's code ranges as dwarf_ranges gives them. */
static int die_ranges(struct unit *w, const struct die *d)
{
	const struct dwarf_die_unit *u = w->u;
	uint64_t amax = u->address_size == 8 ? UINT64_MAX : UINT32_MAX;
	uint64_t base = u->base;
	struct dwarf_cur c;

	w->nranges = 0;
	if (d->has_low && d->has_high)
		return push_range(w, d->low, d->high_is_addr ? d->high : d->low + d->high);
	if (!d->has_ranges)
		return 0;
	if (u->version < 5) {
		if (!w->s->ranges || d->ranges >= w->s->ranges_size)
			return -EINVAL;
		c = (struct dwarf_cur){w->s->ranges + d->ranges, w->s->ranges + w->s->ranges_size, false};
		for (;;) {
			uint64_t b = dwarf_cur__rd(&c, u->address_size), e = dwarf_cur__rd(&c, u->address_size);
			int ret;

			if (c.bad)
				return -EINVAL;
			if (b == 0 && e == 0)
				return 0;
			if (b == amax) {
				base = e;
				continue;
			}
			ret = push_range(w, base + b, base + e);
			if (ret)
				return ret;
		}
	}
	if (!w->s->rnglists || d->ranges >= w->s->rnglists_size)
		return -EINVAL;
	c = (struct dwarf_cur){w->s->rnglists + d->ranges, w->s->rnglists + w->s->rnglists_size, false};
	for (;;) {
		unsigned kind = (unsigned)dwarf_cur__rd(&c, 1);
		uint64_t a, b;
		int ret = 0;

		if (c.bad)
			return -EINVAL;
		switch (kind) {
		case 0: /* end_of_list */
			return 0;
		case 4: /* offset_pair */
			a = dwarf_cur__uleb(&c);
			b = dwarf_cur__uleb(&c);
			ret = push_range(w, base + a, base + b);
			break;
		case 5: /* base_address */
			base = dwarf_cur__rd(&c, u->address_size);
			break;
		case 6: /* start_end */
			a = dwarf_cur__rd(&c, u->address_size);
			b = dwarf_cur__rd(&c, u->address_size);
			ret = push_range(w, a, b);
			break;
		case 7: /* start_length */
			a = dwarf_cur__rd(&c, u->address_size);
			b = dwarf_cur__uleb(&c);
			ret = push_range(w, a, a + b);
			break;
		default: /* the x forms need .debug_addr */
			return -EINVAL;
		}
		if (c.bad)
			return -EINVAL;
		if (ret)
			return ret;
	}
}

/* The unit's bytes in .debug_info, from its header before u->die_off. */
static int find_unit(struct unit *w)
{
	const struct dwarf_die_sections *s = w->s;
	const struct dwarf_die_unit *u = w->u;
	struct dwarf_cur c;
	size_t hdr;
	uint64_t len;

	if (!s->info || (u->offset_size != 4 && u->offset_size != 8) ||
	    (u->address_size != 4 && u->address_size != 8) || u->version < 2 || u->version > 5)
		return -EINVAL;
	hdr = (u->offset_size == 8 ? 12 : 4) + 2 + u->offset_size + 1 + (u->version >= 5);
	if (u->die_off < hdr || u->die_off >= s->info_size)
		return -EINVAL;
	c = (struct dwarf_cur){s->info + u->die_off - hdr, s->info + s->info_size, false};
	len = dwarf_cur__rd(&c, 4);
	if ((len == 0xffffffff) != (u->offset_size == 8))
		return -EINVAL;
	if (len == 0xffffffff)
		len = dwarf_cur__rd(&c, 8);
	if (c.bad || len > (size_t)(c.end - c.p) || dwarf_cur__rd(&c, 2) != u->version)
		return -EINVAL;
	w->start = s->info + u->die_off - hdr;
	w->end = c.p - 2 + len;
	if (w->end < s->info + u->die_off)
		return -EINVAL;
	return 0;
}

/* Whether the DIE at p is a function or an inlined call (whose attributes
 * the walk reads; it only steps over the others'). */
static inline int is_scope_die(const struct unit *w, const uint8_t *p, bool *yes)
{
	struct dwarf_cur c = {p, w->end, false};
	const struct abbrev *a;

	if (die_abbrev(w, &c, &a) || !a)
		return -EINVAL; /* a code 0 spelt in more than one byte included */
	*yes = a->tag == DW_TAG_subprogram || a->tag == DW_TAG_inlined_subroutine;
	return 0;
}

/* Step *p over the children of the DIE just read, to the 0 that ends them. */
static int skip_children(struct unit *w, const uint8_t **p)
{
	struct die d;

	for (size_t open = 1; open;) {
		int ret;

		if (*p >= w->end)
			return -EINVAL; /* the unit ends inside its tree: let libdw decide */
		ret = parse_die(w, *p, &d, false, p);
		if (ret)
			return ret;
		if (d.tag == 0)
			open--;
		else if (d.children)
			open++;
	}
	return 0;
}

/* Hand a function or inlined call to add(); *scope gets its index. */
static int add_scope(struct unit *w, const struct die *d, unsigned depth, uint32_t parent,
		     int (*add)(void *ctx, const struct dwarf_die_scope *sc, uint32_t *idx),
		     void *ctx, uint32_t *scope)
{
	struct dwarf_die_scope sc = {0};
	int ret = die_ranges(w, d);

	if (ret)
		return ret;
	sc.ranges = (const uint64_t(*)[2])w->ranges;
	sc.nranges = w->nranges;
	if (w->nranges) {
		ret = die_name(w, d, &sc.name);
		if (ret)
			return ret;
	}
	sc.depth = depth;
	sc.parent = parent;
	sc.inlined = d->tag == DW_TAG_inlined_subroutine;
	sc.has_call_file = d->has_call_file;
	sc.has_call_line = d->has_call_line;
	sc.call_file = d->call_file;
	sc.call_line = d->call_line;
	return add(ctx, &sc, scope);
}

/*
 * One DIE of the walk, inside the given scope: a function or an inlined call
 * goes to add() and *scope becomes its own; *descend says whether the walk
 * enters its children.
 */
static int visit_die(struct unit *w, const struct die *d, unsigned depth,
		     int (*add)(void *ctx, const struct dwarf_die_scope *sc, uint32_t *idx),
		     void *ctx, uint32_t *scope, bool *descend)
{
	uint32_t parent;
	int ret;

	*descend = false;
	switch (d->tag) {
	case DW_TAG_subprogram:
	case DW_TAG_inlined_subroutine:
		parent = d->tag == DW_TAG_subprogram ? NONE : *scope;
		if (d->tag == DW_TAG_inlined_subroutine && *scope == NONE)
			return 0; /* a call outside any function */
		ret = add_scope(w, d, depth, parent, add, ctx, scope);
		if (ret)
			return ret;
		*descend = *scope != NONE;
		return 0;
	default:
		*descend = dwarf_die__enters(d->tag, *scope != NONE);
		return 0;
	}
}

int dwarf_die__walk(const struct dwarf_die_sections *s, const struct dwarf_die_unit *u,
		    size_t max_dies, unsigned max_depth,
		    int (*add)(void *ctx, const struct dwarf_die_scope *sc, uint32_t *idx),
		    void *ctx)
{
	struct unit w = {.s = s, .u = u};
	uint32_t *scope_at = NULL; /* enclosing scope per depth */
	const uint8_t *p;
	struct die d;
	size_t visited = 0;
	unsigned depth = 0;
	int ret = -EINVAL;

	if (max_depth == 0)
		return -EINVAL;
	ret = find_unit(&w);
	if (ret)
		return ret;
	for (int i = 0; i < NAME_CACHE; i++)
		w.names[i].key = UINT64_MAX;
	ret = read_abbrevs(&w);
	if (ret)
		goto cleanup;
	ret = -ENOMEM;
	scope_at = malloc(max_depth * sizeof(*scope_at));
	if (!scope_at)
		goto cleanup;
	ret = -EINVAL;
	if (parse_die(&w, s->info + u->die_off, &d, false, &p) || d.tag == 0)
		goto cleanup;
	if (!d.children) {
		ret = 0;
		goto cleanup;
	}
	scope_at[0] = NONE;
	for (;;) {
		uint32_t scope;
		bool descend, want;

		ret = -EINVAL;
		if (p >= w.end)
			goto cleanup; /* the unit ends inside its tree: let libdw decide */
		if (*p == 0) { /* end of this level's children */
			p++;
			if (depth == 0)
				break;
			depth--;
			continue;
		}
		ret = is_scope_die(&w, p, &want);
		if (ret)
			goto cleanup;
		ret = parse_die(&w, p, &d, want, &p);
		if (ret)
			goto cleanup;
		if (++visited > max_dies) {
			ret = -E2BIG;
			goto cleanup;
		}
		scope = scope_at[depth];
		ret = visit_die(&w, &d, depth, add, ctx, &scope, &descend);
		if (ret)
			goto cleanup;
		if (!d.children)
			continue;
		if (descend && depth + 1 < max_depth) {
			scope_at[++depth] = scope;
		} else if (d.sibling != UINT64_MAX && s->info + d.sibling > p &&
			   s->info + d.sibling <= w.end) {
			p = s->info + d.sibling; /* over the children, forward only */
		} else {
			ret = skip_children(&w, &p);
			if (ret)
				goto cleanup;
		}
	}
	ret = 0;
cleanup:
	free(scope_at);
	free(w.abbrevs);
	free(w.specs);
	free(w.ranges);
	return ret;
}
