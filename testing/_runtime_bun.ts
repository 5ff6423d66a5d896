// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.

import process from "node:process";
import type { NativePointer, SymbolDefinition } from "../ffi/_binding.ts";
import { bunSymbols } from "../ffi/_bun.ts";
import type { Int32Reader, RuntimeFFI, TestRuntime } from "./runtime.ts";

interface BunGlobal {
  gc(force: boolean): void;
  /** Gives free memory of the heap and the allocator back to the system. */
  shrink(): void;
  version: string;
}

interface JscModule {
  heapStats(): { heapSize: number };
}

/** The bun:ffi pieces used here beyond ffi/_bun_ffi.ts's. */
interface BunCallbackFFI {
  JSCallback: new (
    fn: (...args: unknown[]) => unknown,
    definition: { args: readonly string[]; returns: string },
  ) => { ptr: number; close(): void };
  ptr(view: ArrayBufferView): number;
}

async function bunFFI(): Promise<RuntimeFFI> {
  const ffi = (await import("bun:ffi")) as unknown as BunCallbackFFI;
  return {
    callback(definition: SymbolDefinition, fn) {
      const callback = new ffi.JSCallback(fn, bunSymbols({ callback: definition }).callback);
      return {
        pointer: callback.ptr as unknown as NativePointer,
        close: () => callback.close(),
      };
    },
    // A pointer is a number on Bun, so the fastest read indexes the array by the pointer's offset
    // (as on Deno). bun:ffi's read.i32 is a host call here on both paths: `perf record` of the
    // qsort put 17-20 % of the samples in it, and indexing was 15-20 ns faster per compare
    // through JSCallback and on a native greenlet alike (docs/benchmarks.md, Native bridge).
    int32Reader(array: Int32Array): Int32Reader {
      const base = ffi.ptr(array);
      return { type: "pointer", read: (pointer: number) => array[(pointer - base) / 4] };
    },
  };
}

const bun = (globalThis as unknown as { Bun: BunGlobal }).Bun;
let jsc: JscModule | undefined;

/** Bun: `Bun.gc(true)` forces a collection; `bun:jsc` reports the heap. */
export const bunRuntime: TestRuntime = {
  name: "bun",
  get version(): string {
    return `Bun ${bun.version} (JSC)`;
  },
  command(script: string, args: string[] = []): string[] {
    return [process.execPath, "run", script, ...args];
  },
  gc(): void {
    bun.gc(true);
  },
  releaseMemory(): void {
    bun.gc(true);
    bun.shrink();
  },
  heapUsed(): number {
    jsc ??= (process as unknown as { getBuiltinModule(id: string): JscModule })
      .getBuiltinModule("bun:jsc");
    return jsc.heapStats().heapSize;
  },
  ffi: bunFFI,
};
