#!/bin/bash
# Flags: --help with examples, bad input gives one line and exit code 2.
. "$(dirname "$0")/../lib.sh"

"$BPFPROF" record --help >"$TMP/help" 2>&1 && grep -q '^Examples:' "$TMP/help" \
	&& grep -q -- '-- COMMAND' "$TMP/help" && pass help || fail help "no usage with examples"
"$BPFPROF" --help | grep -q record && pass top-help || fail top-help "bpfprof --help lists no record"

check_bad() { # name expected-text args...
	local name=$1 text=$2; shift 2
	"$BPFPROF" "$@" >"$TMP/out" 2>"$TMP/err"
	local rc=$?
	if [ $rc -eq 2 ] && [ "$(wc -l < "$TMP/err")" -eq 1 ] && grep -q -- "$text" "$TMP/err"; then
		pass "$name"
	else
		fail "$name" "rc $rc, stderr: $(cat "$TMP/err")"
	fi
}
check_bad bad-freq "invalid frequency 'abc'" record -F abc
check_bad zero-freq "invalid frequency '0'" record -F 0
check_bad bad-duration "invalid duration '1x'" record -d 1x
check_bad bad-pid "invalid pid list '12a'" record -p 12a
check_bad unknown-option "unknown option '--bogus'" record --bogus
check_bad missing-value "needs a value" record -F
check_bad pid-and-command "exclude each other" record -p 1 -- true
check_bad unknown-command "unknown command 'recrod'" recrod
check_bad no-such-pid "no process with pid 999999" record -p 999999 -d 1
finish
