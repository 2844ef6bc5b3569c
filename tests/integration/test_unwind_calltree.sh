#!/bin/bash
# Unwind tables (.eh_frame) on workloads built without frame pointers: the
# known call tree in the main binary and in a shared library, a deep
# recursion, and the same in --unwind fp to show the tables are what helps.
. "$(dirname "$0")/../lib.sh"

# kernel frames may follow the leaf (an interrupt, a page fault): the user
# stack is what is checked
FULL=';main;(calltree_main;)?run;stage_one;stage_two;stage_three;leaf_(alpha|beta|gamma)(;|$)'

# check_tree NAME FILE: >= 95 % full paths from main, leaves 60/30/10 +- 5
check_tree() {
	local name=$1 f=$2 n full got want
	n=$(total "$f")
	ge "$n" 300 && pass "$name-samples" || fail "$name-samples" "only $n samples"
	full=$(share "$f" "$FULL")
	ge "$full" 95 && pass "$name-full-path" \
		|| fail "$name-full-path" "only $full % of samples have the full path from main"
	for leaf in alpha:60 beta:30 gamma:10; do
		got=$(share "$f" ";leaf_${leaf%%:*}(;|\$)") want=${leaf##*:}
		within "$got" "$want" 5 && pass "$name-share-${leaf%%:*}" \
			|| fail "$name-share-${leaf%%:*}" "leaf_${leaf%%:*} has $got %, want $want +- 5"
	done
}

# a command profiled from its exec: its first samples need tables loaded at exec
for mode in auto dwarf; do
	"$BPFPROF" record -F 499 --unwind $mode -o "$TMP/$mode.folded" -- "$WORKLOADS/calltree_nofp" 4 \
		2>"$TMP/$mode.err" || fail "$mode-exit" "$(cat "$TMP/$mode.err")"
	check_tree "$mode" "$TMP/$mode.folded"
done
grep -q 'user stacks unwound from tables' "$TMP/auto.err" && pass summary \
	|| fail summary "no unwind line in the summary: $(cat "$TMP/auto.err")"

# the hot code in a shared library
"$BPFPROF" record -F 499 -o "$TMP/lib.folded" -- "$WORKLOADS/calltree_lib_nofp" 4 2>"$TMP/lib.err" \
	|| fail lib-exit "$(cat "$TMP/lib.err")"
check_tree lib "$TMP/lib.folded"
grep -q ';main;calltree_main;run;' "$TMP/lib.folded" && pass lib-crosses-plt \
	|| fail lib-crosses-plt "no main;calltree_main;run path"

# CFI only in .debug_frame (-fno-asynchronous-unwind-tables -g)
"$BPFPROF" record -F 499 -o "$TMP/dbg.folded" -- "$WORKLOADS/calltree_debugframe" 3 2>"$TMP/dbg.err" \
	|| fail debugframe-exit "$(cat "$TMP/dbg.err")"
check_tree debugframe "$TMP/dbg.folded"

# a process already running when recording starts (-p): tables on first sample
bg "$WORKLOADS/calltree_nofp" 6
sleep 0.3
"$BPFPROF" record -F 499 -p "$LAST_PID" -d 4 -o "$TMP/pid.folded" 2>"$TMP/pid.err" \
	|| fail pid-exit "$(cat "$TMP/pid.err")"
check_tree pid "$TMP/pid.folded"

# frame pointers only: the same binary loses its callers (the test has teeth)
"$BPFPROF" record --unwind fp -o "$TMP/fp.folded" -- "$WORKLOADS/calltree_nofp" 2 2>"$TMP/fp.err"
# a missing or empty profile is a failure, not 0 % full paths
n=$(total "$TMP/fp.folded" 2>/dev/null || echo 0)
full=$(share "$TMP/fp.folded" "$FULL")
[ -s "$TMP/fp.folded" ] && ge "$n" 50 && ge 50 "$full" && pass fp-is-incomplete \
	|| fail fp-is-incomplete "fp got $full % full paths of ${n:-0} samples: $(tail -2 "$TMP/fp.err")"

# recursion 80 deep: every frame, not cut at 127
"$BPFPROF" record -o "$TMP/rec.folded" -- "$WORKLOADS/recursion_nofp" 3 80 2>"$TMP/rec.err" \
	|| fail rec-exit "$(cat "$TMP/rec.err")"
deep=$(awk '{ n = gsub(/;descend/, "&"); t += $NF; if (n >= 60 && $0 ~ /;main;run;descend/) d += $NF }
	END { printf "%.1f", t ? 100 * d / t : 0 }' "$TMP/rec.folded")
ge "$deep" 95 && pass recursion-depth-80 \
	|| fail recursion-depth-80 "only $deep % of samples have main;run and >= 60 descend frames"
grep -q '\[truncated\]' "$TMP/rec.folded" && fail recursion-not-truncated "80 frames marked truncated" \
	|| pass recursion-not-truncated

# recursion 200 deep: 127 frames, marked truncated
"$BPFPROF" record -o "$TMP/deep.folded" -- "$WORKLOADS/recursion_nofp" 2 200 2>"$TMP/deep.err"
tr=$(awk '{ n = gsub(/;descend/, "&"); t += $NF; if (n >= 120 && $0 ~ /^recursion_nofp;\[truncated\];/) d += $NF }
	END { printf "%.1f", t ? 100 * d / t : 0 }' "$TMP/deep.folded")
ge "$tr" 90 && pass recursion-truncated-marked \
	|| fail recursion-truncated-marked "only $tr % of samples start with [truncated] and 127 frames"
finish
