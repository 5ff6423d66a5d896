// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// The hub in the shapes of bench/hub_bench.py (gevent) and bench/hub_effection.ts (Effection).
//
//   deno run -A --v8-flags=--expose-gc bench/hub_bench.ts [--k=11] [--warmup=2500] [--only=...]
//   bun run bench/hub_bench.ts [same options]
//
// Shapes (one op), all run inside the task that main() runs:
//   spawnJoin        yield* spawn(body).join()            (body returns at once)
//   queuePingPong    yield* q1.put(i); yield* q2.get(), the partner forwarding q1 to q2
//                    (two unbounded Queues)
//   channelPingPong  the same over two rendezvous Channels (send / receive)
//   sleep0           one task's sleep(0) while 1 000 tasks loop on sleep(0); ops are counted
//                    task steps, so the figure is the per-task cost of a round
//   protocolFloor    no hub: bench/_protocol_floor.ts, run after the queue ping-pong in every
//                    round, so each process shows how fast the machine ran it (this VM has a
//                    fast and a slow phase; docs/benchmarks_hub.md)
//   sleepers         heap per task parked in sleep(1 hour), beside the heap per bare suspended
//                    greenlet (same process), and queuePingPong beside 10 vs 100 000 sleepers
// Method and output: bench/_hub_method.ts.
// Profile: deno run -A --v8-flags=--expose-gc --cpu-prof --cpu-prof-dir=DIR bench/hub_bench.ts

import process from "node:process";
import type { Instruction, Op } from "../mod.ts";
import { Channel, main, Queue, sleep, spawn, type Task } from "../hub/mod.ts";
import { type Batch, cpuMs, N, READY, runBenchmark, runtime, type Sample } from "./_hub_method.ts";
import { protocolPingpong } from "./_protocol_floor.ts";

function* body(): Op<number> {
  return 1;
}

function spawnJoin(): Batch<Instruction> {
  const n = N.spawnJoin;
  return function* (): Op<Sample> {
    const t0 = cpuMs();
    for (let i = 0; i < n; i++) yield* spawn(body).join();
    return [cpuMs() - t0, n];
  };
}

/** Two unbounded queues; returns a batch of n round trips with a partner task. */
function queuePingPong(n: number): Batch<Instruction> {
  const q1 = new Queue<number>();
  const q2 = new Queue<number>();
  spawn(function* () {
    for (;;) yield* q2.put(yield* q1.get());
  });
  return function* (): Op<Sample> {
    const t0 = cpuMs();
    for (let i = 0; i < n; i++) {
      yield* q1.put(i);
      yield* q2.get();
    }
    return [cpuMs() - t0, n];
  };
}

/** Two rendezvous channels; returns a batch of n round trips with a partner task. */
function channelPingPong(n: number): Batch<Instruction> {
  const c1 = new Channel<number>();
  const c2 = new Channel<number>();
  spawn(function* () {
    for (;;) yield* c2.send(yield* c1.receive());
  });
  return function* (): Op<Sample> {
    const t0 = cpuMs();
    for (let i = 0; i < n; i++) {
      yield* c1.send(i);
      yield* c2.receive();
    }
    return [cpuMs() - t0, n];
  };
}

function sleep0(): Batch<Instruction> {
  const rounds = N.sleep0;
  return function* (): Op<Sample> {
    const state = { run: true, steps: 0 };
    const tasks: Task<void>[] = [];
    for (let i = 0; i < READY; i++) {
      tasks.push(spawn(function* () {
        while (state.run) {
          state.steps++;
          yield* sleep(0);
        }
      }));
    }
    yield* sleep(0); // every task has started and made its first step
    const start = state.steps;
    const t0 = cpuMs();
    for (let r = 0; r < rounds; r++) yield* sleep(0);
    const ms = cpuMs() - t0;
    const steps = state.steps - start;
    state.run = false;
    for (const task of tasks) yield* task.join();
    return [ms, steps];
  };
}

/** Round trips per protocol floor batch: about as long as a queue ping-pong batch. */
const FLOOR_ROUND_TRIPS = 50_000;

function protocolFloor(): Batch<Instruction> {
  const n = FLOOR_ROUND_TRIPS;
  return function* (): Op<Sample> {
    return [protocolPingpong(n, cpuMs), n];
  };
}

/** Runs a batch as a task's own body (see RunBatch in bench/_hub_method.ts). */
function* inTask(batch: Batch<Instruction>): Op<Sample> {
  return yield* spawn(batch).get();
}

function* sleeper(): Op<void> {
  yield* sleep(3_600_000);
}

function* sleepers(count: number): Op<void> {
  for (let i = 0; i < count; i++) spawn(sleeper);
  yield* sleep(0);
}

if (import.meta.main) {
  await runBenchmark<Instruction>({
    name: "hub",
    version: runtime.version,
    drive: main,
    *cases() {
      return {
        spawnJoin: spawnJoin(),
        queuePingPong: queuePingPong(N.queuePingPong),
        protocolFloor: protocolFloor(),
        channelPingPong: channelPingPong(N.channelPingPong),
        sleep0: sleep0(),
      };
    },
    sleepers,
    run: inTask,
  });
  // The sleepers' hour-long timers would keep the event loop alive.
  process.exit(0);
}
