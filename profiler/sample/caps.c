// SPDX-License-Identifier: MIT
#include "sample/caps.h"

#include <errno.h>
#include <linux/capability.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

/* read: which capabilities the thread has; write: set them */
static int caps_io(int set, uint64_t *eff, uint64_t *perm, uint64_t *inh)
{
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct data[2] = {{0}};

	if (set) {
		for (int i = 0; i < 2; i++) {
			data[i].effective = (uint32_t)(*eff >> (32 * i));
			data[i].permitted = (uint32_t)(*perm >> (32 * i));
			data[i].inheritable = (uint32_t)(*inh >> (32 * i));
		}
		return syscall(SYS_capset, &hdr, data) ? -errno : 0;
	}
	if (syscall(SYS_capget, &hdr, data))
		return -errno;
	*eff = (uint64_t)data[1].effective << 32 | data[0].effective;
	*perm = (uint64_t)data[1].permitted << 32 | data[0].permitted;
	*inh = (uint64_t)data[1].inheritable << 32 | data[0].inheritable;
	return 0;
}

static int effective(uint64_t *eff)
{
	uint64_t perm = 0, inh = 0;

	return caps_io(0, eff, &perm, &inh);
}

int caps__has(int cap)
{
	uint64_t eff = 0;

	if (effective(&eff))
		return 0;
	return (eff >> cap) & 1;
}

int caps__check_profiling(char *missing, size_t len)
{
	uint64_t eff = 0;
	int bpf, perfmon;

	if (effective(&eff)) {
		snprintf(missing, len, "capabilities unreadable");
		return -EPERM;
	}
	if ((eff >> CAP_SYS_ADMIN) & 1)
		return 0;
	bpf = (eff >> CAP_BPF) & 1;
	perfmon = (eff >> CAP_PERFMON) & 1;
	if (bpf && perfmon)
		return 0;
	snprintf(missing, len, "%s%s%s", bpf ? "" : "CAP_BPF", !bpf && !perfmon ? ", " : "",
		 perfmon ? "" : "CAP_PERFMON");
	return -EPERM;
}

int caps__set_effective(uint64_t eff)
{
	uint64_t cur = 0, perm = 0, inh = 0;
	int ret = caps_io(0, &cur, &perm, &inh);

	if (ret)
		return ret;
	eff &= perm;
	return caps_io(1, &eff, &perm, &inh);
}

/* The highest capability this kernel knows. */
static int last_cap(void)
{
	FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
	int v = CAP_LAST_CAP;

	if (f) {
		if (fscanf(f, "%d", &v) != 1 || v < 0 || v > 63)
			v = CAP_LAST_CAP;
		fclose(f);
	}
	return v;
}

int caps__known(int cap)
{
	return cap <= last_cap();
}

int caps__limit(uint64_t keep)
{
	uint64_t eff = 0, perm = 0, inh = 0;
	int ret = caps_io(0, &eff, &perm, &inh);

	if (ret)
		return ret;
	/* the bounding set first: dropping from it takes CAP_SETPCAP, which
	 * the capset below gives up */
	if ((eff >> CAP_SETPCAP) & 1)
		for (int cap = 0; cap <= last_cap(); cap++)
			if (!((keep >> cap) & 1) && prctl(PR_CAPBSET_READ, cap, 0, 0, 0) == 1 &&
			    prctl(PR_CAPBSET_DROP, cap, 0, 0, 0))
				return -errno;
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) && errno != EINVAL)
		return -errno;
	perm &= keep;
	eff = perm;
	inh = 0;
	ret = caps_io(1, &eff, &perm, &inh);
	if (ret)
		return ret;
	/* nothing this process runs or becomes can gain privileges again */
	return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ? -errno : 0;
}
