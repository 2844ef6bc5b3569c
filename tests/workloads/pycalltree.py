# SPDX-License-Identifier: MIT
"""pycalltree.py - a CPython workload with a known call tree and split:

  <module> -> main -> run -> alpha                      60 %  (pure Python)
                          -> beta -> zlib.compress      30 %  (C: libz's deflate)
                          -> gamma -> recurse x 30      10 %  (pure Python at the bottom)

Usage: python3 pycalltree.py [SECONDS [thread [IDLE]]]   (default 5)

With "thread", a second thread runs side -> side_spin (pure Python) next to
the main thread: each thread's samples must show its own stack. IDLE more
threads only wait (their thread states come before the busy ones').

The split is of the thread's CPU time (time.thread_time), so a loaded
machine does not skew it. Each round's length is scaled by a pseudo-random
1-4 (the 6:3:1 split kept within the round) so rounds cannot alias with the
sampling period.
"""
import sys
import threading
import time
import zlib

UNIT = 0.002  # CPU seconds of one share unit
DATA = bytes((i * 7 + (i >> 5)) & 0xFF for i in range(8192))


def alpha(budget):
    end = time.thread_time() + budget
    x = 0
    while time.thread_time() < end:
        for i in range(200):
            x = (x * 31 + i) & 0xFFFF
    return x


def beta(budget):
    end = time.thread_time() + budget
    n = 0
    while time.thread_time() < end:
        n += len(zlib.compress(DATA, 6))
    return n


def gamma(budget, depth=30):
    if depth > 0:
        return gamma(budget, depth - 1)
    end = time.thread_time() + budget
    x = 0
    while time.thread_time() < end:
        for i in range(200):
            x = (x * 17 + i) & 0xFFFF
    return x


def run(seconds):
    end = time.monotonic() + seconds
    seed = 12345
    rounds = 0
    while time.monotonic() < end:
        seed = (seed * 1103515245 + 12345) & 0x7FFFFFFF
        scale = 1 + (seed >> 16) % 4
        alpha(6 * UNIT * scale)
        beta(3 * UNIT * scale)
        gamma(1 * UNIT * scale)
        rounds += 1
    return rounds


def side_spin(end):
    x = 0
    while time.monotonic() < end:
        for i in range(200):
            x = (x * 13 + i) & 0xFFFF
    return x


def side(seconds):
    return side_spin(time.monotonic() + seconds)


def main():
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 5.0
    if len(sys.argv) > 2 and sys.argv[2] == "thread":
        threading.Thread(target=side, args=(seconds,), daemon=True).start()
        done = threading.Event()
        for _ in range(int(sys.argv[3]) if len(sys.argv) > 3 else 0):
            threading.Thread(target=done.wait, daemon=True).start()
    print("pycalltree: %d rounds" % run(seconds), flush=True)


main()
