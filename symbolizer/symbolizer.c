// SPDX-License-Identifier: MIT
/*
 * symbolizer.c - cache of parsed files in front of elf_symtab and ksyms.
 */
#include "symbolizer.h"
#include "elf_symtab.h"
#include "ksyms.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DEFAULT_MAX_FILES 256
#define NBUCKETS 1024

struct file_entry {
	uint64_t dev, ino;
	struct elf_symtab *symtab; /* NULL: the file could not be parsed */
	struct file_entry *hnext;  /* hash chain */
	struct file_entry *prev, *next; /* LRU list, most recent first */
};

struct symbolizer {
	size_t max_files, nfiles;
	struct file_entry *buckets[NBUCKETS];
	struct file_entry *lru_head, *lru_tail;
	struct ksyms *ksyms;
	int ksyms_err; /* cached failure to load kallsyms */
	char *kallsyms_path;
	struct symbolizer_stats stats;
	char namebuf[512]; /* "name+0x..." style results */
};

int symbolizer__new(const struct symbolizer_opts *opts, struct symbolizer **out)
{
	struct symbolizer *s = calloc(1, sizeof(*s));

	*out = NULL;
	if (!s)
		return -ENOMEM;
	s->max_files = opts && opts->max_files ? opts->max_files : DEFAULT_MAX_FILES;
	if (opts && opts->kallsyms_path) {
		s->kallsyms_path = strdup(opts->kallsyms_path);
		if (!s->kallsyms_path) {
			free(s);
			return -ENOMEM;
		}
	}
	*out = s;
	return 0;
}

static void entry_free(struct file_entry *e)
{
	if (!e)
		return;
	elf_symtab__free(e->symtab);
	free(e);
}

void symbolizer__free(struct symbolizer *s)
{
	if (!s)
		return;
	for (struct file_entry *e = s->lru_head, *n; e; e = n) {
		n = e->next;
		entry_free(e);
	}
	ksyms__free(s->ksyms);
	free(s->kallsyms_path);
	free(s);
}

static size_t bucket_of(uint64_t dev, uint64_t ino)
{
	uint64_t h = (dev * 0x9e3779b97f4a7c15ULL) ^ (ino * 0xc2b2ae3d27d4eb4fULL);

	return (size_t)(h >> 32) % NBUCKETS;
}

static void lru_unlink(struct symbolizer *s, struct file_entry *e)
{
	if (e->prev)
		e->prev->next = e->next;
	else
		s->lru_head = e->next;
	if (e->next)
		e->next->prev = e->prev;
	else
		s->lru_tail = e->prev;
	e->prev = e->next = NULL;
}

static void lru_push_front(struct symbolizer *s, struct file_entry *e)
{
	e->next = s->lru_head;
	e->prev = NULL;
	if (s->lru_head)
		s->lru_head->prev = e;
	s->lru_head = e;
	if (!s->lru_tail)
		s->lru_tail = e;
}

static void evict_one(struct symbolizer *s)
{
	struct file_entry *victim = s->lru_tail, **pp;

	if (!victim)
		return;
	lru_unlink(s, victim);
	for (pp = &s->buckets[bucket_of(victim->dev, victim->ino)]; *pp; pp = &(*pp)->hnext) {
		if (*pp == victim) {
			*pp = victim->hnext;
			break;
		}
	}
	entry_free(victim);
	s->nfiles--;
	s->stats.evictions++;
}

static struct file_entry *get_file(struct symbolizer *s, const struct sym_file *f)
{
	size_t b = bucket_of(f->dev, f->ino);
	struct file_entry *e;
	int fd = f->fd, ret;

	for (e = s->buckets[b]; e; e = e->hnext) {
		if (e->dev == f->dev && e->ino == f->ino) {
			s->stats.cache_hits++;
			if (s->lru_head != e) {
				lru_unlink(s, e);
				lru_push_front(s, e);
			}
			return e;
		}
	}
	s->stats.cache_misses++;
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->dev = f->dev;
	e->ino = f->ino;
	if (fd < 0 && f->path)
		fd = open(f->path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		/* a failed parse is cached too: one attempt per file, not per address */
		ret = elf_symtab__open_fd(fd, &e->symtab, NULL, 0);
		if (ret)
			s->stats.open_errors++;
		if (fd != f->fd)
			close(fd);
	} else {
		s->stats.open_errors++;
	}
	while (s->nfiles >= s->max_files)
		evict_one(s);
	e->hnext = s->buckets[b];
	s->buckets[b] = e;
	lru_push_front(s, e);
	s->nfiles++;
	return e;
}

int symbolizer__user(struct symbolizer *s, const struct sym_file *f, uint64_t file_offset,
		     struct sym_result *out)
{
	struct file_entry *e;
	const char *name;
	uint64_t off;

	memset(out, 0, sizeof(*out));
	out->vaddr = file_offset;
	e = get_file(s, f);
	if (!e)
		return -ENOMEM;
	if (!e->symtab)
		return -ENOEXEC;
	out->build_id = elf_symtab__build_id(e->symtab);
	if (elf_symtab__offset_to_vaddr(e->symtab, file_offset, &out->vaddr))
		return 0;
	name = elf_symtab__lookup(e->symtab, out->vaddr, &off);
	if (!name)
		return 0;
	out->frames[0].name = name;
	out->nframes = 1;
	return 0;
}

int symbolizer__kernel(struct symbolizer *s, uint64_t addr, struct sym_result *out,
		       const char **module)
{
	const char *name;

	memset(out, 0, sizeof(*out));
	out->vaddr = addr;
	*module = NULL;
	if (!s->ksyms && !s->ksyms_err) {
		s->ksyms_err = ksyms__load(s->kallsyms_path, &s->ksyms);
		if (!s->ksyms_err && !s->ksyms)
			s->ksyms_err = -ENOENT;
	}
	if (!s->ksyms)
		return s->ksyms_err;
	name = ksyms__lookup(s->ksyms, addr, module, NULL);
	if (!name)
		return 0;
	out->frames[0].name = name;
	out->nframes = 1;
	return 0;
}

void symbolizer__stats(const struct symbolizer *s, struct symbolizer_stats *st)
{
	*st = s->stats;
	st->files_cached = s->nfiles;
}
