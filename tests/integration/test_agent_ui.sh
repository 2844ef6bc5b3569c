#!/bin/bash
# test_agent_ui.sh - the agent's web UI (web/agent.*) in headless Chromium
# (Debian's /usr/bin/chromium driven by playwright-core from npm; no browser
# is ever downloaded) against the real agent, with every request that is not
# for the agent aborted. The agent records `syscall_loop` first and then
# `calltree`; tests/web/agent_ui.js checks that the page opens on a flame
# graph showing leaf_alpha with its share, that timeline drags before and
# after the switch change the profile, the tables filter and highlight, the
# compare view colours growth red and shrinkage blue, the downloads carry the
# selection, and empty ranges and HTTP errors are said clearly; the sandwich
# view and a label filter on the real agent's data. Then tests/web/
# agent_views.js against the mock agent's busy machine (deep stacks, 302
# short gzip processes, cgroup and container labels): root on screen, Top
# processes by comm and pid, label filters, the sandwich view, dark mode.
. "$(dirname "$0")/../lib.sh"

need_browser

PORT=$(free_port)
URL=http://127.0.0.1:$PORT
WIN_S=2
bg "$BPFPROF" serve --listen "127.0.0.1:$PORT" --data-dir "$TMP/data" -F 49 --window ${WIN_S}s \
	2>"$TMP/agent.err"
AGENT=$LAST_PID
if ! wait_http "$URL/healthz" 10; then
	fail agent-starts "no /healthz: $(head -c 300 "$TMP/agent.err")"
	finish
fi
curl -s "$URL/" | grep -q 'ui/agent.js' && pass serves-page || fail serves-page "/ is not web/agent.html"

# Other tests may run the same workloads on this machine: ours get names of
# their own (the comm is the file name), and the checks look at those.
cp "$WORKLOADS/syscall_loop" "$TMP/ui_syscall_loop"
cp "$WORKLOADS/calltree" "$TMP/ui_calltree"
# before: syscall_loop alone for 4 windows; after: calltree
"$TMP/ui_syscall_loop" $((4 * WIN_S))
switch_ms=$(date +%s%3N)
bg "$TMP/ui_calltree" 30
sleep $((5 * WIN_S))

mkdir -p "$TMP/shots"
TEST_PREFIX=$TEST_NAME node "$WEB/agent_ui.js" "$URL/" "$switch_ms" "$TMP/shots" ui_calltree \
	ui_syscall_loop || FAILED=1
# keep the screenshots for a look: AGENT_UI_SHOTS=DIR
[ -n "${AGENT_UI_SHOTS:-}" ] && mkdir -p "$AGENT_UI_SHOTS" && cp "$TMP"/shots/*.png "$AGENT_UI_SHOTS"/
# stop the agent before lib.sh removes its data folder
kill "$AGENT" 2>/dev/null
wait "$AGENT" 2>/dev/null

# the views on a busy machine: the mock agent's made-up history
MPORT=$(free_port)
bg node "$WEB/mock_agent.js" "$MPORT" busy >"$TMP/mock.out" 2>&1
if wait_http "http://127.0.0.1:$MPORT/healthz" 10; then
	TEST_PREFIX=$TEST_NAME node "$WEB/agent_views.js" "http://127.0.0.1:$MPORT/" || FAILED=1
else
	fail mock-agent-starts "$(head -c 300 "$TMP/mock.out")"
fi
finish
