// SPDX-License-Identifier: MIT
/* test_agent_page.c - the agent's page is in the binary: agent.html loads
 * the renderer and its own files from ui/ (relative, so a proxy prefix
 * works) and nothing from the network; agent.js and agent.css are there. */
#include "harness.h"
#include "format/web_assets.h"

#include <string.h>

static struct test_state st = {.suite = "agent_page"};

static int has(const struct web_asset *a, const char *needle)
{
	return a && a->len == strlen((const char *)a->data) &&
	       strstr((const char *)a->data, needle) != NULL;
}

static void test_page(struct test_state *s)
{
	const struct web_asset *a = web_assets__find("agent.html");

	ASSERT_TRUE(s, a);
	ASSERT_TRUE(s, has(a, "<script src=\"ui/flamegraph.js\"></script>"));
	ASSERT_TRUE(s, has(a, "<script src=\"ui/agent.js\"></script>"));
	ASSERT_TRUE(s, has(a, "href=\"ui/flamegraph.css\"") && has(a, "href=\"ui/agent.css\""));
	ASSERT_TRUE(s, !has(a, "http://") && !has(a, "https://") && !has(a, "src=\"/"));
cleanup:;
}

static void test_files(struct test_state *s)
{
	ASSERT_TRUE(s, has(web_assets__find("agent.js"), "window.bpfprofAgent") ||
			       has(web_assets__find("agent.js"), "global.bpfprofAgent"));
	/* the page uses relative API paths only */
	ASSERT_TRUE(s, has(web_assets__find("agent.js"), "'api/profile'"));
	ASSERT_TRUE(s, !has(web_assets__find("agent.js"), "'/api/"));
	ASSERT_TRUE(s, has(web_assets__find("agent.css"), ".ag-timeline"));
	ASSERT_TRUE(s, has(web_assets__find("flamegraph.js"), "Flamegraph"));
cleanup:;
}

int main(void)
{
	RUN_TEST(&st, test_page);
	RUN_TEST(&st, test_files);
	return test__finish(&st);
}
