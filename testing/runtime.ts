// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// The runtime adapter shared by tests/ and bench/ (and whatever else measures or checks the
// library), chosen by the package's one runtime detector.

import type { NativePointer, SymbolDefinition } from "../ffi/_binding.ts";
import { runtimeKey } from "../ffi/_runtime.ts";
import { bunRuntime } from "./_runtime_bun.ts";
import { denoRuntime } from "./_runtime_deno.ts";

/** What tests and benchmarks need from the runtime. */
export interface TestRuntime {
  readonly name: "deno" | "bun";
  /** The runtime and its engine with versions, e.g. `Deno 2.9.6 (V8 15.0.245.2-rusty)`. */
  readonly version: string;
  /** argv that runs a TypeScript file with forced GC available, all permissions. */
  command(script: string, args?: string[]): string[];
  /** Forces a full garbage collection (only in a process started by `command`). */
  gc(): void;
  /**
   * A full collection that also gives the heap's free memory back to the system, for RSS readings
   * (only in a process started by `command`). Deno: V8's last-resort GC (after a plain one, RSS
   * readings of the same steady loop differ by ±15 % with the pages V8 keeps), then glibc's
   * malloc_trim; Bun: `Bun.gc(true)` and `Bun.shrink()`.
   */
  releaseMemory(): void;
  /** Bytes of JS heap in use (after a forced GC when the caller asked for one). */
  heapUsed(): number;
  /** The runtime's own FFI pieces a benchmark compares the library against. */
  ffi(): Promise<RuntimeFFI>;
}

/** A callback made by the runtime itself, for C code called on the main stack. */
export interface RuntimeCallback {
  readonly pointer: NativePointer;
  close(): void;
}

/** The runtime's own FFI (Deno FFI, bun:ffi), beside the library's. */
export interface RuntimeFFI {
  /** `Deno.UnsafeCallback` / bun:ffi `JSCallback` for `definition` (Deno's spelling). */
  callback(
    definition: SymbolDefinition,
    // deno-lint-ignore no-explicit-any
    fn: (...args: any[]) => unknown,
  ): RuntimeCallback;
  /**
   * The fastest way this runtime offers to read the int32s of `array` that C code hands a
   * callback pointers to: the type the callback declares for such an argument, and the read.
   */
  int32Reader(array: Int32Array): Int32Reader;
}

/** See {@link RuntimeFFI.int32Reader}. */
export interface Int32Reader {
  readonly type: "pointer" | "usize";
  // deno-lint-ignore no-explicit-any
  readonly read: (argument: any) => number;
}

/** The runtime running this code. */
export const runtime: TestRuntime = runtimeKey === "bun" ? bunRuntime : denoRuntime;
