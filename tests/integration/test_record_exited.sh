#!/bin/bash
# A process that exits in the middle of a system-wide run is still symbolized:
# its mappings were captured while it was alive. Its binary is deleted while
# it runs, so no path leads to the file any more when the profile is
# symbolized: only what was captured (the mapped file itself) does.
. "$(dirname "$0")/../lib.sh"

cp "$WORKLOADS/calltree" "$TMP/shortlived"
"$BPFPROF" record -d 6 -o "$TMP/out.folded" 2>"$TMP/err" &
REC=$!
wait_sampling $REC || fail sampling-started "no perf events after 10 s: $(cat "$TMP/err")"
"$TMP/shortlived" 1.5 2>"$TMP/wl.err" &
WLP=$!
sleep 0.3
rm "$TMP/shortlived"
[ ! -e "$TMP/shortlived" ] && grep -q "$TMP/shortlived (deleted)" "/proc/$WLP/maps" \
	&& pass binary-removed || fail binary-removed "the workload's binary is not deleted under it"
wait $WLP
sleep 0.2
pgrep -f "$TMP/shortlived" >/dev/null && fail exited-first "workload still running" || pass exited-first
wait $REC || fail exit-code "$(cat "$TMP/err")"

grep '^shortlived;' "$TMP/out.folded" > "$TMP/mine.folded"
n=$(total "$TMP/mine.folded")
cpu=$(awk '/cpu/ { print $3 }' "$TMP/wl.err")
samples_match_cpu "$n" "$cpu" 99 && pass sampled || fail sampled "$n samples of the short-lived process for $cpu CPU seconds"
full=$(share "$TMP/mine.folded" ';main;run;stage_one;stage_two;stage_three;leaf_(alpha|beta|gamma)$')
ge "$full" 90 && pass symbolized-after-exit || fail symbolized-after-exit "only $full % symbolized with the full path"
finish
