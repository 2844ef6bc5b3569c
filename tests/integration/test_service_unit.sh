#!/bin/bash
# bpfprof.service: systemd-analyze verify accepts the installed unit, and the
# agent works inside what the unit gives it: only its CapabilityBoundingSet=,
# no_new_privs, a private /tmp, an inaccessible /home and a read-only root
# (mimicked with setpriv and a mount namespace: systemd need not be PID 1
# here). It must still sample, name kernel frames, symbolize another user's
# private binary and read a JIT's /tmp/perf-PID.map in the host's /tmp.
. "$(dirname "$0")/../lib.sh"

DEST=$TMP/root
if ! make -s -C "$ROOT" install DESTDIR="$DEST" PREFIX=/usr >"$TMP/install.log" 2>&1; then
	fail installs "make install: $(tail -c 400 "$TMP/install.log")"
	finish
fi
UNIT=$DEST/usr/lib/systemd/system/bpfprof.service
[ -f "$UNIT" ] && pass installs || { fail installs "no $UNIT"; finish; }
grep -q '^ExecStart=/usr/bin/bpfprof serve$' "$UNIT" && pass exec-path \
	|| fail exec-path "$(grep ExecStart "$UNIT")"

# verify: the unit's binary and man page are in the throw-away root, so the
# copy checked points there
if command -v systemd-analyze >/dev/null; then
	sed "s|^ExecStart=/usr/bin/|ExecStart=$DEST/usr/bin/|" "$UNIT" >"$TMP/bpfprof.service"
	MANPATH=$DEST/usr/share/man systemd-analyze verify "$TMP/bpfprof.service" >"$TMP/verify.out" 2>&1
	rc=$?
	[ $rc -eq 0 ] && [ ! -s "$TMP/verify.out" ] && pass systemd-analyze-verify \
		|| fail systemd-analyze-verify "exit $rc: $(head -5 "$TMP/verify.out")"
else
	skip systemd-analyze-verify "no systemd-analyze"
fi

bad=""
for want in 'ProtectSystem=strict' 'StateDirectory=bpfprof' 'NoNewPrivileges=yes' \
	'ProtectHome=yes' 'PrivateTmp=yes' 'SystemCallArchitectures=native' 'LimitMEMLOCK=infinity'; do
	grep -qx "$want" "$UNIT" || bad="$bad; no '$want'"
done
# what would take what the agent needs away
for never in 'ProtectKernelTunables=yes' 'ProtectKernelLogs=yes' 'ProtectProc=invisible' \
	'ProtectProc=noaccess' 'ProtectProc=ptraceable'; do
	grep -qx "$never" "$UNIT" && bad="$bad; '$never' hides /proc/kallsyms, CAP_SYSLOG or processes"
done
[ -z "$bad" ] && pass hardening || fail hardening "${bad#; }"

# the bounding set as setpriv takes it: CAP_SYS_PTRACE -> +sys_ptrace
caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$UNIT")
bset=-all
for c in $caps; do bset="$bset,+$(echo "${c#CAP_}" | tr A-Z a-z)"; done
[ -n "$caps" ] && pass bounding-set || fail bounding-set "no CapabilityBoundingSet="

# workloads in the host's /tmp: another user's private binary, a JIT
mkdir -p "$TMP/private"
cp "$WORKLOADS/calltree_nofp" "$TMP/private/"
chown -R 65534:65534 "$TMP/private"
chmod 0700 "$TMP/private" "$TMP/private/calltree_nofp"
chmod 0755 "$TMP"
PORT=$(free_port)
URL=http://127.0.0.1:$PORT
# the agent's own /tmp is a new tmpfs (PrivateTmp), /home an empty
# read-only one (ProtectHome), / read-only (ProtectSystem=strict); its
# history is in its private /tmp. The binary runs from /var/tmp: the
# private /tmp hides a checkout under /tmp (as CI's can be); removed once
# the agent is up.
BINDIR=$(mktemp -d /var/tmp/bpfprof-unit.XXXXXX)
cp "$BPFPROF" "$BINDIR/bpfprof"
bg unshare -m --propagation private bash -c '
	mount -t tmpfs -o mode=1777 tmpfs /tmp && mkdir /tmp/state || exit 97
	mount -t tmpfs -o ro,mode=0 tmpfs /home || exit 97
	mount -o remount,bind,ro / 2>/dev/null || mount --bind -o ro / / 2>/dev/null || true
	exec setpriv --bounding-set="$1" --inh-caps=-all --no-new-privs "$2" serve --no-config \
		--listen "127.0.0.1:$3" --data-dir /tmp/state -F 199 --window 1s' \
	_ "$bset" "$BINDIR/bpfprof" "$PORT" 2>"$TMP/agent.err"
AGENT=$LAST_PID
wait_http "$URL/healthz" 15
up=$?
rm -rf "$BINDIR"
if [ $up -ne 0 ]; then
	fail starts "no /healthz: $(head -c 600 "$TMP/agent.err")"
	finish
fi
pass starts
if grep -q 'without CAP_' "$TMP/agent.err"; then
	fail all-caps-present "$(grep 'without CAP_' "$TMP/agent.err" | head -3)"
else
	pass all-caps-present
fi
# started once the agent runs with what the unit leaves it
bg setpriv --reuid=65534 --regid=65534 --clear-groups "$TMP/private/calltree_nofp" 40
PRIV=$LAST_PID
bg "$WORKLOADS/jit_loop" 40
JIT=$LAST_PID
bg "$WORKLOADS/syscall_loop" 40

# fetch NAME QUERY: the folded profile of the last minute into $TMP/NAME,
# once it holds 100 samples (bounded: 30 s; a loaded machine drains late)
fetch() {
	for _ in $(seq 30); do
		curl -s "$URL/api/profile?format=folded&from=-1m&$2" >"$TMP/$1"
		[ "$(total "$TMP/$1")" -ge 100 ] && return
		sleep 1
	done
}
# the private binary's own function names (read with CAP_DAC_READ_SEARCH
# through /proc/PID/root; without it frames are calltree_nofp+0x...). How
# complete its stacks are is the unwinder's business (test_unwind_*).
fetch private.folded "pid=$PRIV"
n=$(total "$TMP/private.folded")
named=$(share "$TMP/private.folded" ';leaf_(alpha|beta|gamma)(;|$)')
[ "$n" -ge 100 ] && ge "$named" 80 && pass other-users-private-binary \
	|| fail other-users-private-binary "$n samples, $named % in its leaf functions"
fetch jit.folded "pid=$JIT"
jit=$(share "$TMP/jit.folded" ';jit_busy_loop_\[j\](;|$)')
[ "$(total "$TMP/jit.folded")" -ge 100 ] && ge "$jit" 80 && pass perf-map-in-host-tmp \
	|| fail perf-map-in-host-tmp "$(total "$TMP/jit.folded") samples, $jit % in jit_busy_loop"
fetch kernel.folded "comm=syscall_loop"
named=$(share "$TMP/kernel.folded" '[a-z_]+_\[k\]')
ge "$named" 50 && pass kernel-names || fail kernel-names "only $named % with a named kernel frame"
kill "$AGENT" 2>/dev/null
finish
