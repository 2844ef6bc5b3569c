/* SPDX-License-Identifier: GPL-2.0 */
/*
 * unwind.bpf.h - walk a user stack in BPF from unwind tables (x86-64).
 *
 * Included once by profile.bpf.c. User space loads, per file, sorted rows
 * (struct unwind_row) into one shared array and, per process, the sorted
 * address ranges that have a table. One frame per bpf_loop() iteration:
 * find the range, binary-search the row, compute the CFA, read the return
 * address at CFA - 8 and the saved rbp if the row says where it is.
 *
 * Needs: metric_inc(), emit_event() and the rodata unwind_mode.
 */
#ifndef BPFPROF_UNWIND_BPF_H
#define BPFPROF_UNWIND_BPF_H

_Static_assert((UNWIND_MAX_RANGES & (UNWIND_MAX_RANGES - 1)) == 0, "a power of two");

/* Rows of every loaded table; max_entries set by user space before load.
 * Mmapable: user space copies a table in with memcpy, not a syscall per row. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct unwind_row);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_MMAPABLE);
} unwind_rows SEC(".maps");

/* table id -> rows; written by user space, an entry deleted = evicted. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, struct unwind_table_ref);
	__uint(max_entries, 8192);
} unwind_tables SEC(".maps");

/* tgid -> mappings with tables; written by user space on exec/first sample. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, struct proc_unwind);
	__uint(max_entries, 8192);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} unwind_procs SEC(".maps");

/* Unwound user stacks, one map per buffer, keyed by a hash of the frames. */
struct ustacks_map {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u64);
	__type(value, struct user_stack);
	__uint(max_entries, 16384);
	__uint(map_flags, BPF_F_NO_PREALLOC);
};
struct ustacks_map ustacks0 SEC(".maps");
struct ustacks_map ustacks1 SEC(".maps");

/* Per-CPU state of the unwind in progress (too big for the BPF stack). */
struct uw_state {
	struct user_stack st;
	__u64 ip, sp, bp;
	__u64 hash; /* of the frames so far, updated as they are added */
	__u32 range; /* index of the last range used, a hint */
	__u32 tgid;
	__u32 stop; /* enum metric of the reason, 0 while walking */
};
_Static_assert(sizeof(struct uw_state) < 2048, "unwind state stays small");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct uw_state);
	__uint(max_entries, 1);
} unwind_scratch SEC(".maps");

struct unwind_ctx {
	struct uw_state *s;
	struct proc_unwind *pu;
};

/* ceil(log2(UNWIND_MAX_RANGES)) halvings */
#define RANGE_SEARCH_STEPS 6
/* 2^24 rows per table at most (user space refuses bigger tables) */
#define ROW_SEARCH_STEPS 24

/* Index of tgid's range holding pc, or -1. A global function, verified
 * once on its own: inlined, its search multiplies the verifier's states by
 * twenty (half a second of load time). Costs a hash lookup, which the
 * caller saves while frames stay in one range. */
__noinline int find_range(__u32 tgid, __u64 pc)
{
	struct proc_unwind *pu = bpf_map_lookup_elem(&unwind_procs, &tgid);
	__u32 base = 0, n;

	if (!pu)
		return -1;
	n = pu->nranges;
	if (n > UNWIND_MAX_RANGES)
		n = UNWIND_MAX_RANGES;
	if (n == 0)
		return -1;
	/* the answer stays in [base, base + n); n comes from the map, so the
	 * verifier tracks ranges, not constants, and prunes */
	for (int k = 0; k < RANGE_SEARCH_STEPS && n > 1; k++) {
		__u32 half = n / 2;

		if (pu->ranges[(base + half) & (UNWIND_MAX_RANGES - 1)].start <= pc)
			base += half;
		n -= half;
	}
	base &= UNWIND_MAX_RANGES - 1;
	if (pc < pu->ranges[base].start || pc >= pu->ranges[base].end)
		return -1;
	return (int)base;
}

/* Index of the row for rel_pc in [off, off + count): the last row with
 * pc <= rel_pc; -1 if none. A global function: verified once, on its own,
 * instead of at every place the unwinder inlines it. */
__noinline int find_row_index(__u32 off, __u32 count, __u32 rel_pc)
{
	__u32 base = off, n = count, idx;
	struct unwind_row *r;

	if (n == 0)
		return -1;
	/* the answer stays in [base, base + n) */
	for (int k = 0; k < ROW_SEARCH_STEPS && n > 1; k++) {
		__u32 half = n / 2;

		idx = base + half;
		r = bpf_map_lookup_elem(&unwind_rows, &idx);
		if (!r)
			return -1;
		if (r->pc <= rel_pc)
			base = idx;
		n -= half;
	}
	r = bpf_map_lookup_elem(&unwind_rows, &base);
	if (!r || r->pc > rel_pc)
		return -1;
	return (int)base;
}

static __always_inline struct unwind_row *find_row(__u32 off, __u32 count, __u32 rel_pc)
{
	int i = find_row_index(off, count, rel_pc);
	__u32 idx = (__u32)i;

	if (i < 0)
		return NULL;
	return bpf_map_lookup_elem(&unwind_rows, &idx);
}

/*
 * Per-CPU cache of rows by (table id, pc), direct mapped: the same return
 * addresses come back sample after sample, and a hit saves the binary
 * search (24 random reads in a table of a million rows, each a cache and
 * TLB miss). Table ids are never reused, so an evicted table's entries can
 * never match again.
 */
#define ROW_CACHE_BITS 12
struct row_cache_entry {
	__u64 key; /* table id << 32 | pc; 0 = empty */
	struct unwind_row row;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct row_cache_entry);
	__uint(max_entries, 1 << ROW_CACHE_BITS);
} row_cache SEC(".maps");

/* The row for rel_pc in table tid; *evicted when the table is gone (a
 * cached row stays right: it is a copy, and a file's CFI never changes). */
static __always_inline struct unwind_row *cached_row(__u32 tid, __u32 rel_pc, bool *evicted)
{
	__u64 key = (__u64)tid << 32 | rel_pc;
	__u32 slot = (__u32)((key * 0x9e3779b97f4a7c15ULL) >> (64 - ROW_CACHE_BITS));
	struct row_cache_entry *ce = bpf_map_lookup_elem(&row_cache, &slot);
	struct unwind_table_ref *ref;
	struct unwind_row *row;

	*evicted = false;
	if (ce && ce->key == key) {
		metric_inc(METRIC_UNWIND_CACHE_HITS);
		return &ce->row;
	}
	ref = bpf_map_lookup_elem(&unwind_tables, &tid);
	if (!ref) {
		*evicted = true;
		return NULL;
	}
	row = find_row(ref->offset, ref->count, rel_pc);
	if (row && ce) {
		ce->key = key;
		ce->row = *row;
	}
	return row;
}

/* One frame-pointer step: the caller's frame from rbp. 0 or a stop reason. */
static __always_inline __u32 fp_step(struct uw_state *s)
{
	__u64 frame[2]; /* saved rbp, return address */

	if (!s->bp)
		return METRIC_UNWIND_END;
	if (bpf_probe_read_user(frame, sizeof(frame), (void *)s->bp))
		return METRIC_UNWIND_BAD_READ;
	metric_inc(METRIC_UNWIND_FP_FRAMES);
	s->sp = s->bp + 16;
	s->bp = frame[0];
	s->ip = frame[1];
	return 0;
}

/* Without a table: a frame-pointer step in auto mode, else the end. */
static __always_inline __u32 no_table(struct uw_state *s, struct proc_unwind *pu)
{
	if (!pu->miss_reported) {
		pu->miss_reported = 1;
		emit_event(PID_EVENT_UNWIND_MISS, s->tgid);
	}
	if (unwind_mode == UNWIND_AUTO)
		return fp_step(s);
	return METRIC_UNWIND_NO_TABLE;
}

/* One frame from the table. A global function too: verified once. */
__noinline __u32 table_step(struct uw_state *s, struct proc_unwind *pu)
{
	struct unwind_range *rg;
	bool evicted;
	struct unwind_row *row;
	__u64 pc, cfa, rel, ra;
	__u32 tid, ri;

	if (!s || !pu)
		return METRIC_UNWIND_NO_TABLE;
	/* a return address points after its call: look up the call itself */
	pc = s->st.len > 1 ? s->ip - 1 : s->ip;

	ri = s->range;
	if (ri >= UNWIND_MAX_RANGES || ri >= pu->nranges || pc < pu->ranges[ri].start ||
	    pc >= pu->ranges[ri].end) {
		int i = find_range(s->tgid, pc);

		if (i < 0 || i >= UNWIND_MAX_RANGES)
			return no_table(s, pu);
		ri = (__u32)i;
		s->range = ri;
	}
	/* the mask keeps the verifier sure of the bound, whatever register
	 * the compiler reuses (UNWIND_MAX_RANGES is a power of two) */
	rg = &pu->ranges[ri & (UNWIND_MAX_RANGES - 1)];
	tid = rg->table_id;
	rel = pc - rg->bias;
	if (rel > 0xffffffffULL)
		return no_table(s, pu);
	row = cached_row(tid, (__u32)rel, &evicted);
	if (evicted) /* ask for a reload */
		return no_table(s, pu);
	if (!row || row->cfa_rule == CFA_NONE)
		return unwind_mode == UNWIND_AUTO ? fp_step(s) : METRIC_UNWIND_NO_TABLE;

	switch (row->cfa_rule) {
	case CFA_SP:
		cfa = s->sp + row->cfa_off;
		break;
	case CFA_FP:
		if (!s->bp)
			return METRIC_UNWIND_BAD_READ;
		cfa = s->bp + row->cfa_off;
		break;
	case CFA_PLT:
		cfa = s->sp + 8 + ((s->ip & 15) >= (__u64)row->cfa_off ? 8 : 0);
		break;
	case CFA_END:
		return METRIC_UNWIND_END;
	default:
		return METRIC_UNWIND_UNSUPPORTED;
	}
	if (bpf_probe_read_user(&ra, sizeof(ra), (void *)(cfa - 8)))
		return METRIC_UNWIND_BAD_READ;
	if (row->rbp_rule == RBP_AT_CFA) {
		if (bpf_probe_read_user(&s->bp, sizeof(s->bp), (void *)(cfa + (__s64)row->rbp_off * 8)))
			return METRIC_UNWIND_BAD_READ;
	} else if (row->rbp_rule == RBP_LOST) {
		s->bp = 0;
	}
	s->sp = cfa;
	s->ip = ra;
	return 0;
}

/* bpf_loop() body: record the current frame, then step to its caller. */
static long unwind_one(__u64 index, void *data)
{
	struct unwind_ctx *c = data;
	struct uw_state *s = c->s;
	__u64 n = s->st.len;
	__u32 why;

	if (n >= MAX_STACK_DEPTH) {
		s->stop = METRIC_UNWIND_DEPTH;
		return 1;
	}
	s->st.frames[n] = s->ip;
	s->st.len = n + 1;
	s->hash = (s->hash ^ s->ip) * 0xff51afd7ed558ccdULL;
	s->hash ^= s->hash >> 32;
	why = table_step(s, c->pu);
	if (!why && s->ip < 4096) /* a zero return address ends the stack too */
		why = METRIC_UNWIND_END;
	if (why) {
		s->stop = why;
		return 1;
	}
	return 0;
}

/*
 * Unwind the current task's user stack from its user registers into the
 * scratch state.
 * Returns the state, or NULL when the process has no tables (the caller
 * then keeps the frame-pointer stack).
 */
static __always_inline struct uw_state *unwind_user(__u64 ip, __u64 sp, __u64 bp, __u32 tgid)
{
	struct unwind_ctx c;
	__u32 zero = 0;
	__u64 t0 = bpf_ktime_get_ns();

	c.pu = bpf_map_lookup_elem(&unwind_procs, &tgid);
	if (!c.pu)
		return NULL;
	c.s = bpf_map_lookup_elem(&unwind_scratch, &zero);
	if (!c.s)
		return NULL;
	c.s->st.len = 0;
	c.s->hash = 0x9e3779b97f4a7c15ULL;
	c.s->range = UNWIND_MAX_RANGES;
	c.s->stop = 0;
	c.s->tgid = tgid;
	c.s->ip = ip;
	c.s->sp = sp;
	c.s->bp = bp;
	bpf_loop(MAX_STACK_DEPTH + 1, unwind_one, &c, 0);
	metric_inc(c.s->stop ? c.s->stop : METRIC_UNWIND_DEPTH);
	metric_add(METRIC_UNWIND_FRAMES, c.s->st.len);
	metric_add(METRIC_UNWIND_NS, bpf_ktime_get_ns() - t0);
	return c.s;
}

/* Store the unwound stack into ustacks (per buffer); returns its hash, 0
 * when the map is full. */
static __always_inline __u64 store_ustack(void *ustacks, struct uw_state *s)
{
	__u64 h = (s->hash ^ s->st.len) * 0x9e3779b97f4a7c15ULL;

	if (!h)
		h = 1;
	if (bpf_map_lookup_elem(ustacks, &h))
		return h;
	if (bpf_map_update_elem(ustacks, &h, &s->st, BPF_NOEXIST) &&
	    !bpf_map_lookup_elem(ustacks, &h)) {
		metric_inc(METRIC_USTACKS_FULL);
		return 0;
	}
	return h;
}

#endif
