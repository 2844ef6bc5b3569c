#!/bin/bash
# Go binaries without symbols or unwind info: the known call tree of
# workloads/gocalltree built as Go builds by default (symbols, DWARF,
# .debug_frame) and stripped (-ldflags='-s -w': only .gopclntab is left)
# must give the same profile, and so must the stripped build with its
# section headers removed and a build linked by the system's linker; and Debian's own stripped prometheus, queried
# in a loop on 127.0.0.1, must come out named.
. "$(dirname "$0")/../lib.sh"

GO_NORMAL=$WORKLOADS/gocalltree
GO_STRIPPED=$WORKLOADS/gocalltree-stripped

# funcs FILE: "name share" for every user function in a folded FILE, the
# share (%) of samples whose stack holds it (once per stack); the first
# field (the process name) and kernel frames ("_[k]") are left out
funcs() {
	awk '{ n = $NF; t += n; line = $0; sub(/ [0-9]+$/, "", line)
		k = split(line, f, ";"); delete seen
		for (i = 2; i <= k; i++)
			if (f[i] !~ /_\[k\]$/ && !(f[i] in seen)) { seen[f[i]] = 1; c[f[i]] += n }
	} END { for (x in c) printf "%s %.1f\n", x, 100 * c[x] / t }' "$1"
}

# named FILE: % of user frames (after the process name, not kernel) that
# have a name, not "[unknown]" or "file+0x..."
named() {
	awk '{ n = $NF; line = $0; sub(/ [0-9]+$/, "", line); k = split(line, f, ";")
		for (i = 2; i <= k; i++) {
			if (f[i] ~ /_\[k\]$/) continue
			t += n
			if (f[i] != "[unknown]" && f[i] !~ /\+0x[0-9a-f]+$/) h += n
		}
	} END { printf "%.1f\n", t ? 100 * h / t : 0 }' "$1"
}

if [ ! -x "$GO_NORMAL" ] || [ ! -x "$GO_STRIPPED" ] || [ ! -x "$WORKLOADS/gocalltree-pie" ] ||
	[ ! -x "$WORKLOADS/gocalltree-extpie" ]; then
	fail build "the Go workloads are not built (make -C tests build; needs golang-go)"
	finish
fi
# the stripped build really has nothing but .gopclntab
if readelf -SW "$GO_STRIPPED" | grep -qE '\.symtab|\.debug_|\.eh_frame'; then
	fail stripped-has-nothing "gocalltree-stripped has symbols, DWARF or CFI"
else
	pass stripped-has-nothing
fi

# bpfprof symbolize: the stripped file names what the unstripped one's DWARF
# names, at every main.* and crypto/sha256.* function (start and middle)
nm -S "$GO_NORMAL" | while read -r addr size type name; do
	case "$type:$name" in
	[tT]:main.* | [tT]:crypto/sha256.*)
		printf '%x\n%x\n' $((16#$addr)) $((16#$addr + 16#$size / 2)) ;;
	esac
done >"$TMP/addrs"
"$BPFPROF" symbolize -a -e "$GO_NORMAL" <"$TMP/addrs" >"$TMP/sym-normal" 2>&1
"$BPFPROF" symbolize -a -e "$GO_STRIPPED" <"$TMP/addrs" >"$TMP/sym-stripped" 2>&1
na=$(wc -l <"$TMP/addrs")
if ge "$na" 20 && grep -q '^main\.alpha$' "$TMP/sym-stripped" && cmp -s "$TMP/sym-normal" "$TMP/sym-stripped"; then
	pass symbolize-same-as-dwarf
else
	fail symbolize-same-as-dwarf "$na addresses; $(diff "$TMP/sym-normal" "$TMP/sym-stripped" | head -6 | tr '\n' ' ')"
fi

# both builds at once (one CPU each): the same machine conditions, and at
# 1999 Hz enough samples (~10,000 each on an idle machine) that sampling
# noise moves a 60 % share by well under a point
"$BPFPROF" record -F 1999 -o "$TMP/normal.folded" -- "$GO_NORMAL" 6 \
	>"$TMP/normal.out" 2>"$TMP/normal.err" &
P1=$!
"$BPFPROF" record -F 1999 -o "$TMP/stripped.folded" -- "$GO_STRIPPED" 6 \
	>"$TMP/stripped.out" 2>"$TMP/stripped.err" &
P2=$!
wait $P1 || fail normal-exit "$(tail -3 "$TMP/normal.err")"
wait $P2 || fail stripped-exit "$(tail -3 "$TMP/stripped.err")"
touch "$TMP/normal.folded" "$TMP/stripped.folded"

grep -qE '[1-9][0-9]* Go functions from \.gopclntab \(0 unreadable\)' "$TMP/stripped.err" \
	&& pass summary-go-functions \
	|| fail summary-go-functions "no Go functions line in the summary: $(tail -2 "$TMP/stripped.err")"
n=$(total "$TMP/stripped.folded") m=$(total "$TMP/normal.folded")
ge "$n" 1000 && ge "$m" 1000 && pass samples || fail samples "only $n (stripped) and $m samples"

# names, not hex
for fn in 'main\.alpha' 'main\.run' 'crypto/sha256\.block' 'runtime\.main'; do
	got=$(share "$TMP/stripped.folded" ";$fn(;|\$)")
	ge "$got" 5 && pass "named-${fn//\\/}" \
		|| fail "named-${fn//\\/}" "${fn//\\/} in $got % of the stripped build's samples"
done
hex=$(share "$TMP/stripped.folded" '\+0x[0-9a-f]+(;|$)|\[unknown\]')
ge 1 "$hex" && pass no-hex || fail no-hex "$hex % of stripped samples have an unnamed frame: $(
	grep -m1 -E '\+0x|\[unknown\]' "$TMP/stripped.folded")"

# the call tree reaches the goroutine's start
reach=$(share "$TMP/stripped.folded" ';runtime\.(main|goexit)(;|$)')
ge "$reach" 95 && pass reach-runtime-main \
	|| fail reach-runtime-main "only $reach % of stripped samples reach runtime.main or runtime.goexit"
full=$(share "$TMP/stripped.folded" \
	';runtime\.main;main\.main;main\.run;main\.alpha;main\.hashLoop;crypto/sha256\.Sum256;crypto/sha256\.\(\*digest\)\.Write;crypto/sha256\.block(;|$)')
ge "$full" 40 && pass asm-leaf-full-path \
	|| fail asm-leaf-full-path "only $full % of stripped samples have main...hashLoop;Sum256;Write;block"

# a position-independent build (-buildmode=pie, stripped): the table is in
# .data.rel.ro.gopclntab, the text start in the header left to relocations
GO_PIE=$WORKLOADS/gocalltree-pie
"$BPFPROF" record -F 999 -o "$TMP/pie.folded" -- "$GO_PIE" 3 >/dev/null 2>"$TMP/pie.err" \
	|| fail pie-exit "$(tail -3 "$TMP/pie.err")"
touch "$TMP/pie.folded"
pn=$(total "$TMP/pie.folded")
pfull=$(share "$TMP/pie.folded" \
	';runtime\.main;main\.main;main\.run;main\.alpha;main\.hashLoop;crypto/sha256\.Sum256;crypto/sha256\.\(\*digest\)\.Write;crypto/sha256\.block(;|$)')
preach=$(share "$TMP/pie.folded" ';runtime\.(main|goexit)(;|$)')
ge "$pn" 300 && ge "$pfull" 40 && ge "$preach" 95 && pass pie \
	|| fail pie "$pn samples, $pfull % with the full sha256 path, $preach % reach runtime.main"

# the stripped build without section headers (as sstrip leaves a file:
# e_shoff, e_shnum, e_shstrndx 0): the table is found by its header in the
# segments, names, inlined calls and unwind rows as with the sections
GO_NOSHDR=$TMP/gocalltree-noshdr
python3 - "$GO_STRIPPED" "$GO_NOSHDR" <<'EOT'
import struct, sys
b = bytearray(open(sys.argv[1], "rb").read())
struct.pack_into("<Q", b, 0x28, 0)          # e_shoff
struct.pack_into("<HHH", b, 0x3a, 0, 0, 0)  # e_shentsize, e_shnum, e_shstrndx
open(sys.argv[2], "wb").write(b)
EOT
chmod +x "$GO_NOSHDR"
"$BPFPROF" symbolize -a -e "$GO_NOSHDR" <"$TMP/addrs" >"$TMP/sym-noshdr" 2>&1
if readelf -hW "$GO_NOSHDR" | grep -qE 'Number of section headers: +0$' &&
	grep -q '^main\.alpha$' "$TMP/sym-noshdr" && cmp -s "$TMP/sym-stripped" "$TMP/sym-noshdr"; then
	pass noshdr-symbolize
else
	fail noshdr-symbolize "$(diff "$TMP/sym-stripped" "$TMP/sym-noshdr" | head -6 | tr '\n' ' ')"
fi
(cd "$TMP" && "$BPFPROF" record -F 999 -o "$TMP/noshdr.folded" -- ./gocalltree-noshdr 3 \
	>/dev/null 2>"$TMP/noshdr.err") || fail noshdr-exit "$(tail -3 "$TMP/noshdr.err")"
touch "$TMP/noshdr.folded"
sn=$(total "$TMP/noshdr.folded")
sfull=$(share "$TMP/noshdr.folded" \
	';runtime\.main;main\.main;main\.run;main\.alpha;main\.hashLoop;crypto/sha256\.Sum256;crypto/sha256\.\(\*digest\)\.Write;crypto/sha256\.block(;|$)')
sreach=$(share "$TMP/noshdr.folded" ';runtime\.(main|goexit)(;|$)')
shex=$(share "$TMP/noshdr.folded" '\+0x[0-9a-f]+(;|$)|\[unknown\]')
ge "$sn" 300 && ge "$sfull" 40 && ge "$sreach" 95 && ge 1 "$shex" && pass noshdr \
	|| fail noshdr "$sn samples, $sfull % with the full sha256 path, $sreach % reach runtime.main, $shex % with an unnamed frame"

# linked by the system's linker (-linkmode=external, as cgo programs are):
# no .gopclntab section, the table found in the segments; C code has CFI
GO_EXTPIE=$WORKLOADS/gocalltree-extpie
"$BPFPROF" record -F 999 -o "$TMP/extpie.folded" -- "$GO_EXTPIE" 3 >/dev/null 2>"$TMP/extpie.err" \
	|| fail extpie-exit "$(tail -3 "$TMP/extpie.err")"
touch "$TMP/extpie.folded"
en=$(total "$TMP/extpie.folded")
efull=$(share "$TMP/extpie.folded" \
	';runtime\.main;main\.main;main\.run;main\.alpha;main\.hashLoop;crypto/sha256\.Sum256;crypto/sha256\.\(\*digest\)\.Write;crypto/sha256\.block(;|$)')
ereach=$(share "$TMP/extpie.folded" ';runtime\.(main|goexit)(;|$)')
ge "$en" 300 && ge "$efull" 40 && ge "$ereach" 95 && pass external-linker \
	|| fail external-linker "$en samples, $efull % with the full sha256 path, $ereach % reach runtime.main"

# the same profile as the unstripped build, function by function
funcs "$TMP/normal.folded" | sort >"$TMP/normal.funcs"
funcs "$TMP/stripped.folded" | sort >"$TMP/stripped.funcs"
# two runs differ by sampling alone: 1 point plus 4 standard deviations of the
# difference of two shares at these sample counts (about 3 points idle)
bad=$(join -a1 -a2 -e 0 -o 0,1.2,2.2 "$TMP/normal.funcs" "$TMP/stripped.funcs" |
	awk -v m="$m" -v n="$n" '{ p = ($2 + $3) / 200; d = $2 - $3; if (d < 0) d = -d
		tol = 1 + 400 * sqrt(p * (1 - p) * (1 / m + 1 / n))
		if (d > tol) printf "%s %s/%s (> %.1f) ", $1, $2, $3, tol }')
nf=$(awk '$2 >= 5' "$TMP/normal.funcs" | wc -l)
[ -z "$bad" ] && ge "$nf" 8 && pass same-as-unstripped \
	|| fail same-as-unstripped "functions off by more than sampling explains (unstripped/stripped %): ${bad:-none}; $nf functions >= 5 %"

# Debian's prometheus: a stripped Go binary with only .gopclntab, under load
PROM=$(command -v prometheus || true)
if [ -z "$PROM" ]; then
	skip prometheus-named "no prometheus (tools/install-deps.sh installs it)"
	finish
fi
port=$(free_port)
cat >"$TMP/prom.yml" <<EOF
global:
  scrape_interval: 1s
scrape_configs:
  - job_name: self
    static_configs:
      - targets: ['127.0.0.1:$port']
EOF
bg "$PROM" --config.file="$TMP/prom.yml" --storage.tsdb.path="$TMP/prom-data" \
	--web.listen-address="127.0.0.1:$port" --log.level=error 2>"$TMP/prom.log"
PROM_PID=$LAST_PID
if ! wait_http "http://127.0.0.1:$port/-/ready" 20; then
	fail prometheus-start "prometheus did not answer on 127.0.0.1:$port"
	finish
fi
# a bounded query loop (at most 30 s) against its HTTP API
load() {
	local end=$((SECONDS + 30)) now # killed when the record ends
	while [ $SECONDS -lt $end ]; do
		now=$(date +%s)
		curl -s -m 2 -o /dev/null "http://127.0.0.1:$port/api/v1/query_range?query=rate(prometheus_http_requests_total%5B5s%5D)&start=$((now - 600))&end=$now&step=1"
		curl -s -m 2 -o /dev/null "http://127.0.0.1:$port/api/v1/query?query=count(%7B__name__%3D~%22.%2B%22%7D)"
		curl -s -m 2 -o /dev/null "http://127.0.0.1:$port/metrics"
	done
}
load &
LOAD_PID=$!
BG_PIDS="$BG_PIDS $LOAD_PID"
sleep 1
"$BPFPROF" record -F 499 -p "$PROM_PID" -d 6 -o "$TMP/prom.folded" 2>"$TMP/prom.err" \
	|| fail prometheus-record "$(tail -3 "$TMP/prom.err")"
kill "$LOAD_PID" 2>/dev/null
kill "$PROM_PID" 2>/dev/null
wait "$PROM_PID" 2>/dev/null
touch "$TMP/prom.folded"
pn=$(total "$TMP/prom.folded")
pnamed=$(named "$TMP/prom.folded")
ge "$pn" 50 && ge "$pnamed" 90 && pass prometheus-named \
	|| fail prometheus-named "$pnamed % of prometheus's user frames named, $pn samples"
# every stack starts where a Go stack starts: a goroutine's goexit, a
# thread's mstart, or a switch to the thread's own stack (systemstack,
# mcall, morestack: the pclntab cannot step through those), not in a
# frame read from garbage
pr=$(awk '{ n = $NF; t += n; split($0, f, ";")
	if (f[2] ~ /^runtime\.(goexit|mstart|rt0_go|systemstack|mcall|morestack)$/) h += n
} END { printf "%.1f\n", t ? 100 * h / t : 0 }' "$TMP/prom.folded")
ge "$pr" 90 && pass prometheus-stacks-start-right \
	|| fail prometheus-stacks-start-right "only $pr % of prometheus samples start at goexit, mstart or a stack switch"
finish
