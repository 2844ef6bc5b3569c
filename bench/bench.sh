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
#               (kernel.bpf_stats_enabled=1), ours and profile-bpfcc's
#   slowdown    the workload's throughput with the profiler attached against
#               none, interleaved A/B runs, median of the repetitions
# plus output size per minute: folded, pprof and the agent's history.
#
# Environment: BENCH_SECONDS (20), BENCH_SERVE_SECONDS (60), BENCH_REPS (3),
# BENCH_AB_SECONDS (5).
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BPFPROF=$ROOT/build/bpfprof
WL=$ROOT/tests/build/workloads/calltree
DUR=${BENCH_SECONDS:-20}
SERVE_DUR=${BENCH_SERVE_SECONDS:-60}
REPS=${BENCH_REPS:-3}
AB=${BENCH_AB_SECONDS:-5}
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
log() { echo "bench: $*" >&2; }

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

# bpf_ns PROG_NAME: run_time_ns / run_cnt of the newest program of that name
bpf_ns() {
	bpftool prog show name "$1" 2>/dev/null | awk '/run_time_ns/ {
		for (i = 1; i <= NF; i++) { if ($i == "run_time_ns") t = $(i+1); if ($i == "run_cnt") c = $(i+1) } }
		END { if (c > 0) printf "%.0f", t / c; else print "n/a" }'
}

# fold perf script output into folded stacks (the last step a user needs)
fold_perf() {
	awk '/^\S/ { if (stack != "") { n[comm stack]++ } comm = $1; stack = ""; next }
		/^\s+[0-9a-f]+ / { f = $2; sub(/\+0x[0-9a-f]+$/, "", f); stack = ";" f stack; next }
		END { if (stack != "") n[comm stack]++; for (s in n) print s, n[s] }'
}

log "results in $OUT (removed at exit); ${DUR} s per profiler, ${NCPU} CPUs busy"

# 0. BPF cost per sample: ours and bcc's attached at the same time to the same
# busy machine (the only fair comparison on a noisy VM), bcc's run time and
# count read at the start and end of ours; once with --unwind fp (bcc walks
# frame pointers too), once with the default table unwinding
bcc_stats() { bpftool prog show name do_perf_event 2>/dev/null | grep -o 'run_time_ns [0-9]* run_cnt [0-9]*' | head -1; }
side_by_side() { # MODE -> "ours_ns bcc_ns"
	local b0 b1
	busy $((DUR + 15)); sleep 1
	profile-bpfcc -F 99 -f $((DUR + 8)) > /dev/null 2>&1 &
	BCC_PID=$!
	for _ in $(seq 150); do [ -n "$(bcc_stats)" ] && break; sleep 0.1; done
	b0=$(bcc_stats)
	"$BPFPROF" record --unwind "$1" -F 99 -d "$DUR" -o /dev/null 2>"$OUT/side_$1.err"
	b1=$(bcc_stats)
	kill -TERM "$BCC_PID" 2>/dev/null; wait "$BCC_PID" 2>/dev/null
	unbusy
	echo "$(sed -n 's/.*BPF \([0-9]*\) ns per sample.*/\1/p' "$OUT/side_$1.err") $(echo "$b0 $b1" |
		awk '{ if ($8 > $4) printf "%.0f", ($6 - $2) / ($8 - $4); else print "n/a" }')"
}
log "BPF cost side by side with profile-bpfcc: --unwind fp"
read -r SIDE_OURS SIDE_BCC < <(side_by_side fp)
log "BPF cost side by side with profile-bpfcc: --unwind auto"
read -r SIDE_OURS_AUTO SIDE_BCC2 < <(side_by_side auto)

# 1. one-shot profilers at 99 Hz on the busy machine
busy $((DUR + 5)); sleep 1
log "bpfprof record"
timed ours "$BPFPROF" record -F 99 -d "$DUR" -o "$OUT/ours.pb.gz" 2>"$OUT/ours.err"
OURS_BPF=$(sed -n 's/.*BPF \([0-9]*\) ns per sample.*/\1/p' "$OUT/ours.err")
OURS_SAMPLES=$(sed -n 's/^bpfprof: \([0-9,]*\) samples.*/\1/p' "$OUT/ours.err" | tr -d ,)
"$BPFPROF" convert "$OUT/ours.pb.gz" -o "$OUT/ours.folded" 2>/dev/null
unbusy

busy $((DUR + 5)); sleep 1
log "perf record -g -a + perf script"
timed perf_rec perf record -q -F 99 -g -a -o "$OUT/perf.data" -- sleep "$DUR" 2>/dev/null
timed perf_script sh -c "perf script -i '$OUT/perf.data' 2>/dev/null > '$OUT/perf.txt'"
timed perf_fold sh -c "$(declare -f fold_perf); fold_perf < '$OUT/perf.txt' > '$OUT/perf.folded'"
unbusy

busy $((DUR + 10)); sleep 1
log "profile-bpfcc"
( sleep $((DUR - 1)); bpf_ns do_perf_event > "$OUT/bcc.bpfns" ) & # bcc prints no figure itself
timed bcc profile-bpfcc -F 99 -f "$DUR" > "$OUT/bcc.folded" 2>"$OUT/bcc.err"
wait
BCC_BPF=$(cat "$OUT/bcc.bpfns" 2>/dev/null || echo n/a)
unbusy

# 2. the agent at its default 19 Hz with the UI idle
busy $((SERVE_DUR + 5)); sleep 1
log "bpfprof serve for ${SERVE_DUR} s"
PORT=$((30000 + RANDOM % 20000))
/usr/bin/time -f "%U %S %M" -o "$OUT/serve.time" \
	"$BPFPROF" serve --listen "127.0.0.1:$PORT" --data-dir "$OUT/history" -F 19 2>"$OUT/serve.err" &
SERVE_TIME_PID=$!
# steady state: CPU between 10 s after start (BTF, kallsyms and BPF loading
# done) and the end, from /proc/PID/stat
sleep 10
SERVE_PID=$(pgrep -P "$SERVE_TIME_PID")
stat_cpu() { awk -v hz="$(getconf CLK_TCK)" '{ sub(/.*\) /, ""); printf "%.3f", ($12 + $13) / hz }' "/proc/$1/stat"; }
SERVE_C0=$(stat_cpu "$SERVE_PID")
sleep "$SERVE_DUR"
SERVE_C1=$(stat_cpu "$SERVE_PID")
SERVE_BPF=$(curl -s "http://127.0.0.1:$PORT/metrics" | awk '$1 == "bpfprof_bpf_run_seconds_total" { t = $2 }
	$1 == "bpfprof_bpf_runs_total" { c = $2 } END { if (c > 0) printf "%.0f", t * 1e9 / c; else print "n/a" }')
kill -TERM "$SERVE_PID"; wait "$SERVE_TIME_PID"
HIST_BYTES=$(du -sb "$OUT/history" | awk '{ print $1 }')
unbusy

# 3. workload slowdown: interleaved runs, none vs each profiler
throughput() { # run the workload on every CPU for AB seconds; rounds per second, all CPUs
	local pids="" f="$OUT/ab.err"
	: > "$f"
	for _ in $(seq "$NCPU"); do "$WL" "$AB" 2>>"$f" & pids="$pids $!"; done
	wait $pids
	awk '/rounds/ { r += $5; t += $8 } END { if (t > 0) printf "%.1f", r / (t / NR) }' "$f"
}
start_profiler() { # name -> PROF_PID, waits until it samples
	case $1 in
	ours) "$BPFPROF" record -F 99 -o /dev/null -q & PROF_PID=$!
		for _ in $(seq 100); do
			[ "$(ls -l /proc/$PROF_PID/fd 2>/dev/null | grep -c perf_event)" -ge "$NCPU" ] && break
			sleep 0.05
		done ;;
	perf) perf record -q -F 99 -g -a -o "$OUT/ab.data" 2>/dev/null & PROF_PID=$!; sleep 1 ;;
	bcc) profile-bpfcc -F 99 -f > /dev/null 2>&1 & PROF_PID=$!
		for _ in $(seq 100); do bpftool prog show name do_perf_event >/dev/null 2>&1 && break; sleep 0.1; done
		sleep 0.5 ;;
	esac
}
# SIGTERM: a background job of a script ignores SIGINT, and so does Python then
stop_profiler() { kill -TERM "$PROF_PID" 2>/dev/null; wait "$PROF_PID" 2>/dev/null; }
log "workload slowdown, $REPS interleaved repetitions of ${AB} s"
for rep in $(seq "$REPS"); do
	for cfg in none ours perf bcc; do
		[ "$cfg" != none ] && start_profiler "$cfg"
		echo "$cfg $(throughput)" >> "$OUT/ab.txt"
		[ "$cfg" != none ] && stop_profiler
	done
done
slowdown() { # median over reps of (1 - with/none), in % (plain awk + sort: no gawk)
	awk -v c="$1" '$1 == "none" { base[++nb] = $2 } $1 == c { with[++nw] = $2 }
		END { for (i = 1; i <= nw; i++) printf "%.2f\n", 100 * (1 - with[i] / base[i]) }' "$OUT/ab.txt" |
		sort -g | awk '{ d[NR] = $1 } END { if (!NR) { print "n/a"; exit }
			printf "%.1f %%", (NR % 2) ? d[(NR + 1) / 2] : (d[NR / 2] + d[NR / 2 + 1]) / 2 }'
}

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
	"$(per_s "$(awk -v a="$SERVE_C0" -v b="$SERVE_C1" 'BEGIN { print b - a }')" "$SERVE_DUR")" "$(rss_of serve)" "$SERVE_BPF" "-"
echo "  (serve: steady state after its first 10 s; its start-up took $(awk -v a="$SERVE_C0" 'BEGIN { printf "%.2f", a }') CPU s, the whole run $(cpu_of serve) CPU s)"
echo
echo "BPF ns per sample, each pair attached at once over the same ${DUR} s:"
echo "  bpfprof --unwind fp ${SIDE_OURS:-n/a} vs profile-bpfcc ${SIDE_BCC:-n/a} (both frame pointers)"
echo "  bpfprof --unwind auto ${SIDE_OURS_AUTO:-n/a} (full stacks from unwind tables) vs profile-bpfcc ${SIDE_BCC2:-n/a}"
echo "output per minute at 99 Hz: folded $(kb_min "$(stat -c %s "$OUT/ours.folded")" "$DUR"), pprof $(kb_min "$(stat -c %s "$OUT/ours.pb.gz")" "$DUR"); perf.data $(kb_min "$(stat -c %s "$OUT/perf.data")" "$DUR"); agent history at 19 Hz: $(kb_min "$HIST_BYTES" "$SERVE_DUR")"
echo "samples: bpfprof ${OURS_SAMPLES:-?} in ${DUR} s (expected about $((99 * NCPU * DUR)))"
