// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// What the FFI tests share: the library (built with `zig build test-entries` when missing),
// native greenlet bodies from tests/fixtures/entries.zig, and handle helpers.

import assert from "node:assert/strict";
import { existsSync, statSync } from "node:fs";
import { spawnSync } from "node:child_process";
import process from "node:process";
import { fileURLToPath } from "node:url";
import type { NativePointer, OpenTable } from "../../ffi/_binding.ts";
import { dlopen } from "../../ffi/_dlopen.ts";
import type { NativeLibrary } from "../../ffi/_library.ts";
import { openLibrary } from "../../ffi/_open.ts";
import { Stat, Status } from "../../ffi/constants.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));

/** The fixture library's table: each function returns one `greenlet_entry`. */
export const entryTable = {
  test_entry_finish_sum: { parameters: [], result: "pointer" },
  test_entry_throw_sum: { parameters: [], result: "pointer" },
  test_entry_echo: { parameters: [], result: "pointer" },
  test_entry_stubborn: { parameters: [], result: "pointer" },
  test_mixed_sibling: { parameters: [], result: "pointer" },
  test_mixed_steps: { parameters: [], result: "pointer" },
  test_mixed_call_on_resume: { parameters: [], result: "pointer" },
  test_direct_script: { parameters: [], result: "pointer" },
} as const;

/** Native greenlet bodies (see tests/fixtures/entries.zig). */
export interface Entries {
  /** Finishes at once with arg + value. */
  finishSum: NativePointer;
  /** Finishes at once by throwing arg + value. */
  throwSum: NativePointer;
  /** Sends arg + value to its parent until a throw or kill comes, then finishes with it. */
  echo: NativePointer;
  /** Ignores throws and kills (sends the tag it got) until it receives 0, then returns arg. */
  stubborn: NativePointer;
  /**
   * mixed: switches inside C to the sibling its arg names (slot | generation << 32), with value + 1
   * (a throw of value for 1000 to 1999, a kill for 2000 and up), then sends its parent the reply,
   * and again with the parent's reply, until a throw or kill comes back, which it finishes with.
   */
  sibling: NativePointer;
  /**
   * mixed: calls the step callback at the address its arg gives, step(i, first) for i = 0, 1, ...
   * (a `usize (u32, usize)` function), while it answers 2^61 (continue); then finishes with the
   * last answer.
   */
  steps: NativePointer;
  /**
   * mixed: sends its parent its first value, then calls the `usize (usize)` callback at its arg's
   * address with each value it is switched back with and sends its parent the result.
   */
  callOnResume: NativePointer;
  /**
   * direct: each value it is switched to says what it does: 1000-1999 finishes with it,
   * 2000-2999 throws it to its parent, 3000-3999 kills its parent, 4000-4999 calls the
   * `usize (usize)` callback at its arg's address with it and sends its parent the result; it
   * sends any other value to its parent.
   */
  script: NativePointer;
  /** The fixture library itself (close it with the test's library). */
  table: OpenTable<typeof entryTable>;
}

/** The file name `zig build` gives a shared library called `name` on this platform. */
export function libraryFileName(name: string): string {
  if (process.platform === "win32") return `${name}.dll`;
  return process.platform === "darwin" ? `lib${name}.dylib` : `lib${name}.so`;
}

/** The fixture library's path (tests/fixtures/entries.zig, built by ensureBuilt()). */
export function entriesPath(): string {
  return `${root}zig-out/test/${libraryFileName("greenlet_test_entries")}`;
}

/** The fixture library whose greenlet_abi_version() is 1 (tests/fixtures/old_abi.zig, built
 * by ensureBuilt()). */
export function oldAbiPath(): string {
  return `${root}zig-out/test/${libraryFileName("greenlet_test_old_abi")}`;
}

/**
 * Builds the fixture when it is missing (`zig build test-entries` also installs the library in
 * zig-out, which ffi/_locate.ts then finds first).
 */
export function ensureBuilt(): void {
  const fresh = existsSync(entriesPath()) &&
    statSync(entriesPath()).mtimeMs >= statSync(`${root}tests/fixtures/entries.zig`).mtimeMs;
  if (fresh && existsSync(oldAbiPath())) return;
  zig(["build", "test-entries"]);
  // Not a build.zig step: build.zig is hashed into the packaged libraries' table.
  zig([
    "build-lib",
    "-dynamic",
    "-OReleaseSafe",
    "tests/fixtures/old_abi.zig",
    `-femit-bin=${oldAbiPath()}`,
  ]);
}

function zig(args: string[]): void {
  const python = process.env.PYTHON ?? "python3";
  const built = spawnSync(python, ["-m", "ziglang", ...args], { cwd: root, encoding: "utf8" });
  assert.equal(built.status, 0, `zig ${args.join(" ")} failed:\n${built.stderr}`);
}

/** Opens the library and the fixture (the library first: the fixture links to it). */
export async function openNative(): Promise<{ lib: NativeLibrary; entries: Entries }> {
  ensureBuilt();
  const lib = await openLibrary();
  const table = await dlopen(entriesPath(), entryTable);
  const entries: Entries = {
    finishSum: table.symbols.test_entry_finish_sum(),
    throwSum: table.symbols.test_entry_throw_sum(),
    echo: table.symbols.test_entry_echo(),
    stubborn: table.symbols.test_entry_stubborn(),
    sibling: table.symbols.test_mixed_sibling(),
    steps: table.symbols.test_mixed_steps(),
    callOnResume: table.symbols.test_mixed_call_on_resume(),
    script: table.symbols.test_direct_script(),
    table,
  };
  return { lib, entries };
}

/** How many native stacks are in use now (GREENLET_STAT_STACKS_IN_USE). */
export function stacksInUse(lib: NativeLibrary): number {
  const values = new BigUint64Array(Stat.COUNT);
  const count = new Uint32Array(1);
  assert.equal(lib.symbols.greenlet_stats(values, Stat.COUNT, count), Status.OK);
  return Number(values[Stat.STACKS_IN_USE]);
}

/** A greenlet handle as the calls take it. */
export interface Handle {
  slot: number;
  generation: number;
}

/** Reads a handle written by greenlet_root/current/create/parent into `out`. */
export function handleOf(out: Uint32Array): Handle {
  return { slot: out[0], generation: out[1] };
}
