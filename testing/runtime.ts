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
  /**
   * `command`, for a process whose RSS is compared with itself: on Deno, V8 runs with
   * `--predictable` and a fixed 1 MiB semi-space, so that the heap's reserve does not grow and
   * shrink with the allocation rate and background threads (without them, RSS readings of the same
   * steady loop differ by ±15 %).
   */
  rssCommand(script: string, args?: string[]): string[];
  /** Forces a full garbage collection (only in a process started by `command`). */
  gc(): void;
  /** Bytes of JS heap in use (after a forced GC when the caller asked for one). */
  heapUsed(): number;
}

/** The runtime running this code. */
export const runtime: TestRuntime = runtimeKey === "bun" ? bunRuntime : denoRuntime;
