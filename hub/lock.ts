// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.

import { Fifo } from "./_fifo.ts";
import { hubError } from "./_misuse.ts";
import type { Blocker, Blocking, Waiter } from "./_waiter.ts";
import { hubCore } from "./_hub.ts";
import { checkTimeout } from "./timeout.ts";

/** Options of {@link Semaphore.acquire}. */
export interface AcquireOptions {
  /** Stop waiting after this many milliseconds. @default no limit */
  timeout?: number;
}

/**
 * A counting semaphore (gevent's `BoundedSemaphore`): `acquire()` takes one of `value`
 * permits, waiting while none is free; `release()` gives one back. Waiters are served in
 * order: a released permit goes to the oldest waiter, never to a later caller. Releasing more
 * than was acquired raises `GreenletError` `LOCK_NOT_HELD`.
 *
 * @example At most two at a time
 * ```ts
 * import { main, Semaphore, sleep, spawn } from "@greenlet/greenlet/hub";
 * import assert from "node:assert/strict";
 *
 * const slots = new Semaphore(2);
 * let running = 0;
 * let peak = 0;
 * await main(function* () {
 *   const tasks = [1, 2, 3, 4, 5].map(() =>
 *     spawn(function* () {
 *       yield* slots.acquire();
 *       try {
 *         peak = Math.max(peak, ++running);
 *         yield* sleep(1);
 *       } finally {
 *         running--;
 *         slots.release();
 *       }
 *     })
 *   );
 *   for (const t of tasks) yield* t.join();
 * });
 * assert.equal(peak, 2);
 * ```
 */
export class Semaphore {
  readonly #bound: number;
  #free: number;
  readonly #waiters = new Fifo<Waiter>();
  readonly #blocker: Blocker = { cancel: (w) => this.#waiters.delete(w) };

  /**
   * Creates a semaphore with `value` free permits.
   *
   * @param value how many permits @default 1
   * @throws {RangeError} when `value` is not a whole number >= 1
   */
  constructor(value: number = 1) {
    if (!Number.isInteger(value) || value < 1) {
      throw new RangeError(
        `Cannot create a semaphore: value must be a whole number >= 1, not ${String(value)}`,
      );
    }
    this.#bound = value;
    this.#free = value;
  }

  /** How many permits are free now. */
  get free(): number {
    return this.#free;
  }

  /** True when no permit is free. */
  locked(): boolean {
    return this.#free === 0;
  }

  /**
   * Takes a permit, waiting while none is free.
   *
   * @param options a timeout
   * @returns true when acquired, false when the timeout passed first
   */
  acquire(options?: AcquireOptions): Blocking<boolean> {
    const hub = hubCore();
    if (this.#free > 0) {
      this.#free--;
      return hub.resolved(true);
    }
    const ms = checkTimeout(options?.timeout, "Cannot acquire");
    const w = hub.waiter("acquire");
    this.#waiters.push(w);
    if (ms !== undefined) hub.timeout(w, ms, false, false);
    return hub.block(w, this.#blocker, `${this.constructor.name}.acquire`);
  }

  /**
   * Takes a permit if one is free, without waiting.
   *
   * @returns true when acquired
   */
  tryAcquire(): boolean {
    if (this.#free === 0) return false;
    this.#free--;
    return true;
  }

  /**
   * Gives a permit back: to the oldest waiter if there is one.
   *
   * @throws {GreenletError} `LOCK_NOT_HELD` when every permit is already free
   */
  release(): void {
    const waiters = this.#waiters;
    if (waiters.size !== 0) {
      hubCore().schedule(waiters.shift(), true, false);
      return;
    }
    if (this.#free >= this.#bound) {
      throw hubError(
        "LOCK_NOT_HELD",
        `Cannot release the ${this.constructor.name.toLowerCase()}: it is not held`,
      );
    }
    this.#free++;
  }
}

/**
 * A mutual-exclusion lock: a {@link Semaphore} with one permit (gevent's `Lock`).
 *
 * @example Keeping a read-modify-write atomic across a switch
 * ```ts
 * import { Lock, main, sleep, spawn } from "@greenlet/greenlet/hub";
 * import assert from "node:assert/strict";
 *
 * const lock = new Lock();
 * let counter = 0;
 * await main(function* () {
 *   const tasks = [1, 2, 3].map(() =>
 *     spawn(function* () {
 *       yield* lock.acquire();
 *       try {
 *         const seen = counter;
 *         yield* sleep(1);
 *         counter = seen + 1;
 *       } finally {
 *         lock.release();
 *       }
 *     })
 *   );
 *   for (const t of tasks) yield* t.join();
 * });
 * assert.equal(counter, 3);
 * ```
 */
export class Lock extends Semaphore {
  /** Creates an unlocked lock. */
  constructor() {
    super(1);
  }
}
