// SPDX-License-Identifier: MIT
/*
 * test_push.c - what serve --push sends, without a network: a window cut
 * into series (one per group, names as Pyroscope parses them, samples and
 * frames kept), and the push cursor's line (written, read back, refused when
 * it is anything else).
 */
#include "harness.h"

#include "agent/push_cursor.h"
#include "agent/push_series.h"
#include "format/profile.h"

#include <errno.h>
#include <string.h>

static struct test_state st = {.suite = "test_push"};

/* A window: calltree (two pids, frames main;work), kworker/0:1 (kernel),
 * a comm with bytes a series name cannot hold, and one without a comm. */
static struct profile *window(void)
{
	struct profile *p = profile__new();
	struct frame f_main = {.name = "main", .module = "/usr/bin/calltree"};
	struct frame f_work = {.name = "work", .module = "/usr/bin/calltree"};
	struct frame f_k = {.name = "worker_thread", .kind = FRAME_KERNEL};
	uint32_t ids[2], k;

	if (!p || profile__add_frame(p, &f_main, &ids[0]) || profile__add_frame(p, &f_work, &ids[1]) ||
	    profile__add_frame(p, &f_k, &k) || profile__set_build_id(p, "/usr/bin/calltree", "abcd"))
		return NULL;
	profile__meta(p)->time_ns = 1700000000123000000ULL;
	profile__meta(p)->duration_ns = 1000000000ULL;
	profile__meta(p)->period_ns = 10101010;
	if (profile__add_sample_from(p, ids, 2,
				     &(struct profile_origin){10, 10, "calltree",
							      "/system.slice/a.service", NULL},
				     5) ||
	    profile__add_sample_from(p, ids, 1, &(struct profile_origin){11, 11, "calltree", NULL, NULL},
				     2) ||
	    profile__add_sample(p, &k, 1, 3, 3, "kworker/0:1", 4) ||
	    profile__add_sample(p, &k, 1, 4, 4, "a{b},c=d e", 1) ||
	    profile__add_sample(p, &k, 1, 5, 5, NULL, 1))
		return NULL;
	return p;
}

static void test_split_by_comm(struct test_state *s)
{
	struct profile *w = window();
	struct push_series *series = NULL;
	size_t n = 0;

	ASSERT_TRUE(s, w != NULL);
	ASSERT_EQ(s, push_series__split(w, PUSH_GROUP_COMM, &series, &n), 0);
	ASSERT_EQ(s, n, 4);
	/* sorted by name; names and values cleaned as Pyroscope's parser wants */
	ASSERT_STREQ(s, series[0].name, "a_b__c_d_e.cpu{comm=a_b__c_d_e}");
	ASSERT_STREQ(s, series[1].name, "calltree.cpu{comm=calltree}");
	ASSERT_STREQ(s, series[2].name, "kworker_0_1.cpu{comm=kworker/0:1}");
	ASSERT_STREQ(s, series[3].name, "unknown.cpu{}");
	ASSERT_EQ(s, series[1].samples, 7);
	ASSERT_EQ(s, profile__total(series[1].p), 7);
	ASSERT_EQ(s, profile__sample_count(series[1].p), 2);
	ASSERT_EQ(s, series[2].samples, 4);
	ASSERT_EQ(s, series[0].samples + series[1].samples + series[2].samples + series[3].samples,
		  profile__total(w));
	/* only the frames of its own samples, with their names, build-ids and meta */
	ASSERT_EQ(s, profile__frame_count(series[1].p), 2);
	ASSERT_STREQ(s, profile__frame(series[1].p, profile__sample(series[1].p, 0)->frames[1])->name,
		     "work");
	ASSERT_STREQ(s, profile__build_id(series[1].p, "/usr/bin/calltree"), "abcd");
	ASSERT_EQ(s, profile__frame_count(series[2].p), 1);
	ASSERT_EQ(s, profile__meta_const(series[2].p)->time_ns, 1700000000123000000ULL);
	ASSERT_EQ(s, profile__meta_const(series[2].p)->period_ns, 10101010);
	ASSERT_STREQ(s, profile__sample(series[1].p, 0)->cgroup, "/system.slice/a.service");
cleanup:
	push_series__free(series, n);
	profile__free(w);
}

/* No service label (the stand-in has none): the executable, else the comm. */
static void test_split_fallback(struct test_state *s)
{
	struct profile *w = window();
	struct push_series *a = NULL, *b = NULL;
	size_t na = 0, nb = 0;

	ASSERT_TRUE(s, w != NULL);
	ASSERT_EQ(s, push_series__split(w, PUSH_GROUP_SERVICE, &a, &na), 0);
	ASSERT_EQ(s, push_series__split(w, PUSH_GROUP_COMM, &b, &nb), 0);
	ASSERT_EQ(s, na, nb);
	for (size_t i = 0; i < na && i < nb; i++) {
		ASSERT_STREQ(s, a[i].name, b[i].name);
		ASSERT_EQ(s, a[i].samples, b[i].samples);
	}
cleanup:
	push_series__free(a, na);
	push_series__free(b, nb);
	profile__free(w);
}

/* Grouped by service: the samples without one go to their executable;
 * the series name carries the labels its samples share, static ones last,
 * every key and value cleaned. */
static void test_split_by_service(struct test_state *s)
{
	struct profile *w = profile__new();
	struct frame f = {.name = "main", .module = "/usr/sbin/nginx"};
	const struct profile_labels *web1 = NULL, *web2 = NULL, *bare = NULL;
	struct push_series *series = NULL;
	size_t n = 0;
	uint32_t id;

	ASSERT_TRUE(s, w != NULL);
	ASSERT_EQ(s, profile__add_frame(w, &f, &id), 0);
	ASSERT_EQ(s, profile__labels(w, (struct profile_label[]){{"service", "nginx.service"},
								 {"host", "h1"},
								 {"env", "prod"},
								 {"exe", "/usr/sbin/nginx"},
								 {"x=1,service=victim}", "v"}},
				     5, &web1),
		  0);
	ASSERT_EQ(s, profile__labels(w, (struct profile_label[]){{"service", "nginx.service"},
								 {"host", "h1"},
								 {"env", "prod"},
								 {"exe", "/usr/sbin/nginx-debug"},
								 {"x=1,service=victim}", "v"}},
				     5, &web2),
		  0);
	ASSERT_EQ(s, profile__labels(w, (struct profile_label[]){{"host", "h1"},
								 {"exe", "/opt/app/bin/worker"}},
				     2, &bare),
		  0);
	ASSERT_EQ(s, profile__add_sample_from(w, &id, 1, &(struct profile_origin){1, 1, "nginx", NULL, web1}, 3), 0);
	ASSERT_EQ(s, profile__add_sample_from(w, &id, 1, &(struct profile_origin){2, 2, "nginx", NULL, web2}, 2), 0);
	ASSERT_EQ(s, profile__add_sample_from(w, &id, 1, &(struct profile_origin){3, 3, "worker", NULL, bare}, 4), 0);
	ASSERT_EQ(s, push_series__split(w, PUSH_GROUP_SERVICE, &series, &n), 0);
	ASSERT_EQ(s, n, 2);
	/* a key from a planted window file cannot forge labels or end the set */
	ASSERT_STREQ(s, series[0].name,
		     "nginx.service.cpu{host=h1,service=nginx.service,comm=nginx,env=prod,x_1_service_victim_=v}");
	ASSERT_EQ(s, series[0].samples, 5);
	ASSERT_STREQ(s, series[1].name, "worker.cpu{host=h1,exe=/opt/app/bin/worker,comm=worker}");
	ASSERT_EQ(s, series[1].samples, 4);
	/* a series' samples keep their label sets */
	ASSERT_STREQ(s, profile_sample__label(profile__sample(series[1].p, 0), "exe"),
		     "/opt/app/bin/worker");
cleanup:
	push_series__free(series, n);
	profile__free(w);
}

static void test_split_empty_and_groups(struct test_state *s)
{
	struct profile *w = profile__new();
	struct push_series *series = (void *)1;
	enum push_group g;
	size_t n = 1;

	ASSERT_EQ(s, push_series__split(w, PUSH_GROUP_EXE, &series, &n), 0);
	ASSERT_TRUE(s, series == NULL && n == 0);
	ASSERT_EQ(s, push_group__parse("container", &g), 0);
	ASSERT_EQ(s, g, PUSH_GROUP_CONTAINER);
	ASSERT_EQ(s, push_group__parse("pod", &g), -EINVAL);
cleanup:
	profile__free(w);
}

static void test_cursor(struct test_state *s)
{
	static const char *const bad[] = {
	    "", "\n", "bpfprof-push 1 5 0", "bpfprof-push 2 5 0\n", "bpfprof-push 1 5\n",
	    "bpfprof-push 1 5 0 0\n", "bpfprof-push 1 -5 0\n", "bpfprof-push 1 5  0\n",
	    "bpfprof-push 1 5 1073741825\n", "bpfprof-push 1 99999999999999999999 0\n",
	    "bpfprof-push 1 5 0\n\n", "bpfprof-push 1 +5 0\n", "bpfprof-push 1 05 0\n", "bpfprof-push 1 5 00\n",
	};
	char buf[PUSH_CURSOR_MAX];
	uint64_t next = 0, done = 0;
	int len = push_cursor__format(buf, sizeof(buf), 1700000000123ULL, 3);

	ASSERT_EQ(s, push_cursor__parse(buf, (size_t)len, &next, &done), 0);
	ASSERT_EQ(s, next, 1700000000123ULL);
	ASSERT_EQ(s, done, 3);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ASSERT_EQ(s, push_cursor__parse(bad[i], strlen(bad[i]), &next, &done), -EINVAL);
	ASSERT_EQ(s, push_cursor__parse("bpfprof-push 1 5\0 0\n", 20, &next, &done), -EINVAL);
cleanup:;
}

int main(void)
{
	RUN_TEST(&st, test_split_by_comm);
	RUN_TEST(&st, test_split_fallback);
	RUN_TEST(&st, test_split_by_service);
	RUN_TEST(&st, test_split_empty_and_groups);
	RUN_TEST(&st, test_cursor);
	return test__finish(&st);
}
