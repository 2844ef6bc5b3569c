// SPDX-License-Identifier: MIT
/*
 * bench_unwind_table.c - time and memory to build the unwind table of one
 * ELF file, with our parser and with libdw's CFI interpreter.
 *
 * Usage: bench-unwind-table FILE
 * Prints: rows table_MiB ours_ms libdw_ms peak_heap_MiB
 *
 * libdw has no "all rows" call: it evaluates the CFI at one pc at a time
 * (dwarf_cfi_addrframe) and says how far the answer holds, so its table is
 * built by hopping from one answer's end to the next, the same rows.
 */
#include "unwind/unwind_table.h"

#include <elfutils/libdw.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static long maxrss_kb(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

/* Walk every covered pc range with libdw; returns the rows it produced. */
static long libdw_rows(int fd, const struct unwind_table *t)
{
	Elf *elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	Dwarf_CFI *cfi = elf ? dwarf_getcfi_elf(elf) : NULL;
	long rows = 0;
	size_t i = 0;

	if (!cfi) {
		if (elf)
			elf_end(elf);
		return -1;
	}
	while (i < t->nrows) {
		Dwarf_Addr pc = t->rows[i].pc, start, end;
		Dwarf_Frame *f;
		bool signal;

		if (t->rows[i].cfa_rule == CFA_NONE || dwarf_cfi_addrframe(cfi, pc, &f)) {
			i++;
			continue;
		}
		rows++;
		if (dwarf_frame_info(f, &start, &end, &signal) < 0 || end <= pc)
			end = pc + 1;
		free(f);
		while (i < t->nrows && t->rows[i].pc < end)
			i++;
		/* the next row may start mid-answer when rows were merged: keep
		 * hopping from end inside the same function */
		while (i < t->nrows && end < t->rows[i].pc && !dwarf_cfi_addrframe(cfi, end, &f)) {
			Dwarf_Addr s2, e2;

			rows++;
			if (dwarf_frame_info(f, &s2, &e2, &signal) < 0 || e2 <= end)
				e2 = t->rows[i].pc;
			free(f);
			end = e2;
		}
	}
	dwarf_cfi_end(cfi);
	elf_end(elf);
	return rows;
}

int main(int argc, char **argv)
{
	struct unwind_table *t = NULL;
	double best = 1e18, t0, dw_ms;
	char err[256] = "";
	long rss0, rss1, dw;
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: bench-unwind-table FILE\n");
		return 2;
	}
	fd = open(argv[1], O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		perror(argv[1]);
		return 1;
	}
	elf_version(EV_CURRENT);
	rss0 = maxrss_kb();
	for (int i = 0; i < 3; i++) {
		unwind_table__free(t);
		t = NULL;
		t0 = now_ms();
		if (unwind_table__build_fd(fd, &t, err, sizeof(err))) {
			fprintf(stderr, "%s: %s\n", argv[1], err);
			return 1;
		}
		if (now_ms() - t0 < best)
			best = now_ms() - t0;
	}
	rss1 = maxrss_kb();
	t0 = now_ms();
	dw = libdw_rows(fd, t);
	dw_ms = now_ms() - t0;
	printf("%zu %.1f %.1f %.1f %.1f %ld\n", t->nrows, unwind_table__bpf_bytes(t) / 1048576.0,
	       best, dw < 0 ? -1.0 : dw_ms, (rss1 - rss0) / 1024.0, dw);
	unwind_table__free(t);
	close(fd);
	return 0;
}
