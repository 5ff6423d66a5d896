// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// Waiting for promises inside a hub task, parking only that task.
//
// A stand-in: issue 9 (part 1) routes `awaitOnly()` inside a task to the hub, and then the
// echo example calls `yield* awaitOnly(promise)` directly. Until then `awaitOnly()` in a task
// parks the hub's whole async driver (every task stalls), so a task waits on an Event that the
// promise sets. One PromiseWaiter serves one task for many waits (one connection's reads and
// writes): its callbacks are made once, and its hold keeps the hub from declaring LoopExit
// while the socket it waits on is open.

import type { Op } from "../mod.ts";
import { Event, getHub } from "../hub/mod.ts";

/** Waits for promises in one hub task, one at a time; dispose of it when the task is done. */
export class PromiseWaiter implements Disposable {
  readonly #settled = new Event();
  readonly #hold: Disposable = getHub().hold();
  #failed = false;
  #result: unknown = undefined;
  readonly #onValue = (value: unknown): void => {
    this.#result = value;
    this.#settled.set();
  };
  readonly #onError = (error: unknown): void => {
    this.#failed = true;
    this.#result = error;
    this.#settled.set();
  };

  /** Waits for `promise` in the current task; other tasks run meanwhile. */
  *wait<T>(promise: PromiseLike<T>): Op<T> {
    this.#settled.clear();
    this.#failed = false;
    promise.then(this.#onValue, this.#onError);
    yield* this.#settled.wait();
    const result = this.#result;
    this.#result = undefined;
    if (this.#failed) throw result;
    return result as T;
  }

  /** Releases the hold (idempotent). */
  [Symbol.dispose](): void {
    this.#hold[Symbol.dispose]();
  }
}
