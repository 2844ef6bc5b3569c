#!/bin/bash
# serve's config file (--config, default /etc/bpfprof/bpfprof.conf): keys are
# the long options, the command line wins, a bad key or value names the file
# and line, a file others can write is refused, --no-config reads none.
. "$(dirname "$0")/../lib.sh"

CONF=$TMP/bpfprof.conf
PORT=$(free_port)
cat >"$CONF" <<CONF
# a comment, then both forms
freq = 7
window 500ms
data-dir = $TMP/from-file
listen = 127.0.0.1:$PORT
lines = true
idle = false
CONF
chmod 0644 "$CONF"

# the file's values, the command line's --freq over the file's
bg "$BPFPROF" serve --config "$CONF" --freq 11 2>"$TMP/agent.err"
AGENT=$LAST_PID
wait_http "http://127.0.0.1:$PORT/healthz" 15 || true
kill "$AGENT" 2>/dev/null; wait "$AGENT" 2>/dev/null
if grep -q "sampling at 11 Hz, 500 ms windows, history in $TMP/from-file " "$TMP/agent.err"; then
	pass file-values-and-flags-win
else
	fail file-values-and-flags-win "$(head -c 600 "$TMP/agent.err")"
fi
[ -d "$TMP/from-file" ] && pass data-dir-from-file || fail data-dir-from-file "no $TMP/from-file"

# usage errors: exit 2 and the message names FILE:LINE or FILE line N
expect_error() { # NAME WANT (the file is $CONF; a file wrongly accepted starts an agent: bounded)
	local rc=0
	timeout 20 "$BPFPROF" serve --config "$CONF" 2>"$TMP/err" >/dev/null || rc=$?
	if [ $rc -eq 2 ] && grep -qF -- "$2" "$TMP/err"; then pass "$1"
	else fail "$1" "exit $rc, want '$2': $(head -c 400 "$TMP/err")"; fi
}
printf '# c\nfreq = 7\nbogus-key = 1\n' >"$CONF"
expect_error bad-key-names-line "$CONF:3: unknown key 'bogus-key'"
printf 'freq = 7\n\nwindow = 1ms\n' >"$CONF"
expect_error bad-value-names-line "$CONF line 3 (--window=1ms)"
# a rule between options (a public address wants a token) names no line
printf 'freq = 7\nlisten = 0.0.0.0:7071\nwindow = 1s\n' >"$CONF"
expect_error cross-option-rule "refusing to listen on 0.0.0.0:7071 without --token-file"
grep -q "that is" "$TMP/err" && fail cross-option-rule-no-line "$(cat "$TMP/err")" || pass cross-option-rule-no-line
# a --push-* option without --push would silently do nothing
printf 'freq = 7\npush-queue = 64M\n' >"$CONF"
expect_error push-option-needs-push "--push-queue needs --push URL"
# credentials in the push URL would be printed and logged with it
printf 'push = https://user:secret@store.example\n' >"$CONF"
expect_error push-url-no-credentials "credentials go in --push-basic-auth-file"
grep -q secret "$TMP/err" && fail push-url-not-echoed "$(cat "$TMP/err")" || pass push-url-not-echoed
printf 'idle = perhaps\n' >"$CONF"
expect_error bad-flag-names-line "$CONF:1: 'idle' is a flag"
printf 'config = /etc/passwd\n' >"$CONF"
expect_error no-config-in-config "$CONF:1: 'config' cannot be set"
printf 'freq = 7\n' >"$CONF"
chmod 0664 "$CONF"
expect_error refuses-group-writable "writable by group or others (mode 664)"
chmod 0646 "$CONF"
expect_error refuses-world-writable "writable by group or others (mode 646)"
chmod 0644 "$CONF"
chown 65534 "$CONF"
expect_error refuses-other-owner "belongs to uid 65534, not to root"
chown 0 "$CONF"

rc=0
"$BPFPROF" serve --config "$TMP/missing.conf" 2>"$TMP/err" || rc=$?
[ $rc -eq 2 ] && grep -q "missing.conf: No such file" "$TMP/err" && pass named-file-must-exist \
	|| fail named-file-must-exist "exit $rc: $(cat "$TMP/err")"

# the example config (deploy/bpfprof.conf): one commented line per option of
# serve --help, and every value in it valid (uncommented, it parses through
# to the command line's bad --window)
EXAMPLE=$ROOT/deploy/bpfprof.conf
"$BPFPROF" serve --help | grep -oE -- '--[a-z][a-z0-9-]*' | sed 's/^--//' | sort -u \
	| grep -vx -e config -e no-config -e help >"$TMP/help.keys"
sed -n 's/^#\([a-z][a-z0-9-]*\) = .*/\1/p' "$EXAMPLE" | sort -u >"$TMP/example.keys"
if cmp -s "$TMP/help.keys" "$TMP/example.keys"; then
	pass example-lists-every-option
else
	fail example-lists-every-option "missing: $(comm -23 "$TMP/help.keys" "$TMP/example.keys" | tr '\n' ' ')extra: $(comm -13 "$TMP/help.keys" "$TMP/example.keys" | tr '\n' ' ')"
fi
sed 's/^#\([a-z][a-z0-9-]*\) = /\1 = /' "$EXAMPLE" | grep -v -e '^token-file' -e '^insecure-listen' >"$TMP/example.conf"
chmod 0644 "$TMP/example.conf"
rc=0
"$BPFPROF" serve --config "$TMP/example.conf" --window 1ms 2>"$TMP/err" || rc=$?
[ $rc -eq 2 ] && grep -q "invalid window '1ms'" "$TMP/err" && ! grep -q "example.conf" "$TMP/err" \
	&& pass example-values-valid || fail example-values-valid "$(cat "$TMP/err")"

# the default file, in a mount namespace of our own where /etc is an
# overlay (the real /etc is not touched)
mkdir -p "$TMP/up" "$TMP/work"
unshare -m --propagation private bash -c '
	mount -t overlay overlay -o "lowerdir=/etc,upperdir=$1/up,workdir=$1/work" /etc || exit 99
	mkdir -p /etc/bpfprof && printf "bogus = 1\n" >/etc/bpfprof/bpfprof.conf
	"$2" serve --window 1ms 2>"$1/default.err"
	"$2" serve --no-config --window 1ms 2>"$1/none.err"
	exit 0' _ "$TMP" "$BPFPROF"
rc=$?
if [ $rc -eq 99 ]; then
	skip default-file "no overlay mount for /etc here"
else
	grep -q "/etc/bpfprof/bpfprof.conf:1: unknown key 'bogus'" "$TMP/default.err" \
		&& pass default-file || fail default-file "$(cat "$TMP/default.err")"
	grep -q "invalid window '1ms'" "$TMP/none.err" && ! grep -q bpfprof.conf "$TMP/none.err" \
		&& pass no-config-skips-default || fail no-config-skips-default "$(cat "$TMP/none.err")"
fi
finish
