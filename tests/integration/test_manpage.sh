#!/bin/bash
# bpfprof(8): make install puts it in place; every long option each command's
# --help prints is in that command's part of the page and the other way
# round; man and groff render it without a warning.
. "$(dirname "$0")/../lib.sh"

DEST=$TMP/root
if ! make -s -C "$ROOT" install DESTDIR="$DEST" PREFIX=/usr >"$TMP/install.log" 2>&1; then
	fail installs "make install: $(tail -c 400 "$TMP/install.log")"
	finish
fi
PAGE=$DEST/usr/share/man/man8/bpfprof.8
[ -s "$PAGE" ] && pass installs || { fail installs "no $PAGE"; finish; }

# the page the tree's build made must describe the binary under test
"$ROOT/tools/manpage.sh" "$BPFPROF" "$TMP/bpfprof.8" 2>"$TMP/gen.err" \
	|| fail generates "$(cat "$TMP/gen.err")"
cmp -s <(grep -v '^\.TH' "$PAGE") <(grep -v '^\.TH' "$TMP/bpfprof.8") && pass same-as-binary \
	|| fail same-as-binary "the installed page is not the one $BPFPROF's --help gives"

groff -ww -man -Tutf8 -z "$PAGE" >"$TMP/groff.err" 2>&1
[ ! -s "$TMP/groff.err" ] && pass groff-no-warnings || fail groff-no-warnings "$(head -5 "$TMP/groff.err")"
MANWIDTH=200 man --warnings -l "$PAGE" 2>"$TMP/man.err" >"$TMP/page.txt"
[ ! -s "$TMP/man.err" ] && [ -s "$TMP/page.txt" ] && pass man-no-warnings \
	|| fail man-no-warnings "$(head -5 "$TMP/man.err")"
# hyphens and minus signs as typed (a UTF-8 hyphen would hide --options)
sed -i 's/\xe2\x80\x90/-/g; s/\xe2\x88\x92/-/g' "$TMP/page.txt"

longopts() { grep -oE -- '--[a-z][a-z0-9-]*[a-z0-9]' | sort -u; }

# section CMD: the rendered text of "bpfprof CMD" under COMMANDS (a
# subsection heading is indented 3, a section heading not at all)
section() {
	awk -v want="   bpfprof $1" '$0 == want { on = 1; next }
		on && (/^   [^ ]/ || /^[A-Z]/) { on = 0 } on' "$TMP/page.txt"
}

cmds=$("$BPFPROF" --help | sed -n '/^Commands:/,/^$/p' | awk 'NR > 1 && NF { print $1 }')
[ -n "$cmds" ] || fail commands "bpfprof --help lists no command"
for cmd in $cmds; do
	[ "$cmd" = version ] && continue
	"$BPFPROF" "$cmd" --help 2>&1 | longopts >"$TMP/help.$cmd"
	section "$cmd" | longopts >"$TMP/man.$cmd"
	if [ ! -s "$TMP/man.$cmd" ]; then
		fail "options-$cmd" "no section 'bpfprof $cmd' with options in the page"
		continue
	fi
	missing=$(comm -23 "$TMP/help.$cmd" "$TMP/man.$cmd" | tr '\n' ' ')
	extra=$(comm -13 "$TMP/help.$cmd" "$TMP/man.$cmd" | tr '\n' ' ')
	[ -z "$missing$extra" ] && pass "options-$cmd" \
		|| fail "options-$cmd" "in --help only: ${missing:-none}; in the page only: ${extra:-none}"
done

# the page's other sections name only options that exist
for cmd in $cmds; do cat "$TMP/help.$cmd" 2>/dev/null; done | sort -u >"$TMP/help.all"
echo --version >>"$TMP/help.all" # bpfprof --version (main's, like -V)
unknown=$(longopts <"$TMP/page.txt" | sort -u | comm -23 - <(sort -u "$TMP/help.all") | tr '\n' ' ')
[ -z "$unknown" ] && pass no-unknown-options || fail no-unknown-options "in the page, no command has: $unknown"

# the config file and the unit are described
grep -q '/etc/bpfprof/bpfprof.conf' "$TMP/page.txt" && grep -q 'bpfprof.service' "$TMP/page.txt" \
	&& pass files-section || fail files-section "no config file or unit in FILES"
finish
