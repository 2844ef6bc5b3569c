#!/bin/bash
# test_html.sh - the HTML flame graph in headless Chromium (Debian's
# /usr/bin/chromium driven by playwright-core from npm; no browser is ever
# downloaded): the workload's hot function is drawn with its share, search
# marks it and shows the share, a click zooms, reset and the icicle toggle
# work; the differential page colours growth red and shrinkage blue; a
# profile with 100,000 unique stacks renders, zooms and searches in < 3 s.
. "$(dirname "$0")/../lib.sh"

need_browser
page() { TEST_PREFIX=$TEST_NAME node "$WEB/check_page.js" "$@"; }

# one recording, three outputs of the same samples
bg "$WORKLOADS/calltree" 8
"$BPFPROF" record -F 499 -p "$LAST_PID" -d 4 -q -o "$TMP/cpu.pb.gz" || fail record "exit $?"
"$BPFPROF" convert "$TMP/cpu.pb.gz" -o "$TMP/cpu.folded"
"$BPFPROF" convert "$TMP/cpu.pb.gz" -o "$TMP/cpu.html"
alpha=$(share "$TMP/cpu.folded" ';leaf_alpha(;|$)')
page flame "$TMP/cpu.html" leaf_alpha "$alpha" leaf_beta || FAILED=1

# record -o x.html directly (a fresh workload; a share of a few hundred samples)
bg "$WORKLOADS/calltree" 5
"$BPFPROF" record -F 499 -p "$LAST_PID" -d 3 -q -o "$TMP/direct.html" || fail record-html "exit $?"
if grep -q '<title>bpfprof flame graph</title>' "$TMP/direct.html" \
	&& ! grep -Eq '<script[^>]* src=|<link[^>]* href=' "$TMP/direct.html"; then
	pass record-html-self-contained
else
	fail record-html-self-contained "missing title or external resources"
fi
page flame "$TMP/direct.html" leaf_alpha 60 leaf_gamma 8 | sed 's/^PASS: test_html\//PASS: test_html\/direct-/;s/^FAIL: test_html\//FAIL: test_html\/direct-/'
[ "${PIPESTATUS[0]}" -eq 0 ] || FAILED=1

# differential: gamma five times more often, the rest the same
awk '/leaf_gamma/ { $NF = $NF * 5 } { print }' "$TMP/cpu.folded" >"$TMP/after.folded"
"$BPFPROF" diff "$TMP/cpu.pb.gz" "$TMP/after.folded" -o "$TMP/diff.html" || fail diff "exit $?"
page diff "$TMP/diff.html" leaf_gamma leaf_alpha || FAILED=1

# 100,000 unique stacks, 8-28 frames deep, from 3,000 function names
awk 'BEGIN { srand(42); for (i = 0; i < 100000; i++) { d = 8 + int(rand() * 20); s = "app"; f = 0
	for (j = 0; j < d; j++) { f = (f * 7 + int(rand() * 6) + j) % 3000; s = s ";fn_" f }
	printf "%s;leaf_%d_[k] %d\n", s, i, 1 + int(rand() * 50) } }' >"$TMP/big.folded"
"$BPFPROF" convert "$TMP/big.folded" -o "$TMP/big.html" || fail big-convert "exit $?"
page big "$TMP/big.html" 3000 || FAILED=1
finish
