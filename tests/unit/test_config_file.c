// SPDX-License-Identifier: MIT
/* test_config_file.c - the config file's rules: keys from the option table,
 * both line forms, comments, flags, repeated keys, and errors naming the
 * file and the line. */
#include "cmd/config_file.h"
#include "harness.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static struct test_state T = {.suite = "config_file"};

static const struct option opts[] = {
    {"listen", required_argument, NULL, 'l'},
    {"freq", required_argument, NULL, 'F'},
    {"idle", no_argument, NULL, 1},
    {"label", required_argument, NULL, 2},
    {"config", required_argument, NULL, 3},
    {0},
};
static const char *const deny[] = {"config", NULL};

static int parse(const char *s, struct config_file **c, char *err, size_t len)
{
	return config_file__parse("/etc/x.conf", s, strlen(s), opts, deny, c, err, len);
}

static void test_both_forms_comments_and_flags(struct test_state *t)
{
	struct config_file *c = NULL;
	char err[256] = "";

	ASSERT_EQ(t,
		  parse("# a comment\n\n   # indented comment\nlisten = :7070\r\nfreq\t99  \n"
			"idle\nlabel = env=prod\nlabel region = eu # not a comment\nidle = false\n"
			"idle = TRUE",
			&c, err, sizeof(err)),
		  0);
	ASSERT_EQ(t, c->n, 6);
	ASSERT_STREQ(t, c->entries[0].arg, "--listen=:7070");
	ASSERT_EQ(t, c->entries[0].line, 4);
	ASSERT_STREQ(t, c->entries[1].arg, "--freq=99");
	ASSERT_EQ(t, c->entries[1].line, 5);
	ASSERT_STREQ(t, c->entries[2].arg, "--idle");
	/* a repeated key repeats the option; a value keeps its '=' and '#' */
	ASSERT_STREQ(t, c->entries[3].arg, "--label=env=prod");
	ASSERT_STREQ(t, c->entries[4].arg, "--label=region = eu # not a comment");
	/* "idle = false" adds nothing, "idle = TRUE" the flag */
	ASSERT_STREQ(t, c->entries[5].arg, "--idle");
	ASSERT_EQ(t, c->entries[5].line, 10);
cleanup:
	config_file__free(c);
}

static void test_errors_name_file_and_line(struct test_state *t)
{
	static const struct {
		const char *text, *want;
	} bad[] = {
	    {"freq = 1\nbogus = 3\n", "/etc/x.conf:2: unknown key 'bogus'"},
	    {"\n\nfreq =\n", "/etc/x.conf:3: 'freq' needs a value"},
	    {"freq\n", "/etc/x.conf:1: 'freq' needs a value"},
	    {"idle = maybe\n", "/etc/x.conf:1: 'idle' is a flag"},
	    {"idle =\n", "/etc/x.conf:1: 'idle' is a flag"},
	    {"config = /tmp/other\n", "/etc/x.conf:1: 'config' cannot be set"},
	    {"freq: 3\n", "/etc/x.conf:1: expected 'key = value'"},
	    {"= 3\n", "/etc/x.conf:1: expected 'key = value'"},
	    {"freq = 3\x01\n", "/etc/x.conf:1: a control character"},
	    {"--freq = 3\n", "/etc/x.conf:1: unknown key '--freq'"},
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct config_file *c = (struct config_file *)1;
		char err[256] = "";

		ASSERT_EQ(t, parse(bad[i].text, &c, err, sizeof(err)), -EINVAL);
		ASSERT_TRUE(t, c == NULL);
		if (strncmp(err, bad[i].want, strlen(bad[i].want))) {
			printf("  case %zu: '%s', expected '%s...'\n", i, err, bad[i].want);
			t->cur_failed = 1;
		}
	}
cleanup:;
}

static void test_bounds(struct test_state *t)
{
	size_t big = CONFIG_FILE_MAX_LINE + 2;
	char *s = malloc(CONFIG_FILE_MAX_SIZE + 2), err[256] = "";
	struct config_file *c = NULL;

	ASSERT_TRUE(t, s != NULL);
	memset(s, 'a', big);
	memcpy(s, "freq = ", 7);
	s[big] = '\0';
	ASSERT_EQ(t, parse(s, &c, err, sizeof(err)), -EINVAL);
	ASSERT_TRUE(t, strstr(err, "line longer than") != NULL);
	memset(s, '\n', CONFIG_FILE_MAX_SIZE + 1);
	ASSERT_EQ(t, config_file__parse("x", s, CONFIG_FILE_MAX_SIZE + 1, opts, deny, &c, err,
					sizeof(err)),
		  -EFBIG);
	ASSERT_EQ(t, config_file__parse("x", "freq = 1\0", 9, opts, deny, &c, err, sizeof(err)),
		  -EINVAL);
	ASSERT_TRUE(t, strstr(err, "NUL") != NULL);
cleanup:
	free(s);
	config_file__free(c);
}

static void test_refuses_files_others_can_write(struct test_state *t)
{
	char dir[] = "/tmp/test_config_file.XXXXXX", path[64] = "", err[256] = "";
	struct config_file *c = NULL;
	int fd = -1;

	ASSERT_TRUE(t, mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/c.conf", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
	ASSERT_TRUE(t, fd >= 0);
	ASSERT_EQ(t, write(fd, "freq = 5\n", 9), 9);
	ASSERT_EQ(t, config_file__read(path, opts, deny, &c, err, sizeof(err)), 0);
	ASSERT_STREQ(t, c->entries[0].arg, "--freq=5");
	config_file__free(c);
	c = NULL;
	ASSERT_EQ(t, chmod(path, 0664), 0);
	ASSERT_EQ(t, config_file__read(path, opts, deny, &c, err, sizeof(err)), -EPERM);
	ASSERT_TRUE(t, strstr(err, "writable by group or others") != NULL);
	ASSERT_EQ(t, chmod(path, 0646), 0);
	ASSERT_EQ(t, config_file__read(path, opts, deny, &c, err, sizeof(err)), -EPERM);
	ASSERT_EQ(t, config_file__read(dir, opts, deny, &c, err, sizeof(err)), -EPERM);
	ASSERT_TRUE(t, strstr(err, "not a regular file") != NULL);
	if (geteuid() == 0) { /* a file of another user, even a private one */
		ASSERT_EQ(t, chmod(path, 0600), 0);
		ASSERT_EQ(t, chown(path, 65534, 65534), 0);
		ASSERT_EQ(t, config_file__read(path, opts, deny, &c, err, sizeof(err)), -EPERM);
		ASSERT_TRUE(t, strstr(err, "not to root") != NULL);
	}
	ASSERT_EQ(t, config_file__read("/nonexistent/x.conf", opts, deny, &c, err, sizeof(err)),
		  -ENOENT);
cleanup:
	if (fd >= 0)
		close(fd);
	unlink(path);
	rmdir(dir);
	config_file__free(c);
}

int main(void)
{
	RUN_TEST(&T, test_both_forms_comments_and_flags);
	RUN_TEST(&T, test_errors_name_file_and_line);
	RUN_TEST(&T, test_bounds);
	RUN_TEST(&T, test_refuses_files_others_can_write);
	return test__finish(&T);
}
