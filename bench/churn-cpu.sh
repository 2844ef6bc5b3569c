#!/bin/bash
# churn-cpu.sh - the agent's CPU with and without process churn: `serve`
# (whole machine, default frequency) for SECS seconds idle, then SECS seconds
# with RATE new processes a second (/bin/true, /usr/bin/env, ls in turn).
# CPU is utime + stime from /proc/PID/stat. Usage: bench/churn-cpu.sh [SECS] [RATE]
# (BPFPROF=path to test another binary).
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BPFPROF=${BPFPROF:-$ROOT/build/bpfprof}
SECS=${1:-60} RATE=${2:-20}
TMP=$(mktemp -d)
PORT=$((20000 + RANDOM % 20000))
"$BPFPROF" serve --listen "127.0.0.1:$PORT" --data-dir "$TMP/data" 2>"$TMP/err" &
AGENT=$!
trap 'kill $AGENT 2>/dev/null; wait $AGENT 2>/dev/null; rm -rf "$TMP"' EXIT
sleep 5 # start-up (preload) is not churn
ticks() { awk '{ print $14 + $15 }' "/proc/$AGENT/stat"; }
hz=$(getconf CLK_TCK)
measure() { # NAME CHURN(0/1)
	local t0 t1 end cmds=(/bin/true /usr/bin/env ls) i=0 n=0
	t0=$(ticks)
	end=$((SECONDS + SECS))
	while [ $SECONDS -lt $end ]; do
		if [ "$2" = 1 ]; then
			for _ in $(seq "$RATE"); do "${cmds[i++ % 3]}" >/dev/null; n=$((n + 1)); done
		fi
		sleep 1
	done
	t1=$(ticks)
	awk -v d=$((t1 - t0)) -v hz="$hz" -v s="$SECS" -v name="$1" -v n="$n" \
		'BEGIN { printf "%s: %.2f %% of one CPU (%d ticks in %d s, %d processes)\n", name, 100 * d / hz / s, d, s, n }'
}
measure idle 0
measure churn 1
