#!/bin/bash
# record -p on the known call tree: full paths from main and the 60/30/10 split.
. "$(dirname "$0")/../lib.sh"

bg "$WORKLOADS/calltree" 8
WL=$LAST_PID
sleep 0.3
# 499 Hz: about 2,500 samples, so a leaf share is known to about 1 point
"$BPFPROF" record -p "$WL" -F 499 -d 5 -o "$TMP/out.folded" 2>"$TMP/err" &
REC=$!
wait_sampling $REC
c0=$(cpu_seconds "$WL")
wait $REC
rc=$?
c1=$(cpu_seconds "$WL")
kill "$WL" 2>/dev/null
cpu=$(awk -v a="$c0" -v b="$c1" 'BEGIN { print b - a }')
[ $rc -eq 0 ] && pass exit-code || fail exit-code "record exited $rc: $(cat "$TMP/err")"

n=$(total "$TMP/out.folded")
samples_match_cpu "$n" "$cpu" 499 && pass samples-match-cpu-time \
	|| fail samples-match-cpu-time "$n samples for $cpu CPU seconds at 499 Hz"

bad=$(grep -vc '^calltree;' "$TMP/out.folded")
[ "$bad" -eq 0 ] && pass only-the-pid || fail only-the-pid "$bad lines of other processes"

full=$(share "$TMP/out.folded" ';main;run;stage_one;stage_two;stage_three;leaf_(alpha|beta|gamma)$')
ge "$full" 95 && pass full-path || fail full-path "only $full % of samples have main;run;stage_one;stage_two;stage_three;leaf"

for leaf in alpha:60 beta:30 gamma:10; do
	name=${leaf%%:*} want=${leaf##*:}
	got=$(share "$TMP/out.folded" ";leaf_$name\$")
	within "$got" "$want" 5 && pass "share-$name" || fail "share-$name" "leaf_$name has $got %, want $want ± 5"
done

grep -q 'samples in .* s from [0-9]* CPUs' "$TMP/err" && grep -q 'dropped (map full)' "$TMP/err" \
	&& pass summary-line || fail summary-line "no summary on stderr: $(cat "$TMP/err")"
finish
