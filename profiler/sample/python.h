/* SPDX-License-Identifier: MIT */
/*
 * python.h - CPython processes: find the interpreter of a captured process
 * and tell the BPF side where it lives (py_procs), then name the Python
 * frames it recorded from the code objects, read lazily from the process
 * and cached.
 */
#ifndef BPFPROF_PYTHON_H
#define BPFPROF_PYTHON_H

#include <stdint.h>

#include "format/profile.h"
#include "sample/proc.h"
#include "sample/py_code.h"

struct python_stats {
	uint64_t procs;             /* processes whose interpreter the BPF side walks */
	uint64_t procs_unsupported; /* a CPython of a version without a layout */
	uint64_t procs_no_runtime;  /* a CPython file without a _PyRuntime symbol */
	uint64_t procs_refused;     /* not walked: the BPF py_procs map is full */
	uint64_t code_reads;        /* code objects read */
	uint64_t code_unreadable;   /* code objects that could not be read (gone, bad) */
	uint64_t code_changed;      /* freed and reused since the sample: not named */
	uint64_t cache_resets;      /* the code cache was full: started afresh */
	uint64_t mem_timeouts;      /* memory reads given up on (a page that did not come) */
	uint64_t mem_refused;       /* memory reads not tried: the process was left alone */
	size_t cached;              /* code objects cached now */
};

struct python;

/* procs_fd: the BPF py_procs map. */
int python__new(int procs_fd, struct python **out);
void python__free(struct python *py);

/* A captured process (a new one or a new image): when it maps a CPython
 * binary or libpython, publish its interpreter to the BPF side. */
void python__load_proc(struct python *py, const struct proc *p);

/* The process exited. */
void python__forget(struct python *py, uint32_t pid);

/* Names of Python frames whose code object could not be named: not
 * readable (the process is gone, memory unmapped), or freed and reused since
 * the sample (its fingerprint differs). */
#define PYTHON_CODE_UNREADABLE "[python: code object unreadable]"
#define PYTHON_CODE_CHANGED "[python: code object freed]"

/*
 * The Python frame f of process p as a profile frame (kind FRAME_PYTHON,
 * module "[python]"); out's strings live until the next call. A code
 * object that cannot be read gives a placeholder name (counted). 0 or
 * -ENOMEM.
 */
int python__frame(struct python *py, const struct proc *p, const struct py_frame *f,
		  struct frame *out);

/*
 * Merge a Python stack into a native one. native[0..n) is root first,
 * is_eval[i] says native[i] is a call of the eval loop; py[0..npy) are the
 * Python frames' ids, newest first, with their flags in frames. Each eval
 * call ran one group of Python frames: from a frame down to the next entry
 * frame. The newest group replaces the leaf-most eval frame, and so on
 * toward the root; groups left over (a native stack cut short) go at the
 * root, eval frames left over stay. Writes at most max ids to out, returns
 * how many.
 */
int python__merge(const uint32_t *native, const uint8_t *is_eval, int n, const uint32_t *py,
		  const struct py_frame *frames, int npy, uint32_t *out, int max);

/* Read and cache the code objects of st's frames now (a stack just seen:
 * the process may be gone by the drain). */
void python__prefetch(struct python *py, const struct proc *p, const struct py_stack *st);

void python__stats(const struct python *py, struct python_stats *st);

/* Is this native frame the interpreter's eval loop (one group of Python
 * frames ran in each call)? */
int python__is_eval_frame(const struct frame *f);

#endif
