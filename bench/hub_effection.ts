// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// Effection (npm, installed by _tools/setup.sh) in the hub benchmark's shapes.
//
//   deno run -A --v8-flags=--expose-gc bench/hub_effection.ts [--k=11] [--warmup=2] [--only=...]
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
  type Task,
} from "../.toolchain/npm/node_modules/effection/esm/mod.js";
import effectionPackage from "../.toolchain/npm/node_modules/effection/package.json" with {
  type: "json",
};
import {
  bareGreenletHeap,
  type Batch,
  cpuMs,
  emit,
  FEW,
  heapPer,
  type HubRun,
  medianOf,
  medianRounds,
  N,
  parseArgs,
  runtime,
  type Sample,
  type Sleepers,
} from "./_hub_method.ts";

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

function* settle(): Generator<unknown, void, unknown> {
  yield* sleep(0);
}

/** `batch` is the queue ping-pong of the timed rounds, so its code is already warm. */
function* sleepers(
  bare: number,
  k: number,
  warmup: number,
  batch: Batch,
): Generator<unknown, Sleepers, unknown> {
  const few: Task<void>[] = [];
  for (let i = 0; i < FEW; i++) few.push(yield* spawn(sleeper));
  yield* medianOf(batch, warmup, inTask);
  const besideFew = yield* medianOf(batch, k, inTask);
  // spawn() is an operation; heapPer's make() is plain code, so spawn first and count after.
  const [heapPerTask] = yield* heapPer(N.sleepers - FEW, () => null, function* () {
    for (let i = FEW; i < N.sleepers; i++) yield* spawn(sleeper);
    yield* settle();
  });
  const besideMany = yield* medianOf(batch, k, inTask);
  return {
    heapPerTask,
    heapPerBareGreenlet: bare,
    pingPongBesideFew: besideFew,
    pingPongBesideMany: besideMany,
  };
}

async function main(): Promise<void> {
  const options = parseArgs();
  const wantSleepers = options.sleepers &&
    (options.only === null || options.only.includes("sleepers"));
  const bare = wantSleepers ? bareGreenletHeap(N.sleepers) : NaN;
  const result = await run(function* (): Operation<Pick<HubRun, "cases" | "sleepers">> {
    const queue = yield* pingPong(N.queuePingPong);
    const cases = yield* medianRounds(
      {
        spawnJoin: spawnJoin(),
        queuePingPong: queue,
      },
      options,
      inTask,
    );
    const s = wantSleepers ? yield* sleepers(bare, options.k, options.warmup, queue) : undefined;
    return { cases, sleepers: s };
  });
  const out: HubRun = {
    runtime: runtime.name,
    library: "effection",
    version: `${runtime.version} + Effection ${effectionPackage.version}`,
    k: options.k,
    n: N,
    ...result,
  };
  emit(out);
}

if (import.meta.main) await main();
