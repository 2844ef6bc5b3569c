// SPDX-License-Identifier: MIT
/*
 * dlopen_many.c - a process that maps many distinct files: copy LIB to
 * DIR/lib<i>.so for i < N (distinct inodes, owned by whoever runs it),
 * dlopen every copy, then burn CPU for SECONDS (so that a profiler samples
 * it, and loads its unwind tables).
 *
 * Usage: dlopen_many LIB DIR N SECONDS
 */
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static volatile uint64_t sink;

int main(int argc, char **argv)
{
	static char lib[1 << 20];
	char path[4096];
	int n, opened = 0;
	size_t len;
	time_t end;
	FILE *f;

	if (argc < 5 || !(f = fopen(argv[1], "rb")))
		return 2;
	len = fread(lib, 1, sizeof(lib), f);
	fclose(f);
	n = atoi(argv[3]);
	for (int i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/lib%d.so", argv[2], i);
		if (!(f = fopen(path, "wb")))
			return 1;
		if (fwrite(lib, 1, len, f) != len)
			return 1;
		fclose(f);
		if (dlopen(path, RTLD_NOW | RTLD_LOCAL))
			opened++;
	}
	printf("dlopen_many: %d opened\n", opened);
	fflush(stdout);
	end = time(NULL) + atoi(argv[4]);
	while (time(NULL) < end)
		for (int i = 0; i < 1000000; i++)
			sink = sink * 6364136223846793005ULL + (uint64_t)i;
	return 0;
}
