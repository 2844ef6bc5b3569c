// SPDX-License-Identifier: MIT
/*
 * elf_symtab.c - read function symbols with libelf.
 *
 * Every size read from the file is checked against the file before use: the
 * files come from arbitrary processes and may be truncated or hostile.
 */
#include "common/array.h"
#include "common/errbuf.h"
#include "common/addr_sorted.h"
#include "symbolizer/elf_note.h"
#include "symbolizer/elf_symtab.h"

#include <errno.h>
#include <gelf.h>
#include <libelf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct sym {
	uint64_t start, size;
	uint32_t name; /* offset into names */
	uint8_t rank;  /* preferred alias: global > weak > local */
};

struct load_seg {
	uint64_t offset, vaddr, filesz;
};

#define MAX_LOAD_SEGS 32

struct elf_symtab {
	struct sym *syms;
	size_t nsyms;
	char *names;
	size_t names_len;
	struct load_seg segs[MAX_LOAD_SEGS];
	int nsegs;
	char build_id[2 * 64 + 1];
};

static int sym_cmp(const void *a, const void *b)
{
	const struct sym *x = a, *y = b;

	if (x->start != y->start)
		return (x->start > y->start) - (x->start < y->start);
	return (x->rank < y->rank) - (x->rank > y->rank); /* best alias first */
}

/* The build-id from the note sections (a separate debug file has them too)
 * as hex; none: "". */
static void read_build_id(Elf *elf, struct elf_symtab *t)
{
	uint8_t id[(sizeof(t->build_id) - 1) / 2];
	int n = elf_note__build_id(elf, ELF_NOTE_SECTIONS, id, sizeof(id));

	for (int i = 0; i < n; i++)
		snprintf(t->build_id + 2 * i, 3, "%02x", id[i]);
}

static void read_segments(Elf *elf, struct elf_symtab *t)
{
	size_t n = 0;
	GElf_Phdr ph;

	if (elf_getphdrnum(elf, &n))
		return;
	for (size_t i = 0; i < n && t->nsegs < MAX_LOAD_SEGS; i++) {
		if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_LOAD)
			continue;
		t->segs[t->nsegs++] = (struct load_seg){ph.p_offset, ph.p_vaddr, ph.p_filesz};
	}
}

/* Append the function symbols of one symbol table section. */
static int read_symbols(Elf *elf, Elf_Scn *scn, const GElf_Shdr *sh, struct elf_symtab *t,
			size_t *cap, size_t *names_cap)
{
	Elf_Data *data = elf_getdata(scn, NULL);
	size_t count;

	if (!data || !sh->sh_entsize)
		return 0;
	count = data->d_size / sh->sh_entsize;
	for (size_t i = 0; i < count; i++) {
		GElf_Sym s;
		const char *name;
		size_t len;
		int type;

		if (!gelf_getsym(data, (int)i, &s))
			break;
		type = GELF_ST_TYPE(s.st_info);
		if ((type != STT_FUNC && type != STT_GNU_IFUNC) || s.st_shndx == SHN_UNDEF ||
		    s.st_value == 0)
			continue;
		name = elf_strptr(elf, sh->sh_link, s.st_name);
		if (!name || !*name)
			continue;
		len = strnlen(name, ELF_SYMTAB_MAX_NAME);
		/* "__libc_start_main@@GLIBC_2.34": the version is not the name */
		if (memchr(name, '@', len) && name[0] != '@')
			len = (size_t)((const char *)memchr(name, '@', len) - name);
		if (t->nsyms >= ELF_SYMTAB_MAX_SYMBOLS || t->names_len + len + 1 > UINT32_MAX)
			return -E2BIG;
		if (array__grow((void **)&t->syms, cap, t->nsyms + 1, sizeof(*t->syms)) ||
		    array__grow((void **)&t->names, names_cap, t->names_len + len + 1, 1))
			return -ENOMEM;
		memcpy(t->names + t->names_len, name, len);
		t->names[t->names_len + len] = '\0';
		t->syms[t->nsyms++] = (struct sym){
			.start = s.st_value,
			.size = s.st_size,
			.name = (uint32_t)t->names_len,
			.rank = GELF_ST_BIND(s.st_info) == STB_GLOBAL ? 2
				: GELF_ST_BIND(s.st_info) == STB_WEAK ? 1 : 0,
		};
		t->names_len += len + 1;
	}
	return 0;
}

static int parse(Elf *elf, struct elf_symtab **out, char *err, size_t errlen)
{
	struct elf_symtab *t = NULL;
	Elf_Scn *scn = NULL, *symtab = NULL, *dynsym = NULL;
	GElf_Shdr sh, symtab_sh, dynsym_sh;
	size_t cap = 0, names_cap = 0;
	int ret = 0;

	*out = NULL;
	if (!elf || elf_kind(elf) != ELF_K_ELF) {
		errbuf__set(err, errlen, "not an ELF file: %s", elf_errmsg(-1));
		ret = -ENOEXEC;
		goto cleanup;
	}
	t = calloc(1, sizeof(*t));
	if (!t) {
		ret = -ENOMEM;
		goto cleanup;
	}
	read_segments(elf, t);
	read_build_id(elf, t);
	while ((scn = elf_nextscn(elf, scn))) {
		if (!gelf_getshdr(scn, &sh))
			continue;
		if (sh.sh_type == SHT_SYMTAB && !symtab) {
			symtab = scn;
			symtab_sh = sh;
		} else if (sh.sh_type == SHT_DYNSYM && !dynsym) {
			dynsym = scn;
			dynsym_sh = sh;
		}
	}
	/* .symtab is a superset of .dynsym when present; both when a stripped
	 * binary kept only .dynsym plus a partial .symtab would still be fine,
	 * as duplicates collapse after sorting. */
	if (symtab)
		ret = read_symbols(elf, symtab, &symtab_sh, t, &cap, &names_cap);
	if (!ret && dynsym)
		ret = read_symbols(elf, dynsym, &dynsym_sh, t, &cap, &names_cap);
	if (ret) {
		errbuf__set(err, errlen, "read symbols: %s", strerror(-ret));
		goto cleanup;
	}
	if (t->nsyms) {
		size_t w = 0;

		qsort(t->syms, t->nsyms, sizeof(*t->syms), sym_cmp);
		for (size_t r = 0; r < t->nsyms; r++) /* keep the best alias per address */
			if (!w || t->syms[w - 1].start != t->syms[r].start)
				t->syms[w++] = t->syms[r];
		t->nsyms = w;
	}
	*out = t;
	t = NULL;
cleanup:
	elf_symtab__free(t);
	return ret;
}

int elf_symtab__open_fd(int fd, struct elf_symtab **out, char *err, size_t errlen)
{
	Elf *elf;
	int ret;

	elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	ret = parse(elf, out, err, errlen);
	if (elf)
		elf_end(elf);
	return ret;
}

int elf_symtab__open_mem(const void *image, size_t size, struct elf_symtab **out, char *err,
			 size_t errlen)
{
	char *copy = malloc(size ? size : 1);
	Elf *elf;
	int ret;

	*out = NULL;
	if (!copy)
		return -ENOMEM;
	memcpy(copy, image, size);
	elf_version(EV_CURRENT);
	elf = elf_memory(copy, size);
	ret = parse(elf, out, err, errlen);
	if (elf)
		elf_end(elf);
	free(copy); /* parse copies what it keeps */
	return ret;
}

void elf_symtab__free(struct elf_symtab *t)
{
	if (!t)
		return;
	free(t->syms);
	free(t->names);
	free(t);
}

int elf_symtab__offset_to_vaddr(const struct elf_symtab *t, uint64_t offset, uint64_t *vaddr)
{
	for (int i = 0; i < t->nsegs; i++) {
		const struct load_seg *s = &t->segs[i];

		if (offset >= s->offset && offset - s->offset < s->filesz) {
			*vaddr = offset - s->offset + s->vaddr;
			return 0;
		}
	}
	return -ENOENT;
}

const char *elf_symtab__lookup(const struct elf_symtab *t, uint64_t vaddr, uint64_t *offset)
{
	size_t lo = addr_sorted__upper(t->syms, t->nsyms, sizeof(*t->syms),
				       offsetof(struct sym, start), vaddr);
	const struct sym *s;

	if (lo == 0) /* no symbol starts at or below vaddr */
		return NULL;
	s = &t->syms[lo - 1];
	/* A sized symbol that ends before vaddr does not contain it (PLT,
	 * padding, code without symbols): better "file+0x..." than a lie. */
	if (s->size && vaddr - s->start >= s->size)
		return NULL;
	if (offset)
		*offset = vaddr - s->start;
	return t->names + s->name;
}

const char *elf_symtab__build_id(const struct elf_symtab *t)
{
	return t->build_id[0] ? t->build_id : NULL;
}

size_t elf_symtab__count(const struct elf_symtab *t)
{
	return t->nsyms;
}

size_t elf_symtab__memory(const struct elf_symtab *t)
{
	return sizeof(*t) + t->nsyms * sizeof(*t->syms) + t->names_len;
}

/* The value of the defined object symbol `name` in one symbol section. */
static int find_in(Elf *elf, Elf_Scn *scn, const GElf_Shdr *sh, const char *name, uint64_t *vaddr)
{
	Elf_Data *data = elf_getdata(scn, NULL);
	size_t count;

	if (!data || !sh->sh_entsize)
		return -ENOENT;
	count = data->d_size / sh->sh_entsize;
	if (count > ELF_SYMTAB_MAX_SYMBOLS)
		count = ELF_SYMTAB_MAX_SYMBOLS;
	for (size_t i = 0; i < count; i++) {
		const char *s;
		GElf_Sym sym;

		if (!gelf_getsym(data, (int)i, &sym))
			break;
		if (GELF_ST_TYPE(sym.st_info) != STT_OBJECT || sym.st_shndx == SHN_UNDEF)
			continue;
		s = elf_strptr(elf, sh->sh_link, sym.st_name);
		if (s && !strcmp(s, name)) {
			*vaddr = sym.st_value;
			return 0;
		}
	}
	return -ENOENT;
}

int elf_symtab__find_object(int fd, const char *name, uint64_t offset, uint64_t *vaddr,
			    uint64_t *offset_vaddr)
{
	struct elf_symtab segs = {0};
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	Elf *elf;
	int ret = -ENOENT;

	elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF) {
		ret = -ENOEXEC;
		goto cleanup;
	}
	read_segments(elf, &segs);
	if (elf_symtab__offset_to_vaddr(&segs, offset, offset_vaddr))
		goto cleanup;
	for (int pass = 0; pass < 2 && ret; pass++) {
		scn = NULL;
		while (ret && (scn = elf_nextscn(elf, scn)))
			if (gelf_getshdr(scn, &sh) &&
			    sh.sh_type == (pass ? SHT_SYMTAB : SHT_DYNSYM))
				ret = find_in(elf, scn, &sh, name, vaddr);
	}
cleanup:
	if (elf)
		elf_end(elf);
	return ret;
}
