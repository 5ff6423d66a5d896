// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.

import type { NativeSignature } from "./_native_signature.ts";
import { compileSignature } from "./_native_signature.ts";
import { foreign } from "./_native_host.ts";
import { type LibraryState, makeNativeFunction, type NativeFunction } from "./native_function.ts";

/**
 * A library opened by {@link loadLibrary}: its functions, and closing.
 *
 * @typeParam T the symbol table it was opened with
 *
 * @example Closing it with `using`
 * ```ts
 * import { loadLibrary, type LoadedLibrary } from "@greenlet/greenlet/native";
 * import assert from "node:assert/strict";
 *
 * const table = { abs: { parameters: ["i32"], result: "i32" } } as const;
 * const libcName = Deno.build.os === "darwin" ? "libSystem.B.dylib" : "libc.so.6";
 * {
 *   using libc: LoadedLibrary<typeof table> = loadLibrary(libcName, table);
 *   assert.equal(libc.symbols.abs.name, "abs");
 * } // closed here
 * ```
 */
export interface LoadedLibrary<T extends Readonly<Record<string, NativeSignature>>> {
  /** One {@link NativeFunction} per declared symbol. */
  readonly symbols: { readonly [K in keyof T]: NativeFunction<T[K]> };
  /**
   * Closes the library: its functions refuse to start from now on (`GreenletError`
   * `NATIVE_CLOSED`); it is unloaded once the native greenlets already running its functions
   * are dead. Idempotent.
   */
  close(): void;
  /** `close()`, for `using`. */
  [Symbol.dispose](): void;
}

/**
 * Opens a C library (a path or a soname, like `Deno.dlopen`) and takes the declared functions
 * from it, each with its signature in Deno FFI's spelling (on Bun too). The functions run on
 * native greenlets (`new NativeGreenlet(fn)`, `callNative(fn, args)`), never on the JS stack.
 * Deno needs `--allow-ffi`.
 *
 * @typeParam T the symbol table: names to signatures
 * @param path the library's file path or soname
 * @param symbols the functions to take, by name
 * @returns the library, whose `symbols` holds a {@link NativeFunction} per name
 * @throws {TypeError} when a signature names an unknown type or `path` is not a string
 * @throws {RangeError} when a signature has more parameters than the platform passes in
 *   registers
 * @throws {Error} the runtime's own error when the library or a symbol cannot be loaded
 *
 * @example Running libc's abs on a native greenlet
 * ```ts
 * import { callNative, loadLibrary } from "@greenlet/greenlet/native";
 * import assert from "node:assert/strict";
 *
 * const libcName = Deno.build.os === "darwin" ? "libSystem.B.dylib" : "libc.so.6";
 * using libc = loadLibrary(libcName, { abs: { parameters: ["i32"], result: "i32" } });
 * assert.equal(await callNative(libc.symbols.abs, [-42]), 42);
 * ```
 */
export function loadLibrary<const T extends Readonly<Record<string, NativeSignature>>>(
  path: string,
  symbols: T,
): LoadedLibrary<T> {
  if (typeof path !== "string" || path === "") {
    throw new TypeError("Cannot load library: path must be a non-empty string");
  }
  if (typeof symbols !== "object" || symbols === null) {
    throw new TypeError("Cannot load library: symbols must be an object of signatures by name");
  }
  const names = Object.keys(symbols);
  const signatures = names.map((name) =>
    compileSignature(symbols[name], `Cannot load symbol "${name}" of "${path}"`)
  );
  const opened = foreign().symbolAddresses(path, names);
  const state: LibraryState = {
    path,
    closed: false,
    running: 0,
    unload(): void {
      opened.close();
    },
  };
  const functions: Record<string, NativeFunction> = {};
  names.forEach((name, i) => {
    functions[name] = makeNativeFunction({
      address: opened.addresses[i],
      signature: signatures[i],
      library: state,
      name,
    });
  });
  Object.freeze(functions);
  const close = (): void => {
    if (state.closed) return;
    state.closed = true;
    if (state.running === 0) state.unload();
  };
  return {
    symbols: functions as LoadedLibrary<T>["symbols"],
    close,
    [Symbol.dispose]: close,
  };
}
