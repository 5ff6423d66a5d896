// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.

import process from "node:process";
import type { TestRuntime } from "./runtime.ts";

interface BunGlobal {
  gc(force: boolean): void;
  /** Gives free memory of the heap and the allocator back to the system. */
  shrink(): void;
  version: string;
}

interface JscModule {
  heapStats(): { heapSize: number };
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
};
