// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.

import type { Blocking } from "./_waiter.ts";
import { hubCore } from "./_hub.ts";
import { noInline } from "../src/_no_inline.ts";

/**
 * Waits `ms` milliseconds; `sleep(0)` (the default) is a cooperative yield: the caller goes to
 * the back of the ready queue and runs again after the greenlets ready now. Busy loops that
 * yield this way do not starve timers or I/O: the hub yields to the event loop between
 * batches.
 *
 * @param ms how long, in milliseconds @default 0
 * @returns `yield*` it in a task, `await` it from ordinary code
 * @throws {RangeError} when `ms` is negative or not a number
 *
 * @example Interleaving with cooperative yields
 * ```ts
 * import { main, sleep, spawn } from "@greenlet/greenlet/hub";
 * import assert from "node:assert/strict";
 *
 * const log: string[] = [];
 * await main(function* () {
 *   const worker = (name: string) =>
 *     spawn(function* () {
 *       for (let i = 0; i < 2; i++) {
 *         log.push(`${name}${i}`);
 *         yield* sleep();
 *       }
 *     });
 *   const a = worker("a");
 *   const b = worker("b");
 *   yield* a.join();
 *   yield* b.join();
 * });
 * assert.deepEqual(log, ["a0", "b0", "a1", "b1"]);
 * ```
 */
export function sleep(ms: number = 0): Blocking<void> {
  if (typeof ms !== "number" || !(ms >= 0)) {
    throw new RangeError(`Cannot sleep: ms must be a number >= 0, not ${String(ms)}`);
  }
  const hub = hubCore();
  return hub.sleep(hub.waiter("sleep"), ms);
}

// Compiled on its own by JSC (a no-op on V8): inlined, the hub's code was compiled again into every
// caller's optimized code, and recompiled with it (docs/benchmarks_hub.md, branch `hubjsc`).
noInline(sleep);
