// SPDX-License-Identifier: MIT
#include "common/errbuf.h"
#include "format/output.h"
#include "format/folded.h"
#include "format/html.h"
#include "format/json_profile.h"
#include "format/pprof.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int output__parse_format(const char *name, enum output_format *out)
{
	if (!strcmp(name, "folded"))
		*out = OUTPUT_FOLDED;
	else if (!strcmp(name, "pprof"))
		*out = OUTPUT_PPROF;
	else if (!strcmp(name, "html"))
		*out = OUTPUT_HTML;
	else if (!strcmp(name, "json"))
		*out = OUTPUT_JSON;
	else
		return -EINVAL;
	return 0;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

enum output_format output__format_for_path(const char *path)
{
	if (!path)
		return OUTPUT_FOLDED;
	if (ends_with(path, ".pb.gz") || ends_with(path, ".pprof") || ends_with(path, ".pb"))
		return OUTPUT_PPROF;
	if (ends_with(path, ".html") || ends_with(path, ".htm"))
		return OUTPUT_HTML;
	if (ends_with(path, ".json"))
		return OUTPUT_JSON;
	return OUTPUT_FOLDED;
}

int output__write_file(const struct profile *p, const struct output_opts *opts, FILE *f)
{
	struct folded_opts fo = {.lines = opts->lines};

	if (opts->base && opts->format != OUTPUT_HTML && opts->format != OUTPUT_JSON)
		return -ENOTSUP; /* a difference is drawn, not stored */
	switch (opts->format) {
	case OUTPUT_FOLDED:
		return folded__write(p, &fo, f);
	case OUTPUT_PPROF:
		return pprof__write(p, f);
	case OUTPUT_HTML:
		return html__write(p, opts->base, opts->title, f);
	case OUTPUT_JSON:
		return json_profile__write(p, opts->base, opts->title, f);
	default:
		return -ENOTSUP;
	}
}

int output__write(const struct profile *p, const struct output_opts *opts, const char *path,
		  char *err, size_t errlen)
{
	char *tmp = NULL;
	struct stat st;
	FILE *f = NULL;
	int ret, fd;

	if (!path || !strcmp(path, "-")) {
		ret = output__write_file(p, opts, stdout);
		if (ret)
			errbuf__set(err, errlen, "write stdout: %s", strerror(-ret));
		return ret;
	}
	/* Not a regular file (/dev/null, a FIFO, /dev/stdout): write in place;
	 * renaming a temporary file over it would replace the device. */
	if (!stat(path, &st) && !S_ISREG(st.st_mode)) {
		f = fopen(path, "w");
		if (!f) {
			ret = -errno;
			errbuf__set(err, errlen, "open %s: %s", path, strerror(-ret));
			return ret;
		}
		ret = output__write_file(p, opts, f);
		if (fclose(f) && !ret)
			ret = -errno;
		if (ret)
			errbuf__set(err, errlen, "write %s: %s", path, strerror(-ret));
		return ret;
	}
	if (asprintf(&tmp, "%s.tmp.XXXXXX", path) < 0)
		return -ENOMEM;
	fd = mkstemp(tmp);
	if (fd < 0) {
		ret = -errno;
		errbuf__set(err, errlen, "create %s: %s", tmp, strerror(-ret));
		goto cleanup;
	}
	/* mkstemp makes 0600; a profile is an ordinary readable file */
	fchmod(fd, 0644);
	f = fdopen(fd, "w");
	if (!f) {
		ret = -errno;
		close(fd);
		unlink(tmp);
		goto cleanup;
	}
	ret = output__write_file(p, opts, f);
	if (!ret && (fflush(f) || fsync(fileno(f))))
		ret = -errno;
	if (fclose(f) && !ret)
		ret = -errno;
	if (!ret && rename(tmp, path))
		ret = -errno;
	if (ret) {
		errbuf__set(err, errlen, "write %s: %s", path, strerror(-ret));
		unlink(tmp);
	}
cleanup:
	free(tmp);
	return ret;
}
