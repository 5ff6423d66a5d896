// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.

import type { Greenlet } from "../mod.ts";
import { hubCore } from "./_hub.ts";

/**
 * The hub: one per agent, itself a greenlet, the parent of every task. It runs ready greenlets
 * in FIFO batches and waits for timers and promises between them (gevent's hub on the JS event
 * loop).
 *
 * **Who drives it.** The hub runs under one async driver. `main(body)` starts it and awaits the
 * body; otherwise the first thing that gives the hub work (a `spawn()` from ordinary code, a
 * wake from a promise) starts the driver on a microtask. The driver runs while anything is
 * ready or a hub timer is set; otherwise the hub goes dormant (it stays suspended, nothing is
 * lost) and the next piece of work (a settled promise a task awaits, the end of a
 * {@link Hub.hold}, a spawn) starts it again.
 *
 * **Batches.** A batch runs the ready queue in order, including greenlets woken during it, up
 * to 65 536 resumptions or about 4 ms; then the hub yields to the event loop with one
 * `setImmediate` hop, so timers and I/O callbacks are never starved by busy tasks.
 *
 * **LoopExit.** When nothing can run and nothing is pending, greenlets that still wait would
 * wait forever: the hub raises {@link LoopExit} in the body of `main()` if it waits, and
 * rejects ordinary code's waits (`await task.join()`, …). Other blocked tasks stay suspended.
 *
 * @example The hub is the parent of tasks
 * ```ts
 * import { getHub, spawn } from "@greenlet/greenlet/hub";
 * import assert from "node:assert/strict";
 *
 * const task = spawn(function* () {
 *   return 1;
 * });
 * assert.equal(task.parent, getHub().greenlet);
 * assert.equal(await task.get(), 1);
 * ```
 */
export interface Hub {
  /** The hub's own greenlet: the default parent of spawned tasks. */
  readonly greenlet: Greenlet;
  /** How much is pending: ready greenlets, timers, awaited promises and holds. */
  readonly pending: number;
  /**
   * Keeps the hub from declaring {@link LoopExit} while code it does not know (a callback from
   * a socket, a timer of ordinary code) may still wake a waiting greenlet. Release it with
   * `[Symbol.dispose]()` (or `using`).
   *
   * @returns a disposable that releases the hold (once)
   *
   * @example Waking a task from a plain callback
   * ```ts
   * import { Event, getHub, spawn } from "@greenlet/greenlet/hub";
   * import assert from "node:assert/strict";
   *
   * const event = new Event();
   * const hold = getHub().hold();
   * setTimeout(() => {
   *   event.set();
   *   hold[Symbol.dispose]();
   * }, 1);
   * const task = spawn(function* () {
   *   return yield* event.wait();
   * });
   * assert.equal(await task.get(), true);
   * ```
   */
  hold(): Disposable;
}

/**
 * Returns this agent's hub, creating it on first use.
 *
 * @returns the hub
 *
 * @example One hub per agent
 * ```ts
 * import { getHub } from "@greenlet/greenlet/hub";
 * import assert from "node:assert/strict";
 *
 * assert.equal(getHub(), getHub());
 * assert.equal(getHub().greenlet.name, "hub");
 * ```
 */
export function getHub(): Hub {
  return hubCore();
}
