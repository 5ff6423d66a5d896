// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.

import process from "node:process";
import type { Op } from "../mod.ts";
import { type Waiter, waiterKey } from "./_waiter.ts";
import { NO_ARGS, Task } from "./task.ts";

/** Options of {@link main}. */
export interface MainOptions {
  /**
   * Handle SIGINT and SIGTERM while the body runs: kill the body with `GreenletExit` (its
   * `finally` blocks run, and may switch and wait), then exit the process with 130 (SIGINT)
   * or 143 (SIGTERM). A second signal during that cleanup exits at once.
   * @default true
   */
  signals?: boolean;
}

const exitCodes = { SIGINT: 130, SIGTERM: 143 } as const;

/**
 * The async entry point: runs `body` as the root task under the hub, drives the hub until the
 * body finishes, and resolves with its result (or rejects with its error). Other tasks may
 * still run afterwards; the hub keeps going while they have work.
 *
 * When nothing can run and nothing is pending while the body waits, {@link LoopExit} is raised
 * in the body (naming every blocked greenlet).
 *
 * @typeParam R the body's result
 * @param body a generator function
 * @param options signal handling
 * @returns a promise of the body's result
 * @throws {TypeError} when `body` is not a function
 *
 * @example A program in blocking style
 * ```ts
 * import { main, Queue, spawn } from "@greenlet/greenlet/hub";
 * import assert from "node:assert/strict";
 *
 * const sum = await main(function* () {
 *   const queue = new Queue<number>();
 *   const workers = [1, 2, 3].map((n) =>
 *     spawn(function* () {
 *       yield* queue.put(n * n);
 *     })
 *   );
 *   let total = 0;
 *   for (const _ of workers) total += yield* queue.get();
 *   return total;
 * });
 * assert.equal(sum, 14);
 * ```
 */
export async function main<R>(body: () => Op<R>, options?: MainOptions): Promise<R> {
  if (typeof body !== "function") {
    throw new TypeError(`Cannot run main: body must be a function, not ${typeof body}`);
  }
  const root = new Task<R>(body, NO_ARGS, body.name || "main");
  (root as unknown as Record<symbol, Waiter>)[waiterKey].loopExit = true;
  const finished = new Promise<void>((resolve) => root.link(() => resolve()));
  root.schedule();
  if (options?.signals === false) {
    await finished;
    return yield_(root);
  }
  let exitCode = 0;
  const handlers = Object.entries(exitCodes).map(([signal, code]) => {
    const handler = (): void => {
      // A second signal while the body still cleans up exits at once.
      if (exitCode !== 0) process.exit(exitCode);
      exitCode = code;
      root.kill(undefined, { block: false });
    };
    process.on(signal, handler);
    return () => process.off(signal, handler);
  });
  try {
    await finished;
    if (exitCode !== 0) process.exit(exitCode);
    return yield_(root);
  } finally {
    for (const remove of handlers) remove();
  }
}

/** The finished root's result, or its error raised. */
function yield_<R>(root: Task<R>): R {
  if (!root.successful()) throw root.exception;
  return root.value as R;
}
