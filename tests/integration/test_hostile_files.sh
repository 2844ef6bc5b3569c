#!/bin/bash
# Files another process controls, planted by an unprivileged user (nobody):
# its perf map as a FIFO, as a symlink to a root-only file, as a huge sparse
# file or one huge line; and a JIT in a PID + mount namespace whose map is
# /tmp/perf-1.map in its own /tmp. The profiler must neither hang, nor leak,
# nor balloon, and must find the namespaced map.
. "$(dirname "$0")/../lib.sh"

JIT=$WORKLOADS/jit_loop
NOBODY="setpriv --reuid=65534 --regid=65534 --clear-groups"
[ -x "$JIT" ] || { fail setup "no $JIT (make -C tests build)"; finish; }

# start_jit SECONDS [VAR=VALUE...]: jit_loop as nobody, writing no perf map;
# sets JPID and ADDR (its code's address) once it runs.
start_jit() {
	local secs=$1
	shift
	: >"$TMP/jit.out"
	bg env JIT_NO_PERFMAP=1 "$@" $NOBODY "$JIT" "$secs" >"$TMP/jit.out"
	JPID=$LAST_PID
	ADDR=
	for _ in $(seq 50); do
		ADDR=$(awk '/^jit_loop: code/ { print $3 }' "$TMP/jit.out")
		[ -n "$ADDR" ] && return 0
		sleep 0.1
	done
	return 1
}
# stop PID: SIGTERM, up to 5 s, then SIGKILL (a process stuck in an open
# ignores SIGTERM) for it and its children.
alive() { local st; st=$(ps -o stat= -p "$1" 2>/dev/null); [ -n "$st" ] && [ "${st#Z}" = "$st" ]; }
stop() {
	kill "$1" 2>/dev/null
	for _ in $(seq 50); do alive "$1" || break; sleep 0.1; done
	pkill -KILL -P "$1" 2>/dev/null
	kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}
stop_jit() { kill "$JPID" 2>/dev/null; wait "$JPID" 2>/dev/null; rm -f "/tmp/perf-$JPID.map"; }

# record_jit NAME [TIMEOUT]: bpfprof record -p JPID -d 3 under a timeout (which
# signals bpfprof itself: SIGTERM, then SIGKILL 5 s later) and /usr/bin/time
# (whose maximum RSS covers the waited-for bpfprof); sets RC, RSS_MB, SECS;
# output in $TMP/NAME.folded, .err. stdout is not the test's: a stuck
# bpfprof must not hold the pipe of tests/run.sh.
record_jit() {
	/usr/bin/time -f 'time: %M %e' -o "$TMP/$1.time" timeout -k 5 "${2:-30}" \
		"$BPFPROF" record -p "$JPID" -F 199 -d 3 -o "$TMP/$1.folded" 2>"$TMP/$1.err" </dev/null >/dev/null
	RC=$?
	RSS_MB=$(awk '/^time:/ { printf "%d", $2 / 1024 }' "$TMP/$1.time" 2>/dev/null)
	SECS=$(awk '/^time:/ { print $3 }' "$TMP/$1.time" 2>/dev/null)
	RSS_MB=${RSS_MB:-0} SECS=${SECS:-0}
	[ -f "$TMP/$1.folded" ] || : >"$TMP/$1.folded"
}

# samples of the JIT process in a folded file (its comm is jit_loop)
jit_samples() { grep '^jit_loop;' "$1" | awk '{ t += $NF } END { print t + 0 }'; }

# --- 1. a FIFO as the perf map: record ends on time, with output ------------
if start_jit 60; then
	$NOBODY mkfifo "/tmp/perf-$JPID.map"
	record_jit fifo 20
	n=$(jit_samples "$TMP/fifo.folded")
	if [ "$RC" -eq 0 ] && [ "$n" -gt 50 ] && ge 10 "$SECS"; then pass fifo-record-ends
	else fail fifo-record-ends "exit $RC after ${SECS}s (timeout 20 s), $n samples: $(tail -c 300 "$TMP/fifo.err")"; fi
	grep -qE 'refused: [1-9][0-9]* not regular' "$TMP/fifo.err" && pass fifo-counted \
		|| fail fifo-counted "summary does not count the FIFO: $(grep -o 'files of processes.*' "$TMP/fifo.err")"

	# ... and the agent keeps writing windows while the FIFO is there
	PORT=$(free_port)
	URL=http://127.0.0.1:$PORT
	bg timeout -k 5 60 "$BPFPROF" serve --listen "127.0.0.1:$PORT" --data-dir "$TMP/data" -F 199 \
		--window 1s 2>"$TMP/serve.err" >/dev/null
	AGENT=$LAST_PID
	if wait_http "$URL/healthz" 10; then
		# a first window (bounded wait: a loaded machine starts slowly), then more
		w1=0
		for _ in $(seq 100); do
			w1=$(ls "$TMP/data" 2>/dev/null | grep -c '\.win\.gz$')
			[ "$w1" -ge 1 ] && break
			sleep 0.2
		done
		sleep 6
		w2=$(ls "$TMP/data" 2>/dev/null | grep -c '\.win\.gz$')
		if [ "$w1" -ge 1 ] && [ $((w2 - w1)) -ge 2 ]; then pass fifo-serve-windows
		else fail fifo-serve-windows "windows on disk: $w1 (after up to 20 s), then $w2 six seconds later (1 s windows)"; fi
		m=$(timeout 5 curl -s "$URL/metrics" | awk '/^bpfprof_files_refused_total\{reason="not_regular"\}/ { print $2 }')
		ge "${m:-0}" 1 && pass fifo-metric || fail fifo-metric "bpfprof_files_refused_total{reason=\"not_regular\"} is '${m}'"
	else
		fail fifo-serve-windows "agent did not start: $(tail -3 "$TMP/serve.err")"
	fi
	stop "$AGENT"
	stop_jit
else
	fail setup "jit_loop did not start as nobody: $(cat "$TMP/jit.out")"
fi

# --- 2. a symlink to a root-only file: its names never appear --------------
if start_jit 60; then
	SECRET=$TMP/root-only.map # $TMP is root's, 0700; the file 0600
	printf '%s 1000 ROOTONLY_SECRET_NAME\n7f0000000000 1000 ROOTONLY_OTHER\n' "$ADDR" >"$SECRET"
	chmod 600 "$SECRET"
	$NOBODY ln -s "$SECRET" "/tmp/perf-$JPID.map"
	record_jit symlink 30
	n=$(jit_samples "$TMP/symlink.folded")
	if [ "$n" -gt 50 ] && ! grep -q ROOTONLY "$TMP/symlink.folded"; then pass symlink-record
	else fail symlink-record "$n samples, secret names: $(grep -c ROOTONLY "$TMP/symlink.folded") lines"; fi

	PORT=$(free_port)
	URL=http://127.0.0.1:$PORT
	bg timeout -k 5 60 "$BPFPROF" serve --listen "127.0.0.1:$PORT" --data-dir "$TMP/data2" -F 199 \
		--window 1s 2>"$TMP/serve2.err" >/dev/null
	AGENT=$LAST_PID
	if wait_http "$URL/healthz" 10; then
		sleep 4
		timeout 10 curl -s "$URL/api/profile?format=folded&from=-1m&pid=$JPID" >"$TMP/api.folded"
		timeout 10 curl -s "$URL/api/profile?format=json&from=-1m" >"$TMP/api.json"
		n=$(jit_samples "$TMP/api.folded")
		if [ "$n" -gt 50 ] && ! grep -q ROOTONLY "$TMP/api.folded" "$TMP/api.json"; then pass symlink-api
		else fail symlink-api "$n samples, secret in /api/profile: $(grep -c ROOTONLY "$TMP/api.folded" "$TMP/api.json" | tr '\n' ' ')"; fi
	else
		fail symlink-api "agent did not start: $(tail -3 "$TMP/serve2.err")"
	fi
	stop "$AGENT"
	stop_jit
fi

# --- 2b. a process that is not dumpable: root owns its /proc/PID files, but
# its user is still nobody. A root-owned map at its path (what a bind mount in
# a mount namespace of its own shows; planted here by root) is not nobody's
if start_jit 60 JIT_NONDUMPABLE=1; then
	[ "$(stat -c %u "/proc/$JPID/maps")" = 0 ] && pass nondumpable-setup \
		|| fail nondumpable-setup "/proc/$JPID/maps is owned by $(stat -c %u "/proc/$JPID/maps"), not root"
	printf '%s 1000 ROOTONLY_NONDUMPABLE\n' "$ADDR" >"/tmp/perf-$JPID.map"
	record_jit nondumpable 30
	n=$(jit_samples "$TMP/nondumpable.folded")
	if [ "$n" -gt 50 ] && ! grep -q ROOTONLY "$TMP/nondumpable.folded" \
		&& grep -qE 'refused: .*[1-9][0-9]* of another owner' "$TMP/nondumpable.err"; then
		pass nondumpable-not-root
	else
		fail nondumpable-not-root "$n samples, root's names: $(grep -c ROOTONLY "$TMP/nondumpable.folded") lines; $(grep -o 'files of processes.*' "$TMP/nondumpable.err")"
	fi
	stop_jit
fi

# --- 3. size: a 1 GB sparse map, and one line of 60 MB ---------------------
if start_jit 60; then
	# the baseline: the same process with an ordinary map of its own
	$NOBODY sh -c "printf '%s a jit_plain\n' $ADDR > /tmp/perf-$JPID.map"
	record_jit plain 30
	base_rss=$RSS_MB
	grep -q 'jit_plain_\[j\]' "$TMP/plain.folded" && pass plain-map \
		|| fail plain-map "an ordinary map of the process was not used: $(head -3 "$TMP/plain.folded")"
	rm -f "/tmp/perf-$JPID.map"

	$NOBODY truncate -s 1G "/tmp/perf-$JPID.map"
	record_jit sparse 60
	n=$(jit_samples "$TMP/sparse.folded")
	if [ "$RC" -eq 0 ] && [ "$n" -gt 50 ] && [ "$RSS_MB" -lt 200 ] && ge 15 "$SECS"; then pass sparse-1g
	else fail sparse-1g "exit $RC, $n samples, max RSS $RSS_MB MB (want < 200), ${SECS}s (want <= 15)"; fi
	grep -q '1 too big' "$TMP/sparse.err" && pass sparse-counted \
		|| fail sparse-counted "summary: $(grep -o 'files of processes.*' "$TMP/sparse.err")"
	rm -f "/tmp/perf-$JPID.map"

	# under the size bound, one 60 MB line (skipped, never held) and then a real one
	$NOBODY sh -c "{ printf '7f0000000000 10 '; head -c 60000000 /dev/zero | tr '\\0' x; printf '\n%s a jit_after_long_line\n' $ADDR; } > /tmp/perf-$JPID.map"
	record_jit longline 60
	if grep -q 'jit_after_long_line_\[j\]' "$TMP/longline.folded" && [ "$RSS_MB" -lt $((base_rss + 40)) ]; then
		pass long-line
	else
		fail long-line "max RSS $RSS_MB MB (ordinary map: $base_rss MB, want < +40), name after the line: $(grep -c jit_after_long_line "$TMP/longline.folded")"
	fi
	echo "figures: record -p JIT -d 3: max RSS ${base_rss} MB with an ordinary map, $(awk '/^time:/ { printf "%d MB %ss", $2 / 1024, $3 }' "$TMP/sparse.time") with a 1 GB sparse map, $RSS_MB MB ${SECS}s with a 60 MB line"
	stop_jit
fi

# --- 4. a JIT in a PID and mount namespace: /tmp/perf-1.map in its own /tmp -
# the workload runs from outside /tmp, which the namespace hides (the
# checkout itself may live under /tmp, as CI's clone can)
NSDIR=$(mktemp -d /var/tmp/bpfprof-pidns.XXXXXX)
cp "$JIT" "$NSDIR/jit_loop"
chmod 0755 "$NSDIR" "$NSDIR/jit_loop"
bg unshare --mount --pid --fork sh -c \
	"mount -t tmpfs -o mode=1777 tmpfs /tmp && exec $NOBODY $NSDIR/jit_loop 30"
UNSHARE=$LAST_PID
NSJIT=
for _ in $(seq 50); do
	NSJIT=$(cat "/proc/$UNSHARE/task/$UNSHARE/children" 2>/dev/null | awk '{ print $1 }')
	[ -n "$NSJIT" ] && [ "$(cat "/proc/$NSJIT/comm" 2>/dev/null)" = jit_loop ] && break
	sleep 0.1
done
if [ -n "$NSJIT" ] && [ "$(awk '/^NSpid:/ { print $NF }' "/proc/$NSJIT/status")" = 1 ] &&
	[ -f "/proc/$NSJIT/root/tmp/perf-1.map" ]; then
	JPID=$NSJIT
	record_jit pidns 30
	s=$(share "$TMP/pidns.folded" 'jit_busy_loop_\[j\]$')
	ge "$s" 50 && pass pidns-jit-map || fail pidns-jit-map "jit_busy_loop has $s % of $(total "$TMP/pidns.folded") samples, want >= 50"
else
	fail pidns-jit-map "no jit_loop as pid 1 with its own /tmp/perf-1.map (child '$NSJIT')"
fi
kill "$UNSHARE" "$NSJIT" 2>/dev/null
wait "$UNSHARE" 2>/dev/null

rm -rf "$NSDIR"
finish
