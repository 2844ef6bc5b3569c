#!/bin/bash
# test_convert.sh - bpfprof convert and diff: folded -> pprof -> folded is
# lossless on stacks and counts (a real recording and every frame kind), the
# output format follows the name or --format, bad input gives a clear error
# with the line number and never a crash.
. "$(dirname "$0")/../lib.sh"

bg "$WORKLOADS/calltree" 6
"$BPFPROF" record -p "$LAST_PID" -d 2 -q -o "$TMP/rec.folded" || fail record "exit $?"
kill "$LAST_PID" 2>/dev/null

# round trips
cat >"$TMP/kinds.folded" <<'EOT'
[unknown];[user stack lost: collision] 1
app;main (app.c:3);run (app.c:10);helper (h.h:2)_[i];deep_[i];do_syscall_64_[k] 30
app;main (app.c:3);run (app.c:10) 4
java;Interpreter;Lfoo;.bar_[j] 3
lonely 9
EOT
for f in rec kinds; do
	"$BPFPROF" convert "$TMP/$f.folded" -o "$TMP/$f.pb.gz" &&
		"$BPFPROF" convert "$TMP/$f.pb.gz" -o "$TMP/$f.back.folded" --lines
	if [ -s "$TMP/$f.folded" ] && cmp -s <(LC_ALL=C sort "$TMP/$f.folded") "$TMP/$f.back.folded"; then
		pass "round-trip-$f"
	else
		fail "round-trip-$f" "$(diff <(LC_ALL=C sort "$TMP/$f.folded") "$TMP/$f.back.folded" | head -5)"
	fi
done
# through uncompressed pprof and stdin/stdout too
"$BPFPROF" convert "$TMP/kinds.folded" -f pprof -o "$TMP/kinds.pprof"
gunzip -c <"$TMP/kinds.pprof" >"$TMP/kinds.raw.pb"
"$BPFPROF" convert - --lines <"$TMP/kinds.raw.pb" >"$TMP/kinds.raw.folded"
cmp -s <(LC_ALL=C sort "$TMP/kinds.folded") "$TMP/kinds.raw.folded" && pass raw-pprof-stdin \
	|| fail raw-pprof-stdin "uncompressed pprof from stdin differs"

# formats by name
"$BPFPROF" convert "$TMP/rec.folded" -o "$TMP/rec.html" && grep -q 'Flamegraph.create' "$TMP/rec.html" \
	&& pass to-html || fail to-html "no flame graph page"
"$BPFPROF" convert "$TMP/rec.pb.gz" -o "$TMP/rec.json" && grep -q '"format":"bpfprof-flamegraph"' "$TMP/rec.json" \
	&& grep -q '"leaf_alpha"' "$TMP/rec.json" && pass to-json || fail to-json "no JSON profile"
"$BPFPROF" convert "$TMP/rec.folded" -o "$TMP/out.txt" -f pprof
[ "$(head -c 2 "$TMP/out.txt" | od -An -tx1 | tr -d ' ')" = 1f8b ] && pass format-flag \
	|| fail format-flag "--format pprof did not win over the .txt name"

# diff
awk '/leaf_gamma/ { $NF = $NF * 5 } { print }' "$TMP/rec.folded" >"$TMP/after.folded"
"$BPFPROF" diff "$TMP/rec.pb.gz" "$TMP/after.folded" -o "$TMP/diff.json" \
	&& grep -q '"baseCounts":\[' "$TMP/diff.json" && pass diff-json || fail diff-json "no baseCounts"
out=$("$BPFPROF" diff "$TMP/rec.folded" "$TMP/after.folded" -o "$TMP/diff.folded" 2>&1)
[ $? -eq 2 ] && grep -q 'writes html or json' <<<"$out" && pass diff-format \
	|| fail diff-format "diff to folded: $out"

# bad input: exit 1, a clear message with the line, no crash (no signal exit)
expect_error() { # name file pattern
	local out rc
	out=$("$BPFPROF" convert "$2" -o "$TMP/bad.out.folded" 2>&1)
	rc=$?
	if [ $rc -eq 1 ] && grep -q -- "$3" <<<"$out"; then
		pass "$1"
	else
		fail "$1" "exit $rc: $out"
	fi
}
printf 'a;b 1\na;b 2\na;b\n' >"$TMP/noc.folded"
expect_error bad-no-count "$TMP/noc.folded" "noc.folded: line 3: no sample count"
printf 'a;b 1\na;;b 2\n' >"$TMP/empty.folded"
expect_error bad-empty-frame "$TMP/empty.folded" "line 2: empty frame name"
printf 'a;b 1\na;b -2\n' >"$TMP/neg.folded"
expect_error bad-count "$TMP/neg.folded" "line 2: sample count '-2'"
head -c 100 "$TMP/rec.pb.gz" >"$TMP/trunc.pb.gz"
expect_error truncated-pprof "$TMP/trunc.pb.gz" "trunc.pb.gz: gzip: truncated"
printf '\x0a\x04garbage-that-is-not-protobuf' >"$TMP/garbage.pb"
expect_error garbage-pprof "$TMP/garbage.pb" "malformed profile.proto"
expect_error missing-file "$TMP/nope.folded" "open $TMP/nope.folded: No such file"
# random bytes, many times: only clean errors (the same bytes every run: a
# failure here is reproducible; the fuzzers explore further)
crashed=0
for i in $(seq 1 40); do
	python3 -c 'import random, sys; r = random.Random(int(sys.argv[1]))
sys.stdout.buffer.write(bytes(r.getrandbits(8) for _ in range(r.randint(1, 4000))))' "$i" >"$TMP/rand.bin"
	[ $((i % 2)) -eq 0 ] && { printf '\x1f\x8b'; cat "$TMP/rand.bin"; } >"$TMP/rand.gz" \
		&& mv "$TMP/rand.gz" "$TMP/rand.bin"
	"$BPFPROF" convert "$TMP/rand.bin" -o "$TMP/rand.out.folded" >/dev/null 2>&1
	rc=$?
	[ $rc -gt 1 ] && { crashed=$rc; cp "$TMP/rand.bin" "/tmp/bpfprof-crash-input.bin"; break; }
done
[ $crashed -eq 0 ] && pass random-input || fail random-input "exit $crashed on /tmp/bpfprof-crash-input.bin"
[ ! -e "$TMP/bad.out.folded" ] && pass no-output-on-error || fail no-output-on-error "wrote a file"
ls "$TMP" | grep -q '\.tmp\.' && fail no-temp-left "temporary file left" || pass no-temp-left

# the readers under valgrind: no invalid access, no leak, good input or bad
if command -v valgrind >/dev/null 2>&1; then
	vg_ok=1
	for f in "$TMP/rec.pb.gz" "$TMP/kinds.folded" "$TMP/trunc.pb.gz" "$TMP/garbage.pb" "$TMP/noc.folded"; do
		valgrind -q --error-exitcode=9 --leak-check=full --errors-for-leak-kinds=definite \
			"$BPFPROF" convert "$f" -o "$TMP/vg.html" >/dev/null 2>"$TMP/vg.log"
		[ $? -eq 9 ] && { vg_ok=0; fail valgrind "$f: $(head -5 "$TMP/vg.log")"; }
	done
	[ $vg_ok -eq 1 ] && pass valgrind
else
	skip valgrind "valgrind is not installed"
fi
finish
