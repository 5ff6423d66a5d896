// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// Bun's adapter: the shared table translated to bun:ffi's { args, returns } spelling.

import type { NativePointer, NativeType, OpenTable, SymbolTable } from "./_binding.ts";
import type { BunFFI, BunSymbol } from "./_bun_ffi.ts";

/** bun:ffi's name for a type: every pointer is "ptr" ("function" refuses a NULL entry). */
function toBunType(type: NativeType): string {
  return type === "buffer" || type === "pointer" || type === "function" ? "ptr" : type;
}

/** A table in bun:ffi's spelling. */
export function bunSymbols(table: SymbolTable): Record<string, BunSymbol> {
  const out: Record<string, BunSymbol> = {};
  for (const [name, definition] of Object.entries(table)) {
    out[name] = {
      args: definition.parameters.map(toBunType),
      returns: toBunType(definition.result),
    };
  }
  return out;
}

/** Opens `table` from the library at `path` with bun:ffi. */
export async function dlopenBun<T extends SymbolTable>(
  path: string,
  table: T,
): Promise<OpenTable<T>> {
  const ffi = (await import("bun:ffi")) as unknown as BunFFI;
  const lib = ffi.dlopen(path, bunSymbols(table));
  return {
    symbols: lib.symbols as unknown as OpenTable<T>["symbols"],
    cString: (pointer: NativePointer): string => {
      const address = pointer as unknown as number | null;
      return address === 0 || address === null ? "" : new ffi.CString(address).toString();
    },
    memory: (address: bigint, byteLength: number): ArrayBuffer =>
      ffi.toArrayBuffer(Number(address), 0, byteLength),
    close: () => lib.close(),
  };
}
