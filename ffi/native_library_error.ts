// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.

/**
 * The stable codes carried by {@link NativeLibraryError}, one per way of not getting the native
 * library.
 *
 * | code | meaning |
 * | --- | --- |
 * | `NATIVE_UNSUPPORTED` | no library is packaged for this operating system and processor |
 * | `NATIVE_NOT_FOUND` | a local package has no library next to the module and there is no build |
 * | `NATIVE_DOWNLOAD` | the download failed: HTTP error, refused or dropped connection |
 * | `NATIVE_INTEGRITY` | the downloaded file's size or SHA-256 is not the one in the table; nothing was stored or loaded |
 * | `NATIVE_CACHE` | the cache directory could not be created or written |
 * | `NATIVE_LOAD` | the runtime could not load the file (missing, unreadable, not a library for this machine) |
 * | `NATIVE_ABI` | the library's `greenlet_abi_version()` is not the one this code needs |
 */
export type NativeLibraryErrorCode =
  | "NATIVE_UNSUPPORTED"
  | "NATIVE_NOT_FOUND"
  | "NATIVE_DOWNLOAD"
  | "NATIVE_INTEGRITY"
  | "NATIVE_CACHE"
  | "NATIVE_LOAD"
  | "NATIVE_ABI";

/**
 * Thrown when the native library cannot be found, downloaded, verified or cached. The `code` is
 * stable; the message says what was tried and what to do. A missing Deno permission is not this
 * error: it is Deno's own `NotCapable`, with a message that names the flag to add.
 *
 * @example Catching it by its code
 * ```ts
 * import { NativeLibraryError } from "./native_library_error.ts";
 * import assert from "node:assert/strict";
 *
 * const e = new NativeLibraryError("NATIVE_UNSUPPORTED", "Cannot load the native library");
 * assert.ok(e instanceof Error);
 * assert.equal(e.name, "NativeLibraryError");
 * assert.equal(e.code, "NATIVE_UNSUPPORTED");
 * ```
 */
export class NativeLibraryError extends Error {
  /** The stable code naming what failed. */
  readonly code: NativeLibraryErrorCode;

  /**
   * Creates an error with a code and a message that says what to do.
   *
   * @param code the stable code
   * @param message what failed, then what to do
   * @param options the standard `cause` option
   */
  constructor(code: NativeLibraryErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "NativeLibraryError";
    this.code = code;
  }
}
