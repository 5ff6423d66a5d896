// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// What the native bridge's tests share: the C libraries they load, the fixture's bridge
// functions (tests/fixtures/entries.zig, "bridge" block) and the leak checks each file ends with.

import assert from "node:assert/strict";
import process from "node:process";
import type { NativeLibrary } from "../../ffi/_library.ts";
import { type LoadedLibrary, loadLibrary } from "../../native.ts";
import type { Greenlet } from "../../mod.ts";
import { nativeStateOf } from "../../src/native_greenlet.ts";
import { openCallbacks } from "../../src/_native_callbacks.ts";
import { storedValues } from "../../src/_native_values.ts";
import { entriesPath, openNative, stacksInUse } from "../ffi/_native.ts";

/** libc's name for loadLibrary() on this platform. */
export const libcName: string = process.platform === "darwin"
  ? "libSystem.B.dylib"
  : process.platform === "win32"
  ? "msvcrt.dll"
  : "libc.so.6";

/** libm's (ldexp's) name on this platform. */
export const libmName: string = process.platform === "linux" ? "libm.so.6" : libcName;

/** libc functions the tests run. */
export const libcTable = {
  abs: { parameters: ["i32"], result: "i32" },
  strlen: { parameters: ["buffer"], result: "usize" },
  qsort: { parameters: ["buffer", "usize", "usize", "function"], result: "void" },
} as const;

/** The fixture's bridge functions. */
export const bridgeTable = {
  test_bridge_mix: { parameters: ["i8", "f64", "u32", "f32"], result: "f64" },
  test_bridge_wide: { parameters: ["i64", "u64"], result: "i64" },
  test_bridge_narrow: { parameters: ["i32"], result: "i8" },
  test_bridge_greater: { parameters: ["f32", "f32"], result: "bool" },
  test_bridge_sum: { parameters: ["function", "i32"], result: "i64" },
  test_bridge_apply: { parameters: ["function"], result: "f64" },
  test_bridge_apply_f32: { parameters: ["function", "f32"], result: "f32" },
  test_bridge_on_thread: { parameters: ["function", "i32"], result: "i32" },
  test_bridge_call_u64: { parameters: ["function", "u64"], result: "u64" },
  test_bridge_call_bool: { parameters: ["function", "bool"], result: "bool" },
  test_bridge_call_pointer: { parameters: ["function", "pointer"], result: "pointer" },
  test_bridge_entry_sum: { parameters: [], result: "pointer" },
} as const;

/** The fixture library's path. */
export function fixturePath(): string {
  return entriesPath();
}

/** What a test file opens, and what it checks at its end. */
export interface Baseline {
  readonly lib: NativeLibrary;
  /** libc through loadLibrary(). */
  readonly libc: LoadedLibrary<typeof libcTable>;
  /** The fixture's bridge functions through loadLibrary(). */
  readonly fx: LoadedLibrary<typeof bridgeTable>;
  /**
   * Closes what it opened and asserts that every stack is back in the pool and every slot and
   * value released.
   */
  end(): void;
}

/** Opens the library, libc and the fixture, and records what is in use now. */
export async function baseline(): Promise<Baseline> {
  const { lib, entries } = await openNative();
  const stacks = stacksInUse(lib);
  const slots = openCallbacks();
  const values = storedValues();
  const libc = loadLibrary(libcName, libcTable);
  const fx = loadLibrary(fixturePath(), bridgeTable);
  return {
    lib,
    libc,
    fx,
    end(): void {
      libc.close();
      fx.close();
      try {
        assert.equal(stacksInUse(lib), stacks, "every native stack is back in the pool");
        assert.equal(openCallbacks(), slots, "every callback slot is released");
        assert.equal(storedValues(), values, "every value table entry is released");
      } finally {
        entries.table.close();
        lib.close();
      }
    },
  };
}

/** A started native greenlet's C handle as test_mixed_sibling's arg: slot | generation << 32. */
export function handleWord(g: Greenlet): bigint {
  const state = nativeStateOf(g)!;
  assert.notEqual(state.slot, 0, "started");
  return BigInt(state.slot) | BigInt(state.generation) << 32n;
}
