#!/bin/bash
# -d and signals win whatever the program is blocked in, and -F is capped at
# what sampling can sustain. A FIFO that nobody reads as the output blocks
# the final write forever: the deadline's watchdog, or a signal, must still
# end the run, with a message and exit code 1.
. "$(dirname "$0")/../lib.sh"

# the kernel lowers its sample rate limit after slow samples (any test before
# may have caused some) and never raises it: start from its default
[ "$(cat /proc/sys/kernel/perf_event_max_sample_rate)" -ge 100000 ] ||
	sysctl -qw kernel.perf_event_max_sample_rate=100000

# -F above what sampling sustains is refused up front (it used to be
# accepted, and at 100 kHz the sampler took every CPU and record never ended)
timeout 20 "$BPFPROF" record -F 100000 -d 1 -o "$TMP/x.folded" 2>"$TMP/err"
rc=$?
[ $rc -eq 2 ] && grep -q 'at most 10000 Hz' "$TMP/err" && pass freq-capped \
	|| fail freq-capped "exit $rc: $(head -c 300 "$TMP/err")"
timeout 30 "$BPFPROF" record -F 10000 -d 1 -o "$TMP/max.folded" 2>"$TMP/err"
rc=$?
[ $rc -eq 0 ] && [ "$(total "$TMP/max.folded")" -gt 0 ] && pass freq-max-runs \
	|| fail freq-max-runs "exit $rc: $(head -c 300 "$TMP/err")"

mkfifo "$TMP/fifo"

# a signal while stuck: stops at once
"$BPFPROF" record -d 1 -o "$TMP/fifo" 2>"$TMP/err" &
REC=$!
wait_sampling $REC
sleep 3 # past the 1 s deadline: blocked opening the FIFO
kill -TERM $REC 2>/dev/null
for _ in $(seq 50); do kill -0 $REC 2>/dev/null || break; sleep 0.1; done
if kill -0 $REC 2>/dev/null; then
	fail signal-while-stuck "still running 5 s after SIGTERM"
	kill -KILL $REC
else
	wait $REC
	rc=$?
	[ $rc -eq 1 ] && grep -q 'second signal' "$TMP/err" && pass signal-while-stuck \
		|| fail signal-while-stuck "exit $rc: $(cat "$TMP/err")"
fi

# nobody signals: the watchdog ends it STOP_GRACE_S (30 s) after the deadline
start=$SECONDS
timeout 90 "$BPFPROF" record -d 1 -o "$TMP/fifo" 2>"$TMP/err"
rc=$?
took=$((SECONDS - start))
[ $rc -eq 1 ] && grep -q 'stopping took too long' "$TMP/err" && [ $took -le 60 ] \
	&& pass deadline-while-stuck || fail deadline-while-stuck "exit $rc after $took s: $(cat "$TMP/err")"
finish
