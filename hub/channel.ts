// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.

import {
  channelClosed,
  type ChannelPreference,
  ChannelState,
  channelStates,
  Offer,
  Pick,
  RECEIVE,
  SEND,
  Thrown,
} from "./_channel_state.ts";
import type { Blocker, Blocking } from "./_waiter.ts";
import { hubCore } from "./_hub.ts";
import { makeCase, type SelectCase } from "./select_case.ts";
import { noInline } from "../src/_no_inline.ts";

export type { ChannelPreference };

/** Options of {@link Channel}. */
export interface ChannelOptions {
  /** Who runs first after a transfer. @default -1 (the receiver) */
  preference?: ChannelPreference;
}

/**
 * A rendezvous channel with Stackless semantics: `send()` waits until a receiver takes the
 * value, `receive()` until a sender gives one; nothing is buffered.
 *
 * - `balance` is the number of blocked senders minus blocked receivers.
 * - `preference` decides who runs first when a transfer wakes the other side: `-1` (the
 *   default) the receiver, `1` the sender, `0` neither (the woken side is only scheduled).
 * - `sendThrow(error)` raises `error` in the receiver instead of delivering a value.
 * - `close()` refuses new sends; blocked senders still deliver; `closed` is true once none is
 *   left; receiving from a closed, empty channel raises `GreenletError` `CHANNEL_CLOSED`
 *   (receivers blocked at `close()` get it at once).
 *
 * From ordinary code `await ch.send(v)` / `await ch.receive()` wait as parties without a
 * greenlet: the preference cannot run them first, so the greenlet side is scheduled.
 *
 * A value handed to a receiver that is killed before it runs is not lost: it is offered again,
 * to the next blocked receiver or at the head of the channel (counted in `balance` as a blocked
 * sender until a receiver takes it).
 *
 * @typeParam T the value type
 *
 * @example Ping-pong over two channels
 * ```ts
 * import { Channel, main, spawn } from "@greenlet/greenlet/hub";
 * import assert from "node:assert/strict";
 *
 * const ping = new Channel<number>();
 * const pong = new Channel<number>();
 * const result = await main(function* () {
 *   spawn(function* () {
 *     for (;;) yield* pong.send((yield* ping.receive()) + 1);
 *   });
 *   let n = 0;
 *   for (let i = 0; i < 3; i++) {
 *     yield* ping.send(n);
 *     n = yield* pong.receive();
 *   }
 *   return n;
 * });
 * assert.equal(result, 3);
 * ```
 */
export class Channel<T> {
  readonly #s: ChannelState = new ChannelState();
  readonly #receiveBlocker: Blocker = { cancel: (w) => this.#s.receivers.delete(w) };
  readonly #sendBlocker: Blocker = { cancel: (w) => this.#s.senders.delete(w) };

  static {
    channelStates.of = (channel) => channel.#s;
  }

  /**
   * Creates a channel.
   *
   * @param options the preference
   * @throws {RangeError} when the preference is not -1, 0 or 1
   */
  constructor(options?: ChannelOptions) {
    if (options?.preference !== undefined) this.preference = options.preference;
  }

  /** Blocked senders minus blocked receivers. */
  get balance(): number {
    const s = this.#s;
    return s.senders.size - s.receivers.size;
  }

  /**
   * Who runs first after a transfer: -1 the receiver (default), 1 the sender, 0 neither.
   *
   * @throws {RangeError} when set to anything else
   */
  get preference(): ChannelPreference {
    return this.#s.preference;
  }

  set preference(preference: ChannelPreference) {
    if (preference !== -1 && preference !== 0 && preference !== 1) {
      throw new RangeError(
        `Cannot set the channel preference: it must be -1, 0 or 1, not ${String(preference)}`,
      );
    }
    this.#s.preference = preference;
  }

  /** True once `close()` was called and no sender is blocked any more. */
  get closed(): boolean {
    const s = this.#s;
    return s.closing && s.senders.size === 0;
  }

  /** True once `close()` was called (senders may still be blocked). */
  get closing(): boolean {
    return this.#s.closing;
  }

  /**
   * Gives `value` to a receiver, waiting until one takes it.
   *
   * @param value what to send
   * @throws {GreenletError} `CHANNEL_CLOSED` when the channel is closing or closed
   */
  send(value: T): Blocking<void> {
    return this.#give(value, false, "Channel.send");
  }

  /**
   * Raises `error` in a receiver instead of giving it a value (Stackless `send_exception`),
   * waiting until one takes it.
   *
   * @param error what the receiver's `receive()` raises
   * @throws {GreenletError} `CHANNEL_CLOSED` when the channel is closing or closed
   *
   * @example Failing a receiver
   * ```ts
   * import { Channel, main, spawn } from "@greenlet/greenlet/hub";
   * import assert from "node:assert/strict";
   *
   * const ch = new Channel<number>();
   * await main(function* () {
   *   spawn(function* () {
   *     yield* ch.sendThrow(new RangeError("bad"));
   *   });
   *   try {
   *     yield* ch.receive();
   *     assert.fail("not reached");
   *   } catch (e) {
   *     assert.ok(e instanceof RangeError);
   *   }
   * });
   * ```
   */
  sendThrow(error: unknown): Blocking<void> {
    return this.#give(error, true, "Channel.sendThrow");
  }

  /**
   * Takes a value from a sender, waiting until one gives one.
   *
   * @returns the value
   * @throws {GreenletError} `CHANNEL_CLOSED` when the channel is closed and no sender waits
   * @throws what a sender passed to `sendThrow()`
   */
  receive(): Blocking<T> {
    const hub = hubCore();
    const s = this.#s;
    const senders = s.senders;
    if (senders.size !== 0) {
      const e = senders.shift();
      if (e instanceof Pick) {
        e.select.fire(e.index, undefined, false, null);
        return hub.resolved(e.value as T);
      }
      if (e instanceof Offer) {
        const item = e.item;
        return item instanceof Thrown ? hub.rejected(item.error) : hub.resolved(item as T);
      }
      const item = e.item;
      e.item = undefined;
      const thrown = item instanceof Thrown;
      const payload = thrown ? item.error : item;
      if (s.preference === 1 && e.greenlet !== null && !hub.outside()) {
        // The sender runs first; the value comes back to the channel if this receiver is
        // killed before it runs.
        const me = hub.waiter("Channel.receive");
        const step = hub.handOff<T>(e, undefined, false, me, payload, thrown);
        me.handed = s.handBack;
        return step;
      }
      hub.schedule(e, undefined, false);
      return thrown ? hub.rejected(payload) : hub.resolved(payload as T);
    }
    if (s.closing) return hub.rejected(channelClosed("receive from the channel"));
    const w = hub.waiter("Channel.receive");
    s.receivers.push(w);
    return hub.block(w, this.#receiveBlocker, "Channel.receive");
  }

  /**
   * Refuses new sends. Senders already blocked still deliver; receivers blocked now (so no
   * sender is) get `CHANNEL_CLOSED`. Closing twice does nothing.
   */
  close(): void {
    const s = this.#s;
    if (s.closing) return;
    s.closing = true;
    const hub = hubCore();
    const receivers = s.receivers;
    while (receivers.size !== 0) {
      const e = receivers.shift();
      const error = channelClosed("receive from the channel");
      if (e instanceof Pick) e.select.fire(e.index, error, true, null);
      else hub.schedule(e, error, true);
    }
  }

  /**
   * A select() case that receives from this channel and evaluates to `fn(value)`.
   *
   * @param fn maps the received value to the select's result
   * @returns the case
   */
  onReceive<R>(fn: (value: T) => R): SelectCase<R> {
    return makeCase(RECEIVE, this as Channel<unknown>, undefined, fn as (v: unknown) => R);
  }

  /**
   * A select() case that sends `value` on this channel and evaluates to `fn()`.
   *
   * @param value what to send
   * @param fn gives the select's result once sent
   * @returns the case
   */
  onSend<R>(value: T, fn: () => R): SelectCase<R> {
    return makeCase(SEND, this as Channel<unknown>, value, fn);
  }

  #give(value: unknown, thrown: boolean, what: string): Blocking<void> {
    const hub = hubCore();
    const s = this.#s;
    if (s.closing) return hub.rejected(channelClosed("send on the channel"));
    const receivers = s.receivers;
    if (receivers.size !== 0) {
      const e = receivers.shift();
      if (e instanceof Pick) {
        e.select.fire(e.index, value, thrown, s);
        return hub.resolved(undefined);
      }
      if (s.preference === -1 && e.greenlet !== null && !hub.outside()) {
        return hub.handOff(e, value, thrown, hub.waiter(what), undefined, false);
      }
      // Only scheduled: if the receiver is killed before it runs, the value is offered again.
      s.deliver(e, value, thrown);
      return hub.resolved(undefined);
    }
    const w = hub.waiter(what);
    w.item = thrown ? new Thrown(value) : value;
    s.senders.push(w);
    return hub.block(w, this.#sendBlocker, what);
  }
}

// Compiled on its own by JSC (a no-op on V8): inlined, the hub's code was compiled again into every
// caller's optimized code, and recompiled with it (docs/benchmarks_hub.md, branch `hubjsc`).
noInline(Channel.prototype.send);
noInline(Channel.prototype.receive);
