#!/bin/bash
# The agent: history of a known workload over HTTP, standard endpoints, bad
# requests, restart, kill -9, retention.
. "$(dirname "$0")/../lib.sh"

PORT=$(free_port)
URL=http://127.0.0.1:$PORT
DATA=$TMP/data
start_agent() { # extra args...
	bg "$BPFPROF" serve --listen "127.0.0.1:$PORT" --data-dir "$DATA" -F 199 --window 1s "$@"
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
# cgroup: the workload's own (as /proc shows it) selects it; another selects nothing of it
cg=$(awk -F: '$1 == "0" { print $3 }' "/proc/$WL/cgroup")
[ "$cg" = / ] && cg=$(awk -F: '$3 != "/" { print $3; exit }' "/proc/$WL/cgroup")
cgq=$(printf %s "$cg" | sed 's|/|%2F|g')
curl -s "$URL/api/profile?format=folded&from=-1m&cgroup=$cgq" | grep -q '^calltree;.*leaf_alpha' \
	&& pass cgroup-filter || fail cgroup-filter "cgroup=$cg returned no workload samples"
curl -s "$URL/api/profile?format=folded&from=-1m&cgroup=%2Fno%2Fsuch" | grep -q '^calltree;' \
	&& fail cgroup-filter-other "an unknown cgroup returned the workload" || pass cgroup-filter-other

curl -s "$URL/api/timeline?from=-30s&step=1000" > "$TMP/timeline.json"
pts=$(grep -o '\[[0-9]*,[1-9][0-9]*\]' "$TMP/timeline.json" | wc -l)
[ "$pts" -ge 2 ] && pass timeline || fail timeline "fewer than 2 non-empty points: $(cat "$TMP/timeline.json")"
curl -s "$URL/api/processes?from=-1m" | grep -q "\"pid\":$WL,\"comm\":\"calltree\"" \
	&& pass processes || fail processes "workload not in /api/processes"
# each row carries the labels the UI filters by: the workload's cgroup, a
# path /proc/PID/cgroup lists (v2, or on a hybrid host v1's when v2 is "/")
curl -s "$URL/api/processes?from=-1m" | python3 -c '
import json, sys
paths = {l.rstrip("\n").split(":", 2)[2] for l in open("/proc/%s/cgroup" % sys.argv[1])}
rows = [r for r in json.load(sys.stdin)["processes"] if r["pid"] == int(sys.argv[1])]
sys.exit(0 if rows and rows[0].get("cgroup") in paths else 1)' "$WL" \
	&& pass processes-cgroup || fail processes-cgroup "no cgroup of /proc/$WL/cgroup in its row"

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

info() { curl -s -m 10 "$URL/api/info" | sed -n "s/.*\"$1\":\([0-9]*\).*/\1/p"; }
metric() { curl -s -m 10 "$URL/metrics" | awk -v k="$1" '$1 == k { print $2 }'; }

# SIGTERM exits 0; a restart continues the history
kill -TERM "$AGENT"; wait "$AGENT"; rc=$?
[ $rc -eq 0 ] && pass sigterm-exit-0 || fail sigterm-exit-0 "exit $rc"
start_agent 2>>"$TMP/agent.err" || fail restart "agent did not come back"
curl -s "$URL/api/profile?format=folded&from=-5m&pid=$WL" > "$TMP/after.folded"
ge "$(total "$TMP/after.folded")" "$n" && pass restart-keeps-history \
	|| fail restart-keeps-history "history shrank across a restart"
kill -TERM "$AGENT"; wait "$AGENT"

# SIGTERM stores the open window: with a window longer than the run, what a
# restarted agent reads of the workload is only what SIGTERM stored
FLUSH=$TMP/flush
bg "$BPFPROF" serve --listen "127.0.0.1:$PORT" --data-dir "$FLUSH" -F 199 --window 1h 2>>"$TMP/agent.err"
AGENT=$LAST_PID
if wait_http "$URL/healthz" 10; then
	sleep 3
	early=$(ls "$FLUSH" | grep -c '\.win\.gz$')
	kill -TERM "$AGENT"; wait "$AGENT"
	stored=$(ls "$FLUSH" | grep -c '\.win\.gz$')
	bg "$BPFPROF" serve --listen "127.0.0.1:$PORT" --data-dir "$FLUSH" -F 199 --window 1h \
		2>>"$TMP/agent.err"
	AGENT=$LAST_PID
	wait_http "$URL/healthz" 10
	curl -s "$URL/api/profile?format=folded&from=-5m&pid=$WL" > "$TMP/flush.folded"
	kill -TERM "$AGENT"; wait "$AGENT"
	# 3 s of a busy workload at 199 Hz is about 600 samples
	fl=$(total "$TMP/flush.folded")
	[ "$early" -eq 0 ] && [ "$stored" -eq 1 ] && ge "$fl" 150 && pass sigterm-flush \
		|| fail sigterm-flush "$early windows before SIGTERM, $stored after; $fl workload samples read back"
else
	fail sigterm-flush "agent did not start: $(tail -2 "$TMP/agent.err")"
fi

# kill -9 while windows are being written (100 ms windows at 999 Hz: writes
# are frequent and not tiny), several times: the history holds only whole
# windows, and a stray temporary file is gone after the next start (the
# README's promise). Not every kill lands in a write: the count is shown.
whole() { # every window file is a complete gzip stream ending with its end line
	local f n=0
	for f in "$DATA"/*.win.gz; do
		[ -f "$f" ] || continue
		n=$((n + 1))
		gzip -t "$f" 2>/dev/null && zcat "$f" | tail -1 | grep -q '^end ' || { echo "$f"; return 1; }
	done
	[ $n -gt 0 ] || { echo "(no window at all)"; return 1; }
}
start_agent --window 100ms -F 999 2>>"$TMP/agent.err" || fail kill9-start "agent did not start"
caught=0 broken= left=
for i in 1 2 3 4 5 6 7 8; do
	# watch (without forking, 2 s at most) for a write under way, and kill then
	sleep 0.$((2 + RANDOM % 5))
	end=$((SECONDS + 2))
	while [ $SECONDS -lt $end ] && ! compgen -G "$DATA/.tmp-*" >/dev/null; do :; done
	kill -9 "$AGENT"; wait "$AGENT" 2>/dev/null
	bad=$(whole) || broken="$broken $bad"
	ls -a "$DATA" | grep -q '^\.tmp-' && caught=$((caught + 1))
	# one stray temporary file for sure, as a crash at the wrong time leaves it
	[ "$i" = 1 ] && echo partial > "$DATA/.tmp-1-1"
	stray=$(cd "$DATA" && ls -a | grep '^\.tmp-')
	start_agent --window 100ms -F 999 2>>"$TMP/agent.err" \
		|| { fail kill9-restart "no restart after kill -9 #$i"; break; }
	# only the killed agent's files: the new one may be in a write of its own
	for f in $stray; do [ -e "$DATA/$f" ] && left="$left #$i:$f"; done
done
[ -z "$broken" ] && pass kill9-whole-windows || fail kill9-whole-windows "cut windows:$broken"
[ -z "$left" ] && grep -q 'removed an interrupted write' "$TMP/agent.err" \
	&& pass "kill9-temp-removed ($caught of 8 kills caught a write)" \
	|| fail kill9-temp-removed "temporary files still there after restart$left"
sleep 1.5
curl -s -o "$TMP/k9.folded" -w '%{http_code}' "$URL/api/profile?format=folded&from=-10m&pid=$WL" | grep -q 200 \
	&& [ "$(total "$TMP/k9.folded")" -ge "$n" ] && pass kill9-history-reads \
	|| fail kill9-history-reads "history unreadable after kill -9"
kill -TERM "$AGENT"; wait "$AGENT"

# retention: a tiny disk budget keeps only the newest windows
if start_agent --max-disk 3K 2>>"$TMP/agent.err"; then
	sleep 4
	removed=$(metric bpfprof_store_windows_removed_total)
	kill -TERM "$AGENT"; wait "$AGENT"
	# the newest window is always kept, even alone over the budget; measured at
	# rest (between a window's rename and the removals it causes, both are there)
	read -r win bytes newest < <(ls -l "$DATA"/*.win.gz | sort -k9 | awk '{ n++; t += $5; last = $5 } END { print n, t, last }')
	[ "$win" -ge 1 ] && [ $((bytes - newest)) -le 3072 ] && [ "${removed:-0}" -ge 1 ] && pass max-disk \
		|| fail max-disk "$win windows, $bytes bytes with --max-disk 3K; ${removed:-no} windows removed"
else
	fail max-disk "agent did not start"
fi
# an age limit: the history of the legs before, older than 2 s, goes
before=$(ls "$DATA" | grep -c '\.win\.gz$')
if start_agent --retention 2s 2>>"$TMP/agent.err"; then
	sleep 3.5
	oldest=$(info oldest) newest=$(info newest) windows=$(info windows)
	removed=$(metric bpfprof_store_windows_removed_total)
	kill -TERM "$AGENT"; wait "$AGENT"
	if [ -z "$oldest" ] || [ -z "$newest" ] || [ "${windows:-0}" -lt 1 ] || [ "$before" -lt 1 ]; then
		fail retention "nothing to judge: $before windows before, info: oldest '$oldest' newest '$newest' windows '$windows'"
	elif [ $((newest - oldest)) -le 5000 ] && [ "${removed:-0}" -ge "$before" ]; then
		pass retention
	else
		fail retention "history spans $((newest - oldest)) ms with --retention 2s; ${removed:-no} of $before old windows removed"
	fi
else
	fail retention "agent did not start"
fi
finish
