// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.

import process from "node:process";
import type { TestRuntime } from "./runtime.ts";

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
  rssCommand(script: string, args: string[] = []): string[] {
    const flags = "--expose-gc,--predictable,--min-semi-space-size=1,--max-semi-space-size=1";
    return [process.execPath, "run", "-A", `--v8-flags=${flags}`, script, ...args];
  },
  gc(): void {
    const gc = (globalThis as { gc?: () => void }).gc;
    if (gc === undefined) {
      throw new Error("Cannot collect garbage: run with --v8-flags=--expose-gc");
    }
    gc();
  },
  heapUsed(): number {
    return process.memoryUsage().heapUsed;
  },
};
