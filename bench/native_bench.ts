// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// Native bridge benchmarks (issue 8 part 9), one process of the runtime running this file:
//
//   deno run -A bench/native_bench.ts [--rounds=9] [--warmup=3] [--only=switch,qsort,...]
//   bun run bench/native_bench.ts [--rounds=9] [--warmup=3] [--only=switch,qsort,...]
//
// _tools/native_bench.sh runs several processes per runtime next to CPython greenlet and
// bench/native_report.ts builds the table. Prints one line per case on stderr and one JSON
// object on stdout: per case its median ns per operation over the timed rounds, and per pair
// the median over the rounds of the case's batch over its baseline's batch timed in the same
// round (each round runs every case once, round-robin, after untimed warm-up rounds).
//
// Groups and cases (one op):
//   switch  ffi.call        a bare FFI call: greenlet_state(root) (the runtime's call floor)
//           ffi.switch      root -> C body -> root through the bare greenlet_switch binding (two
//                           context switches and one FFI call: the relay's floor)
//           ffi.send        the same through greenlet_send (tag and value in a buffer, no BigInt):
//                           the relay's one call per transfer
//           native.switch   NativeGreenlet.switchSync(i) into the same C body (bounce, in
//                           tests/fixtures/entries.zig), which switches every value back
//           js.switch       a JS greenlet's switchSync(i), for comparison
//   qsort   qsort.main      libc qsort of QSORT_N random int32 through the runtime's own dlopen,
//                           called on the main stack with the runtime's own callback
//                           (Deno.UnsafeCallback, bun:ffi JSCallback); one op: one compare
//           qsort.native    the same sort on a native greenlet (NativeGreenlet(qsort) from
//                           loadLibrary, switchSync), the same comparator as a nativeCallback;
//                           the comparator reads its ints the fastest way the runtime offers
//                           (testing/ adapters): it indexes the sorted Int32Array by the
//                           argument's offset, a pointer (a number) on Bun, the address as a
//                           usize on Deno (a pointer object costs an op call to make and one
//                           to read through; bun:ffi's read.i32 is a host call, slower)
//           qsort.floor     per compare, what any design with one FFI round trip per callback
//                           pays: one bare greenlet_send round trip root -> C -> root, the two
//                           addresses decoded from a record by the library's own reader, and
//                           the same comparator (no sort: compare k reads elements k and 7k)
//           qsort.c         the same sort on the main stack with a C comparator
//                           (test_nbench_compare): qsort's own work per compare, which
//                           qsort.main and qsort.native pay and qsort.floor (no sort) does not
//   await   await.native    test_nbench_recurse(1, AWAIT_N, cb) on a native greenlet under
//                           switchAsync(); cb is a generator handler that does
//                           `yield* awaitOnly(resolved)` and answers; one op: one callback
//           await.js        a JS greenlet body under switchAsync() running the same handler
//                           body AWAIT_N times with yield*; one op: one await
//           await.ffi       await.js plus one bare greenlet_send round trip root -> C -> root
//                           after each await (the await path's floor: what a context switch
//                           between awaits costs, without the relay)
//   depth   depth.1         test_nbench_recurse(1, DEPTH_N, cb) on a native greenlet with a plain
//                           handler answering its argument: one op, one callback round trip
//           depth.1000      the same from DEPTH real C frames down
//
// Every batch is timed twice: wall clock (performance.now) and the process's CPU time
// (process.cpuUsage: user + system over every thread, so an engine's background compiler and
// collector count; other processes on the machine do not). NBENCH_TRACE=1 prints every round's
// figures on stderr.
//
// CPython greenlet's main -> g -> main round trip is bench/native_bench.py, run by the driver in
// the same turn.

import process from "node:process";
import { Status } from "../ffi/constants.ts";
import { dlopen } from "../ffi/_dlopen.ts";
import type { OpenTable } from "../ffi/_binding.ts";
import { awaitOnly, getcurrent, Greenlet } from "../mod.ts";
import { addressOf, loadLibrary, nativeCallback, NativeGreenlet, pointerOf } from "../native.ts";
import { nativeAddresses } from "../src/_native_callbacks.ts";
import { slotReader, wordsOver } from "../src/_native_signature.ts";
import { runtime } from "../testing/runtime.ts";
import { ensureBuilt, entriesPath, handleOf, openNative } from "../tests/ffi/_native.ts";
import type { Instruction } from "../src/types.ts";
import { median } from "./_medians.ts";

/** Round trips per batch of the switch group. */
const SWITCH_N = 100_000;
/** int32 values sorted per batch of the qsort group. */
const QSORT_N = 100_000;
/** Awaits per batch of the await group. */
const AWAIT_N = 20_000;
/** Callbacks per batch of the depth group. */
const DEPTH_N = 100_000;
/** The deep case's C frames below the callback. */
const DEPTH = 1000;

/** A batch: runs its operations and returns how many it ran. */
type Batch = () => number | Promise<number>;

/** A named case of a group. */
interface Case {
  name: string;
  batch: Batch;
}

/** Per case and per pair, the medians over the timed rounds of one clock. */
export interface Figures {
  /** Per case: the median over the rounds of ns per operation. */
  cases: Record<string, number>;
  /** Per pair "case/baseline": the median over the rounds of case ns over baseline ns. */
  ratios: Record<string, number>;
}

/** What one process prints: wall-clock figures, and the same from the process's CPU time. */
export interface NativeRun extends Figures {
  runtime: "deno" | "bun" | "python";
  version: string;
  rounds: number;
  /** The process's CPU time (user + system, every thread) over the same batches. */
  cpu: Figures;
}

/** The ratios each process reports: [case, its baseline measured in the same round]. */
const pairs: [string, string][] = [
  ["native.switch", "ffi.switch"],
  ["native.switch", "ffi.send"],
  ["native.switch", "js.switch"],
  ["ffi.switch", "ffi.call"],
  ["ffi.send", "ffi.call"],
  ["qsort.native", "qsort.main"],
  ["qsort.floor", "qsort.main"],
  ["qsort.c", "qsort.main"],
  ["await.native", "await.js"],
  ["await.ffi", "await.js"],
  ["depth.1", "ffi.send"],
  ["depth.1000", "depth.1"],
];

function option(name: string): string | undefined {
  const prefix = `--${name}=`;
  return process.argv.find((a) => a.startsWith(prefix))?.slice(prefix.length);
}

const bodyTable = {
  test_nbench_bounce: { parameters: [], result: "pointer" },
  test_nbench_compare: { parameters: [], result: "pointer" },
} as const;

let bodiesOpened: Promise<OpenTable<typeof bodyTable>> | undefined;

/** The fixture library's entry points (tests/fixtures/entries.zig), opened once per process. */
async function fixtureBodies(): Promise<OpenTable<typeof bodyTable>["symbols"]> {
  bodiesOpened ??= dlopen(entriesPath(), bodyTable);
  return (await bodiesOpened).symbols;
}

async function switchCases(): Promise<Case[]> {
  const { lib } = await openNative();
  const s = lib.symbols;
  const bodies = await fixtureBodies();
  const out = new Uint32Array(2);
  const tag = new Uint32Array(1);
  const value = new BigUint64Array(1);
  if (s.greenlet_root(out) !== Status.OK) throw new Error("greenlet_root failed");
  const root = handleOf(out);
  const bounce = bodies.test_nbench_bounce();
  if (s.greenlet_create(bounce, 0n, 0, 0, 0n, out) !== Status.OK) {
    throw new Error("greenlet_create failed");
  }
  const bare = handleOf(out);
  if (s.greenlet_create(bounce, 0n, 0, 0, 0n, out) !== Status.OK) {
    throw new Error("greenlet_create failed");
  }
  const sent = handleOf(out);
  const message = new Uint32Array(4);
  // greenlet_send takes the message as a pointer made once, as the relay passes it.
  const messagePointer = pointerOf(message);
  const native = new NativeGreenlet(bounce);
  const main = getcurrent();
  const js = new Greenlet(function* (x: unknown) {
    for (;;) x = yield* main.switch(x);
  });
  // Every case folds what came back into `sink` so that no engine drops the call. By xor: a sum
  // passed 2^31 in the first batch, and from then on each `+=` of every case (they share the
  // variable) allocated a heap number and stored it with a write barrier: 10-12 ns per op on
  // Deno (perf: RecordWriteSaveFP and the double arithmetic), about 1 on Bun, which CPython's
  // loop (bench/native_bench.py: `g.switch(i)`, the result dropped) does not pay.
  let sink = 0;
  return [
    {
      name: "ffi.call",
      batch: () => {
        const { slot, generation } = root;
        for (let i = 0; i < SWITCH_N; i++) sink ^= s.greenlet_state(slot, generation, tag);
        return SWITCH_N;
      },
    },
    {
      name: "ffi.switch",
      batch: () => {
        const { slot, generation } = bare;
        for (let i = 0; i < SWITCH_N; i++) s.greenlet_switch(slot, generation, 5n, tag, value);
        return SWITCH_N;
      },
    },
    {
      name: "ffi.send",
      batch: () => {
        const { slot, generation } = sent;
        for (let i = 0; i < SWITCH_N; i++) {
          message[0] = 0;
          message[2] = i;
          s.greenlet_send(slot, generation, messagePointer);
          sink ^= message[2];
        }
        return SWITCH_N;
      },
    },
    {
      name: "native.switch",
      batch: () => {
        for (let i = 0; i < SWITCH_N; i++) sink ^= native.switchSync(i) as number;
        return SWITCH_N;
      },
    },
    {
      name: "js.switch",
      batch: () => {
        for (let i = 0; i < SWITCH_N; i++) sink ^= js.switchSync(i) as number;
        return SWITCH_N;
      },
    },
  ];
}

const libcName = process.platform === "darwin" ? "libSystem.B.dylib" : "libc.so.6";

const libcTable = {
  qsort: { parameters: ["buffer", "usize", "usize", "function"], result: "void" },
} as const;

/** The random int32 values every qsort batch sorts (the same in every process). */
function qsortInput(): Int32Array {
  const values = new Int32Array(QSORT_N);
  let x = 0x9e3779b9;
  for (let i = 0; i < QSORT_N; i++) {
    // xorshift32: deterministic, so every process sorts the same array.
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    values[i] = x;
  }
  return values;
}

/** Where qsort.floor's compare results go, so that no engine drops them. */
let qsortSink = 0;

async function qsortCases(): Promise<Case[]> {
  const ffi = await runtime.ffi();
  const libc = await dlopen(libcName, libcTable);
  const input = qsortInput();
  const data = new Int32Array(QSORT_N);
  const reader = ffi.int32Reader(data);
  const read = reader.read;
  let compares = 0;
  // The comparator body, the same on both paths.
  const compare = (a: unknown, b: unknown): number => {
    compares++;
    const x = read(a);
    const y = read(b);
    return x < y ? -1 : x > y ? 1 : 0;
  };
  const signature = { parameters: [reader.type, reader.type], result: "i32" } as const;
  const mainCallback = ffi.callback(signature, compare);
  const nativeCompare = nativeCallback(signature, compare);
  const libcNative = loadLibrary(libcName, { qsort: libcTable.qsort });
  const { send } = await bareBounce();
  // The record a callback on a native greenlet hands over: the two addresses as u64 slots,
  // decoded by the readers the library compiles for the signature.
  const record = wordsOver(new ArrayBuffer(16), 0, 2);
  const readFirst = slotReader(reader.type, 0, nativeAddresses);
  const readSecond = slotReader(reader.type, 1, nativeAddresses);
  // Compare k reads elements k and 7k mod N: their addresses as u32 halves, made up front.
  const halves = new Uint32Array(4 * QSORT_N);
  const base = Number(addressOf(pointerOf(data)));
  for (let k = 0; k < QSORT_N; k++) {
    const a = base + 4 * k;
    const b = base + 4 * ((k * 7) % QSORT_N);
    halves.set([a % 2 ** 32, Math.floor(a / 2 ** 32), b % 2 ** 32, Math.floor(b / 2 ** 32)], 4 * k);
  }
  const sorted = (): void => {
    for (let i = 1; i < QSORT_N; i++) {
      if (data[i - 1] > data[i]) throw new Error("qsort left the array unsorted");
    }
  };
  // qsort.c's comparator in C, and the compares of one sort (qsort's are the same every time).
  const cCompare = (await fixtureBodies()).test_nbench_compare();
  data.set(input);
  compares = 0;
  libc.symbols.qsort(data, BigInt(QSORT_N), 4n, mainCallback.pointer);
  const sortCompares = compares;
  return [
    {
      name: "qsort.main",
      batch: () => {
        data.set(input);
        compares = 0;
        libc.symbols.qsort(data, BigInt(QSORT_N), 4n, mainCallback.pointer);
        sorted();
        return compares;
      },
    },
    {
      name: "qsort.native",
      batch: () => {
        data.set(input);
        compares = 0;
        new NativeGreenlet(libcNative.symbols.qsort).switchSync(data, QSORT_N, 4, nativeCompare);
        sorted();
        return compares;
      },
    },
    {
      name: "qsort.c",
      batch: () => {
        data.set(input);
        libc.symbols.qsort(data, BigInt(QSORT_N), 4n, cCompare);
        sorted();
        return sortCompares;
      },
    },
    {
      name: "qsort.floor",
      batch: () => {
        data.set(input);
        compares = 0;
        const words = record.u32;
        for (let k = 0; k < QSORT_N; k++) {
          words[0] = halves[4 * k];
          words[1] = halves[4 * k + 1];
          words[2] = halves[4 * k + 2];
          words[3] = halves[4 * k + 3];
          send();
          qsortSink += compare(readFirst(record), readSecond(record));
        }
        return compares;
      },
    },
  ];
}

/** `int test_nbench_recurse(depth, count, callback)` (tests/fixtures/entries.zig). */
function recurseFunction() {
  ensureBuilt();
  const callback = { parameters: ["u32"], result: "u32" } as const;
  const fixture = loadLibrary(entriesPath(), {
    test_nbench_recurse: { parameters: ["u32", "u32", "function"], result: "u32" },
  });
  return { recurse: fixture.symbols.test_nbench_recurse, callback };
}

/** A C body (bounce) on its own greenlet that greenlet_send reaches from the root. */
async function bareBounce(): Promise<{ message: Uint32Array; send: () => number }> {
  const { lib } = await openNative();
  const s = lib.symbols;
  const bodies = await fixtureBodies();
  const out = new Uint32Array(2);
  if (s.greenlet_root(out) !== Status.OK) throw new Error("greenlet_root failed");
  if (s.greenlet_create(bodies.test_nbench_bounce(), 0n, 0, 0, 0n, out) !== Status.OK) {
    throw new Error("greenlet_create failed");
  }
  const { slot, generation } = handleOf(out);
  const message = new Uint32Array(4);
  const messagePointer = pointerOf(message);
  return { message, send: () => s.greenlet_send(slot, generation, messagePointer) };
}

async function awaitCases(): Promise<Case[]> {
  const { recurse, callback } = recurseFunction();
  const { message, send } = await bareBounce();
  const resolved = Promise.resolve(1);
  // The handler body, the same on both paths: await a resolved promise, answer its argument.
  function* handler(i: number): Generator<Instruction, number, unknown> {
    yield* awaitOnly(resolved);
    return i;
  }
  const native = nativeCallback(callback, handler);
  function* body(count: number): Generator<Instruction, number, unknown> {
    let sum = 0;
    for (let i = 0; i < count; i++) sum += yield* handler(i);
    return sum;
  }
  function* bodyWithSend(count: number): Generator<Instruction, number, unknown> {
    let sum = 0;
    for (let i = 0; i < count; i++) {
      sum += yield* handler(i);
      message[0] = 0;
      message[2] = i;
      send();
    }
    return sum;
  }
  return [
    {
      name: "await.native",
      batch: async () => {
        await new NativeGreenlet(recurse).switchAsync(1, AWAIT_N, native);
        return AWAIT_N;
      },
    },
    {
      name: "await.js",
      batch: async () => {
        await new Greenlet(body).switchAsync(AWAIT_N);
        return AWAIT_N;
      },
    },
    {
      name: "await.ffi",
      batch: async () => {
        await new Greenlet(bodyWithSend).switchAsync(AWAIT_N);
        return AWAIT_N;
      },
    },
  ];
}

function depthCases(): Case[] {
  const { recurse, callback } = recurseFunction();
  const answer = nativeCallback(callback, (i) => i);
  const run = (depth: number) => () => {
    new NativeGreenlet(recurse).switchSync(depth, DEPTH_N, answer);
    return DEPTH_N;
  };
  return [
    { name: "depth.1", batch: run(1) },
    { name: "depth.1000", batch: run(DEPTH) },
  ];
}

const groups: Record<string, () => Case[] | Promise<Case[]>> = {
  switch: switchCases,
  qsort: qsortCases,
  await: awaitCases,
  depth: depthCases,
};

async function main(): Promise<void> {
  const rounds = Number(option("rounds") ?? 9);
  const warmup = Number(option("warmup") ?? 3);
  const only = option("only")?.split(",") ?? Object.keys(groups);
  const cases: Case[] = [];
  for (const name of only) {
    const group = groups[name];
    if (group === undefined) throw new Error(`Unknown group ${name}`);
    cases.push(...await group());
  }
  const clocks = { wall: new Map<string, number[]>(), cpu: new Map<string, number[]>() };
  for (const { name } of cases) {
    clocks.wall.set(name, []);
    clocks.cpu.set(name, []);
  }
  for (let round = 0; round < warmup + rounds; round++) {
    for (const { name, batch } of cases) {
      const cpu = process.cpuUsage();
      const start = performance.now();
      const pending = batch();
      const ops = typeof pending === "number" ? pending : await pending;
      const wall = (performance.now() - start) * 1e6 / ops;
      const used = process.cpuUsage(cpu);
      const cpuNs = (used.user + used.system) * 1e3 / ops;
      if (round >= warmup) {
        clocks.wall.get(name)!.push(wall);
        clocks.cpu.get(name)!.push(cpuNs);
      }
      if (process.env.NBENCH_TRACE) {
        console.error(round, name, wall.toFixed(1), cpuNs.toFixed(1));
      }
    }
  }
  const result: NativeRun = {
    runtime: runtime.name,
    version: runtime.version,
    rounds,
    cases: {},
    ratios: {},
    cpu: { cases: {}, ratios: {} },
  };
  summarize(clocks.wall, result);
  summarize(clocks.cpu, result.cpu);
  for (const [name, ns] of Object.entries(result.cases)) {
    const cpu = result.cpu.cases[name];
    console.error(
      `${runtime.name} ${name.padEnd(16)} ${ns.toFixed(1)} ns/op (CPU ${cpu.toFixed(1)})`,
    );
  }
  console.log(JSON.stringify(result));
}

/** Each case's median and each pair's median ratio over the rounds, into `into`. */
function summarize(times: Map<string, number[]>, into: Figures): void {
  for (const [name, values] of times) into.cases[name] = median(values);
  for (const [name, baseline] of pairs) {
    const a = times.get(name), b = times.get(baseline);
    if (a === undefined || b === undefined) continue;
    into.ratios[`${name}/${baseline}`] = median(a.map((ns, i) => ns / b[i]));
  }
}

await main();
