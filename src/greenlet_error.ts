// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.

/**
 * The stable codes carried by {@link GreenletError}. Each names one misuse.
 *
 * | code | meaning |
 * | --- | --- |
 * | `MISSING_YIELD_STAR` | a step (`g.switch()`, `g.throw()`, `awaitOnly()`) was created but never entered with `yield*` |
 * | `BARE_YIELD` | a body used `yield` without `*`, or yielded something that is not its own step |
 * | `RETURNED_STEP` | a body returned a step instead of `return yield* step` |
 * | `STEP_REUSED` | one step was entered with `yield*` twice |
 * | `NOT_IN_GREENLET` | a step was created outside a greenlet body (plain code, a tracer) |
 * | `REENTRANT_DRIVER` | `switchSync`/`switchAsync`/`greenletSpawn`/… was called while a greenlet body or tracer runs |
 * | `WOULD_BLOCK` | `awaitOnly()` was reached under a synchronous driver (`switchSync()`, `throwSync()`, `using`) |
 * | `PARENT_CYCLE` | a parent assignment would make a cycle |
 * | `MAIN_PARENT` | an attempt to set the parent of a main greenlet |
 * | `RUN_AFTER_START` | an attempt to set `run` after the greenlet started |
 * | `AWAITING` | a switch into a greenlet that waits in `awaitOnly()` under another driver |
 * | `WRONG_AGENT` | a second copy of this library, or a greenlet from another agent, was used |
 * | `DRIVER_RELEASED` | an async driver lost its greenlet to a throw from elsewhere and it did not finish |
 * | `TOKEN_USED` | a `ContextVar` token was used to reset twice |
 * | `TOKEN_MISMATCH` | a `ContextVar` token was reset in another greenlet or with another variable |
 * | `CLEANUP_SWITCH` | a greenlet killed by the garbage collector tried to switch or await while cleaning up, or survived the kill (reported to the unraisable hook when uncaught) |
 * | `NATIVE_CALL` | a native greenlet's call into the library failed (the message names the `greenlet_status`), or native.ts was not loaded |
 * | `NATIVE_CLOSED` | a function of a closed library was started, or a closed callback was used (its pointer read, passed to C) |
 * | `CALLBACK_ON_MAIN_STACK` | a callback handler running on the main stack (C code called through the runtime's own FFI) tried to switch or await |
 * | `CALLBACK_REFUSED` | C called callbacks where no JS could answer (another thread, a closed callback); they returned the fallback (reported to the unraisable hook) |
 * | `LOOP_EXIT` | hub: nothing can run and nothing is pending while something waits (`LoopExit`) |
 * | `NOT_IN_HUB` | hub: a blocking call in a greenlet the hub does not run |
 * | `HUB_BLOCKED` | hub: a blocking call in the hub itself (a link or timer callback) |
 * | `QUEUE_CLOSED` | hub: a put into a closed queue, or a get from a closed, empty one |
 * | `CHANNEL_CLOSED` | hub: a send on a closed channel, or a receive from a closed, empty one |
 * | `LOCK_NOT_HELD` | hub: a release of a lock or semaphore that is not held |
 */
export type GreenletErrorCode =
  | "MISSING_YIELD_STAR"
  | "BARE_YIELD"
  | "RETURNED_STEP"
  | "STEP_REUSED"
  | "NOT_IN_GREENLET"
  | "REENTRANT_DRIVER"
  | "WOULD_BLOCK"
  | "PARENT_CYCLE"
  | "MAIN_PARENT"
  | "RUN_AFTER_START"
  | "AWAITING"
  | "WRONG_AGENT"
  | "DRIVER_RELEASED"
  | "TOKEN_USED"
  | "TOKEN_MISMATCH"
  | "CLEANUP_SWITCH"
  | "NATIVE_CALL"
  | "NATIVE_CLOSED"
  | "CALLBACK_ON_MAIN_STACK"
  | "CALLBACK_REFUSED"
  | "LOOP_EXIT"
  | "NOT_IN_HUB"
  | "HUB_BLOCKED"
  | "QUEUE_CLOSED"
  | "CHANNEL_CLOSED"
  | "LOCK_NOT_HELD";

/**
 * Thrown when greenlets are misused: the state or protocol is wrong, not the argument types
 * (those are `TypeError`). The `code` is stable; the message names the fix.
 *
 * @example Catching a misuse by its code
 * ```ts
 * import { Greenlet, GreenletError } from "@greenlet/greenlet";
 * import assert from "node:assert/strict";
 *
 * const g = new Greenlet(function* () {});
 * try {
 *   g.switch(); // outside a body: must be `yield* g.switch()` inside one
 * } catch (e) {
 *   assert.ok(e instanceof GreenletError);
 *   assert.equal(e.code, "NOT_IN_GREENLET");
 * }
 * ```
 */
export class GreenletError extends Error {
  /** The stable code naming the misuse. */
  readonly code: GreenletErrorCode;

  /**
   * Creates an error with a code and a message that says how to fix the misuse.
   *
   * @param code the stable code
   * @param message what went wrong, then how to fix it
   * @param options the standard `cause` option
   */
  constructor(code: GreenletErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "GreenletError";
    this.code = code;
  }
}
