// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// Native-to-native switches (issue 8 part 8), the relay's "mixed" part. C may switch between
// native greenlets directly, so what comes back to the root after a call into C may come from
// another native greenlet's C side than the one the root resumed. The library says which in the
// per-thread switch words (greenlet_words in include/greenlet.h), read and written here through a
// typed array over C memory, without a call:
//   - `origin`: the greenlet that made the last switch; when it is not the relay's own greenlet,
//     the relay hands the message (an Arrival) to that greenlet's relay with a JS switch, and that
//     relay passes it on as its own (the JS tree ends as greenlet's would: the first greenlet
//     waits in its switch to the second);
//   - `target`: set when a switch between two native greenlets came to the root instead of its
//     target (while `route` is set, or for a dead target): the relay performs it in the JS tree;
//   - `route`: the relay sets it while a tracer is installed, so the tracer sees each such switch.
// docs/native_greenlets.md, "Native-to-native switches", says what users see.

import { Status, Tag } from "../ffi/constants.ts";
import { callFailed, foreign, nativeLibrary } from "./_native_host.ts";
import { decodeFrom, encodeInto } from "./_native_values.ts";
import { GreenletError } from "./greenlet_error.ts";
import { GreenletExit } from "./greenlet_exit.ts";
import { agent } from "./_trampoline.ts";
import type { Greenlet } from "./greenlet.ts";
import type { Instruction } from "./types.ts";

/** Indices of greenlet_words as 32-bit words. */
const ORIGIN_SLOT = 0;
const ORIGIN_GENERATION = 1;
const TARGET_SLOT = 2;
const TARGET_GENERATION = 3;
const ROUTE = 4;
const WORDS_BYTES = 24;

let words: Uint32Array | null = null;

/** This thread's switch words (one view per agent: each agent is one thread). */
function switchWords(): Uint32Array {
  if (words !== null) return words;
  const address = new BigUint64Array(1);
  const status = nativeLibrary().symbols.greenlet_switch_words(address);
  if (status !== Status.OK) throw callFailed("greenlet_switch_words", status);
  words = new Uint32Array(foreign().memoryAt(address[0], WORDS_BYTES));
  return words;
}

/** Before a call into C: route native-to-native switches through the root while traced. */
export function setRoute(): void {
  (words ?? switchWords())[ROUTE] = agent.tracer === null ? 0 : 1;
}

/** greenlet_send's message as 32-bit words: tag, flags, value (low, high). */
const TAG = 0;
const VALUE = 2;

/** A message a native greenlet's C side sent, as it reached the root. */
export class Arrival {
  /** A copy of greenlet_send's message (tag, flags, value low and high halves). */
  readonly message: Uint32Array;
  constructor(
    readonly originSlot: number,
    readonly originGeneration: number,
    /** The greenlet a routed switch named (slot 0: the switch was aimed at the root). */
    readonly targetSlot: number,
    readonly targetGeneration: number,
    message: Uint32Array,
  ) {
    this.message = message.slice(0, 4);
  }
}

/** The handle of one native greenlet's C side, as the relay knows it. */
export interface Handle {
  readonly slot: number;
  readonly generation: number;
}

/**
 * After a greenlet_send from the relay of `self`: null when `self`'s own C side came back (the
 * common case), else what came back, with the message, as an Arrival. Clears the target word.
 */
export function arrivalOf(self: Handle, message: Uint32Array): Arrival | null {
  const w = words!;
  const targetSlot = w[TARGET_SLOT];
  if (
    targetSlot === 0 && w[ORIGIN_SLOT] === self.slot && w[ORIGIN_GENERATION] === self.generation
  ) {
    return null;
  }
  const targetGeneration = w[TARGET_GENERATION];
  w[TARGET_SLOT] = 0;
  w[TARGET_GENERATION] = 0;
  return new Arrival(
    w[ORIGIN_SLOT],
    w[ORIGIN_GENERATION],
    targetSlot,
    targetGeneration,
    message,
  );
}

interface Known {
  generation: number;
  ref: WeakRef<Greenlet>;
}

/** Native greenlets that have suspended at least once, by C slot (weakly: the GC kill stays). */
const known = new Map<number, Known>();

/** Makes a started native greenlet findable by its C handle (when it first suspends). */
export function registerNative(self: Handle, face: Greenlet): void {
  known.set(self.slot, { generation: self.generation, ref: new WeakRef(face) });
}

/** Forgets a native greenlet whose C handle is destroyed. */
export function unregisterNative(self: Handle): void {
  const entry = known.get(self.slot);
  if (entry !== undefined && entry.generation === self.generation) known.delete(self.slot);
}

function knownNative(slot: number, generation: number): Greenlet | undefined {
  const entry = known.get(slot);
  if (entry === undefined || entry.generation !== generation) return undefined;
  return entry.ref.deref();
}

/**
 * The kills the JS side performs for C (a routed `greenlet_kill`), with the message C sent: the
 * target's relay passes that value on to its C body, as a direct kill would have.
 */
const routedKills = new WeakMap<object, Uint32Array>();

/**
 * Writes the value a relay sends its C side for an error caught at a JS switch into `message`;
 * returns the tag (a kill for a GreenletExit).
 */
export function writeError(error: unknown, owned: number[], message: Uint32Array): number {
  const routed = routedKills.get(error as object);
  if (routed === undefined) encodeInto(error, owned, message, VALUE);
  else message.set(routed.subarray(VALUE, VALUE + 2), VALUE);
  return error instanceof GreenletExit ? Tag.KILL : Tag.THROW;
}

function routedKill(arrival: Arrival): GreenletExit {
  const exit = new GreenletExit();
  routedKills.set(exit, arrival.message);
  return exit;
}

/** The next greenlet_send a relay makes (its tag and value are in the message). */
export interface NextSend {
  tag: number;
  slot: number;
  generation: number;
}

/**
 * Passes an Arrival on in the JS tree from the relay of `self` (whose greenlet is current):
 * hands it to its origin's relay, or performs a routed switch, throw or kill to its target, and
 * returns the send that answers `self`'s C side with the reply (its value written into the
 * message). Returns null when the arrival is `self`'s own message to its parent (or a callback):
 * it is then back in the message, and the relay handles it as if its own send had just returned.
 */
export function* passOn(
  self: Handle,
  owned: number[],
  first: Arrival,
  message: Uint32Array,
  pending: Uint32Array,
): Generator<Instruction, NextSend | null, unknown> {
  let arrival = first;
  for (;;) {
    const own = arrival.originSlot === self.slot && arrival.originGeneration === self.generation;
    let to: Greenlet | undefined;
    if (own) {
      if (arrival.targetSlot === 0) break;
      to = knownNative(arrival.targetSlot, arrival.targetGeneration);
    } else {
      to = knownNative(arrival.originSlot, arrival.originGeneration);
      if (to !== undefined && to.dead) to = undefined; // a dead relay would pass it to its parent
    }
    if (to === undefined) {
      // A C greenlet the JS side does not know (created in C).
      if (arrival.targetSlot !== 0) {
        // Routed: the root passes it on in C, where it was going, as it arrived.
        message.set(arrival.message);
        return {
          tag: arrival.message[TAG],
          slot: arrival.targetSlot,
          generation: arrival.targetGeneration,
        };
      }
      if ((pending[0] | pending[1]) !== 0) break; // its callback: answered as the bridge does
      throw new GreenletError(
        "NATIVE_CALL",
        `A C greenlet the JS side does not know (slot ${arrival.originSlot}, created in C) ` +
          "switched to the root; only NativeGreenlets may switch to the JS side",
      );
    }
    const tag = arrival.message[TAG];
    let reply: unknown;
    try {
      reply = !own
        ? yield* to.switch(arrival)
        : tag === Tag.VALUE
        ? yield* to.switch(decodeFrom(arrival.message, VALUE))
        : tag === Tag.THROW
        ? yield* to.throw(decodeFrom(arrival.message, VALUE))
        : yield* to.throw(routedKill(arrival));
    } catch (error) {
      const sending = writeError(error, owned, message);
      return { tag: sending, slot: self.slot, generation: self.generation };
    }
    if (!(reply instanceof Arrival)) {
      encodeInto(reply, owned, message, VALUE);
      return { tag: Tag.VALUE, slot: self.slot, generation: self.generation };
    }
    arrival = reply; // this greenlet's C side ran inside C meanwhile and sent this
  }
  message.set(arrival.message);
  return null;
}
