// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.

import type { NativePointer } from "../ffi/_binding.ts";
import { Status } from "../ffi/constants.ts";
import {
  type CompiledSignature,
  compileSignature,
  encodeValue,
  type NativeArgument,
  type NativeParameters,
  type NativeSignature,
  type NativeValueType,
  recordCaller,
  slotBits,
  slotWriter,
  wordsOver,
} from "./_native_signature.ts";
import { callFailed, foreign, nativeLibrary } from "./_native_host.ts";
import {
  byObject,
  bySlot,
  type CallbackEntry,
  checkMisuses,
  nativeAddresses,
  RECORD_ARGS,
} from "./_native_callbacks.ts";
import { isAsyncFunction, isStepBlocked, setStepBlocked } from "./_trampoline.ts";
import { isGenerator } from "./_native_transfer.ts";
import { reportUnraisable } from "./_unraisable.ts";
import { GreenletError } from "./greenlet_error.ts";
import type { Op } from "./types.ts";

/**
 * A callback's signature: parameter and result types, and what C gets when JS cannot answer.
 *
 * @example A comparator that answers 0 when it fails
 * ```ts
 * import type { NativeCallbackSignature } from "@greenlet/greenlet/native";
 *
 * const compare = {
 *   parameters: ["pointer", "pointer"],
 *   result: "i32",
 *   fallback: 0,
 * } as const satisfies NativeCallbackSignature;
 * ```
 */
export interface NativeCallbackSignature extends NativeSignature {
  /**
   * The result C gets when the handler failed or was killed, for every later callback of that
   * call, and for calls that cannot run JS (another thread, a closed callback).
   * @default 0, false, 0n or null by the result type
   */
  readonly fallback?: unknown;
}

/** What a handler returns: the result, or (a generator handler) an `Op` that finishes with it. */
export type NativeCallbackResult<S extends NativeSignature> =
  | NativeArgument<S["result"]>
  | Op<NativeArgument<S["result"]>>;

/**
 * A callback's handler: a plain function, or a generator function that may switch and await.
 *
 * @typeParam S the callback's signature
 *
 * @example Both forms
 * ```ts
 * import { awaitOnly } from "@greenlet/greenlet";
 * import type { NativeCallbackHandler } from "@greenlet/greenlet/native";
 *
 * type Twice = { parameters: ["i32"]; result: "i32" };
 * const now: NativeCallbackHandler<Twice> = (x) => 2 * x;
 * const later: NativeCallbackHandler<Twice> = function* (x) {
 *   return 2 * (yield* awaitOnly(Promise.resolve(x)));
 * };
 * ```
 */
export type NativeCallbackHandler<S extends NativeSignature> = (
  ...args: NativeParameters<S>
) => NativeCallbackResult<S>;

const GeneratorFunction: unknown = (function* () {}).constructor;
const scratchWords = wordsOver(new ArrayBuffer(8), 0, 1);

/**
 * A C function pointer answered by JS, made by {@link nativeCallback}. Pass it to C as a
 * `"function"` argument of a {@link NativeFunction}, or its {@link pointer} to C you call through
 * the runtime's own FFI. Close it (or `using`) when C will not call it again: there are 64
 * callback slots in a process.
 *
 * @typeParam S the signature
 *
 * @example Passing it to C through the runtime's own FFI
 * ```ts
 * import { nativeCallback } from "@greenlet/greenlet/native";
 * import assert from "node:assert/strict";
 *
 * const signature = { parameters: ["i32"], result: "i32" } as const;
 * using twice = nativeCallback(signature, (x) => 2 * x);
 * // Deno's own FFI (on Bun: bun:ffi's CFunction({ ptr: twice.pointer, ... })).
 * const pointer = twice.pointer as unknown as Deno.PointerObject<typeof signature>;
 * const call = new Deno.UnsafeFnPointer(pointer, signature);
 * assert.equal(call.call(21), 42); // on the main stack: the handler runs synchronously
 * ```
 */
export class NativeCallback<S extends NativeSignature = NativeSignature> {
  /** The signature (without the fallback; a frozen copy). */
  readonly signature: S;
  readonly #entry: CallbackEntry;

  /** @internal Made by nativeCallback() only. */
  constructor(token: symbol, entry: CallbackEntry) {
    if (token !== made) {
      throw new TypeError("Cannot construct NativeCallback: use nativeCallback()");
    }
    this.signature = entry.signature.source as S;
    this.#entry = entry;
    byObject.set(this, entry);
  }

  /**
   * The address C calls, as this runtime's pointer (a `Deno.PointerObject` on Deno, a number
   * on Bun).
   *
   * @throws {GreenletError} `NATIVE_CLOSED` once closed
   */
  get pointer(): NativePointer {
    if (!this.#entry.open) {
      throw new GreenletError(
        "NATIVE_CLOSED",
        "Cannot read the pointer of a closed callback; make a new one with nativeCallback()",
      );
    }
    return foreign().pointerAt(this.#entry.address);
  }

  /** True once closed. */
  get closed(): boolean {
    return !this.#entry.open;
  }

  /**
   * Releases the callback's slot and the runtime's callback. C code that calls the pointer
   * afterwards gets 0 (reported as a refused callback); do not close a callback that C code on
   * the main stack is running. Idempotent.
   */
  close(): void {
    const entry = this.#entry;
    if (!entry.open) return;
    entry.open = false;
    bySlot[entry.slot] = undefined;
    const status = nativeLibrary().symbols.greenlet_callback_release(entry.slot);
    entry.runtime.close();
    if (status !== Status.OK) throw callFailed("greenlet_callback_release", status);
  }

  /** `close()`, for `using`. */
  [Symbol.dispose](): void {
    this.close();
  }
}

const made = Symbol("NativeCallback");

function defaultFallback(type: NativeValueType): unknown {
  switch (type) {
    case "void":
      return undefined;
    case "bool":
      return false;
    case "u64":
    case "i64":
    case "usize":
    case "isize":
      return 0n;
    case "pointer":
    case "buffer":
    case "function":
      return null;
    default:
      return 0;
  }
}

/**
 * Makes a C function pointer whose calls are answered by `handler`. On a native greenlet (a
 * `NativeGreenlet` or `callNative()`), a call switches to the JS side and the handler runs as
 * part of that greenlet (`getcurrent()` is it): a plain function answers at once; a generator
 * function may `yield*` `switch`, `throw` and `awaitOnly` while the C code stays suspended (an
 * await needs an async driver: `switchAsync()`, `greenletSpawn()`, `await callNative()`).
 * Called on the main stack (C code you called through the runtime's own FFI), the runtime's own
 * callback runs the handler synchronously: switching or awaiting there raises `GreenletError`
 * `CALLBACK_ON_MAIN_STACK` in the handler. Called from another thread it returns the fallback
 * and the refusal is reported (`CALLBACK_REFUSED`) through the unraisable hook.
 *
 * An error or `GreenletExit` that escapes the handler on a native greenlet makes that call and
 * every later callback of the call return the fallback, and the greenlet then dies with it
 * (raised in its parent; a `GreenletExit` delivered as a JS body's would be). On the main stack
 * it is reported through the unraisable hook and C gets the fallback.
 *
 * @typeParam S the signature
 * @param signature parameter and result types (Deno FFI's spelling) and the `fallback`
 * @param handler answers each call; its arguments and result are typed by the signature
 * @returns the callback; close it when C will not call it again
 * @throws {TypeError} a malformed signature or fallback, or a handler that is not a function
 *   (or is async: use a generator function and `yield* awaitOnly()`)
 * @throws {RangeError} more parameters than the platform passes in registers
 * @throws {GreenletError} `NATIVE_CALL` when all 64 callback slots are taken
 *
 * @example A comparator for libc qsort, run on a native greenlet
 * ```ts
 * import { callNative, loadLibrary, nativeCallback, viewAt } from "@greenlet/greenlet/native";
 * import assert from "node:assert/strict";
 *
 * const libcName = Deno.build.os === "darwin" ? "libSystem.B.dylib" : "libc.so.6";
 * using libc = loadLibrary(libcName, {
 *   qsort: { parameters: ["buffer", "usize", "usize", "function"], result: "void" },
 * });
 * using compare = nativeCallback(
 *   { parameters: ["pointer", "pointer"], result: "i32" },
 *   (a, b) => viewAt(a, 4).getInt32(0, true) - viewAt(b, 4).getInt32(0, true),
 * );
 * const numbers = new Int32Array([3, 1, 2]);
 * await callNative(libc.symbols.qsort, [numbers, 3, 4, compare]);
 * assert.deepEqual([...numbers], [1, 2, 3]);
 * ```
 */
export function nativeCallback<const S extends NativeCallbackSignature>(
  signature: S,
  handler: NativeCallbackHandler<S>,
): NativeCallback<S> {
  const what = "Cannot make a native callback";
  const compiled = compileSignature(signature, what);
  if (typeof handler !== "function") {
    throw new TypeError(`${what}: the handler must be a function or a generator function`);
  }
  if (isAsyncFunction(handler)) {
    throw new TypeError(
      `${what}: the handler is async; use a generator function and yield* awaitOnly(promise)`,
    );
  }
  const fallback = signature.fallback === undefined
    ? defaultFallback(compiled.result)
    : signature.fallback;
  encodeValue(
    compiled.result,
    fallback,
    scratchWords,
    0,
    nativeAddresses,
    null,
    `${what}: fallback`,
  );
  const fallbackBits = slotBits(scratchWords);
  const generator = handler.constructor === GeneratorFunction;
  const fn = handler as unknown as (...args: unknown[]) => unknown;
  const entryRef: { entry: CallbackEntry | null } = { entry: null };
  const runtime = foreign().callback(
    { parameters: compiled.parameters, result: compiled.result },
    (...args: unknown[]) => onMainStack(entryRef.entry!, args),
  );
  const slotOut = new Uint32Array(1);
  const addressOut = new BigUint64Array(1);
  const status = nativeLibrary().symbols.greenlet_callback_register(
    compiled.bytes,
    fallbackBits,
    runtime.address,
    slotOut,
    addressOut,
  );
  if (status !== Status.OK) {
    runtime.close();
    if (status === 6 /* OUT_OF_MEMORY */) {
      throw new GreenletError(
        "NATIVE_CALL",
        `${what}: all 64 callback slots of the process are taken; close callbacks C will not ` +
          "call again (close() or using)",
      );
    }
    throw callFailed("greenlet_callback_register", status);
  }
  const entry: CallbackEntry = {
    slot: slotOut[0],
    address: addressOut[0],
    signature: compiled,
    handler: fn,
    call: recordCaller(compiled.parameters, RECORD_ARGS, fn, nativeAddresses),
    writeResult: slotWriter(
      compiled.result,
      nativeAddresses,
      "Cannot return from the callback: its result",
    ),
    generator,
    fallback: toRuntime(compiled, fallback),
    fallbackBits,
    runtime,
    open: true,
  };
  entryRef.entry = entry;
  bySlot[entry.slot] = entry;
  return new NativeCallback<S>(made, entry);
}

/** The handler run by the runtime's own callback, on the main stack. Never throws into C. */
function onMainStack(entry: CallbackEntry, raw: unknown[]): unknown {
  checkMisuses();
  try {
    const types = entry.signature.parameters;
    const args = new Array(types.length);
    for (let i = 0; i < types.length; i++) args[i] = fromRuntime(types[i], raw[i]);
    let result = Reflect.apply(entry.handler, undefined, args);
    if (entry.generator || isGenerator(result)) result = refuseSwitches(result);
    return toRuntime(entry.signature, result);
  } catch (error) {
    reportUnraisable({ error, greenlet: "(main stack)", during: "a callback on the main stack" });
    return entry.fallback;
  }
}

/** Runs a generator handler to its end, raising CALLBACK_ON_MAIN_STACK at each switch. */
function refuseSwitches(gen: unknown): unknown {
  if (!isGenerator(gen)) return gen;
  const blocked = isStepBlocked();
  setStepBlocked(false);
  try {
    let r = gen.next();
    for (let attempt = 0; r.done !== true; attempt++) {
      setStepBlocked(false); // frees the step the handler yielded
      const error = new GreenletError(
        "CALLBACK_ON_MAIN_STACK",
        "Cannot switch or await in a callback handler running on the main stack (C code called " +
          "through the runtime's own FFI called it): run that C function on a native greenlet " +
          "(callNative() or NativeGreenlet) so that its callbacks may switch and await",
      );
      if (attempt >= 16) {
        gen.return(undefined);
        throw error;
      }
      r = gen.throw(error);
    }
    return r.value;
  } finally {
    setStepBlocked(blocked);
  }
}

/** A callback argument as the runtime gave it, as the handler gets it on a greenlet. */
function fromRuntime(type: NativeValueType, value: unknown): unknown {
  switch (type) {
    case "bool":
      return Boolean(value);
    case "u64":
    case "usize":
      return typeof value === "bigint" ? BigInt.asUintN(64, value) : BigInt(value as number);
    case "i64":
    case "isize":
      return typeof value === "bigint" ? BigInt.asIntN(64, value) : BigInt(value as number);
    default:
      return value;
  }
}

/** A handler's result, checked as on a greenlet, as the runtime's callback returns it. */
function toRuntime(signature: CompiledSignature, value: unknown): unknown {
  const type = signature.result;
  encodeValue(
    type,
    value,
    scratchWords,
    0,
    nativeAddresses,
    null,
    "Cannot return from the callback: its result",
  );
  switch (type) {
    case "pointer":
    case "buffer":
    case "function":
      return foreign().pointerAt(scratchWords.u64[0]);
    case "u64":
    case "usize":
      return scratchWords.u64[0];
    case "i64":
    case "isize":
      return scratchWords.i64[0];
    default:
      return value;
  }
}
