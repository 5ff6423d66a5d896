// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// What native.ts installs when it is imported: the loaded library and the runtime's FFI part.
// Everything native asks for them here, and gets a clear error before native.ts was loaded.

import type { NativeLibrary } from "../ffi/_library.ts";
import type { ForeignRuntime } from "../ffi/_foreign.ts";
import { GreenletError } from "./greenlet_error.ts";

let library: NativeLibrary | null = null;
let runtime: ForeignRuntime | null = null;

/** Installs the loaded library and the runtime part (native.ts does, once, when imported). */
export function installNative(lib: NativeLibrary, foreign: ForeignRuntime): void {
  library = lib;
  runtime = foreign;
}

function notLoaded(): GreenletError {
  return new GreenletError(
    "NATIVE_CALL",
    "Cannot use native greenlets: the native library is not loaded; import native.ts " +
      '("@greenlet/greenlet/native") first',
  );
}

/** The installed library; native greenlets exist only after native.ts loaded it. */
export function nativeLibrary(): NativeLibrary {
  if (library === null) throw notLoaded();
  return library;
}

/** The installed runtime part. */
export function foreign(): ForeignRuntime {
  if (runtime === null) throw notLoaded();
  return runtime;
}

/** A GreenletError for a failed library call, with the status's C name. */
export function callFailed(call: string, status: number): GreenletError {
  return new GreenletError(
    "NATIVE_CALL",
    `${call}() failed with ${nativeLibrary().statusName(status)} (status ${status})`,
  );
}
