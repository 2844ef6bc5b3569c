// SPDX-License-Identifier: MIT
/* hmap.c - open addressing, linear probing, keys in a chunked arena. */
#include "common/hmap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct slot {
	uint64_t hash; /* 0 marks an empty slot */
	const unsigned char *key;
	size_t len;
	uint64_t value;
};

/* Keys live in chunks that never move, so stored_key pointers stay valid. */
struct chunk {
	struct chunk *next;
	size_t used, cap;
	unsigned char data[];
};

struct hmap {
	struct slot *slots;
	size_t cap; /* power of two */
	size_t count;
	struct chunk *chunks;
	size_t live_bytes, dead_bytes; /* arena bytes of present / deleted keys */
};

#define CHUNK_MIN (64 * 1024)

uint64_t hmap__hash(const void *key, size_t len)
{
	const unsigned char *p = key;
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h ? h : 1;
}

struct hmap *hmap__new(void)
{
	struct hmap *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->cap = 64;
	m->slots = calloc(m->cap, sizeof(*m->slots));
	if (!m->slots) {
		free(m);
		return NULL;
	}
	return m;
}

void hmap__free(struct hmap *m)
{
	if (!m)
		return;
	while (m->chunks) {
		struct chunk *next = m->chunks->next;

		free(m->chunks);
		m->chunks = next;
	}
	free(m->slots);
	free(m);
}

static struct slot *find(const struct hmap *m, uint64_t h, const void *key, size_t len)
{
	size_t mask = m->cap - 1;

	for (size_t i = h & mask;; i = (i + 1) & mask) {
		struct slot *s = &m->slots[i];

		if (!s->hash)
			return s;
		if (s->hash == h && s->len == len && !memcmp(s->key, key, len))
			return s;
	}
}

static int resize(struct hmap *m, size_t ncap)
{
	struct slot *old = m->slots, *nslots = calloc(ncap, sizeof(*nslots));

	if (!nslots)
		return -ENOMEM;
	for (size_t i = 0; i < m->cap; i++) {
		if (!old[i].hash)
			continue;
		size_t j = old[i].hash & (ncap - 1);

		while (nslots[j].hash)
			j = (j + 1) & (ncap - 1);
		nslots[j] = old[i];
	}
	m->slots = nslots;
	m->cap = ncap;
	free(old);
	return 0;
}

static int grow(struct hmap *m)
{
	return resize(m, m->cap * 2);
}

static size_t arena_len(size_t len)
{
	return (len + 7) & ~(size_t)7;
}

static unsigned char *arena_copy(struct hmap *m, const void *key, size_t len)
{
	struct chunk *c = m->chunks;

	if (!c || c->cap - c->used < len) {
		size_t cap = len > CHUNK_MIN ? len : CHUNK_MIN;

		c = malloc(sizeof(*c) + cap);
		if (!c)
			return NULL;
		c->cap = cap;
		c->used = 0;
		c->next = m->chunks;
		m->chunks = c;
	}
	unsigned char *p = c->data + c->used;

	if (len)
		memcpy(p, key, len);
	/* keep the next key 8-byte aligned so callers may cast stored keys */
	c->used += arena_len(len);
	if (c->used > c->cap)
		c->used = c->cap;
	m->live_bytes += arena_len(len);
	return p;
}

int hmap__get_key(const struct hmap *m, const void *key, size_t len, uint64_t *value,
		  const void **stored_key)
{
	struct slot *s = find(m, hmap__hash(key, len), key, len);

	if (!s->hash)
		return 0;
	if (value)
		*value = s->value;
	if (stored_key)
		*stored_key = s->key;
	return 1;
}

int hmap__get(const struct hmap *m, const void *key, size_t len, uint64_t *value)
{
	return hmap__get_key(m, key, len, value, NULL);
}

int hmap__put(struct hmap *m, const void *key, size_t len, uint64_t value,
	      uint64_t *existing, const void **stored_key)
{
	uint64_t h = hmap__hash(key, len);
	struct slot *s;

	if ((m->count + 1) * 4 > m->cap * 3 && grow(m))
		return -ENOMEM;
	s = find(m, h, key, len);
	if (s->hash) {
		if (existing)
			*existing = s->value;
		if (stored_key)
			*stored_key = s->key;
		return 0;
	}
	s->key = arena_copy(m, key, len);
	if (!s->key)
		return -ENOMEM;
	s->hash = h;
	s->len = len;
	s->value = value;
	m->count++;
	if (stored_key)
		*stored_key = s->key;
	return 1;
}

int hmap__set(struct hmap *m, const void *key, size_t len, uint64_t value)
{
	struct slot *s = find(m, hmap__hash(key, len), key, len);

	if (!s->hash)
		return -ENOENT;
	s->value = value;
	return 0;
}

/* Copy the live keys into fresh chunks and free the old ones. */
static int compact(struct hmap *m)
{
	struct chunk *old = m->chunks;
	struct slot *copy = malloc(m->cap * sizeof(*copy));

	if (!copy)
		return -ENOMEM;
	memcpy(copy, m->slots, m->cap * sizeof(*copy));
	m->chunks = NULL;
	m->live_bytes = m->dead_bytes = 0;
	for (size_t i = 0; i < m->cap; i++) {
		if (!copy[i].hash)
			continue;
		copy[i].key = arena_copy(m, copy[i].key, copy[i].len);
		if (!copy[i].key) { /* keep the old arena: nothing moved */
			while (m->chunks) {
				struct chunk *next = m->chunks->next;

				free(m->chunks);
				m->chunks = next;
			}
			m->chunks = old;
			free(copy);
			return -ENOMEM;
		}
	}
	while (old) {
		struct chunk *next = old->next;

		free(old);
		old = next;
	}
	free(m->slots);
	m->slots = copy;
	return 0;
}

int hmap__del(struct hmap *m, const void *key, size_t len)
{
	size_t mask = m->cap - 1, i, j;
	struct slot *s = find(m, hmap__hash(key, len), key, len);

	if (!s->hash)
		return -ENOENT;
	m->live_bytes -= arena_len(len);
	m->dead_bytes += arena_len(len);
	m->count--;
	/* backward shift: no tombstones, probes stay as short as on insert */
	i = (size_t)(s - m->slots);
	for (j = (i + 1) & mask; m->slots[j].hash; j = (j + 1) & mask) {
		size_t home = m->slots[j].hash & mask;

		/* j may move to i when its home is not in (i, j] cyclically */
		if ((i <= j) ? (home <= i || home > j) : (home <= i && home > j)) {
			m->slots[i] = m->slots[j];
			i = j;
		}
	}
	memset(&m->slots[i], 0, sizeof(m->slots[i]));
	if (m->cap > 64 && m->count * 8 < m->cap)
		resize(m, m->cap / 2); /* a failure keeps the bigger array: still correct */
	if (m->dead_bytes > CHUNK_MIN && m->dead_bytes > m->live_bytes)
		compact(m);
	return 0;
}

size_t hmap__count(const struct hmap *m)
{
	return m->count;
}
