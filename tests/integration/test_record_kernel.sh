#!/bin/bash
# A workload that lives in read(2): kernel frames (_[k]) sit under its user frames.
. "$(dirname "$0")/../lib.sh"

bg "$WORKLOADS/syscall_loop" 6
WL=$LAST_PID
sleep 0.3
"$BPFPROF" record -p "$WL" -d 3 -o "$TMP/out.folded" 2>"$TMP/err" || fail exit-code "$(cat "$TMP/err")"
kill "$WL" 2>/dev/null

k=$(share "$TMP/out.folded" ';main;read_zero_loop;.*_\[k\]$')
ge "$k" 70 && pass kernel-under-user || fail kernel-under-user "only $k % of samples are main;read_zero_loop;...kernel frames"

# the read path itself is named
grep -Eq '(ksys_read|vfs_read|read_zero|iov_iter_zero)[^;]*_\[k\]' "$TMP/out.folded" \
	&& pass read-path-named || fail read-path-named "no ksys_read/vfs_read/read_zero kernel frame"

# once a stack is in the kernel it stays there: no user frame after a _[k] frame
mixed=$(awk '{ sub(/ [0-9]+$/, ""); n = split($0, f, ";"); k = 0;
	for (i = 2; i <= n; i++) { if (f[i] ~ /_\[k\]$/) k = 1; else if (k) { print; break } } }' \
	"$TMP/out.folded" | wc -l)
[ "$mixed" -eq 0 ] && pass kernel-frames-last || fail kernel-frames-last "$mixed stacks have user frames after kernel frames"
finish
