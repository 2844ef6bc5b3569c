#!/bin/bash
# test_fuzz.sh - a bounded libFuzzer run of every fuzz target in tests/fuzz/
# (FUZZ_SECONDS each: 8 in make test, 300 in make fuzz), each seeded with
# real inputs and with the crashers found before (tests/fuzz/regress/TARGET/,
# kept as fixtures). A crash, leak, UB, hang or a profile that our own writer
# cannot round-trip fails the test; the reproducer is kept in
# /tmp/bpfprof-fuzz-TARGET-*.
. "$(dirname "$0")/../lib.sh"

SECONDS_EACH=${FUZZ_SECONDS:-8}
# make test replays one fixed mutation sequence (FUZZ_SEED=1), so a red CI is a
# change of ours and not the luck of a run; make fuzz explores (seed 0: random)
SEED=${FUZZ_SEED:-1}
if ! command -v clang >/dev/null 2>&1; then
	skip fuzz "clang is not installed"
	finish
fi
if ! make -s -j"$(nproc)" -C "$ROOT/tests" fuzz >"$TMP/build.log" 2>&1; then
	fail fuzz-build "$(tail -3 "$TMP/build.log")"
	finish
fi
FUZZ=$ROOT/tests/build/fuzz

# seed_TARGET DIR: real inputs for one target (none: it starts from nothing)
seed_folded() {
	cat >"$1/seed.folded" <<'EOT'
app;main (app.c:3);run (app.c:10);helper (h.h:2)_[i];deep_[i];do_syscall_64_[k] 30
app;main (app.c:3);other (app.c:20) 70
java;Interpreter;Lfoo;.bar_[j] 3
EOT
}
seed_pprof() {
	seed_folded "$TMP"
	"$BPFPROF" convert "$TMP/seed.folded" -o "$1/seed.pb.gz"
	gunzip -c "$1/seed.pb.gz" >"$1/seed.pb"
}
seed_symbolizer() { cp "$FUZZ/corpus-sym/"* "$1/"; }
seed_http() { cp "$ROOT/tests/fuzz/corpus-http/"* "$1/"; }
seed_window() { cp "$FUZZ/corpus-window/"* "$1/"; }
seed_push_cursor() { printf 'bpfprof-push 1 1700000000123 2\n' > "$1/valid"; }
# cgroup paths as Docker, kubelet (both drivers), podman and systemd lay them out
seed_identity() {
	local id=3f4e5d6c7b8a99887766554433221100ffeeddccbbaa00112233445566778899
	local uid=1d6e5b0e-9a7c-4c1f-8f3e-2b9a7c1d0e5f
	printf '/system.slice/docker-%s.scope' $id >"$1/docker"
	printf '/kubepods/burstable/pod%s/%s' $uid $id >"$1/kubepods"
	printf '/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod%s.slice/cri-containerd-%s.scope' \
		"${uid//-/_}" $id >"$1/kubepods-systemd"
	printf '/machine.slice/libpod-%s.scope/container' $id >"$1/podman"
	printf '/system.slice/getty.slice/getty@tty1.service' >"$1/service"
}
seed_config() {
	cp "$ROOT/deploy/bpfprof.conf" "$1/example.conf"
	printf 'freq = 3\nidle\n# c\nlabel a=b\nlabel = c=d # e\nmaybe\nidle = false\n' >"$1/forms.conf"
}
# a section with a byte in front: 0 .eh_frame, 1 .debug_frame (fuzz_unwind_table.c)
seed_unwind_table() {
	local f
	for f in "$WORKLOADS/calltree_nofp" "$WORKLOADS/libcalltree_nofp.so"; do
		objcopy --dump-section .eh_frame="$TMP/sec" "$f" "$TMP/elf" 2>/dev/null &&
			{ printf '\0'; cat "$TMP/sec"; } >"$1/eh-$(basename "$f")"
	done
	objcopy --dump-section .debug_frame="$TMP/sec" "$WORKLOADS/calltree_debugframe" \
		"$TMP/elf" 2>/dev/null && { printf '\1'; cat "$TMP/sec"; } >"$1/debug-frame"
}
# an instruction byte, then a 3.11 code object (qualname, filename, a real
# line table) laid out as fuzz_py_code.c reads it (offsets: py_offsets.c)
seed_py_code() {
	/usr/bin/python3 - "$1/code" <<'EOT' || true
import struct, sys
def f(a):
    x = a + 1
    return [x,
            a]
B = 0x10000
mem = bytearray(1024)
def put(off, fmt, *v): struct.pack_into(fmt, mem, off, *v)
put(72, "<i", f.__code__.co_firstlineno)
put(112, "<Q", B + 256); put(128, "<Q", B + 512); put(136, "<Q", B + 768)
for off, s in ((256, b"/srv/app/mod.py"), (512, b"Outer.f")):
    put(off + 16, "<Q", len(s)); put(off + 32, "<I", 1 << 2 | 1 << 5 | 1 << 6)
    mem[off + 48:off + 48 + len(s)] = s
t = f.__code__.co_linetable
put(768 + 16, "<Q", len(t)); mem[768 + 32:768 + 32 + len(t)] = t
open(sys.argv[1], "wb").write(bytes([5]) + bytes(mem))
EOT
}
# the .gopclntab section of the Go workloads (fuzz_gopclntab.c)
seed_gopclntab() {
	local f
	for f in "$WORKLOADS/gocalltree" "$WORKLOADS/gocalltree-stripped"; do
		objcopy --dump-section .gopclntab="$1/$(basename "$f")" "$f" "$TMP/elf" 2>/dev/null
	done
	objcopy --dump-section .data.rel.ro.gopclntab="$1/gocalltree-pie" \
		"$WORKLOADS/gocalltree-pie" "$TMP/elf" 2>/dev/null
	# the table followed by a module data that points at it as the fuzzer's
	# image without sections maps it (at 0x10000): found, cut to its end,
	# its go:func.* at the table's start
	[ -s "$1/gocalltree-stripped" ] || return 0
	python3 - "$1/gocalltree-stripped" "$1/with-moduledata" <<'EOT'
import struct, sys
t = bytearray(open(sys.argv[1], "rb").read())
w = struct.unpack_from("<8Q", t, 8)  # nfunc, nfiles, text, funcname, cu, filetab, pctab, pcln
t += bytes(-len(t) % 8)
md = [0] * 41
md[0], md[1] = 0x10000, 0x10000 + w[3]
md[13], md[14] = 0x10000 + w[7], len(t) - w[7]
md[22], md[23] = w[2], w[2] + 0x90000
md[38] = 0x10000  # gofunc (Go 1.18, 1.19)
open(sys.argv[2], "wb").write(t + struct.pack("<41Q", *md))
EOT
}

for bin in "$FUZZ"/fuzz_*; do
	[ -x "$bin" ] || continue
	target=${bin##*/fuzz_}
	corpus=$TMP/corpus-$target
	mkdir -p "$corpus"
	if declare -F "seed_$target" >/dev/null; then "seed_$target" "$corpus"; fi
	[ -d "$ROOT/tests/fuzz/regress/$target" ] && cp "$ROOT/tests/fuzz/regress/$target/"* "$corpus/"
	if (cd "$TMP" && "$bin" -seed="$SEED" -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix="/tmp/bpfprof-fuzz-$target-" "$corpus" >"$TMP/$target.log" 2>&1); then
		echo "# $target: $(grep -o 'Done [0-9]* runs' "$TMP/$target.log") in $SECONDS_EACH s"
		pass "fuzz-$target"
	else
		fail "fuzz-$target" "$(grep -m3 -E 'ERROR|SUMMARY|artifact' "$TMP/$target.log" | tr '\n' ' ')"
	fi
done
finish
