#!/bin/bash
# What perf and bcc users type: bpfprof version, -a/-g/--call-graph/-I
# accepted, flags with no meaning here refused with what to use instead (one
# line, exit 2), and bash completion of commands and each command's options.
. "$(dirname "$0")/../lib.sh"

"$BPFPROF" version >"$TMP/v" 2>&1 && grep -qE '^bpfprof [0-9]+\.[0-9]+' "$TMP/v" \
	&& pass version || fail version "$(cat "$TMP/v")"

bg "$WORKLOADS/calltree" 10
WL=$LAST_PID
timeout 30 "$BPFPROF" record -a -g --call-graph dwarf -I -p "$WL" -d 2 -o "$TMP/p.folded" -q \
	2>"$TMP/err"
rc=$?
[ $rc -eq 0 ] && [ "$(share "$TMP/p.folded" ';main;run;stage_one')" != 0.0 ] \
	&& pass perf-habits || fail perf-habits "exit $rc: $(cat "$TMP/err")"

check_hint() { # name expected-text args...
	local name=$1 text=$2; shift 2
	"$BPFPROF" "$@" >"$TMP/out" 2>"$TMP/err"
	local rc=$?
	[ $rc -eq 2 ] && [ "$(wc -l <"$TMP/err")" -eq 1 ] && grep -q -- "$text" "$TMP/err" \
		&& pass "$name" || fail "$name" "rc $rc: $(cat "$TMP/err")"
}
check_hint event-hint "use perf record -e" record -e cycles
check_hint count-hint "use -F HZ" record -c 1000
check_hint lbr-hint "--unwind" record --call-graph lbr

make -s -C "$ROOT" install DESTDIR="$TMP/root" >"$TMP/install.log" 2>&1 \
	|| fail install "$(tail -3 "$TMP/install.log")"
comp=$(find "$TMP/root" -path '*bash-completion/completions/bpfprof')
complete_words() { # words...: what bash completion offers for the last word
	PATH="$(dirname "$BPFPROF"):$PATH" bash -c '
		source "$1"; shift
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		_bpfprof
		printf "%s\n" "${COMPREPLY[@]}"' _ "$comp" "$@"
}
complete_words bpfprof rec | grep -qx record && pass complete-command \
	|| fail complete-command "$(complete_words bpfprof rec | tr '\n' ' ')"
complete_words bpfprof record --unw | grep -qx -- --unwind && pass complete-option \
	|| fail complete-option "$(complete_words bpfprof record --unw | tr '\n' ' ')"
complete_words bpfprof record --unwind "" | grep -qx dwarf && pass complete-value \
	|| fail complete-value "$(complete_words bpfprof record --unwind '' | tr '\n' ' ')"
# every long option of every command's --help is offered
missing=""
for cmd in record serve convert diff symbolize; do
	for opt in $("$BPFPROF" $cmd --help | grep -oE -- '--[a-z][a-z-]*' | sort -u); do
		complete_words bpfprof $cmd -- | grep -qx -- "$opt" || missing="$missing $cmd$opt"
	done
done
[ -z "$missing" ] && pass complete-every-option || fail complete-every-option "missing:$missing"
[ -f "$TMP/root/usr/local/share/zsh/vendor-completions/_bpfprof" ] && pass zsh-installed \
	|| fail zsh-installed "no zsh completion installed"
finish
