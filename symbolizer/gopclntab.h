/* SPDX-License-Identifier: MIT */
/*
 * gopclntab.h - Go's own function table (.gopclntab): names, file:line,
 * inlined calls and SP deltas of every Go function, present even in a
 * binary stripped of .symtab and DWARF (go build -ldflags='-s -w').
 *
 * Versions: the tables of Go 1.16-1.17 (magic 0xfffffffa), 1.18-1.19
 * (0xfffffff0) and 1.20+ (0xfffffff1), x86-64 (8-byte pointers, PC
 * quantum 1). Everything is read from the file's bytes with bounds checks:
 * every offset is checked before it forms a pointer, every table walk is
 * bounded, every string must end inside its table. The section is
 * .gopclntab, or .data.rel.ro.gopclntab in a position-independent binary;
 * in a file without section headers (sstrip), or a Go binary whose linker
 * merged the table into other data (-linkmode=external), it is searched
 * for by its header in the non-executable segments, bounded, and taken
 * only when its functions lie in order in an executable segment.
 *
 * Inlined calls need the funcdata area (go:func.*, in .rodata): from Go
 * 1.18 its address is found through runtime.firstmoduledata (the data word
 * that points at the pclntab); without it names and lines still work and
 * inlined calls are folded into their caller (gopclntab__has_inlines()).
 */
#ifndef BPFPROF_GOPCLNTAB_H
#define BPFPROF_GOPCLNTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct gopclntab;

/* Bounds against hostile files. */
#define GOPCLNTAB_MAX_FUNCS (4u << 20)
#define GOPCLNTAB_MAX_SIZE (1ull << 30) /* section bytes */
#define GOPCLNTAB_MAX_STEPS (1u << 20)  /* entries of one pc-value table */
#define GOPCLNTAB_MAX_NAME 4096

/* funcFlag bits (Go 1.17+) */
#define GOPCLNTAB_FLAG_TOPFRAME 0x1 /* the outermost frame: goexit, mstart, rt0_go */
#define GOPCLNTAB_FLAG_SPWRITE 0x2  /* writes SP other than by a constant delta */

/* The bytes a table is read from (not copied unless gopclntab__parse is
 * told to; then they may go away after the call). */
struct gopclntab_input {
	const uint8_t *pcln;   /* the .gopclntab section */
	size_t pcln_size;
	uint64_t pcln_vaddr;
	uint64_t text_vaddr;   /* start of .text: the entry base when the header's is 0 (PIE) */
	const uint8_t *fdata;  /* funcdata area: from gofunc (1.18+) or the section holding */
	size_t fdata_size;     /* the inline trees (1.16); NULL/0 when unknown */
	uint64_t fdata_vaddr;
	bool copy;             /* keep copies of the bytes (else they must outlive the table) */
};

/* Parse; 0, -EINVAL (not a table we read), -ENOMEM, or -E2BIG. */
int gopclntab__parse(const struct gopclntab_input *in, struct gopclntab **out, char *err,
		     size_t errlen);

/* Find .gopclntab (and, from the moduledata, the funcdata area) in the ELF
 * file open on fd, copied. -ENOENT when it has none (or, searched for, none
 * that passes). */
int gopclntab__open_fd(int fd, struct gopclntab **out, char *err, size_t errlen);

/* The same for a libelf handle (an Elf *), nothing copied: valid while the
 * handle is. */
int gopclntab__open_elf(void *elf, struct gopclntab **out, char *err, size_t errlen);

void gopclntab__free(struct gopclntab *g);

/* 116, 118 or 120: the first Go version of the table's layout. */
int gopclntab__version(const struct gopclntab *g);
bool gopclntab__has_inlines(const struct gopclntab *g);
size_t gopclntab__nfuncs(const struct gopclntab *g);
size_t gopclntab__memory(const struct gopclntab *g);

struct gopclntab_frame {
	const char *name;
	const char *file; /* NULL when unknown */
	uint32_t line;    /* 0 when unknown */
	int inlined;      /* inlined into the next frame */
};

/* Frames at pc, innermost first, at most max (>= 1). Returns their number,
 * 0 when no Go function covers pc. Strings live as long as g. */
int gopclntab__lookup(const struct gopclntab *g, uint64_t pc, struct gopclntab_frame *frames,
		      int max);

struct gopclntab_func {
	uint64_t entry, end; /* [entry, end) */
	const char *name;    /* NULL when unreadable */
	uint8_t flags;       /* GOPCLNTAB_FLAG_*, from the names for Go 1.16 */
};

/* Function i (in address order). 0 or -EINVAL when its record is bad. */
int gopclntab__func(const struct gopclntab *g, size_t i, struct gopclntab_func *out);

/* The SP-delta runs of function i, in order: fn(ctx, start, end, delta)
 * for each [start, end) with that many bytes pushed below the entry SP.
 * Stops at fn's first non-zero return and returns it; -EINVAL when the
 * table is bad (runs already reported stay reported). */
typedef int (*gopclntab_run_fn)(void *ctx, uint64_t start, uint64_t end, int32_t delta);
int gopclntab__sp_runs(const struct gopclntab *g, size_t i, gopclntab_run_fn fn, void *ctx);

#endif
