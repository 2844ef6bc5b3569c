#!/bin/bash
# The agent: history of a known workload over HTTP, standard endpoints, bad
# requests, restart, kill -9, retention.
. "$(dirname "$0")/../lib.sh"

PORT=$(free_port)
URL=http://127.0.0.1:$PORT
DATA=$TMP/data
start_agent() { # extra args...
	bg "$BPFPROF" serve --listen "127.0.0.1:$PORT" --data-dir "$DATA" -F 49 --window 1s "$@"
	AGENT=$LAST_PID
	wait_http "$URL/healthz" 10
}

bg "$WORKLOADS/calltree" 60
WL=$LAST_PID
start_agent 2>"$TMP/agent.err" && pass starts || fail starts "no /healthz: $(cat "$TMP/agent.err")"
sleep 4

# the workload's profile, with its shares
curl -s "$URL/api/profile?format=folded&from=-1m&pid=$WL" > "$TMP/p.folded"
n=$(total "$TMP/p.folded")
ge "$n" 50 && pass profile-has-samples || fail profile-has-samples "only $n samples of the workload"
a=$(share "$TMP/p.folded" ';main;run;stage_one;stage_two;stage_three;leaf_alpha$')
within "$a" 60 10 && pass profile-share || fail profile-share "leaf_alpha has $a %, want 60 ± 10"
others=$(grep -vc '^calltree;' "$TMP/p.folded")
[ "$others" -eq 0 ] && pass pid-filter || fail pid-filter "$others lines of other processes with pid=$WL"
curl -s "$URL/api/profile?format=folded&from=-1m&comm=calltree" | grep -q leaf_beta \
	&& pass comm-filter || fail comm-filter "comm=calltree returned no leaf_beta"
[ -z "$(curl -s "$URL/api/profile?format=folded&from=-1m&comm=no-such-comm")" ] \
	&& pass comm-filter-empty || fail comm-filter-empty "unknown comm returned samples"

curl -s "$URL/api/timeline?from=-30s&step=1000" > "$TMP/timeline.json"
pts=$(grep -o '\[[0-9]*,[1-9][0-9]*\]' "$TMP/timeline.json" | wc -l)
[ "$pts" -ge 2 ] && pass timeline || fail timeline "fewer than 2 non-empty points: $(cat "$TMP/timeline.json")"
curl -s "$URL/api/processes?from=-1m" | grep -q "\"pid\":$WL,\"comm\":\"calltree\"" \
	&& pass processes || fail processes "workload not in /api/processes"

# bad requests: 4xx with a one-line reason; unknown paths 404
check_status() { # name want url
	local code
	code=$(curl -s -o "$TMP/body" -w '%{http_code}' "$3")
	if [ "$code" = "$2" ] && [ "$(wc -l < "$TMP/body")" -le 1 ]; then pass "$1"; else
		fail "$1" "got $code, want $2: $(head -c 200 "$TMP/body")"; fi
}
check_status not-found 404 "$URL/nope"
check_status bad-from 400 "$URL/api/profile?from=yesterday"
check_status bad-range 400 "$URL/api/profile?from=-1m&to=-2m"
check_status bad-format 400 "$URL/api/profile?format=xml"
check_status bad-pid 400 "$URL/api/profile?pid=abc"
check_status bad-step 400 "$URL/api/timeline?from=-1h&step=1"
check_status bad-seconds 400 "$URL/debug/pprof/profile?seconds=0"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$URL/api/profile")
[ "$code" = 405 ] && pass post-refused || fail post-refused "POST gave $code"
head -c 9000 /dev/zero | tr '\0' 'a' > "$TMP/long"
code=$(curl -s -o /dev/null -w '%{http_code}' "$URL/$(cat "$TMP/long")")
[ "$code" = 413 ] || [ "$code" = 400 ] && pass oversized-request || fail oversized-request "got $code"
printf 'GARBAGE\r\n\r\n' | timeout 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$PORT; cat >&3; cat <&3" \
	| head -1 | grep -q '400' && pass garbage-request || fail garbage-request "no 400 for garbage"

# /metrics is Prometheus text: a real parser reads it, and every sample has a TYPE
curl -s "$URL/metrics" > "$TMP/metrics"
if /usr/bin/python3 -c 'import prometheus_client' 2>/dev/null; then
	/usr/bin/python3 - "$TMP/metrics" <<'PY' && pass metrics-parse || fail metrics-parse "parser rejected /metrics"
import sys
from prometheus_client.parser import text_string_to_metric_families
names = {f.name for f in text_string_to_metric_families(open(sys.argv[1]).read())}
need = {"bpfprof_samples", "bpfprof_stacks_lost", "bpfprof_map_fill_ratio", "process_cpu_seconds",
        "process_resident_memory_bytes", "bpfprof_store_bytes", "bpfprof_windows_written",
        "bpfprof_symbolizer_cache_hits", "bpfprof_symbolizer_cache_misses"}
missing = need - names
if missing:
    print("missing:", missing)
    sys.exit(1)
PY
else
	skip metrics-parse "python3-prometheus-client not installed"
fi
awk '/^# TYPE / { type[$3] = 1; next } /^#/ { next }
	{ name = $1; sub(/\{.*/, "", name); if (!(name in type) || $2 !~ /^[0-9.e+-]+$/) { print; bad = 1 } }
	END { exit bad }' "$TMP/metrics" && pass metrics-strict || fail metrics-strict "untyped or non-numeric samples"
samples=$(awk '$1 == "bpfprof_samples_total" { print $2 }' "$TMP/metrics")
ge "$samples" 50 && pass metrics-count || fail metrics-count "bpfprof_samples_total is $samples"

# SIGTERM flushes the current window and exits 0; a restart continues the history
before=$(ls "$DATA" | wc -l)
kill -TERM "$AGENT"; wait "$AGENT"; rc=$?
[ $rc -eq 0 ] && pass sigterm-exit-0 || fail sigterm-exit-0 "exit $rc"
start_agent 2>>"$TMP/agent.err" || fail restart "agent did not come back"
curl -s "$URL/api/profile?format=folded&from=-5m&pid=$WL" > "$TMP/after.folded"
ge "$(total "$TMP/after.folded")" "$n" && pass restart-keeps-history \
	|| fail restart-keeps-history "history shrank across a restart"

# kill -9 while windows are being written, many times: the history always reads
for i in 1 2 3 4 5; do
	sleep 0.$((3 + RANDOM % 7))
	kill -9 "$AGENT"; wait "$AGENT" 2>/dev/null
	start_agent 2>>"$TMP/agent.err" || { fail kill9-restart "no restart after kill -9 #$i"; break; }
done
sleep 1.5
curl -s -o "$TMP/k9.folded" -w '%{http_code}' "$URL/api/profile?format=folded&from=-10m&pid=$WL" | grep -q 200 \
	&& [ "$(total "$TMP/k9.folded")" -ge "$n" ] && pass kill9-history-reads \
	|| fail kill9-history-reads "history unreadable after kill -9"
ls -a "$DATA" | grep -q '^\.tmp-' && fail kill9-no-temp "temporary files left behind" || pass kill9-no-temp
kill -TERM "$AGENT"; wait "$AGENT"

# retention: a tiny disk budget keeps only the newest windows
start_agent --max-disk 3K 2>>"$TMP/agent.err"
sleep 4
# the newest window is always kept, even alone over the budget
read -r win bytes newest < <(ls -l "$DATA"/*.win.gz | sort -k9 | awk '{ n++; t += $5; last = $5 } END { print n, t, last }')
kill -TERM "$AGENT"; wait "$AGENT"
[ "$win" -ge 1 ] && [ $((bytes - newest)) -le 3072 ] && pass max-disk \
	|| fail max-disk "$win windows, $bytes bytes with --max-disk 3K"
start_agent --retention 2s 2>>"$TMP/agent.err"
sleep 3.5
oldest=$(curl -s "$URL/api/info" | sed 's/.*"oldest":\([0-9]*\).*/\1/')
newest=$(curl -s "$URL/api/info" | sed 's/.*"newest":\([0-9]*\).*/\1/')
kill -TERM "$AGENT"; wait "$AGENT"
[ $((newest - oldest)) -le 5000 ] && pass retention || fail retention "history spans $((newest - oldest)) ms with --retention 2s"
finish
