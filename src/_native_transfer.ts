// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// The one place that switches into Zig and decodes the transfer that comes back.
//
// A native greenlet is a Greenlet whose body is the generator made here: the trampoline runs it
// like any JS body (on the JS stack), and it runs the C function on its own native stack with
// greenlet_send (a switch, throw or kill) from the thread's native root. Every native greenlet's C
// parent is that root, so whatever the C function sends to its parent, or finishes with,
// returns from the FFI call here; the generator then passes it on in the JS tree:
//   - the C function finished (its greenlet is dead): VALUE → the generator returns the value
//     (it goes to the JS parent), THROW → it throws it there;
//   - the C function switched to its parent: VALUE → `yield* parent.switch(value)`,
//     THROW → `yield* parent.throw(value)`, KILL → `yield* parent.throw()` (a GreenletExit).
// What the JS side sends back resumes the C function: a value as a switch, a GreenletExit as a
// kill, any other error as a throw. The hot JS path is untouched: the trampoline has no native
// branch of its own.
//
// One FFI call per transfer, with 32-bit arguments only: greenlet_send takes the kind and the
// value in one shared message buffer and hands back what came back with the target's flags, so
// no BigInt is boxed for a word and no greenlet_state call tells a finish from a switch.

import type { NativeLibrary } from "../ffi/_library.ts";
import type { NativePointer } from "../ffi/_binding.ts";
import { Flag, Kind, Status } from "../ffi/constants.ts";
import { decodeFrom, encodeInto, releaseValues } from "./_native_values.ts";
import { GreenletError } from "./greenlet_error.ts";
import { GreenletExit } from "./greenlet_exit.ts";
import { agent } from "./_trampoline.ts";
import type { Instruction } from "./types.ts";

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
const flagsOut = new Uint32Array(1);
/**
 * greenlet_send's `greenlet_message`, shared by every native greenlet of the agent (it is
 * written right before each call and read right after): kind, flags, value (low, high half).
 */
const message = new Uint32Array(4);
const KIND = 0;
const FLAGS = 1;
const VALUE = 2;

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
    let sending: number = Kind.VALUE;
    encodeInto(first, state.owned, message, VALUE);
    try {
      for (;;) {
        message[KIND] = sending;
        const status = symbols.greenlet_send(state.slot, state.generation, message);
        if (status !== Status.OK) throw callFailed(lib, "greenlet_send", status);
        const kind = message[KIND];
        const value = decodeFrom(message, VALUE);
        if ((message[FLAGS] & Flag.DEAD) !== 0) {
          if (kind === Kind.THROW) throw value;
          return value;
        }
        // The trampoline made this greenlet current before resuming its body (the GC kill
        // makes a stand-in current, whose parent is main).
        const parent = agent.current.parent!.face;
        try {
          const reply = kind === Kind.VALUE
            ? yield* parent.switch(value)
            : kind === Kind.THROW
            ? yield* parent.throw(value)
            : yield* parent.throw();
          sending = Kind.VALUE;
          encodeInto(reply, state.owned, message, VALUE);
        } catch (error) {
          sending = error instanceof GreenletExit ? Kind.KILL : Kind.THROW;
          encodeInto(error, state.owned, message, VALUE);
        }
      }
    } finally {
      finish(lib, state);
    }
  } as (...args: unknown[]) => Generator<Instruction, unknown, unknown>;
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
