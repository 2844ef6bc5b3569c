/* SPDX-License-Identifier: MIT */
/*
 * hmap.h - insert-only hash map from byte strings to 64-bit values.
 *
 * Used to intern strings, frames, stacks and sample keys while a profile is
 * built. Keys are copied into the map's own arena; nothing is deleted (a
 * profile is built, written, then freed whole).
 */
#ifndef BPFPROF_HMAP_H
#define BPFPROF_HMAP_H

#include <stddef.h>
#include <stdint.h>

struct hmap;

struct hmap *hmap__new(void);
void hmap__free(struct hmap *m);

/* Look key up. Returns 1 and sets *value when found, 0 when not. */
int hmap__get(const struct hmap *m, const void *key, size_t len, uint64_t *value);

/* Like hmap__get, and also returns the map's own copy of the key. */
int hmap__get_key(const struct hmap *m, const void *key, size_t len, uint64_t *value,
		  const void **stored_key);

/*
 * Insert key with value if absent. Returns 1 if inserted, 0 if it was already
 * there (then *value, if not NULL, gets the stored value), -ENOMEM.
 * On insert, *stored_key (if not NULL) points at the map's copy of the key,
 * valid until the map is freed.
 */
int hmap__put(struct hmap *m, const void *key, size_t len, uint64_t value,
	      uint64_t *existing, const void **stored_key);

/* Replace the value of an existing key. Returns 0 or -ENOENT. */
int hmap__set(struct hmap *m, const void *key, size_t len, uint64_t value);

size_t hmap__count(const struct hmap *m);

/* 64-bit FNV-1a; exposed so callers can hash without a map. */
uint64_t hmap__hash(const void *key, size_t len);

#endif
