// SPDX-License-Identifier: MIT
/*
 * proc.c - capture /proc/PID/maps and open the mapped files.
 *
 * /proc is racy by nature: a process may exit between any two reads. Every
 * failure here leaves the table consistent and is reported as -errno.
 */
#include "common/addr_sorted.h"
#include "common/array.h"
#include "common/parse.h"
#include "common/root_open.h"
#include "sample/proc.h"
#include "symbolizer/symbolizer.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
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
/* /proc/PID/status: ~1.5 KB, but "Groups:" can list 65,536 groups (skipped:
 * longer than a line); /proc/PID/cgroup: one line per hierarchy. */
#define STATUS_MAX_BYTES (1u << 20)
#define CGROUP_MAX_BYTES (64u << 10)
#define PROC_MAX_LINE 4096
#define CGROUP_MAX_LINES 64

/* Processes tracked at once (live, plus exited ones until their samples
 * are in); past it a new process is refused and counted: its samples keep
 * their frames, named by address. */
#define MAX_PROCS 65536
/* Deleted files closed since the last proc_table__take_gone. */
#define MAX_GONE 1024
/* Files no process maps any more, kept open until the reap after next. */
#define MAX_LINGER 256

/* cgroup v2 id -> path: processes of one cgroup (a shell's children, a
 * service's workers) cost one read of /proc/PID/cgroup, not one each.
 * Direct-mapped: a collision replaces the entry. */
#define CGROUP_CACHE 1024
struct cgroup_entry {
	uint64_t id;
	char *path;
};

struct proc_table {
	char procfs[64];
	struct cgroup_entry cgroups[CGROUP_CACHE];
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
	free(p->exe);
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
	for (size_t i = 0; i < CGROUP_CACHE; i++)
		free(t->cgroups[i].path);
	free(t);
}

/* /proc/PID as a directory descriptor: the files of one capture are opened
 * in it, one path step each. -ESRCH when the process is gone. */
static int open_proc_dir(const struct proc_table *t, uint32_t pid)
{
	char path[96];
	int fd;

	snprintf(path, sizeof(path), "%s/%u", t->procfs, pid);
	fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	return fd;
}

/* Open /proc/PID/name: never blocks, never through a symlink. */
static int open_proc(struct proc_table *t, int dirfd, const char *name)
{
	struct root_open_opts o = {
		.flags = ROOT_OPEN_REGULAR | ROOT_OPEN_NOFOLLOW,
		.stats = &t->stats.refused,
	};
	int fd = root_open__at(dirfd, name, &o);

	return fd == -ENOENT ? -ESRCH : fd;
}

/*
 * Open the file mapped at [start, end) by pid, for a process of user uid: a
 * regular file of that user or root, of a bounded size. map_files names the
 * very file mapped, deleted or in another mount namespace (it needs
 * CAP_SYS_ADMIN); else path, as the process sees it, inside its root. The
 * file must still be inode ino. A descriptor (and *st) or -1.
 */
static int open_mapped(struct proc_table *t, uint32_t pid, uid_t uid, uint64_t start,
		       uint64_t end, const char *path, uint64_t ino, struct stat *st)
{
	struct root_open_stats refused = {0};
	struct root_open_opts o = {
		.flags = ROOT_OPEN_REGULAR | ROOT_OPEN_OWNER,
		.uid = uid,
		.max_size = SYMBOLIZER_MAX_FILE_SIZE,
		.stats = &refused,
	};
	char mf[128], root[96];
	int fd;

	snprintf(mf, sizeof(mf), "%s/%u/map_files/%lx-%lx", t->procfs, pid, (unsigned long)start,
		 (unsigned long)end);
	fd = root_open__file(NULL, mf, &o);
	root_open__stats_add(&t->stats.refused, &refused);
	/* refused through map_files: the path names the same file */
	if (fd < 0 && path && path[0] == '/' && !memcmp(&refused, &(struct root_open_stats){0},
							 sizeof(refused))) {
		snprintf(root, sizeof(root), "%s/%u/root", t->procfs, pid);
		o.flags |= ROOT_OPEN_NOFOLLOW; /* maps shows paths free of symlinks */
		o.stats = &t->stats.refused;
		fd = root_open__file(root, path, &o);
	}
	if (fd >= 0 && (fstat(fd, st) || st->st_ino != ino)) {
		close(fd); /* replaced since it was mapped: not the file we want */
		fd = -1;
	}
	return fd < 0 ? -1 : fd;
}

static struct proc_file *file_get(struct proc_table *t, const struct proc *p, uint64_t start,
				  uint64_t end, uint64_t dev, uint64_t ino, const char *path)
{
	size_t b = file_bucket(dev, ino);
	struct proc_file *f;
	struct stat st;

	for (f = t->files[b]; f; f = f->hnext) {
		if (f->dev != dev || f->ino != ino)
			continue;
		/* an earlier attempt failed: maybe this process lets us in */
		if (f->fd < 0 &&
		    (f->fd = open_mapped(t, p->pid, p->uid, start, end, path, ino, &st)) >= 0) {
			f->mtime = st.st_mtime;
			f->owner = st.st_uid;
		}
		/* opened for another process: this one's user must own it too */
		if (f->fd >= 0 && !root_open__owner_ok(f->owner, p->uid, 0)) {
			t->stats.refused.owner++;
			return NULL;
		}
		f->refs++;
		return f;
	}
	f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	f->dev = dev;
	f->ino = ino;
	f->refs = 1;
	f->fd = open_mapped(t, p->pid, p->uid, start, end, path, ino, &st);
	if (f->fd >= 0) {
		f->mtime = st.st_mtime;
		f->owner = st.st_uid;
		t->stats.files_opened++;
	} else {
		t->stats.file_open_failures++;
	}
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

static int read_comm(struct proc_table *t, int dirfd, char comm[16])
{
	char buf[64];
	ssize_t n;
	int fd = open_proc(t, dirfd, "comm");

	if (fd < 0)
		return fd;
	n = root_open__read(fd, buf, sizeof(buf));
	close(fd);
	if (n == 0)
		return -ESRCH;
	if (n < 0 && n != -EFBIG)
		return (int)n;
	buf[strcspn(buf, "\n")] = '\0';
	buf[15] = '\0';
	memcpy(comm, buf, strlen(buf) + 1);
	return 0;
}

static void skip_blanks(const char **p)
{
	while (**p == ' ' || **p == '\t')
		(*p)++;
}

/* "NSpid:" (the innermost, last). */
static int status_line(void *ctx, char *line, size_t len)
{
	struct proc *p = ctx;
	const char *s;
	uint64_t v;

	(void)len;
	if (!strncmp(line, "NSpid:", 6)) {
		s = line + 6;
		for (skip_blanks(&s); *s && !parse__u64_prefix(&s, 10, &v); skip_blanks(&s))
			p->ns_pid = v <= UINT32_MAX ? (uint32_t)v : 0;
	}
	return 0;
}

/* The pid the process sees itself as, from /proc/PID/status. */
static int read_status(struct proc_table *t, int dirfd, struct proc *p)
{
	int fd = open_proc(t, dirfd, "status"), ret;

	if (fd < 0)
		return fd;
	p->ns_pid = 0;
	ret = root_open__lines(fd, STATUS_MAX_BYTES, PROC_MAX_LINE, status_line, p);
	close(fd);
	if (ret == -EFBIG) { /* what was read before the bound stays */
		t->stats.refused.too_big++;
		ret = 0;
	}
	return ret;
}

#define CGROUP_RANK_V2 3

struct cgroup_read {
	char best[PROC_MAX_LINE + 1];
	int best_rank, lines;
};

/* One "ID:CONTROLLERS:PATH" line; keeps the path that says the most. */
static int cgroup_line(void *ctx, char *line, size_t len)
{
	struct cgroup_read *c = ctx;
	char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	int rank;

	(void)len;
	if (++c->lines > CGROUP_MAX_LINES)
		return 1;
	if (!c2)
		return 0;
	if (!strcmp(c2 + 1, "/"))
		rank = 0;
	else if (c1[1] == ':') /* "0::/path": cgroup v2 */
		rank = CGROUP_RANK_V2;
	else if (!strncmp(c1 + 1, "name=systemd:", 13))
		rank = 2;
	else
		rank = 1;
	if (rank > c->best_rank) {
		c->best_rank = rank;
		snprintf(c->best, sizeof(c->best), "%s", c2 + 1);
	}
	return 0;
}

/*
 * The process's cgroup path: the unified (v2) one, or on a hybrid host where
 * that is "/", the systemd or first controller path that says more.
 */
static char *read_cgroup(struct proc_table *t, int dirfd, bool *v2)
{
	struct cgroup_read c = {.best_rank = -1};
	int fd = open_proc(t, dirfd, "cgroup"), ret;

	*v2 = false;
	if (fd < 0)
		return NULL;
	ret = root_open__lines(fd, CGROUP_MAX_BYTES, PROC_MAX_LINE, cgroup_line, &c);
	close(fd);
	if (ret == -EFBIG)
		t->stats.refused.too_big++;
	*v2 = c.best_rank == CGROUP_RANK_V2;
	return c.best_rank >= 0 ? strdup(c.best) : NULL;
}

/* The cgroup path of the process in dirfd. id is its cgroup v2 id (0 =
 * unknown); only a path read from the v2 line is cached under it: on a v1
 * system every process shares the v2 root id. */
static char *cgroup_of(struct proc_table *t, int dirfd, uint64_t id)
{
	struct cgroup_entry *e = &t->cgroups[id % CGROUP_CACHE];
	char *path, *copy;
	bool v2;

	if (id && e->id == id && e->path)
		return strdup(e->path);
	path = read_cgroup(t, dirfd, &v2);
	if (id && path && v2 && (copy = strdup(path))) {
		free(e->path);
		e->path = copy;
		e->id = id;
	}
	return path;
}

/*
 * The path of the process's main binary, as the kernel names it in
 * /proc/PID/exe (never followed: the text only). Whoever runs the process
 * chooses it: control characters become '?', and " (deleted)" (the binary
 * was replaced, as an upgrade does) is dropped so the name stays the same.
 */
static char *read_exe(int dirfd)
{
	char buf[PROC_EXE_MAX + 1];
	ssize_t n;
	const size_t del = sizeof(" (deleted)") - 1;

	n = readlinkat(dirfd, "exe", buf, PROC_EXE_MAX);
	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	if ((size_t)n > del && !strcmp(buf + n - del, " (deleted)"))
		buf[n - del] = '\0';
	for (char *c = buf; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
	return strdup(buf);
}

/* Compare two optional strings. */
static bool same_text(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

int proc_maps__parse_line(const char *line, struct proc_maps_line *out)
{
	const char *p = line;
	uint64_t major, minor;

	if (parse__u64_prefix(&p, 16, &out->start) || *p++ != '-' ||
	    parse__u64_prefix(&p, 16, &out->end) || *p++ != ' ' || out->end <= out->start)
		return -EINVAL;
	for (int i = 0; i < 4; i++) {
		if (!*p || *p == ' ')
			return -EINVAL;
		out->perms[i] = *p++;
	}
	out->perms[4] = '\0';
	if (*p++ != ' ' || parse__u64_prefix(&p, 16, &out->pgoff) || *p++ != ' ' ||
	    parse__u64_prefix(&p, 16, &major) || *p++ != ':' ||
	    parse__u64_prefix(&p, 16, &minor) || *p++ != ' ' ||
	    parse__u64_prefix(&p, 10, &out->ino) || (*p && *p != ' ') || major > UINT32_MAX ||
	    minor > UINT32_MAX)
		return -EINVAL;
	out->major = (uint32_t)major;
	out->minor = (uint32_t)minor;
	skip_blanks(&p);
	out->path = p;
	return 0;
}

struct maps_read {
	struct proc_table *t;
	const struct proc *p;
	struct proc_mapping *maps;
	size_t n, cap;
};

/* One maps line: an executable mapping is kept, its file opened. */
static int maps_line(void *ctx, char *line, size_t len)
{
	struct maps_read *r = ctx;
	struct proc_maps_line ml;
	struct proc_mapping *m;

	(void)len;
	if (proc_maps__parse_line(line, &ml) || !strchr(ml.perms, 'x'))
		return 0;
	if (r->n >= MAX_EXEC_MAPPINGS)
		return 1;
	if (array__grow((void **)&r->maps, &r->cap, r->n + 1, sizeof(*r->maps)))
		return -ENOMEM;
	m = &r->maps[r->n];
	m->start = ml.start;
	m->end = ml.end;
	m->pgoff = ml.pgoff;
	m->file = NULL;
	m->path = strdup(*ml.path ? ml.path : "[anon]");
	if (!m->path)
		return -ENOMEM;
	r->n++;
	if (ml.ino && *ml.path == '/') {
		/* " (deleted)" is part of the name the process sees; the file
		 * itself is still reachable through map_files */
		char *clean = strdup(ml.path), *del;

		if (!clean)
			return -ENOMEM;
		del = strstr(clean, " (deleted)");
		if (del && del[10] == '\0')
			*del = '\0';
		m->file = file_get(r->t, r->p, ml.start, ml.end, makedev(ml.major, ml.minor), ml.ino,
				   clean);
		free(clean);
	}
	return 0;
}

/* Parse /proc/PID/maps into executable mappings. */
static int read_maps(struct proc_table *t, int dirfd, const struct proc *p,
		     struct proc_mapping **out, size_t *nout)
{
	struct maps_read r = {.t = t, .p = p};
	int fd, ret;

	*out = NULL;
	*nout = 0;
	fd = open_proc(t, dirfd, "maps");
	if (fd < 0)
		return fd;
	ret = root_open__lines(fd, PROC_MAPS_MAX_BYTES, PROC_MAPS_MAX_LINE, maps_line, &r);
	close(fd);
	if (ret == -EFBIG) { /* keep the mappings read: counted */
		t->stats.refused.too_big++;
		ret = 0;
	}
	if (ret > 0)
		ret = 0;
	if (!ret && r.n == 0)
		ret = -ESRCH; /* an empty maps file: a kernel thread or a zombie */
	if (ret) {
		maps_free(t, r.maps, r.n);
		return ret;
	}
	qsort(r.maps, r.n, sizeof(*r.maps), mapping_cmp);
	*out = r.maps;
	*nout = r.n;
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
	return proc_table__capture_cg(t, pid, 0);
}

/* comm: the process's name when the caller knows it (an exec event), else
 * NULL and /proc/PID/comm is read. */
static int capture(struct proc_table *t, uint32_t pid, uint64_t cgroup_id, const char *comm)
{
	struct proc **pp = find_slot(t, pid), *p = *pp;
	struct proc_mapping *maps = NULL;
	struct stat st;
	size_t n = 0;
	int ret, dirfd;

	if (!p) {
		if (t->stats.procs >= MAX_PROCS) {
			t->stats.procs_refused++;
			return -ENOSPC;
		}
		p = calloc(1, sizeof(*p));
		if (!p)
			return -ENOMEM;
		p->pid = pid;
		p->uid = (uid_t)-1;
		p->image = t->next_image++;
		*pp = p;
		t->stats.procs++;
	}
	/* who the process is first: its files are opened for its user, the
	 * owner of /proc/PID: its effective uid, even when it is not dumpable
	 * (the kernel gives root its files, not this directory, which it keeps
	 * the euid's for ps; test_hostile_files checks it) */
	dirfd = open_proc_dir(t, pid);
	if (dirfd < 0) {
		ret = dirfd;
	} else if (fstat(dirfd, &st)) {
		ret = -errno;
	} else {
		p->uid = st.st_uid;
		p->ns_pid_read = 0;
		ret = read_maps(t, dirfd, p, &maps, &n);
	}
	if (ret) {
		if (dirfd >= 0)
			close(dirfd);
		p->capture_errno = -ret;
		t->stats.capture_failures++;
		return ret;
	}
	if (comm)
		snprintf(p->comm, sizeof(p->comm), "%s", comm);
	else
		read_comm(t, dirfd, p->comm);
	{
		char *cgroup = cgroup_of(t, dirfd, cgroup_id), *exe = read_exe(dirfd);

		if (!p->identity || !same_text(cgroup, p->cgroup) || !same_text(exe, p->exe))
			p->identity = t->next_image++;
		free(p->cgroup);
		free(p->exe);
		p->cgroup = cgroup;
		p->exe = exe;
	}
	close(dirfd);
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

int proc_table__capture_cg(struct proc_table *t, uint32_t pid, uint64_t cgroup_id)
{
	return capture(t, pid, cgroup_id, NULL);
}

int proc_table__exec(struct proc_table *t, uint32_t pid, uint64_t cgroup_id, const char *comm)
{
	int ret = capture(t, pid, cgroup_id, comm);
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

uint32_t proc_table__ns_pid(struct proc_table *t, struct proc *p)
{
	int dirfd;

	if (p->ns_pid_read || p->exited)
		return p->ns_pid;
	p->ns_pid_read = 1;
	dirfd = open_proc_dir(t, p->pid);
	if (dirfd >= 0) {
		read_status(t, dirfd, p);
		close(dirfd);
	}
	return p->ns_pid;
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
