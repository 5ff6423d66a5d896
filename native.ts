// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.

/**
 * Native greenlets: C functions run on their own native stacks, as greenlets in the same tree
 * as JS ones. Importing this entry loads the native library (Deno needs `--allow-ffi`, plus
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

import { openLibrary } from "./ffi/_open.ts";
import { installNativeLibrary } from "./src/_native_transfer.ts";

installNativeLibrary(await openLibrary().catch(explain));

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
export { NativeLibraryError } from "./ffi/native_library_error.ts";
export type { NativeLibraryErrorCode } from "./ffi/native_library_error.ts";
