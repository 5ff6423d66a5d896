// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.

import type { Op } from "../mod.ts";
import { blocking } from "./_blocking.ts";
import type { Blocking } from "./_waiter.ts";
import { hubCore } from "./_hub.ts";

/**
 * Raised by a timeout: by {@link withTimeout} when its body runs too long, and by the
 * `timeout` option of waits that raise (`Task.get`, `Queue.get`, …). Like `GreenletExit` it
 * is a signal rather than a misuse, so it is an `Error`, not a `GreenletError`.
 *
 * @example Telling a timeout apart
 * ```ts
 * import { Timeout } from "@greenlet/greenlet/hub";
 * import assert from "node:assert/strict";
 *
 * const e = new Timeout(10);
 * assert.equal(e.ms, 10);
 * assert.match(e.message, /10 ms/);
 * ```
 */
export class Timeout extends Error {
  /** The time limit that passed, in milliseconds. */
  readonly ms: number;

  /**
   * Creates the error for a time limit.
   *
   * @param ms the limit in milliseconds
   * @param message a message other than the default
   */
  constructor(ms: number, message?: string) {
    super(message ?? `Timed out after ${ms} ms`);
    this.name = "Timeout";
    this.ms = ms;
  }
}

/** Validates a `timeout` option; undefined means none. */
export function checkTimeout(ms: unknown, action: string): number | undefined {
  if (ms === undefined) return undefined;
  if (typeof ms !== "number" || Number.isNaN(ms)) {
    throw new TypeError(`${action}: timeout must be a number of milliseconds, not ${typeof ms}`);
  }
  if (ms < 0) throw new RangeError(`${action}: timeout must not be negative, not ${ms}`);
  return ms;
}

/**
 * Runs `body` in the calling greenlet and raises {@link Timeout} in it if it has not finished
 * after `ms` milliseconds (wherever it waits then). The body's `finally` blocks run, and may
 * switch and wait. The error raised is this call's own: a `Timeout` from a nested limit
 * passes through unchanged.
 *
 * @typeParam T the body's result
 * @param ms the limit in milliseconds
 * @param body a generator function to run
 * @returns the body's result; `yield*` it in a task, `await` it from ordinary code
 * @throws {Timeout} when the limit passes first
 * @throws {RangeError} when `ms` is negative
 *
 * @example A slow operation cut short
 * ```ts
 * import { main, sleep, Timeout, withTimeout } from "@greenlet/greenlet/hub";
 * import assert from "node:assert/strict";
 *
 * const log: string[] = [];
 * await main(function* () {
 *   try {
 *     yield* withTimeout(5, function* () {
 *       try {
 *         yield* sleep(10_000);
 *       } finally {
 *         log.push("cleaned up");
 *       }
 *     });
 *   } catch (e) {
 *     assert.ok(e instanceof Timeout);
 *     log.push("timed out");
 *   }
 * });
 * assert.deepEqual(log, ["cleaned up", "timed out"]);
 * ```
 */
export function withTimeout<T>(ms: number, body: () => Op<T>): Blocking<T> {
  checkTimeout(ms, "Cannot run with a timeout");
  if (typeof body !== "function") {
    throw new TypeError(`Cannot run with a timeout: body must be a function, not ${typeof body}`);
  }
  return blocking(() => timed(ms, body));
}

function* timed<T>(ms: number, body: () => Op<T>): Op<T> {
  const hub = hubCore();
  const w = hub.waiter("withTimeout");
  const error = new Timeout(ms);
  let fired = false;
  const timer = hub.later(ms, () => {
    fired = true;
    hub.interrupt(w, error);
  });
  try {
    const result = body();
    return isIterator(result) ? yield* result : result as T;
  } finally {
    if (!fired) hub.cancelTimer(timer);
  }
}

function isIterator<T>(value: unknown): value is Op<T> {
  return typeof value === "object" && value !== null &&
    typeof (value as { next?: unknown }).next === "function" &&
    typeof (value as { [Symbol.iterator]?: unknown })[Symbol.iterator] === "function";
}
