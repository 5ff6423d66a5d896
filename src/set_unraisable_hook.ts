// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.

import { unraisable } from "./_unraisable.ts";

/**
 * An error nobody can catch, as the unraisable hook receives it: one raised by a greenlet's
 * cleanup under the garbage-collection kill (a throwing `finally`, a body that ignores the
 * `GreenletExit`, a switch or await there); with `@greenlet/greenlet/native`, an error that
 * escaped a callback handler on the main stack, and callbacks C made that no JS could answer
 * (`GreenletError` `CALLBACK_REFUSED`).
 */
export interface Unraisable {
  /** What was thrown (anything can be thrown). */
  readonly error: unknown;
  /**
   * The greenlet whose code raised it, as `name#id` (`#id` for an unnamed greenlet);
   * `"(main stack)"` for a callback handler run on the main stack, `"(none)"` for refused
   * callbacks.
   */
  readonly greenlet: string;
  /**
   * What was being done: `"the garbage-collection kill"`, `"a callback on the main stack"` or
   * `"a callback from C"`.
   */
  readonly during: string;
}

/** Receives each {@link Unraisable}; what it throws is reported by the default hook. */
export type UnraisableHook = (unraisable: Unraisable) => void;

/**
 * Replaces what happens to an error nobody can catch (Python's `sys.unraisablehook`). The
 * default writes one message to stderr, `Exception ignored in greenlet <label> during <what>:`
 * followed by the error's stack, and the program goes on with its exit code untouched: a
 * failing cleanup of some abandoned greenlet never ends the process.
 *
 * @param hook the new hook, or `null` for the default
 * @returns the hook it replaces (`null` for the default)
 * @throws {TypeError} when `hook` is neither a function nor `null`
 *
 * @example Collecting cleanup failures instead of printing them
 * ```ts
 * import { setUnraisableHook, type Unraisable } from "@greenlet/greenlet";
 * import assert from "node:assert/strict";
 *
 * const failures: Unraisable[] = [];
 * const collect = (failure: Unraisable) => {
 *   failures.push(failure);
 * };
 * const previous = setUnraisableHook(collect);
 * // ... greenlets dropped while suspended whose cleanup fails end up in `failures`
 * assert.equal(setUnraisableHook(previous), collect);
 * ```
 */
export function setUnraisableHook(hook: UnraisableHook | null): UnraisableHook | null {
  if (hook !== null && typeof hook !== "function") {
    throw new TypeError(
      `Cannot install unraisable hook: expected a function or null, not ${typeof hook}`,
    );
  }
  const previous = unraisable.hook;
  unraisable.hook = hook;
  return previous;
}
