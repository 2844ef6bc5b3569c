// SPDX-License-Identifier: MIT
/*
 * gopclntab.c - read Go's function table ourselves, bounded.
 *
 * Layout (little-endian, 8-byte pointers):
 *
 *   header   magic u32, 0 u8, 0 u8, PC quantum u8, pointer size u8,
 *            nfunc, nfiles, [textStart (1.18+)], funcname, cu, filetab,
 *            pctab, pcln offsets (8 bytes each, from the section start)
 *   functab  at pcln: nfunc + 1 entries {entry, funcoff}: u32 entry offsets
 *            from textStart (1.18+) or u64 addresses (1.16); the last
 *            entry is the end of the last function
 *   _func    at pcln + funcoff: entry, name offset (into funcname), args,
 *            deferreturn, pcsp, pcfile, pcln (offsets into pctab), npcdata,
 *            cu offset, [startLine (1.20+)], funcID, flag, pad, nfuncdata,
 *            then npcdata u32 and nfuncdata funcdata slots (u32 offsets
 *            from gofunc since 1.18, 8-byte-aligned addresses in 1.16)
 *   pc-value tables: pairs of varints (zig-zag value delta, pc delta),
 *            value starting at -1 at the entry, ended by a 0 value delta
 *   file of a pc: cutab[cu offset + pcfile value] is its offset in filetab
 *   inlined calls: PCDATA 2 at pc indexes the function's inline tree
 *            (FUNCDATA 3); each entry names the inlined callee and the pc
 *            offset of an instruction at the call site in its caller
 */
#include "common/errbuf.h"
#include "symbolizer/elf_segment.h"
#include "symbolizer/gopclntab.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAGIC_116 0xfffffffau
#define MAGIC_118 0xfffffff0u
#define MAGIC_120 0xfffffff1u

#define PCDATA_INLTREE_INDEX 2
#define FUNCDATA_INLTREE 3

/* moduledata words: pcHeader, funcnametab, cutab, filetab, pctab,
 * pclntable, ftab (ptr, len, cap each), findfunctab, minpc, maxpc, text,
 * etext, ... gofunc */
#define MODULEDATA_GOFUNC_118 38 /* 1.18, 1.19 */
#define MODULEDATA_GOFUNC_120 40 /* 1.20+: covctrs, ecovctrs before end */
#define MODULEDATA_WORDS 41

/* the funcdata area copied at most (go:func.* to the end of its section) */
#define MAX_FDATA (256u << 20)

struct gopclntab {
	const uint8_t *data, *fdata;
	size_t size, fsize;
	uint64_t vaddr, fvaddr;
	uint8_t *own_data, *own_fdata;
	int version;
	uint64_t text_start;
	size_t nfunc;
	uint64_t funcname, cu, filetab, pctab, pcln;
	size_t ftab_ent; /* bytes per functab entry */
};

/* Function record fields, version-independent. */
struct func_rec {
	uint64_t entry, end;
	int32_t nameoff;
	uint32_t pcsp, pcfile, pcln, npcdata, cuoff;
	uint8_t flag, nfuncdata;
	uint64_t pcdata_off, funcdata_off; /* in data */
};

static bool get_u32(const struct gopclntab *g, uint64_t off, uint32_t *v)
{
	if (off > g->size || g->size - off < 4)
		return false;
	memcpy(v, g->data + off, 4);
	return true;
}

static bool get_u64(const struct gopclntab *g, uint64_t off, uint64_t *v)
{
	if (off > g->size || g->size - off < 8)
		return false;
	memcpy(v, g->data + off, 8);
	return true;
}

/* A NUL-terminated string starting at off within [base, size): NULL when
 * it runs past the section or GOPCLNTAB_MAX_NAME. */
static const char *get_str(const struct gopclntab *g, uint64_t base, uint64_t off)
{
	size_t left, n;

	if (off > g->size || base > g->size - off)
		return NULL;
	off += base;
	left = g->size - off;
	n = left < GOPCLNTAB_MAX_NAME ? left : GOPCLNTAB_MAX_NAME;
	if (!memchr(g->data + off, 0, n))
		return NULL;
	return (const char *)g->data + off;
}

/* Entry address of functab slot i (i <= nfunc). */
static bool ftab_entry(const struct gopclntab *g, size_t i, uint64_t *entry, uint64_t *funcoff)
{
	uint64_t at = g->pcln + (uint64_t)i * g->ftab_ent;

	if (g->version == 116) {
		if (!get_u64(g, at, entry) || !get_u64(g, at + 8, funcoff))
			return false;
	} else {
		uint32_t e, f;

		if (!get_u32(g, at, &e) || !get_u32(g, at + 4, &f))
			return false;
		*entry = g->text_start + e;
		*funcoff = f;
	}
	return true;
}

static int read_func(const struct gopclntab *g, size_t i, struct func_rec *r)
{
	uint64_t funcoff, end_funcoff, base, hdr;

	if (i >= g->nfunc || !ftab_entry(g, i, &r->entry, &funcoff) ||
	    !ftab_entry(g, i + 1, &r->end, &end_funcoff) || r->end < r->entry)
		return -EINVAL;
	if (funcoff > g->size || g->pcln > g->size - funcoff)
		return -EINVAL;
	base = g->pcln + funcoff;
	hdr = g->version == 118 ? 40 : 44;
	if (base > g->size || g->size - base < hdr)
		return -EINVAL;
	{
		uint64_t f0 = g->version == 116 ? 8 : 4; /* nameoff, after the entry */
		const uint8_t *p = g->data + base;
		uint32_t w[8];

		memcpy(w, p + f0, sizeof(w)); /* nameoff .. cuOffset */
		r->nameoff = (int32_t)w[0];
		r->pcsp = w[3];
		r->pcfile = w[4];
		r->pcln = w[5];
		r->npcdata = w[6];
		r->cuoff = w[7];
		r->flag = p[hdr - 3];
		r->nfuncdata = p[hdr - 1];
	}
	if (r->npcdata > 1024) /* Go has a handful */
		return -EINVAL;
	r->pcdata_off = base + hdr;
	r->funcdata_off = r->pcdata_off + 4ull * r->npcdata;
	if (g->version == 116 && ((g->vaddr + r->funcdata_off) & 4))
		r->funcdata_off += 4; /* 8-byte aligned pointers */
	if (r->funcdata_off > g->size ||
	    g->size - r->funcdata_off < (uint64_t)r->nfuncdata * (g->version == 116 ? 8 : 4))
		return -EINVAL;
	return 0;
}

static uint8_t name_flags(const char *name)
{
	static const char *const top[] = {"runtime.goexit", "runtime.mstart", "runtime.rt0_go"};
	static const char *const spw[] = {"runtime.systemstack", "runtime.mcall",
					  "runtime.morestack", "runtime.gogo"};

	if (!name)
		return 0;
	for (size_t i = 0; i < sizeof(top) / sizeof(top[0]); i++)
		if (!strcmp(name, top[i]))
			return GOPCLNTAB_FLAG_TOPFRAME;
	for (size_t i = 0; i < sizeof(spw) / sizeof(spw[0]); i++)
		if (!strcmp(name, spw[i]))
			return GOPCLNTAB_FLAG_SPWRITE;
	return 0;
}

/* A varint of at most 5 bytes (a u32) at *off within [0, size). */
static bool rd_varint(const struct gopclntab *g, uint64_t *off, uint32_t *v)
{
	uint32_t x = 0;

	for (unsigned shift = 0; shift < 35; shift += 7) {
		uint8_t b;

		if (*off >= g->size)
			return false;
		b = g->data[(*off)++];
		x |= (uint32_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*v = x;
			return true;
		}
	}
	return false;
}

/* A pc-value table walk: one step. Returns 1 with [*pc, *next) holding *val,
 * 0 at the end, -1 when bad. */
struct pcv {
	uint64_t off, pc, end;
	int32_t val;
	bool first;
	uint64_t steps, max_steps;
};

static int pcv__next(const struct gopclntab *g, struct pcv *w, uint64_t *start)
{
	uint32_t uv, pcd;

	if (++w->steps > w->max_steps)
		return -1;
	if (!rd_varint(g, &w->off, &uv))
		return -1;
	if (uv == 0 && !w->first)
		return 0;
	w->first = false;
	uv = uv & 1 ? ~(uv >> 1) : uv >> 1;
	if (!rd_varint(g, &w->off, &pcd))
		return -1;
	w->val = (int32_t)((uint32_t)w->val + uv);
	*start = w->pc;
	if (pcd > w->end - w->pc) /* past the function */
		return -1;
	w->pc += pcd;
	return 1;
}

static bool pcv__start(const struct gopclntab *g, const struct func_rec *r, uint32_t table,
		       struct pcv *w)
{
	if (!table || g->pctab > g->size || table > g->size - g->pctab)
		return false;
	*w = (struct pcv){.off = g->pctab + table, .pc = r->entry, .end = r->end, .val = -1,
			  .first = true};
	/* each entry covers at least a byte of the function in Go's tables: a
	 * walk costs at most the function's size, whatever the file says */
	w->max_steps = r->end - r->entry + 16;
	if (w->max_steps > GOPCLNTAB_MAX_STEPS)
		w->max_steps = GOPCLNTAB_MAX_STEPS;
	return true;
}

/* The value of a pc-value table at pc, or -1. */
static int32_t pcvalue(const struct gopclntab *g, const struct func_rec *r, uint32_t table,
		       uint64_t pc)
{
	struct pcv w;
	uint64_t start;

	if (!pcv__start(g, r, table, &w))
		return -1;
	while (pcv__next(g, &w, &start) == 1)
		if (pc >= start && pc < w.pc)
			return w.val;
	return -1;
}

static int32_t pcdata(const struct gopclntab *g, const struct func_rec *r, uint32_t idx,
		      uint64_t pc)
{
	uint32_t table;

	if (idx >= r->npcdata || !get_u32(g, r->pcdata_off + 4ull * idx, &table))
		return -1;
	return pcvalue(g, r, table, pc);
}

static const char *file_at(const struct gopclntab *g, const struct func_rec *r, uint64_t pc)
{
	int32_t fileno = pcvalue(g, r, r->pcfile, pc);
	uint32_t foff;

	if (fileno < 0)
		return NULL;
	if (!get_u32(g, g->cu + 4ull * ((uint64_t)r->cuoff + (uint32_t)fileno), &foff) ||
	    foff == UINT32_MAX)
		return NULL;
	return get_str(g, g->filetab, foff);
}

/* Function index holding pc, or -1 (binary search of functab). */
static long find_func(const struct gopclntab *g, uint64_t pc)
{
	size_t lo = 0, hi = g->nfunc;
	uint64_t e, f;

	if (!g->nfunc || !ftab_entry(g, 0, &e, &f) || pc < e)
		return -1;
	if (!ftab_entry(g, g->nfunc, &e, &f) || pc >= e)
		return -1;
	while (hi - lo > 1) { /* entry(lo) <= pc < entry(hi) */
		size_t mid = lo + (hi - lo) / 2;

		if (!ftab_entry(g, mid, &e, &f))
			return -1;
		if (e <= pc)
			lo = mid;
		else
			hi = mid;
	}
	return (long)lo;
}

/* The inline tree entry ix: callee name offset and parent pc offset. */
static bool inl_entry(const struct gopclntab *g, const struct func_rec *r, int32_t ix,
		      int32_t *nameoff, uint32_t *parent_pc)
{
	uint64_t tree, at;
	size_t esz = g->version == 120 ? 16 : 20;

	if (!g->fdata || r->nfuncdata <= FUNCDATA_INLTREE || ix < 0)
		return false;
	if (g->version == 116) {
		uint64_t ptr;

		if (!get_u64(g, r->funcdata_off + 8 * FUNCDATA_INLTREE, &ptr) || !ptr ||
		    ptr < g->fvaddr)
			return false;
		tree = ptr - g->fvaddr;
	} else {
		uint32_t o;

		if (!get_u32(g, r->funcdata_off + 4 * FUNCDATA_INLTREE, &o) || o == UINT32_MAX)
			return false;
		tree = o;
	}
	at = tree + (uint64_t)ix * esz;
	if (tree > g->fsize || at > g->fsize || g->fsize - at < esz)
		return false;
	if (g->version == 120) { /* funcID, pad[3], nameOff, parentPc, startLine */
		memcpy(nameoff, g->fdata + at + 4, 4);
		memcpy(parent_pc, g->fdata + at + 8, 4);
	} else { /* parent i16, funcID, pad, file, line, func_, parentPc */
		memcpy(nameoff, g->fdata + at + 12, 4);
		memcpy(parent_pc, g->fdata + at + 16, 4);
	}
	return true;
}

int gopclntab__lookup(const struct gopclntab *g, uint64_t pc, struct gopclntab_frame *frames,
		      int max)
{
	struct func_rec r;
	long i;
	int n = 0;
	const char *name;

	if (!g || max < 1 || (i = find_func(g, pc)) < 0 || read_func(g, (size_t)i, &r))
		return 0;
	name = r.nameoff >= 0 ? get_str(g, g->funcname, (uint32_t)r.nameoff) : NULL;
	if (!name || !name[0])
		return 0;
	/* each inlined level moves pc to its call site; max bounds the walk */
	while (n < max - 1 && g->fdata) {
		int32_t ix = pcdata(g, &r, PCDATA_INLTREE_INDEX, pc), noff, line;
		uint32_t ppc;
		const char *callee;

		if (ix < 0 || !inl_entry(g, &r, ix, &noff, &ppc) || noff < 0 ||
		    ppc >= r.end - r.entry)
			break;
		callee = get_str(g, g->funcname, (uint32_t)noff);
		if (!callee)
			break;
		line = pcvalue(g, &r, r.pcln, pc);
		frames[n++] = (struct gopclntab_frame){
			.name = callee,
			.file = file_at(g, &r, pc),
			.line = line > 0 ? (uint32_t)line : 0,
			.inlined = 1,
		};
		pc = r.entry + ppc;
	}
	{
		int32_t line = pcvalue(g, &r, r.pcln, pc);

		frames[n++] = (struct gopclntab_frame){
			.name = name,
			.file = file_at(g, &r, pc),
			.line = line > 0 ? (uint32_t)line : 0,
		};
	}
	return n;
}

int gopclntab__func(const struct gopclntab *g, size_t i, struct gopclntab_func *out)
{
	struct func_rec r;

	memset(out, 0, sizeof(*out));
	if (read_func(g, i, &r))
		return -EINVAL;
	out->entry = r.entry;
	out->end = r.end;
	out->name = r.nameoff >= 0 ? get_str(g, g->funcname, (uint32_t)r.nameoff) : NULL;
	out->flags = g->version == 116 ? name_flags(out->name)
		     : r.flag & (GOPCLNTAB_FLAG_TOPFRAME | GOPCLNTAB_FLAG_SPWRITE);
	return 0;
}

int gopclntab__sp_runs(const struct gopclntab *g, size_t i, gopclntab_run_fn fn, void *ctx)
{
	struct func_rec r;
	struct pcv w;
	uint64_t start;
	int ret;

	if (read_func(g, i, &r) || !pcv__start(g, &r, r.pcsp, &w))
		return -EINVAL;
	while ((ret = pcv__next(g, &w, &start)) == 1) {
		if (w.pc == start)
			continue;
		ret = fn(ctx, start, w.pc, w.val);
		if (ret)
			return ret;
	}
	return ret < 0 ? -EINVAL : 0;
}

int gopclntab__parse(const struct gopclntab_input *in, struct gopclntab **out, char *err,
		     size_t errlen)
{
	struct gopclntab *g;
	uint32_t magic;
	uint64_t w[8], nfunc;
	size_t nw;
	int ret = -EINVAL;

	*out = NULL;
	g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	g->data = in->pcln;
	g->size = in->pcln_size;
	g->vaddr = in->pcln_vaddr;
	if (!g->data || g->size < 8 || g->size > GOPCLNTAB_MAX_SIZE) {
		errbuf__set(err, errlen, "pclntab: %zu bytes", g->size);
		goto cleanup;
	}
	memcpy(&magic, g->data, 4);
	g->version = magic == MAGIC_116 ? 116 : magic == MAGIC_118 ? 118 : magic == MAGIC_120 ? 120 : 0;
	if (!g->version) {
		errbuf__set(err, errlen, "pclntab: unknown magic 0x%x", magic);
		goto cleanup;
	}
	if (g->data[4] || g->data[5] || g->data[6] != 1 || g->data[7] != 8) {
		errbuf__set(err, errlen, "pclntab: not an x86-64 table");
		goto cleanup;
	}
	nw = g->version == 116 ? 7 : 8;
	if (g->size < 8 + 8 * nw) {
		errbuf__set(err, errlen, "pclntab: truncated header");
		goto cleanup;
	}
	memcpy(w, g->data + 8, 8 * nw);
	nfunc = w[0];
	if (g->version == 116) {
		g->funcname = w[2], g->cu = w[3], g->filetab = w[4], g->pctab = w[5], g->pcln = w[6];
		g->ftab_ent = 16;
	} else {
		g->text_start = w[2] ? w[2] : in->text_vaddr;
		g->funcname = w[3], g->cu = w[4], g->filetab = w[5], g->pctab = w[6], g->pcln = w[7];
		g->ftab_ent = 8;
	}
	if (nfunc > GOPCLNTAB_MAX_FUNCS) {
		errbuf__set(err, errlen, "pclntab: %llu functions", (unsigned long long)nfunc);
		ret = -E2BIG;
		goto cleanup;
	}
	if (g->funcname > g->size || g->cu > g->size || g->filetab > g->size ||
	    g->pctab > g->size || g->pcln > g->size ||
	    (g->size - g->pcln) / g->ftab_ent < nfunc + 1) {
		errbuf__set(err, errlen, "pclntab: tables outside the section");
		goto cleanup;
	}
	g->nfunc = (size_t)nfunc;
	if (in->fdata && in->fdata_size) {
		g->fdata = in->fdata;
		g->fsize = in->fdata_size;
		g->fvaddr = in->fdata_vaddr;
	}
	if (in->copy) {
		g->own_data = malloc(g->size);
		g->own_fdata = g->fsize ? malloc(g->fsize) : NULL;
		if (!g->own_data || (g->fsize && !g->own_fdata)) {
			ret = -ENOMEM;
			goto cleanup;
		}
		memcpy(g->own_data, g->data, g->size);
		g->data = g->own_data;
		if (g->fsize) {
			memcpy(g->own_fdata, g->fdata, g->fsize);
			g->fdata = g->own_fdata;
		}
	}
	*out = g;
	g = NULL;
	ret = 0;
cleanup:
	gopclntab__free(g);
	return ret;
}

void gopclntab__free(struct gopclntab *g)
{
	if (!g)
		return;
	free(g->own_data);
	free(g->own_fdata);
	free(g);
}

int gopclntab__version(const struct gopclntab *g)
{
	return g->version;
}

bool gopclntab__has_inlines(const struct gopclntab *g)
{
	return g->fdata != NULL;
}

size_t gopclntab__nfuncs(const struct gopclntab *g)
{
	return g->nfunc;
}

size_t gopclntab__memory(const struct gopclntab *g)
{
	return sizeof(*g) + (g->own_data ? g->size : 0) + (g->own_fdata ? g->fsize : 0);
}

/* ---- finding the table and its funcdata in an ELF file ---- */

/* Bounds of the search for a table in a file without section headers (a
 * hostile file: every candidate costs a parse) */
#define SCAN_MAX_BYTES (512ull << 20) /* of non-executable segments */
#define SCAN_MAX_CANDIDATES 64        /* headers parsed */
#define SCAN_MAX_MODULEDATA 4         /* of them, searches for their module data */
#define SCAN_ORDER_CHECKS 4096        /* functab entries checked in order */

struct elf_sec {
	const uint8_t *data;
	size_t size;
	uint64_t addr;
};

/* What is known of the file: its sections, or without them its segments. */
struct elf_file {
	Elf *elf;
	size_t shstrndx;
	bool sections; /* it has section headers */
	struct elf_segment segs[ELF_SEGMENT_MAX];
	size_t nsegs;
};

static bool section_by_name(const struct elf_file *f, const char *want, struct elf_sec *out)
{
	Elf_Scn *scn = NULL;

	if (!f->sections)
		return false;
	while ((scn = elf_nextscn(f->elf, scn))) {
		GElf_Shdr sh;
		const char *n;
		Elf_Data *d;

		if (!gelf_getshdr(scn, &sh) || !(n = elf_strptr(f->elf, f->shstrndx, sh.sh_name)) ||
		    strcmp(n, want))
			continue;
		if (sh.sh_type != SHT_PROGBITS || !(d = elf_getdata(scn, NULL)) || !d->d_buf)
			return false;
		*out = (struct elf_sec){d->d_buf, d->d_size, sh.sh_addr};
		return true;
	}
	return false;
}

/* The file's bytes from vaddr to the end of the allocated, non-executable
 * PROGBITS section holding it (or, without sections, of the non-executable
 * segment), at most MAX_FDATA of them. */
static bool bytes_at(const struct elf_file *f, uint64_t vaddr, struct elf_sec *out)
{
	Elf_Scn *scn = NULL;
	const struct elf_segment *seg;

	if (!f->sections) {
		seg = elf_segment__at(f->segs, f->nsegs, vaddr, PF_R, PF_X);
		if (!seg)
			return false;
		out->data = seg->data + (vaddr - seg->vaddr);
		out->size = seg->size - (vaddr - seg->vaddr);
		goto found;
	}
	while ((scn = elf_nextscn(f->elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *d;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_PROGBITS ||
		    !(sh.sh_flags & SHF_ALLOC) || (sh.sh_flags & SHF_EXECINSTR) ||
		    vaddr < sh.sh_addr || vaddr - sh.sh_addr >= sh.sh_size)
			continue;
		if (!(d = elf_getdata(scn, NULL)) || !d->d_buf || d->d_size != sh.sh_size)
			return false;
		out->data = (const uint8_t *)d->d_buf + (vaddr - sh.sh_addr);
		out->size = sh.sh_size - (vaddr - sh.sh_addr);
		goto found;
	}
	return false;
found:
	if (out->size > MAX_FDATA)
		out->size = MAX_FDATA;
	out->addr = vaddr;
	return true;
}

/* Where runtime.firstmoduledata may be: the named data sections, or
 * without sections the writable segments. Their number. */
static size_t data_areas(const struct elf_file *f, struct elf_sec *out, size_t max)
{
	static const char *const secs[] = {".noptrdata", ".data", ".data.rel.ro"};
	size_t n = 0;

	if (f->sections) {
		for (size_t s = 0; s < sizeof(secs) / sizeof(secs[0]) && n < max; s++)
			n += section_by_name(f, secs[s], &out[n]);
		return n;
	}
	for (size_t i = 0; i < f->nsegs && n < max; i++)
		if (f->segs[i].flags & PF_W)
			out[n++] = (struct elf_sec){f->segs[i].data, f->segs[i].size, f->segs[i].vaddr};
	return n;
}

/* runtime.firstmoduledata's first words: the 8-aligned words that hold
 * the pclntab's address followed by funcnametab's (a PIE the Go linker
 * linked has them written too, besides their relocations), with a gofunc.
 * false when not found. */
static bool find_moduledata(const struct elf_file *f, const struct gopclntab *g,
			    uint64_t md[MODULEDATA_WORDS])
{
	unsigned idx = g->version == 118 ? MODULEDATA_GOFUNC_118 : MODULEDATA_GOFUNC_120;
	struct elf_sec areas[ELF_SEGMENT_MAX];
	size_t n = data_areas(f, areas, ELF_SEGMENT_MAX);

	for (size_t a = 0; a < n; a++) {
		const struct elf_sec *sec = &areas[a];
		size_t first = (8 - sec->addr % 8) % 8;

		for (size_t off = first; sec->size >= 8 * MODULEDATA_WORDS &&
					 off <= sec->size - 8 * MODULEDATA_WORDS; off += 8) {
			if (memcmp(sec->data + off, &g->vaddr, 8))
				continue;
			memcpy(md, sec->data + off, 8 * MODULEDATA_WORDS);
			/* funcnametab's pointer, then the text range */
			if (md[1] != g->vaddr + g->funcname || md[22] > md[23])
				continue;
			/* gofunc follows rodata, at or above it */
			if (md[idx] && md[idx] >= md[idx - 1])
				return true;
		}
	}
	return false;
}

/* A table found in a segment runs to the segment's end: cut it where the
 * module data says it ends (pclntable, the function records, is last) when
 * every table still fits, so that a copy holds the table alone. */
static void trim_to_moduledata(struct gopclntab *g, const uint64_t md[MODULEDATA_WORDS])
{
	uint64_t end;

	if (md[13] != g->vaddr + g->pcln || md[14] > g->size - g->pcln)
		return;
	end = g->pcln + md[14];
	if (g->funcname > end || g->cu > end || g->filetab > end || g->pctab > end ||
	    (end - g->pcln) / g->ftab_ent < g->nfunc + 1)
		return;
	g->size = end;
}

/* The funcdata area (inline trees) of g; and the text start when neither
 * the header (a PIE's is left to relocations) nor a .text section gave it. */
static void add_funcdata(const struct elf_file *f, struct gopclntab *g)
{
	struct elf_sec fd;
	uint64_t md[MODULEDATA_WORDS], gofunc;

	if (g->version == 116) {
		/* funcdata are addresses: of go.func.* in .rodata, the segment
		 * of the table itself */
		const struct elf_segment *seg;

		if (section_by_name(f, ".rodata", &fd)) {
			g->fdata = fd.data;
			g->fsize = fd.size;
			g->fvaddr = fd.addr;
		} else if (!f->sections &&
			   (seg = elf_segment__at(f->segs, f->nsegs, g->vaddr, PF_R, PF_X))) {
			g->fdata = seg->data;
			g->fsize = seg->size < MAX_FDATA ? seg->size : MAX_FDATA;
			g->fvaddr = seg->vaddr;
		}
		return;
	}
	if (!find_moduledata(f, g, md))
		return;
	gofunc = md[g->version == 118 ? MODULEDATA_GOFUNC_118 : MODULEDATA_GOFUNC_120];
	if (!g->text_start)
		g->text_start = md[22];
	if (!f->sections)
		trim_to_moduledata(g, md);
	if (bytes_at(f, gofunc, &fd)) {
		/* without sections: up to the table, which follows go:func.* */
		if (!f->sections && gofunc < g->vaddr && g->vaddr - gofunc < fd.size)
			fd.size = g->vaddr - gofunc;
		g->fdata = fd.data;
		g->fsize = fd.size;
		g->fvaddr = fd.addr;
	}
}

/* A table found by its header is taken only when its functions look like
 * Go's: from a known text start, in address order, inside one executable
 * segment, the first and last records readable and named. */
static bool plausible(const struct elf_file *f, const struct gopclntab *g)
{
	const struct elf_segment *x;
	uint64_t first, last, prev, e, foff;
	size_t step;
	struct gopclntab_func fn;

	/* 1.18+: entries are offsets from a text start, which must be known */
	if (g->version != 116 && !g->text_start)
		return false;
	if (!g->nfunc || !ftab_entry(g, 0, &first, &foff) || !ftab_entry(g, g->nfunc, &last, &foff) ||
	    first >= last)
		return false;
	for (x = f->segs; x < f->segs + f->nsegs; x++)
		if ((x->flags & PF_X) && first >= x->vaddr && first - x->vaddr < x->memsz)
			break;
	if (x == f->segs + f->nsegs || last - x->vaddr > x->memsz)
		return false;
	step = g->nfunc / SCAN_ORDER_CHECKS + 1;
	prev = first;
	for (size_t i = step; i < g->nfunc; i += step) {
		if (!ftab_entry(g, i, &e, &foff) || e < prev)
			return false;
		prev = e;
	}
	if (prev > last)
		return false;
	for (int k = 0; k < 2; k++)
		if (gopclntab__func(g, k ? g->nfunc - 1 : 0, &fn) || !fn.name || !fn.name[0])
			return false;
	return true;
}

/* Without section headers: the table found by its header in the
 * non-executable segments (a PIE's is in the writable RELRO one), 8-byte
 * aligned like Go puts it. -ENOENT when there is no header that parses,
 * -EINVAL when tables parsed but none was plausible, -E2BIG when the
 * candidates ran out first (both counted by the callers as unreadable). */
static int scan_segments(const struct elf_file *f, struct gopclntab **out, char *err,
			 size_t errlen)
{
	size_t tried = 0, refused = 0, searches = 0;
	uint64_t budget = SCAN_MAX_BYTES;

	for (size_t s = 0; s < f->nsegs && tried < SCAN_MAX_CANDIDATES; s++) {
		const struct elf_segment *seg = &f->segs[s];
		size_t size = seg->size < budget ? seg->size : (size_t)budget;

		if ((seg->flags & PF_X) || !(seg->flags & PF_R))
			continue;
		budget -= size;
		for (size_t off = (8 - seg->vaddr % 8) % 8; size >= 16 && off <= size - 16 &&
							   tried < SCAN_MAX_CANDIDATES;
		     off += 8) {
			const uint8_t *p = seg->data + off;
			struct gopclntab_input in = {0};
			struct gopclntab *g = NULL;
			uint32_t magic;

			if (p[1] != 0xff || p[4] || p[5])
				continue;
			memcpy(&magic, p, 4);
			if ((magic != MAGIC_116 && magic != MAGIC_118 && magic != MAGIC_120) ||
			    (p[6] != 1 && p[6] != 2 && p[6] != 4) || (p[7] != 4 && p[7] != 8))
				continue;
			tried++;
			in.pcln = p;
			in.pcln_size = size - off;
			in.pcln_vaddr = seg->vaddr + off;
			if (gopclntab__parse(&in, &g, NULL, 0))
				continue;
			/* the cheap checks first when the header has the text
			 * start; the module data (a pass over the writable
			 * segments) searched for a few candidates at most */
			if ((g->version != 116 && !g->text_start) || plausible(f, g)) {
				if (searches++ < SCAN_MAX_MODULEDATA) {
					add_funcdata(f, g);
					if (plausible(f, g)) {
						*out = g;
						return 0;
					}
				}
			}
			refused++;
			gopclntab__free(g);
		}
	}
	if (tried >= SCAN_MAX_CANDIDATES) {
		errbuf__set(err, errlen, "no .gopclntab, and more than %d headers in the segments",
			    SCAN_MAX_CANDIDATES);
		return -E2BIG;
	}
	if (refused) {
		errbuf__set(err, errlen, "no .gopclntab, and %zu tables in the segments refused",
			    refused);
		return -EINVAL;
	}
	errbuf__set(err, errlen, "no .gopclntab");
	return -ENOENT;
}

int gopclntab__open_elf(void *handle, struct gopclntab **out, char *err, size_t errlen)
{
	struct elf_file f = {.elf = handle};
	struct gopclntab_input in = {0};
	struct elf_sec pcln, text;
	struct gopclntab *g = NULL;
	int ret;

	*out = NULL;
	if (!f.elf || elf_kind(f.elf) != ELF_K_ELF || elf_getshdrstrndx(f.elf, &f.shstrndx))
		return -EINVAL;
	f.sections = elf_nextscn(f.elf, NULL) != NULL;
	f.nsegs = elf_segment__load(f.elf, f.segs, ELF_SEGMENT_MAX);
	/* a PIE's is in RELRO data: .data.rel.ro.gopclntab */
	if (!section_by_name(&f, ".gopclntab", &pcln) &&
	    !section_by_name(&f, ".data.rel.ro.gopclntab", &pcln)) {
		/* search the segments, trusting no section, when there are no
		 * section headers (sstrip), when they lack even a .text (damaged
		 * names), or in a Go binary whose linker merged the table into
		 * other data (an external linker's: into .data.rel.ro) */
		bool go = section_by_name(&f, ".go.buildinfo", &text);

		if (f.sections && section_by_name(&f, ".text", &text) && !go) {
			errbuf__set(err, errlen, "no .gopclntab");
			return -ENOENT;
		}
		f.sections = false;
		ret = scan_segments(&f, out, err, errlen);
		if (ret == -ENOENT && go) { /* a Go binary: its table is lost */
			errbuf__set(err, errlen, "a Go binary without a table we could find");
			ret = -EINVAL;
		}
		return ret;
	}
	in.pcln = pcln.data;
	in.pcln_size = pcln.size;
	in.pcln_vaddr = pcln.addr;
	if (section_by_name(&f, ".text", &text))
		in.text_vaddr = text.addr;
	ret = gopclntab__parse(&in, &g, err, errlen);
	if (ret)
		return ret;
	add_funcdata(&f, g);
	*out = g;
	return 0;
}

int gopclntab__open_fd(int fd, struct gopclntab **out, char *err, size_t errlen)
{
	struct gopclntab *view = NULL;
	struct gopclntab_input in = {0};
	Elf *elf;
	int ret;

	*out = NULL;
	elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf) {
		errbuf__set(err, errlen, "read ELF: %s", elf_errmsg(-1));
		return -EINVAL;
	}
	ret = gopclntab__open_elf(elf, &view, err, errlen);
	if (ret)
		goto cleanup;
	/* the same table on copies of its bytes, which outlive the mapping */
	in = (struct gopclntab_input){
		.pcln = view->data,
		.pcln_size = view->size,
		.pcln_vaddr = view->vaddr,
		.text_vaddr = view->text_start,
		.fdata = view->fdata,
		.fdata_size = view->fsize,
		.fdata_vaddr = view->fvaddr,
		.copy = true,
	};
	ret = gopclntab__parse(&in, out, err, errlen);
cleanup:
	gopclntab__free(view);
	elf_end(elf);
	return ret;
}
