#!/bin/bash
# test_symbolize_files.sh - `bpfprof symbolize -e` on files: PIE, non-PIE and
# a shared library give the same (function, file, line, inline chain) as
# eu-addr2line at every byte of their code; C++ names are demangled;
# stripped binaries find their DWARF through .gnu_debuglink (CRC checked), a
# build-id folder under a test debug root, and a real debuginfod on 127.0.0.1;
# threads give the same answers as one.
. "$(dirname "$0")/../lib.sh"

SRC=$ROOT/tests/workloads/inline_loop.c
LIB=$ROOT/tests/fixtures/symlib.c
CPP=$ROOT/tests/fixtures/symcpp.cpp

# every byte of every sized function of FILE, as 0x... lines
code_addrs() {
	nm -S --defined-only "$1" | python3 -c '
import sys
for line in sys.stdin:
    p = line.split()
    if len(p) == 4 and p[2] in "tTW" and int(p[1], 16) > 0:
        s, n = int(p[0], 16), int(p[1], 16)
        for i in range(n):
            print("0x%x" % (s + i))'
}

# same_as_eu NAME FILE: our answers equal eu-addr2line's for every address
same_as_eu() {
	local name=$1 file=$2 res
	code_addrs "$file" > "$TMP/$name.addrs"
	"$BPFPROF" symbolize -a -e "$file" < "$TMP/$name.addrs" > "$TMP/$name.ours" ||
		{ fail "$name" "bpfprof symbolize failed"; return; }
	eu-addr2line -a -f -i -C -e "$file" < "$TMP/$name.addrs" > "$TMP/$name.eu"
	res=$(python3 "$ROOT/bench/compare.py" "$TMP/$name.addrs" "$TMP/$name.ours" "$TMP/$name.eu" \
		--show 3 2>"$TMP/$name.diff")
	set -- $res
	if [ "${1:-0}" -lt 50 ]; then
		fail "$name" "only ${1:-0} addresses compared"
	elif [ "$2" -ne 0 ]; then
		fail "$name" "$2 of $1 addresses differ from eu-addr2line ($3): $(head -c 600 "$TMP/$name.diff")"
	elif ! grep -q '^helper$\|^lib_leaf$' "$TMP/$name.ours"; then
		fail "$name" "no inlined helper frame in the output"
	else
		pass "$name"
	fi
}

gcc -O2 -g -fPIE -pie "$SRC" -o "$TMP/pie"
gcc -O2 -g -fno-pie -no-pie "$SRC" -o "$TMP/nopie"
gcc -O2 -g -fPIC -shared "$LIB" -o "$TMP/libsym.so"
same_as_eu pie "$TMP/pie"
same_as_eu nopie "$TMP/nopie"
same_as_eu shared_library "$TMP/libsym.so"

# the inlined helper, its line, then its caller at the call's line
work=$(nm "$TMP/pie" | awk '$3 == "work" { print $1 }')
expect_inline() { # NAME OUTPUT
	local want
	want=$(printf 'helper\n%s:18\nwork\n%s:24' "$SRC" "$SRC")
	if [ "$2" = "$want" ]; then pass "$1"; else fail "$1" "got: $(echo "$2" | tr '\n' '|')"; fi
}
addr=$(printf '%x' $((0x$work + 0x12)))
expect_inline inline_frame_and_lines "$("$BPFPROF" symbolize -e "$TMP/pie" "$addr")"

# C++: demangled by default, mangled on request
if g++ -O1 -g "$CPP" -o "$TMP/cpp" 2>/dev/null; then
	grow=$(nm "$TMP/cpp" | awk '$3 ~ /Box.*grow/ { print $1; exit }')
	out=$("$BPFPROF" symbolize -e "$TMP/cpp" "$grow" | head -1)
	raw=$("$BPFPROF" symbolize --no-demangle -e "$TMP/cpp" "$grow" | head -1)
	if [ "$out" = "shapes::Box<int>::grow(int)" ] && [ "${raw#_ZN}" != "$raw" ]; then
		pass demangle_cpp
	else
		fail demangle_cpp "got '$out' and '$raw'"
	fi
else
	skip demangle_cpp "g++ not installed"
fi

# stripped + .gnu_debuglink next to the binary
mkdir -p "$TMP/dl"
cp "$TMP/pie" "$TMP/dl/prog"
objcopy --only-keep-debug "$TMP/dl/prog" "$TMP/dl/prog.debug"
strip -s "$TMP/dl/prog"
objcopy --add-gnu-debuglink="$TMP/dl/prog.debug" "$TMP/dl/prog"
expect_inline debuglink_same_folder "$("$BPFPROF" symbolize --debug-root "$TMP/none" -e "$TMP/dl/prog" "$addr")"
# ... and in .debug/ next to it
mkdir -p "$TMP/dl/.debug"
mv "$TMP/dl/prog.debug" "$TMP/dl/.debug/prog.debug"
expect_inline debuglink_dot_debug "$("$BPFPROF" symbolize --debug-root "$TMP/none" -e "$TMP/dl/prog" "$addr")"
# ... and under DEBUG_ROOT/<dir>/
mkdir -p "$TMP/root$TMP/dl"
mv "$TMP/dl/.debug/prog.debug" "$TMP/root$TMP/dl/prog.debug"
expect_inline debuglink_debug_root "$("$BPFPROF" symbolize --debug-root "$TMP/root" -e "$TMP/dl/prog" "$addr")"
# a debug file whose CRC does not match is refused
cp "$TMP/root$TMP/dl/prog.debug" "$TMP/dl/prog.debug"
printf 'x' >> "$TMP/dl/prog.debug"
rm "$TMP/root$TMP/dl/prog.debug"
out=$("$BPFPROF" symbolize --debug-root "$TMP/none" -e "$TMP/dl/prog" "$addr")
case $out in
*inline_loop.c*) fail debuglink_crc_mismatch "used a debug file with a wrong CRC" ;;
*) pass debuglink_crc_mismatch ;;
esac

# stripped, no debuglink: found by build-id under a debug root
bid=$(readelf -n "$TMP/pie" | awk '/Build ID/ { print $3 }')
mkdir -p "$TMP/bidroot/.build-id/${bid:0:2}" "$TMP/srv"
cp "$TMP/pie" "$TMP/bidprog"
objcopy --only-keep-debug "$TMP/bidprog" "$TMP/bidroot/.build-id/${bid:0:2}/${bid:2}.debug"
strip -s "$TMP/bidprog"
expect_inline build_id_root "$("$BPFPROF" symbolize --debug-root "$TMP/bidroot" -e "$TMP/bidprog" "$addr")"
out=$("$BPFPROF" symbolize --debug-root "$TMP/none" -e "$TMP/bidprog" "$addr")
[ "$out" = "$(printf '??\n??:0')" ] && pass stripped_without_debug_is_unknown ||
	fail stripped_without_debug_is_unknown "got: $(echo "$out" | tr '\n' '|')"

# a real debuginfod serving a folder on 127.0.0.1
if command -v debuginfod >/dev/null && command -v debuginfod-find >/dev/null; then
	cp "$TMP/bidroot/.build-id/${bid:0:2}/${bid:2}.debug" "$TMP/srv/prog.debug"
	port=$(free_port)
	bg debuginfod -F -p "$port" -d "$TMP/db.sqlite" -t 0 -g 0 -c 1 "$TMP/srv" \
		> "$TMP/debuginfod.log" 2>&1
	export DEBUGINFOD_URLS=http://127.0.0.1:$port DEBUGINFOD_CACHE_PATH=$TMP/dcache
	export DEBUGINFOD_TIMEOUT=5
	for _ in $(seq 1 60); do
		debuginfod-find debuginfo "$bid" > /dev/null 2>&1 && break
		rm -rf "$TMP/dcache"
		sleep 0.5
	done
	rm -rf "$TMP/dcache"
	expect_inline debuginfod "$("$BPFPROF" symbolize --debug-root "$TMP/none" -e "$TMP/bidprog" "$addr")"
	unset DEBUGINFOD_URLS
else
	skip debuginfod "debuginfod not installed"
fi

# valgrind on the parsers: a good file, a split one, a library, a truncated one
# (a stripped copy of bpfprof: valgrind cannot read every compiler's DWARF)
if command -v valgrind >/dev/null; then
	strip -o "$TMP/bpfprof.stripped" "$BPFPROF"
	head -c 9000 "$TMP/pie" > "$TMP/trunc"
	vg_fail=""
	for f in pie bidprog libsym.so trunc; do
		valgrind -q --error-exitcode=9 --leak-check=full "$TMP/bpfprof.stripped" symbolize \
			--debug-root "$TMP/bidroot" -e "$TMP/$f" < "$TMP/pie.addrs" > /dev/null \
			2> "$TMP/vg-$f.log" || vg_fail="$vg_fail $f"
	done
	[ -z "$vg_fail" ] && pass valgrind_clean ||
		fail valgrind_clean "errors on$vg_fail: $(head -c 800 "$TMP/vg-${vg_fail##* }.log")"
else
	skip valgrind_clean "valgrind not installed"
fi

# threads (units read on every CPU, lookups shared out) change nothing: our own
# binary (many units), every 4th byte of its code, on 1 and on 4 threads
code_addrs "$BPFPROF" | awk 'NR % 4 == 0' > "$TMP/self.addrs"
"$BPFPROF" symbolize -j 1 -a -e "$BPFPROF" < "$TMP/self.addrs" > "$TMP/self.j1" &&
	"$BPFPROF" symbolize -j 4 -a -e "$BPFPROF" < "$TMP/self.addrs" > "$TMP/self.j4"
n=$(wc -l < "$TMP/self.addrs"); lines=$(grep -c '\.c:[1-9]' "$TMP/self.j1")
if [ "$n" -lt 20000 ] || [ "$lines" -lt $((n / 2)) ]; then
	fail threads_same_answers "only $n addresses, $lines with a source line"
elif cmp -s "$TMP/self.j1" "$TMP/self.j4"; then
	pass threads_same_answers
else
	fail threads_same_answers "$(diff "$TMP/self.j1" "$TMP/self.j4" | head -5)"
fi

# bad input lines give ??, never stop the stream
out=$(printf 'zz\n%s\n' "$addr" | "$BPFPROF" symbolize -e "$TMP/pie" | head -3 | tr '\n' '|')
[ "$out" = "??|??:0|helper|" ] && pass bad_address_line || fail bad_address_line "got $out"
finish
