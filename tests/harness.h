/* SPDX-License-Identifier: MIT */
/*
 * harness.h - a tiny test harness for the C unit tests.
 *
 * Each TEST() is a named subtest; ASSERT_* macros print the failing
 * expression and jump to the test's `cleanup:` label (they need one), so a
 * test frees what it allocated. Output follows the runner's protocol:
 *   PASS: name | FAIL: name: reason | SKIP: name: reason
 */
#ifndef BPFPROF_TEST_HARNESS_H
#define BPFPROF_TEST_HARNESS_H

#include <stdio.h>
#include <string.h>

struct test_state {
	const char *suite;
	int passed, failed, skipped;
	int cur_failed, cur_skipped;
};

#define ASSERT_TRUE(state, cond)                                                              \
	do {                                                                                  \
		if (!(cond)) {                                                                \
			printf("  %s:%d: assertion failed: %s\n", __FILE__, __LINE__, #cond); \
			(state)->cur_failed = 1;                                              \
			goto cleanup;                                                         \
		}                                                                             \
	} while (0)

#define ASSERT_EQ(state, a, b)                                                                \
	do {                                                                                  \
		long long _a = (long long)(a), _b = (long long)(b);                           \
		if (_a != _b) {                                                               \
			printf("  %s:%d: %s == %lld, expected %s == %lld\n", __FILE__,        \
			       __LINE__, #a, _a, #b, _b);                                     \
			(state)->cur_failed = 1;                                              \
			goto cleanup;                                                         \
		}                                                                             \
	} while (0)

#define ASSERT_STREQ(state, a, b)                                                             \
	do {                                                                                  \
		const char *_a = (a), *_b = (b);                                              \
		if (!_a || !_b || strcmp(_a, _b)) {                                           \
			printf("  %s:%d: %s is \"%s\", expected \"%s\"\n", __FILE__,          \
			       __LINE__, #a, _a ? _a : "(null)", _b ? _b : "(null)");         \
			(state)->cur_failed = 1;                                              \
			goto cleanup;                                                         \
		}                                                                             \
	} while (0)

#define SKIP(state, why)                                                                      \
	do {                                                                                  \
		printf("SKIP: %s: %s\n", __func__, why);                                      \
		(state)->cur_skipped = 1;                                                     \
		goto cleanup;                                                                 \
	} while (0)

static inline void test__run(struct test_state *s, const char *name,
			     void (*fn)(struct test_state *))
{
	s->cur_failed = s->cur_skipped = 0;
	fn(s);
	if (s->cur_skipped) {
		s->skipped++;
	} else if (s->cur_failed) {
		printf("FAIL: %s/%s\n", s->suite, name);
		s->failed++;
	} else {
		printf("PASS: %s/%s\n", s->suite, name);
		s->passed++;
	}
	fflush(stdout);
}

#define RUN_TEST(state, fn) test__run(state, #fn, fn)

static inline int test__finish(const struct test_state *s)
{
	return s->failed ? 1 : 0;
}

#endif
