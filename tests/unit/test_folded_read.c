// SPDX-License-Identifier: MIT
/* test_folded_read.c - the folded reader: kinds, lines, merging, round trips
 * through the writer, and a clear line-numbered error for each bad line. */
#include "format/folded.h"
#include "format/folded_read.h"
#include "harness.h"
#include "format/profile.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static struct test_state st = {.suite = "folded_read"};

/* folded__write output of p, as a malloc'ed string. */
static char *write_folded(const struct profile *p, bool lines)
{
	struct folded_opts o = {.lines = lines};
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	if (folded__write(p, &o, f)) {
		fclose(f);
		free(buf);
		return NULL;
	}
	fclose(f);
	return buf;
}

static void test_kinds_and_lines(struct test_state *s)
{
	const char *in = "app;main;run (run.c:42);helper_[i];do_syscall_64_[k] 7\n"
			 "# a comment\n\n"
			 "app;main;jitted_[j] 3\r\n";
	struct profile *p = profile__new();
	char err[128] = "";
	const struct profile_sample *a, *b;

	ASSERT_TRUE(s, p);
	ASSERT_EQ(s, folded__read(in, strlen(in), p, err, sizeof(err)), 0);
	ASSERT_EQ(s, profile__sample_count(p), 2);
	ASSERT_EQ(s, profile__total(p), 10);
	a = profile__sample(p, 0);
	b = profile__sample(p, 1);
	ASSERT_STREQ(s, a->comm, "app");
	ASSERT_EQ(s, a->nframes, 4);
	ASSERT_STREQ(s, profile__frame(p, a->frames[0])->name, "main");
	ASSERT_STREQ(s, profile__frame(p, a->frames[1])->name, "run");
	ASSERT_STREQ(s, profile__frame(p, a->frames[1])->file, "run.c");
	ASSERT_EQ(s, profile__frame(p, a->frames[1])->line, 42);
	ASSERT_EQ(s, profile__frame(p, a->frames[2])->kind, FRAME_INLINE);
	ASSERT_STREQ(s, profile__frame(p, a->frames[2])->name, "helper");
	ASSERT_EQ(s, profile__frame(p, a->frames[3])->kind, FRAME_KERNEL);
	ASSERT_STREQ(s, profile__frame(p, a->frames[3])->module, "[kernel.kallsyms]");
	ASSERT_EQ(s, profile__frame(p, b->frames[1])->kind, FRAME_JIT);
	ASSERT_EQ(s, b->count, 3);
cleanup:
	profile__free(p);
}

static void test_merges_and_round_trips(struct test_state *s)
{
	const char *in = "b;x;y 2\na;main;f_[k] 1\nb;x;y 5\na;main;g (g.c:7)_[i] 4\nc 9\n";
	const char *want = "a;main;f_[k] 1\na;main;g (g.c:7)_[i] 4\nb;x;y 7\nc 9\n";
	struct profile *p = profile__new(), *q = profile__new();
	char err[128] = "", *out = NULL, *out2 = NULL;

	ASSERT_TRUE(s, p && q);
	ASSERT_EQ(s, folded__read(in, strlen(in), p, err, sizeof(err)), 0);
	out = write_folded(p, true);
	ASSERT_STREQ(s, out, want);
	ASSERT_EQ(s, folded__read(out, strlen(out), q, err, sizeof(err)), 0);
	out2 = write_folded(q, true);
	ASSERT_STREQ(s, out2, want);
cleanup:
	free(out);
	free(out2);
	profile__free(p);
	profile__free(q);
}

struct bad {
	const char *in, *msg;
};

static void test_errors_name_the_line(struct test_state *s)
{
	static const struct bad cases[] = {
		{"a;b 1\na;b\n", "line 2: no sample count"},
		{"a;b 1\n\na;b x1\n", "line 3: sample count 'x1' is not a number"},
		{"a;b 99999999999999999999\n", "line 1: sample count"},
		{"a;;b 1\n", "line 1: empty frame name (frame 1)"},
		{"a;b; 1\n", "line 1: empty frame name (frame 2)"},
		{" 5\n", "line 1: empty stack"},
		{"a;b 1\na;b 2 \nc\0d 1\n", "line 3: NUL byte"},
	};
	struct profile *p = NULL;
	char err[160];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len = strlen(cases[i].in);

		if (i == 6)
			len = 20; /* the case with a NUL inside */
		p = profile__new();
		ASSERT_TRUE(s, p);
		err[0] = '\0';
		ASSERT_EQ(s, folded__read(cases[i].in, len, p, err, sizeof(err)), -EINVAL);
		if (strncmp(err, cases[i].msg, strlen(cases[i].msg))) {
			printf("  case %zu: error \"%s\", expected \"%s...\"\n", i, err, cases[i].msg);
			s->cur_failed = 1;
		}
		profile__free(p);
		p = NULL;
	}
cleanup:
	profile__free(p);
}

static void test_too_many_frames(struct test_state *s)
{
	size_t n = (FOLDED_MAX_FRAMES + 1) * 2 + 16;
	char *in = malloc(n), *w = in;
	struct profile *p = profile__new();
	char err[128] = "";

	ASSERT_TRUE(s, in && p);
	*w++ = 'c';
	for (int i = 0; i < FOLDED_MAX_FRAMES + 1; i++) {
		*w++ = ';';
		*w++ = 'f';
	}
	memcpy(w, " 1\n", 3);
	w += 3;
	ASSERT_EQ(s, folded__read(in, (size_t)(w - in), p, err, sizeof(err)), -EINVAL);
	ASSERT_STREQ(s, err, "line 1: more than 4096 frames");
cleanup:
	free(in);
	profile__free(p);
}

static void test_unterminated_input(struct test_state *s)
{
	/* no final newline and no NUL after the data: must not read past len */
	char *in = malloc(7);
	struct profile *p = profile__new();
	char err[128] = "";

	ASSERT_TRUE(s, in && p);
	memcpy(in, "a;b 12", 6);
	in[6] = '3'; /* outside len */
	ASSERT_EQ(s, folded__read(in, 6, p, err, sizeof(err)), 0);
	ASSERT_EQ(s, profile__total(p), 12);
cleanup:
	free(in);
	profile__free(p);
}

int main(void)
{
	RUN_TEST(&st, test_kinds_and_lines);
	RUN_TEST(&st, test_merges_and_round_trips);
	RUN_TEST(&st, test_errors_name_the_line);
	RUN_TEST(&st, test_too_many_frames);
	RUN_TEST(&st, test_unterminated_input);
	return test__finish(&st);
}
