// SPDX-License-Identifier: MIT
/*
 * test_identity.c - container_id, pod_uid and service from cgroup paths as
 * Docker, containerd, CRI-O, podman, kubelet and systemd lay them out (real
 * layouts, cgroup v1 and v2 drivers), hostile look-alikes, and the static
 * label rules.
 */
#include "../harness.h"
#include "sample/identity.h"

#include <string.h>

static struct test_state T = {.suite = "identity"};

#define HEX64 "3f4e5d6c7b8a99887766554433221100ffeeddccbbaa00112233445566778899"
#define UID "1d6e5b0e-9a7c-4c1f-8f3e-2b9a7c1d0e5f"
#define UID_ "1d6e5b0e_9a7c_4c1f_8f3e_2b9a7c1d0e5f"
#define HEX64B "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
#define UID2 "00000000-1111-2222-3333-444444444444"

struct layout {
	const char *path, *container, *pod, *service;
};

static const struct layout layouts[] = {
	/* Docker, systemd cgroup driver and cgroupfs driver */
	{"/system.slice/docker-" HEX64 ".scope", HEX64, "", ""},
	{"/docker/" HEX64, HEX64, "", ""},
	{"/docker/" HEX64 "/init.scope", HEX64, "", ""},
	/* systemd inside a Docker container (cgroup namespace off) */
	{"/system.slice/docker-" HEX64 ".scope/system.slice/nginx.service", HEX64, "", "nginx.service"},
	/* Kubernetes, cgroupfs driver (containerd and Docker shims) */
	{"/kubepods/burstable/pod" UID "/" HEX64, HEX64, UID, ""},
	{"/kubepods/besteffort/pod" UID "/" HEX64, HEX64, UID, ""},
	{"/kubepods/pod" UID "/" HEX64, HEX64, UID, ""},
	{"/kubepods/burstable/pod" UID, "", UID, ""},
	/* Kubernetes, systemd driver: containerd, CRI-O, Docker */
	{"/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_
	 ".slice/cri-containerd-" HEX64 ".scope", HEX64, UID, ""},
	{"/kubepods.slice/kubepods-pod" UID_ ".slice/crio-" HEX64 ".scope", HEX64, UID, ""},
	{"/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" UID_
	 ".slice/docker-" HEX64 ".scope", HEX64, UID, ""},
	/* CRI-O's conmon is not the container */
	{"/kubepods.slice/kubepods-pod" UID_ ".slice/crio-conmon-" HEX64 ".scope", "", UID, ""},
	/* podman: systemd (root and rootless) and cgroupfs, its conmon */
	{"/machine.slice/libpod-" HEX64 ".scope", HEX64, "", ""},
	{"/machine.slice/libpod-" HEX64 ".scope/container", HEX64, "", ""},
	{"/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" HEX64 ".scope", HEX64, "",
	 "user@1000.service"},
	{"/libpod_parent/libpod-" HEX64, HEX64, "", ""},
	{"/machine.slice/libpod-conmon-" HEX64 ".scope", "", "", ""},
	/* what a user or a container creates below its own cgroup (delegated)
	 * does not override the outer identity */
	{"/user.slice/user-1000.slice/user@1000.service/app.slice/nginx.service", "", "",
	 "user@1000.service"},
	{"/system.slice/docker-" HEX64 ".scope/system.slice/docker-" HEX64B ".scope", HEX64, "", ""},
	{"/system.slice/demo.service/sub/docker.service", "", "", "demo.service"},
	{"/kubepods/burstable/pod" UID "/" HEX64 "/kubepods/pod" UID2, HEX64, UID, ""},
	/* systemd services, nested slices, templates */
	{"/system.slice/demo.service", "", "", "demo.service"},
	{"/system.slice/getty.slice/getty@tty1.service", "", "", "getty@tty1.service"},
	{"/system.slice/containerd.service", "", "", "containerd.service"},
	{"/user.slice/user-1000.slice/user@1000.service/app.slice/app-gnome-firefox-1234.scope", "", "",
	 "user@1000.service"},
	{"/system.slice/systemd-journald.service", "", "", "systemd-journald.service"},
	/* nothing to say */
	{"/", "", "", ""},
	{"", "", "", ""},
	{"/user.slice/user-1000.slice/session-3.scope", "", "", ""},
	{"/init.scope", "", "", ""},
	/* upper-case hex is normalised; dashes and underscores alike */
	{"/docker/3F4E5D6C7B8A99887766554433221100FFEEDDCCBBAA00112233445566778899", HEX64, "", ""},
	/* look-alikes that are not */
	{"/system.slice/docker-" HEX64 "0.scope", "", "", ""},  /* 65 digits */
	{"/system.slice/docker-" HEX64 ".scopex", "", "", ""},
	{"/system.slice/docker-3f4e.scope", "", "", ""},
	{"/other/" HEX64, "", "", ""},                          /* a bare id, not under docker or a pod */
	{"/kubepods/burstable/pod1d6e5b0e-9a7c-4c1f-8f3e-2b9a7c1d0e5", "", "", ""}, /* short uid */
	{"/notkube/pod" UID "/" HEX64, "", "", ""},             /* outside kubepods: neither */
	{"/system.slice/.service", "", "", ""},
	{"/system.slice/a b.service", "", "", ""},
	{"/system.slice/evil\n.service", "", "", ""},
	{"/system.slice/x.service\t", "", "", ""},
	{"//system.slice//demo.service//", "", "", "demo.service"},
};

static void test_layouts(struct test_state *t)
{
	for (size_t i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++) {
		const struct layout *l = &layouts[i];
		struct identity id;

		identity__from_cgroup(l->path, &id);
		if (strcmp(id.container_id, l->container) || strcmp(id.pod_uid, l->pod) ||
		    strcmp(id.service, l->service)) {
			printf("  %s: container \"%s\" pod \"%s\" service \"%s\"; want \"%s\" \"%s\" \"%s\"\n",
			       l->path, id.container_id, id.pod_uid, id.service, l->container, l->pod,
			       l->service);
			t->cur_failed = 1;
		}
	}
}

static void test_null_and_long(struct test_state *t)
{
	static char long_path[70000];
	struct identity id;
	size_t n = 0;

	identity__from_cgroup(NULL, &id);
	ASSERT_STREQ(t, id.container_id, "");
	ASSERT_STREQ(t, id.service, "");
	/* a unit name of 300 bytes is not a service (systemd stops at 255) */
	n += (size_t)snprintf(long_path, sizeof(long_path), "/system.slice/");
	memset(long_path + n, 'a', 292);
	n += 292;
	strcpy(long_path + n, ".service");
	identity__from_cgroup(long_path, &id);
	ASSERT_STREQ(t, id.service, "");
	/* many components: the outermost container wins (the rest are its own) */
	n = 0;
	for (int i = 0; i < 500; i++)
		n += (size_t)snprintf(long_path + n, sizeof(long_path) - n, "/docker/%064x", i);
	identity__from_cgroup(long_path, &id);
	ASSERT_STREQ(t, id.container_id,
		     "0000000000000000000000000000000000000000000000000000000000000000");
cleanup:;
}

static void test_static_labels(struct test_state *t)
{
	char big[300];

	ASSERT_TRUE(t, identity__static_label_error("env", "prod") == NULL);
	ASSERT_TRUE(t, identity__static_label_error("cluster_2", "eu-west/1 a") == NULL);
	ASSERT_TRUE(t, identity__static_label_error("_x", "1") == NULL);
	ASSERT_TRUE(t, identity__static_label_error("Region", "x") == NULL);
	ASSERT_TRUE(t, identity__static_label_error("host", "node-7") == NULL);
	ASSERT_TRUE(t, identity__static_label_error("", "x") != NULL);
	ASSERT_TRUE(t, identity__static_label_error("2x", "x") != NULL);
	ASSERT_TRUE(t, identity__static_label_error("a-b", "x") != NULL);
	ASSERT_TRUE(t, identity__static_label_error("a.b", "x") != NULL);
	ASSERT_TRUE(t, identity__static_label_error("__name__", "x") != NULL);
	ASSERT_TRUE(t, identity__static_label_error("env", "") != NULL);
	ASSERT_TRUE(t, identity__static_label_error("env", "a\tb") != NULL);
	ASSERT_TRUE(t, identity__static_label_error("env", "a\nb") != NULL);
	{
		static const char *const reserved[] = {"pid", "tid", "comm", "cgroup", "exe",
						       "container_id", "pod_uid", "service", "samples"};

		for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
			ASSERT_TRUE(t, identity__static_label_error(reserved[i], "x") != NULL);
	}
	memset(big, 'k', 64);
	big[64] = '\0';
	ASSERT_TRUE(t, identity__static_label_error(big, "x") != NULL); /* 64-byte key */
	big[63] = '\0';
	ASSERT_TRUE(t, identity__static_label_error(big, "x") == NULL);
	memset(big, 'v', 256);
	big[256] = '\0';
	ASSERT_TRUE(t, identity__static_label_error("env", big) != NULL);
	big[255] = '\0';
	ASSERT_TRUE(t, identity__static_label_error("env", big) == NULL);
cleanup:;
}

int main(void)
{
	RUN_TEST(&T, test_layouts);
	RUN_TEST(&T, test_null_and_long);
	RUN_TEST(&T, test_static_labels);
	return test__finish(&T);
}
