// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.

import { Fifo } from "./_fifo.ts";
import { hubError } from "./_misuse.ts";
import type { Blocker, Blocking, Waiter } from "./_waiter.ts";
import { hubCore } from "./_hub.ts";
import { checkTimeout, Timeout } from "./timeout.ts";
import { noInline } from "../src/_no_inline.ts";

/** Options of {@link Queue.put} and {@link Queue.get}. */
export interface QueueWaitOptions {
  /** Raise {@link Timeout} after this many milliseconds. @default no limit */
  timeout?: number;
}

/** What {@link Queue.tryGet} returns. */
export type QueueTryGet<T> = { ok: true; value: T } | { ok: false };

function closedError(action: string): Error {
  return hubError("QUEUE_CLOSED", `Cannot ${action}: the queue is closed`);
}

/**
 * A FIFO queue between greenlets (gevent's `Queue`): `get()` waits while it is empty, `put()`
 * while it is full; unbounded by default. Waiting getters and putters are served in order. A
 * put into a queue with a waiting getter hands the item over and schedules the getter; the
 * putter goes on.
 *
 * `close()` refuses further puts; getters drain what is left, then `get()` raises
 * `GreenletError` `QUEUE_CLOSED` (so does a put into a closed queue); greenlets waiting when
 * it closes get the same error.
 *
 * @typeParam T the item type
 *
 * @example A producer and a consumer
 * ```ts
 * import { GreenletError } from "@greenlet/greenlet";
 * import { main, Queue, spawn } from "@greenlet/greenlet/hub";
 * import assert from "node:assert/strict";
 *
 * const queue = new Queue<number>(2);
 * const got = await main(function* () {
 *   spawn(function* () {
 *     for (let i = 0; i < 5; i++) yield* queue.put(i);
 *     queue.close();
 *   });
 *   const got: number[] = [];
 *   for (;;) {
 *     try {
 *       got.push(yield* queue.get());
 *     } catch (e) {
 *       if (e instanceof GreenletError && e.code === "QUEUE_CLOSED") return got;
 *       throw e;
 *     }
 *   }
 * });
 * assert.deepEqual(got, [0, 1, 2, 3, 4]);
 * ```
 */
export class Queue<T> {
  readonly #maxsize: number;
  readonly #items = new Fifo<T>();
  readonly #getters = new Fifo<Waiter>();
  readonly #putters = new Fifo<Waiter>();
  #closed = false;
  readonly #getBlocker: Blocker = { cancel: (w) => this.#getters.delete(w) };
  readonly #putBlocker: Blocker = { cancel: (w) => this.#putters.delete(w) };
  /** Takes back an item handed to a getter that was killed before it ran. */
  readonly #handBack: Blocker = { cancel: (w) => this.#items.unshift(w.sent as T) };

  /**
   * Creates an empty queue.
   *
   * @param maxsize how many items it holds before `put()` waits @default Infinity
   * @throws {RangeError} when `maxsize` is not a whole number >= 1 (or Infinity)
   */
  constructor(maxsize: number = Infinity) {
    if (maxsize !== Infinity && !(Number.isInteger(maxsize) && maxsize >= 1)) {
      throw new RangeError(
        `Cannot create a queue: maxsize must be a whole number >= 1 or Infinity, not ${
          String(maxsize)
        }; use a Channel for a rendezvous`,
      );
    }
    this.#maxsize = maxsize;
  }

  /** How many items are queued. */
  get size(): number {
    return this.#items.size;
  }

  /** The capacity given at creation. */
  get maxsize(): number {
    return this.#maxsize;
  }

  /** True once `close()` was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Appends `item`, waiting while the queue is full.
   *
   * @param item what to append
   * @param options a timeout
   * @throws {GreenletError} `QUEUE_CLOSED` when the queue is (or gets) closed
   * @throws {Timeout} when the timeout passes first
   */
  put(item: T, options?: QueueWaitOptions): Blocking<void> {
    const hub = hubCore();
    if (this.#closed) return hub.rejected(closedError("put into the queue"));
    const getters = this.#getters;
    if (getters.size !== 0) {
      this.#hand(getters.shift(), item);
      return hub.resolved(undefined);
    }
    if (this.#items.size < this.#maxsize) {
      this.#items.push(item);
      return hub.resolved(undefined);
    }
    const ms = options === undefined
      ? undefined
      : checkTimeout(options.timeout, "Cannot put into the queue");
    const w = hub.waiter("Queue.put");
    w.item = item;
    this.#putters.push(w);
    if (ms !== undefined) hub.timeout(w, ms, new Timeout(ms), true);
    return hub.block(w, this.#putBlocker, "Queue.put");
  }

  /**
   * Removes and returns the oldest item, waiting while the queue is empty.
   *
   * @param options a timeout
   * @returns the item
   * @throws {GreenletError} `QUEUE_CLOSED` when the queue is closed and empty
   * @throws {Timeout} when the timeout passes first
   */
  get(options?: QueueWaitOptions): Blocking<T> {
    const hub = hubCore();
    const items = this.#items;
    if (items.size !== 0) {
      const item = items.shift();
      this.#refill();
      return hub.resolved(item);
    }
    if (this.#closed) return hub.rejected(closedError("get from the queue"));
    const ms = options === undefined
      ? undefined
      : checkTimeout(options.timeout, "Cannot get from the queue");
    const w = hub.waiter("Queue.get");
    this.#getters.push(w);
    if (ms !== undefined) hub.timeout(w, ms, new Timeout(ms), true);
    return hub.block(w, this.#getBlocker, "Queue.get");
  }

  /**
   * Appends `item` if there is room, without waiting.
   *
   * @param item what to append
   * @returns false when the queue is full
   * @throws {GreenletError} `QUEUE_CLOSED` when the queue is closed
   */
  tryPut(item: T): boolean {
    if (this.#closed) throw closedError("put into the queue");
    const getters = this.#getters;
    if (getters.size !== 0) {
      this.#hand(getters.shift(), item);
      return true;
    }
    if (this.#items.size >= this.#maxsize) return false;
    this.#items.push(item);
    return true;
  }

  /**
   * Removes the oldest item if there is one, without waiting.
   *
   * @returns `{ ok: true, value }`, or `{ ok: false }` when empty
   */
  tryGet(): QueueTryGet<T> {
    const items = this.#items;
    if (items.size === 0) return { ok: false };
    const value = items.shift();
    this.#refill();
    return { ok: true, value };
  }

  /**
   * Refuses further puts; waiting greenlets get `QUEUE_CLOSED`. Items already queued can
   * still be taken. Closing twice does nothing.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const hub = hubCore();
    while (this.#getters.size !== 0) {
      hub.schedule(this.#getters.shift(), closedError("get from the queue"), true);
    }
    while (this.#putters.size !== 0) {
      hub.schedule(this.#putters.shift(), closedError("put into the queue"), true);
    }
  }

  /** Gives `item` to a waiting getter; it comes back if the getter is killed first. */
  #hand(getter: Waiter, item: T): void {
    hubCore().schedule(getter, item, false);
    getter.handed = this.#handBack;
  }

  /** An item left: move the oldest waiting putter's item in and wake it. */
  #refill(): void {
    const putters = this.#putters;
    if (putters.size === 0) return;
    const w = putters.shift();
    this.#items.push(w.item as T);
    w.item = undefined;
    hubCore().schedule(w, undefined, false);
  }
}

// Compiled on its own by JSC (a no-op on V8): inlined, the hub's code was compiled again into every
// caller's optimized code, and recompiled with it (docs/benchmarks_hub.md, branch `hubjsc`).
noInline(Queue.prototype.put);
noInline(Queue.prototype.get);
