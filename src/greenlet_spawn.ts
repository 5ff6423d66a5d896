// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.

import { Greenlet } from "./greenlet.ts";
import type { Op } from "./types.ts";

/**
 * From async code: runs `fn(...args)` in a new greenlet whose parent is the main greenlet and
 * resolves with its return value (SQLAlchemy's `greenlet_spawn`). Inside, `yield*
 * awaitOnly(promise)` suspends the body while this driver awaits. Errors reject the promise.
 *
 * It is `new Greenlet(fn).switchAsync(...args)`: if the body switches to its parent instead
 * of returning, the promise resolves with the switched value and the greenlet stays
 * suspended (resume it with `switchAsync()`).
 *
 * @typeParam A the argument types
 * @typeParam R the return type
 * @param fn the body
 * @param args arguments for `fn`
 * @returns a promise of `fn`'s return value
 *
 * @example The bridge
 * ```ts
 * import { awaitOnly, greenletSpawn } from "@greenlet/greenlet";
 * import assert from "node:assert/strict";
 *
 * const sum = await greenletSpawn(function* (a: number, b: number) {
 *   const c = yield* awaitOnly(Promise.resolve(3));
 *   return a + b + c;
 * }, 1, 2);
 * assert.equal(sum, 6);
 * ```
 */
export function greenletSpawn<A extends unknown[], R>(
  fn: (...args: A) => Op<R> | R,
  ...args: A
): Promise<R> {
  if (typeof fn !== "function") {
    return Promise.reject(new TypeError(`Cannot spawn: fn must be a function, not ${typeof fn}`));
  }
  try {
    return new Greenlet(fn as (...args: never[]) => unknown).switchAsync<R>(...args);
  } catch (error) {
    return Promise.reject(error);
  }
}
