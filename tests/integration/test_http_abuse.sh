#!/bin/bash
# The agent's HTTP server under abusive and merely numerous clients: profile
# requests whose clients died give their slot back; they do not cut the
# history into tiny windows and hold exactly the samples of their seconds;
# a client trickling its head gets 408; a full server answers a clean 503
# (and /healthz, /metrics still answer); 30 concurrent clients are all
# served; a token guards every endpoint but /healthz; a non-loopback listen
# needs a token. All clients talk to 127.0.0.1; every wait is bounded.
. "$(dirname "$0")/../lib.sh"

command -v curl >/dev/null || { skip curl "curl not installed"; finish; }
command -v python3 >/dev/null || { skip python3 "python3 not installed"; finish; }
PORT=$(free_port)
URL=http://127.0.0.1:$PORT
HZ=49

# PORT's sockets of the agent still waiting for it to close them
close_wait() { ss -Htan state close-wait "( sport = :$PORT )" | wc -l; }
# code URL [CURL ARGS...]: the HTTP status curl saw (000: no answer, a reset)
code() { local u=$1; shift; curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$@" "$u"; }
# established N: wait (10 s at most) until the agent holds N connections
established() {
	for _ in $(seq 100); do
		[ "$(ss -Htan state established "( sport = :$PORT )" | wc -l)" -ge "$1" ] && return 0
		sleep 0.1
	done
	return 1
}
# metric NAME_WITH_LABELS: its value in /metrics
metric() { curl -s --max-time 10 "$URL/metrics" | awk -v m="$1" '$1 == m { print $2 }'; }

# N clients each sending one byte of a request head every 5 s, for at most
# LIMIT s: prints how many got a 408, and the latest time one came
cat >"$TMP/slowloris.py" <<'EOF'
import select, socket, sys, time
port, n, limit = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
req = b"GET /api/info HTTP/1.1\r\nHost: 127.0.0.1\r\n"
socks = [socket.create_connection(("127.0.0.1", port), timeout=2) for _ in range(n)]
for s in socks:
    s.setblocking(False)
got, t0, sent, next_send = {}, time.time(), 0, time.time()
while time.time() - t0 < limit and len(got) < n:
    if time.time() >= next_send and sent < len(req):
        for s in socks:
            if s not in got:
                try:
                    s.send(req[sent:sent + 1])
                except OSError:
                    pass
        sent += 1
        next_send += 5
    live = [s for s in socks if s not in got]
    r, _, _ = select.select(live, [], [], 0.2)
    for s in r:
        try:
            data = s.recv(4096)
        except OSError:
            data = b"reset"
        got[s] = (time.time() - t0, data)
n408 = sum(1 for t, d in got.values() if d.startswith(b"HTTP/1.1 408"))
latest = max([t for t, d in got.values()] or [0])
print(n408, "%.1f" % latest)
EOF

# N clients (threads) each sending R requests for PATH one after the other,
# reconnecting at once: prints "CODE:COUNT ..." of the answers
cat >"$TMP/clients.py" <<'EOF'
import socket, sys, threading, collections
port, nclients, nreq, path = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
codes = collections.Counter()
lock = threading.Lock()
def client():
    for _ in range(nreq):
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=20)
            s.sendall(("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" % path).encode())
            data = b""
            while len(data) < 1 << 24:
                b = s.recv(65536)
                if not b:
                    break
                data += b
            s.close()
            code = data[9:12].decode() if data.startswith(b"HTTP/1.") else "none"
        except OSError as e:
            code = type(e).__name__
        with lock:
            codes[code] += 1
ts = [threading.Thread(target=client) for _ in range(nclients)]
for t in ts: t.start()
for t in ts: t.join()
print(" ".join("%s:%d" % kv for kv in sorted(codes.items())))
EOF

# a name of its own: other tests may run calltree on this machine meanwhile
WLNAME=httpab$$
cp "$WORKLOADS/calltree" "$TMP/$WLNAME"
bg "$TMP/$WLNAME" 120
WL=$LAST_PID
bg "$BPFPROF" serve --listen "127.0.0.1:$PORT" --data-dir "$TMP/data" -F $HZ --window 2s 2>"$TMP/agent.err"
AGENT=$LAST_PID
if ! wait_http "$URL/healthz" 15; then
	fail starts "agent did not start: $(cat "$TMP/agent.err")"
	finish
fi

# --- DNS rebinding: without a token, only requests to a loopback name --------
# (a page of evil.example that a browser here opened, its name pointed at
# 127.0.0.1, sends "Host: evil.example:PORT")
ok=1
for h in "evil.example:$PORT" "127.0.0.1.evil.example"; do
	c=$(code "$URL/api/processes" -H "Host: $h")
	[ "$c" = 403 ] || { ok=0; fail rebinding-refused "Host: $h got $c"; }
done
for h in "localhost:$PORT" "127.0.0.1:$PORT" "[::1]:$PORT"; do
	c=$(code "$URL/api/info" -H "Host: $h")
	[ "$c" = 200 ] || { ok=0; fail loopback-host-served "Host: $h got $c"; }
done
[ $ok -eq 1 ] && pass rebinding-refused && pass loopback-host-served

# --- seconds is capped, and says so ------------------------------------------
body=$(curl -s --max-time 5 -w ' %{http_code}' "$URL/debug/pprof/profile?seconds=600")
case "$body" in
*"300"*" 400") pass seconds-capped ;;
*) fail seconds-capped "seconds=600: '$body' (want 400 naming the 300 s cap)" ;;
esac
"$BPFPROF" serve --help | grep -q 'N is 1 to 300' && pass seconds-cap-in-help \
	|| fail seconds-cap-in-help "serve --help does not give the range of seconds"

# --- overlapping pprof requests close no window -------------------------------
# three 3 s requests, 1 s apart, while the workload spins one CPU; its CPU
# time is logged, to compare with each request's exact interval
bg cpu_log "$WL" 25 >"$TMP/cpu.log"
sleep 0.3
for i in 1 2 3; do
	bg curl -s --max-time 20 -o "$TMP/p$i.pb.gz" "$URL/debug/pprof/profile?seconds=3"
	eval "CURL$i=\$LAST_PID"
	sleep 1
done
wait "$CURL1" "$CURL2" "$CURL3"
sleep 4.5 # two more windows: the ones the requests overlapped are closed
# windows are START-END-SAMPLES.win.gz; leave out the first (started with the
# agent) and the last (may have been cut by nothing yet)
ls "$TMP/data" | sed -n 's/^\([0-9]*\)-\([0-9]*\)-\([0-9]*\)\.win\.gz$/\1 \2 \3/p' | sort -n >"$TMP/windows"
nwin=$(wc -l <"$TMP/windows")
# (what matters is that none is cut short; one may close late behind a slow
# write or a new binary's symbols on a loaded machine)
bad=$(awk 'NR > 1 { if ($2 - $1 < 1500 || $2 - $1 > 4500) printf "%d-ms ", $2 - $1 }' "$TMP/windows")
gaps=$(awk 'NR > 1 && $1 != prev { n++ } { prev = $2 } END { print n + 0 }' "$TMP/windows")
if [ "$nwin" -lt 4 ]; then
	fail windows-whole "only $nwin windows in the history: $(tr '\n' ' ' <"$TMP/windows")"
elif [ -n "$bad" ] || [ "$gaps" -ne 0 ]; then
	fail windows-whole "windows of --window 2s: $bad; $gaps gaps"
else
	pass windows-whole
fi
# each request's workload samples match the workload's CPU over its interval
ok=0
for i in 1 2 3; do
	read -r start dur < <(pprof_span "$TMP/p$i.pb.gz" 2>/dev/null)
	"$BPFPROF" convert "$TMP/p$i.pb.gz" -f folded >"$TMP/p$i.folded" 2>/dev/null
	n=$(grep "^$WLNAME;" "$TMP/p$i.folded" | total /dev/stdin)
	cpu=$(cpu_between "$TMP/cpu.log" "${start:-0}" "$((${start:-0} + ${dur:-0}))")
	want=$(awk -v c="${cpu:-0}" -v hz=$HZ 'BEGIN { printf "%.0f", c * hz }')
	if [ "${dur:-0}" -lt 2500000000 ] || [ "${dur:-0}" -gt 4500000000 ]; then
		fail "pprof-$i-samples" "duration ${dur:-none} ns for seconds=3"
	elif [ -z "$cpu" ]; then
		fail "pprof-$i-samples" "the CPU log does not cover the request's interval"
	elif ! ge "$want" 25; then
		fail "pprof-$i-samples" "the workload got $cpu CPU s: too little to compare"
	elif within "$n" "$want" "$(awk -v w="$want" 'BEGIN { print 0.15 * w + 5 }')"; then
		ok=$((ok + 1))
	else
		fail "pprof-$i-samples" "$n workload samples in $dur ns, want about $want ($cpu CPU s x $HZ Hz)"
	fi
done
[ "$ok" -eq 3 ] && pass pprof-samples-match
# the history holds every sample once: its workload samples match the CPU
# (the windows the CPU log covers)
log0=$(awk 'NR == 1 { printf "%.0f", $1 / 1e6 }' "$TMP/cpu.log"); log1=$(awk 'END { printf "%.0f", $1 / 1e6 }' "$TMP/cpu.log")
first=$(awk -v l="$log0" '$1 >= l { print $1; exit }' "$TMP/windows")
last=$(awk -v l="$log1" '$2 <= l { e = $2 } END { print e }' "$TMP/windows")
curl -s --max-time 10 -o "$TMP/hist.folded" "$URL/api/profile?from=$((first + 1))&to=$((last - 1))&format=folded"
hn=$(grep "^$WLNAME;" "$TMP/hist.folded" | total /dev/stdin)
hcpu=$(cpu_between "$TMP/cpu.log" "${first}000000" "${last}000000")
hwant=$(awk -v c="${hcpu:-0}" -v hz=$HZ 'BEGIN { printf "%.0f", c * hz }')
if ge "$hwant" 100 && within "$hn" "$hwant" "$(awk -v w="$hwant" 'BEGIN { print 0.2 * w + 5 }')"; then
	pass history-once
else
	fail history-once "$hn workload samples in the history's $((last - first)) ms, want about $hwant (${hcpu:-no} CPU s logged)"
fi

# --- 30 well-behaved concurrent clients are all served ------------------------
for c in $(seq 30); do
	bg bash -c "for j in \$(seq 10); do curl -s -o /dev/null -w '%{http_code}\n' --max-time 20 '$URL/api/profile?from=-1m'; done >'$TMP/conc.$c'"
	eval "C$c=\$LAST_PID"
done
for c in $(seq 30); do eval "wait \$C$c"; done
answers=$(cat "$TMP"/conc.* | wc -l); non200=$(cat "$TMP"/conc.* | grep -vc '^200$')
[ "$answers" -eq 300 ] && [ "$non200" -eq 0 ] && pass concurrent-all-served \
	|| fail concurrent-all-served "$non200 of $answers answers were not 200: $(cat "$TMP"/conc.* | sort | uniq -c | tr '\n' ' ')"

# more clients than workers: the queue absorbs them (the base binary reset
# or 503'd a third of 40 such clients)
got=$(timeout 120 python3 "$TMP/clients.py" "$PORT" 40 10 "/api/profile?from=-1m")
[ "$got" = "200:400" ] && pass burst-all-served || fail burst-all-served "40 clients x 10 requests: $got"

# --- a head trickled byte by byte gets 408 in 10 s; others are served meanwhile
python3 "$TMP/slowloris.py" "$PORT" 32 16 >"$TMP/slow.out" 2>&1 &
SLOW=$!
BG_PIDS="$BG_PIDS $SLOW"
sleep 2
c=$(code "$URL/api/info")
[ "$c" = 200 ] && pass served-during-slowloris || fail served-during-slowloris "/api/info: $c"
wait "$SLOW"
read -r n408 latest <"$TMP/slow.out"
[ "${n408:-0}" -eq 32 ] && ! ge "$latest" 14 && pass head-deadline \
	|| fail head-deadline "$(cat "$TMP/slow.out") (want 32 answered 408 within about 10 s)"

# --- a full server answers a clean 503; /healthz and /metrics still answer ----
for c in $(seq 32); do
	bg curl -s -o /dev/null --max-time 20 "$URL/debug/pprof/profile?seconds=8"
	eval "F$c=\$LAST_PID"
done
established 32; sleep 0.5 # all heads read
c=$(curl -s -o /dev/null -D "$TMP/busy.head" -w '%{http_code}' --max-time 10 "$URL/api/info")
[ "$c" = 503 ] && grep -qi '^Retry-After:' "$TMP/busy.head" && pass busy-503 \
	|| fail busy-503 "/api/info on a full server: '$c' $(head -3 "$TMP/busy.head" 2>/dev/null | tr -d '\r' | tr '\n' ' ')"
[ "$(code "$URL/healthz")" = 200 ] && [ "$(code "$URL/metrics")" = 200 ] && pass cheap-when-full \
	|| fail cheap-when-full "/healthz or /metrics not answered on a full server"
for c in $(seq 32); do eval "wait \$F$c"; done

# --- abandoned profile requests give their slots back -------------------------
gone0=$(metric 'bpfprof_http_refused_total{reason="client_gone"}')
ABANDON=""
for c in $(seq 32); do
	bg curl -s -o /dev/null --max-time 300 "$URL/debug/pprof/profile?seconds=300"
	ABANDON="$ABANDON $LAST_PID"
done
established 32; sleep 1
{ kill -9 $ABANDON; wait $ABANDON; } 2>/dev/null
freed=""
for i in $(seq 20); do # 5 s at most
	sleep 0.25
	[ "$(close_wait)" -eq 0 ] && [ "$(code "$URL/api/info" --max-time 2)" = 200 ] && { freed=$i; break; }
done
[ -n "$freed" ] && pass abandoned-freed \
	|| fail abandoned-freed "5 s after 32 clients died: $(close_wait) sockets in CLOSE-WAIT, /api/info $(code "$URL/api/info" --max-time 2)"
gone1=$(metric 'bpfprof_http_refused_total{reason="client_gone"}')
[ -n "$gone1" ] && [ $((gone1 - ${gone0:-0})) -ge 28 ] && pass client-gone-counted \
	|| fail client-gone-counted "client_gone ${gone0:-none} -> ${gone1:-none}"
kill -TERM "$AGENT"; wait "$AGENT"

# --- options: ports, non-loopback, token file ---------------------------------
"$BPFPROF" serve --listen 127.0.0.1:99999 --data-dir "$TMP/d2" >/dev/null 2>"$TMP/o.err"
rc=$?
[ $rc -eq 2 ] && grep -q '1-65535' "$TMP/o.err" && pass port-range || fail port-range "rc $rc: $(cat "$TMP/o.err")"
timeout 10 "$BPFPROF" serve --listen ":$PORT" --data-dir "$TMP/d2" >/dev/null 2>"$TMP/o.err"
rc=$?
[ $rc -eq 2 ] && [ "$(wc -l <"$TMP/o.err")" -eq 1 ] && grep -q 'token-file' "$TMP/o.err" && pass nonloopback-refused \
	|| fail nonloopback-refused "rc $rc: $(cat "$TMP/o.err")"
printf 'secret\n' >"$TMP/tok.644"; chmod 644 "$TMP/tok.644"
: >"$TMP/tok.empty"; chmod 600 "$TMP/tok.empty"
mkfifo -m 600 "$TMP/tok.fifo"
for f in tok.644:group tok.empty:empty tok.fifo:regular; do
	timeout 10 "$BPFPROF" serve --token-file "$TMP/${f%%:*}" --listen "127.0.0.1:$PORT" --data-dir "$TMP/d2" >/dev/null 2>"$TMP/o.err"
	rc=$?
	[ $rc -eq 2 ] && grep -q "${f##*:}" "$TMP/o.err" && pass "token-file-refused-${f%%:*}" \
		|| fail "token-file-refused-${f%%:*}" "rc $rc: $(cat "$TMP/o.err")"
done

TOKEN=tok-$RANDOM$RANDOM$RANDOM
printf '%s\n' "$TOKEN" >"$TMP/token"; chmod 600 "$TMP/token"
bg "$BPFPROF" serve --listen "127.0.0.1:$PORT" --token-file "$TMP/token" --data-dir "$TMP/data" -F $HZ --window 2s 2>"$TMP/agent2.err"
AGENT=$LAST_PID
if ! wait_http "$URL/healthz" 15; then
	fail token-agent-starts "$(cat "$TMP/agent2.err")"
	finish
fi
pass healthz-open
c=$(curl -s -o /dev/null -D "$TMP/401.head" -w '%{http_code}' --max-time 10 "$URL/metrics")
[ "$c" = 401 ] && grep -qi '^WWW-Authenticate: Bearer' "$TMP/401.head" && pass token-needed \
	|| fail token-needed "/metrics without a token: $c"
[ "$(code "$URL/api/info" -H "Authorization: Bearer wrong")" = 401 ] && pass token-wrong-refused \
	|| fail token-wrong-refused "a wrong token was let in"
[ "$(code "$URL/api/info" -H "Authorization: Bearer ${TOKEN}x")" = 401 ] && pass token-longer-refused \
	|| fail token-longer-refused "a token with one more byte was let in"
ok=1
for path in /metrics /api/info "/api/timeline?from=-1m" /debug/pprof/profile?seconds=1 /; do
	c=$(code "$URL$path" -H "Authorization: Bearer $TOKEN")
	[ "$c" = 200 ] || { ok=0; fail token-accepted "$path with the token: $c"; }
	c=$(code "$URL$path")
	[ "$c" = 401 ] || { ok=0; fail token-everywhere "$path without the token: $c"; }
done
[ $ok -eq 1 ] && pass token-accepted && pass token-everywhere
# with a token, any Host (a proxy, a node name): the token is the guard
c=$(code "$URL/api/info" -H "Authorization: Bearer $TOKEN" -H "Host: node-7.example:$PORT")
[ "$c" = 200 ] && pass token-any-host || fail token-any-host "$c"
unauth=$(curl -s --max-time 10 -H "Authorization: Bearer $TOKEN" "$URL/metrics" | awk '$1 == "bpfprof_http_refused_total{reason=\"unauthorized\"}" { print $2 }')
[ "${unauth:-0}" -ge 7 ] && pass unauthorized-counted || fail unauthorized-counted "unauthorized: ${unauth:-none}"
kill -TERM "$AGENT"; wait "$AGENT"
kill "$WL" 2>/dev/null
finish
