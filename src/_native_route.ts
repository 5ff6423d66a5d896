// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// The JS side of the library's switch words (greenlet_words in include/greenlet.h), read and
// written through a typed array over C memory, without a call: which native greenlet's C side
// came back to the root (`origin`), and where a switch between two native greenlets that C sent
// to the root was going (`target`). `route` asks the library to send every such switch to the
// root; the relay sets it while a tracer is installed, so that the JS side performs each one in
// its tree and the tracer sees it (docs/native_greenlets.md, "Native-to-native switches").

import type { NativeLibrary } from "../ffi/_library.ts";
import { Status } from "../ffi/constants.ts";
import type { Greenlet } from "./greenlet.ts";

/** Indices of greenlet_words as 32-bit words. */
export const Word = {
  ORIGIN_SLOT: 0,
  ORIGIN_GENERATION: 1,
  TARGET_SLOT: 2,
  TARGET_GENERATION: 3,
  ROUTE: 4,
} as const;

const WORDS_BYTES = 24;

let words: Uint32Array | null = null;

/** This thread's switch words (one view per agent: each agent is one thread). */
export function switchWords(lib: NativeLibrary): Uint32Array {
  if (words !== null) return words;
  const address = new BigUint64Array(1);
  const status = lib.symbols.greenlet_switch_words(address);
  if (status !== Status.OK) {
    throw new Error(`greenlet_switch_words() failed with ${lib.statusName(status)}`);
  }
  words = new Uint32Array(lib.memory(address[0], WORDS_BYTES));
  return words;
}

/**
 * A message a native greenlet's C side sent, as it reached the root: handed from the relay that
 * received it to the relay of the greenlet that sent it (its `origin`), which passes it on.
 */
export class Arrival {
  constructor(
    readonly originSlot: number,
    readonly originGeneration: number,
    /** The greenlet a routed switch named (slot 0: the switch was aimed at the root). */
    readonly targetSlot: number,
    readonly targetGeneration: number,
    readonly kind: number,
    readonly word: bigint,
  ) {}
}

/**
 * What came back to the root after a call into C from the relay of the greenlet `slot`,
 * `generation`: null when that greenlet itself switched to its parent or finished (the common
 * case), else an Arrival. Clears the target word.
 */
export function arrivalOf(
  w: Uint32Array,
  slot: number,
  generation: number,
  kind: number,
  word: bigint,
): Arrival | null {
  const targetSlot = w[Word.TARGET_SLOT];
  if (
    targetSlot === 0 && w[Word.ORIGIN_SLOT] === slot && w[Word.ORIGIN_GENERATION] === generation
  ) {
    return null;
  }
  const targetGeneration = w[Word.TARGET_GENERATION];
  w[Word.TARGET_SLOT] = 0;
  w[Word.TARGET_GENERATION] = 0;
  return new Arrival(
    w[Word.ORIGIN_SLOT],
    w[Word.ORIGIN_GENERATION],
    targetSlot,
    targetGeneration,
    kind,
    word,
  );
}

/**
 * The kills the JS side performs for C (a routed `greenlet_kill`), with the word C sent: the
 * target's relay passes that word on to its C body, as a direct kill would have.
 */
export const routedKills: WeakMap<object, bigint> = new WeakMap();

interface Known {
  generation: number;
  ref: WeakRef<Greenlet>;
}

/** Native greenlets that have suspended at least once, by C slot (weakly: the GC kill stays). */
const known = new Map<number, Known>();

/** Makes a started native greenlet findable by its C handle (once, when it first suspends). */
export function registerNative(slot: number, generation: number, face: Greenlet): void {
  known.set(slot, { generation, ref: new WeakRef(face) });
}

/** Forgets a native greenlet whose C handle is destroyed. */
export function unregisterNative(slot: number, generation: number): void {
  const entry = known.get(slot);
  if (entry !== undefined && entry.generation === generation) known.delete(slot);
}

/** The native greenlet with this C handle, if the JS side knows it (its face still exists). */
export function knownNative(slot: number, generation: number): Greenlet | undefined {
  const entry = known.get(slot);
  if (entry === undefined || entry.generation !== generation) return undefined;
  return entry.ref.deref();
}
