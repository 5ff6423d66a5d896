// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// This agent's callbacks by slot and by object, the thread's pending and misuse words
// (docs/native_bridge.md, "The record and the pending word"), and the runtime conversions that
// need both. Each agent (thread of JS) has its own copy of this module: its own table and the
// words of its own thread.

import type { NativePointer } from "../ffi/_binding.ts";
import type { RuntimeCallback } from "../ffi/_foreign.ts";
import { Status } from "../ffi/constants.ts";
import type { Addresses, CompiledSignature, SlotReader, SlotWriter } from "./_native_signature.ts";
import { callFailed, foreign, nativeLibrary } from "./_native_host.ts";
import { reportUnraisable } from "./_unraisable.ts";
import { GreenletError } from "./greenlet_error.ts";

/** One registered callback. */
export interface CallbackEntry {
  readonly slot: number;
  readonly address: bigint;
  readonly signature: CompiledSignature;
  readonly handler: (...args: unknown[]) => unknown;
  /** Calls the handler with the arguments of a callback record (compiled for the signature). */
  readonly call: SlotReader;
  /** Writes a result (the handler's return value) into slot 0 (compiled for the signature). */
  readonly writeResult: SlotWriter;
  /** True for a generator function: the relay runs what it returns with yield*. */
  readonly generator: boolean;
  /** The result's fallback, converted (what the main-stack path returns on an error). */
  readonly fallback: unknown;
  /** The fallback's bits (what an aborted entry-form greenlet's later callbacks answer). */
  readonly fallbackBits: bigint;
  readonly runtime: RuntimeCallback;
  open: boolean;
}

/**
 * The first u64 slot of a callback record's arguments (slot 0: the callback's slot, slot 1: the
 * greenlet it runs on; docs/native_bridge.md).
 */
export const RECORD_ARGS = 2;

/** This agent's open callbacks by slot. */
export const bySlot: (CallbackEntry | undefined)[] = [];
/** Every callback object's entry (closed ones too, to refuse them clearly). */
export const byObject: WeakMap<object, CallbackEntry> = new WeakMap();

/** How many callbacks are open in this agent (for tests). */
export function openCallbacks(): number {
  return bySlot.filter((entry) => entry !== undefined).length;
}

let pending: Uint32Array | null = null;
let misuses: Uint32Array | null = null;
/**
 * The misuse count last reported, as two u32 halves like the count's own words (Run.sendDirect
 * compares the low words inline).
 */
const misusesSeen = new Uint32Array(2);

/** The thread's pending word as two u32 halves (read through a view, never an FFI call). */
export function pendingWord(): Uint32Array {
  if (pending === null) readWords();
  return pending!;
}

function readWords(): void {
  const out = new BigUint64Array(2);
  const status = nativeLibrary().symbols.greenlet_callback_words(
    out.subarray(0, 1),
    out.subarray(1, 2),
  );
  if (status !== Status.OK) throw callFailed("greenlet_callback_words", status);
  const runtime = foreign();
  pending = new Uint32Array(runtime.memoryAt(out[0], 8));
  misuses = new Uint32Array(runtime.memoryAt(out[1], 8));
  setSeen(misuseCount(misuses));
}

function setSeen(count: number): void {
  misusesSeen[0] = count >>> 0;
  misusesSeen[1] = (count - (count >>> 0)) / 2 ** 32;
}

/**
 * The process-wide misuse count and the count last reported, each as two u32 halves: when they
 * differ, {@link checkMisuses} has something to report.
 */
export function misuseWords(): { count: Uint32Array; seen: Uint32Array } {
  if (misuses === null) readWords();
  return { count: misuses!, seen: misusesSeen };
}

function misuseCount(words: Uint32Array): number {
  return words[0] + words[1] * 2 ** 32;
}

/**
 * Reports callbacks that C made where no JS could answer (another thread, a released slot)
 * since the last look, through the unraisable hook.
 */
export function checkMisuses(): void {
  if (misuses === null) readWords();
  const count = misuseCount(misuses!);
  const seen = misuseCount(misusesSeen);
  if (count === seen) return;
  const added = count - seen;
  setSeen(count);
  reportUnraisable({
    error: new GreenletError(
      "CALLBACK_REFUSED",
      `${added} callback call${added === 1 ? " was" : "s were"} refused and returned the ` +
        "fallback without running JS: called from another thread than the one that made the " +
        "callback, or through a closed callback; call callbacks only from the thread that made " +
        "them, and close them only when no C code will call them again",
    ),
    greenlet: "(none)",
    during: "a callback from C",
  });
}

/** The conversions of _native_signature.ts, with this runtime and these callbacks. */
export const nativeAddresses: Addresses = {
  bufferAddress: (buffer) => foreign().bufferAddress(buffer),
  pointerAt: (address) => foreign().pointerAt(address),
  // The runtime's own function (read when a callback is made, after native.ts loaded it).
  get pointerFromHalves(): (low: number, high: number) => NativePointer {
    return foreign().pointerFromHalves;
  },
  callbackAddress(value: unknown): bigint | undefined {
    if (typeof value !== "object" || value === null) return undefined;
    const entry = byObject.get(value);
    if (entry === undefined) return undefined;
    if (!entry.open) throw closedCallback();
    return entry.address;
  },
};

/** The error for a closed callback passed to C. */
export function closedCallback(): GreenletError {
  return new GreenletError(
    "NATIVE_CLOSED",
    "Cannot pass the callback to C: it is closed; make a new one with nativeCallback()",
  );
}
