#!/bin/bash
# Soak: an agent under churn of processes (short commands from /usr/bin) and
# of distinct binaries (copies of a small no-FP binary without build-id, each
# run once and deleted) keeps its RSS, open fds, tracked processes and unwind
# tables flat (the second half of the run against the first), is alive and
# answering at the end, and a new binary after the churn still unwinds
# completely. SOAK_SECONDS sets the length (default 75; `make soak`: 600).
. "$(dirname "$0")/../lib.sh"

SECS=${SOAK_SECONDS:-75}
NPOINTS=8
PORT=$(free_port)
URL=http://127.0.0.1:$PORT
FULL=';main;run;stage_one;stage_two;stage_three;leaf_(alpha|beta|gamma)(;|$)'
bg "$BPFPROF" serve --listen "127.0.0.1:$PORT" --data-dir "$TMP/data" -F 99 --window 2s \
	2>"$TMP/agent.err"
AGENT=$LAST_PID
wait_http "$URL/healthz" 10 && pass starts || fail starts "no /healthz: $(cat "$TMP/agent.err")"

mkdir "$TMP/bins"
churn() { # until killed: ~20 commands and ~5 new binaries a second
	local i=0
	while :; do
		i=$((i + 1))
		/bin/true; /usr/bin/env >/dev/null; ls / >/dev/null
		if [ $((i % 4)) = 0 ]; then
			cp "$WORKLOADS/shortburn_nobid" "$TMP/bins/b$i"
			"$TMP/bins/b$i" 5
			rm -f "$TMP/bins/b$i"
		fi
		sleep 0.1
	done
}
bg churn
CHURN=$LAST_PID

metric() { curl -s -m 5 "$URL/metrics" | awk -v m="$1" '$1 == m { print $2 }'; }
# one point: rss_kB fds tracked tables files; "dead" fields when the agent is gone
point() {
	local rss fds tracked tables files
	rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$AGENT/status" 2>/dev/null)
	fds=$(ls "/proc/$AGENT/fd" 2>/dev/null | wc -l)
	# tracked beyond the processes alive: what the agent remembers of the
	# dead (alive ones depend on what else the machine runs)
	tracked=$(metric bpfprof_processes_tracked)
	[ -n "$tracked" ] && tracked=$((tracked - $(ls /proc | grep -c '^[0-9]')))
	[ "${tracked:-0}" -lt 0 ] && tracked=0
	tables=$(metric bpfprof_unwind_tables)
	files=$(metric bpfprof_unwind_files_cached)
	echo "${rss:-dead} ${fds:-dead} ${tracked:-dead} ${tables:-dead} ${files:-dead}"
}
: >"$TMP/points"
for k in $(seq "$NPOINTS"); do
	sleep $((SECS / NPOINTS))
	point >>"$TMP/points"
done
kill "$CHURN" 2>/dev/null
wait "$CHURN" 2>/dev/null
echo "soak ${SECS}s: points (rss_kB fds tracked_beyond_alive tables files_cached):"
cat "$TMP/points"

# flat: the largest value of the second half within the first half's largest
# plus a margin (absolute or 25 %, whichever is bigger); missing = FAIL
flat() { # COLUMN ABS_MARGIN
	awk -v col="$1" -v abs="$2" -v n="$NPOINTS" '
		{ v = $col; if (v !~ /^[0-9.]+$/) bad = 1; if (NR <= n / 2) { if (v > a) a = v } else if (v > b) b = v }
		END { m = a / 4; if (m < abs) m = abs
		      if (bad || NR < n) { print "missing values"; exit 1 }
		      if (b > a + m) { printf "grew from %s to %s (margin %s)\n", a, b, m; exit 1 } }' "$TMP/points"
}
for c in rss:1:8192 fds:2:16 tracked:3:64 tables:4:32 files:5:64; do
	IFS=: read -r name col margin <<<"$c"
	why=$(flat "$col" "$margin") && pass "$name-flat" || fail "$name-flat" "$why"
done

# alive and answering at the end
kill -0 "$AGENT" 2>/dev/null && curl -sf -m 5 "$URL/healthz" >/dev/null && pass alive-at-end \
	|| fail alive-at-end "the agent is dead or not answering: $(tail -3 "$TMP/agent.err")"

# a new binary after the churn still unwinds completely
cp "$WORKLOADS/calltree_nofp" "$TMP/after"
bg "$TMP/after" 4
AFTER=$LAST_PID
wait "$AFTER" 2>/dev/null
sleep 3 # its windows are stored
curl -s -m 10 "$URL/api/profile?format=folded&from=-1m&pid=$AFTER" >"$TMP/after.folded"
n=$(total "$TMP/after.folded") full=$(share "$TMP/after.folded" "$FULL")
ge "$n" 100 && ge "$full" 90 && pass new-binary-unwinds \
	|| fail new-binary-unwinds "$full % of $n samples of a binary started after the churn are complete"
echo "after the churn: $n samples, $full % complete"
kill -0 "$AGENT" 2>/dev/null || fail alive-after "the agent died"
finish
