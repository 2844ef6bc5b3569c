// SPDX-License-Identifier: MIT
/* test_pprof.c - the pprof writer's structure (the conventions pprof tools
 * expect), writer -> reader round trips, and the reader on truncated,
 * mutated and garbage input (run under ASan/UBSan: no crash allowed). */
#include "format/folded.h"
#include "format/folded_read.h"
#include "harness.h"
#include "format/pb.h"
#include "format/pprof.h"
#include "format/profile.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static struct test_state st = {.suite = "pprof"};

static char *write_folded(const struct profile *p)
{
	struct folded_opts o = {.lines = true};
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	folded__write(p, &o, f);
	fclose(f);
	return buf;
}

/* app: main -> run (with helper inlined) -> do_syscall (kernel) */
static struct profile *sample_profile(void)
{
	struct profile *p = profile__new();
	struct frame fr[] = {
		{.name = "main", .module = "/bin/app", .file = "app.c", .line = 10, .addr = 0x1100},
		{.name = "run", .module = "/bin/app", .file = "app.c", .line = 20, .addr = 0x1200},
		{.name = "helper", .module = "/bin/app", .file = "h.h", .line = 3, .addr = 0x1200,
		 .kind = FRAME_INLINE},
		{.name = "do_syscall_64", .module = "[kernel.kallsyms]", .addr = 0xffffffff81000000,
		 .kind = FRAME_KERNEL},
		{.name = "idle", .module = "/bin/app", .file = "app.c", .line = 30, .addr = 0x1300},
	};
	uint32_t id[5], s1[4], s2[2];

	if (!p)
		return NULL;
	for (int i = 0; i < 5; i++)
		if (profile__add_frame(p, &fr[i], &id[i]))
			goto fail;
	s1[0] = id[0], s1[1] = id[1], s1[2] = id[2], s1[3] = id[3];
	s2[0] = id[0], s2[1] = id[4];
	const struct profile_label l[] = {{"service", "app.service"}, {"exe", "/bin/app"},
					  {"env", "prod"}};
	struct profile_origin o = {42, 43, "app", "/system.slice/app.service", NULL};

	if (profile__labels(p, l, 3, &o.labels) || profile__add_sample_from(p, s1, 4, &o, 5) ||
	    profile__add_sample(p, s2, 2, 42, 42, "app", 2) ||
	    profile__set_build_id(p, "/bin/app", "abcdef0123456789"))
		goto fail;
	profile__meta(p)->period_ns = 10101010;
	profile__meta(p)->time_ns = 1700000000000000000ULL;
	profile__meta(p)->duration_ns = 5000000000ULL;
	return p;
fail:
	profile__free(p);
	return NULL;
}

struct decoded {
	const uint8_t *strs[64];
	size_t lens[64], nstrs;
	size_t nsample_types, nmappings, nlocations, nfunctions, nsamples;
	uint64_t period, period_type;
	int inline_locations;          /* locations with two lines */
	uint64_t inline_first_function; /* line[0].function_id of that location */
	uint64_t fn_names[16];          /* function id -> name index */
	int kernel_mapping, mapping_flags_ok;
};

static int str_is(const struct decoded *d, uint64_t idx, const char *s)
{
	return idx < d->nstrs && d->lens[idx] == strlen(s) && !memcmp(d->strs[idx], s, d->lens[idx]);
}

static int decode(const struct bytebuf *b, struct decoded *d)
{
	struct pb_reader r, sr;
	struct pb_field f, sf;
	int ret;

	memset(d, 0, sizeof(*d));
	pb_reader__init(&r, b->data, b->len);
	while ((ret = pb__next(&r, &f)) > 0) {
		if (f.field == 6 && d->nstrs < 64) {
			d->strs[d->nstrs] = f.data;
			d->lens[d->nstrs++] = f.len;
		}
	}
	pb_reader__init(&r, b->data, b->len);
	while ((ret = pb__next(&r, &f)) > 0) {
		uint64_t v[16] = {0};
		int lines = 0;
		uint64_t first_fn = 0;

		if (f.wire == PB_VARINT && f.field == 12)
			d->period = f.v;
		if (f.wire != PB_LEN || f.field == 6)
			continue;
		pb_reader__init(&sr, f.data, f.len);
		while (pb__next(&sr, &sf) > 0) {
			if (sf.wire == PB_VARINT && sf.field < 16)
				v[sf.field] = sf.v;
			if (f.field == 4 && sf.field == 4) { /* Location.line */
				struct pb_reader lr;
				struct pb_field lf;

				pb_reader__init(&lr, sf.data, sf.len);
				while (pb__next(&lr, &lf) > 0)
					if (lf.field == 1 && !lines)
						first_fn = lf.v;
				lines++;
			}
		}
		switch (f.field) {
		case 1: d->nsample_types++; break;
		case 2: d->nsamples++; break;
		case 3:
			d->nmappings++;
			if (str_is(d, v[5], "[kernel.kallsyms]"))
				d->kernel_mapping = 1;
			if (str_is(d, v[5], "/bin/app"))
				d->mapping_flags_ok = v[7] && v[8] && v[9] && v[10] &&
						      str_is(d, v[6], "abcdef0123456789");
			break;
		case 4:
			d->nlocations++;
			if (lines == 2) {
				d->inline_locations++;
				d->inline_first_function = first_fn;
			}
			break;
		case 5:
			d->nfunctions++;
			if (v[1] < 16)
				d->fn_names[v[1]] = v[2];
			break;
		case 11: d->period_type = 1; break;
		}
	}
	return ret;
}

static void test_structure(struct test_state *s)
{
	struct profile *p = sample_profile();
	struct bytebuf b = {0};
	struct decoded d;

	ASSERT_TRUE(s, p);
	ASSERT_EQ(s, pprof__encode(p, &b), 0);
	ASSERT_EQ(s, decode(&b, &d), 0);
	ASSERT_TRUE(s, d.nstrs > 4);
	ASSERT_EQ(s, d.lens[0], 0); /* string_table[0] is "" */
	ASSERT_EQ(s, d.nsample_types, 2);
	ASSERT_TRUE(s, str_is(&d, 1, "samples") && str_is(&d, 2, "count"));
	ASSERT_TRUE(s, str_is(&d, 3, "cpu") && str_is(&d, 4, "nanoseconds"));
	ASSERT_EQ(s, d.period, 10101010);
	ASSERT_EQ(s, d.period_type, 1);
	ASSERT_EQ(s, d.nsamples, 2);
	ASSERT_EQ(s, d.nmappings, 2);
	ASSERT_TRUE(s, d.kernel_mapping);
	ASSERT_TRUE(s, d.mapping_flags_ok);
	/* main, run+helper, do_syscall_64, idle */
	ASSERT_EQ(s, d.nlocations, 4);
	ASSERT_EQ(s, d.nfunctions, 5);
	ASSERT_EQ(s, d.inline_locations, 1);
	/* innermost first: the inlined helper is line[0] */
	ASSERT_TRUE(s, d.inline_first_function < 16 &&
			       str_is(&d, d.fn_names[d.inline_first_function], "helper"));
cleanup:
	bytebuf__release(&b);
	profile__free(p);
}

static int gzip_bytes(const struct profile *p, char **buf, size_t *len)
{
	FILE *f = open_memstream(buf, len);
	int ret;

	if (!f)
		return -ENOMEM;
	ret = pprof__write(p, f);
	fclose(f);
	return ret;
}

static void test_round_trip(struct test_state *s)
{
	struct profile *p = sample_profile(), *q = profile__new();
	char *gz = NULL, *a = NULL, *b = NULL, err[128] = "";
	size_t gzlen = 0;

	ASSERT_TRUE(s, p && q);
	ASSERT_EQ(s, gzip_bytes(p, &gz, &gzlen), 0);
	ASSERT_TRUE(s, gzlen > 2 && (uint8_t)gz[0] == 0x1f && (uint8_t)gz[1] == 0x8b);
	ASSERT_EQ(s, pprof__read(gz, gzlen, q, err, sizeof(err)), 0);
	a = write_folded(p);
	b = write_folded(q);
	ASSERT_STREQ(s, b, a);
	ASSERT_EQ(s, profile__sample(q, 0)->pid, 42);
	ASSERT_EQ(s, profile__sample(q, 0)->tid, 43);
	ASSERT_STREQ(s, profile__sample(q, 0)->cgroup, "/system.slice/app.service");
	ASSERT_TRUE(s, profile__sample(q, 1)->cgroup == NULL);
	/* the label set is read back (pid stays numeric) */
	ASSERT_STREQ(s, profile_sample__label(profile__sample(q, 0), "service"), "app.service");
	ASSERT_STREQ(s, profile_sample__label(profile__sample(q, 0), "exe"), "/bin/app");
	ASSERT_STREQ(s, profile_sample__label(profile__sample(q, 0), "env"), "prod");
	ASSERT_STREQ(s, profile_sample__label(profile__sample(q, 0), "pid"), "42");
	ASSERT_TRUE(s, profile__sample(q, 0)->labels && profile__sample(q, 0)->labels->n == 3);
	ASSERT_TRUE(s, profile__sample(q, 1)->labels == NULL);
	ASSERT_STREQ(s, profile__build_id(q, "/bin/app"), "abcdef0123456789");
	ASSERT_EQ(s, profile__meta(q)->period_ns, 10101010);
	ASSERT_EQ(s, profile__meta(q)->duration_ns, 5000000000ULL);
cleanup:
	free(gz);
	free(a);
	free(b);
	profile__free(p);
	profile__free(q);
}

static void test_folded_round_trip(struct test_state *s)
{
	/* kinds, lines, JIT, lost and comm-only stacks survive folded -> pprof -> folded */
	const char *in = "[unknown];[user stack lost: collision] 1\n"
			 "app;main;run (r.c:4);in1_[i];in2 (i.h:9)_[i];sys_[k];irq_[k] 5\n"
			 "app;main;run (r.c:4);in1_[i] 2\n"
			 "java;Interpreter;Lfoo;.bar_[j] 3\n"
			 "lonely 4\n";
	struct profile *p = profile__new(), *q = profile__new();
	char *gz = NULL, *a = NULL, *b = NULL, err[128] = "";
	size_t gzlen = 0;

	ASSERT_TRUE(s, p && q);
	ASSERT_EQ(s, folded__read(in, strlen(in), p, err, sizeof(err)), 0);
	ASSERT_EQ(s, gzip_bytes(p, &gz, &gzlen), 0);
	ASSERT_EQ(s, pprof__read(gz, gzlen, q, err, sizeof(err)), 0);
	a = write_folded(p);
	b = write_folded(q);
	ASSERT_STREQ(s, b, a);
cleanup:
	free(gz);
	free(a);
	free(b);
	profile__free(p);
	profile__free(q);
}

static void test_truncated_and_mutated(struct test_state *s)
{
	struct profile *p = sample_profile(), *q = NULL;
	struct bytebuf raw = {0};
	char *gz = NULL, err[160];
	size_t gzlen = 0;
	uint8_t *m = NULL;
	uint64_t seed = 0x9e3779b97f4a7c15ULL;

	ASSERT_TRUE(s, p);
	ASSERT_EQ(s, pprof__encode(p, &raw), 0);
	ASSERT_EQ(s, gzip_bytes(p, &gz, &gzlen), 0);
	/* every cut of the gzip stream is an error that says so */
	for (size_t n = 2; n < gzlen; n++) {
		q = profile__new();
		ASSERT_TRUE(s, q);
		err[0] = '\0';
		ASSERT_EQ(s, pprof__read(gz, n, q, err, sizeof(err)), -EINVAL);
		ASSERT_TRUE(s, strstr(err, "gzip") != NULL);
		profile__free(q);
		q = NULL;
	}
	/* every cut of the raw message: an error or a shorter valid profile */
	for (size_t n = 0; n < raw.len; n++) {
		q = profile__new();
		ASSERT_TRUE(s, q);
		int ret = pprof__read(raw.data, n, q, err, sizeof(err));

		ASSERT_TRUE(s, ret == 0 || ret == -EINVAL);
		profile__free(q);
		q = NULL;
	}
	/* random byte changes: never a crash, only 0 or -EINVAL */
	m = malloc(raw.len);
	ASSERT_TRUE(s, m);
	for (int iter = 0; iter < 3000; iter++) {
		memcpy(m, raw.data, raw.len);
		for (int k = 0; k < 1 + iter % 4; k++) {
			seed ^= seed << 13;
			seed ^= seed >> 7;
			seed ^= seed << 17;
			m[seed % raw.len] = (uint8_t)(seed >> 32);
		}
		q = profile__new();
		ASSERT_TRUE(s, q);
		int ret = pprof__read(m, raw.len, q, err, sizeof(err));

		ASSERT_TRUE(s, ret == 0 || ret == -EINVAL);
		profile__free(q);
		q = NULL;
	}
cleanup:
	free(m);
	free(gz);
	bytebuf__release(&raw);
	profile__free(p);
	profile__free(q);
}

static void test_garbage(struct test_state *s)
{
	static const uint8_t unknown_loc[] = {
		0x32, 0x00,             /* string_table[0] = "" */
		0x12, 0x04, 0x08, 0x07, /* sample: location_id 7 (not defined) */
		0x10, 0x01,             /* value 1 */
	};
	static const uint8_t bad_gzip[] = {0x1f, 0x8b, 0x08, 0x00, 0xde, 0xad, 0xbe, 0xef, 0, 0};
	struct profile *p = profile__new();
	char err[160] = "";

	ASSERT_TRUE(s, p);
	ASSERT_EQ(s, pprof__read("hello world\n", 12, p, err, sizeof(err)), -EINVAL);
	ASSERT_TRUE(s, strstr(err, "not a pprof file") != NULL);
	ASSERT_EQ(s, pprof__read("", 0, p, err, sizeof(err)), -EINVAL);
	ASSERT_EQ(s, pprof__read(unknown_loc, sizeof(unknown_loc), p, err, sizeof(err)), -EINVAL);
	ASSERT_STREQ(s, err, "sample 1: unknown location id 7");
	ASSERT_EQ(s, pprof__read(bad_gzip, sizeof(bad_gzip), p, err, sizeof(err)), -EINVAL);
	ASSERT_TRUE(s, !strncmp(err, "gzip: ", 6));
	ASSERT_EQ(s, profile__sample_count(p), 0);
cleanup:
	profile__free(p);
}

static void test_too_many_locations(struct test_state *s)
{
	/* one location, referenced 8193 times by one sample (packed) */
	size_t n = 8193, len = 0;
	uint8_t *b = malloc(n + 64);
	struct profile *p = profile__new();
	char err[160] = "";

	ASSERT_TRUE(s, b && p);
	b[len++] = 0x32, b[len++] = 0x00;                   /* string_table[0] = "" */
	b[len++] = 0x22, b[len++] = 0x02, b[len++] = 0x08, b[len++] = 0x01; /* location 1 */
	b[len++] = 0x12;                                    /* sample */
	b[len++] = (uint8_t)((n + 3 + 2) | 0x80), b[len++] = (uint8_t)((n + 3 + 2) >> 7);
	b[len++] = 0x0a;                                    /* location_id, packed */
	b[len++] = (uint8_t)(n | 0x80), b[len++] = (uint8_t)(n >> 7);
	memset(b + len, 0x01, n);
	len += n;
	b[len++] = 0x10, b[len++] = 0x01; /* value 1 */
	ASSERT_EQ(s, pprof__read(b, len, p, err, sizeof(err)), -EINVAL);
	ASSERT_STREQ(s, err, "sample 1: more than 8192 locations");
	/* 8192 is fine */
	b[7] = (uint8_t)((n - 1 + 5) | 0x80), b[8] = (uint8_t)((n - 1 + 5) >> 7);
	b[10] = (uint8_t)((n - 1) | 0x80), b[11] = (uint8_t)((n - 1) >> 7);
	memmove(b + 12 + n - 1, b + 12 + n, 2);
	ASSERT_EQ(s, pprof__read(b, len - 1, p, err, sizeof(err)), 0);
	ASSERT_EQ(s, profile__sample(p, 0)->nframes, 8192);
cleanup:
	free(b);
	profile__free(p);
}

int main(void)
{
	RUN_TEST(&st, test_structure);
	RUN_TEST(&st, test_round_trip);
	RUN_TEST(&st, test_folded_round_trip);
	RUN_TEST(&st, test_truncated_and_mutated);
	RUN_TEST(&st, test_garbage);
	RUN_TEST(&st, test_too_many_locations);
	return test__finish(&st);
}
