// SPDX-License-Identifier: MIT
/*
 * test_python.c - the CPython readers on bytes: the 3.11 location table
 * against the lines CPython itself gives, str objects (ASCII, Latin-1,
 * UCS-2, UCS-4, lies about their length or kind), code objects in a fake
 * memory image (fingerprint, truncated and hostile fields), version names.
 */
#include "harness.h"
#include "py_mem.h"
#include "sample/py_code.h"
#include "sample/py_offsets.h"
#include "sample/python.h"
#include "agent/window_file.h"
#include "common/bytebuf.h"
#include "format/folded.h"
#include "format/folded_read.h"
#include "format/profile.h"

#include <sys/mman.h>
#include <unistd.h>

#include <stdlib.h>

/* def f(a):\n x = a + 1\n if x > 3:\n  y = [i for i in range(x)]\n else:\n
 * y = None\n\n return (x,\n y)  -- from CPython 3.11.2: co_linetable of f
 * and its co_lines() (byte start, end, line), first line 1 */
static const uint8_t linetable[] = {
	0x80, 0x00, 0xd8, 0x08, 0x09, 0x88, 0x41, 0x89, 0x05, 0x80, 0x41, 0xd8, 0x07, 0x08,
	0x88, 0x31, 0x82, 0x75, 0x80, 0x75, 0xd8, 0x0c, 0x21, 0xd0, 0x0c, 0x21, 0x9d, 0x05,
	0x98, 0x61, 0x99, 0x08, 0x9c, 0x08, 0xd0, 0x0c, 0x21, 0xd1, 0x0c, 0x21, 0xd4, 0x0c,
	0x21, 0x88, 0x01, 0x88, 0x01, 0xe0, 0x0c, 0x10, 0x88, 0x01, 0xe0, 0x0c, 0x0d, 0xd8,
	0x0c, 0x0d, 0xf0, 0x03, 0x01, 0x0c, 0x0f, 0xf0, 0x00, 0x01, 0x05, 0x0f};
static const int lines[][3] = {
	{0, 2, 1},    {2, 4, 2},    {4, 6, 2},    {6, 10, 2},   {10, 12, 2},  {12, 14, 3},
	{14, 16, 3},  {16, 22, 3},  {22, 24, 3},  {24, 26, 4},  {26, 28, 4},  {28, 40, 4},
	{40, 42, 4},  {42, 46, 4},  {46, 56, 4},  {56, 58, 4},  {58, 62, 4},  {62, 72, 4},
	{72, 74, 4},  {74, 76, 4},  {76, 78, 6},  {78, 80, 6},  {80, 82, 8},  {82, 84, 9},
	{84, 86, 8},  {86, 88, 8}};

static void test_line_table(struct test_state *t)
{
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		for (int b = lines[i][0]; b < lines[i][1]; b += 2)
			ASSERT_EQ(t, py_code__line(linetable, sizeof(linetable), 1, b), lines[i][2]);
	/* before the first instruction (a frame just entered), past the end,
	 * truncated tables, no table: the first line, never a read past it */
	ASSERT_EQ(t, py_code__line(linetable, sizeof(linetable), 1, -2), 1);
	ASSERT_EQ(t, py_code__line(linetable, sizeof(linetable), 7, 10000), 7);
	for (size_t n = 0; n < sizeof(linetable); n++) {
		uint8_t *cut = malloc(n ? n : 1);

		ASSERT_TRUE(t, cut != NULL);
		memcpy(cut, linetable, n);
		(void)py_code__line(cut, n, 1, 86);
		free(cut);
	}
	ASSERT_EQ(t, py_code__line(NULL, 0, 5, 4), 5);
cleanup:;
}

/* A fake memory image: objects laid out at fixed offsets from PY_MEM_BASE. */
struct image {
	uint8_t b[4096];
};

static void put64(struct image *im, size_t off, uint64_t v)
{
	memcpy(im->b + off, &v, 8);
}

static void put32(struct image *im, size_t off, uint32_t v)
{
	memcpy(im->b + off, &v, 4);
}

#define STATE(kind, compact, ascii) ((kind) << 2 | (compact) << 5 | (ascii) << 6)

/* a compact ASCII str at off */
static void put_ascii(struct image *im, const struct py_layout *l, size_t off, const char *s)
{
	put64(im, off + l->unicode_length, strlen(s));
	put32(im, off + l->unicode_state, STATE(1, 1, 1));
	memcpy(im->b + off + l->unicode_ascii_data, s, strlen(s));
}

static void test_str(struct test_state *t)
{
	const struct py_layout *l = py_layout__find(0x030b);
	struct image im = {0};
	struct py_mem m = {im.b, sizeof(im.b)};
	char out[PY_CODE_MAX_NAME];
	uint16_t ucs2[] = {0x3b1, 0x3b2, 'x'};
	uint32_t ucs4[] = {0x1f600, 'y', 0xd800};

	ASSERT_TRUE(t, l != NULL);
	put_ascii(&im, l, 0, "run");
	ASSERT_EQ(t, py_code__read_str(l, py_mem__read, &m, PY_MEM_BASE, out, sizeof(out)), 0);
	ASSERT_STREQ(t, out, "run");
	/* Latin-1, UCS-2 and UCS-4 compact objects, UTF-8 out; a surrogate is replaced */
	put64(&im, 256 + l->unicode_length, 2);
	put32(&im, 256 + l->unicode_state, STATE(1, 1, 0));
	memcpy(im.b + 256 + l->unicode_compact_data, "\xe9t", 2);
	ASSERT_EQ(t, py_code__read_str(l, py_mem__read, &m, PY_MEM_BASE + 256, out, sizeof(out)), 0);
	ASSERT_STREQ(t, out, "\xc3\xa9t");
	put64(&im, 512 + l->unicode_length, 3);
	put32(&im, 512 + l->unicode_state, STATE(2, 1, 0));
	memcpy(im.b + 512 + l->unicode_compact_data, ucs2, sizeof(ucs2));
	ASSERT_EQ(t, py_code__read_str(l, py_mem__read, &m, PY_MEM_BASE + 512, out, sizeof(out)), 0);
	ASSERT_STREQ(t, out, "\xce\xb1\xce\xb2x");
	put64(&im, 768 + l->unicode_length, 3);
	put32(&im, 768 + l->unicode_state, STATE(4, 1, 0));
	memcpy(im.b + 768 + l->unicode_compact_data, ucs4, sizeof(ucs4));
	ASSERT_EQ(t, py_code__read_str(l, py_mem__read, &m, PY_MEM_BASE + 768, out, sizeof(out)), 0);
	ASSERT_STREQ(t, out, "\xf0\x9f\x98\x80y\xef\xbf\xbd");
	/* not compact, a bad kind, a huge length: refused or cut, never overread */
	put32(&im, 1024 + l->unicode_state, STATE(1, 0, 1));
	ASSERT_EQ(t, py_code__read_str(l, py_mem__read, &m, PY_MEM_BASE + 1024, out, sizeof(out)),
		  -EINVAL);
	put32(&im, 1024 + l->unicode_state, STATE(3, 1, 0));
	ASSERT_EQ(t, py_code__read_str(l, py_mem__read, &m, PY_MEM_BASE + 1024, out, sizeof(out)),
		  -EINVAL);
	put64(&im, 1280 + l->unicode_length, 1ull << 40);
	put32(&im, 1280 + l->unicode_state, STATE(1, 1, 1));
	ASSERT_EQ(t, py_code__read_str(l, py_mem__read, &m, PY_MEM_BASE + 1280, out, sizeof(out)),
		  -EINVAL);
	put64(&im, 3900 + l->unicode_length, 200); /* text past the image: unreadable */
	put32(&im, 3900 + l->unicode_state, STATE(1, 1, 1));
	ASSERT_EQ(t, py_code__read_str(l, py_mem__read, &m, PY_MEM_BASE + 3900, out, sizeof(out)),
		  -EFAULT);
	ASSERT_EQ(t, py_code__read_str(l, py_mem__read, &m, PY_MEM_BASE + 4090, out, sizeof(out)),
		  -EFAULT);
	/* a name longer than the buffer is cut */
	put64(&im, 1280 + l->unicode_length, 200);
	memset(im.b + 1280 + l->unicode_ascii_data, 'a', 200);
	ASSERT_EQ(t, py_code__read_str(l, py_mem__read, &m, PY_MEM_BASE + 1280, out, 8), 0);
	ASSERT_EQ(t, strlen(out), 7);
cleanup:;
}

static void test_code_object(struct test_state *t)
{
	const struct py_layout *l = py_layout__find(0x030b);
	const struct py_offsets *o = &l->off;
	struct image im = {0};
	struct py_mem m = {im.b, sizeof(im.b)};
	struct py_code c = {0};
	const size_t code = 0, qual = 512, file = 768, table = 1024;

	put32(&im, code + o->code_firstlineno, 1);
	put64(&im, code + o->code_qualname, PY_MEM_BASE + qual);
	put64(&im, code + o->code_filename, PY_MEM_BASE + file);
	put64(&im, code + o->code_linetable, PY_MEM_BASE + table);
	put_ascii(&im, l, qual, "Outer.f");
	put_ascii(&im, l, file, "/srv/app/mod.py");
	put64(&im, table + l->bytes_size, sizeof(linetable));
	memcpy(im.b + table + l->bytes_data, linetable, sizeof(linetable));
	ASSERT_EQ(t, py_code__read(l, py_mem__read, &m, PY_MEM_BASE + code, &c), 0);
	ASSERT_STREQ(t, c.qualname, "Outer.f");
	ASSERT_STREQ(t, c.filename, "/srv/app/mod.py");
	ASSERT_EQ(t, c.firstlineno, 1);
	ASSERT_EQ(t, c.linetable_len, sizeof(linetable));
	ASSERT_EQ(t, py_code__line(c.linetable, c.linetable_len, c.firstlineno, 82), 9);
	/* the fingerprint is the BPF side's: pointers and first line */
	ASSERT_EQ(t, c.fingerprint, py_fingerprint(PY_MEM_BASE + qual, PY_MEM_BASE + file, 1));
	free(c.linetable);
	c.linetable = NULL;
	/* a reused address: another name pointer, another fingerprint */
	put64(&im, code + o->code_qualname, PY_MEM_BASE + file);
	ASSERT_EQ(t, py_code__read(l, py_mem__read, &m, PY_MEM_BASE + code, &c), 0);
	ASSERT_TRUE(t, c.fingerprint != py_fingerprint(PY_MEM_BASE + qual, PY_MEM_BASE + file, 1));
	free(c.linetable);
	c.linetable = NULL;
	/* a line table that claims 1 GiB is not read (lines fall back) */
	put64(&im, table + l->bytes_size, 1ull << 30);
	ASSERT_EQ(t, py_code__read(l, py_mem__read, &m, PY_MEM_BASE + code, &c), 0);
	ASSERT_TRUE(t, c.linetable == NULL);
	/* a table running past readable memory, a name pointer to nowhere */
	put64(&im, table + l->bytes_size, 4000);
	ASSERT_EQ(t, py_code__read(l, py_mem__read, &m, PY_MEM_BASE + code, &c), -EFAULT);
	ASSERT_TRUE(t, c.linetable == NULL);
	put64(&im, code + o->code_filename, 0x7);
	ASSERT_TRUE(t, py_code__read(l, py_mem__read, &m, PY_MEM_BASE + code, &c) < 0);
	ASSERT_EQ(t, py_code__read(l, py_mem__read, &m, 0, &c), -EFAULT);
cleanup:
	free(c.linetable);
}

static void test_versions(struct test_state *t)
{
	uint16_t fw, cw;

	ASSERT_EQ(t, py_version__from_path("/usr/bin/python3.11"), 0x030b);
	ASSERT_EQ(t, py_version__from_path("/usr/lib/x86_64-linux-gnu/libpython3.11.so.1.0"), 0x030b);
	ASSERT_EQ(t, py_version__from_path("/opt/py/lib/libpython3.12d.so"), 0x030c);
	ASSERT_EQ(t, py_version__from_path("/usr/bin/python3.11-config"), 0);
	ASSERT_EQ(t, py_version__from_path("/usr/bin/python3"), 0);
	ASSERT_EQ(t, py_version__from_path("/usr/bin/python2.7"), 0);
	ASSERT_EQ(t, py_version__from_path("/x/python3.11.py"), 0);
	ASSERT_TRUE(t, py_layout__find(0x030b) != NULL);
	ASSERT_TRUE(t, py_layout__find(0x030e) == NULL);
	/* the BPF side's windows hold every field it reads */
	ASSERT_EQ(t, py_offsets__windows(&py_layout__find(0x030b)->off, &fw, &cw), 0);
	ASSERT_EQ(t, fw, py_layout__find(0x030b)->off.frame_code);
	ASSERT_EQ(t, cw, py_layout__find(0x030b)->off.code_firstlineno);
cleanup:;
}

static void test_eval_frame(struct test_state *t)
{
	struct frame f = {.name = "_PyEval_EvalFrameDefault", .kind = FRAME_USER};

	ASSERT_TRUE(t, python__is_eval_frame(&f));
	f.name = "_PyEval_EvalFrameDefault.cold";
	ASSERT_TRUE(t, python__is_eval_frame(&f));
	f.name = "_PyEval_EvalFrameDefaultX";
	ASSERT_TRUE(t, !python__is_eval_frame(&f));
	f.name = "_PyEval_EvalFrameDefault";
	f.kind = FRAME_INLINE;
	ASSERT_TRUE(t, !python__is_eval_frame(&f));
cleanup:;
}

/* python__frame on code objects in this process's own memory: named from
 * a read, cached, and a code object whose fingerprint changed since the
 * sample (freed, its address reused) never shows the old name. */
static void test_frame_cache(struct test_state *t)
{
	const struct py_layout *l = py_layout__find(0x030b);
	const struct py_offsets *o = &l->off;
	static struct image im; /* addresses of this process: read back with process_vm_readv */
	struct proc p = {.pid = (uint32_t)getpid(), .image = 1};
	struct python *py = NULL;
	struct python_stats st;
	struct py_frame f = {0};
	struct frame out;
	uint64_t base = (uint64_t)(uintptr_t)im.b, fp_a, fp_b;

	ASSERT_EQ(t, python__new(-1, &py), 0);
	put32(&im, o->code_firstlineno, 10);
	put64(&im, o->code_qualname, base + 512);
	put64(&im, o->code_filename, base + 768);
	put_ascii(&im, l, 512, "alpha");
	put_ascii(&im, l, 768, "/srv/a.py");
	put_ascii(&im, l, 1024, "beta");
	fp_a = py_fingerprint(base + 512, base + 768, 10);
	fp_b = py_fingerprint(base + 1024, base + 768, 10);
	f.code = base;
	f.fingerprint = fp_a;
	f.instr = (uint32_t)-2; /* just entered: the first line */
	ASSERT_EQ(t, python__frame(py, &p, &f, &out), 0);
	ASSERT_STREQ(t, out.name, "alpha");
	ASSERT_STREQ(t, out.file, "/srv/a.py");
	ASSERT_EQ(t, out.line, 10);
	ASSERT_EQ(t, out.kind, FRAME_PYTHON);
	ASSERT_STREQ(t, out.module, "[python]");
	/* the object is replaced at the same address by another function */
	put64(&im, o->code_qualname, base + 1024);
	f.fingerprint = fp_b;
	ASSERT_EQ(t, python__frame(py, &p, &f, &out), 0);
	ASSERT_STREQ(t, out.name, "beta");
	/* a sample taken before the change is not named from what is there now */
	f.code = base;
	f.fingerprint = fp_a ^ 0x10; /* not cached, and not what memory holds */
	ASSERT_EQ(t, python__frame(py, &p, &f, &out), 0);
	ASSERT_STREQ(t, out.name, PYTHON_CODE_CHANGED);
	/* unreadable memory: named so, read once however often it is asked */
	f.code = 8;
	f.fingerprint = 1;
	ASSERT_EQ(t, python__frame(py, &p, &f, &out), 0);
	ASSERT_STREQ(t, out.name, PYTHON_CODE_UNREADABLE);
	ASSERT_EQ(t, python__frame(py, &p, &f, &out), 0);
	python__stats(py, &st);
	ASSERT_EQ(t, st.code_reads, 4);
	ASSERT_EQ(t, st.code_unreadable, 1);
	ASSERT_EQ(t, st.code_changed, 1);
	/* cached: the same frames are not read again */
	f.code = base;
	f.fingerprint = fp_a;
	ASSERT_EQ(t, python__frame(py, &p, &f, &out), 0);
	ASSERT_STREQ(t, out.name, "alpha");
	python__stats(py, &st);
	ASSERT_EQ(t, st.code_reads, 4);
cleanup:
	python__free(py);
}

/* folded-like strings of merged ids: native 1xx, Python 2xx */
static void merged(const uint32_t *native, const uint8_t *is_eval, int n, const uint32_t *flags,
		   int npy, char *out, size_t len)
{
	struct py_frame pf[PY_MAX_FRAMES] = {{0}};
	uint32_t py[PY_MAX_FRAMES], ids[64];
	int m;

	for (int i = 0; i < npy; i++) {
		py[i] = 200 + (uint32_t)i;
		pf[i].flags = flags[i];
	}
	m = python__merge(native, is_eval, n, py, pf, npy, ids, 64);
	out[0] = '\0';
	for (int i = 0; i < m; i++)
		snprintf(out + strlen(out), len - strlen(out), "%s%u", i ? ";" : "", ids[i]);
}

static void test_merge(struct test_state *t)
{
	/* main;eval;call;eval;zlib  with Python  beta(200) run(201, entry)
	 * main(202) <module>(203, entry): the newest group to the leaf-most eval */
	const uint32_t native[] = {100, 101, 102, 103, 104};
	const uint8_t is_eval[] = {0, 1, 0, 1, 0};
	const uint32_t flags[] = {0, PY_FRAME_ENTRY, 0, PY_FRAME_ENTRY};
	const uint8_t one_eval[] = {0, 0, 0, 1, 0}, no_eval[5] = {0};
	char s[512];

	merged(native, is_eval, 5, flags, 4, s, sizeof(s));
	ASSERT_STREQ(t, s, "100;203;202;102;201;200;104");
	/* a native stack with one eval frame: the older group goes at the root */
	merged(native, one_eval, 5, flags, 4, s, sizeof(s));
	ASSERT_STREQ(t, s, "203;202;100;101;102;201;200;104");
	/* no eval frame at all (frame-pointer stack cut short) */
	merged(native, no_eval, 5, flags, 4, s, sizeof(s));
	ASSERT_STREQ(t, s, "203;202;201;200;100;101;102;103;104");
	/* more eval frames than groups: the root-most ones stay native */
	merged(native, is_eval, 5, flags, 2, s, sizeof(s));
	ASSERT_STREQ(t, s, "100;101;102;201;200;104");
	/* no Python frames: unchanged */
	merged(native, is_eval, 5, flags, 0, s, sizeof(s));
	ASSERT_STREQ(t, s, "100;101;102;103;104");
	/* the output bound holds */
	{
		struct py_frame pf[3] = {{0}};
		uint32_t py[3] = {200, 201, 202}, out[2];

		ASSERT_EQ(t, python__merge(native, is_eval, 5, py, pf, 3, out, 2), 2);
	}
cleanup:;
}

/* A Python frame keeps its kind, file and line through a window file, and
 * its kind through folded text ("name (file.py)_[p]"). */
static void test_kind_round_trip(struct test_state *t)
{
	struct profile *p = profile__new(), *q = profile__new(), *r = profile__new();
	struct frame f = {.name = "Outer.f", .file = "/srv/app/mod.py", .line = 12,
			  .kind = FRAME_PYTHON, .module = "[python]", .addr = 0x7f0012345678};
	struct folded_opts fo = {0};
	struct bytebuf buf = {0};
	struct window_info info;
	const struct frame *g;
	char err[256], *text = NULL;
	size_t len = 0;
	uint32_t id;
	FILE *out = NULL;
	int fd = -1;

	ASSERT_TRUE(t, p && q && r);
	ASSERT_EQ(t, profile__add_frame(p, &f, &id), 0);
	ASSERT_EQ(t, profile__add_sample(p, &id, 1, 7, 7, "app", 4), 0);
	ASSERT_EQ(t, window_file__encode(p, &buf, err, sizeof(err)), 0);
	fd = memfd_create("window", MFD_CLOEXEC);
	ASSERT_TRUE(t, fd >= 0 && write(fd, buf.data, buf.len) == (ssize_t)buf.len &&
			       lseek(fd, 0, SEEK_SET) == 0);
	ASSERT_EQ(t, window_file__read(fd, "t", NULL, q, &info, NULL, err, sizeof(err)), 0);
	g = profile__frame(q, profile__sample(q, 0)->frames[0]);
	ASSERT_EQ(t, g->kind, FRAME_PYTHON);
	ASSERT_STREQ(t, g->name, "Outer.f");
	ASSERT_STREQ(t, g->file, "/srv/app/mod.py");
	ASSERT_EQ(t, g->line, 12);
	out = open_memstream(&text, &len);
	ASSERT_TRUE(t, out != NULL);
	ASSERT_EQ(t, folded__write(p, &fo, out), 0);
	fclose(out);
	out = NULL;
	ASSERT_STREQ(t, text, "app;Outer.f (mod.py)_[p] 4\n");
	ASSERT_EQ(t, folded__read(text, len, r, err, sizeof(err)), 0);
	g = profile__frame(r, profile__sample(r, 0)->frames[0]);
	ASSERT_EQ(t, g->kind, FRAME_PYTHON);
	ASSERT_STREQ(t, g->module, "[python]");
	free(text);
	text = NULL;
	fo.lines = true;
	out = open_memstream(&text, &len);
	ASSERT_TRUE(t, out != NULL);
	ASSERT_EQ(t, folded__write(p, &fo, out), 0);
	fclose(out);
	out = NULL;
	ASSERT_STREQ(t, text, "app;Outer.f (mod.py:12)_[p] 4\n");
cleanup:
	if (out)
		fclose(out);
	if (fd >= 0)
		close(fd);
	free(text);
	bytebuf__release(&buf);
	profile__free(p);
	profile__free(q);
	profile__free(r);
}

int main(void)
{
	struct test_state s = {.suite = "python"};

	RUN_TEST(&s, test_line_table);
	RUN_TEST(&s, test_str);
	RUN_TEST(&s, test_code_object);
	RUN_TEST(&s, test_versions);
	RUN_TEST(&s, test_eval_frame);
	RUN_TEST(&s, test_kind_round_trip);
	RUN_TEST(&s, test_merge);
	RUN_TEST(&s, test_frame_cache);
	printf("%d passed, %d failed, %d skipped\n", s.passed, s.failed, s.skipped);
	return test__finish(&s);
}
