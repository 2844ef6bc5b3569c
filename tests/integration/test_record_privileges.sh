#!/bin/bash
# Without CAP_BPF + CAP_PERFMON (or root): a one-line reason and exit code 2.
. "$(dirname "$0")/../lib.sh"

command -v setpriv >/dev/null || { skip setpriv "setpriv (util-linux) not installed"; finish; }
cp "$BPFPROF" "$TMP/bpfprof" && chmod 755 "$TMP" "$TMP/bpfprof"

# an ordinary user
setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
	"$TMP/bpfprof" record -d 1 -o /dev/null 2>"$TMP/err"
rc=$?
[ $rc -eq 2 ] && pass user-exit-code || fail user-exit-code "exit $rc, want 2"
grep -q 'missing: CAP_BPF, CAP_PERFMON' "$TMP/err" && pass user-says-what \
	|| fail user-says-what "stderr: $(cat "$TMP/err")"
[ "$(wc -l < "$TMP/err")" -le 2 ] && ! grep -qi libbpf "$TMP/err" && pass user-no-dump \
	|| fail user-no-dump "stderr is not a short message: $(head -5 "$TMP/err")"

# root with the capabilities taken away
setpriv --bounding-set=-bpf,-perfmon,-sys_admin --inh-caps=-bpf,-perfmon,-sys_admin \
	"$TMP/bpfprof" record -d 1 -o /dev/null 2>"$TMP/err"
rc=$?
[ $rc -eq 2 ] && grep -q 'CAP_BPF' "$TMP/err" && pass root-without-caps \
	|| fail root-without-caps "exit $rc, stderr: $(cat "$TMP/err")"

# CAP_BPF + CAP_PERFMON alone are enough to profile
setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=+bpf,+perfmon --ambient-caps=+bpf,+perfmon \
	"$TMP/bpfprof" record -d 1 -o /dev/null 2>"$TMP/err"
rc=$?
[ $rc -eq 0 ] && pass caps-suffice || fail caps-suffice "exit $rc with CAP_BPF+CAP_PERFMON: $(cat "$TMP/err")"
finish
