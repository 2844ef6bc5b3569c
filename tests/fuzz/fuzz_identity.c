// SPDX-License-Identifier: MIT
/*
 * fuzz_identity.c - libFuzzer target for the cgroup path parser
 * (identity__from_cgroup): cgroup names are chosen by whoever may create
 * cgroups. Whatever the path, a reported container id is 64 lower-case hex
 * digits, a pod uid 8-4-4-4-12 lower-case hex, a service a unit name of
 * systemd's characters ending in ".service"; each is a component of the path.
 *
 *   make -C tests fuzz && tests/build/fuzz/fuzz_identity -max_total_time=60
 */
#include "sample/identity.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_hex(const char *s, size_t want)
{
	if (!*s)
		return;
	if (strlen(s) != want)
		abort();
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f') ||
		      (*s == '-' && want == 36)))
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *path = malloc(size + 1);
	struct identity id;
	size_t n;

	if (!path)
		return 0;
	memcpy(path, data, size);
	path[size] = '\0';
	identity__from_cgroup(path, &id);
	check_hex(id.container_id, 64);
	check_hex(id.pod_uid, 36);
	if (id.pod_uid[0] && (id.pod_uid[8] != '-' || id.pod_uid[13] != '-' ||
			      id.pod_uid[18] != '-' || id.pod_uid[23] != '-'))
		abort();
	n = strlen(id.service);
	if (n && (n <= 8 || n >= IDENTITY_MAX_SERVICE || strcmp(id.service + n - 8, ".service") ||
		  strspn(id.service, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
				     ":-_.\\@") != n ||
		  !strstr(path, id.service)))
		abort();
	identity__static_label_error(path, path);
	free(path);
	return 0;
}
