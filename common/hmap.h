/* SPDX-License-Identifier: MIT */
/*
 * hmap.h - hash map from byte strings to 64-bit values.
 *
 * Used to intern strings, frames, stacks and sample keys while a profile is
 * built, and as the index of caches that live as long as the agent. Keys are
 * copied into the map's own arena. A map that never deletes keeps every
 * stored key where it is; hmap__del reclaims the arena by moving the live
 * keys once the deleted ones outweigh them, so a map that deletes must not
 * keep stored_key pointers across a hmap__del.
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

/* Remove key. Returns 0 or -ENOENT. Memory stays proportional to the keys
 * present: the slot array shrinks and the arena is compacted as keys go. */
int hmap__del(struct hmap *m, const void *key, size_t len);

size_t hmap__count(const struct hmap *m);

/* 64-bit FNV-1a; exposed so callers can hash without a map. */
uint64_t hmap__hash(const void *key, size_t len);

#endif
