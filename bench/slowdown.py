#!/usr/bin/env python3
"""slowdown.py MARKS WORKLOAD_LOG... - the workload's throughput in each
segment of MARKS ("N start end" or "P start end NAME" per line, epoch
seconds), from the rounds the workload reported per interval ("calltree:
interval END ROUNDS SECONDS"), and for each P segment its ratio to the mean
of the N segments around it. Prints "NAME P_rate ratio" per P segment."""
import os
import sys


def intervals(path):
    out = []
    with open(path) as f:
        for line in f:
            w = line.split()
            if len(w) == 5 and w[1] == "interval":
                out.append((float(w[2]), int(w[3]), float(w[4])))
    return out


def rate(logs, start, end):
    """Rounds per second of all workload processes, counting only the
    intervals that lie wholly inside [start, end]."""
    total = 0.0
    for ivs in logs:
        rounds = secs = 0.0
        for t_end, n, length in ivs:
            if t_end - length >= start and t_end <= end:
                rounds += n
                secs += length
        if secs == 0:
            return None
        total += rounds / secs
    return total


def main():
    segs = [l.split() for l in open(sys.argv[1]) if l.strip()]
    logs = [intervals(p) for p in sys.argv[2:]]
    rates = [(s[0], rate(logs, float(s[1]), float(s[2])), s[3] if len(s) > 3 else "-")
             for s in segs]
    if os.environ.get("BENCH_DEBUG"):
        for kind, r, name in rates:
            sys.stderr.write("segment %s %s %s\n" % (kind, name if kind == "P" else "", r))
    for i, (kind, r, name) in enumerate(rates):
        if kind != "P" or r is None or i == 0 or i + 1 >= len(rates):
            continue
        before, after = rates[i - 1][1], rates[i + 1][1]
        if before and after:
            print("%s %.1f %.5f" % (name, r, r / ((before + after) / 2)))


main()
