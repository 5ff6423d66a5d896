// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// Cost of the hot FFI calls per runtime, and the handle shapes they could take.
//
//   deno run -A bench/ffi_calls.ts [--runs=5] [--before=PATH]
//   bun run bench/ffi_calls.ts [--runs=5] [--before=PATH]
//
// The driver runs `--runs` child processes of the runtime running it and prints one line per
// case: the median over the processes of each process's median ns per call, and the spread
// (min–max of those medians). Each child times batches of 1 M calls, round-robin over the
// cases, 9 rounds after 2 untimed ones.
//
// Cases:
//   shape/*   one stand-in library (bench/native/handle_shapes.zig, built here) with the same
//             lookup behind three signatures: a u32 handle, a u64 handle as a BigInt, and two
//             u32 (slot, generation); `state` has an out pointer, `switch` also a usize value
//             and two out pointers, as in include/greenlet.h.
//   call/*    the library in zig-out (ABI 2): greenlet_state of the root, greenlet_switch,
//             _throw and _kill to oneself (the whole call, no context switch), and a real
//             root -> greenlet -> root round trip through tests/fixtures/entries.zig's echo.
//   before/*  with --before=PATH, a library built at ABI 1 (one u32 handle): the same calls.

import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import type { SymbolTable } from "../ffi/_binding.ts";
import { dlopen } from "../ffi/_dlopen.ts";
import { locateLibrary } from "../ffi/_locate.ts";
import { Status } from "../ffi/constants.ts";
import { runtime } from "../testing/runtime.ts";
import { handleOf, openNative } from "../tests/ffi/_native.ts";
import { type Case, childMedians, printMedians, timeCases } from "./_medians.ts";

const BATCH = 1_000_000;
const ROUNDS = 9;
const WARMUP = 2;

const shapeTable = {
  s32: { parameters: ["u32", "buffer"], result: "i32" },
  s64: { parameters: ["usize", "buffer"], result: "i32" },
  s2: { parameters: ["u32", "u32", "buffer"], result: "i32" },
  w32: { parameters: ["u32", "usize", "buffer", "buffer"], result: "i32" },
  w64: { parameters: ["usize", "usize", "buffer", "buffer"], result: "i32" },
  w2: { parameters: ["u32", "u32", "usize", "buffer", "buffer"], result: "i32" },
} as const satisfies SymbolTable;

/** The ABI 1 signatures of the hot calls (one u32 handle). */
const beforeTable = {
  greenlet_abi_version: { parameters: [], result: "u32" },
  greenlet_root: { parameters: ["buffer"], result: "i32" },
  greenlet_state: { parameters: ["u32", "buffer"], result: "i32" },
  greenlet_switch: { parameters: ["u32", "usize", "buffer", "buffer"], result: "i32" },
  greenlet_throw: { parameters: ["u32", "usize", "buffer", "buffer"], result: "i32" },
  greenlet_kill: { parameters: ["u32", "usize", "buffer", "buffer"], result: "i32" },
} as const satisfies SymbolTable;

function option(name: string): string | undefined {
  const prefix = `--${name}=`;
  return process.argv.find((a) => a.startsWith(prefix))?.slice(prefix.length);
}

function buildShapes(): string {
  const dir = mkdtempSync(join(tmpdir(), "greenlet-shapes-"));
  const out = join(dir, "libshapes.so");
  const source = fileURLToPath(new URL("native/handle_shapes.zig", import.meta.url));
  const python = process.env.PYTHON ?? "python3";
  const args = ["-m", "ziglang", "build-lib", "-dynamic", "-OReleaseSafe", source];
  const built = spawnSync(python, [...args, `-femit-bin=${out}`], { encoding: "utf8" });
  if (built.status !== 0) throw new Error(`Cannot build the shapes library: ${built.stderr}`);
  return out;
}

async function shapeCases(path: string): Promise<Case[]> {
  const s = (await dlopen(path, shapeTable)).symbols;
  const out = new Uint32Array(2);
  const tag = new Uint32Array(1);
  const value = new BigUint64Array(1);
  return [
    ["shape/state u32", () => {
      for (let i = 0; i < BATCH; i++) s.s32(1, out);
    }],
    ["shape/state u64 BigInt", () => {
      for (let i = 0; i < BATCH; i++) s.s64(1n, out);
    }],
    ["shape/state u32+u32", () => {
      for (let i = 0; i < BATCH; i++) s.s2(1, 0, out);
    }],
    ["shape/switch u32", () => {
      for (let i = 0; i < BATCH; i++) s.w32(1, 5n, tag, value);
    }],
    ["shape/switch u64 BigInt", () => {
      for (let i = 0; i < BATCH; i++) s.w64(1n, 5n, tag, value);
    }],
    ["shape/switch u32+u32", () => {
      for (let i = 0; i < BATCH; i++) s.w2(1, 0, 5n, tag, value);
    }],
  ];
}

async function callCases(): Promise<Case[]> {
  const { lib, entries } = await openNative();
  const s = lib.symbols;
  const out = new Uint32Array(2);
  const tag = new Uint32Array(1);
  const value = new BigUint64Array(1);
  if (s.greenlet_root(out) !== Status.OK) throw new Error("Cannot get the root");
  const { slot, generation } = handleOf(out);
  if (s.greenlet_create(entries.echo, 0n, 0, 0, 0n, out) !== Status.OK) {
    throw new Error("Cannot create the echo greenlet");
  }
  const echo = handleOf(out);
  return [
    ["call/state", () => {
      for (let i = 0; i < BATCH; i++) s.greenlet_state(slot, generation, tag);
    }],
    ["call/switch to self", () => {
      for (let i = 0; i < BATCH; i++) s.greenlet_switch(slot, generation, 5n, tag, value);
    }],
    ["call/throw to self", () => {
      for (let i = 0; i < BATCH; i++) s.greenlet_throw(slot, generation, 5n, tag, value);
    }],
    ["call/kill to self", () => {
      for (let i = 0; i < BATCH; i++) s.greenlet_kill(slot, generation, 5n, tag, value);
    }],
    ["call/switch round trip", () => {
      const g = echo.slot, e = echo.generation;
      for (let i = 0; i < BATCH; i++) s.greenlet_switch(g, e, 5n, tag, value);
    }],
  ];
}

async function beforeCases(path: string): Promise<Case[]> {
  const s = (await dlopen(path, beforeTable)).symbols;
  if (s.greenlet_abi_version() !== 1) throw new Error(`${path} is not an ABI 1 library`);
  const out = new Uint32Array(1);
  const tag = new Uint32Array(1);
  const value = new BigUint64Array(1);
  s.greenlet_root(out);
  const root = out[0];
  return [
    ["before/state", () => {
      for (let i = 0; i < BATCH; i++) s.greenlet_state(root, tag);
    }],
    ["before/switch to self", () => {
      for (let i = 0; i < BATCH; i++) s.greenlet_switch(root, 5n, tag, value);
    }],
    ["before/throw to self", () => {
      for (let i = 0; i < BATCH; i++) s.greenlet_throw(root, 5n, tag, value);
    }],
    ["before/kill to self", () => {
      for (let i = 0; i < BATCH; i++) s.greenlet_kill(root, 5n, tag, value);
    }],
  ];
}

async function child(shapes: string, before: string | undefined): Promise<void> {
  const cases = [...await shapeCases(shapes), ...await callCases()];
  if (before !== undefined) cases.push(...await beforeCases(before));
  timeCases(cases, BATCH, ROUNDS, WARMUP);
}

async function driver(): Promise<void> {
  const runs = Number(option("runs") ?? 5);
  const shapes = buildShapes();
  const before = option("before");
  const script = fileURLToPath(import.meta.url);
  const args = [`--child=${shapes}`, ...(before === undefined ? [] : [`--before=${before}`])];
  const perCase = childMedians(script, args, runs);
  console.log(`${runtime.version}, ${runs} processes, library ${await locateLibrary()}`);
  printMedians(perCase, "ns/call");
}

const shapesPath = option("child");
if (shapesPath === undefined) await driver();
else await child(shapesPath, option("before"));
