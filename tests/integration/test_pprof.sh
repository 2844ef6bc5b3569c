#!/bin/bash
# test_pprof.sh - record -o x.pb.gz is read by `go tool pprof` (a reader we
# did not write): exit 0 for -raw/-top/-traces, the workload's hot functions
# with the shares of our folded output (within 1 point) and the known 60/30/10
# split, labels pid/tid/comm, inlined frames marked "(inline)", kernel frames
# in a [kernel.kallsyms] mapping.
. "$(dirname "$0")/../lib.sh"

if ! command -v go >/dev/null 2>&1; then
	skip go-tool-pprof "go is not installed (Debian golang-go)"
	finish
fi
# go tool pprof needs a writable HOME and build cache
export HOME=$TMP/home GOCACHE=$TMP/gocache
mkdir -p "$HOME" "$GOCACHE"
pprof() { go tool pprof "$@" 2>"$TMP/pprof.err"; }

bg "$WORKLOADS/calltree" 8
"$BPFPROF" record -F 499 -p "$LAST_PID" -d 4 -q -o "$TMP/cpu.pb.gz" || fail record "exit $?"
[ "$(head -c 2 "$TMP/cpu.pb.gz" | od -An -tx1 | tr -d ' ')" = 1f8b ] && pass gzip \
	|| fail gzip "not a gzip file"
"$BPFPROF" convert "$TMP/cpu.pb.gz" -o "$TMP/cpu.folded" || fail convert "exit $?"

for mode in -raw -top -traces; do
	if pprof "$mode" "$TMP/cpu.pb.gz" >"$TMP/out$mode"; then
		pass "reads$mode"
	else
		fail "reads$mode" "go tool pprof $mode: $(head -3 "$TMP/pprof.err")"
	fi
done

# -top: flat% of each leaf against the folded share of the same profile
pprof -top -nodecount=100 "$TMP/cpu.pb.gz" >"$TMP/top" || fail top "exit $?"
for leaf in leaf_alpha:60 leaf_beta:30 leaf_gamma:10; do
	name=${leaf%:*} want=${leaf#*:}
	got=$(awk -v n="$name" '$NF == n { sub(/%/, "", $2); print $2 }' "$TMP/top")
	folded=$(share "$TMP/cpu.folded" ";$name\$")
	if [ -z "$got" ]; then
		fail "top-$name" "$name not in go tool pprof -top"
	elif ! within "$got" "$folded" 1; then
		fail "top-$name" "pprof says $got%, folded says $folded%"
	elif ! within "$got" "$want" 8; then
		fail "top-$name" "$got%, the workload gives about $want%"
	else
		pass "top-$name"
	fi
done
grep -q '^File: calltree' "$TMP/top" && pass main-binary-first \
	|| fail main-binary-first "$(grep '^File:' "$TMP/top")"

# -traces: labels of every sample
if grep -q 'comm:  calltree' "$TMP/out-traces" && grep -q "pid:  $LAST_PID" "$TMP/out-traces" \
	&& grep -q 'tid:  ' "$TMP/out-traces"; then
	pass labels
else
	fail labels "no comm/pid/tid labels in go tool pprof -traces"
fi
grep -q '^Period: 2004008$' "$TMP/out-raw" && grep -q '^PeriodType: cpu nanoseconds' "$TMP/out-raw" \
	&& pass period || fail period "$(grep -i period "$TMP/out-raw")"
grep -q 'samples/count cpu/nanoseconds' "$TMP/out-raw" && pass sample-types \
	|| fail sample-types "sample types are not samples/count cpu/nanoseconds"

# inlined and kernel frames: a folded profile with both, through pprof
cat >"$TMP/inline.folded" <<'EOT'
app;main (app.c:3);run (app.c:10);helper (h.h:2)_[i];deep (h.h:9)_[i];do_syscall_64_[k] 30
app;main (app.c:3);other (app.c:20) 70
EOT
"$BPFPROF" convert "$TMP/inline.folded" -o "$TMP/inline.pb.gz" || fail convert-inline "exit $?"
pprof -traces "$TMP/inline.pb.gz" >"$TMP/inline.traces" || fail inline-traces "exit $?"
if grep -qx ' *deep (inline)' "$TMP/inline.traces" && grep -qx ' *helper (inline)' "$TMP/inline.traces" \
	&& grep -qx ' *run' "$TMP/inline.traces"; then
	pass inline-marked
else
	fail inline-marked "$(cat "$TMP/inline.traces")"
fi
pprof -raw "$TMP/inline.pb.gz" >"$TMP/inline.raw"
# innermost first: deep, then helper, then run within one location
if awk '/^Locations/ { on = 1 } on' "$TMP/inline.raw" | grep -A2 ' deep h.h:9' | tr -s ' ' \
	| grep -q 'run app.c:10'; then
	pass inline-order
else
	fail inline-order "$(sed -n '/^Locations/,$p' "$TMP/inline.raw")"
fi
grep -q '\[kernel.kallsyms\]' "$TMP/inline.raw" && pass kernel-mapping \
	|| fail kernel-mapping "no [kernel.kallsyms] mapping"
pprof -top "$TMP/inline.pb.gz" | awk '$NF == "other" { print $2 }' | grep -qx '70.00%' \
	&& pass counts-only-top || fail counts-only-top "other is not 70% of a period-less profile"
# a whole-machine profile: -tagroot=comm (README) puts each process name at
# the root, with the workload's share of all samples
bg "$WORKLOADS/calltree" 6
WL=$LAST_PID
"$BPFPROF" record -d 3 -q -o "$TMP/all.pb.gz" || fail record-all "exit $?"
"$BPFPROF" convert "$TMP/all.pb.gz" -o "$TMP/all.folded"
pprof -top -cum -nodecount=200 -tagroot=comm "$TMP/all.pb.gz" >"$TMP/tagroot"
got=$(awk '$NF == "calltree" { sub(/%/, "", $5); print $5 }' "$TMP/tagroot")
want=$(share "$TMP/all.folded" '^calltree;')
[ -n "$got" ] && within "$got" "$want" 1 && pass tagroot-comm \
	|| fail tagroot-comm "calltree at the root: ${got:-absent} % in pprof, $want % in folded"
finish
