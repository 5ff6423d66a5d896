// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// JS-tier benchmarks: greenlet cases and their bare-`yield` trampoline floors, in one process.
//
//   deno run -A --v8-flags=--expose-gc bench/greenlet_bench.ts [options]
//   bun run bench/greenlet_bench.ts [options]
//
// Options: --k=21 (timed rounds), --warmup=3 (untimed rounds), --only=pingpong,switchSync,
// depth8,create,heap, --no-floor (library only, for profiling), --scale=1 (batch size factor).
// Profile: deno run -A --v8-flags=--expose-gc --cpu-prof --cpu-prof-dir=DIR ... --no-floor
//
// Prints one line per case on stderr and one JSON object on stdout (read by bench/report.ts,
// which puts it next to bench/greenlet_bench.py, the same shapes on CPython greenlet).
//
// Method: every case is a function timing one batch of N operations with performance.now().
// After a warm-up, the cases run round-robin for K rounds (so machine noise spreads over all
// of them), each greenlet batch right before its floor batch. A case's figure is its median
// batch in ns per operation; its ratio to the floor is the median of the K rounds' ratios.
// bench/report.ts then takes the median over several processes (_tools/bench.sh).
//
// The body functions are defined once, outside the timed loops, on both sides: V8 pays ~2 µs
// for the first call of every freshly created generator closure (an engine cost, not the
// library's), so creating a closure per greenlet would measure V8 rather than the trampoline.
// bench/greenlet_bench.py uses the same shapes (f defined once, greenlet(f).switch()).

import process from "node:process";
import { getcurrent, Greenlet } from "../mod.ts";
import { runtime } from "../testing/runtime.ts";
import { median } from "./_medians.ts";
import { protocolPingpong } from "./_protocol_floor.ts";
import type { CaseResult } from "./report.ts";

/** Operations per timed batch; bench/greenlet_bench.py uses the same numbers. */
export const N = {
  pingpong: 50_000,
  switchSync: 50_000,
  depth8: 15_000,
  create: 10_000,
  heap: 100_000,
} as const;

/**
 * Nesting below each body in the depth case: the body enters DEPTH helper generators with
 * `yield*` (nestA(DEPTH - 1) ... nestA(0)) and the innermost one switches. Python: DEPTH helper
 * function frames below the run function. Floor: floorNest(DEPTH) ... floorNest(0), the
 * outermost standing for the body.
 */
export const DEPTH = 8;

/** Multiplies the timed batch sizes (`--scale=0.1`: shorter batches for quick A/B runs). */
let scale = 1;

type Batch = () => number;

interface Case {
  name: string;
  ops: number;
  greenlet: Batch;
  floor: Batch;
  /** The `yield*`-step protocol alone (pingpong only); see {@link protocolPingpong}. */
  protocol?: Batch;
}

const main = getcurrent();
const now = (): number => performance.now();

// ---------------------------------------------------------------------------------------------
// pingpong: two bodies switching to each other; one op = one round trip (a -> b -> a).

function pingpongCase(): Case {
  const n = Math.round(N.pingpong * scale);
  const a: Greenlet = new Greenlet(function* (count: number) {
    for (;;) {
      for (let i = 0; i < count; i++) yield* b.switch(i);
      count = yield* main.switch();
    }
  });
  const b: Greenlet = new Greenlet(function* (x: unknown) {
    for (;;) x = yield* a.switch(x);
  });
  return {
    name: "pingpong",
    ops: n,
    greenlet: () => {
      const t0 = performance.now();
      a.switchSync(n);
      return performance.now() - t0;
    },
    floor: () => floorPingpong(n, 0),
    protocol: () => protocolPingpong(n, now),
  };
}

// ---------------------------------------------------------------------------------------------
// switchSync: ordinary code driving a body; one op = switchSync() in and main.switch() out.

function switchSyncCase(): Case {
  const n = Math.round(N.switchSync * scale);
  const g = new Greenlet(function* (x: unknown) {
    for (;;) x = yield* main.switch(x);
  });
  g.switchSync(0);
  const gen = (function* (): Generator<unknown, never, unknown> {
    let x: unknown;
    for (;;) x = yield x;
  })();
  gen.next();
  return {
    name: "switchSync",
    ops: n,
    greenlet: () => {
      const t0 = performance.now();
      for (let i = 0; i < n; i++) g.switchSync(i);
      return performance.now() - t0;
    },
    floor: () => {
      const t0 = performance.now();
      for (let i = 0; i < n; i++) gen.next(i);
      return performance.now() - t0;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// depth8: the pingpong, but both bodies switch from DEPTH nested `yield*` helper levels.

function depth8Case(): Case {
  const n = Math.round(N.depth8 * scale);
  function* nestA(depth: number, count: number): Generator<unknown, number, unknown> {
    if (depth > 0) return yield* nestA(depth - 1, count);
    for (let i = 0; i < count; i++) yield* b.switch(i);
    return yield* main.switch<number>();
  }
  function* nestB(depth: number, x: unknown): Generator<unknown, never, unknown> {
    if (depth > 0) return yield* nestB(depth - 1, x);
    for (;;) x = yield* a.switch(x);
  }
  const a: Greenlet = new Greenlet(function* (count: number) {
    for (;;) count = yield* nestA(DEPTH - 1, count);
  });
  const b: Greenlet = new Greenlet(function* (x: unknown) {
    yield* nestB(DEPTH - 1, x);
  });
  return {
    name: "depth8",
    ops: n,
    greenlet: () => {
      const t0 = performance.now();
      a.switchSync(n);
      return performance.now() - t0;
    },
    floor: () => floorPingpong(n, DEPTH),
  };
}

// ---------------------------------------------------------------------------------------------
// create: new Greenlet(f).switchSync() with f defined once; the body returns at once.

function createCase(): Case {
  const n = Math.round(N.create * scale);
  function* body(): Generator<unknown, number, unknown> {
    return 1;
  }
  return {
    name: "create",
    ops: n,
    greenlet: () => {
      const t0 = performance.now();
      for (let i = 0; i < n; i++) new Greenlet(body).switchSync();
      return performance.now() - t0;
    },
    floor: () => {
      const t0 = performance.now();
      for (let i = 0; i < n; i++) body().next();
      return performance.now() - t0;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The bare-`yield` floor: plain generators yield the generator to resume next (null: back to
// the caller); a minimal dispatch loop resumes it with a value. No steps, no checks.

type Plain = Generator<Plain | null, void, unknown>;

let floorA: Plain | null = null;
let floorB: Plain | null = null;

function* floorNest(depth: number, count: number, leaf: boolean): Plain {
  if (depth > 0) return yield* floorNest(depth - 1, count, leaf);
  if (leaf) {
    for (let i = 0; i < count; i++) yield floorB;
    yield null;
  } else {
    for (;;) yield floorA;
  }
}

function floorPingpong(n: number, depth: number): number {
  floorA = floorNest(depth, n, true);
  floorB = floorNest(depth, 0, false);
  // Start both outside the timing, as the greenlet cases start theirs in setup.
  let g: Plain | null = floorA;
  const t0 = performance.now();
  let v = 0;
  for (;;) {
    const r: IteratorResult<Plain | null, void> = g.next(v++);
    g = r.value as Plain | null;
    if (g === null) break;
  }
  const elapsed = performance.now() - t0;
  floorA.return();
  floorB.return();
  return elapsed;
}

// ---------------------------------------------------------------------------------------------
// Heap per suspended greenlet at depth 1 (the body suspended in its own main.switch()).

function heapPer(make: () => unknown): number {
  const n = N.heap;
  const keep: unknown[] = new Array(n).fill(null);
  make(); // Pay one-time costs (shapes, first-use structures) before the baseline.
  runtime.gc();
  runtime.gc();
  const before = runtime.heapUsed();
  for (let i = 0; i < n; i++) keep[i] = make();
  runtime.gc();
  runtime.gc();
  const after = runtime.heapUsed();
  const per = (after - before) / n;
  // Reading `keep` after the measurement keeps it alive through it (otherwise V8 may drop it).
  if (keep.length !== n) throw new Error("unreachable");
  return per;
}

function* suspendBody(): Generator<unknown, void, unknown> {
  yield* main.switch();
}

function* suspendPlain(): Generator<unknown, void, unknown> {
  yield;
}

function heapCase(): { greenlet: number; floor: number } {
  const greenlet = heapPer(() => {
    const g = new Greenlet(suspendBody);
    g.switchSync();
    return g;
  });
  const floor = heapPer(() => {
    const gen = suspendPlain();
    gen.next();
    return gen;
  });
  return { greenlet, floor };
}

// ---------------------------------------------------------------------------------------------

interface Options {
  k: number;
  warmup: number;
  only: string[] | null;
  /** Skip the floors (for profiling the library alone). */
  noFloor: boolean;
}

function parseArgs(args: string[]): Options {
  let k = 21;
  let warmup = 3;
  let only: string[] | null = null;
  let noFloor = false;
  for (const arg of args) {
    const [key, value] = arg.split("=", 2);
    if (key === "--k") k = Number(value);
    else if (key === "--warmup") warmup = Number(value);
    else if (key === "--only") only = value.split(",");
    else if (key === "--no-floor") noFloor = true;
    else if (key === "--scale") scale = Number(value);
    else throw new Error(`Unknown argument ${arg}`);
  }
  return { k, warmup, only, noFloor };
}

/** One case's ns per op in each timed batch of this process. */
interface Samples {
  greenlet: number[];
  floor: number[];
  protocol: number[];
}

/** Each batch's ns per op, and each round's ratio of two of them. */
function ratios(top: number[], bottom: number[]): number[] {
  return top.map((value, i) => value / bottom[i]);
}

function run(): void {
  const { k, warmup, only, noFloor } = parseArgs(process.argv.slice(2));
  const all = [pingpongCase, switchSyncCase, depth8Case, createCase].map((make) => make());
  const cases = only === null ? all : all.filter((c) => only.includes(c.name));
  const samples = new Map<string, Samples>(
    cases.map((c) => [c.name, { greenlet: [], floor: [], protocol: [] }]),
  );
  for (let round = -warmup; round < k; round++) {
    for (const c of cases) {
      const tg = c.greenlet();
      const tf = noFloor ? NaN : c.floor();
      const tp = noFloor || c.protocol === undefined ? NaN : c.protocol();
      if (round < 0) continue;
      const s = samples.get(c.name)!;
      s.greenlet.push((tg * 1e6) / c.ops);
      if (!noFloor) s.floor.push((tf * 1e6) / c.ops);
      if (!Number.isNaN(tp)) s.protocol.push((tp * 1e6) / c.ops);
    }
  }
  // The process's figure per case: its median batch. Ratios: the median of each round's ratio
  // (batches timed back to back, so a slow phase of the machine hits both sides).
  const figures = new Map<string, CaseResult>();
  for (const [name, s] of samples) {
    const f: CaseResult = { greenlet: median(s.greenlet) };
    if (s.floor.length !== 0) {
      f.floor = median(s.floor);
      f.vsFloor = median(ratios(s.greenlet, s.floor));
    }
    if (s.protocol.length !== 0) {
      f.protocol = median(s.protocol);
      f.protocolVsFloor = median(ratios(s.protocol, s.floor));
      f.vsProtocol = median(ratios(s.greenlet, s.protocol));
    }
    figures.set(name, f);
  }
  const out: Record<string, unknown> = {
    runtime: runtime.name,
    version: runtime.version,
    k,
    n: N,
    depth: DEPTH,
    cases: Object.fromEntries(figures),
  };
  for (const [name, f] of figures) {
    console.error(
      `${runtime.name} ${name.padEnd(10)} ${f.greenlet.toFixed(1).padStart(8)} ns/op  ` +
        (f.floor === undefined
          ? ""
          : `floor ${f.floor.toFixed(1).padStart(7)} ns/op (${f.vsFloor!.toFixed(2)}×)`) +
        (f.protocol === undefined ? "" : `  protocol floor ${f.protocol.toFixed(1)} ns/op`),
    );
  }
  if (only === null || only.includes("heap")) {
    const heap = heapCase();
    out.heap = { ...heap, vsFloor: heap.greenlet / heap.floor };
    console.error(
      `${runtime.name} heap       ${heap.greenlet.toFixed(0).padStart(8)} B/greenlet ` +
        `floor ${heap.floor.toFixed(0).padStart(7)} B/generator`,
    );
  }
  console.log(JSON.stringify(out));
}

if (import.meta.main) run();
