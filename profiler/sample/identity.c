// SPDX-License-Identifier: MIT
/*
 * identity.c - container, pod and service from a cgroup path; the rules of
 * static labels. Pure functions of their arguments.
 */
#include "sample/identity.h"

#include <stdbool.h>
#include <string.h>

#define ID_HEX 64
#define UID_LEN 36

static bool is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static bool has_prefix(const char *s, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);

	return len >= n && !memcmp(s, prefix, n);
}

/* s[0..len) is exactly 64 hex digits: copied, lower-cased, into out. */
static bool take_hex_id(const char *s, size_t len, char out[ID_HEX + 1])
{
	if (len != ID_HEX)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!is_hex(s[i]))
			return false;
	for (size_t i = 0; i < len; i++)
		out[i] = lower(s[i]);
	out[ID_HEX] = '\0';
	return true;
}

/* A container's own cgroup: PREFIX-ID[.scope] (Docker, containerd, CRI-O,
 * podman); conmon's scopes (crio-conmon-ID, libpod-conmon-ID) are not. */
static bool container_component(const char *s, size_t len, char out[ID_HEX + 1])
{
	static const char *const prefixes[] = {"docker-", "cri-containerd-", "crio-", "libpod-"};

	if (len > 6 && !memcmp(s + len - 6, ".scope", 6))
		len -= 6;
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		size_t n = strlen(prefixes[i]);

		if (has_prefix(s, len, prefixes[i]) && take_hex_id(s + n, len - n, out))
			return true;
	}
	return false;
}

/* A pod uid, 8-4-4-4-12 hex with '-' or '_' (systemd escapes '-' as '_'),
 * normalised to dashes and lower case. */
static bool take_uid(const char *s, size_t len, char out[UID_LEN + 1])
{
	if (len != UID_LEN)
		return false;
	for (size_t i = 0; i < UID_LEN; i++) {
		bool sep = i == 8 || i == 13 || i == 18 || i == 23;

		if (sep ? (s[i] != '-' && s[i] != '_') : !is_hex(s[i]))
			return false;
		out[i] = sep ? '-' : lower(s[i]);
	}
	out[UID_LEN] = '\0';
	return true;
}

/* cgroupfs "pod<uid>" or systemd "kubepods[-QOS]-pod<uid>.slice". */
static bool pod_component(const char *s, size_t len, char out[UID_LEN + 1])
{
	if (has_prefix(s, len, "pod"))
		return take_uid(s + 3, len - 3, out);
	if (!has_prefix(s, len, "kubepods-") || len < 9 + 3 + UID_LEN + 6 ||
	    memcmp(s + len - 6, ".slice", 6))
		return false;
	len -= 6;
	return !memcmp(s + len - UID_LEN - 4, "-pod", 4) &&
	       take_uid(s + len - UID_LEN, UID_LEN, out);
}

/* systemd's unit name characters (unit_name_is_valid): letters, digits and
 * ":-_.\@". */
static bool unit_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       strchr(":-_.\\@", c);
}

static bool service_component(const char *s, size_t len, char out[IDENTITY_MAX_SERVICE])
{
	static const char suffix[] = ".service";
	size_t n = sizeof(suffix) - 1;

	if (len <= n || len >= IDENTITY_MAX_SERVICE || memcmp(s + len - n, suffix, n))
		return false;
	for (size_t i = 0; i < len; i++)
		if (!s[i] || !unit_char(s[i]))
			return false;
	memcpy(out, s, len);
	out[len] = '\0';
	return true;
}

/*
 * Each label is the outermost component that gives it: what lies below a
 * container's or a user's cgroup is theirs to create (cgroup delegation), so
 * an inner docker-<ID>.scope or nginx.service named by a user cannot pass
 * the user's processes off as another container or service.
 */
void identity__from_cgroup(const char *path, struct identity *out)
{
	bool in_kubepods = false, prev_pod = false, prev_docker = false;

	memset(out, 0, sizeof(*out));
	for (const char *s = path; s && *s;) {
		size_t len = strcspn(s, "/");
		char uid[UID_LEN + 1], id[ID_HEX + 1] = "", service[IDENTITY_MAX_SERVICE];
		bool pod = false;

		if (len) {
			if (in_kubepods && pod_component(s, len, uid)) {
				if (!out->pod_uid[0])
					memcpy(out->pod_uid, uid, sizeof(uid));
				pod = true;
			} else if (!container_component(s, len, id) && (prev_pod || prev_docker)) {
				take_hex_id(s, len, id); /* /docker/ID, pod<uid>/ID */
			}
			if (id[0] && !out->container_id[0])
				memcpy(out->container_id, id, sizeof(id));
			if (service_component(s, len, service) && !out->service[0])
				memcpy(out->service, service, sizeof(service));
			if (has_prefix(s, len, "kubepods"))
				in_kubepods = true;
			prev_docker = len == 6 && !memcmp(s, "docker", 6);
			prev_pod = pod;
		}
		s += len;
		if (*s == '/')
			s++;
	}
}

const char *identity__static_label_error(const char *key, const char *value)
{
	static const char *const reserved[] = {"pid", "tid", "comm", "cgroup", "exe",
					       "container_id", "pod_uid", "service", "samples"};
	size_t klen = strlen(key), vlen = strlen(value);

	if (!klen)
		return "empty key";
	if (klen > LABEL_MAX_KEY)
		return "key longer than 63 bytes";
	for (size_t i = 0; i < klen; i++) {
		char c = key[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
		      (i && c >= '0' && c <= '9')))
			return "a key is [a-zA-Z_][a-zA-Z0-9_]*";
	}
	if (klen >= 2 && key[0] == '_' && key[1] == '_')
		return "keys starting with __ are reserved";
	for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
		if (!strcmp(key, reserved[i]))
			return "a name every sample sets by itself";
	if (!vlen)
		return "empty value";
	if (vlen > LABEL_MAX_VALUE)
		return "value longer than 255 bytes";
	for (size_t i = 0; i < vlen; i++)
		if ((unsigned char)value[i] < 0x20 || value[i] == 0x7f)
			return "control character in the value";
	return NULL;
}
