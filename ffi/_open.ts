// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// Loads the native library on whichever runtime runs this code. Without an explicit path,
// locateLibrary() (ffi/_locate.ts) finds it. native.ts calls this when it is imported.

import { ABI_VERSION } from "./constants.ts";
import { dlopen } from "./_dlopen.ts";
import { type NativeLibrary, nativeLibrary } from "./_library.ts";
import { locateLibrary } from "./_locate.ts";
import { NativeLibraryError } from "./native_library_error.ts";
import { symbols } from "./symbols.ts";

const versionOnly = { greenlet_abi_version: symbols.greenlet_abi_version } as const;

/**
 * Opens the native library with this runtime's FFI: the file at `path`, else the one
 * `locateLibrary()` finds. The ABI version is read first, through that one symbol, so that a
 * library from another release gets the ABI message rather than a missing-symbol one.
 *
 * @throws {TypeError} for an empty path
 * @throws {NativeLibraryError} `NATIVE_LOAD` when the runtime cannot load the file,
 *   `NATIVE_ABI` when its `greenlet_abi_version()` is not {@link ABI_VERSION}, and what
 *   locateLibrary() throws
 * @throws {Deno.errors.NotCapable} a missing Deno permission, with the flag to add
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
  const probe = await load(file, versionOnly);
  const version = probe.symbols.greenlet_abi_version();
  probe.close();
  if (version !== ABI_VERSION) {
    throw new NativeLibraryError(
      "NATIVE_ABI",
      `Cannot use the native library "${file}": its ABI version is ${version}, this code needs ` +
        `${ABI_VERSION}. The file comes from another release of @greenlet/greenlet: rebuild it ` +
        "with `zig build`, or remove it (or unset GREENLET_LIBRARY_PATH) to use the packaged one",
    );
  }
  return nativeLibrary(await load(file, symbols));
}

/** dlopen(), its failures (other than a missing permission) as NATIVE_LOAD. */
async function load<T extends Parameters<typeof dlopen>[1]>(
  file: string,
  table: T,
): Promise<Awaited<ReturnType<typeof dlopen<T>>>> {
  try {
    return await dlopen(file, table);
  } catch (e) {
    if (e instanceof Error && e.name === "NotCapable") throw e;
    throw new NativeLibraryError(
      "NATIVE_LOAD",
      `Cannot load the native library "${file}": ${e instanceof Error ? e.message : e}. ` +
        "Check that the file exists and is built for this machine (GREENLET_LIBRARY_PATH, " +
        "when set, must name it), or unset GREENLET_LIBRARY_PATH to use the packaged library",
      { cause: e },
    );
  }
}
