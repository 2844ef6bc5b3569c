#!/bin/bash
# test_fuzz.sh - a short libFuzzer run (10 s each) over the pprof and folded
# readers, seeded with files bpfprof writes. A crash, leak, hang or a profile
# that our own writer cannot round-trip fails the test; the reproducer is
# kept in /tmp/bpfprof-fuzz-*.
. "$(dirname "$0")/../lib.sh"

if ! command -v clang >/dev/null 2>&1; then
	skip fuzz "clang is not installed"
	finish
fi
if ! make -s -C "$ROOT/tests" fuzz >"$TMP/build.log" 2>&1; then
	fail fuzz-build "$(tail -3 "$TMP/build.log")"
	finish
fi
FUZZ=$ROOT/tests/build/fuzz
mkdir -p "$TMP/pprof" "$TMP/folded"
cat >"$TMP/folded/seed.folded" <<'EOT'
app;main (app.c:3);run (app.c:10);helper (h.h:2)_[i];deep_[i];do_syscall_64_[k] 30
app;main (app.c:3);other (app.c:20) 70
java;Interpreter;Lfoo;.bar_[j] 3
EOT
"$BPFPROF" convert "$TMP/folded/seed.folded" -o "$TMP/pprof/seed.pb.gz"
gunzip -c "$TMP/pprof/seed.pb.gz" >"$TMP/pprof/seed.pb"

for target in pprof folded; do
	if (cd "$TMP" && "$FUZZ/fuzz_$target" -max_total_time=10 -timeout=5 -rss_limit_mb=2048 \
		-artifact_prefix="/tmp/bpfprof-fuzz-$target-" "$TMP/$target" >"$TMP/$target.log" 2>&1); then
		echo "# $target: $(grep -o 'Done [0-9]* runs' "$TMP/$target.log")"
		pass "fuzz-$target"
	else
		fail "fuzz-$target" "$(grep -m3 -E 'ERROR|SUMMARY|artifact' "$TMP/$target.log" | tr '\n' ' ')"
	fi
done
finish
