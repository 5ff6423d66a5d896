// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.

import type { SymbolDefinition } from "../ffi/_binding.ts";
import { pointerAddress } from "../ffi/_pointer.ts";
import { nativeAddresses } from "./_native_callbacks.ts";
import { foreign } from "./_native_host.ts";
import {
  encodeValue,
  type NativeArguments,
  type NativeResult,
  type NativeSignature,
  wordsOver,
} from "./_native_signature.ts";
import { checkOpen, functionParts, type NativeFunction } from "./native_function.ts";

const runtimeFunctions = new WeakMap<object, (...args: unknown[]) => unknown>();

/**
 * Calls a C function synchronously on the main stack, through the runtime's own FFI
 * (`Deno.UnsafeFnPointer`, bun:ffi `CFunction`): for the short calls around a suspended one
 * (creating a parser, setting its handlers, freeing it) that need no greenlet. Arguments and
 * result are those of {@link callNative}. Callbacks passed to it run their handlers on the main
 * stack, as with your own `Deno.dlopen`: a handler that switches or awaits gets a
 * `GreenletError` `CALLBACK_ON_MAIN_STACK`, and the callback returns its fallback.
 *
 * @typeParam S the function's signature
 * @param fn the C function (from `loadLibrary()` or `nativeFunction()`)
 * @param args its arguments, typed by its signature (buffers are referenced during the call)
 * @returns the decoded result (64-bit integers as bigint, pointers as this runtime's pointers)
 * @throws {TypeError} when `fn` is not a NativeFunction, `args` is not an array of the
 *   signature's length, or an argument has the wrong type
 * @throws {RangeError} when a number is out of its type's range
 * @throws {GreenletError} `NATIVE_CLOSED` when `fn`'s library is closed
 *
 * @example libc's strlen, called directly
 * ```ts
 * import { callNativeSync, loadLibrary } from "@greenlet/greenlet/native";
 * import assert from "node:assert/strict";
 *
 * const libcName = Deno.build.os === "darwin" ? "libSystem.B.dylib" : "libc.so.6";
 * using libc = loadLibrary(libcName, { strlen: { parameters: ["buffer"], result: "usize" } });
 * assert.equal(callNativeSync(libc.symbols.strlen, [new TextEncoder().encode("four\0")]), 4n);
 * ```
 */
export function callNativeSync<const S extends NativeSignature>(
  fn: NativeFunction<S>,
  args: NativeArguments<S>,
): NativeResult<S["result"]> {
  const parts = functionParts(fn);
  if (parts === undefined) {
    throw new TypeError(
      "Cannot call native: fn must be a NativeFunction (from loadLibrary() or nativeFunction())",
    );
  }
  const what = `Cannot call ${parts.name}`;
  checkOpen(parts, what);
  const { parameters, result } = parts.signature;
  const values = args as unknown[];
  if (!Array.isArray(values) || values.length !== parameters.length) {
    throw new TypeError(
      `${what}: args must be an array of its ${parameters.length} C argument` +
        `${parameters.length === 1 ? "" : "s"}`,
    );
  }
  // The same checks and conversions as a call on a native greenlet, into u64 slots; the
  // runtime's FFI then takes the checked values (pointers as this runtime's pointers).
  const words = wordsOver(
    new ArrayBuffer(8 * Math.max(1, parameters.length)),
    0,
    parameters.length,
  );
  const converted: unknown[] = [];
  for (let i = 0; i < parameters.length; i++) {
    const type = parameters[i];
    encodeValue(type, values[i], words, i, nativeAddresses, null, `${what}: argument ${i}`);
    converted.push(
      type === "pointer" || type === "buffer" || type === "function"
        ? foreign().pointerAt(words.u64[i])
        : type === "u64" || type === "usize"
        ? words.u64[i]
        : type === "i64" || type === "isize"
        ? words.i64[i]
        : values[i],
    );
  }
  let call = runtimeFunctions.get(fn);
  if (call === undefined) {
    call = foreign().functionAt(parts.address, parts.signature.source as SymbolDefinition);
    runtimeFunctions.set(fn, call);
  }
  const value = call(...converted);
  // Buffers stay referenced by `values` until here.
  return decodeResult(result, value) as NativeResult<S["result"]>;
}

/** The runtime FFI's result in the form callNative() gives. */
function decodeResult(type: string, value: unknown): unknown {
  switch (type) {
    case "void":
      return undefined;
    case "bool":
      return Boolean(value);
    case "u64":
    case "usize":
      return BigInt.asUintN(64, BigInt(value as number | bigint));
    case "i64":
    case "isize":
      return BigInt.asIntN(64, BigInt(value as number | bigint));
    case "pointer":
    case "buffer":
    case "function": {
      const address = pointerAddress(value) ?? 0n;
      return address === 0n ? null : foreign().pointerAt(address);
    }
    default:
      return value;
  }
}
