// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// The types that turn a symbol table into a typed binding, the same on both runtimes: each
// adapter opens the table and hands back its runtime's own functions under these types.

/**
 * A C type in Deno FFI's spelling, which both adapters support (ffi/_bun.ts translates them).
 * `pointer`, `buffer` and `function` are all a pointer to C; they differ in what JS passes.
 */
export type NativeType =
  | "void"
  | "bool"
  | "u8"
  | "i8"
  | "u16"
  | "i16"
  | "u32"
  | "i32"
  | "u64"
  | "i64"
  | "usize"
  | "isize"
  | "f32"
  | "f64"
  | "buffer"
  | "pointer"
  | "function";

type SmallNumber = "u8" | "i8" | "u16" | "i16" | "u32" | "i32" | "f32" | "f64";
type Wide = "u64" | "i64" | "usize" | "isize";

/** One C function: its parameter and result types. */
export interface SymbolDefinition {
  readonly parameters: readonly NativeType[];
  readonly result: NativeType;
}

/** C functions by name. */
export type SymbolTable = Readonly<Record<string, SymbolDefinition>>;

/** The brand that makes {@link NativePointer} opaque (a type only; no such property exists). */
export interface NativePointerBrand {
  /** Type-level only. */
  readonly "@greenlet/greenlet:NativePointer": true;
}

/**
 * A C pointer as the runtime represents it (a `Deno.PointerObject` or null on Deno, a number
 * on Bun). Opaque: only an adapter reads it.
 *
 * @example A buffer's pointer
 * ```ts
 * import { type NativePointer, pointerOf } from "@greenlet/greenlet/native";
 * import assert from "node:assert/strict";
 *
 * const pointer: NativePointer = pointerOf(new Uint8Array(16));
 * assert.notEqual(pointer, null);
 * ```
 */
export type NativePointer = NativePointerBrand | null;

/** The JS value a parameter of type `T` takes. */
export type JsArgument<T extends NativeType> = T extends SmallNumber ? number
  : T extends "bool" ? boolean
  : T extends Wide ? bigint | number
  : T extends "buffer" ? ArrayBufferView | null
  : T extends "pointer" | "function" ? NativePointer
  : never;

/** The JS value a result of type `T` is. */
export type JsResult<T extends NativeType> = T extends "void" ? void
  : T extends SmallNumber ? number
  : T extends "bool" ? boolean
  : T extends Wide ? bigint
  : T extends "pointer" | "function" ? NativePointer
  : never;

/** A parameter list as JS argument types. */
export type JsArguments<P extends readonly NativeType[]> = {
  -readonly [K in keyof P]: JsArgument<P[K]>;
};

/** The functions of a table, typed from it: `binding.greenlet_state(slot, generation, out)`. */
export type Binding<T extends SymbolTable> = {
  readonly [K in keyof T]: (
    ...args: JsArguments<T[K]["parameters"]>
  ) => JsResult<T[K]["result"]>;
};

/** A table opened by an adapter: its functions, C string reads, and unloading. */
export interface OpenTable<T extends SymbolTable> {
  readonly symbols: Binding<T>;
  /** Reads the NUL-terminated string at `pointer` ("" for NULL). */
  cString(pointer: NativePointer): string;
  /** Unloads the library; the functions must not be called afterwards. */
  close(): void;
}
