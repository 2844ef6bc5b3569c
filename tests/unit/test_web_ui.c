// SPDX-License-Identifier: MIT
/* test_web_ui.c - the agent's page by request path: "/" is agent.html, the
 * listed /ui/ files with their types, and nothing else (no path is ever made
 * into a file name). */
#include "harness.h"
#include "web_ui.h"

#include <errno.h>
#include <string.h>

static struct test_state st = {.suite = "web_ui"};

static int has(const struct web_ui_file *f, const char *needle)
{
	return f->data && f->len == strlen((const char *)f->data) &&
	       strstr((const char *)f->data, needle) != NULL;
}

static void test_page(struct test_state *s)
{
	struct web_ui_file f;

	ASSERT_EQ(s, web_ui__find("/", &f), 0);
	ASSERT_STREQ(s, f.content_type, "text/html; charset=utf-8");
	/* the page loads the renderer and its own script from /ui/, relative to / */
	ASSERT_TRUE(s, has(&f, "src=\"ui/flamegraph.js\"") && has(&f, "src=\"ui/agent.js\""));
	/* and nothing from the network */
	ASSERT_TRUE(s, !has(&f, "http://") && !has(&f, "https://"));
cleanup:;
}

static void test_ui_files(struct test_state *s)
{
	struct web_ui_file f;

	ASSERT_EQ(s, web_ui__find("/ui/agent.js", &f), 0);
	ASSERT_STREQ(s, f.content_type, "text/javascript; charset=utf-8");
	ASSERT_TRUE(s, has(&f, "bpfprofAgent"));
	ASSERT_EQ(s, web_ui__find("/ui/flamegraph.js", &f), 0);
	ASSERT_TRUE(s, has(&f, "Flamegraph"));
	ASSERT_EQ(s, web_ui__find("/ui/agent.css", &f), 0);
	ASSERT_STREQ(s, f.content_type, "text/css; charset=utf-8");
	ASSERT_EQ(s, web_ui__find("/ui/flamegraph.css", &f), 0);
	ASSERT_TRUE(s, has(&f, ".fg-canvas"));
cleanup:;
}

static void test_unknown(struct test_state *s)
{
	static const char *const bad[] = {"", "/ui/", "/ui", "/ui/nope.js", "/ui/../Makefile",
					  "/ui/agent.js/", "/ui//agent.js", "/agent.js",
					  "/ui/AGENT.JS", "//"};
	struct web_ui_file f;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ASSERT_EQ(s, web_ui__find(bad[i], &f), -ENOENT);
	ASSERT_EQ(s, web_ui__find(NULL, &f), -ENOENT);
cleanup:;
}

int main(void)
{
	RUN_TEST(&st, test_page);
	RUN_TEST(&st, test_ui_files);
	RUN_TEST(&st, test_unknown);
	return test__finish(&st);
}
