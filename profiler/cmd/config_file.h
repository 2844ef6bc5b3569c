/* SPDX-License-Identifier: MIT */
/*
 * config_file.h - a command's long options read from a file: one option a
 * line, `key = value` or `key value`, `#` starts a comment line, a flag is
 * `key` or `key = true` (`false` leaves it out). The keys are the command's
 * own getopt table, so a new option is a config key without more work. The
 * result is a list of "--key=value" / "--key" arguments, each with its line,
 * that the command parses before its command line (so flags there win).
 */
#ifndef BPFPROF_CONFIG_FILE_H
#define BPFPROF_CONFIG_FILE_H

#include <getopt.h>
#include <stddef.h>

#define CONFIG_FILE_MAX_SIZE (64 * 1024) /* bytes */
#define CONFIG_FILE_MAX_LINE 4096	 /* bytes, newline excluded */

struct config_entry {
	char *arg;     /* "--key=value" or "--key" */
	unsigned line; /* from 1 */
};

struct config_file {
	char *path;
	struct config_entry *entries; /* in file order */
	size_t n, cap;
};

/*
 * Parse LEN bytes of BUF, named PATH in messages, against OPTS (a getopt_long
 * table); keys in DENY (NULL-terminated, may be NULL) are refused. 0 with a
 * new *out, or -EINVAL / -ENOMEM with "PATH:LINE: why" in err.
 */
int config_file__parse(const char *path, const char *buf, size_t len, const struct option *opts,
		       const char *const *deny, struct config_file **out, char *err,
		       size_t errlen);

/*
 * Read and parse the file at PATH: a regular file of root or of the caller,
 * writable by nobody else (it decides what the agent reads and where it
 * listens), at most CONFIG_FILE_MAX_SIZE bytes. 0, or -errno with the reason
 * in err.
 */
int config_file__read(const char *path, const struct option *opts, const char *const *deny,
		      struct config_file **out, char *err, size_t errlen);

void config_file__free(struct config_file *c);

#endif
