// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// Deno's adapter: Deno.dlopen takes a table in the shared spelling as is.

import type { NativePointer, OpenTable, SymbolTable } from "./_binding.ts";

/** Opens `table` from the library at `path` with Deno FFI (needs --allow-ffi). */
export function dlopenDeno<T extends SymbolTable>(path: string, table: T): OpenTable<T> {
  const lib = Deno.dlopen(path, table as unknown as Deno.ForeignLibraryInterface);
  return {
    symbols: lib.symbols as unknown as OpenTable<T>["symbols"],
    cString: (pointer: NativePointer): string =>
      pointer === null
        ? ""
        : Deno.UnsafePointerView.getCString(pointer as unknown as Deno.PointerObject),
    memory: (address: bigint, byteLength: number): ArrayBuffer =>
      Deno.UnsafePointerView.getArrayBuffer(Deno.UnsafePointer.create(address)!, byteLength),
    close: () => lib.close(),
  };
}
