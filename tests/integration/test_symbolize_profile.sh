#!/bin/bash
# test_symbolize_profile.sh - names in real profiles (root, real BPF):
# inlined frames with --lines, glibc named through its build-id debug file,
# a binary deleted after start, a binary on a tmpfs only its own mount
# namespace sees, JIT code from a perf map, and the vDSO.
. "$(dirname "$0")/../lib.sh"

[ "$(id -u)" = 0 ] || { skip all "needs root"; finish; }
INLINE=$WORKLOADS/inline_loop
JIT=$WORKLOADS/jit_loop

# profile PID NAME [record options]: record PID for 2 s into $TMP/NAME.folded
profile() {
	local pid=$1 name=$2
	shift 2
	"$BPFPROF" record -q -p "$pid" -d 2 -o "$TMP/$name.folded" "$@" 2> "$TMP/$name.err"
}

# expect TEST PROFILE PATTERN MIN: at least MIN % of PROFILE's samples match PATTERN
expect() {
	local f=$TMP/$2.folded s
	if [ ! -s "$f" ]; then
		fail "$1" "empty profile: $(head -c 300 "$TMP/$2.err")"
		return
	fi
	s=$(share "$f" "$3")
	if ge "$s" "$4"; then
		pass "$1"
	else
		fail "$1" "$s % of samples match '$3' (want >= $4 %); top: $(sort -k2 -nr -t' ' "$f" | head -3 | cut -c1-300 | tr '\n' '|')"
	fi
}

# inlined helper as its own frame, with lines: the loop body is line 18 and
# its counter line 17, and which of the two a timer sample lands on depends
# on the host CPU's pipeline (one host gave 75 % to line 17, another 25 %)
bg "$INLINE" 6
sleep 0.3
profile "$LAST_PID" inline --lines
expect inline_frames_with_lines inline 'work \(inline_loop\.c:24\);helper \(inline_loop\.c:1[78]\)_\[i\]$' 70
# glibc's own frame, named from libc6-dbg's DWARF (not libc.so.6+0x...)
if [ -d /usr/lib/debug/.build-id ]; then
	expect libc_named_from_debug_file inline '__libc_start_call_main' 50
else
	skip libc_named_from_debug_file "no /usr/lib/debug/.build-id (libc6-dbg)"
fi
# bpfprof symbolize -p: a live process's address, through its mappings
base=$(awk -v p="$INLINE" '$6 == p && $3 == "00000000" { split($1, r, "-"); print r[1]; exit }' \
	"/proc/$LAST_PID/maps")
work=$(nm "$INLINE" | awk '$3 == "work" { print $1 }')
out=$("$BPFPROF" symbolize -p "$LAST_PID" "$(printf '%x' $((0x$base + 0x$work + 0x12)))" | tr '\n' '|')
case $out in
"helper|"*"inline_loop.c:18|work|"*"inline_loop.c:24|") pass symbolize_pid ;;
*) fail symbolize_pid "got $out (base $base, work $work)" ;;
esac
kill "$LAST_PID" 2>/dev/null

# a binary deleted after it started
mkdir -p "$TMP/del"
cp "$INLINE" "$TMP/del/prog"
bg "$TMP/del/prog" 6
sleep 0.3
rm -f "$TMP/del/prog"
profile "$LAST_PID" deleted
expect deleted_binary deleted 'work;helper_\[i\]$' 70
kill "$LAST_PID" 2>/dev/null

# a binary on a tmpfs mounted in a private mount namespace
mkdir -p "$TMP/ns"
bg unshare -m --propagation private sh -c \
	"mount -t tmpfs none '$TMP/ns' && cp '$INLINE' '$TMP/ns/prog' && exec '$TMP/ns/prog' 6"
sleep 0.5
if [ -e "$TMP/ns/prog" ]; then
	fail mount_namespace "the private tmpfs is visible from here: the test proves nothing"
else
	profile "$LAST_PID" mntns
	grep -q "$TMP/ns/prog" "/proc/$LAST_PID/maps" 2>/dev/null ||
		fail mount_namespace_setup "the process does not run the tmpfs binary"
	expect mount_namespace mntns 'work;helper_\[i\]$' 70
fi
kill "$LAST_PID" 2>/dev/null

# JIT code described by /tmp/perf-PID.map
bg "$JIT" 6
sleep 0.3
profile "$LAST_PID" jit
expect jit_perf_map jit 'jit_busy_loop_\[j\]$' 70
kill "$LAST_PID" 2>/dev/null

# the vDSO: named, not [vdso]+0x...
bg "$INLINE" 6 vdso
sleep 0.3
profile "$LAST_PID" vdso
expect vdso_named vdso 'clock_gettime[^;]*$' 30
if grep -q 'vdso\]+0x' "$TMP/vdso.folded"; then
	fail vdso_no_raw_offsets "$(grep -o '[^;]*vdso\]+0x[^;]*' "$TMP/vdso.folded" | head -3 | tr '\n' ' ')"
else
	pass vdso_no_raw_offsets
fi
kill "$LAST_PID" 2>/dev/null
finish
