// SPDX-License-Identifier: MIT
/*
 * config_file.c - a command's long options from a file (see config_file.h).
 * The file is root's: it is not trusted from anyone who could write it, and
 * everything in it is bounded (size, line length) and checked against the
 * command's option table before the command parses its values.
 */
#include "cmd/config_file.h"
#include "common/array.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static bool is_key_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_';
}

static const struct option *find_option(const struct option *opts, const char *key, size_t len)
{
	for (; opts->name; opts++)
		if (strlen(opts->name) == len && !memcmp(opts->name, key, len))
			return opts;
	return NULL;
}

static bool denied(const char *const *deny, const char *name)
{
	for (; deny && *deny; deny++)
		if (!strcmp(*deny, name))
			return true;
	return false;
}

/* 1 for true, 0 for false, -1 for anything else. */
static int boolean(const char *v, size_t len)
{
	static const char *const yes[] = {"true", "yes", "on", "1"}, *const no[] = {"false", "no", "off", "0"};

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strlen(yes[i]) == len && !strncasecmp(v, yes[i], len))
			return 1;
		if (strlen(no[i]) == len && !strncasecmp(v, no[i], len))
			return 0;
	}
	return -1;
}

static int add_arg(struct config_file *c, const char *name, const char *value, size_t vlen,
		   unsigned line)
{
	char *arg = NULL;

	if (array__grow((void **)&c->entries, &c->cap, c->n + 1, sizeof(*c->entries)))
		return -ENOMEM;
	if (value) {
		if (asprintf(&arg, "--%s=%.*s", name, (int)vlen, value) < 0)
			return -ENOMEM;
	} else if (asprintf(&arg, "--%s", name) < 0) {
		return -ENOMEM;
	}
	c->entries[c->n].arg = arg;
	c->entries[c->n++].line = line;
	return 0;
}

/* One line without its newline: 0 (an option added, or nothing to add),
 * -EINVAL with the reason in err (without the "PATH:LINE: " prefix). */
static int parse_line(struct config_file *c, const char *s, size_t len, unsigned line,
		      const struct option *opts, const char *const *deny, char *err,
		      size_t errlen)
{
	const struct option *opt;
	const char *key, *value;
	size_t klen, vlen;
	bool equals = false;

	while (len && (is_blank(s[len - 1]) || s[len - 1] == '\r'))
		len--;
	while (len && is_blank(*s))
		s++, len--;
	if (!len || *s == '#')
		return 0;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < ' ' && s[i] != '\t') {
			snprintf(err, errlen, "a control character at column %zu", i + 1);
			return -EINVAL;
		}
	key = s;
	for (klen = 0; klen < len && is_key_char(key[klen]); klen++)
		;
	value = key + klen;
	vlen = len - klen;
	while (vlen && is_blank(*value))
		value++, vlen--;
	if (vlen && *value == '=') {
		equals = true;
		value++, vlen--;
		while (vlen && is_blank(*value))
			value++, vlen--;
	}
	if (!klen || (value == key + klen && vlen)) {
		snprintf(err, errlen, "expected 'key = value' or 'key value', not '%.*s'",
			 (int)(len > 64 ? 64 : len), s);
		return -EINVAL;
	}
	opt = find_option(opts, key, klen);
	if (!opt) {
		snprintf(err, errlen, "unknown key '%.*s'", (int)(klen > 64 ? 64 : klen), key);
		return -EINVAL;
	}
	if (denied(deny, opt->name)) {
		snprintf(err, errlen, "'%s' cannot be set in a config file", opt->name);
		return -EINVAL;
	}
	if (opt->has_arg == no_argument) {
		int b = vlen ? boolean(value, vlen) : (equals ? -1 : 1);

		if (b < 0) {
			snprintf(err, errlen, "'%s' is a flag: write '%s' or '%s = true' (or false)",
				 opt->name, opt->name, opt->name);
			return -EINVAL;
		}
		return b ? add_arg(c, opt->name, NULL, 0, line) : 0;
	}
	if (!vlen) {
		if (opt->has_arg == optional_argument && !equals)
			return add_arg(c, opt->name, NULL, 0, line);
		snprintf(err, errlen, "'%s' needs a value", opt->name);
		return -EINVAL;
	}
	return add_arg(c, opt->name, value, vlen, line);
}

int config_file__parse(const char *path, const char *buf, size_t len, const struct option *opts,
		       const char *const *deny, struct config_file **out, char *err, size_t errlen)
{
	struct config_file *c = calloc(1, sizeof(*c));
	char why[256] = "";
	unsigned line = 0;
	int ret = -ENOMEM;

	*out = NULL;
	if (!c || !(c->path = strdup(path)))
		goto cleanup;
	if (len > CONFIG_FILE_MAX_SIZE) {
		snprintf(why, sizeof(why), "larger than %d bytes", CONFIG_FILE_MAX_SIZE);
		ret = -EFBIG;
		goto cleanup;
	}
	if (memchr(buf, '\0', len)) {
		snprintf(why, sizeof(why), "has a NUL byte: not a text file");
		ret = -EINVAL;
		goto cleanup;
	}
	for (size_t at = 0; at < len;) {
		const char *nl = memchr(buf + at, '\n', len - at);
		size_t n = nl ? (size_t)(nl - (buf + at)) : len - at;

		line++;
		if (n > CONFIG_FILE_MAX_LINE) {
			snprintf(why, sizeof(why), "line longer than %d bytes",
				 CONFIG_FILE_MAX_LINE);
			ret = -EINVAL;
			goto cleanup;
		}
		ret = parse_line(c, buf + at, n, line, opts, deny, why, sizeof(why));
		if (ret)
			goto cleanup;
		at += n + 1;
	}
	*out = c;
	c = NULL;
	ret = 0;
cleanup:
	if (ret == -ENOMEM && !why[0])
		snprintf(why, sizeof(why), "%s", strerror(ENOMEM));
	if (ret && line)
		snprintf(err, errlen, "%s:%u: %s", path, line, why);
	else if (ret)
		snprintf(err, errlen, "%s: %s", path, why);
	config_file__free(c);
	return ret;
}

int config_file__read(const char *path, const struct option *opts, const char *const *deny,
		      struct config_file **out, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK), ret;
	char *buf = NULL;
	size_t len = 0;
	struct stat st;

	*out = NULL;
	if (fd < 0 || fstat(fd, &st)) {
		ret = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto cleanup;
	}
	ret = -EPERM;
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s is not a regular file", path);
		goto cleanup;
	}
	if (st.st_uid != 0 && st.st_uid != geteuid()) {
		snprintf(err, errlen, "%s belongs to uid %u, not to root: refused", path,
			 (unsigned)st.st_uid);
		goto cleanup;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		snprintf(err, errlen,
			 "%s is writable by group or others (mode %03o): refused, it decides what "
			 "the agent reads and where it listens (chmod go-w it)",
			 path, (unsigned)(st.st_mode & 0777));
		goto cleanup;
	}
	ret = -ENOMEM;
	buf = malloc(CONFIG_FILE_MAX_SIZE + 1);
	if (!buf) {
		snprintf(err, errlen, "%s: %s", path, strerror(ENOMEM));
		goto cleanup;
	}
	while (len <= CONFIG_FILE_MAX_SIZE) { /* one byte more than allowed: too big */
		ssize_t r = read(fd, buf + len, CONFIG_FILE_MAX_SIZE + 1 - len);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			ret = -errno;
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			goto cleanup;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	ret = config_file__parse(path, buf, len, opts, deny, out, err, errlen);
cleanup:
	free(buf);
	if (fd >= 0)
		close(fd);
	return ret;
}

void config_file__free(struct config_file *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++)
		free(c->entries[i].arg);
	free(c->entries);
	free(c->path);
	free(c);
}
