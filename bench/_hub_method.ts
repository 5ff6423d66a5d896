// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// The method shared by bench/hub_bench.ts (the hub) and bench/hub_effection.ts (Effection):
// batches written as generators, so the same round-robin loop runs inside a hub task or an
// Effection operation (`yield*` hands whatever a batch yields to the library driving it).
// bench/hub_bench.py follows the same method for gevent.

import process from "node:process";
import { getcurrent, Greenlet } from "../mod.ts";
import { runtime } from "../testing/runtime.ts";

/** Operations per timed batch; bench/hub_bench.py uses the same numbers. */
export const N = {
  spawnJoin: 10_000,
  queuePingPong: 20_000,
  channelPingPong: 20_000,
  /** Rounds of the {@link READY} ready tasks. */
  sleep0: 20,
  sleepers: 100_000,
} as const;

/** Tasks looping on `sleep(0)` in the sleep0 case. */
export const READY = 1_000;

/** Sleepers beside the queue ping-pong before the 100 000 are added. */
export const FEW = 10;

/**
 * The benchmark clock: CPU milliseconds of the whole process (every thread, so a runtime's
 * concurrent GC counts too). This VM runs up to 8 engineers' jobs on 2 cores, so a process
 * gets a fraction of a core and wall time mostly measures the scheduler; CPU time measures the
 * work. (bench/hub_bench.py uses time.process_time(), the same clock.)
 */
export function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/** One timed batch: CPU milliseconds (see {@link cpuMs}) and the operations it made. */
export type Sample = readonly [ms: number, ops: number];

/**
 * A batch: a generator run with `yield*` inside the library's task, returning its sample; `Y`
 * is what the library's operations yield.
 */
export type Batch<Y = unknown> = () => Generator<Y, Sample, unknown>;

/** What the sleepers case reports. */
export interface Sleepers {
  /** Heap bytes per task sleeping in the library's long sleep. */
  heapPerTask: number;
  /** Heap bytes per bare suspended greenlet (JS Greenlet; gevent: a raw greenlet). */
  heapPerBareGreenlet: number;
  /** Queue ping-pong ns per round trip beside {@link FEW} sleepers. */
  pingPongBesideFew: number;
  /** The same beside {@link N}.sleepers sleepers. */
  pingPongBesideMany: number;
}

/** What one process prints as its last stdout line (read by bench/hub_report.ts). */
export interface HubRun {
  runtime: "python" | "deno" | "bun";
  library: "gevent" | "effection" | "hub";
  version: string;
  k: number;
  /** The warm-up this process ran before its K timed rounds (see {@link medianRounds}). */
  warmup?: Warmup;
  n: Record<string, number>;
  /** Median ns per op over the process's K batches, per case. */
  cases: Record<string, number>;
  sleepers?: Sleepers;
}

/** The warm-up a process ran: whole rounds of every case, and the CPU they took. */
export interface Warmup {
  /** The budget asked for: CPU milliseconds (see {@link cpuMs}). */
  budgetMs: number;
  rounds: number;
  ms: number;
}

/**
 * The default warm-up budget in CPU milliseconds, the same on every side (bench/hub_bench.py
 * too): JSC brings the hub's code to its top tier in 200-500 ms of CPU, and two rounds of
 * Effection or gevent take 1.1-2.4 s, so the budget, not the least 2 rounds, ends every side's
 * warm-up (docs/benchmarks_hub.md, Method).
 */
export const WARMUP_MS = 2500;

/** Command-line options of the JS benchmark programs. */
export interface Options {
  k: number;
  /** Warm-up rounds run until this much CPU time (ms) went into them... */
  warmupMs: number;
  /** ...and at least this many (the sleepers case's warm-up of its ping-pong, too). */
  warmupRounds: number;
  only: string[] | null;
  sleepers: boolean;
}

/**
 * Parses `--k=11 --warmup=2500 --warmup-rounds=2 --only=a,b --no-sleepers` (`--warmup`: CPU
 * ms; `sleepers`: asked for and wanted).
 */
export function parseArgs(args: string[] = process.argv.slice(2)): Options {
  const options: Options = {
    k: 11,
    warmupMs: WARMUP_MS,
    warmupRounds: 2,
    only: null,
    sleepers: true,
  };
  for (const arg of args) {
    const [key, value] = arg.split("=", 2);
    if (key === "--k") options.k = Number(value);
    else if (key === "--warmup") options.warmupMs = Number(value);
    else if (key === "--warmup-rounds") options.warmupRounds = Number(value);
    else if (key === "--only") options.only = value.split(",");
    else if (key === "--no-sleepers") options.sleepers = false;
    else throw new RangeError(`Cannot parse argument "${arg}"`);
  }
  options.sleepers &&= options.only === null || options.only.includes("sleepers");
  return options;
}

/** The median of a non-empty list. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** HUB_BENCH_TRACE set: every batch's ns per op goes to stderr (how the JIT warms up). */
const TRACE = process.env.HUB_BENCH_TRACE !== undefined;

/** ns per op of each sample, then their median. */
export function medianNs(samples: readonly Sample[]): number {
  return median(samples.map(([ms, ops]) => (ms * 1e6) / ops));
}

/**
 * Runs a batch as the body of a new task of the library and waits for its sample, so the timed
 * loop runs at the depth of a task's own body: every level of `yield*` between a task body
 * and a blocking call costs a generator resumption per switch, and the harness should not add
 * levels the library did not ask for.
 */
export type RunBatch<Y> = (batch: Batch<Y>) => Generator<Y, Sample, unknown>;

/**
 * Warm-up rounds until the process has spent `warmupMs` of CPU time in them (and run at least
 * `warmupRounds`), so every library gets the same CPU for its JIT whatever its speed; then K
 * rounds in which every case runs one batch in turn (machine noise spreads over all of them).
 * Returns each case's median ns per op and the warm-up run.
 */
export function* medianRounds<Y>(
  cases: Record<string, Batch<Y>>,
  options: Options,
  run: RunBatch<Y>,
): Generator<Y, { cases: Record<string, number>; warmup: Warmup }, unknown> {
  const picked = Object.entries(cases).filter(([name]) =>
    options.only === null || options.only.includes(name)
  );
  const samples = new Map<string, Sample[]>(picked.map(([name]) => [name, []]));
  function* round(index: number): Generator<Y, void, unknown> {
    for (const [name, batch] of picked) {
      const sample = yield* run(batch);
      if (TRACE) {
        console.error(`round ${index} ${name} ${((sample[0] * 1e6) / sample[1]).toFixed(1)}`);
      }
      if (index >= 0) samples.get(name)!.push(sample);
    }
  }
  const start = cpuMs();
  let rounds = 0;
  while (rounds < options.warmupRounds || cpuMs() - start < options.warmupMs) {
    rounds++;
    yield* round(-rounds);
  }
  const warmup = { budgetMs: options.warmupMs, rounds, ms: cpuMs() - start };
  if (TRACE) console.error(`warm-up: ${rounds} rounds, ${warmup.ms.toFixed(0)} ms of CPU`);
  for (let index = 0; index < options.k; index++) yield* round(index);
  const medians = Object.fromEntries([...samples].map(([name, s]) => [name, medianNs(s)]));
  return { cases: medians, warmup };
}

/** Runs one batch `count` times and returns the median ns per op. */
export function* medianOf<Y>(
  batch: Batch<Y>,
  count: number,
  run: RunBatch<Y>,
): Generator<Y, number, unknown> {
  const samples: Sample[] = [];
  for (let i = 0; i < count; i++) samples.push(yield* run(batch));
  return medianNs(samples);
}

/**
 * Heap bytes per task: runs `fill` (which starts n tasks and lets them reach their suspension
 * point; the library keeps them alive) between two forced collections.
 */
export function* heapGrowth<Y>(
  n: number,
  fill: () => Generator<Y, void, unknown>,
): Generator<Y, number, unknown> {
  collect();
  const before = runtime.heapUsed();
  yield* fill();
  collect();
  return (runtime.heapUsed() - before) / n;
}

/** What the sleepers case needs from a library. */
export interface SleepersLibrary<Y> {
  /** Starts `count` tasks sleeping an hour and lets them reach their sleep. */
  sleepers(count: number): Generator<Y, void, unknown>;
  /** How a batch runs (see {@link RunBatch}). */
  run: RunBatch<Y>;
}

/**
 * The sleepers case: the queue ping-pong `batch` (the timed rounds' own, so its code is warm)
 * beside {@link FEW} sleepers, then the heap per task of N.sleepers - FEW more, then the
 * ping-pong beside all of them. The heap per bare greenlet is measured apart, after it
 * ({@link runBenchmark}).
 */
export function* sleepersCase<Y>(
  library: SleepersLibrary<Y>,
  batch: Batch<Y>,
  options: Options,
): Generator<Y, Omit<Sleepers, "heapPerBareGreenlet">, unknown> {
  yield* library.sleepers(FEW);
  yield* medianOf(batch, options.warmupRounds, library.run);
  const pingPongBesideFew = yield* medianOf(batch, options.k, library.run);
  const more = N.sleepers - FEW;
  const heapPerTask = yield* heapGrowth(more, () => library.sleepers(more));
  const pingPongBesideMany = yield* medianOf(batch, options.k, library.run);
  return { heapPerTask, pingPongBesideFew, pingPongBesideMany };
}

function collect(): void {
  runtime.gc();
  runtime.gc();
}

const root = getcurrent();

function* suspendBody(): Generator<unknown, void, unknown> {
  yield* root.switch();
}

/**
 * Heap bytes per bare suspended greenlet (a JS Greenlet started into its first switch back to
 * the root), the baseline of the sleepers' heap target. Call it from plain code, after the
 * library ran (see {@link runBenchmark}).
 */
export function bareGreenletHeap(n: number): number {
  const keep: Greenlet[] = new Array(n).fill(null);
  const make = (): Greenlet => {
    const g = new Greenlet(suspendBody);
    g.switchSync();
    return g;
  };
  make(); // One-time costs (shapes, first-use structures) before the baseline.
  collect();
  const before = runtime.heapUsed();
  for (let i = 0; i < n; i++) keep[i] = make();
  collect();
  const per = (runtime.heapUsed() - before) / n;
  // Killed here, they die now (which also keeps them alive through the measurement): dropped
  // suspended, each would be killed later by the GC kill, whose registry keeps a collected
  // greenlet's generator until the kill has run; when this ran first, those kills ran during
  // the tasks' heap measurement and hid part of its growth.
  for (const g of keep) g.throwSync();
  return per;
}

/** What one library's benchmark program provides to {@link runBenchmark}. */
export interface Library<Y> extends SleepersLibrary<Y> {
  name: HubRun["library"];
  version: string;
  /** Runs `body` as the library's root task (hub `main()`, Effection `run()`). */
  drive<T>(body: () => Generator<Y, T, unknown>): Promise<T>;
  /** Makes the timed cases (inside the root task); `queuePingPong` is among them. */
  cases(): Generator<Y, Record<string, Batch<Y>>, unknown>;
}

/** Parses the command line, runs the cases and the sleepers case, and emits the result. */
export async function runBenchmark<Y>(library: Library<Y>): Promise<void> {
  const options = parseArgs();
  const result = await library.drive(function* () {
    const all = yield* library.cases();
    const { cases, warmup } = yield* medianRounds(all, options, library.run);
    const sleepers = options.sleepers
      ? yield* sleepersCase(library, all.queuePingPong, options)
      : undefined;
    return { cases, warmup, sleepers };
  });
  // The bare greenlets' heap is measured last. Measured first, the 100 000 greenlets grew what
  // live greenlets need and do not give back when they die, and the tasks measured after them
  // reused it (docs/benchmarks_hub.md); and on Bun their one body was what JSC optimized the
  // trampoline's loop for, code thrown away inside the timed rounds once the library started.
  const sleepers = result.sleepers === undefined
    ? undefined
    : { ...result.sleepers, heapPerBareGreenlet: bareGreenletHeap(N.sleepers) };
  emit({
    runtime: runtime.name,
    library: library.name,
    version: library.version,
    k: options.k,
    warmup: result.warmup,
    n: N,
    cases: result.cases,
    sleepers,
  });
}

/** Prints one stderr line per case and the JSON line on stdout. */
export function emit(run: HubRun): void {
  const who = `${run.runtime} ${run.library}`;
  const w = run.warmup;
  if (w !== undefined) {
    console.error(`${who} warm-up: ${w.rounds} rounds, ${w.ms.toFixed(0)} ms of CPU`);
  }
  for (const [name, ns] of Object.entries(run.cases)) {
    console.error(`${who} ${name.padEnd(16)} ${ns.toFixed(1).padStart(9)} ns/op`);
  }
  const s = run.sleepers;
  if (s !== undefined) {
    console.error(
      `${who} sleepers ${s.heapPerTask.toFixed(0)} B/task (bare greenlet ` +
        `${s.heapPerBareGreenlet.toFixed(0)} B); ping-pong beside ${FEW}: ` +
        `${s.pingPongBesideFew.toFixed(0)} ns, beside ${N.sleepers}: ` +
        `${s.pingPongBesideMany.toFixed(0)} ns`,
    );
  }
  console.log(JSON.stringify(run));
}

export { runtime };
