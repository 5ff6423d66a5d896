// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.

import type { Op } from "../mod.ts";
import { blocking } from "./_blocking.ts";
import type { Blocking } from "./_waiter.ts";
import { joinAll } from "./join_all.ts";
import { killAll } from "./kill_all.ts";
import { Semaphore } from "./lock.ts";
import { spawn } from "./spawn.ts";
import { type Task, watchEnd } from "./task.ts";

/**
 * A pool of at most `size` concurrent tasks (gevent's `Pool`, eventlet's `GreenPool`):
 * `spawn()` waits while the pool is full.
 *
 * @example Bounded parallelism
 * ```ts
 * import { main, Pool, sleep } from "@greenlet/greenlet/hub";
 * import assert from "node:assert/strict";
 *
 * const pool = new Pool(2);
 * let running = 0;
 * let peak = 0;
 * await main(function* () {
 *   for (let i = 0; i < 6; i++) {
 *     yield* pool.spawn(function* () {
 *       peak = Math.max(peak, ++running);
 *       yield* sleep(1);
 *       running--;
 *     });
 *   }
 *   yield* pool.join();
 * });
 * assert.equal(peak, 2);
 * ```
 */
export class Pool {
  readonly #size: number;
  readonly #slots: Semaphore;
  readonly #tasks = new Set<Task<unknown>>();

  /**
   * Creates an empty pool.
   *
   * @param size how many tasks may run at once
   * @throws {RangeError} when `size` is not a whole number >= 1
   */
  constructor(size: number) {
    if (!Number.isInteger(size) || size < 1) {
      throw new RangeError(`Cannot create a pool: size must be a whole number >= 1, not ${size}`);
    }
    this.#size = size;
    this.#slots = new Semaphore(size);
  }

  /** The capacity given at creation. */
  get size(): number {
    return this.#size;
  }

  /** How many more tasks could start now without waiting. */
  get free(): number {
    return this.#slots.free;
  }

  /** The pool's tasks that have not finished. */
  get tasks(): ReadonlySet<Task<unknown>> {
    return this.#tasks;
  }

  /**
   * Waits for a free slot, then spawns `fn(...args)` in it.
   *
   * @typeParam A the argument types
   * @typeParam R the body's result
   * @param fn the body
   * @param args arguments for `fn`
   * @returns the task
   */
  spawn<A extends unknown[], R>(fn: (...args: A) => Op<R> | R, ...args: A): Blocking<Task<R>> {
    if (typeof fn !== "function") {
      throw new TypeError(`Cannot spawn in the pool: fn must be a function, not ${typeof fn}`);
    }
    const slots = this.#slots;
    const tasks = this.#tasks;
    return blocking(function* (): Op<Task<R>> {
      yield* slots.acquire();
      const task = spawn(fn, ...args);
      tasks.add(task as Task<unknown>);
      watchEnd(task, () => {
        tasks.delete(task as Task<unknown>);
        slots.release();
      });
      return task;
    });
  }

  /**
   * Waits until every task in the pool has finished.
   *
   * @param options a timeout in milliseconds
   * @returns true when all finished, false when the timeout passed first
   */
  join(options?: { timeout?: number }): Blocking<boolean> {
    const tasks = this.#tasks;
    return blocking(function* (): Op<boolean> {
      const list = [...tasks];
      const done = yield* joinAll(list, { timeout: options?.timeout });
      return done.length === list.length;
    });
  }

  /**
   * Kills every task in the pool and waits until they have finished.
   *
   * @param error what to raise in each @default a new `GreenletExit`
   */
  kill(error?: unknown): Blocking<void> {
    return killAll(this.#tasks, error);
  }
}
