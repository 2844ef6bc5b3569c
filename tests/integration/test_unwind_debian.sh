#!/bin/bash
# Debian's own binaries, built without frame pointers: python3, gzip and
# sha256sum reach __libc_start_main in >= 90 % of their samples.
. "$(dirname "$0")/../lib.sh"

# reach FILE COMM: % of COMM's samples whose root frames are the program's
# start code (_start, whatever it is named) then __libc_start_main
reach() {
	awk -v comm="$2" '{ n = $NF; line = $0; sub(/ [0-9]+$/, "", line);
		split(line, f, ";"); if (f[1] != comm) next; t += n;
		if (f[3] ~ /^__libc_start_(main|main_impl|call_main)$/) r += n }
		END { printf "%.1f\n", t ? 100 * r / t : 0 }' "$1"
}

# the interpreter's own C frames: with Python frames (the default, see
# test_python.sh) each _PyEval_EvalFrameDefault is replaced by its functions
"$BPFPROF" record -F 199 --no-interpreters -o "$TMP/py.folded" -- /usr/bin/python3 -c '
import time
end = time.time() + 3
x = 0
while time.time() < end:
    x += sum(i * i for i in range(100))' 2>"$TMP/py.err" || fail python-exit "$(cat "$TMP/py.err")"
n=$(total "$TMP/py.folded")
ge "$n" 150 && pass python-samples || fail python-samples "only $n samples"
got=$(reach "$TMP/py.folded" python3)
ge "$got" 90 && pass python-reaches-main || fail python-reaches-main "only $got % reach __libc_start_main"
grep -q '_PyEval_EvalFrameDefault' "$TMP/py.folded" && pass python-interpreter-frames \
	|| fail python-interpreter-frames "no _PyEval_EvalFrameDefault frame"

head -c 48M /dev/urandom >"$TMP/big" 2>/dev/null
"$BPFPROF" record -o "$TMP/gz.folded" -- sh -c "gzip -c '$TMP/big' >/dev/null;
	for i in 1 2 3 4 5 6 7 8; do sha256sum '$TMP/big' >/dev/null; done" 2>"$TMP/gz.err" \
	|| fail gzip-exit "$(cat "$TMP/gz.err")"
for comm in gzip sha256sum; do
	got=$(reach "$TMP/gz.folded" $comm)
	n=$(grep "^$comm;" "$TMP/gz.folded" | total /dev/stdin)
	ge "$n" 50 || { fail "$comm-samples" "only $n samples"; continue; }
	ge "$got" 90 && pass "$comm-reaches-main" || fail "$comm-reaches-main" "only $got % reach __libc_start_main"
done
finish
