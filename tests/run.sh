#!/bin/bash
# run.sh - run every test and end with "N passed, M failed, K skipped".
#
#   tests/run.sh              all tests
#   tests/run.sh PATTERN      only tests whose file name contains PATTERN
#
# Unit tests are C binaries in tests/build/unit/ (built with ASan/UBSan);
# integration tests are tests/integration/test_*.sh and profile for real,
# so they need root. Each prints PASS:/FAIL:/SKIP: lines (see lib.sh), and
# is stopped after TEST_TIMEOUT seconds (300; 0: never, for make fuzz).
cd "$(dirname "$0")/.." || exit 1
pattern=${1:-}
passed=0 failed=0 skipped=0
log=$(mktemp)

run_one() {
	local name=$1; shift
	local start=$SECONDS rc
	timeout --kill-after=10 "${TEST_TIMEOUT:-300}" "$@" >"$log" 2>&1
	rc=$?
	# show everything of a failing test, only the verdicts of a passing one
	if [ $rc -ne 0 ] || grep -q '^FAIL:' "$log"; then
		cat "$log"
	else
		grep -E '^(PASS|SKIP):' "$log"
	fi
	local p f s
	p=$(grep -c '^PASS:' "$log"); f=$(grep -c '^FAIL:' "$log"); s=$(grep -c '^SKIP:' "$log")
	if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then
		[ $rc -eq 124 ] && echo "FAIL: $name: timed out" || echo "FAIL: $name: exited with $rc"
		f=1
	fi
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
	echo "-- $name: $p passed, $f failed, $s skipped ($((SECONDS - start)) s)"
}

for t in tests/build/unit/test_*; do
	[ -x "$t" ] || continue
	case $t in *"$pattern"*) ;; *) continue ;; esac
	run_one "$(basename "$t")" "$t"
done
for t in tests/integration/test_*.sh; do
	[ -f "$t" ] || continue
	case $t in *"$pattern"*) ;; *) continue ;; esac
	run_one "$(basename "$t" .sh)" bash "$t"
done
rm -f "$log"
echo "$passed passed, $failed failed, $skipped skipped"
[ $failed -eq 0 ] && [ $((passed + failed)) -gt 0 ]
