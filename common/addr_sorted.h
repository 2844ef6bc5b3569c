/* SPDX-License-Identifier: MIT */
/*
 * addr_sorted.h - the binary search that tables sorted by start address
 * share (ELF symbols, kallsyms, perf maps, DWARF unit ranges, a process's
 * mappings).
 */
#ifndef BPFPROF_ADDR_SORTED_H
#define BPFPROF_ADDR_SORTED_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/*
 * In base[0, n), elements of size bytes sorted by the uint64_t at byte off
 * of each: the index of the first whose key is above addr (n when none), so
 * that base[i - 1] is the last one starting at or below addr when i > 0.
 * Inline: with constant size and off it is the loop written out by hand.
 */
static inline size_t addr_sorted__upper(const void *base, size_t n, size_t size, size_t off,
					uint64_t addr)
{
	const unsigned char *b = base;
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		uint64_t key;

		memcpy(&key, b + mid * size + off, sizeof(key));
		if (key <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

#endif
