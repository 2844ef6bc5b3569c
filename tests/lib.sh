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
	# an agent writes its last window on SIGTERM: wait (bounded) before removing
	for _ in $(seq 50); do
		local alive=0
		for p in $BG_PIDS; do # a zombie is done (not reaped by this shell yet)
			case $(awk '{ print $3 }' "/proc/$p/stat" 2>/dev/null) in '' | Z) ;; *) alive=1 ;; esac
		done
		[ "$alive" = 0 ] && break
		sleep 0.1
	done
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

# cpu_seconds PID: user + system CPU time the process has used so far.
cpu_seconds() {
	awk -v hz="$(getconf CLK_TCK)" '{ sub(/.*\) /, ""); printf "%.2f\n", ($12 + $13) / hz }' "/proc/$1/stat"
}

# reported_cpu FILE: sum of the "calltree: cpu X s" lines the workload printed.
reported_cpu() { awk '/^calltree: cpu / { t += $3 } END { printf "%.2f\n", t }' "$1"; }

# samples_match_cpu SAMPLES CPU_SECONDS HZ: samples within 25 % of CPU time x HZ,
# the profile's own accounting (a machine busy with other work gives the
# workload less CPU, and so fewer samples, which is right).
samples_match_cpu() {
	awk -v n="$1" -v c="$2" -v hz="$3" 'BEGIN { want = c * hz; exit !(want > 0 && n >= 0.75 * want && n <= 1.25 * want + 5) }'
}

# free_port: a TCP port nobody listens on right now, below the ephemeral
# range (32768-: an outgoing connection's port is not seen listening), and
# not one this test was given before (two taken before either is bound).
free_port() {
	local p
	for _ in $(seq 50); do
		p=$((20000 + RANDOM % 12000))
		grep -qx "$p" "$TMP/.ports" 2>/dev/null && continue
		(exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && continue
		echo "$p" >>"$TMP/.ports"
		echo "$p"
		return
	done
	echo 0
}

# wait_http URL SECONDS: poll until URL answers 200, for SECONDS but never
# less than 30 (an agent's start-up - BTF, the verifier, every process's unwind
# table - can take long on a loaded machine; waiting costs nothing when it is fast).
wait_http() {
	local s=$2
	[ "$s" -ge 30 ] || s=30
	for _ in $(seq $((s * 10))); do
		[ "$(curl -s -o /dev/null -w '%{http_code}' "$1")" = 200 ] && return 0
		sleep 0.1
	done
	return 1
}

# wait_sampling PID: wait (up to 10 s) until the bpfprof process PID has a
# perf event open on every CPU, so CPU time measured from now on is sampled.
wait_sampling() {
	local cpus
	cpus=$(nproc)
	for _ in $(seq 200); do
		[ "$(ls -l "/proc/$1/fd" 2>/dev/null | grep -c 'anon_inode:\[perf_event\]')" -ge "$cpus" ] \
			&& { sleep 0.05; return 0; }
		sleep 0.05
	done
	return 1
}

# need_browser: Debian chromium, node, and playwright-core from tests/web's
# lock file (into the ignored tests/web/node_modules); skips or fails the
# whole script with a reason when they cannot be had. Sets WEB.
need_browser() {
	WEB=$ROOT/tests/web
	if [ ! -x /usr/bin/chromium ] || ! command -v node >/dev/null 2>&1; then
		skip chromium "needs Debian chromium and nodejs (tools/install-deps.sh)"
		finish
	fi
	if [ ! -d "$WEB/node_modules/playwright-core" ]; then
		# (twice: a registry hiccup is not the product's failure)
		if ! (cd "$WEB" && for try in 1 2; do
			PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error \
				&& exit 0
			[ $try = 2 ] || sleep 5
		done; exit 1) >"$TMP/npm.log" 2>&1; then
			fail npm-ci "$(tail -3 "$TMP/npm.log")"
			finish
		fi
	fi
}

# pprof_span FILE: "TIME_NS DURATION_NS" of a pprof file (gzip or not), the
# time_nanos and duration_nanos it gives (0 when absent).
pprof_span() {
	python3 - "$1" <<'PY'
import gzip, sys
d = open(sys.argv[1], 'rb').read()
if d[:2] == b'\x1f\x8b':
    d = gzip.decompress(d)
i = 0
def varint():
    global i
    r = s = 0
    while i < len(d):
        b = d[i]; i += 1; r |= (b & 0x7f) << s; s += 7
        if b < 0x80:
            break
    return r
tim = dur = 0
while i < len(d):  # top-level fields of Profile; each turn moves i forward
    k = varint(); f, w = k >> 3, k & 7
    if w == 0:
        v = varint()
        if f == 9:  # time_nanos
            tim = v
        if f == 10:  # duration_nanos
            dur = v
    elif w == 2:
        n = varint()  # not "i += varint()": that reads i before the call
        i += n
    elif w == 1:
        i += 8
    elif w == 5:
        i += 4
    else:
        break
print(tim, dur)
PY
}

# cpu_log PID SECONDS: "UNIX_NS CPU_SECONDS" of PID every 0.1 s for SECONDS
# (run it with bg, output to a file).
cpu_log() {
	for _ in $(seq $(($2 * 10))); do
		echo "$(date +%s%N) $(cpu_seconds "$1" 2>/dev/null || echo 0)"
		sleep 0.1
	done
}

# cpu_between LOG T0_NS T1_NS: CPU seconds the process of a cpu_log used
# between two times (linear between readings); empty when the log does not
# cover them.
cpu_between() {
	awk -v t0="$2" -v t1="$3" '
		function at(t,   i) {
			for (i = 2; i <= n; i++)
				if (T[i] >= t)
					return C[i - 1] + (C[i] - C[i - 1]) * (t - T[i - 1]) / (T[i] - T[i - 1])
			return -1
		}
		$1 > 0 { n++; T[n] = $1; C[n] = $2 }
		END { if (n < 2 || T[1] > t0 || T[n] < t1) exit; printf "%.3f\n", at(t1) - at(t0) }' "$1"
}
