#!/bin/bash
# A progress line on a terminal for runs over 2 s; none when stderr is not a TTY.
. "$(dirname "$0")/../lib.sh"

command -v script >/dev/null || { skip tty "script (util-linux) not installed"; finish; }
script -qec "'$BPFPROF' record -d 3 -o '$TMP/a.folded'" /dev/null >"$TMP/tty.out" 2>&1
grep -q 'bpfprof: [0-9]*s / 3s, [0-9,]* samples' "$TMP/tty.out" && pass progress-on-tty \
	|| fail progress-on-tty "no progress line: $(tr '\r' '\n' < "$TMP/tty.out" | head -3)"

"$BPFPROF" record -d 3 -o "$TMP/b.folded" 2>"$TMP/notty.err"
grep -q $'\r' "$TMP/notty.err" && fail no-progress-off-tty "carriage returns in a non-TTY stderr" \
	|| pass no-progress-off-tty
finish
