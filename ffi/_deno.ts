// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// Deno's adapter: Deno.dlopen takes a table in the shared spelling as is.

import type {
  NativePointer,
  NativeType,
  OpenTable,
  SymbolDefinition,
  SymbolTable,
} from "./_binding.ts";
import {
  type ForeignRuntime,
  pointerBits,
  type RuntimeCallback,
  type SymbolAddresses,
} from "./_foreign.ts";

/** Opens `table` from the library at `path` with Deno FFI (needs --allow-ffi). */
export function dlopenDeno<T extends SymbolTable>(path: string, table: T): OpenTable<T> {
  const lib = Deno.dlopen(path, table as unknown as Deno.ForeignLibraryInterface);
  return {
    symbols: lib.symbols as unknown as OpenTable<T>["symbols"],
    cString: (pointer: NativePointer): string =>
      pointer === null
        ? ""
        : Deno.UnsafePointerView.getCString(pointer as unknown as Deno.PointerObject),
    close: () => lib.close(),
  };
}

/** A callback type as Deno.UnsafeCallback takes it (buffers and functions are pointers). */
function denoCallbackType(type: NativeType): Deno.NativeResultType {
  return type === "buffer" || type === "function" ? "pointer" : type;
}

/** The native bridge's runtime part on Deno (ffi/_foreign.ts). */
export const denoForeign: ForeignRuntime = {
  bufferAddress(buffer: ArrayBuffer | ArrayBufferView): bigint {
    // An on-heap typed array moves to a fixed backing store when its buffer is read.
    if (ArrayBuffer.isView(buffer)) void buffer.buffer;
    return Deno.UnsafePointer.value(Deno.UnsafePointer.of(buffer as BufferSource));
  },
  pointerAt(address: bigint | number): NativePointer {
    // Deno.UnsafePointer.create takes a safe-integer number as well (not in its type).
    return Deno.UnsafePointer.create(address as bigint) as unknown as NativePointer;
  },
  pointerFromHalves(low: number, high: number): NativePointer {
    // A safe-integer number below 2^53 (no BigInt to box): user-space addresses are.
    const address = high < 0x20_0000 ? high * 0x1_0000_0000 + low : pointerBits(low, high);
    return Deno.UnsafePointer.create(address as bigint) as unknown as NativePointer;
  },
  memoryAt(address: bigint, byteLength: number): ArrayBuffer {
    const pointer = Deno.UnsafePointer.create(address);
    if (pointer === null) throw new TypeError("Cannot view memory at address 0");
    return Deno.UnsafePointerView.getArrayBuffer(pointer, byteLength);
  },
  memoryAtPointer(pointer: unknown, byteLength: number): ArrayBuffer | undefined {
    if (typeof pointer !== "object" || pointer === null) return undefined;
    try {
      return Deno.UnsafePointerView.getArrayBuffer(pointer as Deno.PointerObject, byteLength);
    } catch {
      return undefined;
    }
  },
  symbolAddresses(path: string, names: readonly string[]): SymbolAddresses {
    const table: Record<string, Deno.ForeignStatic> = {};
    for (const name of names) table[name] = { type: "pointer" };
    const lib = Deno.dlopen(path, table);
    const symbols = lib.symbols as unknown as Record<string, Deno.PointerValue>;
    return {
      addresses: names.map((name) => Deno.UnsafePointer.value(symbols[name])),
      close: () => lib.close(),
    };
  },
  callback(definition: SymbolDefinition, fn: (...args: unknown[]) => unknown): RuntimeCallback {
    const callback = new Deno.UnsafeCallback(
      {
        parameters: definition.parameters.map(denoCallbackType) as Deno.NativeType[],
        result: denoCallbackType(definition.result),
      } as Deno.UnsafeCallbackDefinition,
      fn as never,
    );
    return {
      address: Deno.UnsafePointer.value(callback.pointer),
      close: () => callback.close(),
    };
  },
  functionAt(address: bigint, definition: SymbolDefinition): (...args: unknown[]) => unknown {
    const fn = new Deno.UnsafeFnPointer(
      Deno.UnsafePointer.create(address) as Deno.PointerObject<never>,
      {
        parameters: definition.parameters.map(denoCallbackType) as Deno.NativeType[],
        result: denoCallbackType(definition.result),
      } as Deno.ForeignFunction,
    );
    return (...args: unknown[]): unknown => (fn.call as (...args: unknown[]) => unknown)(...args);
  },
};
