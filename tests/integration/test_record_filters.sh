#!/bin/bash
# record -C, -t, --cgroup, -k and -u keep exactly what they say: samples of
# one CPU, of one thread, of one cgroup v2 subtree, kernel stacks only, user
# stacks only. Workloads are copies of calltree under their own names, so
# each one's samples are told apart by comm.
. "$(dirname "$0")/../lib.sh"

for n in on_cpu0 on_cpu1 tid_a tid_b cg_in cg_out; do cp "$WORKLOADS/calltree" "$TMP/$n"; done
comm_share() { share "$1" "^$2;"; }

# -C 0: a workload pinned to CPU 1 is never sampled
if [ "$(nproc)" -ge 2 ]; then
	bg taskset -c 0 "$TMP/on_cpu0" 8
	bg taskset -c 1 "$TMP/on_cpu1" 8
	timeout 30 "$BPFPROF" record -F 499 -C 0 -d 2 -q -o "$TMP/cpu.folded"
	a=$(comm_share "$TMP/cpu.folded" on_cpu0) b=$(comm_share "$TMP/cpu.folded" on_cpu1)
	ge "$a" 10 && [ "$b" = 0.0 ] && pass cpu-0-only || fail cpu-0-only "on_cpu0 $a %, on_cpu1 $b %"
else
	skip cpu-0-only "needs 2 CPUs"
fi

# -t: one thread among two busy processes
bg "$TMP/tid_a" 8
A=$LAST_PID
bg "$TMP/tid_b" 8
timeout 30 "$BPFPROF" record -F 499 -t "$A" -d 2 -q -o "$TMP/tid.folded"
a=$(comm_share "$TMP/tid.folded" tid_a) b=$(comm_share "$TMP/tid.folded" tid_b)
[ "$a" = 100.0 ] && [ "$(total "$TMP/tid.folded")" -gt 20 ] && pass tid-only \
	|| fail tid-only "tid_a $a %, tid_b $b %, $(total "$TMP/tid.folded") samples"

# --cgroup: a cgroup v2 subtree, given as a path under the mount or as
# /proc/PID/cgroup shows it
V2=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
CG=bpfprof-test-$$
if [ -n "$V2" ] && mkdir "$V2/$CG" "$V2/$CG/inner" 2>/dev/null; then
	bg "$TMP/cg_in" 8
	IN=$LAST_PID
	echo "$IN" >"$V2/$CG/inner/cgroup.procs"
	bg "$TMP/cg_out" 8
	for form in "$V2/$CG" "/$CG"; do
		name=cgroup-mount-path
		[ "$form" = "/$CG" ] && name=cgroup-as-proc-shows
		timeout 30 "$BPFPROF" record -F 499 --cgroup "$form" -d 2 -q -o "$TMP/cg.folded"
		a=$(comm_share "$TMP/cg.folded" cg_in) b=$(comm_share "$TMP/cg.folded" cg_out)
		[ "$a" = 100.0 ] && [ "$(total "$TMP/cg.folded")" -gt 20 ] && pass "$name" \
			|| fail "$name" "cg_in $a %, cg_out $b % with --cgroup $form"
	done
	kill "$IN" 2>/dev/null
	wait "$IN" 2>/dev/null
	rmdir "$V2/$CG/inner" "$V2/$CG"
else
	skip cgroup-subtree "no writable cgroup v2 mount"
fi
"$BPFPROF" record --cgroup /no/such/cgroup -d 1 2>"$TMP/err" >/dev/null
[ $? -eq 2 ] && grep -q 'cgroup v2 directory' "$TMP/err" && pass cgroup-bad \
	|| fail cgroup-bad "$(cat "$TMP/err")"

# -k: kernel frames only; -u: no kernel frame
bg "$WORKLOADS/syscall_loop" 8
SL=$LAST_PID
timeout 30 "$BPFPROF" record -k -p "$SL" -d 2 -q -o "$TMP/k.folded"
user=$(awk '{ sub(/ [0-9]+$/, ""); n = split($0, f, ";");
	for (i = 2; i <= n; i++) if (f[i] !~ /_\[k\]$/) u++ } END { print u + 0 }' "$TMP/k.folded")
kern=$(share "$TMP/k.folded" '_\[k\]')
[ "$user" = 0 ] && ge "$kern" 50 && pass kernel-only || fail kernel-only "$user user frames, $kern % with kernel frames"
timeout 30 "$BPFPROF" record -u -p "$SL" -d 2 -q -o "$TMP/u.folded"
kern=$(share "$TMP/u.folded" '_\[k\]')
main=$(share "$TMP/u.folded" ';main;')
[ "$kern" = 0.0 ] && ge "$main" 50 && pass user-only || fail user-only "$kern % with kernel frames, $main % through main"
"$BPFPROF" record -k -u -d 1 2>"$TMP/err" >/dev/null
[ $? -eq 2 ] && grep -q 'exclude' "$TMP/err" && pass k-and-u-exclusive || fail k-and-u-exclusive "$(cat "$TMP/err")"
finish
