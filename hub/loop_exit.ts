// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.

import { type Greenlet, GreenletError } from "../mod.ts";

/** One greenlet that waits while nothing can wake it, as {@link LoopExit} reports it. */
export interface BlockedWaiter {
  /** The waiting greenlet; null for ordinary code awaiting a hub operation. */
  readonly greenlet: Greenlet | null;
  /** What it waits on, e.g. `Queue.get` or `Task.join(worker#4)`. */
  readonly waitsOn: string;
}

/**
 * Raised when nothing can run and nothing is pending (no ready greenlet, timer, awaited
 * promise or hold) while something still waits: gevent's `LoopExit`, made specific. It goes
 * to the body of `main()` if that waits, and to ordinary code awaiting a hub operation. Its
 * `blocked` list (and its message) names each blocked greenlet and what it waits on. Its
 * `code` is `"LOOP_EXIT"`.
 *
 * @example Waiting on an event nobody sets
 * ```ts
 * import { Event, LoopExit, main } from "@greenlet/greenlet/hub";
 * import assert from "node:assert/strict";
 *
 * const event = new Event();
 * await assert.rejects(
 *   main(function* () {
 *     yield* event.wait();
 *   }),
 *   (e) => e instanceof LoopExit && /waits on Event\.wait/.test(e.message),
 * );
 * ```
 */
export class LoopExit extends GreenletError {
  /** The greenlets (and ordinary-code waits) that were blocked. */
  readonly blocked: readonly BlockedWaiter[];

  /**
   * Creates the error from the list of blocked waiters.
   *
   * @param blocked who waits and on what
   */
  constructor(blocked: readonly BlockedWaiter[]) {
    const lines = blocked.map((b) =>
      `${b.greenlet === null ? "ordinary code" : label(b.greenlet)} waits on ${b.waitsOn}`
    );
    super(
      "LOOP_EXIT",
      "Cannot wait any longer: nothing can run and nothing is pending (no ready greenlet, " +
        `timer, awaited promise or hold); ${lines.join("; ")}`,
    );
    this.name = "LoopExit";
    this.blocked = blocked;
  }
}

function label(g: Greenlet): string {
  return String(g).replace(/^<Greenlet (\S+).*$/, "$1");
}
