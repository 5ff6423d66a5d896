// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.

/**
 * The kill signal. `g.throw()` with no argument throws a new `GreenletExit` into `g`; when it
 * escapes a greenlet's body, the parent receives it as a value instead of an exception.
 *
 * @example Killing a suspended greenlet
 * ```ts
 * import { getcurrent, Greenlet, GreenletExit } from "@greenlet/greenlet";
 * import assert from "node:assert/strict";
 *
 * const main = getcurrent();
 * const g = new Greenlet(function* () {
 *   yield* main.switch("suspended");
 * });
 * g.switchSync();
 * const result = g.throwSync();
 * assert.ok(result instanceof GreenletExit);
 * assert.equal(g.dead, true);
 * ```
 */
export class GreenletExit extends Error {
  /**
   * Creates a kill signal.
   *
   * @param message optional text, kept as the error message
   * @param options the standard `cause` option
   */
  constructor(message?: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "GreenletExit";
  }
}

/**
 * Tells whether a value is a {@link GreenletExit} (or a subclass), for code that catches
 * everything but must let kills through.
 *
 * @param error any caught value
 * @returns true when `error` is a `GreenletExit`
 *
 * @example Re-throwing kills from a catch-all
 * ```ts
 * import { GreenletExit, isGreenletExit } from "@greenlet/greenlet";
 * import assert from "node:assert/strict";
 *
 * assert.equal(isGreenletExit(new GreenletExit()), true);
 * assert.equal(isGreenletExit(new Error("x")), false);
 * ```
 */
export function isGreenletExit(error: unknown): error is GreenletExit {
  return error instanceof GreenletExit;
}
