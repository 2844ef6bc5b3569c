#!/bin/bash
# test_python.sh - CPython 3.11 frames merged into native stacks: the known
# call tree of tests/workloads/pycalltree.py (<module>;main;run;alpha 60 %,
# beta 30 % calling zlib.compress, gamma 10 % recursing 30 deep) in record's
# folded and pprof output and in serve's history, libz's deflate under beta,
# >= 95 % of samples reaching <module>; a process in its own PID and mount
# namespace (its interpreter at a path only it can see); --no-interpreters
# gives the interpreter's C frames only.
. "$(dirname "$0")/../lib.sh"

PY=/usr/bin/python3.11
WL_SRC=$ROOT/tests/workloads/pycalltree.py
if [ ! -x "$PY" ]; then
	skip python "no $PY (Debian 12's python3.11)"
	finish
fi

P='_\[p\]'
ROOTPATH="<module> \\(pycalltree.py\\)$P;main \\(pycalltree.py\\)$P;run \\(pycalltree.py\\)$P"

# check_tree NAME FILE: the known tree and split in a folded FILE
check_tree() {
	local name=$1 f=$2 n s want fn
	n=$(total "$f")
	ge "$n" 150 || { fail "$name-samples" "only $n samples"; return; }
	s=$(share "$f" "$ROOTPATH")
	ge "$s" 95 && pass "$name-module" || fail "$name-module" "$s % of $n samples reach <module>;main;run, want >= 95"
	for fn in alpha:60 beta:30 gamma:10; do
		want=${fn#*:}
		s=$(share "$f" "$ROOTPATH;${fn%:*} \\(pycalltree.py\\)$P")
		within "$s" "$want" 3 && pass "$name-${fn%:*}" \
			|| fail "$name-${fn%:*}" "$s % of $n samples, want $want +- 3"
	done
	# zlib's C code under beta, the interpreter's own C frames between them
	s=$(share "$f" "beta \\(pycalltree.py\\)$P;([^;]*;)*deflate[^;]*(;|$)")
	ge "$s" 15 && pass "$name-zlib-under-beta" \
		|| fail "$name-zlib-under-beta" "$s % of samples have deflate* under beta, want >= 15 (of 30)"
	# gamma's 30 recursive calls, root first and in one piece (mawk has
	# no {n} in regular expressions)
	local g="" i
	for i in $(seq 31); do g="$g;gamma \\(pycalltree.py\\)$P"; done
	s=$(share "$f" "run \\(pycalltree.py\\)$P$g(;|$)")
	ge "$s" 7 && pass "$name-gamma-depth" \
		|| fail "$name-gamma-depth" "$s % of samples have gamma 31 deep, want >= 7 (of 10)"
}

# --- record: folded, pprof, --no-interpreters (999 Hz: a loaded 2-CPU machine
# gives the workload a third of a CPU, and shares need ~2,000 samples to hold
# within 3 points)
bg "$PY" "$WL_SRC" 120
WL=$LAST_PID
sleep 1
"$BPFPROF" record -F 999 -p "$WL" -d 5 -o "$TMP/py.folded" 2>"$TMP/record.err" \
	|| fail record "exit $?: $(tail -3 "$TMP/record.err")"
check_tree record "$TMP/py.folded"
grep -q '^bpfprof: Python: [1-9][0-9]* interpreters walked.* [1-9][0-9]* stacks' "$TMP/record.err" \
	&& pass record-summary || fail record-summary "$(grep Python: "$TMP/record.err")"

"$BPFPROF" record -F 999 -p "$WL" -d 5 -q -o "$TMP/py.pb.gz" || fail record-pprof "exit $?"
if command -v go >/dev/null 2>&1; then
	export HOME=$TMP/home GOCACHE=$TMP/gocache
	mkdir -p "$HOME" "$GOCACHE"
	go tool pprof -raw "$TMP/py.pb.gz" >"$TMP/raw" 2>"$TMP/pprof.err" \
		|| fail pprof-reads "$(head -3 "$TMP/pprof.err")"
	# Locations: "ID: 0xADDR M=MAPPING name file:line s=0"; Mappings: "ID: 0x..-0x.. [python]"
	m=$(awk '/^Mappings/ { on = 1 } on && / \[python\]/ { print $1; exit }' "$TMP/raw")
	m=${m%:}
	if [ -n "$m" ] && grep -Eq "M=$m alpha .*pycalltree.py:[0-9]+" "$TMP/raw" &&
		grep -Eq "M=$m .*pycalltree.py:[0-9]+ s=0\(?<module>" "$TMP/raw"; then
		pass pprof-python-mapping
	else
		fail pprof-python-mapping "no [python] mapping with alpha/<module> (mapping '$m')"
	fi
	go tool pprof -top -cum -nodecount=200 "$TMP/py.pb.gz" >"$TMP/top" 2>>"$TMP/pprof.err"
	for fn in alpha:60 beta:30 gamma:10; do
		got=$(awk -v n="${fn%:*}" '$NF == n { sub(/%/, "", $5); print $5 }' "$TMP/top")
		within "${got:-0}" "${fn#*:}" 3 && pass "pprof-${fn%:*}" \
			|| fail "pprof-${fn%:*}" "cum ${got:-none} %, want ${fn#*:} +- 3"
	done
else
	skip pprof-python-mapping "go is not installed (Debian golang-go)"
fi

"$BPFPROF" record -F 199 -p "$WL" -d 2 -q --no-interpreters -o "$TMP/nopy.folded" \
	|| fail no-interpreters "exit $?"
if [ "$(total "$TMP/nopy.folded")" -gt 50 ] && ! grep -q "$P" "$TMP/nopy.folded" &&
	ge "$(share "$TMP/nopy.folded" ';_PyEval_EvalFrameDefault(;|$)')" 80; then
	pass no-interpreters
else
	fail no-interpreters "$(grep -c "$P" "$TMP/nopy.folded") lines with Python frames, $(share "$TMP/nopy.folded" ';_PyEval_EvalFrameDefault(;|$)') % with the eval loop"
fi
# HTML: Python frames are a kind of their own, which the page colours
"$BPFPROF" record -F 199 -p "$WL" -d 2 -q -o "$TMP/py.html" || fail html "exit $?"
if grep -q '"kinds":\["user","kernel","inline","jit","lost","comm","python"\]' "$TMP/py.html" &&
	grep -q "case 'python': return" "$TMP/py.html" && grep -q '"alpha (pycalltree.py)"' "$TMP/py.html"; then
	pass html-python-kind
else
	fail html-python-kind "no python kind, colour or alpha frame in the page"
fi
"$BPFPROF" record --help 2>&1 | grep -q -- '--no-interpreters' && pass record-help \
	|| fail record-help "--no-interpreters not in record --help"
"$BPFPROF" serve --help 2>&1 | grep -q -- '--no-interpreters' && pass serve-help \
	|| fail serve-help "--no-interpreters not in serve --help"

# --- a command shorter than a drain interval: its code objects are read
# while it runs (at the BPF side's word of each new stack), not at the drain
# that comes after it exited
"$BPFPROF" record -F 999 -q -o "$TMP/short.folded" -- "$PY" "$WL_SRC" 0.8 >/dev/null ||
	fail short-record "exit $?"
s=$(share "$TMP/short.folded" "$ROOTPATH")
u=$(share "$TMP/short.folded" "code object unreadable")
# (a stack first seen in the process's last moments may still be missed; the
# interpreter's start-up and exit, about 30 ms of CPU, are a bigger part of a
# 0.8 s run that gets less than a whole CPU)
ge "$s" 85 && ge 2 "$u" && pass short-lived \
	|| fail short-lived "$s % of $(total "$TMP/short.folded") samples reach <module>;main;run (want >= 85), $u % unreadable (want <= 2)"

# --- two busy Python threads and 100 idle ones: each sample shows its own
# thread's stack (the thread state is the one whose pthread_t is the sampled
# task's fs base, searched past the 100 newer states) ----
bg "$PY" "$WL_SRC" 30 thread 100
WL2=$LAST_PID
sleep 1
"$BPFPROF" record -F 999 -p "$WL2" -d 3 -q -o "$TMP/threads.folded" || fail threads-record "exit $?"
# Thread.run calls side through C (_PyFunction_Vectorcall): an entry frame
side=$(share "$TMP/threads.folded" "Thread._bootstrap_inner \\(threading.py\\)$P;Thread.run \\(threading.py\\)$P;([^;]*;)*side \\(pycalltree.py\\)$P;side_spin \\(pycalltree.py\\)$P")
main_side=$(share "$TMP/threads.folded" "<module> .*side_spin")
thread_alpha=$(share "$TMP/threads.folded" "_bootstrap_inner .*alpha \\(")
main_alpha=$(share "$TMP/threads.folded" "$ROOTPATH;alpha \\(")
if ge "$side" 15 && ge "$main_alpha" 15 && [ "$main_side" = 0.0 ] && [ "$thread_alpha" = 0.0 ]; then
	pass threads
else
	fail threads "side_spin under the thread's run: $side %, alpha under <module>: $main_alpha %; crossed: side_spin under <module> $main_side %, alpha under the thread $thread_alpha %"
fi
kill "$WL2" 2>/dev/null

# --- serve ------------------------------------------------------------------
PORT=$(free_port)
URL=http://127.0.0.1:$PORT
bg "$BPFPROF" serve --listen "127.0.0.1:$PORT" --data-dir "$TMP/data" -F 999 --window 1s \
	2>"$TMP/agent.err"
AGENT=$LAST_PID
if wait_http "$URL/healthz" 10; then
	sleep 6
	curl -s "$URL/api/profile?format=folded&from=-1m&pid=$WL" >"$TMP/serve.folded"
	check_tree serve "$TMP/serve.folded"
	curl -s "$URL/metrics" >"$TMP/metrics"
	grep -q '^bpfprof_python_stacks_total [1-9]' "$TMP/metrics" && pass serve-metrics \
		|| fail serve-metrics "$(grep '^bpfprof_python' "$TMP/metrics" | head -3)"
else
	fail serve "no /healthz: $(cat "$TMP/agent.err")"
fi
kill "$AGENT" "$WL" 2>/dev/null
wait "$AGENT" "$WL" 2>/dev/null

# --- a PID and mount namespace: the interpreter on a tmpfs only it sees, -----
# named without its version (found from its Py_Version)
NSDIR=$(mktemp -d /var/tmp/bpfprof-pyns.XXXXXX)
mkdir "$NSDIR/mnt"
bg unshare -pmf --mount-proc sh -c "mount -t tmpfs tmpfs $NSDIR/mnt && cp $PY $NSDIR/mnt/python &&
	cp $WL_SRC $NSDIR/mnt/ && exec $NSDIR/mnt/python $NSDIR/mnt/pycalltree.py 15"
UNSHARE=$LAST_PID
NSPY=
for _ in $(seq 50); do
	NSPY=$(cat "/proc/$UNSHARE/task/$UNSHARE/children" 2>/dev/null | awk '{ print $1 }')
	[ -n "$NSPY" ] && [ "$(awk '/^NSpid:/ { print $NF }' "/proc/$NSPY/status" 2>/dev/null)" = 1 ] &&
		grep -q "$NSDIR/mnt/python\$" "/proc/$NSPY/maps" 2>/dev/null && break
	NSPY=
	sleep 0.1
done
if [ -n "$NSPY" ] && [ ! -e "$NSDIR/mnt/python" ]; then
	sleep 1
	"$BPFPROF" record -F 999 -p "$NSPY" -d 5 -q -o "$TMP/ns.folded" || fail pidns-record "exit $?"
	check_tree pidns "$TMP/ns.folded"
else
	fail pidns "no python as pid 1 from a private tmpfs (child '$NSPY')"
fi
kill "$NSPY" "$UNSHARE" 2>/dev/null
wait "$UNSHARE" 2>/dev/null
rm -rf "$NSDIR"
finish
