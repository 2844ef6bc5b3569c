/* SPDX-License-Identifier: MIT */
/*
 * identity.h - who a process is beyond its pid: the container, Kubernetes
 * pod and systemd service its cgroup path names, and the rules for the
 * static labels an operator adds (--label).
 *
 * The cgroup path is untrusted text (whoever may create cgroups names
 * them): the parser only reports values of the exact shapes below, so a
 * label is a 64-hex id, a dashed pod uid or a valid systemd unit name, never
 * arbitrary bytes; a name made to look like one is reported as what it
 * looks like (labels say what the cgroup is called, not who made it).
 */
#ifndef BPFPROF_IDENTITY_H
#define BPFPROF_IDENTITY_H

#include <stddef.h>

#define IDENTITY_MAX_SERVICE 256 /* systemd: a unit name is at most 255 bytes */

struct identity {
	/* 64 lower-case hex digits, "" when none. From the last component of
	 * the path shaped as Docker (docker-ID.scope, /docker/ID), containerd/CRI
	 * (cri-containerd-ID.scope), CRI-O (crio-ID.scope), podman
	 * (libpod-ID.scope) or a kubepods pod's container (pod<uid>/ID). */
	char container_id[65];
	/* 8-4-4-4-12 lower-case hex with dashes, "" when none: a "pod<uid>"
	 * component below a "kubepods" one, cgroupfs (pod<uid>) or systemd
	 * (kubepods-burstable-pod<uid with _>.slice). */
	char pod_uid[37];
	/* the last component that is a systemd service unit ("nginx.service",
	 * "getty@tty1.service"), "" when none */
	char service[IDENTITY_MAX_SERVICE];
};

/* Parse a cgroup path as /proc/PID/cgroup shows it ("/system.slice/x.service");
 * NULL or anything unrecognised gives empty fields. Pure: no I/O. */
void identity__from_cgroup(const char *path, struct identity *out);

/* Static labels (--label KEY=VALUE): at most this many, keys of
 * [a-zA-Z_][a-zA-Z0-9_]* up to LABEL_MAX_KEY bytes, values of 1 to
 * LABEL_MAX_VALUE bytes without control characters. */
#define LABEL_MAX_STATIC 16
#define LABEL_MAX_KEY 63
#define LABEL_MAX_VALUE 255

/* NULL when key=value may be a static label, else why not. The names a
 * sample carries by itself (pid, tid, comm, cgroup, exe, container_id,
 * pod_uid, service), "samples" (a field of /api/processes rows) and names
 * starting with "__" (reserved by Prometheus and Pyroscope) are refused;
 * "host" is allowed: it replaces the machine's name. */
const char *identity__static_label_error(const char *key, const char *value);

#endif
