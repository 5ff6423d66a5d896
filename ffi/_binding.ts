// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// The types that turn a symbol table into a typed binding, the same on both runtimes: each
// adapter opens the table and hands back its runtime's own functions under these types.

/** The FFI types both adapters support, in Deno's spelling (ffi/_bun.ts translates them). */
export type NativeType = "u32" | "i32" | "usize" | "buffer" | "pointer" | "function" | "void";

/** One C function: its parameter and result types. */
export interface SymbolDefinition {
  readonly parameters: readonly NativeType[];
  readonly result: NativeType;
}

/** C functions by name. */
export type SymbolTable = Readonly<Record<string, SymbolDefinition>>;

declare const nativePointerBrand: unique symbol;

/**
 * A C pointer as the runtime represents it (a `Deno.PointerObject` or null on Deno, a number
 * on Bun). Opaque: only an adapter reads it.
 */
export type NativePointer = { readonly [nativePointerBrand]: true } | null;

/** The JS value a parameter of type `T` takes. */
export type JsArgument<T extends NativeType> = T extends "u32" | "i32" ? number
  : T extends "usize" ? bigint
  : T extends "buffer" ? ArrayBufferView | null
  : T extends "pointer" | "function" ? NativePointer
  : never;

/** The JS value a result of type `T` is. */
export type JsResult<T extends NativeType> = T extends "void" ? void
  : T extends "u32" | "i32" ? number
  : T extends "usize" ? bigint
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
  /** An ArrayBuffer over the C memory at `address` (not a copy): writes go to C, reads see C's. */
  memory(address: bigint, byteLength: number): ArrayBuffer;
  /** Unloads the library; the functions must not be called afterwards. */
  close(): void;
}
