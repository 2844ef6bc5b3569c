/* SPDX-License-Identifier: MIT */
/*
 * elf_symtab.h - function symbols of one ELF file (.symtab, else .dynsym),
 * its build-id, and the file offset -> virtual address translation through
 * its PT_LOAD program headers.
 */
#ifndef BPFPROF_ELF_SYMTAB_H
#define BPFPROF_ELF_SYMTAB_H

#include <stddef.h>
#include <stdint.h>

struct elf_symtab;

/* Limits that keep a hostile file from costing unbounded memory or time. */
#define ELF_SYMTAB_MAX_SYMBOLS (4u << 20)
#define ELF_SYMTAB_MAX_NAME 4096

/*
 * Parse the ELF file open on fd (the fd is only used during the call).
 * Returns 0 and *out, or a negative errno; err gets a one-line reason.
 */
int elf_symtab__open_fd(int fd, struct elf_symtab **out, char *err, size_t errlen);
/* The same from an ELF image in memory (copied during the call): the vDSO. */
int elf_symtab__open_mem(const void *image, size_t size, struct elf_symtab **out, char *err,
			 size_t errlen);
void elf_symtab__free(struct elf_symtab *t);

/* Translate a file offset to the ELF virtual address. 0 or -ENOENT. */
int elf_symtab__offset_to_vaddr(const struct elf_symtab *t, uint64_t offset, uint64_t *vaddr);

/* Function containing vaddr: name and vaddr - start. NULL when none. */
const char *elf_symtab__lookup(const struct elf_symtab *t, uint64_t vaddr, uint64_t *offset);

/* Build-id as lower-case hex, or NULL when the file has none. */
const char *elf_symtab__build_id(const struct elf_symtab *t);

/*
 * The value of the data symbol `name` (.dynsym, else .symtab) of the ELF file
 * open on fd, and the virtual address its PT_LOAD headers give file offset
 * `offset` (a mapping's offset: the load bias is then the mapping's start
 * minus *offset_vaddr). 0, -ENOENT when either is missing, or -errno.
 */
int elf_symtab__find_object(int fd, const char *name, uint64_t offset, uint64_t *vaddr,
			    uint64_t *offset_vaddr);

size_t elf_symtab__count(const struct elf_symtab *t);
/* Bytes of memory held, for cache accounting. */
size_t elf_symtab__memory(const struct elf_symtab *t);

#endif
