// SPDX-License-Identifier: MIT
#include "common/array.h"
#include "cmd/cli.h"
#include "common/parse.h"
#include "sample/caps.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>

int cli__parse_pids(const char *s, uint32_t **pids, size_t *npids)
{
	char *copy = strdup(s ? s : ""), *tok, *save = NULL;
	size_t cap = *npids; /* what *pids holds at least */
	int ret = 0;

	if (!copy)
		return -ENOMEM;
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		uint64_t pid;

		if (parse__u64(tok, 1, 0x3fffffff, &pid)) {
			ret = -EINVAL;
			break;
		}
		if (array__grow((void **)pids, &cap, *npids + 1, sizeof(**pids))) {
			ret = -ENOMEM;
			break;
		}
		(*pids)[(*npids)++] = (uint32_t)pid;
	}
	if (!ret && *npids == 0)
		ret = -EINVAL;
	free(copy);
	return ret;
}

const char *cli__thousands(uint64_t v, char *buf, size_t len)
{
	char tmp[32];
	int n = snprintf(tmp, sizeof(tmp), "%llu", (unsigned long long)v), o = 0;

	for (int i = 0; i < n && (size_t)o + 2 < len; i++) {
		if (i && (n - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = tmp[i];
	}
	buf[o] = '\0';
	return buf;
}

int cli__parse_unwind(const char *s, int *mode)
{
	/* values of enum unwind_mode in profile_abi.h */
	if (!strcmp(s, "fp"))
		*mode = 0;
	else if (!strcmp(s, "dwarf"))
		*mode = 1;
	else if (!strcmp(s, "auto"))
		*mode = 2;
	else
		return -EINVAL;
	return 0;
}

int cli__usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "bpfprof %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see bpfprof %s --help)\n", cmd);
	return EXIT_USAGE;
}

int cli__check_profiling_caps(void)
{
	char missing[64];

	if (!caps__check_profiling(missing, sizeof(missing)))
		return 0;
	fprintf(stderr,
		"bpfprof: profiling needs root, or the capabilities CAP_BPF and CAP_PERFMON; "
		"missing: %s\n",
		missing);
	return -EPERM;
}

/* kernel.perf_event_max_sample_rate, or 0 when it cannot be read. */
static uint64_t kernel_max_sample_rate(void)
{
	FILE *f = fopen("/proc/sys/kernel/perf_event_max_sample_rate", "re");
	unsigned long long v = 0;

	if (f) {
		if (fscanf(f, "%llu", &v) != 1)
			v = 0;
		fclose(f);
	}
	return v;
}

int cli__parse_freq(const char *cmd, const char *s, uint64_t *hz)
{
	uint64_t kmax = kernel_max_sample_rate(), max = CLI_MAX_FREQ;
	uint64_t v;

	if (kmax && kmax < max)
		max = kmax;
	if (parse__u64(s, 1, UINT64_MAX, &v))
		return cli__usage_error(cmd, "invalid frequency '%s' (1-%llu Hz)", s,
					(unsigned long long)max);
	if (v > max) {
		if (max == kmax)
			return cli__usage_error(cmd,
						"-F %s is above the kernel's limit, "
						"kernel.perf_event_max_sample_rate = %llu Hz",
						s, (unsigned long long)kmax);
		return cli__usage_error(cmd,
					"-F %s is more than sampling can sustain: at most %d Hz "
					"per CPU (deep stacks cost up to ~25 us each; the kernel "
					"allows sampling 25 %% of a CPU)",
					s, CLI_MAX_FREQ);
	}
	*hz = v;
	return 0;
}

/* Where cgroup v2 is mounted (/sys/fs/cgroup, or /sys/fs/cgroup/unified on
 * a hybrid host), from /proc/self/mountinfo. 0 or -ENOENT. */
static int cgroup2_mount(char *out, size_t len)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[4096];
	int ret = -ENOENT;

	if (!f)
		return -errno;
	while (ret && fgets(line, sizeof(line), f)) {
		char mnt[4096], *sep = strstr(line, " - ");

		/* ID PARENT MAJ:MIN ROOT MOUNTPOINT ... - FSTYPE SOURCE OPTIONS */
		if (sep && !strncmp(sep + 3, "cgroup2 ", 8) &&
		    sscanf(line, "%*s %*s %*s %*s %4095s", mnt) == 1 && strlen(mnt) < len) {
			strcpy(out, mnt);
			ret = 0;
		}
	}
	fclose(f);
	return ret;
}

int cli__parse_cgroup(const char *path, uint64_t *id, uint32_t *level)
{
	char mnt[4096], full[8192];
	const char *rel = path;
	size_t mlen;
	struct stat st;
	uint32_t depth = 0;
	int ret = cgroup2_mount(mnt, sizeof(mnt));

	if (ret)
		return ret;
	mlen = strlen(mnt);
	if (!strncmp(path, mnt, mlen) && (path[mlen] == '/' || !path[mlen]))
		rel = path + mlen;
	snprintf(full, sizeof(full), "%s/%s", mnt, rel);
	if (stat(full, &st))
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	for (const char *p = rel; *p; p++) /* components: "a/b" or "/a/b/" */
		if (*p != '/' && (p == rel || p[-1] == '/'))
			depth++;
	*id = (uint64_t)st.st_ino;
	*level = depth;
	return 0;
}

static void label_set(struct cli_labels *l, const char *key, const char *value, size_t vlen)
{
	size_t i = l->n++;

	size_t klen = strnlen(key, LABEL_MAX_KEY);

	vlen = vlen < LABEL_MAX_VALUE ? vlen : LABEL_MAX_VALUE;
	memcpy(l->keys[i], key, klen);
	l->keys[i][klen] = '\0';
	memcpy(l->values[i], value, vlen);
	l->values[i][vlen] = '\0';
	l->l[i] = (struct profile_label){l->keys[i], l->values[i]};
}

int cli__parse_label(const char *cmd, const char *arg, struct cli_labels *l)
{
	const char *eq = strchr(arg, '='), *why;
	char key[LABEL_MAX_KEY + 2];
	size_t klen = eq ? (size_t)(eq - arg) : 0;

	if (!eq)
		return cli__usage_error(cmd, "--label %s: want KEY=VALUE", arg);
	snprintf(key, sizeof(key), "%.*s", (int)(klen < sizeof(key) - 1 ? klen : sizeof(key) - 1),
		 arg);
	why = klen > LABEL_MAX_KEY ? "key longer than 63 bytes"
				   : identity__static_label_error(key, eq + 1);
	if (why)
		return cli__usage_error(cmd, "--label %s: %s", arg, why);
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->keys[i], key))
			return cli__usage_error(cmd, "--label %s: %s is given twice", arg, key);
	if (l->n >= LABEL_MAX_STATIC)
		return cli__usage_error(cmd, "--label %s: at most %d labels", arg, LABEL_MAX_STATIC);
	label_set(l, key, eq + 1, strlen(eq + 1));
	return 0;
}

void cli__labels_add_host(struct cli_labels *l)
{
	struct utsname u;

	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->keys[i], "host"))
			return;
	if (!uname(&u) && u.nodename[0] && l->n < LABEL_MAX_STATIC + 1)
		label_set(l, "host", u.nodename, strlen(u.nodename));
}
