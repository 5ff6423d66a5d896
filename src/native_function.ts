// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.

import { pointerAddress } from "../ffi/_pointer.ts";
import type { NativePointer } from "../ffi/_binding.ts";
import { type CompiledSignature, compileSignature } from "./_native_signature.ts";
import type { NativeSignature } from "./_native_signature.ts";
import { foreign } from "./_native_host.ts";
import { GreenletError } from "./greenlet_error.ts";

/** What a library's functions share: whether it is closed, and the calls it still runs. */
export interface LibraryState {
  readonly path: string;
  closed: boolean;
  /** Native greenlets of its functions that started and are not dead. */
  running: number;
  /** Unloads it (once `closed` and nothing runs). */
  unload(): void;
}

/** What a native greenlet needs of its function. */
export interface FunctionParts {
  readonly address: bigint;
  readonly signature: CompiledSignature;
  readonly library: LibraryState | null;
  readonly name: string;
}

const parts = new WeakMap<NativeFunction<NativeSignature>, FunctionParts>();

/**
 * A C function with a signature, from {@link loadLibrary} or {@link nativeFunction}: what a
 * `NativeGreenlet` or `callNative()` runs on its own native stack. It holds the function's
 * address privately; it is not callable by itself.
 *
 * @typeParam S the signature
 *
 * @example Taking one from a library
 * ```ts
 * import { loadLibrary } from "@greenlet/greenlet/native";
 * import assert from "node:assert/strict";
 *
 * const libcName = Deno.build.os === "darwin" ? "libSystem.B.dylib" : "libc.so.6";
 * using libc = loadLibrary(libcName, { abs: { parameters: ["i32"], result: "i32" } });
 * assert.equal(libc.symbols.abs.name, "abs");
 * assert.deepEqual(libc.symbols.abs.signature, { parameters: ["i32"], result: "i32" });
 * ```
 */
export class NativeFunction<S extends NativeSignature = NativeSignature> {
  /** The symbol's name, or `native@0x<address>` for a function made from a pointer. */
  readonly name: string;
  /** The signature (a frozen copy). */
  readonly signature: S;

  /** @internal Made by loadLibrary() and nativeFunction() only. */
  constructor(token: symbol, function_: FunctionParts) {
    if (token !== made) {
      throw new TypeError(
        "Cannot construct NativeFunction: use loadLibrary() or nativeFunction()",
      );
    }
    this.name = function_.name;
    this.signature = function_.signature.source as S;
    parts.set(this, function_);
    Object.freeze(this);
  }
}

const made = Symbol("NativeFunction");

/** Makes a NativeFunction (loadLibrary() does, per symbol). */
export function makeNativeFunction<S extends NativeSignature>(
  function_: FunctionParts,
): NativeFunction<S> {
  return new NativeFunction<S>(made, function_);
}

/** The parts of a NativeFunction, or undefined for anything else. */
export function functionParts(value: unknown): FunctionParts | undefined {
  return typeof value === "object" && value !== null
    ? parts.get(value as NativeFunction<NativeSignature>)
    : undefined;
}

/** Refuses a function of a closed library. */
export function checkOpen(function_: FunctionParts, what: string): void {
  const library = function_.library;
  if (library !== null && library.closed) {
    throw new GreenletError(
      "NATIVE_CLOSED",
      `${what}: its library "${library.path}" is closed; load it again with loadLibrary()`,
    );
  }
}

/**
 * A C function at an address the runtime gave you (a `Deno.PointerValue` on Deno, a number on
 * Bun: a symbol's `.ptr`), with its signature. Nothing checks that the address is a function
 * of that signature: that is up to you, as with the runtime's own FFI.
 *
 * @typeParam S the signature
 * @param pointer the function's address, not null
 * @param signature its parameter and result types, in Deno FFI's spelling
 * @returns a function to run on a `NativeGreenlet` or with `callNative()`
 * @throws {TypeError} when `pointer` is not this runtime's pointer or is null, or the signature
 *   names an unknown type
 * @throws {RangeError} when the signature has more parameters than the platform passes in
 *   registers
 *
 * @example A function from a pointer
 * ```ts
 * import { nativeFunction, pointerOf } from "@greenlet/greenlet/native";
 * import assert from "node:assert/strict";
 *
 * // Any non-null pointer is accepted; calling a non-function would crash, so this is not run.
 * const f = nativeFunction(pointerOf(new Uint8Array(8)), { parameters: [], result: "void" });
 * assert.match(f.name, /^native@0x/);
 * ```
 */
export function nativeFunction<const S extends NativeSignature>(
  pointer: NativePointer | object | number,
  signature: S,
): NativeFunction<S> {
  const address = pointerAddress(pointer);
  if (address === undefined) {
    throw new TypeError(
      "Cannot make a native function: pointer must be a C function pointer (a Deno.PointerValue " +
        "on Deno, a number such as a symbol's .ptr on Bun)",
    );
  }
  if (address === 0n) {
    throw new TypeError("Cannot make a native function: pointer is a null pointer");
  }
  foreign(); // native.ts is loaded
  const name = `native@0x${address.toString(16)}`;
  const compiled = compileSignature(signature, `Cannot make native function ${name}`);
  return makeNativeFunction<S>({ address, signature: compiled, library: null, name });
}
