// SPDX-License-Identifier: MIT
/*
 * fuzz_config.c - libFuzzer target for the config file parser
 * (config_file__parse), against a table like serve's. The file is root's,
 * but a parser must not crash or overread on any bytes. Beyond that: every
 * argument built is "--KEY" or "--KEY=VALUE" with KEY from the table, its
 * line within the input's, and a refusal always says why.
 */
#include "cmd/config_file.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

static const struct option opts[] = {
    {"listen", required_argument, NULL, 'l'},
    {"freq", required_argument, NULL, 'F'},
    {"idle", no_argument, NULL, 1},
    {"label", required_argument, NULL, 2},
    {"maybe", optional_argument, NULL, 3},
    {"config", required_argument, NULL, 4},
    {0},
};
static const char *const deny[] = {"config", NULL};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct config_file *c = NULL;
	char err[256] = "";
	size_t lines = 1;

	for (size_t i = 0; i < len; i++)
		lines += data[i] == '\n';
	if (config_file__parse("f", (const char *)data, len, opts, deny, &c, err, sizeof(err))) {
		if (c || !err[0])
			abort();
		return 0;
	}
	for (size_t i = 0; i < c->n; i++) {
		const char *a = c->entries[i].arg, *eq;
		size_t klen;
		int known = 0;

		if (strncmp(a, "--", 2) || !c->entries[i].line || c->entries[i].line > lines)
			abort();
		eq = strchr(a + 2, '=');
		klen = eq ? (size_t)(eq - (a + 2)) : strlen(a + 2);
		for (const struct option *o = opts; o->name; o++)
			if (strlen(o->name) == klen && !memcmp(o->name, a + 2, klen) &&
			    strcmp(o->name, "config"))
				known = 1;
		if (!known)
			abort();
	}
	config_file__free(c);
	return 0;
}
