#!/bin/bash
# The agent speaks Go's /debug/pprof/profile: `go tool pprof` reads it, and
# it holds exactly the samples of the requested seconds, with labels.
. "$(dirname "$0")/../lib.sh"

command -v go >/dev/null || { skip go-tool-pprof "golang-go not installed"; finish; }
export HOME=$TMP/home GOCACHE=$TMP/gocache
mkdir -p "$HOME" "$GOCACHE"
PORT=$(free_port)
URL=http://127.0.0.1:$PORT

bg "$WORKLOADS/calltree" 60
WL=$LAST_PID
bg "$BPFPROF" serve --listen "127.0.0.1:$PORT" --data-dir "$TMP/data" -F 49 --window 10s 2>"$TMP/agent.err"
AGENT=$LAST_PID
wait_http "$URL/healthz" 10 || fail starts "agent did not start: $(cat "$TMP/agent.err")"

start=$(date +%s%N)
go tool pprof -top "$URL/debug/pprof/profile?seconds=3" >"$TMP/top" 2>"$TMP/pprof.err"
rc=$?
took=$((($(date +%s%N) - start) / 1000000))
[ $rc -eq 0 ] && pass go-tool-pprof || fail go-tool-pprof "rc $rc: $(tail -3 "$TMP/pprof.err")"
# 3 s asked, with a 10 s window: the handler closes windows itself
[ "$took" -ge 3000 ] && [ "$took" -lt 9000 ] && pass seconds-honoured \
	|| fail seconds-honoured "took $took ms for seconds=3"
grep -q 'leaf_alpha' "$TMP/top" && pass lists-hot-function || fail lists-hot-function "no leaf_alpha: $(head -12 "$TMP/top")"
grep -q 'Type: cpu' "$TMP/top" && pass cpu-type || fail cpu-type "not a cpu profile: $(head -5 "$TMP/top")"

# labels and a duration close to 3 s, from the raw download
curl -s -o "$TMP/p.pb.gz" "$URL/debug/pprof/profile?seconds=2"
go tool pprof -raw "$TMP/p.pb.gz" >"$TMP/raw" 2>>"$TMP/pprof.err"
grep -q 'comm:\[calltree\]' "$TMP/raw" && grep -q "pid:\[$WL\]" "$TMP/raw" && pass labels \
	|| fail labels "no comm/pid labels in -raw output"
n=$(awk '/^Samples:/ { s = 1; next } s && /^ *[0-9]+ +[0-9]+: / { t += $1 } END { print t + 0 }' "$TMP/raw")
# one CPU busy for 2 s at 49 Hz is ~98 samples of the workload; a second window
# or a lost one would double or zero it
ge "$n" 40 && ! ge "$n" 400 && pass exact-window || fail exact-window "$n samples for seconds=2"
kill -TERM "$AGENT"; wait "$AGENT"
finish
