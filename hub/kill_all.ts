// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.

import { GreenletExit, type Op } from "../mod.ts";
import { blocking } from "./_blocking.ts";
import type { Blocking } from "./_waiter.ts";
import { joinAll } from "./join_all.ts";
import type { Task } from "./task.ts";
import { checkTimeout } from "./timeout.ts";

/** Options of {@link killAll}. */
export interface KillAllOptions {
  /** Wait until every task has finished. @default true */
  block?: boolean;
  /** With `block`, stop waiting after this many milliseconds. @default no limit */
  timeout?: number;
}

/**
 * Kills every task with `error` (a `GreenletExit` by default; each gets its own when
 * omitted) and by default waits until all have finished (gevent's `killall`).
 *
 * @param tasks the tasks to kill
 * @param error what to raise in each
 * @param options whether to wait, and for how long
 *
 * @example Stopping a group of workers
 * ```ts
 * import { killAll, main, sleep, spawn } from "@greenlet/greenlet/hub";
 * import assert from "node:assert/strict";
 *
 * await main(function* () {
 *   const workers = [1, 2, 3].map(() =>
 *     spawn(function* () {
 *       yield* sleep(10_000);
 *     })
 *   );
 *   yield* sleep(1);
 *   yield* killAll(workers);
 *   assert.ok(workers.every((w) => w.ready()));
 * });
 * ```
 */
export function killAll(
  tasks: Iterable<Task<unknown>>,
  error?: unknown,
  options?: KillAllOptions,
): Blocking<void> {
  const list = [...tasks];
  const ms = checkTimeout(options?.timeout, "Cannot kill all");
  for (const t of list) t.kill(error ?? new GreenletExit(), { block: false });
  return blocking(function* (): Op<void> {
    if (options?.block !== false) yield* joinAll(list, { timeout: ms });
  });
}
