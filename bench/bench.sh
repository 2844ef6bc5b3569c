#!/bin/bash
# bench.sh - `make bench`: what bpfprof costs, next to perf and bcc, measured
# in one run on the same busy machine so the ratios are fair.
#
# Every CPU runs the known-call-tree workload (tests/workloads/calltree.c).
# Measured for each profiler:
#   CPU s/s     user+system CPU seconds of the profiler per wall second
#               (for perf: perf record + perf script + folding, together)
#   peak RSS    maximum resident set (GNU time)
#   BPF ns      run time / run count of the sampling BPF program
#               (kernel.bpf_stats_enabled=1), ours and profile-bpfcc's, both
#               attached at once, read every few seconds: per-window ratios,
#               each program attached after the other in turn (see 0.)
#   slowdown    the workload's throughput with the profiler attached against
#               none: one long workload run, stretches with and without the
#               profiler alternating (each against the mean of the stretches
#               without it before and after), median
# plus output size per minute: folded, pprof and the agent's history.
#
# Environment: BENCH_SECONDS (20), BENCH_SERVE_SECONDS (60), BENCH_REPS (6:
# A/B repetitions for bpfprof; 2 for perf and bcc, which start slowly),
# BENCH_AB_SECONDS (3), BENCH_BPF_ROUNDS (2: late attaches of each next to the
# other), BENCH_ONLY=slowdown (only the slowdown series, BENCH_REPS each, with
# an A/A series that shows the method's noise; see below), BENCH_SERIES (with
# BENCH_ONLY=slowdown: which of "none ours perf bcc"), BENCH_OURS_ARGS (more
# options for bpfprof record in the slowdown series, e.g. "--unwind fp").
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BPFPROF=$ROOT/build/bpfprof
WL=$ROOT/tests/build/workloads/calltree
DUR=${BENCH_SECONDS:-20}
SERVE_DUR=${BENCH_SERVE_SECONDS:-60}
REPS=${BENCH_REPS:-6}
AB=${BENCH_AB_SECONDS:-3}
ROUNDS=${BENCH_BPF_ROUNDS:-2}
NCPU=$(nproc)
OUT=$(mktemp -d /tmp/bpfprof-bench.XXXXXX)
BCC_KERNEL_SOURCE=$("$ROOT/bench/setup-peers.sh") || exit 1
export BCC_KERNEL_SOURCE
STATS_WAS=$(sysctl -n kernel.bpf_stats_enabled)
sysctl -qw kernel.bpf_stats_enabled=1
BUSY=""
SERVE_PID=""
cleanup() {
	for p in $BUSY $SERVE_PID; do kill "$p" 2>/dev/null; done
	sysctl -qw kernel.bpf_stats_enabled="$STATS_WAS"
	rm -rf "$OUT"
}
trap cleanup EXIT
log() { echo "bench: [$(date -u +%T), ${SECONDS} s] $*" >&2; }

# busy SECONDS: the workload on every CPU, in the background
busy() {
	BUSY=""
	for _ in $(seq "$NCPU"); do
		"$WL" "$1" 2>>"$OUT/busy.err" &
		BUSY="$BUSY $!"
	done
}
unbusy() { for p in $BUSY; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; BUSY=""; }

# timed NAME CMD...: run CMD under GNU time; NAME.time gets "user sys maxrss_kb"
timed() {
	local name=$1; shift
	/usr/bin/time -f "%U %S %M" -o "$OUT/$name.time" "$@"
}
cpu_of() { awk '{ printf "%.3f", $1 + $2 }' "$OUT/$1.time"; }
rss_of() { awk '{ printf "%.1f", $3 / 1024 }' "$OUT/$1.time"; }

prog_stats() { # NAME -> "run_time_ns run_cnt" of the newest program of that name
	bpftool prog show name "$1" 2>/dev/null | grep -o 'run_time_ns [0-9]* run_cnt [0-9]*' |
		tail -1 | awk '{ print $2, $4 }'
}
# bpf_ns PROG_NAME: run_time_ns / run_cnt of the newest program of that name
bpf_ns() { prog_stats "$1" | awk '{ if ($2 > 0) printf "%.0f", $1 / $2; else print "n/a" } END { if (!NR) print "n/a" }'; }

# fold perf script output into folded stacks (the last step a user needs)
fold_perf() {
	awk '/^\S/ { if (stack != "") { n[comm stack]++ } comm = $1; stack = ""; next }
		/^\s+[0-9a-f]+ / { f = $2; sub(/\+0x[0-9a-f]+$/, "", f); stack = ";" f stack; next }
		END { if (stack != "") n[comm stack]++; for (s in n) print s, n[s] }'
}

log "results in $OUT (removed at exit); ${DUR} s per profiler, ${NCPU} CPUs busy"

stat_cpu() { awk -v hz="$(getconf CLK_TCK)" '{ sub(/.*\) /, ""); printf "%.3f", ($12 + $13) / hz }' "/proc/$1/stat"; }
median_col() { # COLUMN < lines -> median of that column
	awk -v c="$1" '{ print $c }' | sort -g | awk '{ d[NR] = $1 } END { if (!NR) { print "n/a"; exit }
		m = (NR % 2) ? d[(NR + 1) / 2] : (d[NR / 2] + d[NR / 2 + 1]) / 2; print m }'
}
range_col() { awk -v c="$1" 'NR == 1 || $c < lo { lo = $c } NR == 1 || $c > hi { hi = $c } END { printf "%.2f-%.2f", lo, hi }'; }
label() { # series name -> the profiler command it runs
	case $1 in
	none) echo "none (A/A: nothing runs in P)" ;;
	ours) echo "bpfprof record -F 99" ;;
	perf) echo "perf record -F 99 -g -a" ;;
	bcc) echo "profile-bpfcc -F 99 -f" ;;
	esac
}

# Workload slowdown (measured first, below). The workload runs on every CPU
# through the whole series and reports its rounds every half second;
# stretches without a profiler (N) and with one (P) alternate, N P N P ... N,
# and each P is compared with the mean of the N just before and just after
# it (a drift of the machine's speed cancels out). A profiler's start-up and
# exit fall between stretches, outside both.
start_profiler() { # name -> PROF_PID, waits until it samples
	case $1 in
	ours) "$BPFPROF" record -F 99 -o /dev/null -q ${BENCH_OURS_ARGS:-} & PROF_PID=$!
		for _ in $(seq 100); do
			[ "$(ls -l /proc/$PROF_PID/fd 2>/dev/null | grep -c perf_event)" -ge "$NCPU" ] && break
			sleep 0.05
		done
		sleep 1 ;; # its first drain, a second after the start, is the heavy one
	perf) perf record -q -F 99 -g -a -o "$OUT/ab.data" 2>/dev/null & PROF_PID=$!; sleep 1 ;;
	none) sleep 3600 & PROF_PID=$!; sleep 3 ;; # as long a pause as bpfprof's start
	bcc) profile-bpfcc -F 99 -f > /dev/null 2>&1 & PROF_PID=$!
		for _ in $(seq 100); do bpftool prog show name do_perf_event >/dev/null 2>&1 && break; sleep 0.1; done
		sleep 0.5 ;;
	esac
	prog_fds "$PROF_PID"
	settle "$PROF_PID"
}
# settle PID: wait until the profiler's start-up work is over (at most 10 ms
# of CPU in the last second, looked at every half second, at most 8 s): the
# slowdown is the steady state's (start-up is in the CPU s/s column; bpfprof
# spends about 0.2 CPU s in its first two drains, once a second, capturing
# the maps and unwind tables of every process it sees)
settle() {
	local t0 t1 t2
	cpu_ns "$1" || return
	t0=$CPU_NS; t1=$CPU_NS
	for _ in $(seq 16); do
		sleep 0.5
		cpu_ns "$1" || return
		t2=$CPU_NS
		[ $((t2 - t0)) -le 10000000 ] && return
		t0=$t1; t1=$t2
	done
}
# SIGTERM: a background job of a script ignores SIGINT, and so does Python then
stop_profiler() { kill -TERM "$PROF_PID" 2>/dev/null; wait "$PROF_PID" 2>/dev/null; }
# What a profiler itself uses, read with shell builtins only: a process
# spawned during a series would be sampled, and bpfprof would load its maps
# and tables in the next stretch (a cost of churn the bench itself made).
# cpu_ns PID -> CPU_NS: CPU time of the process's threads in ns (schedstat:
# exact, where /proc/PID/stat counts whole clock ticks); set in a variable,
# since $(...) would fork a subshell
cpu_ns() {
	local f t rest
	CPU_NS=0
	for f in /proc/"$1"/task/*/schedstat; do
		read -r t rest < "$f" 2>/dev/null && CPU_NS=$((CPU_NS + t))
	done
	[ -e "/proc/$1" ]
}
# prog_fds PID -> PROF_FDS: the fdinfo files of the process's BPF programs
prog_fds() {
	local fd k v
	PROF_FDS=""
	for fd in /proc/"$1"/fdinfo/*; do
		while read -r k v; do
			[ "$k" = prog_type: ] && { PROF_FDS="$PROF_FDS $fd"; break; }
		done < "$fd" 2>/dev/null
	done
}
# run_ns FDINFO... -> RUN_NS: their programs' summed run time
# (kernel.bpf_stats_enabled)
run_ns() {
	local fd k v
	RUN_NS=0
	for fd in "$@"; do
		while read -r k v; do [ "$k" = run_time_ns: ] && RUN_NS=$((RUN_NS + v)); done < "$fd"
	done
}
# stretch N|P [NAME]: AB seconds of the running workload, marked in
# $OUT/marks; in a P stretch also what the profiler NAME used ("NAME start
# end cpu_ns bpf_ns" in $OUT/acct): its process's CPU time and its BPF
# programs' run time (perf samples in the kernel without BPF: it has none)
stretch() {
	local a b c0 c1 r0 r1
	if [ "$1" = P ]; then cpu_ns "$PROF_PID"; c0=$CPU_NS; run_ns $PROF_FDS; r0=$RUN_NS; fi
	a=$EPOCHREALTIME
	sleep "$AB"
	b=$EPOCHREALTIME
	echo "$1 $a $b ${2:-}" >> "$OUT/marks"
	if [ "$1" = P ]; then
		cpu_ns "$PROF_PID"; c1=$CPU_NS; run_ns $PROF_FDS; r1=$RUN_NS
		echo "$2 $a $b $((c1 - c0)) $((r1 - r0))" >> "$OUT/acct"
	fi
}
# ab_series NAME...: one workload run on every CPU; N, then for each NAME a
# stretch with that profiler and one without -> for each profiler NAME
# "rounds/s ratio" per stretch in ab_NAME.txt and its use in acct_NAME.txt
ab_series() {
	local logs="" i p
	log "slowdown: $*"
	: > "$OUT/marks"; : > "$OUT/acct"
	BUSY=""
	for i in $(seq "$NCPU"); do
		"$WL" 3600 0 0.5 2> "$OUT/wl_$i.log" &
		BUSY="$BUSY $!"; logs="$logs $OUT/wl_$i.log"
	done
	sleep 1
	stretch N
	for p in "$@"; do
		start_profiler "$p"; stretch P "$p"; stop_profiler
		stretch N
	done
	unbusy
	python3 "$ROOT/bench/slowdown.py" "$OUT/marks" $logs > "$OUT/ab_all.txt"
	for p in $(printf '%s\n' "$@" | sort -u); do
		awk -v p="$p" '$1 == p { print $2, $3 }' "$OUT/ab_all.txt" > "$OUT/ab_$p.txt"
		awk -v p="$p" '$1 == p { print $2, $3, $4, $5 }' "$OUT/acct" > "$OUT/acct_$p.txt"
		[ -n "${BENCH_DEBUG:-}" ] && sed "s/^/acct $p: /" "$OUT/acct_$p.txt" >&2
	done
	return 0
}
# accounted NAME: the CPU the profiler took in its P stretches, as % of all
# CPUs: its own process plus its BPF programs (run in the workload's
# interrupts). perf's in-kernel sampling is no BPF program: not counted.
accounted() {
	awk -v n="$NCPU" -v bpf="$([ "$1" = perf ] && echo 0 || echo 1)" '
		{ s += $2 - $1; c += $3 / 1e9; r += $4 }
		END { if (!s) { print "n/a"; exit }
			printf "%.2f %%%s", 100 * (c + r / 1e9) / (s * n), bpf ? "" : " (user space only)" }' "$OUT/acct_$1.txt"
}
slowdown() { # median of (1 - with/none) in %, and how many pairs
	local m
	m=$(median_col 2 < "$OUT/ab_$1.txt")
	[ "$m" = n/a ] && { echo n/a; return; }
	awk -v m="$m" -v n="$(wc -l < "$OUT/ab_$1.txt")" 'BEGIN { printf "%.1f %% (%d)", 100 * (1 - m), n }'
}

# BENCH_ONLY=slowdown: only the slowdown series, BENCH_REPS stretches with
# each profiler, after an A/A series ("none": stretches in which no profiler
# runs, compared the same way), which shows the method's own noise.
if [ "${BENCH_ONLY:-}" = slowdown ]; then
	log "workload slowdown only: $REPS stretches of ${AB} s with each profiler and with none"
	SERIES=${BENCH_SERIES:-none ours perf bcc}
	ab_series $(for _ in $(seq "$REPS"); do echo $SERIES; done) # interleaved
	echo
	echo "bpfprof bench (slowdown only), $(date -u +%Y-%m-%d), kernel $(uname -r), $NCPU CPUs busy with tests/workloads/calltree"
	printf "%-36s %s\n" "profiler" "slowdown: median of (1 - with / without) (pairs), range; its own CPU"
	for p in $(printf '%s\n' $SERIES | awk '!seen[$1]++'); do
		printf "%-36s %s, %s; %s\n" "$(label "$p")" "$(slowdown "$p")" \
			"$(awk '{ print 100 * (1 - $2) }' "$OUT/ab_$p.txt" | range_col 1) %" "$(accounted "$p")"
	done
	echo "its own CPU: the profiler's process and BPF programs during its stretches, % of all CPUs"
	exit 0
fi

# Slowdown first, on a machine that has not run minutes of profilers yet.
# One series, the profilers' stretches spread over it (with REPS = 6:
# ours perf ours bcc ours ours perf ours bcc ours)
SEQ=""
for i in $(seq "$REPS"); do
	SEQ="$SEQ ours"
	case $i in 1 | 4) SEQ="$SEQ perf" ;; 2 | 5) SEQ="$SEQ bcc" ;; esac
done
log "workload slowdown: stretches of ${AB} s with and without each profiler ($REPS for bpfprof, 2 for perf and bcc)"
ab_series $SEQ

# 0. BPF cost per sample, ours next to bcc's: both attached at once to the
# same busy machine (the only fair comparison on a noisy VM), run time and
# count of both programs read every WIN seconds. The two sample at 99 and
# 101 Hz: at the same rate the two timers keep one phase, and whichever
# program runs second after the shared timer interrupt finds warm caches
# (that alone moved the ratio between 0.8 and 1.8 from run to run); at
# different rates they drift through every phase. Of two copies of one
# program, the one attached later measured 3-4 % cheaper per sample, at
# either rate, so the comparison is made both ways: A, bcc runs throughout
# and ours (101 Hz) is attached ROUNDS times; B, ours (99 Hz) runs
# throughout and bcc (101 Hz) is attached ROUNDS times (placement of maps
# and code changes per attach). Each half's figure is the median of its
# per-window ratios, the result their geometric mean. With --unwind fp
# (bcc walks frame pointers too); the default table unwinding is measured
# once, attached after bcc (no target: bcc's stacks are not complete).
WIN=3
NWIN=2 # windows per attach
# windows OUR_PROG -> NWIN lines "ours_ns bcc_ns ratio", one per WIN seconds
windows() {
	local w o0 oc0 b0 bc0 o1 oc1 b1 bc1
	read -r o0 oc0 <<< "$(prog_stats "$1")"; read -r b0 bc0 <<< "$(prog_stats do_perf_event)"
	for w in $(seq "$NWIN"); do
		sleep "$WIN"
		read -r o1 oc1 <<< "$(prog_stats "$1")"; read -r b1 bc1 <<< "$(prog_stats do_perf_event)"
		awk -v a=$((o1 - o0)) -v b=$((oc1 - oc0)) -v c=$((b1 - b0)) -v d=$((bc1 - bc0)) \
			'BEGIN { if (b > 0 && d > 0 && c > 0) printf "%.0f %.0f %.4f\n", a / b, c / d, (a / b) / (c / d) }'
		o0=$o1; oc0=$oc1; b0=$b1; bc0=$bc1
	done
}
our_prog() { [ "$1" = fp ] && echo do_sample || echo do_sample_unw; } # the loaded one
# start_late PROG WARM CMD...: start CMD next to what runs, wait WARM s once
# its program is loaded, measure, stop it
start_late() {
	local prog=$1 warm=$2 pid; shift 2
	"$@" > /dev/null 2>&1 &
	pid=$!
	for _ in $(seq 200); do [ -n "$(prog_stats "$prog")" ] && break; sleep 0.1; done
	sleep "$warm"
	windows "$OURS_PROG"
	kill -TERM "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
}
LATE_S=$((NWIN * WIN + 25)) # a late program's life: start-up (bcc compiles), 3 s, windows
OURS_LATE() { # MODE -> A: ours attached late, next to bcc
	OURS_PROG=$(our_prog "$1")
	# 3 s: past bpfprof's first two drains (once a second), which capture
	# every process: their work leaves the caches of the next samples cold
	start_late "$OURS_PROG" 3 "$BPFPROF" record --unwind "$1" -F 101 -d "$LATE_S" -o /dev/null -q
}
BCC_LATE() { # B: bcc attached late, next to ours
	# bcc does nothing after its attach: 1 s for the attach to every CPU
	start_late do_perf_event 1 profile-bpfcc -F 101 -f "$LATE_S"
}
geo() { awk -v a="$1" -v b="$2" 'BEGIN { if (a > 0 && b > 0) printf "%.3f", sqrt(a * b); else print "n/a" }'; }
log "BPF cost next to profile-bpfcc, each attached after the other: --unwind fp ($ROUNDS attaches each way) and auto (1, after bcc)"
SIDE_S=$((2 * (ROUNDS + 1) * (LATE_S + 5) + 40))
busy "$SIDE_S"; sleep 1
# A: bcc throughout, ours attached late
profile-bpfcc -F 99 -f "$SIDE_S" > /dev/null 2>&1 &
BCC_PID=$!
for _ in $(seq 200); do [ -n "$(prog_stats do_perf_event)" ] && break; sleep 0.1; done
for _ in $(seq "$ROUNDS"); do OURS_LATE fp; done > "$OUT/side_fp_a.txt"
OURS_LATE auto > "$OUT/side_auto.txt"
kill -TERM "$BCC_PID" 2>/dev/null; wait "$BCC_PID" 2>/dev/null
# B: ours throughout, bcc attached late (fp only: the auto figure has no
# target, and a bcc start costs seconds of compiling)
"$BPFPROF" record --unwind fp -F 99 -d "$SIDE_S" -o /dev/null -q 2>/dev/null &
OURS_PID=$!
OURS_PROG=$(our_prog fp)
for _ in $(seq 100); do [ -n "$(prog_stats "$OURS_PROG")" ] && break; sleep 0.1; done
for _ in $(seq "$ROUNDS"); do BCC_LATE; done > "$OUT/side_fp_b.txt"
kill -TERM "$OURS_PID" 2>/dev/null; wait "$OURS_PID" 2>/dev/null
unbusy
cat "$OUT/side_fp_a.txt" "$OUT/side_fp_b.txt" > "$OUT/side_fp.txt"
SIDE_OURS=$(median_col 1 < "$OUT/side_fp.txt"); SIDE_BCC=$(median_col 2 < "$OUT/side_fp.txt")
SIDE_A=$(median_col 3 < "$OUT/side_fp_a.txt"); SIDE_B=$(median_col 3 < "$OUT/side_fp_b.txt")
SIDE_RATIO=$(geo "$SIDE_A" "$SIDE_B"); SIDE_RANGE=$(range_col 3 < "$OUT/side_fp.txt")
SIDE_N=$(wc -l < "$OUT/side_fp.txt")
SIDE_OURS_AUTO=$(median_col 1 < "$OUT/side_auto.txt"); SIDE_BCC2=$(median_col 2 < "$OUT/side_auto.txt")
SIDE_RATIO_AUTO=$(median_col 3 < "$OUT/side_auto.txt")

# 1. one-shot profilers at 99 Hz on the busy machine
busy $((DUR + 5))
log "bpfprof record"
timed ours "$BPFPROF" record -F 99 -d "$DUR" -o "$OUT/ours.pb.gz" 2>"$OUT/ours.err"
OURS_BPF=$(sed -n 's/.*BPF \([0-9]*\) ns per sample.*/\1/p' "$OUT/ours.err")
OURS_SAMPLES=$(sed -n 's/^bpfprof: \([0-9,]*\) samples.*/\1/p' "$OUT/ours.err" | tr -d ,)
"$BPFPROF" convert "$OUT/ours.pb.gz" -o "$OUT/ours.folded" 2>/dev/null
unbusy

busy $((DUR + 5))
log "perf record -g -a + perf script"
timed perf_rec perf record -q -F 99 -g -a -o "$OUT/perf.data" -- sleep "$DUR" 2>/dev/null
timed perf_script sh -c "perf script -i '$OUT/perf.data' 2>/dev/null > '$OUT/perf.txt'"
timed perf_fold sh -c "$(declare -f fold_perf); fold_perf < '$OUT/perf.txt' > '$OUT/perf.folded'"
unbusy

busy $((DUR + 10))
log "profile-bpfcc"
( sleep $((DUR - 1)); bpf_ns do_perf_event > "$OUT/bcc.bpfns" ) & # bcc prints no figure itself
timed bcc profile-bpfcc -F 99 -f "$DUR" > "$OUT/bcc.folded" 2>"$OUT/bcc.err"
wait
BCC_BPF=$(cat "$OUT/bcc.bpfns" 2>/dev/null || echo n/a)
unbusy

# 2. the agent at its default 19 Hz with the UI idle
busy $((SERVE_DUR + 5))
log "bpfprof serve for ${SERVE_DUR} s"
PORT=$((30000 + RANDOM % 20000))
/usr/bin/time -f "%U %S %M" -o "$OUT/serve.time" \
	"$BPFPROF" serve --listen "127.0.0.1:$PORT" --data-dir "$OUT/history" -F 19 2>"$OUT/serve.err" &
SERVE_TIME_PID=$!
# steady state: CPU between 10 s after start (BTF, kallsyms and BPF loading
# done) and the end, from /proc/PID/stat
SERVE_WARM=10
sleep "$SERVE_WARM"
SERVE_PID=$(pgrep -P "$SERVE_TIME_PID")
SERVE_C0=$(stat_cpu "$SERVE_PID")
sleep $((SERVE_DUR - SERVE_WARM))
SERVE_C1=$(stat_cpu "$SERVE_PID")
SERVE_BPF=$(curl -s "http://127.0.0.1:$PORT/metrics" | awk '$1 == "bpfprof_bpf_run_seconds_total" { t = $2 }
	$1 == "bpfprof_bpf_runs_total" { c = $2 } END { if (c > 0) printf "%.0f", t * 1e9 / c; else print "n/a" }')
kill -TERM "$SERVE_PID"; wait "$SERVE_TIME_PID"
HIST_BYTES=$(du -sb "$OUT/history" | awk '{ print $1 }')
unbusy


# the table
perf_cpu=$(awk '{ u += $1; s += $2 } END { printf "%.3f", u + s }' "$OUT"/perf_rec.time "$OUT"/perf_script.time "$OUT"/perf_fold.time)
perf_rss=$(awk '$3 > m { m = $3 } END { printf "%.1f", m / 1024 }' "$OUT"/perf_rec.time "$OUT"/perf_script.time)
per_s() { awk -v c="$1" -v d="$2" 'BEGIN { printf "%.4f", c / d }'; }
kb_min() { awk -v b="$1" -v d="$2" 'BEGIN { printf "%.0f KB", b / 1024 * 60 / d }'; }
echo
echo "bpfprof bench, $(date -u +%Y-%m-%d), kernel $(uname -r), $NCPU CPUs, every CPU busy with tests/workloads/calltree"
printf "%-36s %10s %11s %10s %10s\n" "profiler" "CPU s/s" "peak RSS" "BPF ns" "slowdown"
printf "%-36s %10s %8s MB %10s %10s\n" "bpfprof record -F 99 (${DUR} s)" "$(per_s "$(cpu_of ours)" "$DUR")" "$(rss_of ours)" "${OURS_BPF:-n/a}" "$(slowdown ours)"
printf "%-36s %10s %8s MB %10s %10s\n" "perf record -F 99 -g -a + script" "$(per_s "$perf_cpu" "$DUR")" "$perf_rss" "-" "$(slowdown perf)"
printf "%-36s %10s %8s MB %10s %10s\n" "profile-bpfcc -F 99 -f" "$(per_s "$(cpu_of bcc)" "$DUR")" "$(rss_of bcc)" "$BCC_BPF" "$(slowdown bcc)"
printf "%-36s %10s %8s MB %10s %10s\n" "bpfprof serve -F 19 (${SERVE_DUR} s)" \
	"$(per_s "$(awk -v a="$SERVE_C0" -v b="$SERVE_C1" 'BEGIN { print b - a }')" $((SERVE_DUR - SERVE_WARM)))" "$(rss_of serve)" "$SERVE_BPF" "-"
echo "  (serve: steady state over its last $((SERVE_DUR - SERVE_WARM)) s; its first ${SERVE_WARM} s took $(awk -v a="$SERVE_C0" 'BEGIN { printf "%.2f", a }') CPU s, the whole run $(cpu_of serve) CPU s)"
echo
echo "BPF ns per sample next to profile-bpfcc, both attached at once (medians of ${WIN} s windows;"
echo "ratio = geometric mean of A, ours attached after bcc, and B, bcc attached after ours):"
echo "  bpfprof --unwind fp ${SIDE_OURS:-n/a} vs profile-bpfcc ${SIDE_BCC:-n/a} (both frame pointers):" \
	"ratio ${SIDE_RATIO:-n/a} (A ${SIDE_A:-n/a}, B ${SIDE_B:-n/a}; $SIDE_N windows over $ROUNDS attaches each way, range ${SIDE_RANGE:-n/a})"
echo "  bpfprof --unwind auto ${SIDE_OURS_AUTO:-n/a} (full stacks from unwind tables) vs profile-bpfcc ${SIDE_BCC2:-n/a}:" \
	"ratio ${SIDE_RATIO_AUTO:-n/a} (A only)"
echo "slowdown: median of (1 - with / without), (pairs); stretches of ${AB} s of one workload run on every CPU"
echo "  what each profiler itself used in those stretches (its process + its BPF programs, % of all CPUs):" \
	"bpfprof $(accounted ours), perf $(accounted perf), profile-bpfcc $(accounted bcc)"
echo "output per minute at 99 Hz: folded $(kb_min "$(stat -c %s "$OUT/ours.folded")" "$DUR"), pprof $(kb_min "$(stat -c %s "$OUT/ours.pb.gz")" "$DUR"); perf.data $(kb_min "$(stat -c %s "$OUT/perf.data")" "$DUR"); agent history at 19 Hz: $(kb_min "$HIST_BYTES" "$SERVE_DUR")"
echo "samples: bpfprof ${OURS_SAMPLES:-?} in ${DUR} s (expected about $((99 * NCPU * DUR)))"
