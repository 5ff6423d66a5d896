// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// Bun's adapter: the shared table translated to bun:ffi's { args, returns } spelling.

import type {
  NativePointer,
  NativeType,
  OpenTable,
  SymbolDefinition,
  SymbolTable,
} from "./_binding.ts";
import type { BunFFI, BunSymbol } from "./_bun_ffi.ts";
import {
  type ForeignRuntime,
  pointerBits,
  type RuntimeCallback,
  type SymbolAddresses,
} from "./_foreign.ts";

/**
 * bun:ffi's name for a type: every pointer is "ptr" ("function" refuses a NULL entry); bun:ffi
 * has no "isize", which is an i64 on every supported target.
 */
function toBunType(type: NativeType): string {
  if (type === "isize") return "i64";
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
    close: () => lib.close(),
  };
}

/** The null pointer, from a call of its own (see pointerFromHalves in {@link bunForeign}). */
function nullPointer(): null {
  return null;
}

/** The native bridge's runtime part on Bun (ffi/_foreign.ts). */
export async function bunForeign(): Promise<ForeignRuntime> {
  const ffi = (await import("bun:ffi")) as unknown as BunFFI;
  return {
    bufferAddress(buffer: ArrayBuffer | ArrayBufferView): bigint {
      if (buffer.byteLength === 0) return 0n;
      // JSC keeps a small typed array inside its cell and moves it to a fixed backing store
      // the first time its buffer is read: read it first, so the address stays valid.
      if (ArrayBuffer.isView(buffer)) void buffer.buffer;
      return BigInt(ffi.ptr(buffer));
    },
    pointerAt(address: bigint | number): NativePointer {
      const value = Number(address);
      return (value === 0 ? null : value) as unknown as NativePointer;
    },
    pointerFromHalves(low: number, high: number): NativePointer {
      // A pointer is a number on Bun: exact below 2^53, as user-space addresses are.
      const value = high < 0x20_0000 ? high * 0x1_0000_0000 + low : Number(pointerBits(low, high));
      // Null through a call: JSC compiles a branch that never ran but holds only a constant, so
      // `value === 0 ? null : value` made the result "number or null" in the caller's optimized
      // code, and the handler's arithmetic on it a generic (slow) subtraction; a call that never
      // ran is left out of it (an exit), so the result stays a number.
      return (value === 0 ? nullPointer() : value) as unknown as NativePointer;
    },
    memoryAt(address: bigint, byteLength: number): ArrayBuffer {
      // bun:ffi refuses an empty view.
      if (byteLength === 0) return new ArrayBuffer(0);
      return ffi.toArrayBuffer(Number(address), 0, byteLength);
    },
    memoryAtPointer(pointer: unknown, byteLength: number): ArrayBuffer | undefined {
      if (typeof pointer !== "number" || !Number.isSafeInteger(pointer) || pointer <= 0) {
        return undefined;
      }
      return byteLength === 0 ? new ArrayBuffer(0) : ffi.toArrayBuffer(pointer, 0, byteLength);
    },
    symbolAddresses(path: string, names: readonly string[]): SymbolAddresses {
      const table: Record<string, BunSymbol> = {};
      for (const name of names) table[name] = { args: [], returns: "void" };
      const lib = ffi.dlopen(path, table);
      return {
        addresses: names.map((name) => BigInt(lib.symbols[name].ptr)),
        close: () => lib.close(),
      };
    },
    callback(definition: SymbolDefinition, fn: (...args: unknown[]) => unknown): RuntimeCallback {
      const pointers = definition.parameters.map((t) => toBunType(t) === "ptr");
      const wrapped = pointers.includes(true)
        ? (...args: unknown[]): unknown => {
          for (let i = 0; i < args.length; i++) if (pointers[i] && args[i] === 0) args[i] = null;
          return fn(...args);
        }
        : fn;
      const callback = new ffi.JSCallback(wrapped, {
        args: definition.parameters.map(toBunType),
        returns: toBunType(definition.result),
      });
      return { address: BigInt(callback.ptr ?? 0), close: () => callback.close() };
    },
    functionAt(address: bigint, definition: SymbolDefinition): (...args: unknown[]) => unknown {
      return ffi.CFunction({
        ptr: Number(address),
        args: definition.parameters.map(toBunType),
        returns: toBunType(definition.result),
      });
    },
  };
}
