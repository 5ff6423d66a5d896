// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// Round trip from plain code into a native greenlet and back, next to the bare FFI round trip
// and a JS greenlet's, on the runtime running this file.
//
//   deno run -A bench/native_greenlets.ts [--runs=5]
//   bun run bench/native_greenlets.ts [--runs=5]
//
// The driver runs `--runs` child processes and prints, per case, the median over the processes
// of each process's median ns per round trip, and the spread (min–max of those medians). Each
// child times batches of 200 000 round trips, round-robin over the cases, 7 rounds after 2
// untimed ones. Cases:
//   ffi/greenlet_switch   root -> tests/fixtures/entries.zig's echo -> root through the bare
//                         binding (the floor: two context switches and one FFI call)
//   native/switchSync     the same C body as a NativeGreenlet: g.switchSync(i)
//   js/switchSync         a JS greenlet that switches every value back: g.switchSync(i)

import process from "node:process";
import { fileURLToPath } from "node:url";
import { Status } from "../ffi/constants.ts";
import { getcurrent, Greenlet } from "../mod.ts";
import { NativeGreenlet } from "../native.ts";
import { runtime } from "../testing/runtime.ts";
import { handleOf, openNative } from "../tests/ffi/_native.ts";
import { type Case, childMedians, printMedians, timeCases } from "./_medians.ts";

const BATCH = 200_000;
const ROUNDS = 7;
const WARMUP = 2;

async function cases(): Promise<Case[]> {
  const { lib, entries } = await openNative();
  const out = new Uint32Array(2);
  const kind = new Uint32Array(1);
  const value = new BigUint64Array(1);
  if (lib.symbols.greenlet_create(entries.echo, 0n, 0, 0, 0n, out) !== Status.OK) {
    throw new Error("greenlet_create failed");
  }
  const { slot, generation } = handleOf(out);
  const greenletSwitch = lib.symbols.greenlet_switch;
  const native = new NativeGreenlet(entries.echo);
  const main = getcurrent();
  const js = new Greenlet(function* (x: unknown) {
    for (;;) x = yield* main.switch(x);
  });
  let sink = 0;
  return [
    ["ffi/greenlet_switch", () => {
      for (let i = 0; i < BATCH; i++) greenletSwitch(slot, generation, BigInt(i), kind, value);
      sink += Number(value[0]);
    }],
    ["native/switchSync", () => {
      for (let i = 0; i < BATCH; i++) sink += native.switchSync(i) as number;
    }],
    ["js/switchSync", () => {
      for (let i = 0; i < BATCH; i++) sink += js.switchSync(i) as number;
    }],
  ];
}

async function child(): Promise<void> {
  timeCases(await cases(), BATCH, ROUNDS, WARMUP);
}

function driver(runs: number): void {
  const script = fileURLToPath(import.meta.url);
  const perCase = childMedians(script, ["--child"], runs);
  console.log(`${runtime.version}, ${runs} processes`);
  printMedians(perCase, "ns/round trip");
}

const runsArg = process.argv.find((a) => a.startsWith("--runs="));
if (process.argv.includes("--child")) {
  await child();
} else {
  driver(runsArg === undefined ? 5 : Number(runsArg.slice("--runs=".length)));
}
