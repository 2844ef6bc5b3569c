// SPDX-License-Identifier: MIT
/*
 * debuginfo.c - locate separate debug files (debuglink, build-id, debuginfod).
 */
#include "common/root_open.h"
#include "symbolizer/debuginfo.h"
#include "symbolizer/symbolizer.h"

#include <ctype.h>
#include <dlfcn.h>
#include <elfutils/debuginfod.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define DEFAULT_DEBUG_ROOT "/usr/lib/debug"
/* A debuglink name is a file name, not a path; longer ones are garbage. */
#define MAX_LINK_NAME 255

int debuginfo__crc32(int fd, uint32_t *crc)
{
	unsigned char buf[65536];
	uLong c = crc32(0L, Z_NULL, 0);
	off_t off = 0;
	ssize_t n;

	while ((n = pread(fd, buf, sizeof(buf), off)) > 0) {
		c = crc32(c, buf, (uInt)n);
		off += n;
	}
	if (n < 0)
		return -errno;
	*crc = (uint32_t)c;
	return 0;
}

static int has_dwarf(Elf *elf)
{
	size_t shstrndx;
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	if (elf_getshdrstrndx(elf, &shstrndx))
		return 0;
	while ((scn = elf_nextscn(elf, scn))) {
		const char *name;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type == SHT_NOBITS || !sh.sh_size)
			continue;
		name = elf_strptr(elf, shstrndx, sh.sh_name);
		if (name && (!strcmp(name, ".debug_info") || !strcmp(name, ".zdebug_info")))
			return 1;
	}
	return 0;
}

/* .gnu_debuglink: file name and CRC. 0 or -ENOENT. */
static int read_debuglink(Elf *elf, char *name, size_t len, uint32_t *crc)
{
	size_t shstrndx;
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	GElf_Ehdr eh;

	if (elf_getshdrstrndx(elf, &shstrndx) || !gelf_getehdr(elf, &eh))
		return -ENOENT;
	while ((scn = elf_nextscn(elf, scn))) {
		const char *sname;
		Elf_Data *d;
		size_t n, crc_off;
		uint32_t c;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type == SHT_NOBITS)
			continue;
		sname = elf_strptr(elf, shstrndx, sh.sh_name);
		if (!sname || strcmp(sname, ".gnu_debuglink"))
			continue;
		d = elf_getdata(scn, NULL);
		if (!d || !d->d_buf || d->d_size < 8)
			return -ENOENT;
		n = strnlen(d->d_buf, d->d_size);
		crc_off = (n + 4) & ~(size_t)3;
		if (n == 0 || n > MAX_LINK_NAME || n >= len || crc_off + 4 > d->d_size ||
		    memchr(d->d_buf, '/', n))
			return -ENOENT;
		memcpy(name, d->d_buf, n);
		name[n] = '\0';
		memcpy(&c, (const char *)d->d_buf + crc_off, 4);
		if ((eh.e_ident[EI_DATA] == ELFDATA2MSB) != (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__))
			c = __builtin_bswap32(c);
		*crc = c;
		return 0;
	}
	return -ENOENT;
}

/* Open a candidate debug file for req's process: inside root (NULL: the
 * host's, following symlinks) as root_open.h checks it. A descriptor or -1. */
static int open_candidate(const struct debuginfo_req *req, const char *root, const char *path)
{
	struct root_open_opts o = {
		.flags = ROOT_OPEN_REGULAR | ROOT_OPEN_OWNER | (root ? ROOT_OPEN_NOFOLLOW : 0),
		.uid = req->uid,
		.max_size = SYMBOLIZER_MAX_FILE_SIZE,
		.stats = req->refused,
	};
	int fd = root_open__file(root, path, &o);

	return fd < 0 ? -1 : fd;
}

/* Open candidate; keep it when it is not the binary itself and the CRC matches. */
static int try_link(const struct debuginfo_req *req, const char *root, const char *path,
		    const struct stat *self, uint32_t crc)
{
	struct stat st;
	uint32_t c;
	int fd = open_candidate(req, root, path);

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) || (st.st_dev == self->st_dev && st.st_ino == self->st_ino) ||
	    debuginfo__crc32(fd, &c) || c != crc) {
		close(fd);
		return -1;
	}
	return fd;
}

static int find_debuglink(const struct debuginfo_req *req, Elf *elf, const char *debug_root)
{
	char name[MAX_LINK_NAME + 1], dir[4096], cand[4096 + 2 * MAX_LINK_NAME];
	const char *slash;
	struct stat self;
	uint32_t crc;
	int fd;

	if (read_debuglink(elf, name, sizeof(name), &crc) || fstat(req->fd, &self))
		return -1;
	if (!req->path || req->path[0] != '/' || !(slash = strrchr(req->path, '/')) ||
	    (size_t)(slash - req->path) >= sizeof(dir))
		return -1;
	memcpy(dir, req->path, (size_t)(slash - req->path));
	dir[slash - req->path] = '\0';
	snprintf(cand, sizeof(cand), "%s/%s", dir, name);
	if ((fd = try_link(req, req->root, cand, &self, crc)) >= 0)
		return fd;
	snprintf(cand, sizeof(cand), "%s/.debug/%s", dir, name);
	if ((fd = try_link(req, req->root, cand, &self, crc)) >= 0)
		return fd;
	snprintf(cand, sizeof(cand), "%s%s/%s", debug_root, dir, name);
	return try_link(req, NULL, cand, &self, crc);
}

static int find_build_id(const struct debuginfo_req *req, const char *debug_root)
{
	char path[4096];
	size_t n = req->build_id ? strlen(req->build_id) : 0;

	if (n < 4 || n > 128)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)req->build_id[i]))
			return -1;
	snprintf(path, sizeof(path), "%s/.build-id/%.2s/%s.debug", debug_root, req->build_id,
		 req->build_id + 2);
	return open_candidate(req, NULL, path);
}

/*
 * libdebuginfod is opened only when a server is configured: linked in, it
 * and libcurl bring some 30 libraries whose loading and relocation cost
 * every bpfprof start a few milliseconds.
 */
static int find_debuginfod(const struct debuginfo_req *req)
{
	const char *urls = getenv("DEBUGINFOD_URLS");
	debuginfod_client *(*begin)(void);
	int (*find)(debuginfod_client *, const unsigned char *, int, char **);
	void (*end)(debuginfod_client *);
	debuginfod_client *c;
	void *lib;
	int fd = -1;

	if (!req->debuginfod || !urls || !*urls || !req->build_id)
		return -1;
	lib = dlopen("libdebuginfod.so.1", RTLD_NOW | RTLD_LOCAL);
	if (!lib)
		return -1;
	*(void **)&begin = dlsym(lib, "debuginfod_begin");
	*(void **)&find = dlsym(lib, "debuginfod_find_debuginfo");
	*(void **)&end = dlsym(lib, "debuginfod_end");
	if (begin && find && end && (c = begin())) {
		/* length 0: the build-id is given as a hex string */
		fd = find(c, (const unsigned char *)req->build_id, 0, NULL);
		end(c);
	}
	dlclose(lib);
	if (fd >= 0) { /* what a server sent: held to the bounds of any file */
		struct stat st;

		if (fstat(fd, &st) || !S_ISREG(st.st_mode) ||
		    (uint64_t)st.st_size > SYMBOLIZER_MAX_FILE_SIZE) {
			close(fd);
			fd = -1;
		}
	}
	return fd;
}

int debuginfo__find(const struct debuginfo_req *req, int *fd_out, enum debuginfo_source *source)
{
	const char *debug_root = req->debug_root ? req->debug_root : DEFAULT_DEBUG_ROOT;
	Elf *elf;
	int fd;

	*fd_out = -1;
	*source = DEBUGINFO_NONE;
	elf_version(EV_CURRENT);
	elf = elf_begin(req->fd, ELF_C_READ_MMAP, NULL);
	if (!elf)
		return -ENOEXEC;
	if (elf_kind(elf) != ELF_K_ELF) {
		elf_end(elf);
		return -ENOEXEC;
	}
	if (has_dwarf(elf)) {
		*source = DEBUGINFO_SELF;
		elf_end(elf);
		return 0;
	}
	fd = find_debuglink(req, elf, debug_root);
	elf_end(elf);
	if (fd >= 0) {
		*source = DEBUGINFO_DEBUGLINK;
	} else if ((fd = find_build_id(req, debug_root)) >= 0) {
		*source = DEBUGINFO_BUILD_ID;
	} else if ((fd = find_debuginfod(req)) >= 0) {
		*source = DEBUGINFO_DEBUGINFOD;
	}
	*fd_out = fd >= 0 ? fd : -1;
	return 0;
}
