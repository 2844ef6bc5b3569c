#!/bin/bash
# An unprivileged process that maps 5,000 distinct files (copies of a small
# library, dlopened) must not fill the unwind table cache for good: a new
# binary started after the flood still unwinds completely, and the cache's
# counters reach /metrics.
. "$(dirname "$0")/../lib.sh"

N=${FLOOD_FILES:-5000}
FULL=';main;run;stage_one;stage_two;stage_three;leaf_(alpha|beta|gamma)(;|$)'
chmod 711 "$TMP"
mkdir "$TMP/flood" && chown 65534:65534 "$TMP/flood"
cp "$WORKLOADS/calltree_nofp" "$TMP/newbin" # a binary the agent has never seen

bg "$BPFPROF" record --unwind dwarf -F 199 -d 180 -o "$TMP/all.folded" 2>"$TMP/record.err"
REC=$LAST_PID
wait_sampling $REC
bg setpriv --reuid=65534 --regid=65534 --clear-groups \
	"$WORKLOADS/dlopen_many" "$WORKLOADS/libtiny.so" "$TMP/flood" "$N" 60 >"$TMP/flood.out"
FLOOD=$LAST_PID
for _ in $(seq 120); do grep -q opened "$TMP/flood.out" && break; sleep 0.5; done
grep -q ": $N opened" "$TMP/flood.out" && pass flood-mapped || fail flood-mapped "the flood did not map $N files: $(cat "$TMP/flood.out")"
# the flood is sampled and its mappings loaded (misses reload it)
sleep 4
kill "$FLOOD" 2>/dev/null # its files stay cached: only their use ages
"$TMP/newbin" 4 >/dev/null 2>&1
kill -INT "$REC"
wait "$REC"
[ -s "$TMP/all.folded" ] || { fail record "no output: $(cat "$TMP/record.err")"; finish; }
grep '^dlopen_many;' "$TMP/all.folded" >"$TMP/flood.folded"
grep '^newbin;' "$TMP/all.folded" >"$TMP/new.folded"
ge "$(total "$TMP/flood.folded")" 50 && pass flood-sampled \
	|| fail flood-sampled "only $(total "$TMP/flood.folded") samples of the flood"
n=$(total "$TMP/new.folded")
ge "$n" 150 && pass new-binary-samples || fail new-binary-samples "only $n samples of the new binary"
full=$(share "$TMP/new.folded" "$FULL")
ge "$n" 150 && ge "$full" 90 && pass new-binary-unwinds \
	|| fail new-binary-unwinds "$full % of $n samples of a binary started after the flood have the full path"
echo "flood: $N files; new binary: $full % full paths of $n samples"
finish
