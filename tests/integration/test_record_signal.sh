#!/bin/bash
# Ctrl-C (SIGINT) and SIGTERM stop a run early and still write everything.
. "$(dirname "$0")/../lib.sh"

bg "$WORKLOADS/calltree" 20
WL=$LAST_PID
for sig in INT TERM; do
	"$BPFPROF" record -p "$WL" -o "$TMP/$sig.folded" 2>"$TMP/err" &
	REC=$!
	sleep 2.5
	kill -$sig $REC
	wait $REC
	rc=$?
	[ $rc -eq 0 ] && pass "$sig-exit-code" || fail "$sig-exit-code" "exit $rc: $(cat "$TMP/err")"
	n=$(total "$TMP/$sig.folded")
	ge "$n" 100 && pass "$sig-wrote-samples" || fail "$sig-wrote-samples" "only $n samples after 2.5 s"
	full=$(share "$TMP/$sig.folded" ';main;run;stage_one;stage_two;stage_three;leaf_')
	ge "$full" 95 && pass "$sig-symbolized" || fail "$sig-symbolized" "only $full % with the full path"
done
finish
