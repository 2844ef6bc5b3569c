#!/usr/bin/env python3
"""bench_symbolize.py - bpfprof symbolize against addr2line, eu-addr2line and
llvm-symbolizer on the same addresses of a binary with a large DWARF.

    bench/bench_symbolize.py [--addrs N] [--files F] [--bpfprof PATH]

Generates bench sources (bench/gen_big.py) and builds them once into
build/bench/big, picks N random code addresses (fixed seed) inside its
functions, runs every tool on the same list (addresses on stdin, output to
/dev/null as hyperfine does, file cache warm for all; best of --runs,
eu-addr2line once as it is slow), and prints wall and CPU time, addresses
per second, how many times longer each tool takes than ours, and how often
our (function, file, line, inline chain) answer differs from eu-addr2line's
(from one more run of each, to a file).
"""
import argparse
import os
import random
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "build", "bench")


def sh(cmd, **kw):
    return subprocess.run(cmd, shell=True, check=True, **kw)


def build(nfiles):
    src = os.path.join(OUT, "src%d" % nfiles)
    exe = os.path.join(OUT, "big%d" % nfiles)
    if os.path.exists(exe):
        return exe
    os.makedirs(OUT, exist_ok=True)
    sh("python3 %s/bench/gen_big.py %s %d 160" % (ROOT, src, nfiles))
    print("building %s (%d files, takes a minute or two)..." % (exe, nfiles), file=sys.stderr)
    sh("cd %s && ls *.c | xargs -P%d -n4 gcc -O2 -g -c" % (src, os.cpu_count() or 2))
    sh("cd %s && gcc -O2 -g *.o -o %s.tmp && mv %s.tmp %s" % (src, exe, exe, exe))
    return exe


def debug_bytes(exe):
    out = subprocess.run(["readelf", "-S", "-W", exe], capture_output=True, text=True).stdout
    total = 0
    for line in out.splitlines():
        parts = line.replace("[ ", "[").split()
        if len(parts) > 5 and parts[1].startswith(".debug_"):
            total += int(parts[5], 16)
    return total


def pick(exe, n, path):
    out = subprocess.run(["nm", "-S", "--defined-only", exe], capture_output=True,
                         text=True).stdout
    if not out.strip():  # stripped: the dynamic symbols
        out = subprocess.run(["nm", "-D", "-S", "--defined-only", exe], capture_output=True,
                             text=True).stdout
    syms = []
    for line in out.splitlines():
        p = line.split()
        if len(p) == 4 and p[2] in ("t", "T") and int(p[1], 16) > 0:
            syms.append((int(p[0], 16), int(p[1], 16)))
    rng = random.Random(12345)
    with open(path, "w") as f:
        for _ in range(n):
            start, size = rng.choice(syms)
            f.write("0x%x\n" % (start + rng.randrange(size)))


def run(argv, addrs, out=os.devnull):
    """One run: (wall seconds, CPU seconds user+sys) of the tool alone."""
    with open(addrs) as fin, open(out, "w") as fout:
        t = time.monotonic()
        p = subprocess.Popen(argv, stdin=fin, stdout=fout)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.monotonic() - t
    if status != 0:
        sys.exit("%s failed (status %d)" % (argv[0], status))
    return wall, ru.ru_utime + ru.ru_stime


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--addrs", type=int, default=100000)
    ap.add_argument("--files", type=int, default=44)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--exe", help="use this binary instead of the generated one")
    ap.add_argument("--bpfprof", default=os.path.join(ROOT, "build", "bpfprof"))
    a = ap.parse_args()

    exe = a.exe or build(a.files)
    work = os.path.join(OUT, "run-" + os.path.basename(exe))
    os.makedirs(work, exist_ok=True)
    addrs = os.path.join(work, "addrs.txt")
    pick(exe, a.addrs, addrs)
    sh("cat %s > /dev/null" % exe)  # warm the page cache for everyone
    tools = [
        ("bpfprof symbolize", [a.bpfprof, "symbolize", "-a", "-e", exe]),
        ("addr2line -f -i -C", ["addr2line", "-a", "-f", "-i", "-C", "-e", exe]),
        ("eu-addr2line -f -i -C", ["eu-addr2line", "-a", "-f", "-i", "-C", "-e", exe]),
        ("llvm-symbolizer", ["llvm-symbolizer", "--obj=" + exe, "--inlining",
                             "--functions=linkage", "--demangle", "--print-address"]),
    ]
    dbg = debug_bytes(exe)
    print("binary: %s, %s, %d addresses" %
          (os.path.relpath(exe, ROOT) if not a.exe else exe,
           "%.1f MB of DWARF" % (dbg / 1e6) if dbg else "DWARF in a separate debug file",
           a.addrs))
    print("best of %d runs (eu-addr2line: 1), output to /dev/null; CPU = user + sys of the tool"
          % a.runs)
    print("%-24s %8s %8s %12s %9s %9s" %
          ("tool", "wall s", "CPU s", "addrs/s", "ours/wall", "ours/CPU"))
    res = {}
    for name, argv in tools:
        if name.startswith("eu-"):  # once, to the file the answers are compared from
            res[name] = run(argv, addrs, os.path.join(work, "eu-addr2line.out"))
        else:
            res[name] = min(run(argv, addrs) for _ in range(a.runs))
    run(tools[0][1], addrs, os.path.join(work, "bpfprof.out"))
    ours = res[tools[0][0]]
    for name, _ in tools:
        wall, cpu = res[name]
        print("%-24s %8.3f %8.3f %12.0f %8.1fx %8.1fx" %
              (name, wall, cpu, a.addrs / wall, wall / ours[0], cpu / ours[1]))
    cmp = subprocess.run([sys.executable, os.path.join(ROOT, "bench", "compare.py"), addrs,
                          os.path.join(work, "bpfprof.out"),
                          os.path.join(work, "eu-addr2line.out")],
                         capture_output=True, text=True, check=True).stdout.split()
    n, nd = int(cmp[0]), int(cmp[1])
    kinds = cmp[2] if len(cmp) > 2 else "none"
    print("differs from eu-addr2line: %d of %d distinct addresses (%.2f %%); by kind: %s" %
          (nd, n, 100.0 * nd / max(n, 1), kinds))


main()
