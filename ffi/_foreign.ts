// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// What the native bridge needs from the runtime's FFI besides the library's own functions:
// addresses of buffers and of a user library's symbols, memory at an address, and the runtime's
// own callback (the main-stack fallback of a NativeCallback). ffi/_deno.ts and ffi/_bun.ts each
// implement it; ffi/_dlopen.ts picks one.

import type { NativePointer, SymbolDefinition } from "./_binding.ts";

/** A user library opened only for its symbols' addresses. */
export interface SymbolAddresses {
  /** The address of each name asked for, in order. */
  readonly addresses: readonly bigint[];
  /** Unloads the library. */
  close(): void;
}

/** The runtime's own callback for a C signature, and its code address. */
export interface RuntimeCallback {
  readonly address: bigint;
  /** Frees the runtime's callback; C must not call `address` afterwards. */
  close(): void;
}

/** The runtime-specific part of the native bridge. */
export interface ForeignRuntime {
  /** The address of a buffer's first byte; the buffer does not move from then on. */
  bufferAddress(buffer: ArrayBuffer | ArrayBufferView): bigint;
  /** The runtime's pointer for an address (null for 0); a number must be a safe integer. */
  pointerAt(address: bigint | number): NativePointer;
  /**
   * The runtime's pointer for the address `high` * 2^32 + `low` (two u32 halves; null for 0):
   * a callback's pointer argument on every call. A function of its own, apart from
   * {@link pointerAt} (also called with bigints), so that the engine's type feedback at this
   * hot site stays numbers only. Called unbound (a callback's argument reader keeps it), so it
   * does not use `this`.
   */
  readonly pointerFromHalves: (low: number, high: number) => NativePointer;
  /** An ArrayBuffer over `byteLength` bytes of memory at `address` (reads and writes go there). */
  memoryAt(address: bigint, byteLength: number): ArrayBuffer;
  /**
   * The same at a pointer of this runtime, without going through its address; undefined when
   * `pointer` is no non-null pointer of this runtime.
   */
  memoryAtPointer(pointer: unknown, byteLength: number): ArrayBuffer | undefined;
  /** Opens `path` (a path or soname) and reads the address of each of `names`. */
  symbolAddresses(path: string, names: readonly string[]): SymbolAddresses;
  /**
   * The runtime's own callback (Deno.UnsafeCallback, bun:ffi JSCallback) with `definition`,
   * calling `fn` with pointer arguments as NativePointer (null for 0); other arguments are as
   * the runtime gives them.
   */
  callback(
    definition: SymbolDefinition,
    fn: (...args: unknown[]) => unknown,
  ): RuntimeCallback;
  /**
   * The C function at `address` as the runtime's own FFI function (Deno.UnsafeFnPointer,
   * bun:ffi CFunction), called synchronously on the main stack. Its pointer, buffer and function
   * parameters take this runtime's pointers; its pointer result is one.
   */
  functionAt(address: bigint, definition: SymbolDefinition): (...args: unknown[]) => unknown;
}

/** The address `high` * 2^32 + `low` as a bigint (above 2^53, where a number is inexact). */
export function pointerBits(low: number, high: number): bigint {
  return (BigInt(high) << 32n) | BigInt(low);
}
