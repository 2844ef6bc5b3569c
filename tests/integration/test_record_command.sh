#!/bin/bash
# record -- COMMAND: profiles the command and its children, returns its exit code.
. "$(dirname "$0")/../lib.sh"

"$BPFPROF" record -o "$TMP/cmd.folded" -- "$WORKLOADS/calltree" 2 7 2>"$TMP/err"
rc=$?
[ $rc -eq 7 ] && pass exit-code-passed-on || fail exit-code-passed-on "exit code $rc, want 7"
full=$(share "$TMP/cmd.folded" '^calltree;.*main;run;stage_one;stage_two;stage_three;leaf_')
ge "$full" 90 && pass command-profiled || fail command-profiled "only $full % of samples are the command's call tree"
n=$(total "$TMP/cmd.folded")
cpu=$(reported_cpu "$TMP/err")
samples_match_cpu "$n" "$cpu" 99 && pass command-samples \
	|| fail command-samples "$n samples for $cpu CPU seconds of the command"

# children: a shell that runs the workload twice
"$BPFPROF" record -o "$TMP/kids.folded" -- sh -c "'$WORKLOADS/calltree' 1; '$WORKLOADS/calltree' 1" 2>"$TMP/err"
rc=$?
[ $rc -eq 0 ] && pass children-exit-code || fail children-exit-code "exit code $rc"
kids=$(awk '/^calltree;/ { t += $NF } END { print t + 0 }' "$TMP/kids.folded")
cpu=$(reported_cpu "$TMP/err")
samples_match_cpu "$kids" "$cpu" 99 && pass children-profiled \
	|| fail children-profiled "$kids samples of the two children for $cpu CPU seconds"

# a command that cannot run: 127 and a clear message
"$BPFPROF" record -o "$TMP/none.folded" -- /nonexistent/cmd 2>"$TMP/err"
rc=$?
[ $rc -eq 127 ] && grep -q 'cannot run /nonexistent/cmd' "$TMP/err" && pass missing-command \
	|| fail missing-command "rc $rc, stderr: $(cat "$TMP/err")"
finish
