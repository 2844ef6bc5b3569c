#!/bin/bash
# churn-cpu.sh - the agent's CPU with and without process churn: `serve`
# (whole machine, default frequency) for SECS seconds idle, then SECS seconds
# with RATE new processes a second (/bin/true, /usr/bin/env, ls in turn).
# CPU is utime + stime from /proc/PID/stat.
#
#   bench/churn-cpu.sh [SECS] [RATE] [BINARY...]
#
# With several binaries (e.g. build/bpfprof and an older build) their agents
# run side by side through the same idle and churn periods, and the last line
# gives each one's churn CPU against the first's (each agent also samples the
# others: compare within one run, not across runs).
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SECS=${1:-60} RATE=${2:-20}
shift $(($# < 2 ? $# : 2))
BINS=("$@")
[ ${#BINS[@]} = 0 ] && BINS=("${BPFPROF:-$ROOT/build/bpfprof}")
TMP=$(mktemp -d)
AGENTS=()
trap 'kill "${AGENTS[@]}" 2>/dev/null; wait 2>/dev/null; rm -rf "$TMP"' EXIT
for i in "${!BINS[@]}"; do
	PORT=$((20000 + RANDOM % 20000))
	"${BINS[i]}" serve --listen "127.0.0.1:$PORT" --data-dir "$TMP/data$i" \
		2>"$TMP/err$i" &
	AGENTS+=($!)
done
sleep 5 # start-up (preload) is not churn
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)
declare -A churn_ticks
measure() { # NAME CHURN(0/1)
	local t0=() end cmds=(/bin/true /usr/bin/env ls) i=0 n=0 a d
	for a in "${AGENTS[@]}"; do t0+=("$(ticks "$a")"); done
	end=$((SECONDS + SECS))
	while [ $SECONDS -lt $end ]; do
		if [ "$2" = 1 ]; then
			for _ in $(seq "$RATE"); do "${cmds[i++ % 3]}" >/dev/null; n=$((n + 1)); done
		fi
		sleep 1
	done
	for i in "${!AGENTS[@]}"; do
		d=$(($(ticks "${AGENTS[i]}") - t0[i]))
		[ "$2" = 1 ] && churn_ticks[$i]=$d
		awk -v d="$d" -v hz="$hz" -v s="$SECS" -v name="$1" -v n="$n" -v bin="${BINS[i]}" \
			'BEGIN { printf "%s: %s: %.2f %% of one CPU (%d ticks in %d s, %d processes)\n", bin, name, 100 * d / hz / s, d, s, n }'
	done
}
measure idle 0
measure churn 1
if [ ${#BINS[@]} -gt 1 ]; then
	for i in "${!BINS[@]}"; do
		awk -v a="${churn_ticks[$i]}" -v b="${churn_ticks[0]}" -v bin="${BINS[i]}" \
			'BEGIN { printf "%s: churn CPU %.2fx the first binary'"'"'s\n", bin, b ? a / b : 0 }'
	done
fi
