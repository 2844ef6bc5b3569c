#!/usr/bin/env python3
"""compare.py - parse addr2line-style outputs and count differing addresses.

    compare.py ADDRS OURS EU [--show N]

OURS is `bpfprof symbolize -a` output, EU is `eu-addr2line -a -f -i -C`
output. Both print, per address, a line "0x..." then (function, file:line)
pairs innermost first; eu-addr2line writes "f inlined at F:L:C in g" and
file:line:column, which are normalised away. An address differs when its
chain of (function, file, line) is not identical.
"""
import collections
import sys


def parse(path):
    res = {}
    cur = None
    lines = open(path, errors="replace").read().split("\n")
    i = 0
    while i < len(lines):
        l = lines[i]
        if l.startswith("0x") and " " not in l:
            cur = int(l, 16)
            res[cur] = []
            i += 1
            continue
        if cur is None or l == "":
            i += 1
            continue
        func = l.split(" inlined at ")[0]
        loc = lines[i + 1] if i + 1 < len(lines) else "??:0"
        loc = loc.split(" (discriminator ")[0]  # binutils addr2line adds it
        parts = loc.split(":")
        # file:line or file:line:column
        if len(parts) >= 3 and parts[-1].isdigit() and parts[-2].isdigit():
            parts = parts[:-1]
        f, ln = ":".join(parts[:-1]), parts[-1]
        if ln in ("?", ""):
            ln = "0"
        res[cur].append((func, f, ln))
        i += 2
    return res


def main():
    addrs = [int(a, 16) for a in open(sys.argv[1]).read().split()]
    ours, eu = parse(sys.argv[2]), parse(sys.argv[3])
    show = int(sys.argv[5]) if len(sys.argv) > 5 and sys.argv[4] == "--show" else 0
    kinds = collections.Counter()
    ndiff = 0
    seen = set()
    for a in addrs:
        if a in seen or a not in eu:
            continue
        seen.add(a)
        o, e = ours.get(a, []), eu[a]
        if o == e:
            continue
        ndiff += 1
        if len(o) != len(e):
            kind = "inline_depth"
        elif [x[0] for x in o] != [x[0] for x in e]:
            kind = "function"
        elif [x[1] for x in o] != [x[1] for x in e]:
            kind = "file"
        else:
            kind = "line"
        kinds[kind] += 1
        if show:
            show -= 1
            print("%x\n  ours %s\n  eu   %s" % (a, o, e), file=sys.stderr)
    n = len(seen)
    print("%d %d %s" % (n, ndiff, ",".join("%s=%d" % kv for kv in sorted(kinds.items()))))


main()
