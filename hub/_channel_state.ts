// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// A channel's queues and the select() cases waiting in them, shared by channel.ts and select.ts.

import { Fifo } from "./_fifo.ts";
import { hubCore } from "./_hub.ts";
import { hubError } from "./_misuse.ts";
import type { Blocker, Waiter } from "./_waiter.ts";
import type { Channel } from "./channel.ts";

/**
 * Who runs first when a channel transfer wakes the other side (Stackless): `-1` the receiver,
 * `1` the sender, `0` neither (the woken side is only scheduled and the caller goes on).
 */
export type ChannelPreference = -1 | 0 | 1;

/** Case operations of select(). */
export const RECEIVE = 0;
export const SEND = 1;
export const AFTER = 2;

/** An error a sender raises in the receiver (`sendThrow`). */
export class Thrown {
  constructor(readonly error: unknown) {}
}

/**
 * A value a receiver was handed but never ran with (it was killed first), offered again at the
 * head of the channel's senders: the next receive() takes it, and `balance` counts it as a
 * blocked sender (its sender has gone on).
 */
export class Offer {
  /** The value, or a {@link Thrown} for `sendThrow`. */
  constructor(readonly item: unknown) {}
}

/** A select() case waiting on a channel, in that channel's list of receivers or senders. */
export class Pick {
  constructor(
    readonly select: PickOwner,
    readonly index: number,
    readonly value: unknown,
  ) {}
}

/** What a pending select() offers its picks. */
export interface PickOwner {
  /**
   * Case `index` fired: `value` was received (or `throws`: raised), or the send completed.
   * `from`: the channel state a received value goes back to if the select is killed before it
   * runs (null when nothing was received: a send, a close, a timeout).
   */
  fire(index: number, value: unknown, throws: boolean, from: ChannelState | null): void;
}

/** A channel's queues; select() reaches them through `channelStates.of`. */
export class ChannelState {
  readonly receivers: Fifo<Waiter | Pick> = new Fifo();
  readonly senders: Fifo<Waiter | Pick | Offer> = new Fifo();
  closing = false;
  preference: ChannelPreference = -1;
  /** Takes back a value handed to a receiver that was killed before it ran. */
  readonly handBack: Blocker = {
    cancel: (w) => this.reoffer(w.throws ? new Thrown(w.sent) : w.sent),
  };

  /** Schedules the receiver `w` with `value` (raised when `thrown`); it comes back if killed. */
  deliver(w: Waiter, value: unknown, thrown: boolean): void {
    hubCore().schedule(w, value, thrown);
    if (w.greenlet !== null) w.handed = this.handBack;
  }

  /**
   * Offers `item` (a value or a {@link Thrown}) again, as if its sender still waited: to the
   * first blocked receiver, else at the head of the senders.
   */
  reoffer(item: unknown): void {
    const receivers = this.receivers;
    if (receivers.size === 0) {
      this.senders.unshift(new Offer(item));
      return;
    }
    const e = receivers.shift();
    const thrown = item instanceof Thrown;
    const value = thrown ? item.error : item;
    if (e instanceof Pick) e.select.fire(e.index, value, thrown, this);
    else this.deliver(e, value, thrown);
  }
}

/** The state behind a channel, for select(); filled in by the Channel class. */
export const channelStates: { of: (channel: Channel<unknown>) => ChannelState } = {
  of: () => {
    throw new Error("unreachable: channel.ts is not loaded");
  },
};

/** The CHANNEL_CLOSED error. */
export function channelClosed(action: string): Error {
  return hubError("CHANNEL_CLOSED", `Cannot ${action}: the channel is closed`);
}
