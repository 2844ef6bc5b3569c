#!/bin/bash
# Ctrl-C (SIGINT) and SIGTERM stop a run early and still write everything.
. "$(dirname "$0")/../lib.sh"

bg "$WORKLOADS/calltree" 20
WL=$LAST_PID
for sig in INT TERM; do
	"$BPFPROF" record -p "$WL" -o "$TMP/$sig.folded" 2>"$TMP/err" &
	REC=$!
	wait_sampling $REC
	c0=$(cpu_seconds "$WL")
	sleep 2.5
	kill -$sig $REC
	c1=$(cpu_seconds "$WL") # sampling ends at the signal, not when the file is written
	wait $REC
	rc=$?
	cpu=$(awk -v a="$c0" -v b="$c1" 'BEGIN { print b - a }')
	[ $rc -eq 0 ] && pass "$sig-exit-code" || fail "$sig-exit-code" "exit $rc: $(cat "$TMP/err")"
	n=$(total "$TMP/$sig.folded")
	samples_match_cpu "$n" "$cpu" 99 && pass "$sig-wrote-samples" \
		|| fail "$sig-wrote-samples" "$n samples for $cpu CPU seconds"
	full=$(share "$TMP/$sig.folded" ';main;run;stage_one;stage_two;stage_three;leaf_')
	ge "$full" 95 && pass "$sig-symbolized" || fail "$sig-symbolized" "only $full % with the full path"
done
finish
