// SPDX-License-Identifier: MIT
/*
 * fuzz_readers.c - libFuzzer targets for the two parsers of untrusted
 * profile files. Built twice: -DFUZZ_PPROF (pprof__read) and -DFUZZ_FOLDED
 * (folded__read). Beyond "no crash, no leak, no hang", a profile that reads
 * must survive our own writers and read back with the same total.
 */
#include "format/folded.h"
#include "format/folded_read.h"
#include "format/pb.h"
#include "format/pprof.h"
#include "format/profile.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct profile *p = profile__new(), *q = profile__new();
	struct bytebuf raw = {0};
	char err[256];
	int ret;

	if (!p || !q)
		abort();
#ifdef FUZZ_PPROF
	ret = pprof__read(data, len, p, err, sizeof(err));
#else
	ret = folded__read((const char *)data, len, p, err, sizeof(err));
#endif
	if (ret == 0) {
		/* our writer's output of anything we read is valid input */
		if (pprof__encode(p, &raw) || pprof__read(raw.data, raw.len, q, err, sizeof(err)))
			abort();
		if (profile__total(q) != profile__total(p))
			abort();
		FILE *devnull = fopen("/dev/null", "w");
		struct folded_opts o = {.lines = true};

		if (devnull) {
			folded__write(p, &o, devnull);
			fclose(devnull);
		}
	}
	bytebuf__release(&raw);
	profile__free(p);
	profile__free(q);
	return 0;
}
