// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.

import type { Channel } from "./channel.ts";

/** The parts of a case, for select(). */
export interface CaseParts {
  readonly op: number;
  readonly channel: Channel<unknown> | null;
  readonly value: unknown;
  readonly fn: (value: unknown) => unknown;
}

/** Makes a case (for `onReceive`, `onSend`, `after`). */
export let makeCase: <R>(
  op: number,
  channel: Channel<unknown> | null,
  value: unknown,
  fn: (value: unknown) => R,
) => SelectCase<R>;

/** The parts of a case. */
export let partsOf: (c: SelectCase<unknown>) => CaseParts;

/**
 * One case of `select()`: made by `channel.onReceive(fn)`, `channel.onSend(value, fn)` or
 * `after(ms, fn)`. Opaque.
 *
 * @typeParam R what the case evaluates to
 *
 * @example Cases are values
 * ```ts
 * import { after, Channel, SelectCase } from "@greenlet/greenlet/hub";
 * import assert from "node:assert/strict";
 *
 * const cases = [new Channel<number>().onReceive((v) => v), after(10, () => -1)];
 * assert.ok(cases.every((c) => c instanceof SelectCase));
 * ```
 */
export class SelectCase<R> {
  readonly #parts: CaseParts;
  /** Type-level only: what the case evaluates to. */
  declare readonly result?: R;

  static {
    makeCase = (op, channel, value, fn) =>
      new SelectCase({ op, channel, value, fn: fn as (value: unknown) => unknown });
    partsOf = (c) => c.#parts;
  }

  private constructor(parts: CaseParts) {
    this.#parts = parts;
  }
}
