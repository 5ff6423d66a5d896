// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.

import type { Op } from "../mod.ts";
import { blocking } from "./_blocking.ts";
import type { Blocker, Blocking, Waiter } from "./_waiter.ts";
import type { Timer } from "./_timers.ts";
import {
  AFTER,
  type ChannelState,
  channelStates,
  Pick,
  type PickOwner,
  RECEIVE,
  Thrown,
} from "./_channel_state.ts";
import type { Channel } from "./channel.ts";
import { type CaseParts, makeCase, partsOf, SelectCase } from "./select_case.ts";
import { type HubCore, hubCore } from "./_hub.ts";
import { checkTimeout } from "./timeout.ts";

/**
 * A {@link select} case that fires after `ms` milliseconds unless another fires first, and
 * evaluates to `fn()`. `after(0, fn)` is a default: it fires only when no other case is ready.
 *
 * @typeParam R what the case evaluates to
 * @param ms the delay in milliseconds
 * @param fn gives the select's result
 * @returns the case
 * @throws {RangeError} when `ms` is negative
 *
 * @example A receive with a time limit
 * ```ts
 * import { after, Channel, main, select } from "@greenlet/greenlet/hub";
 * import assert from "node:assert/strict";
 *
 * const ch = new Channel<string>();
 * const got = await main(function* () {
 *   return yield* select(ch.onReceive((v) => v), after(1, () => "timed out"));
 * });
 * assert.equal(got, "timed out");
 * ```
 */
export function after<R>(ms: number, fn: () => R): SelectCase<R> {
  checkTimeout(ms, "Cannot create an after() case");
  return makeCase(AFTER, null, ms, fn);
}

/**
 * Waits until one of the cases can proceed, performs it, and evaluates to that case's
 * function result. When several are ready, one is picked at random (unbiased); `after()`
 * cases fire only when their time has come and no channel case is ready.
 *
 * @typeParam R the result type
 * @param cases channel cases (`onReceive`, `onSend`) and `after()` cases
 * @returns the chosen case's result; `yield*` it in a task, `await` it from ordinary code
 * @throws {GreenletError} `CHANNEL_CLOSED` when a chosen channel is closed
 * @throws {TypeError} when a case is not a SelectCase, or no case is given
 *
 * @example Whichever channel has a sender
 * ```ts
 * import { Channel, main, select, spawn } from "@greenlet/greenlet/hub";
 * import assert from "node:assert/strict";
 *
 * const a = new Channel<number>();
 * const b = new Channel<number>();
 * const got = await main(function* () {
 *   spawn(function* () {
 *     yield* b.send(2);
 *   });
 *   return yield* select(a.onReceive((v) => `a${v}`), b.onReceive((v) => `b${v}`));
 * });
 * assert.equal(got, "b2");
 * ```
 */
export function select<R>(...cases: SelectCase<R>[]): Blocking<R> {
  if (cases.length === 0) throw new TypeError("Cannot select: give at least one case");
  for (const c of cases) {
    if (!(c instanceof SelectCase)) {
      throw new TypeError("Cannot select: every case must come from onReceive, onSend or after");
    }
  }
  return blocking(() => run(cases));
}

function* run<R>(list: SelectCase<R>[]): Op<R> {
  const cases = list.map(partsOf);
  const hub = hubCore();
  const n = cases.length;
  const start = Math.floor(Math.random() * n);
  let fallback: CaseParts | null = null;
  for (let k = 0; k < n; k++) {
    const c = cases[(start + k) % n];
    if (c.op === AFTER) {
      if ((c.value as number) <= 0 && fallback === null) fallback = c;
      continue;
    }
    const s = channelStates.of(c.channel!);
    if (c.op === RECEIVE) {
      if (s.senders.size !== 0 || s.closing) {
        return c.fn(yield* c.channel!.receive()) as R;
      }
    } else if (s.receivers.size !== 0 || s.closing) {
      yield* (c.channel as Channel<unknown>).send(c.value);
      return c.fn(undefined) as R;
    }
  }
  if (fallback !== null) return fallback.fn(undefined) as R;
  const w = hub.waiter("select");
  const pending = new PendingSelect(hub, w, cases);
  const index = (yield* hub.block<number>(w, pending, "select")) as number;
  const chosen = cases[index];
  return chosen.fn(chosen.op === RECEIVE ? pending.received : undefined) as R;
}

/** A select waiting on all its cases; the first to fire wins and withdraws the others. */
class PendingSelect implements PickOwner, Blocker {
  readonly #hub: HubCore;
  readonly #w: Waiter;
  readonly #picks: (Pick | Timer)[] = [];
  readonly #cases: CaseParts[];
  received: unknown = undefined;

  constructor(hub: HubCore, w: Waiter, cases: CaseParts[]) {
    this.#hub = hub;
    this.#w = w;
    this.#cases = cases;
    cases.forEach((c, i) => {
      if (c.op === AFTER) {
        this.#picks.push(hub.later(c.value as number, () => this.fire(i, undefined, false, null)));
        return;
      }
      const s = channelStates.of(c.channel!);
      const pick = new Pick(this, i, c.value);
      if (c.op === RECEIVE) s.receivers.push(pick);
      else s.senders.push(pick);
      this.#picks.push(pick);
    });
  }

  fire(index: number, value: unknown, throws: boolean, from: ChannelState | null): void {
    this.cancel();
    const w = this.#w;
    if (throws) this.#hub.schedule(w, value, true);
    else {
      this.received = value;
      this.#hub.schedule(w, index, false);
    }
    // A received value goes back to its channel if the select is killed before it runs.
    if (from !== null && w.greenlet !== null) {
      const item = throws ? new Thrown(value) : value;
      w.handed = { cancel: () => from.reoffer(item) };
    }
  }

  /** Withdraws every case (one fired, or the waiter was killed or timed out). */
  cancel(): void {
    this.#picks.forEach((pick, i) => {
      if (pick instanceof Pick) {
        const s = channelStates.of(this.#cases[i].channel!);
        s.receivers.delete(pick);
        s.senders.delete(pick);
      } else this.#hub.cancelTimer(pick);
    });
    this.#picks.length = 0;
  }
}
