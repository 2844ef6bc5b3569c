// SPDX-License-Identifier: MIT
/*
 * proc.c - capture /proc/PID/maps and open the mapped files.
 *
 * /proc is racy by nature: a process may exit between any two reads. Every
 * failure here leaves the table consistent and is reported as -errno.
 */
#include "common/addr_sorted.h"
#include "common/array.h"
#include "common/root_open.h"
#include "sample/proc.h"

#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#define PROC_BUCKETS 4096
#define FILE_BUCKETS 1024
/* A process with more executable mappings than this is cut (and counted). */
#define MAX_EXEC_MAPPINGS 65536
/* Processes tracked at once (live, plus exited ones until their samples
 * are in); past it a new process is refused and counted: its samples keep
 * their frames, named by address. */
#define MAX_PROCS 65536
/* Deleted files closed since the last proc_table__take_gone. */
#define MAX_GONE 1024
/* Files no process maps any more, kept open until the reap after next. */
#define MAX_LINGER 256

struct proc_table {
	char procfs[64];
	struct proc *procs[PROC_BUCKETS];
	struct proc_file *files[FILE_BUCKETS];
	struct stat self_root;
	struct proc_table_stats stats;
	uint64_t next_image;
	struct proc_gone_file gone[MAX_GONE];
	size_t ngone;
	struct proc_file *linger[MAX_LINGER];
	size_t nlinger;
	uint64_t reap_gen; /* reaps so far */
};

int proc_table__new(const char *procfs, struct proc_table **out)
{
	struct proc_table *t = calloc(1, sizeof(*t));

	*out = NULL;
	if (!t)
		return -ENOMEM;
	snprintf(t->procfs, sizeof(t->procfs), "%s", procfs ? procfs : "/proc");
	t->next_image = 1;
	if (stat("/", &t->self_root))
		memset(&t->self_root, 0, sizeof(t->self_root));
	*out = t;
	return 0;
}

static size_t file_bucket(uint64_t dev, uint64_t ino)
{
	return (size_t)((dev * 31 + ino) * 0x9e3779b97f4a7c15ULL >> 40) % FILE_BUCKETS;
}

/* Close f for good; a deleted file is reported to proc_table__take_gone. */
static void file_close(struct proc_table *t, struct proc_file *f)
{
	struct proc_file **pp;

	for (pp = &t->files[file_bucket(f->dev, f->ino)]; *pp; pp = &(*pp)->hnext) {
		if (*pp == f) {
			*pp = f->hnext;
			break;
		}
	}
	if (f->fd >= 0) {
		struct stat st;

		/* deleted and mapped by no process we know: no process can map
		 * it again, what is cached about it can go */
		if (!fstat(f->fd, &st) && st.st_nlink == 0) {
			if (t->ngone < MAX_GONE)
				t->gone[t->ngone++] = (struct proc_gone_file){f->dev, f->ino};
			else
				t->stats.gone_dropped++;
		}
		close(f->fd);
	}
	t->stats.files--;
	free(f);
}

/* The last process mapping f is gone: f lingers (open, findable) until the
 * reap after next, so that a file deleted right after its process exited
 * is seen deleted when it is closed. At most MAX_LINGER linger. */
static void file_put(struct proc_table *t, struct proc_file *f)
{
	if (!f || --f->refs > 0)
		return;
	if (f->lingering) { /* taken back and released again: still listed */
		f->linger_gen = t->reap_gen;
		return;
	}
	if (f->fd < 0 || t->nlinger >= MAX_LINGER) {
		file_close(t, f);
		return;
	}
	f->lingering = 1;
	f->linger_gen = t->reap_gen;
	t->linger[t->nlinger++] = f;
}

/* Close the lingering files no process took back since the last reap. */
static void linger_reap(struct proc_table *t)
{
	size_t keep = 0;

	for (size_t i = 0; i < t->nlinger; i++) {
		struct proc_file *f = t->linger[i];

		if (f->refs > 0) { /* mapped again: back in use */
			f->lingering = 0;
			continue;
		}
		if (f->linger_gen + 1 < t->reap_gen)
			file_close(t, f);
		else
			t->linger[keep++] = f;
	}
	t->nlinger = keep;
}

static void maps_free(struct proc_table *t, struct proc_mapping *maps, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		file_put(t, maps[i].file);
		free((char *)maps[i].path);
	}
	free(maps);
}

static void proc_free(struct proc_table *t, struct proc *p)
{
	maps_free(t, p->maps, p->nmaps);
	free(p->cgroup);
	free(p);
}

void proc_table__free(struct proc_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < PROC_BUCKETS; i++) {
		for (struct proc *p = t->procs[i], *n; p; p = n) {
			n = p->hnext;
			proc_free(t, p);
		}
	}
	for (size_t i = 0; i < t->nlinger; i++)
		if (t->linger[i]->refs <= 0)
			file_close(t, t->linger[i]);
	free(t);
}

/* Open a path inside the process's root without ever leaving it. */
static int open_in_root(struct proc_table *t, uint32_t pid, const char *path)
{
	char root[96];

	snprintf(root, sizeof(root), "%s/%u/root", t->procfs, pid);
	return root_open__file(root, path, NULL);
}

static struct proc_file *file_get(struct proc_table *t, uint32_t pid, uint64_t start,
				  uint64_t end, uint64_t dev, uint64_t ino, const char *path)
{
	size_t b = file_bucket(dev, ino);
	struct proc_file *f;
	struct stat st;
	char mf[128];
	int fd;

	for (f = t->files[b]; f; f = f->hnext) {
		if (f->dev == dev && f->ino == ino) {
			/* an earlier attempt failed: maybe this process lets us in */
			if (f->fd < 0) {
				snprintf(mf, sizeof(mf), "%s/%u/map_files/%lx-%lx", t->procfs,
					 pid, (unsigned long)start, (unsigned long)end);
				f->fd = open(mf, O_RDONLY | O_CLOEXEC);
			}
			f->refs++;
			return f;
		}
	}
	f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	f->dev = dev;
	f->ino = ino;
	f->refs = 1;
	/* map_files names the very file mapped, deleted or in another mount
	 * namespace; it needs CAP_SYS_ADMIN. */
	snprintf(mf, sizeof(mf), "%s/%u/map_files/%lx-%lx", t->procfs, pid, (unsigned long)start,
		 (unsigned long)end);
	fd = open(mf, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && path[0] == '/')
		fd = open_in_root(t, pid, path);
	if (fd >= 0 && (fstat(fd, &st) || st.st_ino != ino)) {
		close(fd); /* replaced since it was mapped: not the file we want */
		fd = -1;
	}
	f->fd = fd < 0 ? -1 : fd;
	if (f->fd >= 0)
		f->mtime = st.st_mtime;
	if (f->fd >= 0)
		t->stats.files_opened++;
	else
		t->stats.file_open_failures++;
	f->hnext = t->files[b];
	t->files[b] = f;
	t->stats.files++;
	return f;
}

static int mapping_cmp(const void *a, const void *b)
{
	const struct proc_mapping *x = a, *y = b;

	return (x->start > y->start) - (x->start < y->start);
}

static int read_comm(struct proc_table *t, uint32_t pid, char comm[16])
{
	char path[96], buf[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%u/comm", t->procfs, pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return n < 0 ? -errno : -ESRCH;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	buf[15] = '\0';
	memcpy(comm, buf, strlen(buf) + 1);
	return 0;
}

/*
 * The process's cgroup path: the unified (v2) one, or on a hybrid host where
 * that is "/", the systemd or first controller path that says more.
 */
static char *read_cgroup(struct proc_table *t, uint32_t pid)
{
	char path[96], line[1024], best[1024] = "";
	int best_rank = -1;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%u/cgroup", t->procfs, pid);
	f = fopen(path, "re");
	if (!f)
		return NULL;
	for (int i = 0; i < 64 && fgets(line, sizeof(line), f); i++) {
		char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		int rank;

		if (!c2)
			continue;
		c2[1 + strcspn(c2 + 1, "\n")] = '\0';
		if (!strcmp(c2 + 1, "/"))
			rank = 0;
		else if (c1[1] == ':') /* "0::/path": cgroup v2 */
			rank = 3;
		else if (!strncmp(c1 + 1, "name=systemd:", 13))
			rank = 2;
		else
			rank = 1;
		if (rank > best_rank) {
			best_rank = rank;
			snprintf(best, sizeof(best), "%s", c2 + 1);
		}
	}
	fclose(f);
	return best_rank >= 0 ? strdup(best) : NULL;
}

/* Parse /proc/PID/maps into executable mappings. */
static int read_maps(struct proc_table *t, uint32_t pid, struct proc_mapping **out, size_t *nout)
{
	char path[96], *line = NULL;
	size_t cap = 0, n = 0, mcap = 0;
	struct proc_mapping *maps = NULL;
	FILE *f;
	int ret = 0;

	*out = NULL;
	*nout = 0;
	snprintf(path, sizeof(path), "%s/%u/maps", t->procfs, pid);
	f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? -ESRCH : -errno;
	while (getline(&line, &cap, f) > 0) {
		unsigned long start, end, pgoff, ino;
		unsigned int maj, min;
		char perms[8];
		int pos = 0;
		const char *p;

		if (sscanf(line, "%lx-%lx %7s %lx %x:%x %lu %n", &start, &end, perms, &pgoff, &maj,
			   &min, &ino, &pos) < 7 || !strchr(perms, 'x'))
			continue;
		if (n >= MAX_EXEC_MAPPINGS)
			break;
		p = line + pos;
		while (isspace((unsigned char)*p))
			p++;
		line[strcspn(line, "\n")] = '\0';
		if (array__grow((void **)&maps, &mcap, n + 1, sizeof(*maps))) {
			ret = -ENOMEM;
			break;
		}
		struct proc_mapping *m = &maps[n];

		m->start = start;
		m->end = end;
		m->pgoff = pgoff;
		m->file = NULL;
		m->path = strdup(*p ? p : "[anon]");
		if (!m->path) {
			ret = -ENOMEM;
			break;
		}
		n++;
		if (ino && *p == '/') {
			/* " (deleted)" is part of the name the process sees; the file
			 * itself is still reachable through map_files */
			char *clean = strdup(p), *del;

			if (!clean) {
				ret = -ENOMEM;
				break;
			}
			del = strstr(clean, " (deleted)");
			if (del && del[10] == '\0')
				*del = '\0';
			m->file = file_get(t, pid, start, end, makedev(maj, min), ino, clean);
			free(clean);
		}
	}
	if (ferror(f) && !ret)
		ret = -EIO;
	fclose(f);
	free(line);
	if (!ret && n == 0)
		ret = -ESRCH; /* an empty maps file: a kernel thread or a zombie */
	if (ret) {
		maps_free(t, maps, n);
		return ret;
	}
	qsort(maps, n, sizeof(*maps), mapping_cmp);
	*out = maps;
	*nout = n;
	return 0;
}

static struct proc **find_slot(struct proc_table *t, uint32_t pid)
{
	struct proc **pp = &t->procs[pid % PROC_BUCKETS];

	while (*pp && (*pp)->pid != pid)
		pp = &(*pp)->hnext;
	return pp;
}

int proc_table__capture(struct proc_table *t, uint32_t pid)
{
	struct proc **pp = find_slot(t, pid), *p = *pp;
	struct proc_mapping *maps;
	size_t n;
	int ret;

	if (!p) {
		if (t->stats.procs >= MAX_PROCS) {
			t->stats.procs_refused++;
			return -ENOSPC;
		}
		p = calloc(1, sizeof(*p));
		if (!p)
			return -ENOMEM;
		p->pid = pid;
		p->image = t->next_image++;
		*pp = p;
		t->stats.procs++;
	}
	ret = read_maps(t, pid, &maps, &n);
	if (ret) {
		p->capture_errno = -ret;
		t->stats.capture_failures++;
		return ret;
	}
	read_comm(t, pid, p->comm);
	free(p->cgroup);
	p->cgroup = read_cgroup(t, pid);
	maps_free(t, p->maps, p->nmaps);
	p->maps = maps;
	p->nmaps = n;
	p->capture_errno = 0;
	if (p->exited) { /* a new process under a reused pid */
		t->stats.exited--;
		p->image = t->next_image++;
	}
	p->exited = 0;
	t->stats.captures++;
	return 0;
}

struct proc *proc_table__get(struct proc_table *t, uint32_t pid)
{
	struct proc *p = *find_slot(t, pid);

	if (!p) {
		int ret = proc_table__capture(t, pid);

		p = *find_slot(t, pid);
		if (p && ret == -ESRCH && !p->exited) { /* gone: forget it at the next reap */
			p->exited = 1;
			p->exit_gen = 0;
			t->stats.exited++;
		}
	}
	return p;
}

int proc_table__exec(struct proc_table *t, uint32_t pid)
{
	int ret = proc_table__capture(t, pid);
	struct proc *p = *find_slot(t, pid);

	if (p)
		p->image = t->next_image++;
	return ret;
}

size_t proc_table__take_gone(struct proc_table *t, struct proc_gone_file *out, size_t max)
{
	size_t n = t->ngone < max ? t->ngone : max;

	memcpy(out, t->gone + (t->ngone - n), n * sizeof(*out));
	t->ngone -= n;
	return n;
}

struct proc *proc_table__lookup(struct proc_table *t, uint32_t pid)
{
	return *find_slot(t, pid);
}

static const struct proc_mapping *lookup(const struct proc *p, uint64_t addr)
{
	size_t lo = addr_sorted__upper(p->maps, p->nmaps, sizeof(*p->maps),
				       offsetof(struct proc_mapping, start), addr);

	if (lo == 0 || addr >= p->maps[lo - 1].end)
		return NULL;
	return &p->maps[lo - 1];
}

const struct proc_mapping *proc_table__find(struct proc_table *t, struct proc *p, uint64_t addr,
					    uint64_t generation)
{
	const struct proc_mapping *m = lookup(p, addr);

	if (m || p->exited || p->last_refresh_gen == generation)
		return m;
	p->last_refresh_gen = generation;
	if (proc_table__capture(t, p->pid))
		return NULL;
	return lookup(p, addr);
}

void proc_table__mark_exited(struct proc_table *t, uint32_t pid, uint64_t generation)
{
	struct proc *p = *find_slot(t, pid);

	if (p && !p->exited) {
		p->exited = 1;
		p->exit_gen = generation;
		t->stats.exited++;
	}
}

size_t proc_table__reap(struct proc_table *t, uint64_t generation)
{
	size_t freed = 0;

	t->reap_gen++;
	linger_reap(t);
	for (size_t i = 0; i < PROC_BUCKETS; i++) {
		struct proc **pp = &t->procs[i];

		while (*pp) {
			struct proc *p = *pp;

			if (p->exited && p->exit_gen < generation) {
				*pp = p->hnext;
				proc_free(t, p);
				t->stats.procs--;
				t->stats.exited--;
				freed++;
			} else {
				pp = &p->hnext;
			}
		}
	}
	return freed;
}

size_t proc_table__sweep(struct proc_table *t, uint64_t generation)
{
	size_t gone = 0;

	for (size_t i = 0; i < PROC_BUCKETS; i++) {
		for (struct proc *p = t->procs[i]; p; p = p->hnext) {
			char path[96];

			if (p->exited)
				continue;
			snprintf(path, sizeof(path), "%s/%u", t->procfs, p->pid);
			if (access(path, F_OK) && errno == ENOENT) {
				p->exited = 1;
				p->exit_gen = generation;
				t->stats.exited++;
				gone++;
			}
		}
	}
	return gone;
}

void proc_table__stats(const struct proc_table *t, struct proc_table_stats *st)
{
	*st = t->stats;
}
