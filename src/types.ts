// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.

/**
 * What a greenlet body yields to the trampoline. Opaque: bodies never create or inspect one,
 * they only enter steps with `yield*`. The brand makes a bare `yield` of a step a type error in
 * bodies typed as {@link Op}.
 */
export interface Instruction {
  /** Brand (type-level only): a bare `yield` of anything else is a type error in an `Op`. */
  readonly [Symbol.toStringTag]: "GreenletInstruction";
}

/**
 * The type of a greenlet body or of a helper that may switch: a generator entered with
 * `yield*` that finishes with `T`.
 *
 * @example A helper that may switch
 * ```ts
 * import { getcurrent, Greenlet, type Op } from "@greenlet/greenlet";
 * import assert from "node:assert/strict";
 *
 * function* ask(question: string): Op<number> {
 *   const parent = getcurrent().parent!;
 *   return yield* parent.switch<number>(question);
 * }
 * const g = new Greenlet(function* () {
 *   return 1 + (yield* ask("how many?"));
 * });
 * assert.equal(g.switchSync(), "how many?");
 * assert.equal(g.switchSync(41), 42);
 * ```
 */
export type Op<T> = Generator<Instruction, T, unknown>;

/**
 * What `g.switch()`, `g.throw()` and `awaitOnly()` return: a single-use step that must be
 * entered exactly once with `yield*`, which evaluates to `T`.
 *
 * @example Entering a step
 * ```ts
 * import { getcurrent, Greenlet } from "@greenlet/greenlet";
 * import assert from "node:assert/strict";
 *
 * const main = getcurrent();
 * const g = new Greenlet(function* () {
 *   const reply = yield* main.switch<string>("ping");
 *   return reply.toUpperCase();
 * });
 * assert.equal(g.switchSync(), "ping");
 * assert.equal(g.switchSync("pong"), "PONG");
 * ```
 */
export interface Step<T> {
  /** Enters the step; called by `yield*`. */
  [Symbol.iterator](): Iterator<Instruction, T, unknown>;
}
