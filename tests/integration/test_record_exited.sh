#!/bin/bash
# A process that exits in the middle of a system-wide run is still symbolized:
# its mappings were captured while it was alive.
. "$(dirname "$0")/../lib.sh"

# a private copy, removed before the profile is symbolized at the end of the run
cp "$WORKLOADS/calltree" "$TMP/shortlived"
"$BPFPROF" record -d 4 -o "$TMP/out.folded" 2>"$TMP/err" &
REC=$!
sleep 0.5
"$TMP/shortlived" 1.5 2>"$TMP/wl.err"
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
