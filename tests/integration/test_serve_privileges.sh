#!/bin/bash
# Least privilege: once sampling runs, the agent keeps only the capabilities
# it uses (every thread, bounding set too) and sets no_new_privs; it still
# symbolizes a binary that only its owner (nobody) may read, and kernel
# frames. Started without some of them, it names each one and its cost.
. "$(dirname "$0")/../lib.sh"

# CAP_DAC_READ_SEARCH (2), CAP_SYS_PTRACE (19), CAP_SYSLOG (34),
# CAP_CHECKPOINT_RESTORE (40): README "Security and reliability"
WANT=0000010400080004

mkdir -p "$TMP/private"
cp "$WORKLOADS/calltree_nofp" "$TMP/private/"
chown -R 65534:65534 "$TMP/private"
chmod 0700 "$TMP/private" "$TMP/private/calltree_nofp"
chmod 0755 "$TMP"

PORT=$(free_port)
URL=http://127.0.0.1:$PORT
bg "$BPFPROF" serve --listen "127.0.0.1:$PORT" --data-dir "$TMP/data" -F 199 --window 1s \
	2>"$TMP/agent.err"
AGENT=$LAST_PID
wait_http "$URL/healthz" 10 && pass starts || fail starts "no /healthz: $(cat "$TMP/agent.err")"

bad=""
for t in /proc/$AGENT/task/*; do
	eff=$(awk '/^CapEff:/ { print $2 }' "$t/status")
	bnd=$(awk '/^CapBnd:/ { print $2 }' "$t/status")
	[ "$eff" = "$WANT" ] && [ "$bnd" = "$WANT" ] || bad="$bad $(basename "$t"):$eff/$bnd"
done
[ -d /proc/$AGENT/task ] && [ -z "$bad" ] && pass capabilities-dropped \
	|| fail capabilities-dropped "want $WANT in every thread, got$bad"
grep -q '^NoNewPrivs:[[:space:]]*1' /proc/$AGENT/status 2>/dev/null && pass no-new-privs \
	|| fail no-new-privs "$(grep NoNewPrivs /proc/$AGENT/status 2>&1)"

# started after the drop: its maps, its file and its tables still load
bg setpriv --reuid=65534 --regid=65534 --clear-groups "$TMP/private/calltree_nofp" 30
WL=$LAST_PID
bg "$WORKLOADS/syscall_loop" 30
# from the first complete stack on (bounded: without its table it never comes),
# until 500 samples: its table is built after the start, later on a loaded machine
for _ in $(seq 40); do
	curl -s "$URL/api/profile?format=folded&from=-2s&pid=$WL" |
		grep -q ';main;run;stage_one;stage_two;stage_three;leaf_' && break
	sleep 0.5
done
since=$(($(date +%s%3N) + 1100))
for _ in $(seq 20); do
	sleep 1
	curl -s "$URL/api/profile?format=folded&from=$since&pid=$WL" >"$TMP/private.folded"
	n=$(total "$TMP/private.folded")
	[ "$n" -ge 500 ] && break
done
full=$(share "$TMP/private.folded" ';main;run;stage_one;stage_two;stage_three;leaf_(alpha|beta|gamma)(;|$)')
[ "$n" -ge 100 ] && ge "$full" 80 && pass other-users-private-binary \
	|| fail other-users-private-binary "$n samples, $full % with the full path"
curl -s "$URL/api/profile?format=folded&from=-1m&comm=syscall_loop" >"$TMP/kernel.folded"
named=$(share "$TMP/kernel.folded" '[a-z_]+_\[k\]')
ge "$named" 50 && pass kernel-names || fail kernel-names "only $named % with a named kernel frame"
kill "$AGENT"

# only what sampling itself needs: the others are named at start
PORT=$(free_port)
timeout -s INT 8 setpriv --bounding-set=-all,+bpf,+perfmon "$BPFPROF" serve \
	--listen "127.0.0.1:$PORT" --data-dir "$TMP/data2" 2>"$TMP/min.err"
missing=0
for cap in CAP_SYS_PTRACE CAP_DAC_READ_SEARCH CAP_CHECKPOINT_RESTORE CAP_SYSLOG; do
	grep -q "without $cap:" "$TMP/min.err" || missing=$((missing + 1))
done
[ $missing -eq 0 ] && grep -q 'open http' "$TMP/min.err" && pass names-missing-caps \
	|| fail names-missing-caps "$missing capabilities not named: $(head -c 600 "$TMP/min.err")"
finish
