#!/bin/bash
# The agent's history directory: private modes, planted files (at start and
# while running), a full disk and a read-only one (a small tmpfs).
. "$(dirname "$0")/../lib.sh"

PORT=$(free_port)
URL=http://127.0.0.1:$PORT
MNT=$TMP/mnt
AGENT=

umount_mnt() {
	mountpoint -q "$MNT" 2>/dev/null || return 0
	timeout 10 umount "$MNT" 2>/dev/null || umount -l "$MNT"
}
# the agent holds the tmpfs: stop everything before unmounting, then clean up
trap 'for p in $BG_PIDS; do kill -9 "$p" 2>/dev/null; done; wait 2>/dev/null; umount_mnt; cleanup_tmp' EXIT

start_agent() { # data-dir extra args...
	local dir=$1
	shift
	bg "$BPFPROF" serve --listen "127.0.0.1:$PORT" --data-dir "$dir" -F 199 --window 1s "$@" \
		2>>"$TMP/agent.err"
	AGENT=$LAST_PID
	wait_http "$URL/healthz" 10
}
# SIGTERM, and kill -9 after 10 s (a hung agent must not hang the test)
stop_agent() {
	[ -n "$AGENT" ] || return 0
	kill -TERM "$AGENT" 2>/dev/null
	for _ in $(seq 100); do kill -0 "$AGENT" 2>/dev/null || break; sleep 0.1; done
	kill -9 "$AGENT" 2>/dev/null
	wait "$AGENT" 2>/dev/null
	AGENT=
}
metric() { curl -s -m 10 "$URL/metrics" | awk -v k="$1" '$1 == k { print $2 }'; }
info() { curl -s -m 10 "$URL/api/info" | sed -n "s/.*\"$1\":\([0-9]*\).*/\1/p"; }
# wait_windows N: until the history holds at least N windows (30 s at most)
wait_windows() {
	for _ in $(seq 300); do
		[ "$(info windows)" -ge "$1" ] 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
# Timeline and profile over the same closed range [1, newest): every window
# inside it counts in both, so the totals agree when the timeline counts only
# what reads back. Prints "timeline profile".
totals() {
	local to t p
	to=$(info newest)
	t=$(curl -s -m 10 "$URL/api/timeline?from=1&to=$to&step=$((to - 1))" |
		sed -n 's/.*"points":\[\[[0-9]*,\([0-9]*\)\]\].*/\1/p')
	curl -s -m 10 -o "$TMP/all.folded" "$URL/api/profile?format=folded&from=1&to=$to"
	p=$(total "$TMP/all.folded")
	echo "${t:-none} $p"
}
windows_in() { find "$1" -maxdepth 1 -type f -name '*.win.gz' | wc -l; }

bg "$WORKLOADS/calltree" 300
WL=$LAST_PID

# --- least privilege on disk: 0700 folder, 0600 files -----------------------
DATA=$TMP/data
start_agent "$DATA" && pass starts || fail starts "no /healthz: $(cat "$TMP/agent.err")"
wait_windows 2 || fail windows "no 2 windows in 30 s"
dmode=$(stat -c %a "$DATA")
[ "$dmode" = 700 ] && pass dir-0700 || fail dir-0700 "history folder is $dmode"
nwin=$(windows_in "$DATA")
loose=$(find "$DATA" -maxdepth 1 -type f -name '*.win.gz' ! -perm 600 | wc -l)
[ "$nwin" -ge 2 ] && [ "$loose" -eq 0 ] && pass files-0600 \
	|| fail files-0600 "$loose of $nwin window files are not 0600: $(ls -l "$DATA" | head -3)"

# a folder left by an older version (0755, files 0644) is made private at start
stop_agent
OLD=$TMP/old
mkdir -m 755 "$OLD"
first=$(ls "$DATA" | grep '\.win\.gz$' | head -1)
cp "$DATA/$first" "$OLD/" && chmod 644 "$OLD/$first"
start_agent "$OLD" || fail old-starts "agent did not start on an 0755 folder"
[ "$(info windows)" -ge 1 ] 2>/dev/null && pass old-history-kept \
	|| fail old-history-kept "the old window was not indexed: $(curl -s "$URL/api/info")"
m1=$(stat -c %a "$OLD") m2=$(stat -c %a "$OLD/$first")
[ "$m1" = 700 ] && [ "$m2" = 600 ] && pass old-dir-tightened \
	|| fail old-dir-tightened "folder $m1, old window $m2 after start"
stop_agent

# a symlink as the data dir, or another user's folder: refused at start, with a reason
refused() { # name dir reason-pattern
	local pid
	"$BPFPROF" serve --listen "127.0.0.1:$PORT" --data-dir "$2" -F 199 --window 1s \
		2>"$TMP/refuse.err" &
	pid=$!
	for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	if kill -0 "$pid" 2>/dev/null; then
		kill -9 "$pid"; wait "$pid" 2>/dev/null
		fail "$1" "started on $2"
	elif wait "$pid"; then
		fail "$1" "exit 0 on $2"
	elif grep -qi -- "$3" "$TMP/refuse.err"; then
		pass "$1"
	else
		fail "$1" "no reason given: $(cat "$TMP/refuse.err")"
	fi
}
ln -s "$OLD" "$TMP/link"
refused refuse-symlink-dir "$TMP/link" symlink
mkdir -m 755 "$TMP/foreign" && chown 65534:65534 "$TMP/foreign"
refused refuse-foreign-dir "$TMP/foreign" "belongs to uid 65534"

# --- planted files while the agent runs ---------------------------------------
start_agent "$DATA" || fail restart "agent did not come back"
wait_windows 6 || fail windows "no 6 windows in 30 s"
before=$(info windows)
mapfile -t wins < <(ls "$DATA" | grep '\.win\.gz$' | sort | head -5)
# a FIFO in place of a window: opening it for reading would wait for a writer
rm "$DATA/${wins[0]}" && mkfifo -m 600 "$DATA/${wins[0]}"
# garbage under a window's name: its name still says how many samples it has
head -c 3000 /dev/urandom > "$DATA/${wins[1]}"
# a symlink to a copy of the window, outside the history
mkdir "$TMP/elsewhere" && mv "$DATA/${wins[2]}" "$TMP/elsewhere/" &&
	ln -s "$TMP/elsewhere/${wins[2]}" "$DATA/${wins[2]}"
# another window's (valid) content written over one: samples of another time
cat "$DATA/${wins[4]}" > "$DATA/${wins[3]}"
code=$(curl -s -m 10 -o "$TMP/q.folded" -w '%{http_code}' "$URL/api/profile?format=folded&from=1")
[ "$code" = 200 ] && pass planted-query-answers || fail planted-query-answers "got '$code' (a planted FIFO hangs the reader)"
read -r tl pr < <(totals)
[ "$tl" = "$pr" ] && [ "$pr" -gt 0 ] && pass planted-timeline-honest \
	|| fail planted-timeline-honest "timeline says $tl samples, the windows that read hold $pr"
after=$(info windows)
now_regular=$(windows_in "$DATA")
[ -n "$after" ] && [ "$after" -le $((before + 30)) ] && [ "$after" -le $((now_regular - 2)) ] \
	&& [ "$(metric 'bpfprof_store_files_ignored_total{reason="not_regular"}')" -ge 2 ] 2>/dev/null \
	&& [ "$(metric 'bpfprof_store_files_ignored_total{reason="invalid"}')" -ge 2 ] 2>/dev/null \
	&& pass planted-runtime-dropped \
	|| fail planted-runtime-dropped "info says $after windows, $now_regular regular files; metrics: $(curl -s "$URL/metrics" | grep files_ignored | tr '\n' ' ')"
stop_agent
rm -f "$DATA/${wins[0]}" "$DATA/${wins[1]}" "$DATA/${wins[2]}" "$DATA/${wins[3]}"

# --- planted files at start ---------------------------------------------------
mapfile -t wins < <(ls "$DATA" | grep '\.win\.gz$' | sort | head -2)
real=$(($(windows_in "$DATA") - 2))
head -c 3000 /dev/urandom > "$DATA/0000000000100-0000000000200-18446744073709551615.win.gz"
echo hello | gzip > "$DATA/0000000000300-0000000000400-5.win.gz"
mkfifo "$DATA/0000000000500-0000000000600-7.win.gz"
mkdir "$DATA/0000000000700-0000000000800-9.win.gz"
truncate -s 200M "$DATA/0000000000900-0000000001000-11.win.gz"
mv "$DATA/${wins[0]}" "$TMP/elsewhere/" && ln -s "$TMP/elsewhere/${wins[0]}" "$DATA/${wins[0]}"
chown 65534:65534 "$DATA/${wins[1]}"
# a long window: none closes while the checks count them
start_agent "$DATA" --window 1h && pass planted-start || fail planted-start "agent did not start: $(tail -3 "$TMP/agent.err")"
n=$(info windows)
[ "$n" = "$real" ] && pass planted-start-windows \
	|| fail planted-start-windows "info says $n windows, $real are real"
read -r tl pr < <(totals)
[ "$tl" = "$pr" ] && [ "$pr" -gt 0 ] && pass planted-start-timeline \
	|| fail planted-start-timeline "timeline says $tl samples, the windows that read hold $pr"
reasons=$(for r in not_regular other_owner too_big invalid; do
	printf '%s=%s ' "$r" "$(metric "bpfprof_store_files_ignored_total{reason=\"$r\"}")"; done)
[ "$reasons" = "not_regular=3 other_owner=1 too_big=1 invalid=2 " ] && pass planted-counted \
	|| fail planted-counted "ignored files by reason: $reasons"
grep -q 'ignored 7 files named like windows' "$TMP/agent.err" && pass planted-logged \
	|| fail planted-logged "start-up did not say: $(grep -i ignored "$TMP/agent.err")"
stop_agent

# --- a full disk, then a read-only one (a 4 MB tmpfs) ---------------------------
mkdir -p "$MNT"
if ! mount -t tmpfs -o size=4m,mode=0700 tmpfs "$MNT" 2>"$TMP/mount.err"; then
	skip disk-full "cannot mount a tmpfs: $(cat "$TMP/mount.err")"
	finish
fi
: > "$TMP/agent.err"
start_agent "$MNT/data" || fail tmpfs-start "agent did not start on a tmpfs"
wait_windows 1 || fail tmpfs-windows "no window on the tmpfs"
# fill the disk, or make it read-only, between two window writes: in the middle
# of one, the failed write frees its space again and the next window fits
quiesce() { # stop the agent where it has no temporary file open
	for _ in $(seq 200); do
		kill -STOP "$AGENT"
		compgen -G "$MNT/data/.tmp-*" >/dev/null || return 0
		kill -CONT "$AGENT"
		sleep 0.01
	done
	return 1
}
quiesce || fail enospc-quiesce "always in a write"
dd if=/dev/zero of="$MNT/fill" bs=64k 2>/dev/null
kill -CONT "$AGENT"
# waits are long: a window closes late when the agent parses a big new binary
lost=0
for _ in $(seq 300); do # at least three windows lost
	lost=$(metric 'bpfprof_window_write_errors_total{reason="no_space"}')
	[ "${lost:-0}" -ge 3 ] && break
	sleep 0.1
done
[ "${lost:-0}" -ge 3 ] && pass enospc-counted || fail enospc-counted "no_space errors: '$lost'"
nlog=$(grep -c 'window lost' "$TMP/agent.err")
grep -q 'window lost.*No space left on device' "$TMP/agent.err" && [ "$nlog" -eq 1 ] \
	&& ! grep -q 'Input/output error' "$TMP/agent.err" && pass enospc-logged-once \
	|| fail enospc-logged-once "$nlog lines for $lost lost windows: $(grep -v '^bpfprof serve: \(sampling\|open\)' "$TMP/agent.err" | head -3)"
ls -a "$MNT/data" | grep -q '^\.tmp-' && fail enospc-no-temp "a temporary file is left" || pass enospc-no-temp
was=$(info windows)
rm -f "$MNT/fill"
for _ in $(seq 300); do grep -q 'written again; [0-9]* were lost' "$TMP/agent.err" && break; sleep 0.1; done
grep -Eq 'written again; ([3-9]|[1-9][0-9]+) were lost' "$TMP/agent.err" && [ "$(info windows)" -gt "$was" ] \
	&& pass enospc-recovers || fail enospc-recovers "$(tail -2 "$TMP/agent.err"); $(info windows) windows, $was before"

quiesce || fail erofs-quiesce "always in a write"
mount -o remount,ro "$MNT" || fail erofs-remount "remount read-only refused"
kill -CONT "$AGENT"
for _ in $(seq 300); do
	ro=$(metric 'bpfprof_window_write_errors_total{reason="read_only"}')
	[ "${ro:-0}" -ge 3 ] && break
	sleep 0.1
done
[ "${ro:-0}" -ge 3 ] && pass erofs-counted || fail erofs-counted "read_only errors: '$ro'"
[ "$(grep -c 'window lost.*Read-only file system' "$TMP/agent.err")" -eq 1 ] \
	&& [ "$(grep -c 'window lost' "$TMP/agent.err")" -eq 2 ] && pass erofs-logged-once \
	|| fail erofs-logged-once "$(grep 'window lost' "$TMP/agent.err" | tail -3)"
mount -o remount,rw "$MNT"
for _ in $(seq 300); do [ "$(grep -c 'written again; [0-9]* were lost' "$TMP/agent.err")" -ge 2 ] && break; sleep 0.1; done
[ "$(grep -c 'written again; [0-9]* were lost' "$TMP/agent.err")" -ge 2 ] && pass erofs-recovers \
	|| fail erofs-recovers "no recovery after remount rw: $(tail -2 "$TMP/agent.err")"
stop_agent
umount_mnt && pass tmpfs-unmounted || fail tmpfs-unmounted "could not unmount $MNT"
finish
