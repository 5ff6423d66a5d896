# Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
"""CPython greenlet's baseline for bench/native_bench.ts (issue 8 part 9), one process:

    $PYTHON bench/native_bench.py [--rounds=9] [--warmup=3]

The main -> g -> main round trip (main: g.switch(i); g: main.switch(x)), batches of SWITCH_N
round trips like the TS switch group, timed by wall clock (time.perf_counter) and by the
process's CPU time (time.process_time), round-robin after untimed warm-up rounds. Prints one
line on stderr and one JSON object on stdout in bench/native_bench.ts's shape (read by
bench/native_report.ts): per case the median batch in ns per round trip, per clock.
"""

import json
import platform
import statistics
import sys
import time

import greenlet

SWITCH_N = 100_000


def option(name, default):
    prefix = f"--{name}="
    for arg in sys.argv[1:]:
        if arg.startswith(prefix):
            return int(arg[len(prefix):])
        if not arg.startswith(("--rounds=", "--warmup=")):
            raise SystemExit(f"Unknown argument {arg}")
    return default


def main():
    rounds, warmup = option("rounds", 9), option("warmup", 3)
    main_greenlet = greenlet.getcurrent()

    def run(x):
        while True:
            x = main_greenlet.switch(x)

    g = greenlet.greenlet(run)
    g.switch(0)
    wall, cpu = [], []
    for round_ in range(warmup + rounds):
        c0, t0 = time.process_time(), time.perf_counter()
        for i in range(SWITCH_N):
            g.switch(i)
        t1, c1 = time.perf_counter(), time.process_time()
        if round_ >= warmup:
            wall.append((t1 - t0) * 1e9 / SWITCH_N)
            cpu.append((c1 - c0) * 1e9 / SWITCH_N)
    case = "python.switch"
    out = {
        "runtime": "python",
        "version": f"CPython {platform.python_version()} + greenlet {greenlet.__version__}",
        "rounds": rounds,
        "cases": {case: statistics.median(wall)},
        "ratios": {},
        "cpu": {"cases": {case: statistics.median(cpu)}, "ratios": {}},
    }
    print(f"python {case:<16} {out['cases'][case]:.1f} ns/op (CPU {out['cpu']['cases'][case]:.1f})",
          file=sys.stderr)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
