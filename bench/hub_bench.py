# Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
"""gevent in the same shapes as bench/hub_bench.ts (the hub) and bench/hub_effection.ts.

    $PYTHON bench/hub_bench.py [--k=11] [--warmup=2500] [--warmup-rounds=2] [--only=...]
        [--no-sleepers]

$PYTHON (from _tools/env.sh) is the project's venv with gevent from PyPI. Prints one line per
case on stderr and one JSON object on stdout (read by bench/hub_report.ts). Every case times
batches of N operations with time.process_time() (CPU time: on this shared 2-core VM wall
time mostly measures the scheduler; bench/_hub_method.ts uses the same clock). Warm-up rounds
of every case run until they took --warmup ms of CPU time (and at least --warmup-rounds), the
rule bench/_hub_method.ts applies to the hub and Effection; then the cases take turns for K
rounds and each reports the MEDIAN of its K batches in ns per operation (the report then takes
the median over processes, with the spread).

Shapes (one op), all run from inside a running greenlet (the driver), never from the hub:
  spawnJoin        g = gevent.spawn(body); g.join()           (body returns at once)
  queuePingPong    q1.put(i); q2.get(), the partner doing q2.put(q1.get())  (unbounded Queues)
  channelPingPong  the same over two gevent.queue.Channel (rendezvous)
  sleep0           one task's gevent.sleep(0) while 1 000 tasks loop on sleep(0); ops are
                   counted task steps, so the figure is the per-task cost of a round
  sleepers         heap (tracemalloc) per greenlet sleeping in gevent.sleep(3600), beside the
                   heap per bare suspended greenlet; and queuePingPong beside 10 sleepers and
                   beside 100 000 (its median over K batches in each state)
"""

import gc
import json
import platform
import statistics
import sys
import time
import tracemalloc

import gevent
import greenlet
from gevent.queue import Channel, Queue

import _args as bench_args  # bench/_args.py, beside this script

N = {
    "spawnJoin": 10_000,
    "queuePingPong": 20_000,
    "channelPingPong": 20_000,
    "sleep0": 20,  # rounds of the 1 000 ready tasks
    "sleepers": 100_000,
}
READY = 1_000
FEW = 10


def body():
    return 1


def spawn_join_case():
    n = N["spawnJoin"]
    spawn = gevent.spawn

    def batch():
        t0 = time.process_time()
        for _ in range(n):
            spawn(body).join()
        return time.process_time() - t0, n

    return batch


def ping_pong(make):
    """A batch of n round trips between the driver and a partner over two made queues."""
    q1, q2 = make(), make()

    def partner():
        while True:
            q2.put(q1.get())

    gevent.spawn(partner)

    def batch(n):
        put, get = q1.put, q2.get
        t0 = time.process_time()
        for i in range(n):
            put(i)
            get()
        return time.process_time() - t0, n

    return batch


def queue_case():
    n = N["queuePingPong"]
    run = ping_pong(Queue)
    return lambda: run(n)


def channel_case():
    n = N["channelPingPong"]
    run = ping_pong(Channel)
    return lambda: run(n)


def sleep0_case():
    rounds = N["sleep0"]
    sleep = gevent.sleep

    def batch():
        state = {"run": True, "steps": 0}

        def task():
            while state["run"]:
                state["steps"] += 1
                sleep(0)

        tasks = [gevent.spawn(task) for _ in range(READY)]
        sleep(0)  # every task has started and made its first step
        start = state["steps"]
        t0 = time.process_time()
        for _ in range(rounds):
            sleep(0)
        t = time.process_time() - t0
        steps = state["steps"] - start
        state["run"] = False
        gevent.joinall(tasks)
        return t, steps

    return batch


def sleeper():
    gevent.sleep(3600)


def suspend_body():
    greenlet.getcurrent().parent.switch()


def heap_per(n, make):
    """tracemalloc bytes per object made by make(), n of them kept alive."""
    keep = [None] * n
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for i in range(n):
        keep[i] = make()
    gevent.sleep(0)  # spawned greenlets start (and suspend) here
    gc.collect()
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    return (after - before) / n, keep


def sleepers_case(k, warmup, pp):
    """pp is the queue ping-pong of the timed rounds (the same objects, already used)."""
    n = N["sleepers"]

    def bare():
        g = greenlet.greenlet(suspend_body)
        g.switch()
        return g

    bare_per, bare_keep = heap_per(n, bare)
    for g in bare_keep:
        g.throw()
    del bare_keep
    few = [gevent.spawn(sleeper) for _ in range(FEW)]
    for _ in range(warmup):
        pp()
    beside_few = median_ns([pp() for _ in range(k)])
    per, many = heap_per(n - FEW, lambda: gevent.spawn(sleeper))
    beside_many = median_ns([pp() for _ in range(k)])
    gevent.killall(many + few)
    return {
        "heapPerTask": per,
        "heapPerBareGreenlet": bare_per,
        "pingPongBesideFew": beside_few,
        "pingPongBesideMany": beside_many,
    }


def median_ns(samples):
    return statistics.median(t * 1e9 / ops for t, ops in samples)


def driver(k, warmup, only, sleepers):
    """warmup: (CPU ms, least rounds) of warm-up rounds before the K timed ones."""
    queue = queue_case()
    cases = {
        "spawnJoin": spawn_join_case(),
        "queuePingPong": queue,
        "channelPingPong": channel_case(),
        "sleep0": sleep0_case(),
    }
    if only is not None:
        cases = {name: batch for name, batch in cases.items() if name in only}
    samples = {name: [] for name in cases}
    budget_ms, least = warmup
    start, rounds = time.process_time(), 0
    while rounds < least or (time.process_time() - start) * 1000 < budget_ms:
        rounds += 1
        for batch in cases.values():
            batch()
    warm = {"budgetMs": budget_ms, "rounds": rounds, "ms": (time.process_time() - start) * 1000}
    print(f"gevent warm-up: {rounds} rounds, {warm['ms']:.0f} ms of CPU", file=sys.stderr)
    for _ in range(k):
        for name, batch in cases.items():
            samples[name].append(batch())
    out = {name: median_ns(s) for name, s in samples.items()}
    for name, ns in out.items():
        print(f"gevent {name:<16} {ns:9.1f} ns/op", file=sys.stderr)
    result = {"cases": out, "warmup": warm}
    if sleepers and (only is None or "sleepers" in only):
        s = sleepers_case(k, least, queue)
        result["sleepers"] = s
        print(
            f"gevent sleepers  {s['heapPerTask']:.0f} B/task "
            f"(bare greenlet {s['heapPerBareGreenlet']:.0f} B); ping-pong beside "
            f"{FEW}: {s['pingPongBesideFew']:.0f} ns, beside {N['sleepers']}: "
            f"{s['pingPongBesideMany']:.0f} ns",
            file=sys.stderr,
        )
    return result


def main_program():
    least = 2
    for arg in [a for a in sys.argv[1:] if a.startswith("--warmup-rounds=")]:
        least = int(arg.partition("=")[2])
        sys.argv.remove(arg)
    # --warmup is CPU ms here (bench/_hub_method.ts WARMUP_MS), not rounds as in _args.py.
    k, warmup_ms, only, sleepers = bench_args.parse(11, 2500, "sleepers")
    result = gevent.spawn(driver, k, (warmup_ms, least), only, sleepers).get()
    out = {
        "runtime": "python",
        "library": "gevent",
        "version": f"CPython {platform.python_version()} + gevent {gevent.__version__}",
        "k": k,
        "n": N,
        **result,
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main_program()
