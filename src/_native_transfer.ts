// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// The one place that switches into Zig and decodes the transfer that comes back.
//
// A native greenlet is a Greenlet whose body is the generator made here: the trampoline runs it
// like any JS body (on the JS stack), and it runs the C function on its own native stack with
// greenlet_switch / _throw / _kill from the thread's native root. Every native greenlet's C
// parent is that root, so whatever the C function sends to its parent, or finishes with, and
// every callback it makes, returns from the FFI call here. After each such return:
//   - the thread's pending word is not 0: a callback (docs/native_bridge.md). The generator
//     clears the word, reads the record, runs the slot's handler as part of this greenlet (a
//     generator handler with yield*, so it may switch, throw and await while the C code stays
//     suspended) and answers with greenlet_switch(result bits); an error or GreenletExit that
//     escapes the handler answers with greenlet_throw / greenlet_kill of that value (the
//     callback returns its fallback, and the call greenlet later finishes with it);
//   - the C function finished (its greenlet is dead): VALUE → the generator returns the value
//     (it goes to the JS parent), THROW → it throws it there;
//   - the C function switched to its parent: VALUE → `yield* parent.switch(value)`,
//     THROW → `yield* parent.throw(value)`, KILL → `yield* parent.throw()` (a GreenletExit).
// What the JS side sends back resumes the C function: a value by greenlet_switch, a
// GreenletExit by greenlet_kill, any other error by greenlet_throw. The hot JS path is
// untouched: the trampoline has no native branch of its own.
//
// Native-to-native switches inside C (the lines marked "mixed", the rest in _native_route.ts):
// what comes back may come from another native greenlet's C side, or be a switch between two of
// them routed through the root while a tracer is set; passOn() hands it on in the JS tree.

import type { NativePointer } from "../ffi/_binding.ts";
import { Flag, Kind, Status } from "../ffi/constants.ts";
import { decodeValue, encodeValue, releaseValues } from "./_native_values.ts";
import { decodeValue as decodeSlot, encodeValue as encodeSlot } from "./_native_signature.ts";
import { slotBits, type Words, wordsOver } from "./_native_signature.ts";
import { callFailed, foreign, nativeLibrary } from "./_native_host.ts";
import { bySlot, checkMisuses, nativeAddresses, pendingWord } from "./_native_callbacks.ts";
import { checkOpen, type FunctionParts } from "./native_function.ts";
import { GreenletError } from "./greenlet_error.ts";
import { GreenletExit } from "./greenlet_exit.ts";
import { agent } from "./_trampoline.ts";
import type { Instruction } from "./types.ts";
import {
  Arrival,
  arrivalOf,
  errorWord,
  passOn,
  registerNative,
  setRoute,
  unregisterNative,
} from "./_native_route.ts";

/** What the generator and the tests know of one native greenlet's C side. */
export interface NativeState {
  /** A `greenlet_entry` body (the entry form), or null for a function by signature. */
  readonly entry: NativePointer;
  /** A function by signature, or null for the entry form. */
  readonly function: FunctionParts | null;
  readonly arg: bigint;
  readonly stackBytes: bigint;
  /** The C handle; slot 0 before the start and after the handle was destroyed. */
  slot: number;
  generation: number;
  /** Table ids of the values sent to it (released when it dies). */
  readonly owned: number[];
  /** The call frame and the buffers passed to C, referenced until the greenlet is dead. */
  readonly keep: unknown[];
}

const handleOut = new Uint32Array(2);
const kindOut = new Uint32Array(1);
const valueOut = new BigUint64Array(1);
const flagsOut = new Uint32Array(1);
/** valueOut as slot 0 of typed views: a result decoded by its type. */
const resultWords = wordsOver(valueOut.buffer as ArrayBuffer, 0, 1);
/** Where arguments and callback results are encoded before they are copied or sent. */
const scratch = new ArrayBuffer(8 * 16);
const scratchWords = wordsOver(scratch, 0, 16);
const scratchBytes = new Uint8Array(scratch);

/** greenlet_call_frame: function at 0, signature at 8, args at 32, abort_kind at 160. */
const FRAME_BYTES = 176;
const FRAME_ARGS = 32;
const FRAME_ABORT_KIND = 160 / 4;

type Call = "greenlet_switch" | "greenlet_throw" | "greenlet_kill";

/** Views over callback records by address (a record is reused at the same stack depth). */
const records = new Map<number, Words>();

function recordAt(address: number): Words {
  let words = records.get(address);
  if (words === undefined) {
    if (records.size >= 256) records.clear();
    words = wordsOver(foreign().memoryAt(BigInt(address), 144), 0, 18);
    records.set(address, words);
  }
  return words;
}

/** The call frame of a function by signature, its arguments written from `args`. */
function callFrame(
  function_: FunctionParts,
  args: ArrayLike<unknown>,
  keep: unknown[],
): Uint8Array {
  const signature = function_.signature;
  const types = signature.parameters;
  const what = `Cannot call ${function_.name}`;
  if (args.length !== types.length) {
    throw new TypeError(
      `${what}: it takes ${types.length} argument${types.length === 1 ? "" : "s"}, not ` +
        `${args.length} (they come from the switch that starts the greenlet)`,
    );
  }
  for (let i = 0; i < types.length; i++) {
    encodeSlot(types[i], args[i], scratchWords, i, nativeAddresses, keep, `${what}: argument ${i}`);
  }
  checkOpen(function_, what);
  const frame = new Uint8Array(FRAME_BYTES);
  new BigUint64Array(frame.buffer, 0, 1)[0] = function_.address;
  frame.set(signature.bytes, 8);
  frame.set(scratchBytes.subarray(0, 8 * types.length), FRAME_ARGS);
  keep.push(frame);
  return frame;
}

/**
 * The body of a native greenlet: creates the C greenlet when it starts and relays
 * every transfer between it and the JS tree (see the file header).
 */
export function nativeBody(
  state: NativeState,
): (...args: unknown[]) => Generator<Instruction, unknown, unknown> {
  return function* native(): Generator<Instruction, unknown, unknown> {
    const lib = nativeLibrary();
    const symbols = lib.symbols;
    const function_ = state.function;
    let frame: Uint32Array | null = null;
    let sent: number | bigint = 0;
    // Created on the JS side, so the C parent (slot 0: the current greenlet) is the root.
    let created: number;
    if (function_ === null) {
      const first = arguments.length <= 1 ? arguments[0] : Array.from(arguments);
      created = symbols.greenlet_create(state.entry, state.arg, 0, 0, state.stackBytes, handleOut);
      if (created === Status.OK) sent = encodeValue(first, state.owned);
    } else {
      const bytes = callFrame(function_, arguments, state.keep);
      frame = new Uint32Array(bytes.buffer);
      created = symbols.greenlet_call_create(bytes, 0, 0, state.stackBytes, handleOut);
    }
    if (created !== Status.OK) {
      state.keep.length = 0;
      throw callFailed(function_ === null ? "greenlet_create" : "greenlet_call_create", created);
    }
    state.slot = handleOut[0];
    state.generation = handleOut[1];
    if (function_?.library) function_.library.running++;
    const pending = pendingWord();
    let call: Call = "greenlet_switch";
    /** The error that escaped a handler (then every later callback gets the fallback). */
    let aborted: { error: unknown } | null = null;
    let slot = state.slot;
    let generation = state.generation;
    let registered = false; // mixed: findable by its C handle once it first suspended
    let arrived = false; // mixed: an Arrival put back in kindOut / valueOut, handled as a return
    try {
      for (;;) {
        if (!arrived) {
          setRoute(); // mixed
          const status = symbols[call](slot, generation, sent, kindOut, valueOut);
          if (status !== Status.OK) throw callFailed(call, status);
          checkMisuses();
          const arrival = arrivalOf(state, kindOut, valueOut); // mixed
          if (arrival !== null) {
            const next = yield* passOn(state, state.owned, arrival, kindOut, valueOut, pending);
            if (next !== null) {
              ({ call, slot, generation, sent } = next);
              continue;
            }
          }
        }
        arrived = false;
        if ((pending[0] | pending[1]) !== 0) {
          // A callback: answer the greenlet it runs on (whichever the C code switched to).
          const record = recordAt(pending[0] + pending[1] * 2 ** 32);
          pending[0] = 0;
          pending[1] = 0;
          slot = record.u32[2];
          generation = record.u32[3];
          const entry = bySlot[record.u32[0]];
          call = "greenlet_switch";
          if (aborted !== null) {
            // An entry-form body after an abort (a call greenlet's library does this itself):
            // the fallback at once, without running JS.
            sent = entry?.fallbackBits ?? 0n;
            continue;
          }
          try {
            if (entry === undefined) throw noHandler(record.u32[0]);
            const types = entry.signature.parameters;
            const args = new Array(types.length);
            for (let i = 0; i < types.length; i++) {
              args[i] = decodeSlot(types[i], record, 2 + i, nativeAddresses);
            }
            let result = Reflect.apply(entry.handler, undefined, args);
            if (entry.generator || isGenerator(result)) {
              result = yield* result as Generator<Instruction, unknown, unknown>;
            }
            encodeSlot(
              entry.signature.result,
              result,
              scratchWords,
              0,
              nativeAddresses,
              null,
              "Cannot return from the callback: its result",
            );
            sent = slotBits(scratchWords);
          } catch (error) {
            call = error instanceof GreenletExit ? "greenlet_kill" : "greenlet_throw";
            sent = encodeValue(error, state.owned);
            aborted = { error };
          }
          continue;
        }
        slot = state.slot;
        generation = state.generation;
        const kind = kindOut[0];
        symbols.greenlet_state(slot, generation, flagsOut);
        if ((flagsOut[0] & Flag.DEAD) !== 0) {
          if (kind === Kind.THROW) throw decodeValue(valueOut[0]);
          if (function_ === null) {
            // An entry-form body that a handler's error aborted dies with that error.
            if (aborted !== null) throw aborted.error;
            return decodeValue(valueOut[0]);
          }
          if (frame![FRAME_ABORT_KIND] === Kind.KILL) {
            // A kill reached a handler: its GreenletExit leaves as a JS body's does, thrown (a
            // pending parent then starts with no arguments, greenlet rule S8).
            throw decodeValue(valueOut[0]);
          }
          return decodeSlot(function_.signature.result, resultWords, 0, nativeAddresses);
        }
        const value = decodeValue(valueOut[0]);
        // The trampoline made this greenlet current before resuming its body (the GC kill
        // makes a stand-in current, whose parent is main).
        const parent = agent.current.parent!.face;
        if (!registered) {
          registerNative(state, agent.current.face); // mixed
          registered = true;
        }
        try {
          const reply = kind === Kind.VALUE
            ? yield* parent.switch(value)
            : kind === Kind.THROW
            ? yield* parent.throw(value)
            : yield* parent.throw();
          if (reply instanceof Arrival) {
            // mixed: this greenlet's C side ran inside C meanwhile and sent this.
            const next = yield* passOn(state, state.owned, reply, kindOut, valueOut, pending);
            if (next === null) arrived = true;
            else ({ call, slot, generation, sent } = next);
            continue;
          }
          call = "greenlet_switch";
          sent = encodeValue(reply, state.owned);
        } catch (error) {
          call = error instanceof GreenletExit ? "greenlet_kill" : "greenlet_throw";
          sent = errorWord(error, state.owned); // mixed: a routed kill passes C's word on
        }
      }
    } finally {
      if (registered) unregisterNative(state); // mixed
      finish(state);
    }
  } as (...args: unknown[]) => Generator<Instruction, unknown, unknown>;
}

/** True for a generator object (what a plain handler may return instead of a result). */
export function isGenerator(value: unknown): value is Generator<unknown, unknown, unknown> {
  return typeof value === "object" && value !== null &&
    Object.prototype.toString.call(value) === "[object Generator]";
}

function noHandler(slot: number): GreenletError {
  return new GreenletError(
    "NATIVE_CLOSED",
    `Cannot answer a callback through slot ${slot}: no open callback of this thread has it`,
  );
}

/** Ends the C handle of a dead native greenlet and drops its values and buffers. */
function finish(state: NativeState): void {
  const symbols = nativeLibrary().symbols;
  if (symbols.greenlet_state(state.slot, state.generation, flagsOut) === Status.OK) {
    // A C function still running (a failed call left it suspended) keeps its handle and stack.
    if ((flagsOut[0] & Flag.DEAD) === 0) return;
    symbols.greenlet_destroy(state.slot, state.generation);
  }
  state.slot = 0;
  state.generation = 0;
  releaseValues(state.owned);
  state.keep.length = 0;
  const library = state.function?.library;
  if (library) {
    library.running--;
    if (library.closed && library.running === 0) library.unload();
  }
}
