/* SPDX-License-Identifier: MIT */
/*
 * profile_abi.h - the one header shared by the BPF program and user space.
 *
 * Record layouts, metric indices and limits. Only fixed-size __u32/__u64
 * types so it compiles after vmlinux.h (BPF side) and after <linux/types.h>
 * (user side) with identical layouts.
 */
#ifndef BPFPROF_PROFILE_ABI_H
#define BPFPROF_PROFILE_ABI_H

#ifndef TASK_COMM_LEN
#define TASK_COMM_LEN 16
#endif

/* The kernel's own cap on stack depth (kernel.perf_event_max_stack). */
#ifndef MAX_STACK_DEPTH
#define MAX_STACK_DEPTH 127
#endif

/*
 * Two buffers of (counts, stacks) maps: the BPF program writes into the
 * active one while user space drains the other, so draining loses nothing.
 */
#define NR_BUFFERS 2

/* Key of the in-kernel sample counts. Stack ids < 0 are -errno from
 * bpf_get_stackid(), kept so a failed stack is still a counted sample. */
struct sample_key {
	__u32 tgid;
	__u32 tid;
	__s32 kstack_id;
	__s32 ustack_id;
	char comm[TASK_COMM_LEN];
	__u64 ustack_hash; /* with ustack_id == STACK_ID_UNWOUND: key in ustacks */
	__u64 pystack_hash; /* the Python frames of the thread: key in pystacks; 0 = none */
};

/* Stack id when the sample has no such stack: a user-mode sample has no
 * kernel stack, a kernel thread has no user stack. Not an error. */
#define STACK_ID_NONE (-2)
/* The user stack was unwound in BPF from unwind tables: it is stored in the
 * ustacks map of the same buffer under sample_key.ustack_hash. */
#define STACK_ID_UNWOUND (-3)

/* How user stacks are walked (rodata unwind_mode). */
enum unwind_mode {
	UNWIND_FP = 0,    /* frame pointers only (bpf_get_stackid) */
	UNWIND_DWARF = 1, /* tables; a frame without table ends the stack */
	UNWIND_AUTO = 2,  /* tables where loaded, frame pointers elsewhere */
};

/*
 * Unwind tables (x86-64). User space turns .eh_frame/.debug_frame into
 * sorted rows; a row holds from its pc to the next row's pc. The return
 * address is always at CFA - 8.
 */
enum unwind_cfa {
	CFA_NONE = 0,  /* no CFI covers this pc (gap between functions) */
	CFA_SP = 1,    /* CFA = rsp + cfa_off */
	CFA_FP = 2,    /* CFA = rbp + cfa_off */
	CFA_PLT = 3,   /* PLT entry: CFA = rsp + 8 + ((rip & 15) >= cfa_off ? 8 : 0) */
	CFA_END = 4,   /* return address undefined: the outermost frame */
	CFA_UNSUP = 5, /* a rule we do not evaluate (expressions, other registers) */
};

enum unwind_rbp {
	RBP_SAME = 0,  /* rbp unchanged in this frame */
	RBP_AT_CFA = 1, /* caller's rbp saved at CFA + rbp_off */
	RBP_LOST = 2,  /* rbp recovered by a rule we do not evaluate */
};

/* 8 bytes: tables for every process of a busy machine fit in ~20 MiB. */
struct unwind_row {
	__u32 pc;          /* ELF virtual address in the file */
	__s16 cfa_off;
	__s8 rbp_off;      /* RBP_AT_CFA: rbp saved at CFA + 8 * rbp_off */
	__u8 cfa_rule : 4; /* enum unwind_cfa */
	__u8 rbp_rule : 4; /* enum unwind_rbp */
};

/* A loaded table: rows [offset, offset + count) of the unwind_rows map. */
struct unwind_table_ref {
	__u32 offset;
	__u32 count;
};

/* Executable mappings of one process that have a table, sorted by start. */
#ifndef UNWIND_MAX_RANGES
#define UNWIND_MAX_RANGES 64
#endif
struct unwind_range {
	__u64 start, end; /* process addresses [start, end) */
	__u64 bias;       /* process address - ELF virtual address */
	__u32 table_id;   /* key in unwind_tables; a missing id = evicted */
	__u32 pad;
};

struct proc_unwind {
	__u32 nranges;
	__u32 miss_reported; /* set by BPF after one PID_EVENT_UNWIND_MISS */
	struct unwind_range ranges[UNWIND_MAX_RANGES];
};

/* A user stack unwound in BPF, leaf first. */
struct user_stack {
	__u64 len;
	__u64 frames[MAX_STACK_DEPTH];
};

/* Events from BPF to user space through the ring buffer. */
enum pid_event_type {
	PID_EVENT_NEW = 1,  /* first sample of a tgid: capture its mappings now */
	PID_EVENT_EXEC = 2, /* tgid exec'd: its mappings changed */
	PID_EVENT_EXIT = 3, /* tgid exited: metadata may be evicted later */
	PID_EVENT_UNWIND_MISS = 4, /* a pc outside the tgid's tables: reload them */
	PID_EVENT_PY_STACK = 5, /* a new Python stack (py_hash in pystacks of py_buffer):
				 * name its code objects while the process lives */
};

struct pid_event {
	__u32 type;
	__u32 tgid;
	__u64 time_ns;
	__u64 cgroup_id; /* the task's cgroup v2 id: keys user space's cache of paths */
	char comm[TASK_COMM_LEN];
	__u64 py_hash;   /* PID_EVENT_PY_STACK only */
	__u32 py_buffer;
	__u32 pad;
};

/* Per-CPU counters, indexed by this enum; every lost or degraded sample
 * lands in exactly one reason so the user sees what was lost. */
enum metric {
	METRIC_SAMPLES = 0,        /* samples counted in the maps */
	METRIC_IDLE,               /* idle-task samples skipped (no --idle) */
	METRIC_FILTERED,           /* samples of processes outside the filter */
	METRIC_KSTACK_COLLISION,   /* kernel stack id -EEXIST: hash bucket taken */
	METRIC_KSTACK_FAULT,       /* kernel stack id -EFAULT */
	METRIC_KSTACK_NOMEM,       /* kernel stack id -ENOMEM: stack map full */
	METRIC_USTACK_COLLISION,   /* user stack id -EEXIST */
	METRIC_USTACK_FAULT,       /* user stack id -EFAULT (unreadable stack) */
	METRIC_USTACK_NOMEM,       /* user stack id -ENOMEM: stack map full */
	METRIC_STACK_OTHER,        /* any other stack id error */
	METRIC_COUNTS_FULL,        /* sample dropped: counts map full */
	METRIC_EVENTS_LOST,        /* ring buffer full: a process event lost */
	METRIC_PIDS_FULL,          /* seen-pid map full: process may miss maps */
	/* user stacks unwound from tables: why each unwind stopped */
	METRIC_UNWIND_END,         /* reached the outermost frame: complete */
	METRIC_UNWIND_NO_TABLE,    /* a pc outside every table (dwarf mode) */
	METRIC_UNWIND_UNSUPPORTED, /* a CFI rule we do not evaluate */
	METRIC_UNWIND_BAD_READ,    /* reading the user stack failed */
	METRIC_UNWIND_DEPTH,       /* MAX_STACK_DEPTH frames: truncated */
	METRIC_UNWIND_FP_FRAMES,   /* frames walked by frame pointer (auto mode) */
	METRIC_UNWIND_FP_FALLBACK, /* process without tables yet: FP stack kept */
	METRIC_USTACKS_FULL,       /* unwound stack not stored: ustacks map full */
	METRIC_UNWIND_NS,          /* sum: ns spent unwinding and storing stacks */
	METRIC_UNWIND_FRAMES,      /* sum: frames of the unwound stacks */
	METRIC_UNWIND_CACHE_HITS,  /* frames whose row came from the row cache */
	/* CPython frames walked in BPF (processes with a py_procs entry) */
	METRIC_PY_STACKS,          /* samples given a Python stack */
	METRIC_PY_NO_TSTATE,       /* no thread state of the sampled thread */
	METRIC_PY_BAD_READ,        /* reading the interpreter's memory failed */
	METRIC_PY_DEPTH,           /* PY_MAX_FRAMES frames: the oldest left out */
	METRIC_PY_THREADS,         /* thread not among the first PY_MAX_THREADS states */
	METRIC_PY_STACKS_FULL,     /* Python stack not stored: pystacks map full */
	METRIC_PY_FRAMES,          /* sum: Python frames of the stacks walked */
	METRIC_PY_NS,              /* sum: ns spent walking and storing them */
	NR_METRICS,
};

/* cpu_state.options: which samples and stacks to keep (record -t, --cgroup,
 * -k, -u); each costs nothing when off. */
enum sample_option {
	SAMPLE_BY_TID = 1,    /* pid_filter holds thread ids, not tgids */
	SAMPLE_CGROUP = 2,    /* only the cgroup v2 subtree cgroup_id (rodata) */
	SAMPLE_NO_USER = 4,   /* kernel stacks only */
	SAMPLE_NO_KERNEL = 8, /* user stacks only */
};

/*
 * State of the sampler on one CPU (entry CPU of the cpu_state array, which
 * user space maps). Its first cache line holds everything a sample reads or
 * writes besides the task and the maps: at 99 Hz each sample starts with cold
 * caches and every extra line cost about as much as a short stack walk (5 %
 * of a sample here). Options live here, once per CPU, and not in .rodata or
 * .bss for the same reason. Cache-line aligned: no two CPUs write one line.
 */
struct cpu_state {
	/* written by user space at run time: which buffer the sampler fills */
	volatile __u32 active_buffer;
	__u32 filter_pids; /* set by user space: only sample tgids in pid_filter */
	/* the process announced last on this CPU; cleared on every CPU when
	 * it exits, so a reused pid is announced again */
	__u32 last_tgid;
	__u32 options; /* set by user space before attaching: enum sample_option */
	/* the first six (samples, idle, filtered, kernel stack errors) share
	 * the first line */
	__u64 metrics[NR_METRICS];
} __attribute__((aligned(64)));

/*
 * CPython. User space finds the interpreter of a process (its binary or
 * libpython), the address of _PyRuntime and the layout of its version, and
 * writes them to py_procs; the sampler then walks the sampled thread's
 * frames. Offsets are bytes into the named structure (see
 * profiler/sample/py_offsets.c, checked against CPython's headers).
 */
struct py_offsets {
	__u16 runtime_interp_head;   /* _PyRuntimeState.interpreters.head */
	__u16 interp_tstate_head;    /* PyInterpreterState.threads.head */
	__u16 tstate_next;           /* PyThreadState.next */
	__u16 tstate_thread_id;      /* PyThreadState.thread_id: pthread_self() = fs base */
	__u16 tstate_cframe;         /* PyThreadState.cframe (3.11, 3.12) */
	__u16 cframe_current_frame;  /* _PyCFrame.current_frame */
	__u16 frame_code;            /* _PyInterpreterFrame.f_code */
	__u16 frame_previous;        /* _PyInterpreterFrame.previous */
	__u16 frame_prev_instr;      /* _PyInterpreterFrame.prev_instr */
	__u16 frame_is_entry;        /* _PyInterpreterFrame.is_entry (a byte) */
	__u16 code_firstlineno;      /* PyCodeObject.co_firstlineno (an int) */
	__u16 code_filename;         /* PyCodeObject.co_filename */
	__u16 code_qualname;         /* PyCodeObject.co_qualname */
	__u16 code_linetable;        /* PyCodeObject.co_linetable */
	__u16 code_code_adaptive;    /* PyCodeObject.co_code_adaptive: instructions */
	__u16 code_name;             /* PyCodeObject.co_name */
};

/* The BPF side reads up to PY_WINDOW bytes of a frame or code object at
 * once: the fields it needs of each must lie within one window. */
#define PY_WINDOW 64

struct py_proc {
	__u64 runtime;      /* address of _PyRuntime in the process */
	__u32 version;      /* 0x030b for 3.11 */
	/* where the BPF side's reads of a frame and of a code object start:
	 * every field it uses lies in [start, start + PY_WINDOW - 8] */
	__u16 frame_window, code_window;
	struct py_offsets off;
};

#ifndef PY_MAX_FRAMES
#define PY_MAX_FRAMES 96
#endif
/* Thread states of one interpreter looked at for a thread not in the
 * py_tstates cache (newest first: CPython puts new ones at the head). */
#define PY_MAX_THREADS 256

enum py_frame_flags {
	PY_FRAME_ENTRY = 1, /* is_entry: the first frame of a C call of the eval loop */
};

/* One Python frame as the sampler saw it. The fingerprint hashes what the
 * code object said then (qualname and filename pointers, first line), so a
 * code object freed and reused at the same address is told apart. */
struct py_frame {
	__u64 code;        /* PyCodeObject address */
	__u64 fingerprint; /* py_fingerprint() of the code object */
	__u32 instr;       /* byte offset of the instruction in co_code_adaptive */
	__u32 flags;       /* enum py_frame_flags */
};

/* A Python stack, newest frame first. */
struct py_stack {
	__u32 len;
	__u32 truncated;
	struct py_frame frames[PY_MAX_FRAMES];
};

/* The fingerprint of a code object, the same on both sides. */
static inline __u64 py_fingerprint(__u64 qualname, __u64 filename, __u32 firstlineno)
{
	__u64 h = (qualname ^ 0x9e3779b97f4a7c15ULL) * 0xff51afd7ed558ccdULL;

	h = (h ^ (h >> 29) ^ filename) * 0xc4ceb9fe1a85ec53ULL;
	h ^= firstlineno;
	h ^= h >> 32;
	return h ? h : 1;
}

#endif /* BPFPROF_PROFILE_ABI_H */
