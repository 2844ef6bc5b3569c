# lib.sh - helpers for the integration tests (sourced, POSIX sh + bash).
#
# Protocol, read by tests/run.sh: each check prints one line
#   PASS: name   |   FAIL: name: reason   |   SKIP: name: reason
# and a script exits non-zero when any of its checks failed.

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BPFPROF=${BPFPROF:-$ROOT/build/bpfprof}
WORKLOADS=$ROOT/tests/build/workloads
TEST_NAME=$(basename "$0" .sh)
TMP=$(mktemp -d "/tmp/bpfprof-$TEST_NAME.XXXXXX")
FAILED=0
trap 'cleanup_tmp' EXIT

cleanup_tmp() {
	# kill what a test left running, then remove its files
	for p in $BG_PIDS; do kill "$p" 2>/dev/null; done
	rm -rf "$TMP"
}

pass() { echo "PASS: $TEST_NAME/$1"; }
fail() { echo "FAIL: $TEST_NAME/$1: $2"; FAILED=1; }
skip() { echo "SKIP: $TEST_NAME/$1: $2"; }
finish() { exit $FAILED; }

# Start a command in the background and remember it for cleanup.
bg() { "$@" & BG_PIDS="$BG_PIDS $!"; LAST_PID=$!; }

# share FILE PATTERN: percentage (one decimal) of the samples in a folded FILE
# whose stack matches the extended regex PATTERN.
share() {
	awk -v pat="$2" '{ n = $NF; total += n; line = $0; sub(/ [0-9]+$/, "", line);
		if (line ~ pat) hit += n }
		END { if (total == 0) print "0.0"; else printf "%.1f\n", 100 * hit / total }' "$1"
}

# total FILE: samples in a folded FILE.
total() { awk '{ t += $NF } END { print t + 0 }' "$1"; }

# within A B TOL: |A - B| <= TOL (decimals allowed).
within() { awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= t) }'; }

# ge A B: A >= B (decimals allowed).
ge() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a >= b) }'; }
