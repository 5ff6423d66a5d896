// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// The subset of `bun:ffi` this package uses, typed by hand: Deno cannot type-check Bun's own
// declarations, and ambient module declarations are slow types on JSR.

/** A bun:ffi symbol definition. */
export interface BunSymbol {
  args: readonly string[];
  returns: string;
}

/** The bun:ffi functions used here. */
export interface BunFFI {
  dlopen(
    path: string,
    symbols: Record<string, BunSymbol>,
  ): { symbols: Record<string, (...args: unknown[]) => unknown>; close(): void };
  CString: new (pointer: number) => { toString(): string };
  toArrayBuffer(pointer: number, byteOffset: number, byteLength: number): ArrayBuffer;
}
