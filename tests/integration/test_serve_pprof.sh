#!/bin/bash
# The agent speaks Go's /debug/pprof/profile: `go tool pprof` reads it, and
# it holds exactly the samples of the requested seconds, with labels.
. "$(dirname "$0")/../lib.sh"

command -v go >/dev/null || { skip go-tool-pprof "golang-go not installed"; finish; }
export HOME=$TMP/home GOCACHE=$TMP/gocache
mkdir -p "$HOME" "$GOCACHE"
PORT=$(free_port)
URL=http://127.0.0.1:$PORT

# a name of its own: the agent sees the whole machine, where other tests may
# run calltree too
WLNAME=pprof$$
cp "$WORKLOADS/calltree" "$TMP/$WLNAME"
bg "$TMP/$WLNAME" 60
WL=$LAST_PID
bg "$BPFPROF" serve --listen "127.0.0.1:$PORT" --data-dir "$TMP/data" -F 49 --window 1h 2>"$TMP/agent.err"
AGENT=$LAST_PID
wait_http "$URL/healthz" 10 || fail starts "agent did not start: $(cat "$TMP/agent.err")"

start=$(date +%s%N)
go tool pprof -top "$URL/debug/pprof/profile?seconds=3" >"$TMP/top" 2>"$TMP/pprof.err"
rc=$?
took=$((($(date +%s%N) - start) / 1000000))
[ $rc -eq 0 ] && pass go-tool-pprof || fail go-tool-pprof "rc $rc: $(tail -3 "$TMP/pprof.err")"
# 3 s asked, with a window of an hour: the request takes the samples of its
# own seconds, without waiting for a window (go tool pprof's own start-up and
# symbolization attempts are in the time too)
[ "$took" -ge 3000 ] && [ "$took" -lt 15000 ] && pass seconds-honoured \
	|| fail seconds-honoured "took $took ms for seconds=3"
grep -q 'leaf_alpha' "$TMP/top" && pass lists-hot-function || fail lists-hot-function "no leaf_alpha: $(head -12 "$TMP/top")"
grep -q 'Type: cpu' "$TMP/top" && pass cpu-type || fail cpu-type "not a cpu profile: $(head -5 "$TMP/top")"

# labels, and exactly the samples of the seconds asked, from the raw download
bg cpu_log "$WL" 10 >"$TMP/cpu.log"
sleep 0.3
curl -s --max-time 20 -o "$TMP/p.pb.gz" "$URL/debug/pprof/profile?seconds=2"
go tool pprof -raw "$TMP/p.pb.gz" >"$TMP/raw" 2>>"$TMP/pprof.err"
grep -q "comm:\[$WLNAME\]" "$TMP/raw" && grep -q "pid:\[$WL\]" "$TMP/raw" && pass labels \
	|| fail labels "no comm/pid labels in -raw output"
# the workload's samples: its CPU over the profile's duration at 49 Hz (on a
# loaded machine it gets less than a CPU, and so fewer samples, which is
# right); a second window or a lost one would double or zero them
"$BPFPROF" convert "$TMP/p.pb.gz" -f folded >"$TMP/p.folded" 2>>"$TMP/pprof.err"
n=$(grep "^$WLNAME;" "$TMP/p.folded" | total /dev/stdin)
read -r start dur < <(pprof_span "$TMP/p.pb.gz")
cpu=$(cpu_between "$TMP/cpu.log" "${start:-0}" "$((${start:-0} + ${dur:-0}))")
want=$(awk -v c="${cpu:-0}" 'BEGIN { printf "%.0f", c * 49 }')
if [ "${dur:-0}" -lt 1500000000 ] || [ "${dur:-0}" -gt 3000000000 ]; then
	fail exact-window "the profile says it covers $dur ns for seconds=2"
elif ! ge "$want" 20; then
	fail exact-window "the workload got too little CPU to compare ($want samples expected)"
elif within "$n" "$want" "$(awk -v w="$want" 'BEGIN { print 0.2 * w + 5 }')"; then
	pass exact-window
else
	fail exact-window "$n workload samples in $dur ns, want about $want ($cpu CPU s x 49 Hz)"
fi
kill -TERM "$AGENT"; wait "$AGENT"
finish
