// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.

import type { Op } from "../mod.ts";
import { NO_ARGS, Task } from "./task.ts";
import { noInline } from "../src/_no_inline.ts";

/**
 * Creates a task running `fn(...args)` and schedules it: it starts when the hub runs it (after
 * the caller blocks or, from ordinary code, on a later microtask), never inside `spawn()`. The
 * hub is started if it is not running.
 *
 * @typeParam A the argument types
 * @typeParam R the body's result
 * @param fn the body: a generator function (or a plain function)
 * @param args arguments for `fn`
 * @returns the task
 * @throws {TypeError} when `fn` is not a function
 *
 * @example Tasks run in the order they were spawned
 * ```ts
 * import { main, spawn } from "@greenlet/greenlet/hub";
 * import assert from "node:assert/strict";
 *
 * const order: number[] = [];
 * await main(function* () {
 *   const tasks = [1, 2, 3].map((n) => spawn(function* () {
 *     order.push(n);
 *   }));
 *   for (const t of tasks) yield* t.join();
 * });
 * assert.deepEqual(order, [1, 2, 3]);
 * ```
 */
export function spawn<A extends unknown[], R>(
  fn: (...args: A) => Op<R> | R,
  ...args: A
): Task<R>;
export function spawn<R>(fn: (...args: never[]) => Op<R> | R): Task<R> {
  // No rest parameter: a spawn without arguments allocates no array (the common case).
  const args = arguments.length <= 1 ? NO_ARGS : Array.prototype.slice.call(arguments, 1);
  return new Task<R>(fn, args).schedule();
}

/**
 * Like {@link spawn}, but the task starts after `ms` milliseconds.
 *
 * @typeParam A the argument types
 * @typeParam R the body's result
 * @param ms the delay in milliseconds
 * @param fn the body
 * @param args arguments for `fn`
 * @returns the task (killing it before it starts means it never runs)
 * @throws {RangeError} when `ms` is negative or not a number
 *
 * @example A delayed start
 * ```ts
 * import { main, spawn, spawnLater } from "@greenlet/greenlet/hub";
 * import assert from "node:assert/strict";
 *
 * const order: string[] = [];
 * await main(function* () {
 *   const later = spawnLater(5, function* () {
 *     order.push("later");
 *   });
 *   spawn(function* () {
 *     order.push("now");
 *   });
 *   yield* later.join();
 * });
 * assert.deepEqual(order, ["now", "later"]);
 * ```
 */
export function spawnLater<A extends unknown[], R>(
  ms: number,
  fn: (...args: A) => Op<R> | R,
  ...args: A
): Task<R> {
  if (typeof ms !== "number" || !(ms >= 0)) {
    throw new RangeError(`Cannot spawn later: ms must be a number >= 0, not ${String(ms)}`);
  }
  return new Task<R>(fn as unknown as (...args: never[]) => Op<R> | R, args).schedule(ms);
}

// Compiled on its own by JSC (a no-op on V8): inlined, the hub's code was compiled again into every
// caller's optimized code, and recompiled with it (docs/benchmarks_hub.md, branch `hubjsc`).
noInline(spawn);
