#!/bin/bash
# serve --push: every window reaches a Pyroscope-compatible /ingest (a receiver
# written for this test from Pyroscope's documented API, on 127.0.0.1) once,
# in order, through a 30 s outage (connection refused, then 500, then a server
# that never answers) and an agent restart; sampling and /healthz do not wait
# for the network; auth headers arrive.
. "$(dirname "$0")/../lib.sh"

PORT=$(free_port)
RPORT=$(free_port)
URL=http://127.0.0.1:$PORT
RECV=$TMP/recv
DATA=$TMP/data
AGENT= RECEIVER=
mkdir -p "$RECV" "$TMP/home" "$TMP/gocache"
export HOME=$TMP/home GOCACHE=$TMP/gocache
trap 'for p in $BG_PIDS; do kill -9 "$p" 2>/dev/null; done; wait 2>/dev/null; cleanup_tmp' EXIT

command -v go >/dev/null || { skip all "needs go (golang-go) for go tool pprof"; finish; }

start_receiver() {
	bg /usr/bin/python3 "$ROOT/tests/integration/pyroscope_receiver.py" "$RPORT" "$RECV"
	RECEIVER=$LAST_PID
	for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$RPORT") 2>/dev/null && return 0; sleep 0.1; done
	return 1
}
# a server that goes away: first it drops what it reads, unstored (a request
# it stored and then died on could not be told from one it lost)
stop_receiver() {
	echo gone > "$RECV/mode"
	sleep 1
	kill -9 "$RECEIVER" 2>/dev/null
	wait "$RECEIVER" 2>/dev/null
	RECEIVER=
}
start_agent() { # extra args...
	bg "$BPFPROF" serve --listen "127.0.0.1:$PORT" --data-dir "$DATA" -F 99 --window 1s \
		--push "http://127.0.0.1:$RPORT" --push-group-by comm --push-timeout 2s \
		--push-backoff-max 2s --push-header X-Scope-OrgID=tenant-7 "$@" 2>>"$TMP/agent.err"
	AGENT=$LAST_PID
	wait_http "$URL/healthz" 15
}
stop_agent() {
	kill -TERM "$AGENT" 2>/dev/null
	for _ in $(seq 100); do kill -0 "$AGENT" 2>/dev/null || break; sleep 0.1; done
	kill -9 "$AGENT" 2>/dev/null
	wait "$AGENT" 2>/dev/null
	AGENT=
}
metric() { curl -s -m 5 "$URL/metrics" | awk -v k="$1" '$1 == k { print $2 }'; }
windows() { ls "$DATA" | grep -c '\.win\.gz$'; }
ok_requests() { grep -c '"status": 200' "$RECV/requests.jsonl" 2>/dev/null || echo 0; }

# outage PHASE: 10 s of the receiver in its mode; windows keep closing (3 in
# 10 s at least: a main loop held by the network would close none; the bound
# leaves room for a loaded machine) and /healthz answers within 2 s all
# along; failures counted
outage() {
	local w0 f0 slow=0 t0 t1
	w0=$(windows) f0=$(metric bpfprof_push_failed_total)
	for _ in 1 2 3 4 5; do
		t0=$(date +%s%N)
		curl -s -m 2 -o /dev/null "$URL/healthz" || slow=$((slow + 1))
		t1=$(date +%s%N)
		[ $(((t1 - t0) / 1000000)) -lt 2000 ] || slow=$((slow + 1))
		sleep 2
	done
	local w1 f1
	w1=$(windows) f1=$(metric bpfprof_push_failed_total)
	[ $((w1 - w0)) -ge 3 ] && [ "$slow" -eq 0 ] && pass "$1-sampling-on-time" \
		|| fail "$1-sampling-on-time" "$((w1 - w0)) windows closed in 10 s, $slow slow /healthz"
	[ "${f1:-0}" -gt "${f0:-0}" ] && pass "$1-counted-failed" \
		|| fail "$1-counted-failed" "bpfprof_push_failed_total $f0 -> $f1"
}

printf 'secret-token-1\n' > "$TMP/token" && chmod 600 "$TMP/token"
printf 'user42:pa55word\n' > "$TMP/basic" && chmod 600 "$TMP/basic"

bg "$WORKLOADS/calltree" 120
start_receiver || { fail receiver "the test receiver did not start"; finish; }
start_agent --push-token-file "$TMP/token" && pass starts \
	|| { fail starts "no /healthz: $(cat "$TMP/agent.err")"; finish; }
for _ in $(seq 150); do [ "$(ok_requests)" -ge 6 ] && break; sleep 0.1; done
[ "$(ok_requests)" -ge 6 ] && pass pushes || fail pushes "$(ok_requests) requests taken in 15 s"

# --- outage: refused (with an agent restart in it), 500, a hanging server ----
stop_receiver
sleep 3
stop_agent # its last windows stay queued on disk: the next run pushes them
# from= is whole seconds: the next run's first window starts in a later second
# than this run's last (else both go as the same series and second, which the
# checks below would count as one window pushed twice)
sleep 1.1
start_agent --push-basic-auth-file "$TMP/basic" || fail restart "no /healthz after restart"
sleep 4
f=$(metric bpfprof_push_failed_total)
[ "${f:-0}" -gt 0 ] && pass refused-counted-failed || fail refused-counted-failed "failed=$f"
echo 500 > "$RECV/mode"
start_receiver || fail receiver "did not restart"
outage answers-500
echo hang > "$RECV/mode"
outage hangs
echo ok > "$RECV/mode"
back=$(date +%s)

# --- catch-up: every window of both runs, once, the same samples --------------
# until a request after the recovery was taken and nothing is queued (60 s at most)
caught_up() {
	[ "$(metric bpfprof_push_queued_bytes)" = 0 ] &&
		[ "$(grep '"status": 200' "$RECV/requests.jsonl" | tail -1 |
			sed -n 's/.*"t": \([0-9]*\).*/\1/p')" -ge "$back" ] 2>/dev/null
}
for _ in $(seq 600); do caught_up && break; sleep 0.1; done
caught_up && pass catches-up \
	|| fail catches-up "still $(metric bpfprof_push_queued_bytes) bytes queued 60 s after the recovery"

# every history window with samples that starts before the newest pushed one
ls "$DATA" | grep '\.win\.gz$' > "$TMP/windows.txt"
/usr/bin/python3 - "$RECV" "$TMP/windows.txt" "$TMP" <<'PY' > "$TMP/check.txt"
import base64, json, os, re, sys
recv, wins, tmp = sys.argv[1:4]
reqs = [json.loads(l) for l in open(os.path.join(recv, "requests.jsonl"))]
ok = [r for r in reqs if r["status"] == 200]
last = max(int(r["query"]["from"]) for r in ok)
hist = {}
for name in open(wins).read().split():
    s, e, n = name[:-len(".win.gz")].split("-")
    s, e, n = int(s), int(e), int(n)
    if n > 0 and s // 1000 < last:
        hist[s // 1000] = (max(e // 1000, s // 1000 + 1), n)
pushed = [r for r in ok if int(r["query"]["from"]) < last]
keys = [(r["query"]["from"], r["query"]["name"]) for r in pushed]
spans = {int(r["query"]["from"]): int(r["query"]["until"]) for r in pushed}
missing = sorted(set(hist) - set(spans))
extra = sorted(set(spans) - set(hist))
wrong_until = [f for f in spans if f in hist and spans[f] != hist[f][0]]
print("windows", len(hist), "requests", len(pushed))
print("twice", len(keys) - len(set(keys)))
print("missing", len(missing), missing[:5])
print("extra", len(extra), extra[:5])
print("wrong_until", len(wrong_until))
print("history_samples", sum(n for _, n in hist.values()))
params = all(r["query"].get("format") == "pprof" and r["query"].get("spyName") == "bpfprof"
             and r["query"].get("sampleRate") == "99" and r["path"] == "/ingest"
             and r["content_type"] == "multipart/form-data" for r in ok)
print("params", int(params))
# grouped by comm; the name carries the labels its samples share
print("calltree_series", int(any(re.fullmatch(r"calltree\.cpu\{host=[^,{}]+,(service=[^,{}]+,)?exe=[^,{}]*/calltree,comm=calltree\}",
                                              r["query"]["name"]) for r in ok)))
bearer = "Bearer secret-token-1"
basic = "Basic " + base64.b64encode(b"user42:pa55word").decode()
auth = {r["authorization"] for r in ok}
print("auth", int(auth == {bearer, basic}), " ".join(sorted(str(a)[:6] for a in auth)))
print("orgid", int(all(r["orgid"] == "tenant-7" for r in ok)))
with open(os.path.join(tmp, "bodies.txt"), "w") as f:
    for r in pushed:
        f.write(os.path.join(recv, "%s.pprof" % r["n"]) + "\n")
# per window, for a diagnosis: FROM SAMPLES BODY...
with open(os.path.join(tmp, "perwindow.txt"), "w") as f:
    for s in sorted(hist):
        f.write("%d %d %s\n" % (s, hist[s][1], " ".join(os.path.join(recv, "%s.pprof" % r["n"])
                                                      for r in pushed if int(r["query"]["from"]) == s)))
PY
val() { awk -v k="$1" '$1 == k { print $2 }' "$TMP/check.txt"; }
echo "# push: $(head -1 "$TMP/check.txt"), $(val history_samples) samples in the history"
[ "$(val twice)" = 0 ] && pass nothing-twice || fail nothing-twice "$(val twice) series pushed twice"
[ "$(val missing)" = 0 ] && [ "$(val extra)" = 0 ] && [ "$(val wrong_until)" = 0 ] \
	&& [ "$(val windows)" -ge 15 ] && pass every-window-once \
	|| fail every-window-once "$(tr '\n' ' ' < "$TMP/check.txt")"
# pprof_samples FILE...: the samples of the profiles, merged by go tool pprof
pprof_samples() {
	go tool pprof -raw "$@" 2>/dev/null |
		awk '/^Samples:/ { s = 1; next } /^Locations/ { s = 0 } s && $2 ~ /^[0-9]+:$/ { t += $1 } END { print t + 0 }'
}
mapfile -t bodies < "$TMP/bodies.txt"
pushed=$(pprof_samples "${bodies[@]}")
if [ "$pushed" -gt 0 ] && [ "$pushed" = "$(val history_samples)" ]; then
	pass samples-equal-history
else # name the windows that differ
	diffs=$(while read -r from n files; do
		got=$(pprof_samples $files)
		[ "$got" = "$n" ] || echo "from=$from history=$n pushed=$got"
	done < "$TMP/perwindow.txt" | head -5 | tr '\n' ' ')
	fail samples-equal-history "pushed $pushed samples (go tool pprof), the history holds $(val history_samples); $diffs"
fi
[ "$(val params)" = 1 ] && [ "$(val calltree_series)" = 1 ] && pass ingest-parameters \
	|| fail ingest-parameters "$(tr '\n' ' ' < "$TMP/check.txt")"
[ "$(val auth)" = 1 ] && [ "$(val orgid)" = 1 ] && pass auth-headers \
	|| fail auth-headers "$(grep -E '^(auth|orgid)' "$TMP/check.txt" | tr '\n' ' ')"
drops=$(curl -s -m 5 "$URL/metrics" | awk '/^bpfprof_push_dropped_samples_total/ { t += $2 } END { print t + 0 }')
[ "$drops" = 0 ] && [ "$(metric bpfprof_push_requests_total)" -gt 0 ] && pass nothing-dropped \
	|| fail nothing-dropped "dropped $drops, requests $(metric bpfprof_push_requests_total)"
grep -q 'secret-token-1\|pa55word' "$TMP/agent.err" && fail secrets-not-logged "a secret is in the log" \
	|| pass secrets-not-logged
stop_agent

# --- the queue bound: a store that stays away, a 16 KiB queue ----------------
# (another URL: a cursor of its own, from the windows closed from now on)
DEAD=$(free_port)
bg "$BPFPROF" serve --listen "127.0.0.1:$PORT" --data-dir "$DATA" -F 99 --window 1s \
	--push "http://127.0.0.1:$DEAD" --push-queue 16K --push-backoff-max 1s 2>>"$TMP/agent3.err"
AGENT=$LAST_PID
wait_http "$URL/healthz" 15 || fail queue-bound "no /healthz: $(cat "$TMP/agent3.err")"
for _ in $(seq 150); do
	d=$(metric 'bpfprof_push_dropped_windows_total{reason="queue_full"}')
	[ "${d:-0}" -ge 1 ] && break
	sleep 0.1
done
q=$(metric bpfprof_push_queued_bytes)
ds=$(metric 'bpfprof_push_dropped_samples_total{reason="queue_full"}')
# the bound holds after each drop; a window closed since may sit over it
[ "${d:-0}" -ge 1 ] && [ "${ds:-0}" -gt 0 ] && [ "${q:-999999}" -le $((16384 + 65536)) ] \
	&& grep -q 'queue over 16384 bytes' "$TMP/agent3.err" && pass queue-bound-drops-counted \
	|| fail queue-bound-drops-counted "dropped $d windows ($ds samples), queued $q bytes; log: $(tail -2 "$TMP/agent3.err")"
stop_agent
finish
