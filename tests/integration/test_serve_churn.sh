#!/bin/bash
# A busy host with process churn keeps the agent's memory flat: processes
# that exit are forgotten once their samples are stored.
. "$(dirname "$0")/../lib.sh"

PORT=$(free_port)
URL=http://127.0.0.1:$PORT
bg "$BPFPROF" serve --listen "127.0.0.1:$PORT" --data-dir "$TMP/data" -F 199 --window 1s 2>"$TMP/agent.err"
AGENT=$LAST_PID
wait_http "$URL/healthz" 10 || { fail starts "$(cat "$TMP/agent.err")"; finish; }

# 8 copies of the workload: the symbolizer sees several files, not one
for i in 1 2 3 4 5 6 7 8; do cp "$WORKLOADS/calltree" "$TMP/churn$i"; done
churn() { # N short-lived processes, each burning ~10 ms of CPU
	for i in $(seq "$1"); do "$TMP/churn$((i % 8 + 1))" 0.01 2>/dev/null; done
}
live() { ls /proc | grep -c '^[0-9]'; }
rss() { awk '/^VmRSS/ { print $2 }' "/proc/$AGENT/status"; }
metric() { curl -s "$URL/metrics" | awk -v m="$1" '$1 == m { print $2 }'; }

num() { [[ "$1" =~ ^[0-9]+$ ]]; }
alive() { kill -0 "$AGENT" 2>/dev/null && curl -sf -m 5 "$URL/healthz" >/dev/null; }

# a warm-up: the symbolizer's and the unwinder's caches fill with the
# workload's files, the first windows are written; RSS is taken from here
churn 200
sleep 2.5
rss1=$(rss) tracked1=$(metric bpfprof_processes_tracked)
churn 400
sleep 2.5
rssm=$(rss)
churn 400
sleep 2.5
rss2=$(rss) tracked2=$(metric bpfprof_processes_tracked) live2=$(live)
pending2=$(metric bpfprof_processes_exited_pending)
samples=$(curl -s "$URL/api/profile?format=folded&from=-2m" | awk '/^churn/ { t += $NF } END { print t + 0 }')
alive && pass alive || fail alive "the agent died or stopped answering: $(tail -3 "$TMP/agent.err")"
kill -TERM "$AGENT"; wait "$AGENT"

[ "$samples" -ge 100 ] && pass churn-sampled || fail churn-sampled "only $samples samples of the short-lived processes"
# RSS over two runs of 400 more processes: a leak per process grows it in
# both by 400 times the leak; a one-time step (allocator arenas, the caches
# taking a big binary some other process runs) in one only. Fails when both
# grew by more than 4 MB or 12.5 %.
if num "$rss1" && num "$rssm" && num "$rss2"; then
	margin=$((rss1 / 8 > 4096 ? rss1 / 8 : 4096))
	[ $((rssm - rss1)) -le "$margin" ] || [ $((rss2 - rssm)) -le "$margin" ] && pass rss-flat \
		|| fail rss-flat "RSS grew from $rss1 kB to $rssm kB to $rss2 kB over 2 x 400 more processes"
else
	fail rss-flat "no RSS (agent dead?): '$rss1' '$rss2'"
fi
# exited processes are forgotten: apart from those that exited in the last
# windows (pending), what is tracked is what is alive, not history
if num "$tracked2" && num "$pending2" && num "$live2"; then
	[ $((tracked2 - pending2)) -le $((live2 + 10)) ] && pass procs-reaped \
		|| fail procs-reaped "$tracked2 processes tracked ($pending2 exited pending) with $live2 alive, after 1000 exited"
else
	fail procs-reaped "no metrics (agent dead?): '$tracked2' '$pending2'"
fi
echo "rss: $rss1 kB -> $rssm kB -> $rss2 kB, tracked: $tracked1 -> $tracked2 ($pending2 exited pending, $live2 alive), stacks: $samples"
finish
