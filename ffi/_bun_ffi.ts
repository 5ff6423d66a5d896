// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// The subset of `bun:ffi` this package uses, typed by hand: Deno cannot type-check Bun's own
// declarations, and ambient module declarations are slow types on JSR.

/** A bun:ffi symbol definition. */
export interface BunSymbol {
  args: readonly string[];
  returns: string;
}

/** A function of a library bun:ffi opened; `ptr` is its address. */
export type BunFunction = ((...args: unknown[]) => unknown) & { readonly ptr: number };

/** The bun:ffi functions used here. */
export interface BunFFI {
  dlopen(
    path: string,
    symbols: Record<string, BunSymbol>,
  ): { symbols: Record<string, BunFunction>; close(): void };
  CString: new (pointer: number) => { toString(): string };
  /** The address of a buffer's first byte. */
  ptr(buffer: ArrayBuffer | ArrayBufferView): number;
  /** An ArrayBuffer over memory at an address. */
  toArrayBuffer(address: number, byteOffset: number, byteLength: number): ArrayBuffer;
  JSCallback: new (
    fn: (...args: unknown[]) => unknown,
    definition: BunSymbol,
  ) => { readonly ptr: number | null; close(): void };
  /** A callable for the C function at an address. */
  CFunction(definition: BunSymbol & { ptr: number }): (...args: unknown[]) => unknown;
}
