// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// The runtime adapter shared by tests/ and bench/ (and whatever else measures or checks the
// library), chosen by the package's one runtime detector.

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
}

/** The runtime running this code. */
export const runtime: TestRuntime = runtimeKey === "bun" ? bunRuntime : denoRuntime;
