// SPDX-License-Identifier: MIT
#include "sample/caps.h"

#include <errno.h>
#include <linux/capability.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

static int effective(uint64_t *eff)
{
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct data[2] = {{0}};

	if (syscall(SYS_capget, &hdr, data))
		return -errno;
	*eff = (uint64_t)data[1].effective << 32 | data[0].effective;
	return 0;
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
