#!/bin/bash
# test_html.sh - the HTML flame graph in headless Chromium (Debian's
# /usr/bin/chromium driven by playwright-core from npm; no browser is ever
# downloaded): the workload's hot function is drawn with its share, search
# marks it and shows the share, a click zooms, reset and the icicle toggle
# work; the differential page colours growth red and shrinkage blue; a
# profile with 100,000 unique stacks renders, zooms and searches in < 3 s.
# Deep stacks (120 frames) open with the root on screen at 1400x1000 (HTML
# and diff pages); the sandwich view shows a known function's callers and
# callees; narrow frames label the short name; dark mode and its toggle.
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

# 120-frame stacks: the root and the widest paths on screen when the page opens
awk 'BEGIN { for (b = 0; b < 6; b++) { s = "deep"; for (j = 0; j < 120; j++) s = s ";d" (j < 60 ? j : b "_" j)
	printf "%s %d\n", s, 10 + 30 * (b == 0) } }' >"$TMP/deep.folded"
awk '{ $NF = $NF * 2 } { print }' "$TMP/deep.folded" >"$TMP/deep2.folded"
"$BPFPROF" convert "$TMP/deep.folded" -o "$TMP/deep.html" || fail deep-convert "exit $?"
"$BPFPROF" diff "$TMP/deep.folded" "$TMP/deep2.folded" -o "$TMP/deepdiff.html" || fail deep-diff "exit $?"
page root "$TMP/deep.html" || FAILED=1
page root "$TMP/deepdiff.html" | sed 's/^\(PASS\|FAIL\): test_html\//\1: test_html\/diff-/'
[ "${PIPESTATUS[0]}" -eq 0 ] || FAILED=1

# sandwich: hot is called by a (30), b (20), main (7 + 5 + 4) and helper (8),
# calls d (5) and helper (4); self 65, total 74
cat >"$TMP/sandwich.folded" <<'EOF'
app;main;a;hot 30
app;main;b;hot 20
app;main;hot 7
app;main;hot;d 5
app;main;helper;hot 8
app;main;hot;helper 4
app;main;b;c 10
EOF
"$BPFPROF" convert "$TMP/sandwich.folded" -o "$TMP/sandwich.html" || fail sandwich-convert "exit $?"
page sandwich "$TMP/sandwich.html" || FAILED=1
page theme "$TMP/sandwich.html" || FAILED=1

# labels of narrow frames: C++ names lose namespace and arguments first
cat >"$TMP/labels.folded" <<'EOF'
app;main;v8::internal::Invoke(v8::internal::Isolate*, v8::internal::(anonymous namespace)::InvokeParams const&);leafy 6
app;main;std::vector<int, std::allocator<int> >::_M_realloc_insert(int const&) 3
app;main;busy 91
EOF
"$BPFPROF" convert "$TMP/labels.folded" -o "$TMP/labels.html" || fail labels-convert "exit $?"
page labels "$TMP/labels.html" || FAILED=1
finish
