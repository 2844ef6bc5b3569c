/* SPDX-License-Identifier: GPL-2.0 */
/*
 * python.bpf.h - walk the CPython frames of the sampled thread (3.11 layout,
 * offsets from user space in py_procs).
 *
 * The thread's PyThreadState is found without the GIL and without stopping
 * the process: the interpreter's list of thread states is searched
 * (bounded) for the one whose thread_id, pthread_self() of the thread that
 * made it, is the task's fs base (x86-64 glibc: the thread pointer). That
 * holds in any PID namespace and whether or not the thread holds the GIL.
 * From its current frame, one frame per bpf_loop() iteration: the code
 * object, the instruction, is_entry, and the code object's fingerprint.
 *
 * Included once by profile.bpf.c; needs metric_inc(), metric_add().
 */
#ifndef BPFPROF_PYTHON_BPF_H
#define BPFPROF_PYTHON_BPF_H

_Static_assert(PY_WINDOW == 64, "the window masks below assume 64 bytes");

/* tgid -> where its interpreter lives; written by user space. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, struct py_proc);
	__uint(max_entries, 4096);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} py_procs SEC(".maps");

/* Python stacks, one map per buffer, keyed by a hash of the frames. */
struct pystacks_map {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u64);
	__type(value, struct py_stack);
	__uint(max_entries, 16384);
	__uint(map_flags, BPF_F_NO_PREALLOC);
};
struct pystacks_map pystacks0 SEC(".maps");
struct pystacks_map pystacks1 SEC(".maps");

/* tid -> its PyThreadState, found once by the search below; checked on
 * every use (its thread_id must still be the thread's fs base). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 16384);
} py_tstates SEC(".maps");

struct py_state {
	struct py_stack st;
	__u8 win[PY_WINDOW + 8]; /* a window read; 8 spare bytes for masked reads */
	__u64 frame;             /* the next frame to record */
	__u64 hash;
	__u32 stop;              /* enum metric, 0 while walking */
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct py_state);
	__uint(max_entries, 1);
} py_scratch SEC(".maps");

struct py_ctx {
	struct py_state *s;
	struct py_proc *pp;
};

/* The u64 at byte `off` of the structure whose window starts at `start`. */
static __always_inline __u64 py_win_u64(struct py_state *s, __u16 off, __u16 start)
{
	__u32 i = (__u32)(__u16)(off - start) & (PY_WINDOW - 1);

	return *(__u64 *)&s->win[i];
}

/* A pointer field read on its own. 0 when unreadable. */
static __always_inline __u64 py_read_ptr(__u64 addr)
{
	__u64 v = 0;

	if (bpf_probe_read_user(&v, sizeof(v), (void *)addr))
		return 0;
	return v;
}

/* bpf_loop() body: record one frame, step to the previous one. */
static long py_frame_one(__u64 index, void *data)
{
	struct py_ctx *c = data;
	struct py_state *s = c->s;
	const struct py_offsets *o = &c->pp->off;
	struct py_frame *f;
	__u64 code, prev_instr, qualname, filename;
	__u32 n = s->st.len, firstlineno;
	__u8 entry;

	if (!s->frame) {
		s->stop = METRIC_PY_STACKS;
		return 1;
	}
	if (n >= PY_MAX_FRAMES) {
		s->stop = METRIC_PY_DEPTH;
		return 1;
	}
	if (bpf_probe_read_user(s->win, PY_WINDOW, (void *)(s->frame + c->pp->frame_window))) {
		s->stop = METRIC_PY_BAD_READ;
		return 1;
	}
	code = py_win_u64(s, o->frame_code, c->pp->frame_window);
	prev_instr = py_win_u64(s, o->frame_prev_instr, c->pp->frame_window);
	entry = (__u8)py_win_u64(s, o->frame_is_entry, c->pp->frame_window);
	s->frame = py_win_u64(s, o->frame_previous, c->pp->frame_window);
	if (bpf_probe_read_user(s->win, PY_WINDOW, (void *)(code + c->pp->code_window))) {
		s->stop = METRIC_PY_BAD_READ;
		return 1;
	}
	firstlineno = (__u32)py_win_u64(s, o->code_firstlineno, c->pp->code_window);
	filename = py_win_u64(s, o->code_filename, c->pp->code_window);
	qualname = py_win_u64(s, o->code_qualname, c->pp->code_window);
	f = &s->st.frames[n];
	f->code = code;
	f->fingerprint = py_fingerprint(qualname, filename, firstlineno);
	f->instr = (__u32)(prev_instr - code - o->code_code_adaptive);
	f->flags = entry ? PY_FRAME_ENTRY : 0;
	s->st.len = n + 1;
	s->hash = (s->hash ^ code ^ ((__u64)f->instr << 40) ^ f->flags) * 0xff51afd7ed558ccdULL;
	s->hash ^= s->hash >> 32;
	return 0;
}

struct py_find_ctx {
	__u64 tstate, fsbase;
	__u16 next, thread_id;
	__u32 found;
};

/* bpf_loop() body: is this thread state the sampled thread's? */
static long py_tstate_one(__u64 index, void *data)
{
	struct py_find_ctx *c = data;

	if (!c->tstate)
		return 1;
	if (py_read_ptr(c->tstate + c->thread_id) == c->fsbase) {
		c->found = 1;
		return 1;
	}
	c->tstate = py_read_ptr(c->tstate + c->next);
	return 0;
}

/*
 * The Python stack of the current thread of a process in py_procs, into the
 * scratch state; NULL when the process has no entry or no stack was found
 * (counted by reason).
 */
static __noinline struct py_state *py_walk(struct task_struct *task, __u32 tgid, __u32 tid)
{
	struct py_proc *pp = bpf_map_lookup_elem(&py_procs, &tgid);
	struct py_find_ctx fc = {};
	struct py_ctx c;
	__u64 t0, cframe, interp, *cached;
	__u32 zero = 0;

	if (!pp)
		return NULL;
	t0 = bpf_ktime_get_ns();
	c.pp = pp;
	c.s = bpf_map_lookup_elem(&py_scratch, &zero);
	if (!c.s)
		return NULL;
	c.s->st.len = 0;
	c.s->st.truncated = 0;
	c.s->stop = 0;
	c.s->hash = 0x84222325cbf29ce4ULL;
	fc.fsbase = BPF_CORE_READ(task, thread.fsbase);
	fc.next = pp->off.tstate_next;
	fc.thread_id = pp->off.tstate_thread_id;
	/* the thread's state as found before, if it still is */
	cached = bpf_map_lookup_elem(&py_tstates, &tid);
	if (cached && *cached && py_read_ptr(*cached + fc.thread_id) == fc.fsbase) {
		fc.tstate = *cached;
	} else {
		/* the main interpreter only (subinterpreters are rare) */
		interp = py_read_ptr(pp->runtime + pp->off.runtime_interp_head);
		fc.tstate = interp ? py_read_ptr(interp + pp->off.interp_tstate_head) : 0;
		bpf_loop(PY_MAX_THREADS, py_tstate_one, &fc, 0);
		if (!fc.found) {
			/* no interpreter yet or a thread Python does not know */
			metric_inc(fc.tstate ? METRIC_PY_THREADS : METRIC_PY_NO_TSTATE);
			return NULL;
		}
		bpf_map_update_elem(&py_tstates, &tid, &fc.tstate, BPF_ANY);
	}
	cframe = py_read_ptr(fc.tstate + pp->off.tstate_cframe);
	c.s->frame = cframe ? py_read_ptr(cframe + pp->off.cframe_current_frame) : 0;
	bpf_loop(PY_MAX_FRAMES + 1, py_frame_one, &c, 0);
	if (c.s->stop == METRIC_PY_DEPTH)
		c.s->st.truncated = 1;
	if (c.s->stop != METRIC_PY_STACKS)
		metric_inc(c.s->stop ? c.s->stop : METRIC_PY_DEPTH);
	metric_add(METRIC_PY_FRAMES, c.s->st.len);
	metric_add(METRIC_PY_NS, bpf_ktime_get_ns() - t0);
	if (!c.s->st.len)
		return NULL;
	return c.s;
}

/* A stack new in its buffer: user space reads its code objects at once,
 * while the process is alive (it may be gone by the drain). */
static __noinline void emit_py_stack(__u32 tgid, __u32 buffer, __u64 hash)
{
	struct pid_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);

	if (!e) {
		metric_inc(METRIC_EVENTS_LOST);
		return;
	}
	__builtin_memset(e, 0, sizeof(*e));
	e->type = PID_EVENT_PY_STACK;
	e->tgid = tgid;
	e->py_hash = hash;
	e->py_buffer = buffer;
	bpf_ringbuf_submit(e, 0);
}

/* Store the walked stack into pystacks (per buffer); returns its hash, 0
 * when the map is full. */
static __always_inline __u64 store_pystack(void *pystacks, struct py_state *s, __u32 tgid,
					   __u32 buffer)
{
	__u64 h = (s->hash ^ s->st.len ^ ((__u64)s->st.truncated << 63)) * 0x9e3779b97f4a7c15ULL;

	if (!h)
		h = 1;
	if (bpf_map_lookup_elem(pystacks, &h))
		goto stored;
	if (bpf_map_update_elem(pystacks, &h, &s->st, BPF_NOEXIST)) {
		if (!bpf_map_lookup_elem(pystacks, &h)) {
			metric_inc(METRIC_PY_STACKS_FULL);
			return 0;
		}
	} else {
		emit_py_stack(tgid, buffer, h);
	}
stored:
	metric_inc(METRIC_PY_STACKS);
	return h;
}

#endif
