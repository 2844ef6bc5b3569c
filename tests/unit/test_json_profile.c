// SPDX-License-Identifier: MIT
/* test_json_profile.c - the flame-graph JSON: tables, merged frames, sorted
 * stacks, differential counts, and escaping that is safe inside HTML. */
#include "format/folded_read.h"
#include "harness.h"
#include "format/html.h"
#include "format/json_profile.h"
#include "format/profile.h"

#include <stdlib.h>
#include <string.h>

static struct test_state st = {.suite = "json_profile"};

static char *json_of(const char *folded, const char *base_folded, const char *title, int html)
{
	struct profile *p = profile__new(), *b = base_folded ? profile__new() : NULL;
	char *buf = NULL, err[128];
	size_t len = 0;
	FILE *f = NULL;

	if (!p || (base_folded && !b))
		goto out;
	if (folded__read(folded, strlen(folded), p, err, sizeof(err)) ||
	    (b && folded__read(base_folded, strlen(base_folded), b, err, sizeof(err))))
		goto out;
	f = open_memstream(&buf, &len);
	if (!f)
		goto out;
	if (html ? html__write(p, b, title, f) : json_profile__write(p, b, title, f)) {
		fclose(f);
		free(buf);
		buf = NULL;
		goto out;
	}
	fclose(f);
out:
	profile__free(p);
	profile__free(b);
	return buf;
}

static void test_tables(struct test_state *s)
{
	char *j = json_of("app;main;f_[k] 3\napp;main;g_[i] 4\n", NULL, NULL, 0);

	ASSERT_TRUE(s, j);
	ASSERT_TRUE(s, strstr(j, "\"format\":\"bpfprof-flamegraph\",\"version\":1") != NULL);
	ASSERT_TRUE(s, strstr(j, "\"strings\":[\"app\",\"main\",\"f\",\"g\"]") != NULL);
	/* (name, kind): app is a comm (5), f kernel (1), g inline (2) */
	ASSERT_TRUE(s, strstr(j, "\"frames\":[0,5,1,0,2,1,3,2]") != NULL);
	ASSERT_TRUE(s, strstr(j, "\"stacks\":[[0,1,2],[0,1,3]]") != NULL);
	ASSERT_TRUE(s, strstr(j, "\"counts\":[3,4]") != NULL);
	ASSERT_TRUE(s, strstr(j, "\"total\":7") != NULL);
	ASSERT_TRUE(s, strstr(j, "baseCounts") == NULL);
cleanup:
	free(j);
}

static void test_diff(struct test_state *s)
{
	char *j = json_of("app;a 1\napp;b 9\n", "app;a 5\napp;c 5\n", "cmp", 0);

	ASSERT_TRUE(s, j);
	ASSERT_TRUE(s, strstr(j, "\"title\":\"cmp\"") != NULL);
	ASSERT_TRUE(s, strstr(j, "\"stacks\":[[0,1],[0,2],[0,3]]") != NULL);
	ASSERT_TRUE(s, strstr(j, "\"counts\":[1,9,0]") != NULL);
	ASSERT_TRUE(s, strstr(j, "\"baseCounts\":[5,0,5]") != NULL);
	ASSERT_TRUE(s, strstr(j, "\"baseTotal\":10") != NULL);
cleanup:
	free(j);
}

static void test_escaping(struct test_state *s)
{
	char *j = json_of("app;</script><b>\"x\\y&z 1\n", NULL, "<t>", 1);

	ASSERT_TRUE(s, j);
	/* nothing a name holds can end the script element or the title */
	ASSERT_TRUE(s, strstr(j, "</script><b>") == NULL);
	ASSERT_TRUE(s, strstr(j, "\\u003c/script\\u003e\\u003cb\\u003e\\\"x\\\\y\\u0026z") != NULL);
	ASSERT_TRUE(s, strstr(j, "<title>&lt;t&gt;</title>") != NULL);
	/* self-contained: the renderer is inlined, nothing is fetched */
	ASSERT_TRUE(s, strstr(j, "Flamegraph.create") != NULL);
	ASSERT_TRUE(s, strstr(j, "@@") == NULL);
	ASSERT_TRUE(s, strstr(j, "src=") == NULL && strstr(j, "http") == NULL);
cleanup:
	free(j);
}

int main(void)
{
	RUN_TEST(&st, test_tables);
	RUN_TEST(&st, test_diff);
	RUN_TEST(&st, test_escaping);
	return test__finish(&st);
}
