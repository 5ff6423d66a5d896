// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// A channel's queues and the select() cases waiting in them, shared by channel.ts and select.ts.

import { Fifo } from "./_fifo.ts";
import { hubError } from "./_misuse.ts";
import type { Waiter } from "./_waiter.ts";
import type { Channel } from "./channel.ts";

/**
 * Who runs first when a channel transfer wakes the other side (Stackless): `-1` the receiver,
 * `1` the sender, `0` neither (the woken side is only scheduled and the caller goes on).
 */
export type ChannelPreference = -1 | 0 | 1;

/** Case kinds of select(). */
export const RECEIVE = 0;
export const SEND = 1;
export const AFTER = 2;

/** An error a sender raises in the receiver (`sendThrow`). */
export class Thrown {
  constructor(readonly error: unknown) {}
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
  /** Case `index` fired: `value` was received (or `throws`: raised), or the send completed. */
  fire(index: number, value: unknown, throws: boolean): void;
}

/** A channel's queues; select() reaches them through `channelStates.of`. */
export class ChannelState {
  readonly receivers: Fifo<Waiter | Pick> = new Fifo();
  readonly senders: Fifo<Waiter | Pick> = new Fifo();
  closing = false;
  preference: ChannelPreference = -1;
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
