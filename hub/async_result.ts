// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.

import type { Blocker, Blocking, Waiter } from "./_waiter.ts";
import { hubCore } from "./_hub.ts";
import { checkTimeout, Timeout } from "./timeout.ts";

/** Options of {@link AsyncResult.get} and {@link AsyncResult.wait}. */
export interface AsyncResultWaitOptions {
  /** Stop waiting after this many milliseconds. @default no limit */
  timeout?: number;
}

const UNSET = 0;
const VALUE = 1;
const ERROR = 2;

/**
 * A value that arrives once, or an error (gevent's `AsyncResult`): `set(value)` or
 * `setError(error)` wakes every waiter; `get()` returns the value or raises the error.
 * Setting again replaces the outcome for later readers.
 *
 * @typeParam T the value type
 *
 * @example Handing a result from one task to another
 * ```ts
 * import { AsyncResult, main, sleep, spawn } from "@greenlet/greenlet/hub";
 * import assert from "node:assert/strict";
 *
 * const result = new AsyncResult<string>();
 * const got = await main(function* () {
 *   spawn(function* () {
 *     yield* sleep(1);
 *     result.set("ready");
 *   });
 *   return yield* result.get();
 * });
 * assert.equal(got, "ready");
 * ```
 */
export class AsyncResult<T> {
  #state = UNSET;
  #value: T | undefined = undefined;
  #error: unknown = undefined;
  #waiters: Waiter[] = [];
  #promise: Promise<T> | null = null;
  readonly #getBlocker: Blocker = { cancel: (w) => this.#cancel(w) };
  readonly #waitBlocker: Blocker = { cancel: (w) => this.#cancel(w) };

  /** Stores `value` and wakes every waiter. */
  set(value: T): void {
    this.#state = VALUE;
    this.#value = value;
    this.#error = undefined;
    this.#notify();
  }

  /** Stores `error` (raised by `get()`) and wakes every waiter. */
  setError(error: unknown): void {
    this.#state = ERROR;
    this.#value = undefined;
    this.#error = error;
    this.#notify();
  }

  /** True once set (with a value or an error). */
  ready(): boolean {
    return this.#state !== UNSET;
  }

  /** True once set with a value. */
  successful(): boolean {
    return this.#state === VALUE;
  }

  /** The value once set with one, else undefined. */
  get value(): T | undefined {
    return this.#value;
  }

  /** The error once set with one, else undefined. */
  get exception(): unknown {
    return this.#error;
  }

  /**
   * Waits for the outcome and returns the value or raises the error.
   *
   * @param options a timeout
   * @returns the value
   * @throws the error given to `setError()`; {@link Timeout} when the timeout passes first
   */
  get(options?: AsyncResultWaitOptions): Blocking<T> {
    const hub = hubCore();
    if (this.#state === VALUE) return hub.resolved(this.#value as T);
    if (this.#state === ERROR) return hub.rejected(this.#error);
    const ms = checkTimeout(options?.timeout, "Cannot get the result");
    const w = hub.waiter("AsyncResult.get");
    this.#waiters.push(w);
    if (ms !== undefined) hub.timeout(w, ms, new Timeout(ms), true);
    return hub.block(w, this.#getBlocker, "AsyncResult.get");
  }

  /**
   * Waits until the result is set, without raising its error.
   *
   * @param options a timeout
   * @returns true once set, false when the timeout passed first
   */
  wait(options?: AsyncResultWaitOptions): Blocking<boolean> {
    const hub = hubCore();
    if (this.#state !== UNSET) return hub.resolved(true);
    const ms = checkTimeout(options?.timeout, "Cannot wait for the result");
    const w = hub.waiter("AsyncResult.wait");
    this.#waiters.push(w);
    if (ms !== undefined) hub.timeout(w, ms, false, false);
    return hub.block(w, this.#waitBlocker, "AsyncResult.wait");
  }

  /** A promise of the outcome, for async code (created on first use). */
  get promise(): Promise<T> {
    if (this.#promise !== null) return this.#promise;
    const hub = hubCore();
    if (this.#state === VALUE) return this.#promise = Promise.resolve(this.#value as T);
    if (this.#state === ERROR) return this.#promise = Promise.reject(this.#error);
    const w = hub.outer();
    this.#waiters.push(w);
    this.#promise = hub.block<T>(w, this.#getBlocker, "AsyncResult.promise") as unknown as Promise<
      T
    >;
    return this.#promise;
  }

  #notify(): void {
    const waiters = this.#waiters;
    if (waiters.length === 0) return;
    this.#waiters = [];
    const hub = hubCore();
    const failed = this.#state === ERROR;
    for (const w of waiters) {
      if (w.blocker === this.#waitBlocker) hub.schedule(w, true, false);
      else if (failed) hub.schedule(w, this.#error, true);
      else hub.schedule(w, this.#value, false);
    }
  }

  #cancel(w: Waiter): void {
    const i = this.#waiters.indexOf(w);
    if (i >= 0) this.#waiters.splice(i, 1);
  }
}
