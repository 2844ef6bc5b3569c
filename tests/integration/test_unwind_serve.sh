#!/bin/bash
# The agent unwinds with tables by default: a workload without frame pointers
# has full paths in its history, and /metrics counts the unwinds.
. "$(dirname "$0")/../lib.sh"

PORT=$(free_port)
URL=http://127.0.0.1:$PORT
bg "$WORKLOADS/calltree_nofp" 30
WL=$LAST_PID
bg "$BPFPROF" serve --listen "127.0.0.1:$PORT" --data-dir "$TMP/data" -F 199 --window 1s \
	2>"$TMP/agent.err"
wait_http "$URL/healthz" 10 && pass starts || fail starts "no /healthz: $(cat "$TMP/agent.err")"
# The tables load in slices after start-up, later on a loaded machine: the
# check starts one window after the workload's first complete stack (bounded
# wait; without tables it never comes and full-path fails).
for _ in $(seq 40); do
	curl -s "$URL/api/profile?format=folded&from=-2s&pid=$WL" |
		grep -q ';main;run;stage_one;stage_two;stage_three;leaf_' && break
	sleep 0.5
done
since=$(($(date +%s%3N) + 1100))
for _ in $(seq 20); do # 4 s when the workload has a CPU, longer on a loaded machine
	sleep 1
	curl -s "$URL/api/profile?format=folded&from=$since&pid=$WL" >"$TMP/p.folded"
	n=$(total "$TMP/p.folded")
	[ "$n" -ge 500 ] && break
done
ge "$n" 100 && pass samples || fail samples "only $n samples of the workload"
full=$(share "$TMP/p.folded" ';main;run;stage_one;stage_two;stage_three;leaf_(alpha|beta|gamma)(;|$)')
ge "$full" 95 && pass full-path || fail full-path "only $full % of samples have the full path"
curl -s "$URL/metrics" >"$TMP/metrics"
c=$(awk '/^bpfprof_user_unwinds_total\{stop="complete"\}/ { print $2 }' "$TMP/metrics")
# the first samples before the tables are loaded keep their frame-pointer stack
ge "${c:-0}" "$(awk -v n="$n" 'BEGIN { print 0.9 * n }')" && pass metrics-unwinds \
	|| fail metrics-unwinds "complete unwinds ${c:-none} < 90 % of $n samples"
grep -q '^bpfprof_unwind_table_bytes [1-9]' "$TMP/metrics" && pass metrics-table-bytes \
	|| fail metrics-table-bytes "no table bytes in /metrics"
finish
