# Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
"""CPython greenlet in the same shapes as bench/greenlet_bench.ts.

    $PYTHON bench/greenlet_bench.py [--k=21] [--warmup=3] [--only=pingpong,...] [--no-heap]

$PYTHON (from _tools/env.sh) is a venv of the machine's default python3 with greenlet from
PyPI. Prints one line per case on stderr and one JSON object on stdout (read by
bench/report.ts). Same N, warm-up and round-robin order as the JS side, timed with
time.perf_counter(); a case's figure is its median batch of the K, in ns per operation.

Shapes (one op):
  pingpong    a -> b -> a round trip between two greenlets
  switchSync  main: g.switch(i); g: main.switch(x)  (main code driving a greenlet)
  depth8      the pingpong with DEPTH nested Python function frames below each greenlet's
              run function (nest_a(DEPTH - 1) ... nest_a(0)), the switch made from the
              innermost frame
  create      greenlet(f).switch() with f defined once, returning at once
  heap        tracemalloc bytes per greenlet suspended in its run function (main.switch()),
              and the resident-memory growth per greenlet (informational)

f is defined once, outside the timed loop, like the JS body function: V8 pays ~2 us for the
first call of every freshly created generator closure (an engine cost), so both sides define
the body once and measure the greenlet machinery, not closure creation.
"""

import gc
import json
import platform
import statistics
import sys
import time
import tracemalloc

import greenlet
from greenlet import getcurrent

import _args as bench_args  # bench/_args.py, beside this script

N = {
    "pingpong": 50_000,
    "switchSync": 50_000,
    "depth8": 15_000,
    "create": 10_000,
    "heap": 100_000,
}
DEPTH = 8

main = getcurrent()


def pingpong_case():
    n = N["pingpong"]

    def run_a(count):
        while True:
            for i in range(count):
                b.switch(i)
            count = main.switch()

    def run_b(x):
        while True:
            x = a.switch(x)

    a = greenlet.greenlet(run_a)
    b = greenlet.greenlet(run_b)

    def batch():
        t0 = time.perf_counter()
        a.switch(n)
        return time.perf_counter() - t0

    return "pingpong", n, batch


def switch_sync_case():
    n = N["switchSync"]

    def run(x):
        while True:
            x = main.switch(x)

    g = greenlet.greenlet(run)
    g.switch(0)

    def batch():
        t0 = time.perf_counter()
        for i in range(n):
            g.switch(i)
        return time.perf_counter() - t0

    return "switchSync", n, batch


def depth8_case():
    n = N["depth8"]

    def nest_a(depth, count):
        if depth > 0:
            return nest_a(depth - 1, count)
        for i in range(count):
            b.switch(i)
        return main.switch()

    def nest_b(depth, x):
        if depth > 0:
            return nest_b(depth - 1, x)
        while True:
            x = a.switch(x)

    def run_a(count):
        while True:
            count = nest_a(DEPTH - 1, count)

    def run_b(x):
        nest_b(DEPTH - 1, x)

    a = greenlet.greenlet(run_a)
    b = greenlet.greenlet(run_b)

    def batch():
        t0 = time.perf_counter()
        a.switch(n)
        return time.perf_counter() - t0

    return "depth8", n, batch


def body():
    return 1


def create_case():
    n = N["create"]
    make = greenlet.greenlet

    def batch():
        t0 = time.perf_counter()
        for _ in range(n):
            make(body).switch()
        return time.perf_counter() - t0

    return "create", n, batch


def suspend_body():
    main.switch()


def heap_per():
    n = N["heap"]
    keep = [None] * n
    make = greenlet.greenlet
    g = make(suspend_body)
    g.switch()
    g.throw()
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for i in range(n):
        g = make(suspend_body)
        g.switch()
        keep[i] = g
    gc.collect()
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    per = (after - before) / n
    for g in keep:
        g.throw()
    return per


def rss_per():
    """Resident memory per suspended greenlet (Linux /proc/self/statm), tracemalloc off.

    Includes what tracemalloc does not see: CPython 3.11+ gives each greenlet its own frame
    data-stack chunk, allocated outside the traced allocator."""
    n = N["heap"]
    keep = [None] * n
    make = greenlet.greenlet

    def rss():
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * 4096

    gc.collect()
    before = rss()
    for i in range(n):
        g = make(suspend_body)
        g.switch()
        keep[i] = g
    gc.collect()
    per = (rss() - before) / n
    for g in keep:
        g.throw()
    return per


def main_program():
    k, warmup, only, heap = bench_args.parse(21, 3, "heap")
    cases = [make() for make in (pingpong_case, switch_sync_case, depth8_case, create_case)]
    if only is not None:
        cases = [c for c in cases if c[0] in only]
    samples = {name: [] for name, _, _ in cases}
    for rnd in range(-warmup, k):
        for name, ops, batch in cases:
            t = batch()
            if rnd >= 0:
                samples[name].append(t * 1e9 / ops)
    figures = {name: statistics.median(values) for name, values in samples.items()}
    out = {
        "runtime": "python",
        "version": f"CPython {platform.python_version()} + greenlet {greenlet.__version__}",
        "k": k,
        "n": N,
        "depth": DEPTH,
        "cases": {name: {"greenlet": ns} for name, ns in figures.items()},
    }
    for name, ns in figures.items():
        print(f"python {name:<10} {ns:8.1f} ns/op", file=sys.stderr)
    if heap and (only is None or "heap" in only):
        per = heap_per()
        rss = rss_per()
        out["heap"] = {"greenlet": per, "rss": rss}
        print(f"python heap       {per:8.0f} B/greenlet (tracemalloc), {rss:.0f} B RSS", file=sys.stderr)
    print(json.dumps(out))


if __name__ == "__main__":
    main_program()
