// SPDX-License-Identifier: MIT
/*
 * collector.c - the user-space half of the sampler.
 */
#include "common/array.h"
#include "common/errbuf.h"
#include "common/parse.h"
#include "sample/collector.h"
#include "profile.skel.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/perf_event.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

struct collector {
	struct profile_bpf *skel;
	struct ring_buffer *rb;
	struct bpf_link **links; /* one per CPU */
	int *pfds;
	int ncpus, nlinks;
	int attached_cpus; /* CPUs sampled, kept after stop for reporting */
	int possible_cpus;
	struct bpf_program *sampler; /* the loaded one of the two sampling programs */
	struct cpu_state *cpus;      /* the cpu_state map, mapped: one per possible CPU */
	size_t cpus_len;
	uint32_t active_buffer;      /* the buffer every CPU's sampler fills */
	collector_event_fn on_event;
	void *ctx;
	bool filtering;
	const bool *want_cpus; /* NULL: every online CPU (borrowed from the options) */
	int nwant_cpus;
	int freq;
	int unwind_mode;
	uint32_t unwind_rows;
	bool python;
	uint64_t last_keys, last_stacks; /* entries in the buffer last drained */
	/* drain's work lists, kept between drains */
	uint32_t stack_entries;
	uint64_t *stack_live;        /* bitmap: stack ids kept keys refer to */
	struct sample_key *stale;    /* keys without samples in their window */
	size_t nstale, stale_cap;
	uint64_t *hashes;            /* unwound stacks: kept ones, then stale ones */
	size_t nhashes, hashes_cap;
	uint64_t *pyhashes;          /* Python stacks: the same */
	struct py_stack *pybuf;      /* one Python stack read (2 KiB) */
	size_t npyhashes, pyhashes_cap;
};

#define DEFAULT_UNWIND_ROWS (4u << 20) /* 32 MiB: a busy machine needs ~2.5M rows */

static int handle_event(void *ctx, void *data, size_t size)
{
	struct collector *c = ctx;

	if (size < sizeof(struct pid_event) || !c->on_event)
		return 0;
	c->on_event(c->ctx, data);
	return 0;
}

int collector__new(const struct collector_opts *opts, struct collector **out, char *err,
		   size_t errlen)
{
	const struct sample_filter *sf = &opts->filter;
	uint32_t options = (sf->ntids ? SAMPLE_BY_TID : 0) | (sf->cgroup_id ? SAMPLE_CGROUP : 0) |
			   (sf->no_user ? SAMPLE_NO_USER : 0) | (sf->no_kernel ? SAMPLE_NO_KERNEL : 0);
	/* the filter's keys: threads (-t) or processes */
	const uint32_t *keys = sf->ntids ? sf->tids : opts->pids;
	size_t nkeys = sf->ntids ? sf->ntids : opts->npids;
	struct collector *c = NULL;
	struct profile_bpf *skel;
	uint8_t one = 1;
	int ret;

	*out = NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->on_event = opts->on_event;
	c->want_cpus = sf->cpus;
	c->nwant_cpus = sf->ncpus;
	c->freq = opts->freq > 0 ? opts->freq : 99;
	c->ctx = opts->ctx;
	c->possible_cpus = libbpf_num_possible_cpus();
	if (c->possible_cpus <= 0) {
		ret = c->possible_cpus ? c->possible_cpus : -EINVAL;
		errbuf__set(err, errlen, "count possible CPUs: %s", strerror(-ret));
		goto fail;
	}

	skel = c->skel = profile_bpf__open();
	if (!skel) {
		ret = -errno;
		errbuf__set(err, errlen, "open BPF object: %s", strerror(-ret));
		goto fail;
	}
	c->filtering = nkeys > 0;
	skel->rodata->filter_pids = c->filtering;
	skel->rodata->cgroup_id = sf->cgroup_id;
	skel->rodata->cgroup_level = sf->cgroup_level;
	skel->rodata->nr_cpus = (uint32_t)c->possible_cpus;
	skel->rodata->follow_children = opts->follow_children;
	skel->rodata->include_idle = opts->idle;
#if defined(__x86_64__)
	c->unwind_mode = opts->unwind_mode;
#else
	c->unwind_mode = UNWIND_FP; /* the table unwinder knows x86-64 only */
#endif
	skel->rodata->unwind_mode = (uint32_t)c->unwind_mode;
	c->unwind_rows = c->unwind_mode == UNWIND_FP ? 1
			 : opts->unwind_rows ? opts->unwind_rows : DEFAULT_UNWIND_ROWS;
	bpf_map__set_max_entries(skel->maps.unwind_rows, c->unwind_rows);
	if (c->unwind_mode == UNWIND_FP) { /* unused: keep them tiny */
		bpf_map__set_max_entries(skel->maps.unwind_tables, 1);
		bpf_map__set_max_entries(skel->maps.unwind_procs, 1);
	}
#if defined(__x86_64__)
	c->python = opts->interpreters;
#endif
	skel->rodata->walk_python = c->python;
	if (!c->python) { /* unused: keep them tiny */
		bpf_map__set_max_entries(skel->maps.py_procs, 1);
		bpf_map__set_max_entries(skel->maps.pystacks0, 1);
		bpf_map__set_max_entries(skel->maps.pystacks1, 1);
		bpf_map__set_max_entries(skel->maps.py_tstates, 1);
	}
	/* one sampling program per mode: the frame-pointer one has no unwinder */
	c->sampler = c->unwind_mode == UNWIND_FP ? skel->progs.do_sample : skel->progs.do_sample_unw;
	bpf_program__set_autoload(skel->progs.do_sample, c->sampler == skel->progs.do_sample);
	bpf_program__set_autoload(skel->progs.do_sample_unw,
				  c->sampler == skel->progs.do_sample_unw);
	bpf_map__set_max_entries(skel->maps.cpu_state, (uint32_t)c->possible_cpus);
	if (opts->count_entries) {
		bpf_map__set_max_entries(skel->maps.counts0, opts->count_entries);
		bpf_map__set_max_entries(skel->maps.counts1, opts->count_entries);
	}
	if (opts->stack_entries) {
		bpf_map__set_max_entries(skel->maps.stacks0, opts->stack_entries);
		bpf_map__set_max_entries(skel->maps.stacks1, opts->stack_entries);
		bpf_map__set_max_entries(skel->maps.ustacks0, opts->stack_entries);
		bpf_map__set_max_entries(skel->maps.ustacks1, opts->stack_entries);
		if (c->python) {
			bpf_map__set_max_entries(skel->maps.pystacks0, opts->stack_entries);
			bpf_map__set_max_entries(skel->maps.pystacks1, opts->stack_entries);
		}
	}
	ret = profile_bpf__load(skel);
	if (ret) {
		errbuf__set(err, errlen, "load BPF program: %s", strerror(-ret));
		goto fail;
	}
	c->cpus_len = (size_t)c->possible_cpus * sizeof(struct cpu_state);
	c->cpus = mmap(NULL, c->cpus_len, PROT_READ | PROT_WRITE, MAP_SHARED,
		       bpf_map__fd(skel->maps.cpu_state), 0);
	if (c->cpus == MAP_FAILED) {
		c->cpus = NULL;
		ret = -errno;
		errbuf__set(err, errlen, "map cpu_state: %s", strerror(-ret));
		goto fail;
	}
	for (int cpu = 0; cpu < c->possible_cpus; cpu++) {
		c->cpus[cpu].filter_pids = c->filtering;
		c->cpus[cpu].options = options;
	}
	c->stack_entries = bpf_map__max_entries(skel->maps.stacks0);
	c->stack_live = calloc((c->stack_entries + 63) / 64, sizeof(*c->stack_live));
	c->pybuf = malloc(sizeof(*c->pybuf));
	if (!c->stack_live || !c->pybuf) {
		ret = -ENOMEM;
		errbuf__set(err, errlen, "allocate drain lists: %s", strerror(-ret));
		goto fail;
	}
	for (size_t i = 0; i < nkeys; i++) {
		uint32_t pid = keys[i];

		if (bpf_map__update_elem(skel->maps.pid_filter, &pid, sizeof(pid), &one,
					 sizeof(one), BPF_ANY)) {
			ret = -errno;
			errbuf__set(err, errlen, "add pid %u to filter: %s", pid, strerror(-ret));
			goto fail;
		}
	}
	c->rb = ring_buffer__new(bpf_map__fd(skel->maps.events), handle_event, c, NULL);
	if (!c->rb) {
		ret = -errno;
		errbuf__set(err, errlen, "create ring buffer: %s", strerror(-ret));
		goto fail;
	}
	*out = c;
	return 0;
fail:
	collector__free(c);
	return ret;
}

void collector__free(struct collector *c)
{
	if (!c)
		return;
	for (int i = 0; i < c->nlinks; i++)
		bpf_link__destroy(c->links[i]);
	for (int i = 0; i < c->ncpus; i++)
		if (c->pfds && c->pfds[i] >= 0)
			close(c->pfds[i]);
	free(c->links);
	free(c->pfds);
	ring_buffer__free(c->rb);
	if (c->cpus)
		munmap(c->cpus, c->cpus_len);
	profile_bpf__destroy(c->skel);
	free(c->stack_live);
	free(c->stale);
	free(c->hashes);
	free(c->pyhashes);
	free(c->pybuf);
	free(c);
}

/* Parse a CPU list such as "0-3,5" into a bool array. 0 or -errno. */
static int read_cpu_list(const char *path, bool **out, int *n)
{
	char buf[4096];
	FILE *f = fopen(path, "re");
	int ret = 0;

	*out = NULL;
	*n = 0;
	if (!f)
		return -errno;
	if (!fgets(buf, sizeof(buf), f))
		ret = ferror(f) ? -EIO : -EINVAL;
	fclose(f);
	if (ret)
		return ret;
	buf[strcspn(buf, "\n")] = '\0';
	return parse__cpu_list(buf, out, n);
}

int collector__start(struct collector *c, char *err, size_t errlen)
{
	struct perf_event_attr attr = {
		.type = PERF_TYPE_SOFTWARE,
		.config = PERF_COUNT_SW_CPU_CLOCK,
		.size = sizeof(attr),
		.freq = 1,
		.sample_freq = (uint64_t)c->freq,
	};
	bool *online = NULL;
	int n = 0, ret;

	ret = read_cpu_list("/sys/devices/system/cpu/online", &online, &n);
	if (ret) {
		errbuf__set(err, errlen, "read online CPUs: %s", strerror(-ret));
		return ret;
	}
	c->links = calloc((size_t)n, sizeof(*c->links));
	c->pfds = malloc((size_t)n * sizeof(*c->pfds));
	if (!c->links || !c->pfds) {
		ret = -ENOMEM;
		goto out;
	}
	for (int cpu = 0; cpu < n; cpu++)
		c->pfds[cpu] = -1;
	c->ncpus = n;
	for (int cpu = 0; cpu < n; cpu++) {
		int fd;

		if (!online[cpu] || (c->want_cpus && (cpu >= c->nwant_cpus || !c->want_cpus[cpu])))
			continue;
		fd = (int)syscall(__NR_perf_event_open, &attr, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);
		if (fd < 0) {
			ret = -errno;
			errbuf__set(err, errlen, "open cpu-clock perf event on CPU %d: %s", cpu,
			       strerror(-ret));
			goto out;
		}
		c->pfds[cpu] = fd;
		c->links[c->nlinks] = bpf_program__attach_perf_event(c->sampler, fd);
		if (!c->links[c->nlinks]) {
			ret = -errno;
			errbuf__set(err, errlen, "attach to perf event on CPU %d: %s", cpu,
			       strerror(-ret));
			goto out;
		}
		c->nlinks++;
		c->attached_cpus++;
	}
	if (!c->attached_cpus) {
		ret = -EINVAL;
		errbuf__set(err, errlen, "none of the CPUs to sample is online");
		goto out;
	}
	ret = profile_bpf__attach(c->skel);
	if (ret)
		errbuf__set(err, errlen, "attach process tracepoints: %s", strerror(-ret));
out:
	free(online);
	return ret;
}

void collector__stop(struct collector *c)
{
	for (int i = 0; i < c->nlinks; i++)
		bpf_link__destroy(c->links[i]);
	c->nlinks = 0;
	for (int i = 0; i < c->ncpus; i++) {
		if (c->pfds[i] >= 0)
			close(c->pfds[i]);
		c->pfds[i] = -1;
	}
}

int collector__probe_maps(struct collector *c)
{
	struct sample_key key;
	int ret = bpf_map__get_next_key(c->skel->maps.counts0, NULL, &key, sizeof(key));

	/* no key yet (ENOENT) still proves the syscall is allowed */
	return ret == -ENOENT ? 0 : ret;
}

int collector__add_pid(struct collector *c, uint32_t pid)
{
	uint8_t one = 1;

	if (!c->filtering)
		return -EINVAL;
	if (bpf_map__update_elem(c->skel->maps.pid_filter, &pid, sizeof(pid), &one, sizeof(one),
				 BPF_ANY))
		return -errno;
	return 0;
}

int collector__poll(struct collector *c, int timeout_ms)
{
	int ret = ring_buffer__poll(c->rb, timeout_ms);

	/* exits are submitted without a wakeup: a poll that timed out takes
	 * them too */
	if (ret == 0)
		ret = ring_buffer__consume(c->rb);
	return ret == -EINTR ? 0 : ret;
}

/* Read one stack; returns its depth (frames before the first zero). */
static int read_stack(int fd, int32_t id, uint64_t *buf)
{
	int depth = 0;

	if (id < 0)
		return 0;
	if (bpf_map_lookup_elem(fd, &id, buf))
		return 0;
	while (depth < MAX_STACK_DEPTH && buf[depth])
		depth++;
	return depth;
}

/* Empty a map; returns how many entries it held. */
static uint64_t clear_map(int fd, size_t key_size)
{
	unsigned char key[64];
	uint64_t n = 0;

	/* Always restart from the first key: deleting the current key makes
	 * get_next_key start over anyway. Bounded by the map size. */
	while (key_size <= sizeof(key) && !bpf_map_get_next_key(fd, NULL, key)) {
		if (bpf_map_delete_elem(fd, key))
			break;
		n++;
	}
	return n;
}

/* Append elem (size bytes) to the array *arr of *n elements. 0 or -ENOMEM. */
static int push(void **arr, size_t *n, size_t *cap, size_t size, const void *elem)
{
	if (array__grow(arr, cap, *n + 1, size))
		return -ENOMEM;
	memcpy((char *)*arr + *n * size, elem, size);
	(*n)++;
	return 0;
}

static int u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* Delete the entries of a hash-keyed stack map (ufd) that are not among
 * the first nkept of *hashes (which are sorted); *hashes ends up holding the
 * kept ones then the deleted ones. Returns *n. */
static size_t sweep_hashed(int ufd, uint64_t **hashes, size_t *n, size_t *cap, size_t nkept)
{
	uint64_t h, hnext;
	bool first = true;

	/* a hash map restarts after a deleted key: list, then delete */
	qsort(*hashes, nkept, sizeof(**hashes), u64_cmp);
	*n = nkept;
	while (!bpf_map_get_next_key(ufd, first ? NULL : &h, &hnext)) {
		first = false;
		h = hnext;
		if (bsearch(&h, *hashes, nkept, sizeof(h), u64_cmp))
			continue;
		if (push((void **)hashes, n, cap, sizeof(h), &h))
			break;
	}
	for (size_t i = nkept; i < *n; i++)
		bpf_map_delete_elem(ufd, &(*hashes)[i]);
	return *n;
}

/*
 * After a drain has reset the kept keys of a buffer to 0: delete the keys
 * listed stale, then every stack (and unwound stack, Python stack) no kept
 * key refers to. Returns how many stacks the buffer held (the fullest map).
 */
static uint64_t sweep(struct collector *c, int cfd, int sfd, int ufd, int pfd,
		      size_t nkept_hashes, size_t nkept_py)
{
	uint64_t held = 0;
	uint32_t id, next;
	bool first = true;

	for (size_t i = 0; i < c->nstale; i++)
		bpf_map_delete_elem(cfd, &c->stale[i]);
	/* a stack map's next key is the next id in use: deleting is safe here */
	while (!bpf_map_get_next_key(sfd, first ? NULL : &id, &next)) {
		first = false;
		id = next;
		held++;
		if (id >= c->stack_entries || !(c->stack_live[id / 64] >> (id % 64) & 1))
			bpf_map_delete_elem(sfd, &id);
	}
	if (c->python && sweep_hashed(pfd, &c->pyhashes, &c->npyhashes, &c->pyhashes_cap,
				      nkept_py) > held)
		held = c->npyhashes;
	if (c->unwind_mode == UNWIND_FP)
		return held;
	if (sweep_hashed(ufd, &c->hashes, &c->nhashes, &c->hashes_cap, nkept_hashes) > held)
		held = c->nhashes;
	return held;
}

/*
 * Entries are kept across drains: a key with samples is reset to 0, so when
 * its buffer is active again the sampler only adds to it (bcc never empties
 * its maps; emptying them made every window insert each key and stack again,
 * an allocation and a copy per stack). A key without samples for a whole
 * window of its buffer is deleted, and with it the stacks nothing refers to.
 */
int collector__drain(struct collector *c, collector_sample_fn fn, void *ctx)
{
	struct profile_bpf *skel = c->skel;
	uint32_t old = c->active_buffer;
	struct bpf_map *counts = old ? skel->maps.counts1 : skel->maps.counts0;
	struct bpf_map *stacks = old ? skel->maps.stacks1 : skel->maps.stacks0;
	struct bpf_map *ustacks = old ? skel->maps.ustacks1 : skel->maps.ustacks0;
	struct bpf_map *pystacks = old ? skel->maps.pystacks1 : skel->maps.pystacks0;
	int cfd = bpf_map__fd(counts), sfd = bpf_map__fd(stacks), ufd = bpf_map__fd(ustacks);
	int pfd = bpf_map__fd(pystacks);
	const struct py_stack *pyp;
	uint64_t kstack[MAX_STACK_DEPTH], ustack[MAX_STACK_DEPTH], zero = 0, nkeys = 0;
	struct user_stack us;
	struct sample_key key, next, *prev = NULL;
	struct timespec pause = {0, 2 * 1000 * 1000};
	int n = 0, ret = 0;

	c->active_buffer = !old;
	for (int cpu = 0; cpu < c->possible_cpus; cpu++)
		c->cpus[cpu].active_buffer = c->active_buffer;
	__sync_synchronize();
	/* A sample that read the old index just before the flip finishes within
	 * microseconds; 2 ms is far more than a BPF program can run. */
	nanosleep(&pause, NULL);

	memset(c->stack_live, 0, (c->stack_entries + 63) / 64 * sizeof(*c->stack_live));
	c->nstale = 0;
	c->nhashes = 0;
	c->npyhashes = 0;
	while (!bpf_map_get_next_key(cfd, prev, &next)) {
		uint64_t count;
		int kd, ud;

		key = next;
		prev = &key;
		nkeys++;
		if (bpf_map_lookup_elem(cfd, &key, &count))
			continue;
		if (count == 0) {
			if (push((void **)&c->stale, &c->nstale, &c->stale_cap, sizeof(key), &key))
				ret = -ENOMEM;
			if (ret)
				break;
			continue;
		}
		/* counted now: the next window of this buffer starts from 0 */
		if (bpf_map_update_elem(cfd, &key, &zero, BPF_EXIST))
			continue;
		for (int k = 0; k < 2; k++) {
			int32_t id = k ? key.ustack_id : key.kstack_id;

			if (id >= 0 && (uint32_t)id < c->stack_entries)
				c->stack_live[id / 64] |= 1ull << (id % 64);
		}
		kd = read_stack(sfd, key.kstack_id, kstack);
		pyp = NULL;
		if (key.pystack_hash) {
			if (push((void **)&c->pyhashes, &c->npyhashes, &c->pyhashes_cap,
				 sizeof(uint64_t), &key.pystack_hash)) {
				ret = -ENOMEM;
				break;
			}
			if (!bpf_map_lookup_elem(pfd, &key.pystack_hash, c->pybuf) &&
			    c->pybuf->len <= PY_MAX_FRAMES)
				pyp = c->pybuf;
		}
		if (key.ustack_id == STACK_ID_UNWOUND) {
			ud = 0;
			if (push((void **)&c->hashes, &c->nhashes, &c->hashes_cap, sizeof(uint64_t),
				 &key.ustack_hash)) {
				ret = -ENOMEM;
				break;
			}
			if (!bpf_map_lookup_elem(ufd, &key.ustack_hash, &us)) {
				ud = us.len < MAX_STACK_DEPTH ? (int)us.len : MAX_STACK_DEPTH;
				memcpy(ustack, us.frames, (size_t)ud * sizeof(*ustack));
			}
			ret = fn(ctx, &key, count, kstack, kd, ud ? ustack : NULL, ud, pyp);
		} else {
			ud = read_stack(sfd, key.ustack_id, ustack);
			ret = fn(ctx, &key, count, kstack, kd, ustack, ud, pyp);
		}
		n++;
		if (ret)
			break;
	}
	c->last_keys = nkeys;
	if (ret) { /* not all counted or listed: start this buffer afresh */
		c->last_keys = clear_map(cfd, sizeof(struct sample_key));
		c->last_stacks = clear_map(sfd, sizeof(uint32_t));
		if (c->unwind_mode != UNWIND_FP)
			clear_map(ufd, sizeof(uint64_t));
		if (c->python)
			clear_map(pfd, sizeof(uint64_t));
		return ret;
	}
	c->last_stacks = sweep(c, cfd, sfd, ufd, pfd, c->nhashes, c->npyhashes);
	return n;
}

int collector__metrics(struct collector *c, uint64_t out[NR_METRICS])
{
	memset(out, 0, NR_METRICS * sizeof(*out));
	for (int cpu = 0; cpu < c->possible_cpus; cpu++)
		for (int i = 0; i < NR_METRICS; i++) /* a torn read is off by one sample at most */
			out[i] += ((volatile struct cpu_state *)&c->cpus[cpu])->metrics[i];
	return 0;
}

void collector__last_drain(const struct collector *c, uint64_t *keys, uint64_t *stacks)
{
	*keys = c->last_keys;
	*stacks = c->last_stacks;
}

int collector__bpf_stats(const struct collector *c, uint64_t *run_ns, uint64_t *runs)
{
	struct bpf_prog_info info;
	uint32_t len = sizeof(info);

	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(bpf_program__fd(c->sampler), &info, &len))
		return -errno;
	*run_ns = info.run_time_ns;
	*runs = info.run_cnt;
	return 0;
}

int collector__ncpus(const struct collector *c)
{
	return c->attached_cpus;
}

int collector__unwind_maps(const struct collector *c, struct collector_unwind_maps *out)
{
	if (c->unwind_mode == UNWIND_FP)
		return -ENOTSUP;
	out->rows_fd = bpf_map__fd(c->skel->maps.unwind_rows);
	out->tables_fd = bpf_map__fd(c->skel->maps.unwind_tables);
	out->procs_fd = bpf_map__fd(c->skel->maps.unwind_procs);
	out->rows_capacity = c->unwind_rows;
	return 0;
}

int collector__py_stack(const struct collector *c, uint32_t buffer, uint64_t hash,
			struct py_stack *out)
{
	struct bpf_map *m = buffer ? c->skel->maps.pystacks1 : c->skel->maps.pystacks0;

	if (!c->python)
		return -ENOTSUP;
	if (bpf_map_lookup_elem(bpf_map__fd(m), &hash, out) || out->len > PY_MAX_FRAMES)
		return -ENOENT;
	return 0;
}

int collector__py_procs_fd(const struct collector *c)
{
	if (!c->python)
		return -ENOTSUP;
	return bpf_map__fd(c->skel->maps.py_procs);
}

int collector__unwind_mode(const struct collector *c)
{
	return c->unwind_mode;
}
