// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.

import { awaitRoute } from "./_await_route.ts";
import { SignalledAwait } from "./_drivers.ts";
import { awaitStep } from "./_trampoline.ts";
import type { Step } from "./types.ts";

/** Options for {@link awaitOnly}. */
export interface AwaitOnlyOptions {
  /** Stops waiting when aborted: the abort reason is raised at the await point. */
  signal?: AbortSignal;
}

/**
 * Inside a body: waits for a promise without making the callers async (SQLAlchemy's
 * `await_only`). The async driver (`switchAsync()`, `greenletSpawn()`) awaits it and resumes the
 * body with the result, or raises the rejection at this point. Under `switchSync()` this raises
 * `GreenletError` `WOULD_BLOCK` instead. While the body waits, only its driver may resume it;
 * a kill or throw from elsewhere is delivered here at once. In a greenlet run by the hub
 * (`@greenlet/greenlet/hub`), only that greenlet waits: the hub runs the others meanwhile.
 *
 * @typeParam T the promised type
 * @param promise what to wait for (a non-promise value is waited for as a resolved promise)
 * @param options an abort signal
 * @returns a single-use step to enter with `yield*`
 * @throws {GreenletError} `NOT_IN_GREENLET` outside a body
 * @throws {TypeError} when `promise` is a generator (an `Op`: enter it with `yield*` instead)
 * @throws {TypeError} when `options.signal` is not an AbortSignal
 *
 * @example Waiting for a timer in the middle of synchronous-looking code
 * ```ts
 * import { awaitOnly, greenletSpawn, type Op } from "@greenlet/greenlet";
 * import assert from "node:assert/strict";
 *
 * function* fetchValue(): Op<number> {
 *   return yield* awaitOnly(new Promise<number>((r) => setTimeout(() => r(42), 1)));
 * }
 * assert.equal(await greenletSpawn(function* () {
 *   return (yield* fetchValue()) + 1;
 * }), 43);
 * ```
 */
export function awaitOnly<T>(
  promise: T | PromiseLike<T>,
  options?: AwaitOnlyOptions,
): Step<Awaited<T>> {
  if (Object.prototype.toString.call(promise) === "[object Generator]") {
    throw new TypeError(
      "Cannot await a generator: awaitOnly() waits for promises; run an Op with yield* op",
    );
  }
  const signal = options?.signal;
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new TypeError("Cannot await: options.signal must be an AbortSignal");
  }
  const route = awaitRoute.to;
  if (route !== null) {
    const routed = route(promise, signal);
    if (routed !== null) return routed as Step<Awaited<T>>;
  }
  const step = awaitStep(signal === undefined ? promise : new SignalledAwait(promise, signal));
  return step as unknown as Step<Awaited<T>>;
}
