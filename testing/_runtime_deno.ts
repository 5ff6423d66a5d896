// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.

import process from "node:process";
import type { NativePointer } from "../ffi/_binding.ts";
import type { Int32Reader, RuntimeFFI, TestRuntime } from "./runtime.ts";

const denoFFI: RuntimeFFI = {
  callback(definition, fn) {
    const callback = new Deno.UnsafeCallback(
      definition as unknown as Deno.UnsafeCallbackDefinition,
      fn as Deno.UnsafeCallbackFunction,
    );
    return {
      pointer: callback.pointer as unknown as NativePointer,
      close: () => callback.close(),
    };
  },
  // A pointer object costs an op call to make (Deno.UnsafePointer.create, about 200 ns) and
  // another to read through (UnsafePointerView), so the fastest read takes the address as a
  // usize (a bigint, both from Deno.UnsafeCallback and from the library) and indexes the array.
  int32Reader(array: Int32Array): Int32Reader {
    const base = Number(Deno.UnsafePointer.value(Deno.UnsafePointer.of(array)));
    return { type: "usize", read: (address: bigint) => array[(Number(address) - base) / 4] };
  },
};

interface Libc {
  symbols: { malloc_trim(pad: bigint): number };
}

let libc: Libc | null | undefined;

/**
 * glibc's malloc_trim(0): gives the free memory of malloc's arenas back to the system (outside
 * glibc, nothing). Without it, RSS readings of one steady loop differ by about 8 %.
 */
function trimMalloc(): void {
  if (libc === undefined) {
    libc = null;
    if (process.platform === "linux") {
      try {
        libc = Deno.dlopen("libc.so.6", {
          malloc_trim: { parameters: ["usize"], result: "i32" },
        }) as unknown as Libc;
      } catch {
        // not glibc
      }
    }
  }
  libc?.symbols.malloc_trim(0n);
}

/** Deno: `--v8-flags=--expose-gc` gives `globalThis.gc`. */
export const denoRuntime: TestRuntime = {
  name: "deno",
  get version(): string {
    const { deno, v8 } = (globalThis as unknown as { Deno: { version: Record<string, string> } })
      .Deno.version;
    return `Deno ${deno} (V8 ${v8})`;
  },
  command(script: string, args: string[] = []): string[] {
    return [process.execPath, "run", "-A", "--v8-flags=--expose-gc", script, ...args];
  },
  gc(): void {
    const gc = (globalThis as { gc?: () => void }).gc;
    if (gc === undefined) {
      throw new Error("Cannot collect garbage: run with --v8-flags=--expose-gc");
    }
    gc();
  },
  releaseMemory(): void {
    const gc = (globalThis as { gc?: (options: object) => void }).gc;
    if (gc === undefined) {
      throw new Error("Cannot collect garbage: run with --v8-flags=--expose-gc");
    }
    gc({ type: "major", execution: "sync", flavor: "last-resort" });
    trimMalloc();
  },
  heapUsed(): number {
    return process.memoryUsage().heapUsed;
  },
  ffi(): Promise<RuntimeFFI> {
    return Promise.resolve(denoFFI);
  },
};
