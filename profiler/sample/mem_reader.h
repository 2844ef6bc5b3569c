/* SPDX-License-Identifier: MIT */
/*
 * mem_reader.h - another process's memory, read without waiting on it.
 *
 * process_vm_readv faults in the pages it reads as the process itself would:
 * a page of a FUSE file whose daemon does not answer (any user can mount one
 * in a user namespace), or of a userfaultfd range nobody serves, holds the
 * reader for as long as the process's owner likes. The profiler reads CPython
 * code objects at addresses the process's own memory gives, on its sampling
 * loop; so reads run on a thread of their own and the caller waits at most
 * MEM_READER_TIMEOUT_MS. A read that times out leaves its thread behind, stuck
 * until the page comes (then it ends), and the process is not read again for
 * MEM_READER_BLOCK_S; with MEM_READER_MAX_STUCK threads stuck, reads fail at
 * once until one comes back.
 */
#ifndef BPFPROF_MEM_READER_H
#define BPFPROF_MEM_READER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define MEM_READER_TIMEOUT_MS 1000 /* a loaded machine may not run the thread sooner */
#define MEM_READER_BLOCK_S 60
#define MEM_READER_MAX_STUCK 8

struct mem_reader_stats {
	uint64_t reads;     /* asked for */
	uint64_t timeouts;  /* given up on (the process is left alone for a while) */
	uint64_t refused;   /* not tried: a process left alone, or too many threads stuck */
	uint32_t stuck;     /* threads still waiting for a page now */
};

struct mem_reader;

int mem_reader__new(struct mem_reader **out);
/* Threads stuck in a read are left to end on their own. */
void mem_reader__free(struct mem_reader *r);

/* len bytes of pid's memory at addr into buf: 0, -EFAULT (not all of it
 * readable), -ETIMEDOUT (this read took too long, or pid is left alone, or
 * too many reads are stuck), -ENOMEM. */
int mem_reader__read(struct mem_reader *r, pid_t pid, uint64_t addr, void *buf, size_t len);

void mem_reader__stats(struct mem_reader *r, struct mem_reader_stats *st);

#endif
