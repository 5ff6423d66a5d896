// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.

import type { Blocker, Blocking, Waiter } from "./_waiter.ts";
import { hubCore } from "./_hub.ts";
import { checkTimeout } from "./timeout.ts";

/** Options of {@link Event.wait}. */
export interface EventWaitOptions {
  /** Stop waiting after this many milliseconds. @default no limit */
  timeout?: number;
}

/**
 * A flag that greenlets wait for (gevent's `Event`): `set()` wakes every waiter, in the order
 * they began to wait; while set, `wait()` returns at once.
 *
 * @example One task waits, another sets
 * ```ts
 * import { Event, main, spawn } from "@greenlet/greenlet/hub";
 * import assert from "node:assert/strict";
 *
 * const ready = new Event();
 * const log: string[] = [];
 * await main(function* () {
 *   const waiter = spawn(function* () {
 *     yield* ready.wait();
 *     log.push("woken");
 *   });
 *   spawn(function* () {
 *     log.push("setting");
 *     ready.set();
 *   });
 *   yield* waiter.join();
 * });
 * assert.deepEqual(log, ["setting", "woken"]);
 * ```
 */
export class Event {
  #flag = false;
  #waiters: Waiter[] = [];
  readonly #blocker: Blocker = { cancel: (w) => this.#cancel(w) };

  /** Sets the flag and wakes every waiter. Never blocks. */
  set(): void {
    this.#flag = true;
    const waiters = this.#waiters;
    if (waiters.length === 0) return;
    this.#waiters = [];
    const hub = hubCore();
    for (const w of waiters) hub.schedule(w, true, false);
  }

  /** Clears the flag: later waits block again. */
  clear(): void {
    this.#flag = false;
  }

  /** True while the flag is set. */
  isSet(): boolean {
    return this.#flag;
  }

  /**
   * Waits until the flag is set.
   *
   * @param options a timeout
   * @returns true when set, false when the timeout passed first
   */
  wait(options?: EventWaitOptions): Blocking<boolean> {
    const hub = hubCore();
    if (this.#flag) return hub.resolved(true);
    const ms = checkTimeout(options?.timeout, "Cannot wait for an event");
    const w = hub.waiter("Event.wait");
    this.#waiters.push(w);
    if (ms !== undefined) hub.timeout(w, ms, false, false);
    return hub.block(w, this.#blocker, "Event.wait");
  }

  #cancel(w: Waiter): void {
    const i = this.#waiters.indexOf(w);
    if (i >= 0) this.#waiters.splice(i, 1);
  }
}
