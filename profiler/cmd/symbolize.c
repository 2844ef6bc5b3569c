// SPDX-License-Identifier: MIT
/*
 * symbolize.c - `bpfprof symbolize`: addresses to names with the profiler's
 * own symbolizer, printed like `addr2line -f -i -C`.
 */
#include "cmd/symbolize.h"
#include "cmd/cli.h"
#include "common/bytebuf.h"
#include "common/parse.h"
#include "sample/proc.h"
#include "sample/resolver.h"
#include "symbolizer/symbolizer.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <malloc.h>
#include <pthread.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>


static const char usage[] =
	"Usage: bpfprof symbolize (-e FILE | -p PID) [OPTIONS] [ADDR...]\n"
	"\n"
	"Print the function, source file:line and inlined calls at each address,\n"
	"innermost first, like `addr2line -f -i -C`. Addresses are hex (0x optional);\n"
	"read from stdin, one per line, when none are given.\n"
	"\n"
	"Options:\n"
	"  -e, --exe FILE         addresses are virtual addresses of FILE\n"
	"  -p, --pid PID          addresses are addresses in process PID\n"
	"  -a, --addresses        print each address before its frames\n"
	"      --debug-root DIR   separate debug files (default /usr/lib/debug)\n"
	"      --no-demangle      print mangled C++/Rust names\n"
	"      --no-dwarf         symbol tables only\n"
	"  -j, --threads N        read debug info on N threads (default: one per CPU)\n"
	"  -s, --stats            print cache statistics to stderr at the end\n"
	"  -h, --help             this help\n"
	"\n"
	"Examples:\n"
	"  bpfprof symbolize -e /usr/bin/bash 0x4f2a0\n"
	"  bpfprof symbolize -p 1234 7f0a1c2d3e4f\n"
	"  nm -n prog | awk '{print $1}' | bpfprof symbolize -e prog\n";

struct target {
	struct symbolizer *sym;
	struct sym_file file; /* -e */
	struct proc_table *procs;
	struct proc *proc; /* -p */
	int print_addr;
	int threads;
	uint64_t unresolved;
};

/* Hex with an optional 0x, surrounded by blanks. 0 or -EINVAL. */
static int parse_addr(const char *s, uint64_t *v)
{
	uint64_t r = 0;
	int digits = 0;

	while (*s == ' ' || *s == '\t')
		s++;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	for (;; s++, digits++) {
		unsigned d;

		if (*s >= '0' && *s <= '9')
			d = (unsigned)(*s - '0');
		else if ((*s | 0x20) >= 'a' && (*s | 0x20) <= 'f')
			d = (unsigned)((*s | 0x20) - 'a' + 10);
		else
			break;
		if (digits >= 16)
			return -EINVAL;
		r = r << 4 | d;
	}
	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	if (!digits || *s)
		return -EINVAL;
	*v = r;
	return 0;
}

/* "file:line\n" without printf: this runs once per frame. */
static void print_loc(const char *file, uint32_t line, struct bytebuf *out)
{
	char num[16];
	int n = sizeof(num);

	bytebuf__puts(out, file);
	num[--n] = '\n';
	do {
		num[--n] = (char)('0' + line % 10);
		line /= 10;
	} while (line && n > 1);
	num[--n] = ':';
	bytebuf__put(out, num + n, sizeof(num) - (size_t)n);
}

static void print_result(const struct sym_result *res, struct bytebuf *out)
{
	if (res->nframes == 0) {
		bytebuf__puts(out, "??\n??:0\n");
		return;
	}
	for (int i = 0; i < res->nframes; i++) {
		const struct sym_frame *f = &res->frames[i];

		bytebuf__puts(out, f->name ? f->name : "??");
		bytebuf__put(out, "\n", 1);
		if (f->file)
			print_loc(f->file, f->line, out);
		else
			bytebuf__puts(out, "??:0\n");
	}
}

/* One address into out; through reader r when there is one (threads). */
static void symbolize_one(struct target *t, struct sym_reader *r, uint64_t addr,
			  struct bytebuf *out, uint64_t *unresolved)
{
	struct sym_result res;
	int jit;

	if (r)
		sym_reader__vaddr(r, addr, &res);
	else if (t->proc)
		resolver__lookup_user(t->procs, t->sym, t->proc, addr, 1, &res, &jit);
	else
		symbolizer__user_vaddr(t->sym, &t->file, addr, &res);
	if (!res.nframes)
		(*unresolved)++;
	if (t->print_addr) {
		static const char hex[] = "0123456789abcdef";
		char buf[20];

		buf[0] = '0';
		buf[1] = 'x';
		for (int i = 0; i < 8; i++) {
			unsigned byte = (unsigned)(addr >> (56 - 8 * i)) & 0xff;

			buf[2 + 2 * i] = hex[byte >> 4];
			buf[3 + 2 * i] = hex[byte & 15];
		}
		buf[18] = '\n';
		bytebuf__put(out, buf, 19);
	}
	print_result(&res, out);
}

/*
 * Addresses are looked up in address order and printed in input order: a
 * batch of random addresses then walks each unit's tables from low to high
 * addresses instead of jumping around memory (about 3x fewer cache misses
 * on a large binary).
 */
#define BATCH 16384

struct pending {
	uint64_t addr;
	uint32_t idx;
	uint32_t bad; /* not an address: printed as unknown */
};

/*
 * Sort p[0, n) by address, stably (input order among equal addresses):
 * LSD radix on the bytes that differ, which is several times faster than
 * qsort on a batch. tmp holds n entries. Returns the sorted array.
 */
static struct pending *sort_pending(struct pending *p, struct pending *tmp, size_t n)
{
	uint64_t all_or = 0, all_and = UINT64_MAX;

	for (size_t i = 0; i < n; i++) {
		all_or |= p[i].addr;
		all_and &= p[i].addr;
	}
	for (unsigned shift = 0; shift < 64; shift += 8) {
		size_t count[257] = {0};
		struct pending *t;

		if ((((all_or ^ all_and) >> shift) & 0xff) == 0)
			continue; /* the same byte everywhere */
		for (size_t i = 0; i < n; i++)
			count[((p[i].addr >> shift) & 0xff) + 1]++;
		for (int b = 0; b < 256; b++)
			count[b + 1] += count[b];
		for (size_t i = 0; i < n; i++)
			tmp[count[(p[i].addr >> shift) & 0xff]++] = p[i];
		t = p;
		p = tmp;
		tmp = t;
	}
	return p; /* p or tmp, whichever the last pass wrote */
}

/* Where the output of one address is: in which chunk's buffer, and where. */
struct piece {
	size_t off;
	uint32_t len, chunk;
};

#define MAX_CHUNKS 16
#define MIN_CHUNK 2048 /* addresses worth a thread */

/* One thread's share of a batch: sorted entries [lo, hi). */
struct chunk {
	struct target *t;
	struct batch *b;
	const struct pending *p;
	size_t lo, hi;
	uint32_t id;
	struct sym_reader *reader; /* NULL: through the target (one thread) */
	uint64_t unresolved;
	pthread_t thread;
	int started;
};

/* Work arrays of a batch, allocated once for BATCH entries. */
struct batch {
	struct pending *p, *tmp;
	struct piece *piece; /* output of each sorted position */
	uint32_t *pos;       /* input index -> sorted position */
	uint64_t *addrs;     /* the batch's addresses, for symbolizer__prefetch */
	struct bytebuf ob[MAX_CHUNKS];
	size_t n;
};

static int batch__init(struct batch *b)
{
	memset(b, 0, sizeof(*b));
	b->p = malloc(BATCH * sizeof(*b->p));
	b->tmp = malloc(BATCH * sizeof(*b->tmp));
	b->piece = malloc(BATCH * sizeof(*b->piece));
	b->pos = malloc(BATCH * sizeof(*b->pos));
	b->addrs = malloc(BATCH * sizeof(*b->addrs));
	return b->p && b->tmp && b->piece && b->pos && b->addrs ? 0 : -ENOMEM;
}

static void batch__release(struct batch *b)
{
	free(b->p);
	free(b->tmp);
	free(b->piece);
	free(b->pos);
	free(b->addrs);
	for (int i = 0; i < MAX_CHUNKS; i++)
		bytebuf__release(&b->ob[i]);
}

static void *chunk__run(void *arg)
{
	struct chunk *c = arg;
	/* copies on this thread's stack: the buffers' headers and the chunks
	 * share cache lines, and every append would bounce them between CPUs */
	struct bytebuf ob = c->b->ob[c->id];
	uint64_t unresolved = 0;

	bytebuf__reset(&ob);
	for (size_t k = c->lo; k < c->hi; k++) {
		size_t start = ob.len;

		if (c->p[k].bad) {
			bytebuf__puts(&ob, "??\n??:0\n");
			unresolved++;
		} else {
			symbolize_one(c->t, c->reader, c->p[k].addr, &ob, &unresolved);
		}
		c->b->piece[k] = (struct piece){start, (uint32_t)(ob.len - start), c->id};
	}
	c->b->ob[c->id] = ob;
	c->unresolved = unresolved;
	return NULL;
}

/*
 * Symbolize the sorted entries p[0, n) into the chunks' buffers: with -e and
 * threads, the DWARF they need is read first (on every thread), then each
 * thread looks up a contiguous share through its own reader.
 */
static int batch__symbolize(struct target *t, struct batch *b, const struct pending *p,
			    size_t n)
{
	struct chunk ch[MAX_CHUNKS];
	int nc = 1, ret = 0;

	if (!t->proc) {
		size_t na = 0;

		for (size_t k = 0; k < n; k++)
			if (!p[k].bad)
				b->addrs[na++] = p[k].addr;
		/* a failure only means slower lookups, each reading its unit */
		if (!symbolizer__prefetch(t->sym, &t->file, b->addrs, na) && t->threads > 1)
			nc = (int)(n / MIN_CHUNK < (size_t)t->threads ? n / MIN_CHUNK : (size_t)t->threads);
		if (nc > MAX_CHUNKS)
			nc = MAX_CHUNKS;
		if (nc < 1)
			nc = 1;
	}
	for (int i = 0; i < nc; i++) {
		ch[i] = (struct chunk){.t = t, .b = b, .p = p, .id = (uint32_t)i,
				       .lo = n * (size_t)i / (size_t)nc,
				       .hi = n * (size_t)(i + 1) / (size_t)nc};
		if (nc > 1 && symbolizer__reader_new(t->sym, &t->file, &ch[i].reader))
			ret = -ENOMEM;
	}
	if (ret)
		goto out;
	for (int i = 1; i < nc; i++)
		ch[i].started = !pthread_create(&ch[i].thread, NULL, chunk__run, &ch[i]);
	for (int i = 0; i < nc; i++) /* chunk 0, and any whose thread did not start */
		if (!ch[i].started)
			chunk__run(&ch[i]);
	for (int i = 1; i < nc; i++)
		if (ch[i].started)
			pthread_join(ch[i].thread, NULL);
	for (int i = 0; i < nc; i++) {
		t->unresolved += ch[i].unresolved;
		if (b->ob[i].err)
			ret = -ENOMEM;
	}
out:
	for (int i = 0; i < nc; i++)
		sym_reader__free(ch[i].reader);
	return ret;
}

/*
 * Lines of a descriptor, read in large blocks: getline costs more than the
 * lookup of an address. A line longer than the buffer is cut into pieces
 * (each then is not an address).
 */
#define READ_BUF (1 << 16)

struct line_reader {
	int fd, eof;
	size_t start, end;
	char buf[READ_BUF + 1];
};

/* The next line, NUL-terminated, without its newline: 1, 0 at the end, -errno. */
static int line_reader__next(struct line_reader *r, char **line)
{
	for (;;) {
		char *nl = memchr(r->buf + r->start, '\n', r->end - r->start);
		ssize_t n;

		if (nl || (r->eof && r->end > r->start) || r->end - r->start == READ_BUF) {
			char *l = r->buf + r->start;
			size_t len = nl ? (size_t)(nl - l) : r->end - r->start;

			l[len] = '\0'; /* the newline, or the spare byte past the buffer */
			r->start += nl ? len + 1 : len;
			*line = l;
			return 1;
		}
		if (r->eof)
			return 0;
		memmove(r->buf, r->buf + r->start, r->end - r->start);
		r->end -= r->start;
		r->start = 0;
		n = read(r->fd, r->buf + r->end, READ_BUF - r->end);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			r->eof = 1;
		r->end += (size_t)n;
	}
}

#define IOV_CHUNK 1024 /* IOV_MAX on Linux */

/* Write all of iov[0, cnt) to fd, across short writes. 0 or -1 (errno set). */
static int write_iov(int fd, struct iovec *iov, int cnt)
{
	while (cnt > 0) {
		ssize_t w = writev(fd, iov, cnt);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		while (cnt > 0 && (size_t)w >= iov->iov_len) {
			w -= (ssize_t)iov->iov_len;
			iov++;
			cnt--;
		}
		if (cnt > 0) {
			iov->iov_base = (char *)iov->iov_base + w;
			iov->iov_len -= (size_t)w;
		}
	}
	return 0;
}

/* Symbolize and print the batch (in input order), then empty it. 0 or -errno. */
static int batch__run(struct target *t, struct batch *b, FILE *out)
{
	struct pending *p = sort_pending(b->p, b->tmp, b->n);
	size_t n = b->n;
	int ret;

	for (size_t k = 0; k < n; k++)
		b->pos[p[k].idx] = (uint32_t)k;
	ret = batch__symbolize(t, b, p, n);
	b->n = 0;
	if (ret)
		return ret;
	/* straight from the buffers to the descriptor, in input order */
	if (fflush(out))
		return -errno;
	for (size_t i = 0; i < n;) {
		struct iovec iov[IOV_CHUNK];
		int cnt = 0;

		for (; i < n && cnt < IOV_CHUNK; i++) {
			const struct piece *pc = &b->piece[b->pos[i]];
			char *base = b->ob[pc->chunk].data + pc->off;

			if (cnt && (char *)iov[cnt - 1].iov_base + iov[cnt - 1].iov_len == base)
				iov[cnt - 1].iov_len += pc->len; /* contiguous: one piece */
			else
				iov[cnt++] = (struct iovec){base, pc->len};
		}
		if (write_iov(fileno(out), iov, cnt))
			return -errno;
	}
	return 0;
}

struct symbolize_opts {
	const char *exe; /* -e, or */
	long pid;        /* -p; -1 = none */
	int threads;     /* 0 = one per CPU */
	bool print_addr, stats;
	struct symbolizer_opts so;
	char **addrs; /* addresses on the command line; none: read stdin */
	int naddrs;
};

/* Returns -1 to go on, else an exit code. */
static int parse_args(int argc, char **argv, struct symbolize_opts *o)
{
	enum { OPT_DEBUG_ROOT = 256, OPT_NO_DEMANGLE, OPT_NO_DWARF };
	static const struct option long_opts[] = {
		{"exe", required_argument, NULL, 'e'},
		{"pid", required_argument, NULL, 'p'},
		{"addresses", no_argument, NULL, 'a'},
		{"debug-root", required_argument, NULL, OPT_DEBUG_ROOT},
		{"no-demangle", no_argument, NULL, OPT_NO_DEMANGLE},
		{"no-dwarf", no_argument, NULL, OPT_NO_DWARF},
		{"stats", no_argument, NULL, 's'},
		{"threads", required_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	uint64_t v;
	int c;

	o->pid = -1;
	while ((c = getopt_long(argc, argv, "e:p:asj:h", long_opts, NULL)) != -1) {
		switch (c) {
		case 'e': o->exe = optarg; break;
		case 'p':
			if (parse__u64(optarg, 1, 0x3fffffff, &v)) {
				fprintf(stderr, "bpfprof symbolize: bad pid '%s'\n", optarg);
				return EXIT_USAGE;
			}
			o->pid = (long)v;
			break;
		case 'a': o->print_addr = true; break;
		case 's': o->stats = true; break;
		case 'j':
			if (parse__u64(optarg, 1, 64, &v)) {
				fprintf(stderr, "bpfprof symbolize: bad thread count '%s'\n", optarg);
				return EXIT_USAGE;
			}
			o->threads = (int)v;
			break;
		case OPT_DEBUG_ROOT: o->so.debug_root = optarg; break;
		case OPT_NO_DEMANGLE: o->so.no_demangle = 1; break;
		case OPT_NO_DWARF: o->so.no_dwarf = 1; break;
		case 'h': fputs(usage, stdout); return 0;
		default: fputs(usage, stderr); return EXIT_USAGE;
		}
	}
	if (!o->exe == (o->pid < 0)) {
		fprintf(stderr, "bpfprof symbolize: give one of -e FILE or -p PID\n");
		return EXIT_USAGE;
	}
	for (int i = optind; i < argc; i++) {
		uint64_t a;

		if (parse_addr(argv[i], &a)) {
			fprintf(stderr, "bpfprof symbolize: bad address '%s'\n", argv[i]);
			return EXIT_USAGE;
		}
	}
	o->addrs = argv + optind;
	o->naddrs = argc - optind;
	if (!o->threads) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);

		o->threads = n < 1 ? 1 : n > 64 ? 64 : (int)n;
	}
	o->so.threads = o->threads;
	return -1;
}

/* The symbolizer and the file (-e) or process (-p) it reads. 0, or 1 after
 * saying why. */
static int open_target(const struct symbolize_opts *o, struct target *t)
{
	int r;

	t->print_addr = o->print_addr;
	t->threads = o->threads;
	if ((r = symbolizer__new(&o->so, &t->sym))) {
		fprintf(stderr, "bpfprof symbolize: %s\n", strerror(-r));
		return 1;
	}
	if (o->exe) {
		struct stat st;

		t->file.fd = open(o->exe, O_RDONLY | O_CLOEXEC);
		if (t->file.fd < 0 || fstat(t->file.fd, &st)) {
			fprintf(stderr, "bpfprof symbolize: open %s: %s\n", o->exe, strerror(errno));
			return 1;
		}
		t->file.path = o->exe;
		t->file.dev = st.st_dev;
		t->file.ino = st.st_ino;
		t->file.mtime = st.st_mtime;
		return 0;
	}
	r = proc_table__new(NULL, &t->procs);
	if (!r)
		r = proc_table__capture(t->procs, (uint32_t)o->pid);
	if (r) {
		fprintf(stderr, "bpfprof symbolize: process %ld: %s\n", o->pid, strerror(-r));
		return 1;
	}
	t->proc = proc_table__get(t->procs, (uint32_t)o->pid);
	return 0;
}

/* Symbolize the addresses of the command line, or of stdin line by line,
 * in batches, to stdout. 0 or -errno. */
static int run(struct target *t, const struct symbolize_opts *o, struct batch *batch)
{
	struct line_reader *reader = NULL;
	char *line = NULL;
	int r = 0;

	if (o->naddrs) {
		for (int i = 0; i < o->naddrs && !r; i++) {
			struct pending *q = &batch->p[batch->n];

			*q = (struct pending){.idx = (uint32_t)batch->n};
			parse_addr(o->addrs[i], &q->addr);
			if (++batch->n == BATCH)
				r = batch__run(t, batch, stdout);
		}
	} else {
		reader = malloc(sizeof(*reader));
		if (!reader)
			r = -ENOMEM;
		else
			*reader = (struct line_reader){.fd = STDIN_FILENO};
		while (!r && (r = line_reader__next(reader, &line)) > 0) {
			struct pending *q = &batch->p[batch->n];

			r = 0;
			*q = (struct pending){.idx = (uint32_t)batch->n};
			if (parse_addr(line, &q->addr)) {
				if (line[strspn(line, " \t\r\n")] == '\0')
					continue; /* blank line */
				q->bad = 1;
			}
			if (++batch->n == BATCH)
				r = batch__run(t, batch, stdout);
		}
	}
	if (!r && batch->n)
		r = batch__run(t, batch, stdout);
	free(reader);
	return r;
}

int symbolize__main(int argc, char **argv)
{
	static char obuf[1 << 18];
	struct symbolize_opts o = {0};
	struct target t = {.file = {.fd = -1}};
	struct batch batch = {0};
	int r, ret = parse_args(argc, argv, &o);

	if (ret >= 0)
		return ret;
	/* A short batch run: keep freed work arrays in the heap for the next
	 * unit instead of unmapping them (page faults, and TLB shootdowns once
	 * threads run). main() lowered the threshold for the long-lived agent. */
	mallopt(M_MMAP_THRESHOLD, 64 << 20);
	mallopt(M_TRIM_THRESHOLD, 128 << 20);
	ret = 1;
	if (open_target(&o, &t))
		goto cleanup;
	setvbuf(stdout, obuf, _IOFBF, sizeof(obuf));
	if ((r = batch__init(&batch)) || (r = run(&t, &o, &batch))) {
		fprintf(stderr, "bpfprof symbolize: %s\n", strerror(-r));
		goto cleanup;
	}
	if (fflush(stdout)) {
		fprintf(stderr, "bpfprof symbolize: write: %s\n", strerror(errno));
		goto cleanup;
	}
	if (o.stats) {
		struct symbolizer_stats st;

		symbolizer__stats(t.sym, &st);
		fprintf(stderr,
			"symbolizer: %llu unresolved, cache %llu hits %llu misses %llu evictions, "
			"%zu files, %zu bytes, %llu with DWARF\n",
			(unsigned long long)t.unresolved, (unsigned long long)st.cache_hits,
			(unsigned long long)st.cache_misses, (unsigned long long)st.evictions,
			st.files_cached, st.memory, (unsigned long long)st.dwarf_files);
	}
	ret = 0;
cleanup:
	batch__release(&batch);
	if (t.file.fd >= 0)
		close(t.file.fd);
	proc_table__free(t.procs);
	symbolizer__free(t.sym);
	return ret;
}
