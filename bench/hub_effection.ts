// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// Effection (npm, installed by _tools/setup.sh) in the hub benchmark's shapes.
//
//   deno run -A --v8-flags=--expose-gc bench/hub_effection.ts [--k=11] [--warmup=2500] [--only=...]
//   bun run bench/hub_effection.ts [same options]
//
// Shapes (one op), run inside the root operation of `run()`:
//   spawnJoin      const t = yield* spawn(body); yield* t
//   queuePingPong  q1.add(i); yield* q2.next(), the partner forwarding q1 to q2 (createQueue,
//                  unbounded, the closest Effection has to gevent's Queue)
//   sleepers       heap per task spawned into `yield* sleep(1 hour)`, and queuePingPong beside
//                  10 and beside 100 000 of them
// Effection has no rendezvous channel (its Channel is a broadcast stream), so there is no
// channelPingPong; its sleep(0) is a setTimeout, not a ready-queue yield, so no sleep0 either.
// Method and output: bench/_hub_method.ts.

// @ts-types="./_effection.d.ts"
import {
  createQueue,
  type Operation,
  run,
  sleep,
  spawn,
} from "../.toolchain/npm/node_modules/effection/esm/mod.js";
import effectionPackage from "../.toolchain/npm/node_modules/effection/package.json" with {
  type: "json",
};
import { type Batch, cpuMs, N, runBenchmark, runtime, type Sample } from "./_hub_method.ts";

function* body(): Operation<number> {
  return 1;
}

function spawnJoin(): Batch {
  const n = N.spawnJoin;
  return function* (): Generator<unknown, Sample, unknown> {
    const t0 = cpuMs();
    for (let i = 0; i < n; i++) {
      const task = yield* spawn(body);
      yield* task;
    }
    return [cpuMs() - t0, n];
  };
}

/** Starts the partner and returns a batch of n round trips over two unbounded queues. */
function* pingPong(n: number): Generator<unknown, Batch, unknown> {
  const q1 = createQueue<number, never>();
  const q2 = createQueue<number, never>();
  yield* spawn(function* (): Operation<void> {
    for (;;) q2.add((yield* q1.next()).value as number);
  });
  return function* (): Generator<unknown, Sample, unknown> {
    const t0 = cpuMs();
    for (let i = 0; i < n; i++) {
      q1.add(i);
      yield* q2.next();
    }
    return [cpuMs() - t0, n];
  };
}

/** Runs a batch as a task's own body (see RunBatch in bench/_hub_method.ts). */
function* inTask(batch: Batch): Generator<unknown, Sample, unknown> {
  return yield* yield* spawn(batch as () => Operation<Sample>);
}

function* sleeper(): Operation<void> {
  yield* sleep(3_600_000);
}

function* sleepers(count: number): Generator<unknown, void, unknown> {
  for (let i = 0; i < count; i++) yield* spawn(sleeper);
  yield* sleep(0);
}

if (import.meta.main) {
  await runBenchmark({
    name: "effection",
    version: `${runtime.version} + Effection ${effectionPackage.version}`,
    drive: <T>(body: () => Generator<unknown, T, unknown>): Promise<T> =>
      run(body as () => Operation<T>),
    *cases() {
      return {
        spawnJoin: spawnJoin(),
        queuePingPong: yield* pingPong(N.queuePingPong),
      };
    },
    sleepers,
    run: inTask,
  });
}
