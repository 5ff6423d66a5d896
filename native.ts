// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.

/**
 * Native greenlets: C functions run on their own native stacks, as greenlets in the same tree
 * as JS ones, and C callbacks answered by JS (synchronously or after an await) while the C code
 * stays suspended. `loadLibrary()` / `nativeFunction()` give C functions with signatures in Deno
 * FFI's spelling (on Bun too); `callNative()`, or a `NativeGreenlet`, runs one;
 * `nativeCallback()` makes a function pointer C calls back. Importing this entry loads the native library (Deno needs `--allow-ffi`, plus
 * `--allow-read` and `--allow-env` to find it); importing `mod.ts` alone needs no permission.
 *
 * @example Loading the library
 * ```ts
 * import { NativeGreenlet } from "@greenlet/greenlet/native";
 * import assert from "node:assert/strict";
 *
 * assert.throws(() => new NativeGreenlet(null), TypeError);
 * ```
 *
 * @module
 */

import { foreignRuntime } from "./ffi/_dlopen.ts";
import { openLibrary } from "./ffi/_open.ts";
import { installNative } from "./src/_native_host.ts";

installNative(await openLibrary().catch(explain), await foreignRuntime());

/** A missing permission keeps its class; its message says that native.ts needed it. */
function explain(e: unknown): never {
  if (e instanceof Error && e.name === "NotCapable") {
    const NotCapable = e.constructor as new (message: string, options?: ErrorOptions) => Error;
    throw new NotCapable(
      `Cannot load greenlet's native library for "@greenlet/greenlet/native": ${e.message}. ` +
        "Run with --allow-ffi --allow-read --allow-env (or import only the main entry, which " +
        "needs no permission)",
      { cause: e },
    );
  }
  throw e;
}

export { NativeGreenlet } from "./src/native_greenlet.ts";
export type { NativeGreenletOptions } from "./src/native_greenlet.ts";
export { loadLibrary } from "./src/load_library.ts";
export type { LoadedLibrary } from "./src/load_library.ts";
export { NativeFunction, nativeFunction } from "./src/native_function.ts";
export { NativeCallback, nativeCallback } from "./src/native_callback.ts";
export type {
  NativeCallbackHandler,
  NativeCallbackResult,
  NativeCallbackSignature,
} from "./src/native_callback.ts";
export { callNative } from "./src/call_native.ts";
export type { CallNativeOptions, NativeCall } from "./src/call_native.ts";
export { pointerOf } from "./src/pointer_of.ts";
export { viewAt } from "./src/view_at.ts";
export { addressOf } from "./src/address_of.ts";
export { pointerFromAddress } from "./src/pointer_from_address.ts";
export { readCString } from "./src/read_c_string.ts";
export { callNativeSync } from "./src/call_native_sync.ts";
export type {
  NativeArgument,
  NativeArgumentList,
  NativeArguments,
  NativeParameters,
  NativeResult,
  NativeResultList,
  NativeSignature,
} from "./src/_native_signature.ts";
export type {
  NativePointer,
  NativePointerBrand,
  NativeType as NativeValueType,
} from "./ffi/_binding.ts";
export { NativeLibraryError } from "./ffi/native_library_error.ts";
export type { NativeLibraryErrorCode } from "./ffi/native_library_error.ts";
