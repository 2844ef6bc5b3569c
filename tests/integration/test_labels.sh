#!/bin/bash
# test_labels.sh - every sample says who it is: real cgroup v2 directories
# named as Docker (system.slice/docker-ID.scope), the kubelet's cgroupfs driver
# (kubepods/burstable/pod<uid>/ID) and systemd (system.slice/demo.service)
# would name them, a burning workload moved into each, then
#   - record --label env=prod -o x.pb.gz: go tool pprof -raw shows
#     container_id, pod_uid, service, exe, host and env on the right samples,
#     and convert (pprof to pprof) keeps them;
#   - serve --label env=prod: /api/profile?label.KEY=VALUE (ANDed, with the
#     old filters), /api/processes rows carry the labels, a bad filter is 400,
#     an exe path with a line break and a tab is labelled with '?' for them,
#     and a history file of the agent before labels (tests/fixtures/
#     window-v1.win.gz) is still served;
#   - the agent's page offers the labels as filters (tests/web/agent_labels.js).
# The cgroups are removed at the end (the workloads are stopped first).
. "$(dirname "$0")/../lib.sh"

export HOME=$TMP/home GOCACHE=$TMP/gocache
mkdir -p "$HOME" "$GOCACHE"
if ! command -v go >/dev/null 2>&1; then
	skip labels "go tool pprof is not installed (golang-go)"
	finish
fi
CG2=$(findmnt -n -t cgroup2 -o TARGET | head -1)
if [ -z "$CG2" ] || [ ! -w "$CG2/cgroup.procs" ]; then
	skip labels "no writable cgroup v2 mount"
	finish
fi

hex64() { od -An -N32 -tx1 /dev/urandom | tr -d ' \n'; }
CID=$(hex64)
KCID=$(hex64)
PUID=$(cat /proc/sys/kernel/random/uuid)
SVC=demo.service
[ -e "$CG2/system.slice/$SVC" ] && SVC=demo-$$.service # another run's: keep ours apart
HOST=$(uname -n)

# directories made here, deepest last; removed in reverse at the end
MADE=()
make_cg() {
	local parts=() d=$1
	while [ ! -d "$d" ]; do parts=("$d" "${parts[@]}"); d=$(dirname "$d"); done
	for d in "${parts[@]}"; do mkdir "$d" && MADE+=("$d"); done
}
remove_cgroups() {
	local i d p
	for p in $BG_PIDS; do kill "$p" 2>/dev/null; done
	for p in $BG_PIDS; do wait "$p" 2>/dev/null; done
	for ((i = ${#MADE[@]} - 1; i >= 0; i--)); do
		d=${MADE[$i]}
		# whatever is still inside goes back to the root first
		for p in $(cat "$d/cgroup.procs" 2>/dev/null); do echo "$p" >"$CG2/cgroup.procs" 2>/dev/null; done
		rmdir "$d" 2>/dev/null || echo "# could not remove $d"
	done
	cleanup_tmp
}
trap remove_cgroups EXIT

CG_DOCKER=$CG2/system.slice/docker-$CID.scope
CG_KUBE=$CG2/kubepods/burstable/pod$PUID/$KCID
CG_SVC=$CG2/system.slice/$SVC
for d in "$CG_DOCKER" "$CG_KUBE" "$CG_SVC"; do
	if ! make_cg "$d"; then
		fail cgroups "cannot create $d"
		finish
	fi
done

# one workload per cgroup, each under a name of its own (the comm is the file
# name); each enters its cgroup before it execs, so it is captured there
run_in() { # CGROUP NAME SECONDS
	cp "$WORKLOADS/calltree" "$TMP/$2"
	bg sh -c 'echo $$ >"$1/cgroup.procs" && exec "$2" "$3" >/dev/null 2>&1' sh "$1" "$TMP/$2" "$3"
}
run_in "$CG_DOCKER" lbl_docker 14
PID_DOCKER=$LAST_PID
run_in "$CG_KUBE" lbl_kube 14
PID_KUBE=$LAST_PID
run_in "$CG_SVC" lbl_svc 14
PID_SVC=$LAST_PID
# an exe path with a line break and a tab (whoever starts a process names
# it): the label shows them as '?', in pprof and through the history
NLDIR=$TMP/$'dir\nwith\ttab'
mkdir -p "$NLDIR"
cp "$WORKLOADS/calltree" "$NLDIR/lbl_nl"
bg "$NLDIR/lbl_nl" 14 >/dev/null 2>&1
EXE_NL="$TMP/dir?with?tab/lbl_nl"
sleep 0.3
for pair in "$PID_DOCKER:${CG_DOCKER#"$CG2"}" "$PID_KUBE:${CG_KUBE#"$CG2"}" "$PID_SVC:${CG_SVC#"$CG2"}"; do
	pid=${pair%%:*}
	if ! grep -qx "0::${pair#*:}" "/proc/$pid/cgroup" 2>/dev/null; then
		fail cgroups "pid $pid is not in ${pair#*:}: $(grep '^0::' "/proc/$pid/cgroup" 2>&1)"
		finish
	fi
done
pass cgroups

# the agent first (1 s windows), then record alongside it
PORT=$(free_port)
URL=http://127.0.0.1:$PORT
mkdir -m 700 "$TMP/data"
# a window the agent wrote before labels, under the name the store gives it
V1=$ROOT/tests/fixtures/window-v1.win.gz
read -r _ v1_ns v1_dur _ < <(gzip -dc "$V1" | grep -m1 '^time ')
read -r _ _ v1_n < <(gzip -dc "$V1" | grep -m1 '^end ')
v1_from=$((v1_ns / 1000000))
v1_to=$((v1_from + v1_dur / 1000000))
v1_name=$(printf '%013d-%013d-%d.win.gz' "$v1_from" "$v1_to" "$v1_n")
install -m 600 "$V1" "$TMP/data/$v1_name"
bg "$BPFPROF" serve --listen "127.0.0.1:$PORT" --data-dir "$TMP/data" -F 49 --window 1s \
	--retention 0 --label env=prod 2>"$TMP/agent.err"
if ! wait_http "$URL/healthz" 10; then
	fail agent-starts "no /healthz: $(head -c 300 "$TMP/agent.err")"
	finish
fi

if ! "$BPFPROF" record -F 99 -d 4 -q --label env=prod -o "$TMP/x.pb.gz" 2>"$TMP/record.err"; then
	fail record "$(head -3 "$TMP/record.err")"
	finish
fi

# go tool pprof -raw: one line per sample, its labels after its count
raw_samples() {
	go tool pprof -raw "$1" 2>"$TMP/pprof.err" | awk '
		/^Samples:/ { on = 1; next }
		/^Locations/ { on = 0 }
		on && /^ +[0-9]+ +[0-9]+:/ { if (line != "") print line; line = $1; next }
		on && line != "" { line = line " " $0 }
		END { if (line != "") print line }'
}
# check_samples FILE TAG: the labels of each workload's samples
check_samples() {
	local f=$1 tag=$2 n bad
	raw_samples "$f" >"$TMP/raw-$tag"
	n=$(wc -l <"$TMP/raw-$tag")
	if [ "$n" -eq 0 ]; then
		fail "$tag-read" "go tool pprof -raw: $(head -3 "$TMP/pprof.err")"
		return
	fi
	bad=$(grep -vcF -e "env:[prod]" "$TMP/raw-$tag")
	bad=$((bad + $(grep -vcF -e "host:[$HOST]" "$TMP/raw-$tag")))
	[ "$bad" -eq 0 ] && pass "$tag-every-sample-env-host" ||
		fail "$tag-every-sample-env-host" "$bad of $n samples without env:[prod] or host:[$HOST]"
	# name want... unwanted...: every sample of comm NAME has each want, no unwanted
	expect() {
		local name=$1 want=$2 unwanted=$3 lines k
		lines=$(grep -F "comm:[$name]" "$TMP/raw-$tag")
		if [ -z "$lines" ]; then
			fail "$tag-$name" "no samples of $name"
			return
		fi
		for k in $want; do
			if echo "$lines" | grep -vqF -- "$k"; then
				fail "$tag-$name" "a sample of $name without $k: $(echo "$lines" | grep -vF -- "$k" | head -1)"
				return
			fi
		done
		for k in $unwanted; do
			if echo "$lines" | grep -qF -- "$k"; then
				fail "$tag-$name" "a sample of $name with $k: $(echo "$lines" | grep -F -- "$k" | head -1)"
				return
			fi
		done
		pass "$tag-$name"
	}
	expect lbl_docker "container_id:[$CID] exe:[$TMP/lbl_docker] cgroup:[${CG_DOCKER#"$CG2"}]" \
		"pod_uid: service:"
	expect lbl_kube "container_id:[$KCID] pod_uid:[$PUID] exe:[$TMP/lbl_kube]" "service:"
	expect lbl_svc "service:[$SVC] exe:[$TMP/lbl_svc]" "container_id: pod_uid:"
	expect lbl_nl "exe:[$EXE_NL]" "container_id: pod_uid: service:[$SVC]"
}
check_samples "$TMP/x.pb.gz" record
# pprof to pprof keeps them (pprof_read reads labels back)
if "$BPFPROF" convert "$TMP/x.pb.gz" -o "$TMP/y.pb.gz" 2>"$TMP/convert.err"; then
	check_samples "$TMP/y.pb.gz" convert
else
	fail convert "$(head -3 "$TMP/convert.err")"
fi

# the agent: give it two more windows, then ask the last minute
sleep 2.5
get() { curl -s -o "$TMP/body" -w '%{http_code}' "$URL$1"; }
# folded_roots: the first frame (the comm) of each stack in the body
folded_roots() { awk '{ sub(/;.*/, ""); print }' "$TMP/body" | sort -u | tr '\n' ' '; }
api_filter() { # NAME QUERY WANT_ROOTS
	local code roots
	code=$(get "/api/profile?format=folded&from=-2m&$2")
	roots=$(folded_roots)
	if [ "$code" = 200 ] && [ "$roots" = "$3" ]; then
		pass "api-$1"
	else
		fail "api-$1" "HTTP $code, roots '$roots', want '$3'"
	fi
}
api_filter service "label.service=$SVC" "lbl_svc "
api_filter container "label.container_id=$CID" "lbl_docker "
api_filter pod "label.pod_uid=$PUID" "lbl_kube "
api_filter and-env "label.service=$SVC&label.env=prod&label.host=$HOST" "lbl_svc "
api_filter and-none "label.service=$SVC&label.env=dev" ""
api_filter and-comm "label.pod_uid=$PUID&comm=lbl_docker" ""
api_filter exe "label.exe=$(printf %s "$TMP/lbl_kube" | sed 's|/|%2F|g')" "lbl_kube "
api_filter exe-sanitised "label.exe=$(printf %s "$EXE_NL" | sed 's|/|%2F|g; s|?|%3F|g')" "lbl_nl "
code=$(get "/api/profile?format=folded&label.a-b=1")
[ "$code" = 400 ] && pass api-bad-filter || fail api-bad-filter "HTTP $code for label.a-b"

# /api/processes: the rows carry the labels (the UI offers their keys)
get "/api/processes?from=-2m&limit=100000" >/dev/null
if python3 - "$TMP/body" "$KCID" "$PUID" "$HOST" <<'EOF'; then
import json, sys
rows = json.load(open(sys.argv[1]))["processes"]
kube = [r for r in rows if r.get("comm") == "lbl_kube"]
ok = kube and all(r.get("container_id") == sys.argv[2] and r.get("pod_uid") == sys.argv[3]
                  and r.get("host") == sys.argv[4] and r.get("env") == "prod" and
                  r.get("exe", "").endswith("/lbl_kube") for r in kube)
sys.exit(0 if ok else 1)
EOF
	pass api-processes-labels
else
	fail api-processes-labels "$(grep -o '{[^{]*lbl_kube[^}]*}' "$TMP/body" | head -2)"
fi

# the pprof the API serves carries them too
code=$(get "/api/profile?format=pprof&from=-2m&label.service=$SVC")
cp "$TMP/body" "$TMP/api.pb.gz"
if [ "$code" = 200 ] && raw_samples "$TMP/api.pb.gz" | grep -qF "service:[$SVC]" &&
	! raw_samples "$TMP/api.pb.gz" | grep -vqF "comm:[lbl_svc]"; then
	pass api-pprof-labels
else
	fail api-pprof-labels "HTTP $code: $(raw_samples "$TMP/api.pb.gz" | head -2)"
fi

# the window from before labels is served (no labels: a label filter skips it)
code=$(get "/api/profile?format=folded&from=$v1_from&to=$v1_to")
n=$(total "$TMP/body")
if [ "$code" = 200 ] && [ "$n" = 106 ] && grep -q '^calltree;' "$TMP/body"; then
	pass old-window-served
else
	fail old-window-served "HTTP $code, $n samples (want 106): $(head -c 200 "$TMP/agent.err")"
fi
code=$(get "/api/profile?format=folded&from=$v1_from&to=$v1_to&label.env=prod")
[ "$code" = 200 ] && [ "$(total "$TMP/body")" = 0 ] && pass old-window-label-filter ||
	fail old-window-label-filter "HTTP $code, $(total "$TMP/body") samples"
grep -q "ignored" "$TMP/agent.err" && fail old-window-accepted "$(grep ignored "$TMP/agent.err")" ||
	pass old-window-accepted

# the UI offers the labels as filters and asks label.service= (last: skips
# the rest of the script when there is no browser)
need_browser
TEST_PREFIX=$TEST_NAME node "$WEB/agent_labels.js" "$URL/" "$SVC" lbl_svc || FAILED=1
finish
