// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// The one place that switches into Zig and decodes the transfer that comes back.
//
// A native greenlet is a Greenlet whose body is the generator made here: the trampoline runs it
// like any JS body (on the JS stack), and it runs the C function on its own native stack with
// greenlet_switch / _throw / _kill from the thread's native root. Every native greenlet's C
// parent is that root, so whatever the C function sends to its parent, or finishes with,
// returns from the FFI call here; the generator then passes it on in the JS tree:
//   - the C function finished (its greenlet is dead): VALUE → the generator returns the value
//     (it goes to the JS parent), THROW → it throws it there;
//   - the C function switched to its parent: VALUE → `yield* parent.switch(value)`,
//     THROW → `yield* parent.throw(value)`, KILL → `yield* parent.throw()` (a GreenletExit).
// What the JS side sends back resumes the C function: a value by greenlet_switch, a
// GreenletExit by greenlet_kill, any other error by greenlet_throw. The hot JS path is
// untouched: the trampoline has no native branch of its own.
//
// Native-to-native switches (the lines marked "mixed", helpers in _native_route.ts): C may
// switch between native greenlets directly, so what comes back to the root may come from another
// native greenlet's C side (the `origin` word says which): the relay hands it to that greenlet's
// relay as an Arrival, which passes it on as its own. While a tracer is set, the `route` word
// makes the library send such switches to the root with their `target`, and the relay performs
// them in the JS tree (docs/native_greenlets.md, "Native-to-native switches").

import type { NativeLibrary } from "../ffi/_library.ts";
import type { NativePointer } from "../ffi/_binding.ts";
import { Flag, Kind, Status } from "../ffi/constants.ts";
import { decodeValue, encodeValue, releaseValues } from "./_native_values.ts";
import { GreenletError } from "./greenlet_error.ts";
import { GreenletExit } from "./greenlet_exit.ts";
import { agent } from "./_trampoline.ts";
import type { Greenlet } from "./greenlet.ts";
import type { Instruction } from "./types.ts";
import {
  Arrival,
  arrivalOf,
  knownNative,
  registerNative,
  routedKills,
  switchWords,
  unregisterNative,
  Word,
} from "./_native_route.ts";

let library: NativeLibrary | null = null;

/** Installs the loaded library (native.ts does, once, when it is imported). */
export function installNativeLibrary(lib: NativeLibrary): void {
  library = lib;
}

/** The installed library; native greenlets exist only after native.ts loaded it. */
function nativeLibrary(): NativeLibrary {
  if (library === null) {
    throw new GreenletError(
      "NATIVE_CALL",
      "Cannot run a native greenlet: the native library is not loaded; import native.ts " +
        '("@greenlet/greenlet/native") before creating one',
    );
  }
  return library;
}

/** What the generator and the tests know of one native greenlet's C side. */
export interface NativeState {
  readonly entry: NativePointer;
  readonly arg: bigint;
  readonly stackBytes: bigint;
  /** The C handle; slot 0 before the start and after the handle was destroyed. */
  slot: number;
  generation: number;
  /** Table ids of the values sent to it (released when it dies). */
  readonly owned: number[];
}

const handleOut = new Uint32Array(2);
const kindOut = new Uint32Array(1);
const valueOut = new BigUint64Array(1);
const flagsOut = new Uint32Array(1);

type Call = "greenlet_switch" | "greenlet_throw" | "greenlet_kill";

/** A GreenletError for a failed library call, with the status's C name. */
function callFailed(lib: NativeLibrary, call: string, status: number): GreenletError {
  return new GreenletError(
    "NATIVE_CALL",
    `${call}() failed with ${lib.statusName(status)} (status ${status})`,
  );
}

/**
 * The body of a native greenlet: creates the C greenlet when it starts and relays
 * every transfer between it and the JS tree (see the file header).
 */
export function nativeBody(
  state: NativeState,
): (...args: unknown[]) => Generator<Instruction, unknown, unknown> {
  return function* native(): Generator<Instruction, unknown, unknown> {
    const first = arguments.length <= 1 ? arguments[0] : Array.from(arguments);
    const lib = nativeLibrary();
    const symbols = lib.symbols;
    // Created on the JS side, so the C parent (slot 0: the current greenlet) is the root.
    const created = symbols.greenlet_create(
      state.entry,
      state.arg,
      0,
      0,
      state.stackBytes,
      handleOut,
    );
    if (created !== Status.OK) throw callFailed(lib, "greenlet_create", created);
    state.slot = handleOut[0];
    state.generation = handleOut[1];
    let call: Call = "greenlet_switch";
    // Whom the next call resumes: this greenlet, or (mixed) a C greenlet the JS side does not know.
    let toSlot = state.slot;
    let toGeneration = state.generation;
    let sent = encodeValue(first, state.owned);
    const words = switchWords(lib); // mixed
    let registered = false; // mixed
    try {
      for (;;) {
        words[Word.ROUTE] = agent.tracer === null ? 0 : 1; // mixed: route while traced
        const status = symbols[call](toSlot, toGeneration, sent, kindOut, valueOut);
        if (status !== Status.OK) throw callFailed(lib, call, status);
        let kind = kindOut[0];
        let word = valueOut[0];
        // mixed: null when this greenlet's own C side came back to send to its parent.
        let arrival = arrivalOf(words, state.slot, state.generation, kind, word);
        for (;;) {
          let to: Greenlet | undefined;
          if (arrival === null || (arrival.targetSlot === 0 && isSelf(arrival, state))) {
            symbols.greenlet_state(state.slot, state.generation, flagsOut);
            if ((flagsOut[0] & Flag.DEAD) !== 0) {
              const value = decodeValue(word);
              if (kind === Kind.THROW) throw value;
              return value;
            }
            // The trampoline made this greenlet current before resuming its body (the GC kill
            // makes a stand-in current, whose parent is main).
            to = agent.current.parent!.face;
          } else {
            if (isSelf(arrival, state)) {
              to = knownNative(arrival.targetSlot, arrival.targetGeneration);
            } else {
              to = knownNative(arrival.originSlot, arrival.originGeneration);
              // Only a live relay can take the arrival (a dead one would pass it to its parent).
              if (to !== undefined && to.dead) to = undefined;
            }
            if (to === undefined) {
              // A C greenlet the JS side does not know (created in C): the root passes the switch
              // on in C, where it was going, as it arrived.
              if (arrival.targetSlot === 0) throw unknownOrigin(arrival);
              call = kind === Kind.VALUE
                ? "greenlet_switch"
                : kind === Kind.THROW
                ? "greenlet_throw"
                : "greenlet_kill";
              toSlot = arrival.targetSlot;
              toGeneration = arrival.targetGeneration;
              sent = word;
              break;
            }
          }
          if (!registered) {
            registerNative(state.slot, state.generation, agent.current.face);
            registered = true;
          }
          try {
            // Another native greenlet's C side sent this: hand it to that greenlet's relay (the
            // JS switch this greenlet's C side made inside C).
            const reply = arrival !== null && !isSelf(arrival, state)
              ? yield* to.switch(arrival)
              : kind === Kind.VALUE
              ? yield* to.switch(decodeValue(word))
              : kind === Kind.THROW
              ? yield* to.throw(decodeValue(word))
              : arrival === null
              ? yield* to.throw()
              : yield* to.throw(routedKill(word));
            if (reply instanceof Arrival) {
              // This greenlet's C side ran inside C and sent this: pass it on from here.
              arrival = reply;
              kind = reply.kind;
              word = reply.word;
              continue;
            }
            call = "greenlet_switch";
            sent = encodeValue(reply, state.owned);
          } catch (error) {
            call = error instanceof GreenletExit ? "greenlet_kill" : "greenlet_throw";
            sent = routedKills.get(error as object) ?? encodeValue(error, state.owned); // mixed
          }
          toSlot = state.slot;
          toGeneration = state.generation;
          break;
        }
      }
    } finally {
      if (registered) unregisterNative(state.slot, state.generation);
      finish(lib, state);
    }
  } as (...args: unknown[]) => Generator<Instruction, unknown, unknown>;
}

/** The GreenletExit for a routed kill, carrying the word C sent to the target (mixed). */
function routedKill(word: bigint): GreenletExit {
  const exit = new GreenletExit();
  routedKills.set(exit, word);
  return exit;
}

/** Whether `arrival` came from the C side of the greenlet `state` describes. */
function isSelf(arrival: Arrival, state: NativeState): boolean {
  return arrival.originSlot === state.slot && arrival.originGeneration === state.generation;
}

/** The error for a switch to the root from a C greenlet the JS side does not know. */
function unknownOrigin(arrival: Arrival): GreenletError {
  return new GreenletError(
    "NATIVE_CALL",
    `A C greenlet the JS side does not know (slot ${arrival.originSlot}, generation ` +
      `${arrival.originGeneration}: created in C) switched to the root; only greenlets created ` +
      "as NativeGreenlet may switch to the JS side",
  );
}

/** Ends the C handle of a dead native greenlet and drops its values. */
function finish(lib: NativeLibrary, state: NativeState): void {
  const symbols = lib.symbols;
  if (symbols.greenlet_state(state.slot, state.generation, flagsOut) === Status.OK) {
    // A C function still running (a failed call left it suspended) keeps its handle and stack.
    if ((flagsOut[0] & Flag.DEAD) === 0) return;
    symbols.greenlet_destroy(state.slot, state.generation);
  }
  state.slot = 0;
  state.generation = 0;
  releaseValues(state.owned);
}
