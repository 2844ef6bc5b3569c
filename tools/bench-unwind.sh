#!/bin/bash
# bench-unwind.sh - unwind tables against frame pointers and perf, one table.
# Run by `make bench-unwind` (as root, after the build and the workloads).
#
#  1. completeness on the call-tree workload built without frame pointers:
#     bpfprof --unwind fp, --unwind dwarf, perf record --call-graph dwarf
#  2. BPF cost per sample (kernel.bpf_stats_enabled) at ~30 user frames
#  3. time and memory to build tables: libc, python3, the largest binary
#  4. the agent with tables for every running process
#  5. BPF cost per sample with CPython frames walked, against the native-only
#     walk on the same workload (--python: this part only)
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BPFPROF=$ROOT/build/bpfprof
TABLE=$ROOT/build/bench-unwind-table
WL=$ROOT/tests/build/workloads
TMP=$(mktemp -d /tmp/bench-unwind.XXXXXX)
SECS=${BENCH_SECONDS:-5}
FREQ=${BENCH_FREQ:-199}
PIDS=""
cleanup() { for p in $PIDS; do kill "$p" 2>/dev/null; done; rm -rf "$TMP"; }
trap cleanup EXIT

# the whole path from main to a leaf (kernel frames may follow)
FULL=';main;run;stage_one;stage_two;stage_three;leaf_(alpha|beta|gamma)(;|$)'

# pct FOLDED: % of samples with the full path from main
pct() {
	awk -v pat="$FULL" '{ n = $NF; t += n; l = $0; sub(/ [0-9]+$/, "", l); if (l ~ pat) h += n }
		END { printf "%.1f", t ? 100 * h / t : 0 }' "$1"
}

# cpu TIMEFILE ERRFILE: user+sys seconds from /usr/bin/time -f "%U %S %M", less
# the workload's own CPU time (it is the profiler's child; it prints "cpu N s")
cpu() {
	awk -v w="$(awk '/^calltree: cpu/ { print $3 }' "$2" 2>/dev/null)" \
		'{ printf "%.2f", $1 + $2 - (w == "" ? 0 : w) }' "$1"
}
rss() { awk '{ printf "%.0f", $3 / 1024 }' "$1"; }

# python_cost: tests/workloads/pycalltree.py on both CPUs, recorded at 999 Hz
# with --no-interpreters (native frames from tables only) and with the Python
# walk; the whole program's ns per run side by side
python_cost() {
	local old mode args w1 w2
	[ -x /usr/bin/python3.11 ] || { echo "python: no /usr/bin/python3.11"; return; }
	echo "BPF cost (kernel.bpf_stats_enabled run_time_ns / run_cnt), CPython 3.11 pycalltree.py"
	echo "(~12 native + ~8-38 Python frames), 2 busy CPUs, 999 Hz, --unwind auto:"
	old=$(sysctl -n kernel.bpf_stats_enabled)
	sysctl -qw kernel.bpf_stats_enabled=1
	printf '%-28s %10s %18s %14s\n' "walk" "ns/run" "python ns/stack" "py frames"
	for mode in native python native python; do
		args=""
		[ $mode = native ] && args=--no-interpreters
		/usr/bin/python3.11 "$ROOT/tests/workloads/pycalltree.py" 12 >/dev/null & w1=$!
		/usr/bin/python3.11 "$ROOT/tests/workloads/pycalltree.py" 12 >/dev/null & w2=$!
		PIDS="$w1 $w2"
		sleep 0.5
		"$BPFPROF" record -F 999 $args -p "$w1,$w2" -d 5 -o "$TMP/py.$mode.folded" \
			2>"$TMP/py.$mode.err"
		kill $w1 $w2 2>/dev/null
		wait $w1 $w2 2>/dev/null
		PIDS=""
		awk -v m="$mode" '
			/samples in/ { for (i = 1; i <= NF; i++) if ($i == "BPF") r = $(i + 1) }
			/Python: / { for (i = 1; i <= NF; i++) { if ($i == "frames,") f = substr($(i - 1), 2); if ($i == "ns") p = $(i - 1) } }
			END { printf "%-28s %10s %18s %14s\n", m, r ? r : "-", p ? p : "-", f ? f : "-" }' \
			"$TMP/py.$mode.err"
	done
	sysctl -qw kernel.bpf_stats_enabled="$old"
}
if [ "${1:-}" = --python ]; then
	python_cost
	exit 0
fi

echo "bench-unwind: $SECS s of $WL/calltree_nofp (gcc -O2 -fomit-frame-pointer) at $FREQ Hz"
echo
printf '%-34s %10s %9s %9s %8s\n' "profiler" "full path" "samples" "CPU s" "RSS MB"
# CPU s: the profiler's own user+sys time (the workload's subtracted)
for mode in fp dwarf; do
	/usr/bin/time -f "%U %S %M" -o "$TMP/time.$mode" "$BPFPROF" record -q -F "$FREQ" \
		--unwind $mode -o "$TMP/$mode.folded" -- "$WL/calltree_nofp" "$SECS" 2>"$TMP/err.$mode"
	printf '%-34s %9s%% %9s %9s %8s\n' "bpfprof record --unwind $mode" "$(pct "$TMP/$mode.folded")" \
		"$(awk '{ t += $NF } END { print t + 0 }' "$TMP/$mode.folded")" \
		"$(cpu "$TMP/time.$mode" "$TMP/err.$mode")" "$(rss "$TMP/time.$mode")"
done
if command -v perf >/dev/null; then
	/usr/bin/time -f "%U %S %M" -o "$TMP/time.perf" perf record -q -F "$FREQ" --call-graph dwarf \
		-o "$TMP/perf.data" -- "$WL/calltree_nofp" "$SECS" 2>"$TMP/err.perf"
	/usr/bin/time -f "%U %S %M" -o "$TMP/time.script" perf script -i "$TMP/perf.data" \
		-F comm,ip,sym 2>/dev/null >"$TMP/perf.txt"
	# perf script: a comm line, frames leaf first, a blank line
	awk '/^[^ \t]/ { n = 0; next }
	     /^$/ { if (n) { s = f[n]; for (i = n - 1; i >= 1; i--) s = s ";" f[i]; print "x;" s " 1" } n = 0; next }
	     { sub(/^[ \t]+[0-9a-f]+ /, ""); sub(/ \(inlined\)$/, ""); f[++n] = $0 }' \
		"$TMP/perf.txt" >"$TMP/perf.folded"
	printf '%-34s %9s%% %9s %9s %8s\n' "perf record --call-graph dwarf" "$(pct "$TMP/perf.folded")" \
		"$(awk '{ t += $NF } END { print t + 0 }' "$TMP/perf.folded")" \
		"$(awk -v a="$(cpu "$TMP/time.perf" "$TMP/err.perf")" -v b="$(cpu "$TMP/time.script" /dev/null)" 'BEGIN { printf "%.2f", a + b }')" \
		"$(rss "$TMP/time.perf")"
	echo "  (perf: CPU includes perf script; its data file: $(du -m "$TMP/perf.data" | cut -f1) MB)"
else
	echo "perf record --call-graph dwarf: perf not installed (linux-perf)"
fi

echo
echo "BPF cost (kernel.bpf_stats_enabled run_time_ns / run_cnt), recursion at depth 25 (~31 user frames)"
echo "built with (recursion_fp) and without (recursion_nofp) frame pointers, 2 busy CPUs, 999 Hz:"
old_stats=$(sysctl -n kernel.bpf_stats_enabled)
sysctl -qw kernel.bpf_stats_enabled=1
printf '%-26s %10s %16s %8s\n' "mode (workload)" "ns/run" "unwind ns/stack" "frames"
for run in fp:recursion_fp dwarf:recursion_nofp auto:recursion_nofp; do
	mode=${run%%:*} prog=${run##*:}
	"$WL/$prog" 10 25 & w1=$!
	"$WL/$prog" 10 25 & w2=$!
	PIDS="$w1 $w2"
	sleep 0.2
	"$BPFPROF" record -F 999 --unwind $mode -p "$w1,$w2" -d 5 -o "$TMP/cost.$mode.folded" \
		2>"$TMP/cost.$mode.err"
	kill $w1 $w2 2>/dev/null
	wait $w1 $w2 2>/dev/null
	PIDS=""
	depth=$(awk '{ l = $0; sub(/ [0-9]+$/, "", l); n = split(l, f, ";"); t += $NF; d += (n - 1) * $NF }
		END { printf "%.0f", t ? d / t : 0 }' "$TMP/cost.$mode.folded")
	# ns/run: the whole program (kernel stack, unwinding, counting) over
	# every run, the filtered-out samples of other processes included;
	# unwind ns/stack: timed inside the program around the table unwinder
	awk -v m="$mode ($prog)" -v d="$depth" '
		/samples in/ { for (i = 1; i <= NF; i++) if ($i == "BPF") r = $(i + 1) }
		/ns and .* frames per stack/ { for (i = 1; i <= NF; i++) if ($i == "ns" && $(i + 1) == "and") u = $(i - 1) }
		END { printf "%-26s %10s %16s %8s\n", m, r ? r : "-", u ? u : "-", d }' "$TMP/cost.$mode.err"
done
sysctl -qw kernel.bpf_stats_enabled="$old_stats"

echo
python_cost

echo
echo "Unwind tables: build time (best of 3) and size, ours vs libdw's dwarf_cfi_addrframe:"
printf '%-58s %9s %9s %9s %9s %9s\n' "file" "rows" "table MB" "ours ms" "libdw ms" "heap MB"
libc=$(readlink -f /lib/x86_64-linux-gnu/libc.so.6)
py=$(readlink -f /usr/bin/python3)
# the largest ELF file on the machine that has CFI
largest=""
for f in $(find /usr /opt -xdev -type f -size +20M -printf '%s %p\n' 2>/dev/null | sort -rn | head -20 | cut -d' ' -f2); do
	head -c 4 "$f" 2>/dev/null | grep -q 'ELF' || continue
	if "$TABLE" "$f" >/dev/null 2>&1; then largest=$f; break; fi
	echo "  (skipped $f: $("$TABLE" "$f" 2>&1 | tail -1))"
done
for f in $libc $py $largest; do
	"$TABLE" "$f" | awk -v f="$f" '{ printf "%-58s %9d %9.1f %9.1f %9.1f %9.1f\n", f, $1, $2, $3, $4, $5 }'
done

echo
echo "The agent with tables for every running process (whole machine, 5 s):"
"$BPFPROF" record -d 5 -o "$TMP/all.folded" 2>"$TMP/all.err" &
rec=$!
sleep 4
mem=$(awk '/VmHWM/ { h = $2 } /VmRSS/ { r = $2 } END { printf "%.0f MB now, %.0f MB peak", r / 1024, h / 1024 }' \
	/proc/$rec/status 2>/dev/null)
wait $rec
grep -E 'unwind tables for|unwound from tables' "$TMP/all.err" | sed 's/^bpfprof: /  /'
echo "  agent RSS $mem (the rows live in a BPF array: 32 MiB reserved in the kernel)"
