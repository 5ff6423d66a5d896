// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// Loads the native library on whichever runtime runs this code. Internal until native
// greenlets are exposed; without an explicit path, locateLibrary() (ffi/_locate.ts) finds it.

import { ABI_VERSION } from "./constants.ts";
import { dlopen } from "./_dlopen.ts";
import { type NativeLibrary, nativeLibrary } from "./_library.ts";
import { locateLibrary } from "./_locate.ts";
import { symbols } from "./symbols.ts";

/**
 * Opens the native library with this runtime's FFI: the file at `path`, else the one
 * `locateLibrary()` finds. Throws TypeError for an empty path and Error when the library's
 * `greenlet_abi_version()` is not {@link ABI_VERSION} (a library built from other sources).
 *
 * @example Read the state of this thread's root
 * ```ts ignore
 * import { Flag, Status } from "./constants.ts";
 * using lib = await openLibrary();
 * const root = new Uint32Array(2); // slot, generation
 * const flags = new Uint32Array(1);
 * if (lib.symbols.greenlet_root(root) !== Status.OK) throw new Error("no root");
 * lib.symbols.greenlet_state(root[0], root[1], flags);
 * console.log((flags[0] & Flag.ROOT) !== 0); // true
 * ```
 */
export async function openLibrary(path?: string): Promise<NativeLibrary> {
  const file = path ?? await locateLibrary();
  if (typeof file !== "string" || file === "") {
    throw new TypeError("Cannot open the native library: path must be a non-empty string");
  }
  const lib = nativeLibrary(await dlopen(file, symbols));
  const version = lib.symbols.greenlet_abi_version();
  if (version !== ABI_VERSION) {
    lib.close();
    throw new Error(
      `Cannot use the native library "${file}": its ABI version is ${version}, this code needs ${ABI_VERSION}`,
    );
  }
  return lib;
}
