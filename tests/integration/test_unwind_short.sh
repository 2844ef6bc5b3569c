#!/bin/bash
# Short-lived processes are complete from their first sample: a process
# without frame pointers that burns ~30 ms and exits, run many times in a
# row under a whole-machine profiler, has its known stack
# (main;sb_outer;sb_middle;sb_inner) in >= 90 % of its samples, under record
# and under serve. Its files' tables are cached after the first run, so its
# ranges are published at exec, before its first sample.
. "$(dirname "$0")/../lib.sh"

RUNS=${SHORT_RUNS:-300}
FULL=';main;sb_outer;sb_middle;sb_inner(;|$)'
burn() { for _ in $(seq "$RUNS"); do "$WORKLOADS/shortburn_nofp" 30; done; }

# check NAME FILE
check() {
	local n full
	grep '^shortburn_nofp;' "$2" >"$TMP/$1.short"
	n=$(total "$TMP/$1.short")
	full=$(share "$TMP/$1.short" "$FULL")
	ge "$n" 100 && pass "$1-samples" || fail "$1-samples" "only $n samples of the short processes"
	ge "$n" 100 && ge "$full" 90 && pass "$1-complete" \
		|| fail "$1-complete" "$full % of $n samples of $RUNS 30 ms processes are complete"
	echo "$1: $RUNS processes, $n samples, $full % complete"
}

bg "$BPFPROF" record -F 99 --unwind auto -d 300 -o "$TMP/rec.folded" 2>"$TMP/rec.err"
REC=$LAST_PID
sleep 2
burn
kill -INT "$REC"
wait "$REC"
[ -s "$TMP/rec.folded" ] || fail record-output "no output: $(cat "$TMP/rec.err")"
check record "$TMP/rec.folded"

PORT=$(free_port)
URL=http://127.0.0.1:$PORT
bg "$BPFPROF" serve --listen "127.0.0.1:$PORT" --data-dir "$TMP/data" -F 99 --window 2s \
	2>"$TMP/agent.err"
AGENT=$LAST_PID
if wait_http "$URL/healthz" 10; then
	burn
	sleep 3 # the last window is stored
	curl -sf "$URL/api/profile?format=folded&from=-10m" >"$TMP/serve.folded"
	kill -0 "$AGENT" && pass serve-alive || fail serve-alive "the agent died"
	check serve "$TMP/serve.folded"
else
	fail serve-starts "no /healthz: $(cat "$TMP/agent.err")"
	fail serve-complete "agent not started"
fi
finish
