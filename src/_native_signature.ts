// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// C signatures in Deno FFI's spelling: checked against the register limits of the running ABI,
// turned into the library's 24-byte greenlet_signature, and the per-type conversion between JS
// values and the u64 slots of a call frame, a callback record and a result
// (docs/native_bridge.md, "Values"). Slots are read and written through typed arrays over one
// buffer (`Words`), so 8- to 32-bit integers and floats never go through a BigInt.

import process from "node:process";
import type { NativePointer, NativeType as NativeValueType } from "../ffi/_binding.ts";
import { CALL_MAX_ARGS, Type } from "../ffi/constants.ts";
import { pointerAddress } from "../ffi/_pointer.ts";
import type { NativeCallback } from "./native_callback.ts";

export type { NativeValueType };

/**
 * A C function's parameter and result types (Deno FFI's spelling, on both runtimes).
 *
 * @example libc's qsort
 * ```ts
 * import type { NativeSignature } from "@greenlet/greenlet/native";
 *
 * // void qsort(void *base, size_t count, size_t size, int (*compare)(const void *, const void *))
 * const qsort = {
 *   parameters: ["buffer", "usize", "usize", "function"],
 *   result: "void",
 * } as const satisfies NativeSignature;
 * ```
 */
export interface NativeSignature {
  /** Parameter types, in order; only what the platform passes in registers (see the docs). */
  readonly parameters: readonly NativeValueType[];
  /** The result type; `"void"` for none. */
  readonly result: NativeValueType;
}

/**
 * What JS passes for a value of type `T` (a C argument, or a callback's result).
 *
 * @typeParam T a {@link NativeValueType}
 *
 * @example
 * ```ts
 * import type { NativeArgument } from "@greenlet/greenlet/native";
 *
 * const size: NativeArgument<"usize"> = 4; // or 4n
 * const flag: NativeArgument<"bool"> = true;
 * ```
 */
export type NativeArgument<T> = T extends "void" ? void | undefined
  : T extends "bool" ? boolean
  : T extends "u8" | "i8" | "u16" | "i16" | "u32" | "i32" | "f32" | "f64" ? number
  : T extends "u64" | "i64" | "usize" | "isize" ? number | bigint
  : T extends "pointer" ? NativePointer | object | number
  : T extends "buffer" ? ArrayBuffer | ArrayBufferView | null
  : T extends "function" ? NativeCallback | NativePointer | object | number
  : never;

/**
 * What JS receives for a value of type `T` (a C result, or a callback's argument).
 *
 * @typeParam T a {@link NativeValueType}
 *
 * @example
 * ```ts
 * import type { NativeResult } from "@greenlet/greenlet/native";
 *
 * const length: NativeResult<"usize"> = 5n; // 64-bit integers come back as bigints
 * ```
 */
export type NativeResult<T> = T extends "void" ? undefined
  : T extends "bool" ? boolean
  : T extends "u8" | "i8" | "u16" | "i16" | "u32" | "i32" | "f32" | "f64" ? number
  : T extends "u64" | "i64" | "usize" | "isize" ? bigint
  : T extends "pointer" | "buffer" | "function" ? NativePointer
  : never;

/** The JS arguments for a parameter list. */
export type NativeArgumentList<P extends readonly unknown[]> = {
  -readonly [K in keyof P]: NativeArgument<P[K]>;
};

/** The JS values received for a parameter list. */
export type NativeResultList<P extends readonly unknown[]> = {
  -readonly [K in keyof P]: NativeResult<P[K]>;
};

/** The JS arguments of a call with signature `S`. */
export type NativeArguments<S extends NativeSignature> = NativeArgumentList<S["parameters"]>;

/** The JS arguments a callback with signature `S` receives. */
export type NativeParameters<S extends NativeSignature> = NativeResultList<S["parameters"]>;

/** Type codes by name (`Type` in ffi/constants.ts, GREENLET_TYPE_* in greenlet.h). */
const CODES: Readonly<Record<NativeValueType, number>> = {
  void: Type.VOID,
  bool: Type.BOOL,
  u8: Type.U8,
  i8: Type.I8,
  u16: Type.U16,
  i16: Type.I16,
  u32: Type.U32,
  i32: Type.I32,
  u64: Type.U64,
  i64: Type.I64,
  usize: Type.USIZE,
  isize: Type.ISIZE,
  f32: Type.F32,
  f64: Type.F64,
  pointer: Type.POINTER,
  buffer: Type.BUFFER,
  function: Type.FUNCTION,
};

/** How the running ABI passes arguments in registers. */
export interface RegisterLimits {
  /** The ABI's name, for messages. */
  readonly abi: string;
  /** Integer/pointer registers (SysV, AAPCS64, LP64D), or positions in all (Win64). */
  readonly ints: number;
  /** Float registers; 0 when floats share the positions (Win64). */
  readonly floats: number;
}

/** The register limits of the ABI of `platform`/`arch` (process.platform / process.arch). */
export function registerLimits(
  platform: string = process.platform,
  arch: string = process.arch,
): RegisterLimits {
  if (platform === "win32") return { abi: "Win64", ints: 4, floats: 0 };
  if (arch === "x64") return { abi: "SysV x86_64", ints: 6, floats: 8 };
  if (arch === "arm64") return { abi: "AAPCS64", ints: 8, floats: 8 };
  if (arch === "riscv64") return { abi: "RISC-V LP64D", ints: 8, floats: 8 };
  return { abi: `${platform}-${arch}`, ints: 0, floats: 0 };
}

const limits = registerLimits();

/** A checked signature: its codes, its 24-byte record and a frozen copy of what was given. */
export interface CompiledSignature {
  readonly parameters: readonly NativeValueType[];
  readonly result: NativeValueType;
  /** The greenlet_signature record (result, arg_count, reserved, args[16]). */
  readonly bytes: Uint8Array;
  /** A frozen copy of the signature as given (parameters and result). */
  readonly source: NativeSignature;
}

function isFloat(type: NativeValueType): boolean {
  return type === "f32" || type === "f64";
}

/**
 * Checks `signature` and builds its record. `what` starts the messages ("Cannot load symbol
 * \"qsort\"").
 *
 * @throws {TypeError} not an object, an unknown type, a void parameter
 * @throws {RangeError} more parameters than the ABI passes in registers
 */
export function compileSignature(signature: unknown, what: string): CompiledSignature {
  if (typeof signature !== "object" || signature === null) {
    throw new TypeError(`${what}: the signature must be an object { parameters, result }`);
  }
  const { parameters, result } = signature as { parameters?: unknown; result?: unknown };
  if (!Array.isArray(parameters)) {
    throw new TypeError(`${what}: signature.parameters must be an array of type names`);
  }
  const resultType = checkedType(result, `${what}: signature.result`);
  const types: NativeValueType[] = [];
  for (let i = 0; i < parameters.length; i++) {
    const type = checkedType(parameters[i], `${what}: signature.parameters[${i}]`);
    if (type === "void") {
      throw new TypeError(
        `${what}: signature.parameters[${i}] is "void", which only a result may be`,
      );
    }
    types.push(type);
  }
  checkRegisters(types, what);
  const bytes = new Uint8Array(24);
  bytes[0] = CODES[resultType];
  bytes[1] = types.length;
  for (let i = 0; i < types.length; i++) bytes[8 + i] = CODES[types[i]];
  const frozenParameters = Object.freeze(types.slice());
  return {
    parameters: frozenParameters,
    result: resultType,
    bytes,
    source: Object.freeze({ parameters: frozenParameters, result: resultType }),
  };
}

function checkedType(type: unknown, where: string): NativeValueType {
  if (typeof type === "string" && Object.hasOwn(CODES, type)) return type as NativeValueType;
  throw new TypeError(
    `${where} is ${typeof type === "string" ? `"${type}"` : typeof type}, not a type: use one of ${
      Object.keys(CODES).map((t) => `"${t}"`).join(", ")
    }`,
  );
}

function checkRegisters(types: readonly NativeValueType[], what: string): void {
  const { abi, ints, floats } = limits;
  if (ints === 0) {
    throw new RangeError(`${what}: no C calls by signature on ${abi}`);
  }
  const floatCount = types.filter(isFloat).length;
  const intCount = types.length - floatCount;
  if (floats === 0) {
    if (types.length > ints || types.length > CALL_MAX_ARGS) {
      throw new RangeError(
        `${what}: ${types.length} parameters, but ${abi} passes at most ${ints} in registers ` +
          "(stack-passed parameters are not supported)",
      );
    }
    return;
  }
  if (intCount > ints) {
    throw new RangeError(
      `${what}: ${intCount} integer or pointer parameters, but ${abi} passes at most ${ints} ` +
        `in registers (and ${floats} float ones; stack-passed parameters are not supported)`,
    );
  }
  if (floatCount > floats) {
    throw new RangeError(
      `${what}: ${floatCount} float parameters, but ${abi} passes at most ${floats} in ` +
        `registers (and ${ints} integer or pointer ones; stack-passed parameters are not ` +
        "supported)",
    );
  }
}

/** Typed views over u64 slots (little-endian: every supported target is). */
export interface Words {
  readonly u32: Uint32Array;
  readonly i32: Int32Array;
  readonly f32: Float32Array;
  readonly f64: Float64Array;
  readonly u64: BigUint64Array;
  readonly i64: BigInt64Array;
}

/** Views over `count` u64 slots of `buffer` from `byteOffset` (a multiple of 8). */
export function wordsOver(buffer: ArrayBuffer, byteOffset: number, count: number): Words {
  return {
    u32: new Uint32Array(buffer, byteOffset, count * 2),
    i32: new Int32Array(buffer, byteOffset, count * 2),
    f32: new Float32Array(buffer, byteOffset, count * 2),
    f64: new Float64Array(buffer, byteOffset, count),
    u64: new BigUint64Array(buffer, byteOffset, count),
    i64: new BigInt64Array(buffer, byteOffset, count),
  };
}

/** What converting a value needs from the runtime (see ffi/_foreign.ts). */
export interface Addresses {
  /** The address of a buffer's first byte (the buffer stays where it is from now on). */
  bufferAddress(buffer: ArrayBuffer | ArrayBufferView): bigint;
  /** The runtime's pointer for an address (null for 0). */
  pointerAt(address: bigint | number): NativePointer;
  /**
   * The runtime's pointer for the address in two u32 halves (null for 0), on the hot path: the
   * runtime's own function, which a callback's argument reader keeps and calls unbound.
   */
  readonly pointerFromHalves: (low: number, high: number) => NativePointer;
  /** The address of a NativeCallback, or undefined when `value` is none. */
  callbackAddress(value: unknown): bigint | undefined;
}

const INT_RANGES: Readonly<Record<string, readonly [number, number]>> = {
  u8: [0, 0xff],
  i8: [-0x80, 0x7f],
  u16: [0, 0xffff],
  i16: [-0x8000, 0x7fff],
  u32: [0, 0xffff_ffff],
  i32: [-0x8000_0000, 0x7fff_ffff],
};

/**
 * Writes `value` as type `type` into slot `index` of `words`. A buffer goes into `keep` (it
 * must stay referenced while C may use it). `where` names the value in messages.
 *
 * @throws {TypeError} a value of the wrong JS type
 * @throws {RangeError} a number out of the type's range
 */
export function encodeValue(
  type: NativeValueType,
  value: unknown,
  words: Words,
  index: number,
  addresses: Addresses,
  keep: unknown[] | null,
  where: string,
): void {
  const lo = index * 2;
  switch (type) {
    case "void":
      words.u64[index] = 0n;
      return;
    case "bool":
      if (typeof value !== "boolean") throw wrongJsType(where, "a boolean", value);
      words.u32[lo] = value ? 1 : 0;
      words.u32[lo + 1] = 0;
      return;
    case "u8":
    case "i8":
    case "u16":
    case "i16":
    case "u32":
    case "i32": {
      if (typeof value !== "number") throw wrongJsType(where, "a number", value);
      const [min, max] = INT_RANGES[type];
      if (!Number.isInteger(value) || value < min || value > max) {
        throw new RangeError(`${where} must be an integer from ${min} to ${max}, not ${value}`);
      }
      words.u32[lo] = value >>> 0;
      words.u32[lo + 1] = 0;
      return;
    }
    case "u64":
    case "usize":
    case "i64":
    case "isize": {
      const signed = type === "i64" || type === "isize";
      let big: bigint;
      if (typeof value === "bigint") big = value;
      else if (typeof value === "number" && Number.isSafeInteger(value)) big = BigInt(value);
      else if (typeof value === "number") {
        throw new RangeError(`${where} must be a safe integer or a bigint, not ${value}`);
      } else throw wrongJsType(where, "a number or bigint", value);
      const min = signed ? -(1n << 63n) : 0n;
      const max = signed ? (1n << 63n) - 1n : (1n << 64n) - 1n;
      if (big < min || big > max) {
        throw new RangeError(`${where} must be from ${min} to ${max}, not ${big}`);
      }
      words.u64[index] = BigInt.asUintN(64, big);
      return;
    }
    case "f32":
      if (typeof value !== "number") throw wrongJsType(where, "a number", value);
      words.f32[lo] = value;
      words.u32[lo + 1] = 0;
      return;
    case "f64":
      if (typeof value !== "number") throw wrongJsType(where, "a number", value);
      words.f64[index] = value;
      return;
    case "pointer":
    case "function": {
      let address = type === "function" ? addresses.callbackAddress(value) : undefined;
      if (address === undefined) address = pointerAddress(value);
      if (address === undefined) {
        throw wrongJsType(
          where,
          type === "function" ? "a NativeCallback or a pointer" : "a pointer (or null)",
          value,
        );
      }
      words.u64[index] = address;
      return;
    }
    case "buffer": {
      if (value === null) {
        words.u64[index] = 0n;
        return;
      }
      if (!(value instanceof ArrayBuffer) && !ArrayBuffer.isView(value)) {
        throw wrongJsType(where, "an ArrayBuffer, an ArrayBufferView or null", value);
      }
      words.u64[index] = addresses.bufferAddress(value);
      keep?.push(value);
      return;
    }
  }
}

/** The JS value of slot `index` of `words`, canonical bits of type `type`. */
export function decodeValue(
  type: NativeValueType,
  words: Words,
  index: number,
  addresses: Addresses,
): unknown {
  const lo = index * 2;
  switch (type) {
    case "void":
      return undefined;
    case "bool":
      return (words.u32[lo] | words.u32[lo + 1]) !== 0;
    case "u8":
    case "u16":
    case "u32":
      return words.u32[lo];
    case "i8":
    case "i16":
    case "i32":
      return words.i32[lo];
    case "u64":
    case "usize":
      return words.u64[index];
    case "i64":
    case "isize":
      return words.i64[index];
    case "f32":
      return words.f32[lo];
    case "f64":
      return words.f64[index];
    default:
      return pointerIn(words, lo, addresses);
  }
}

/** The runtime's pointer for the address in u32 words `lo`, `lo + 1` of `words` (null for 0). */
function pointerIn(words: Words, lo: number, addresses: Addresses): NativePointer {
  const high = words.u32[lo + 1];
  const low = words.u32[lo];
  if ((high | low) === 0) return null;
  return addresses.pointerFromHalves(low, high);
}

/** Reads one slot of a record: the value of a type, compiled once per callback. */
export type SlotReader = (words: Words) => unknown;

/**
 * The reader of slot `index` for type `type`: what {@link decodeValue} does, without its type
 * switch per value (a callback's arguments are read this way on every call).
 */
export function slotReader(type: NativeValueType, index: number, addresses: Addresses): SlotReader {
  const lo = index * 2;
  switch (type) {
    case "void":
      return () => undefined;
    case "bool":
      return (words) => (words.u32[lo] | words.u32[lo + 1]) !== 0;
    case "u8":
    case "u16":
    case "u32":
      return (words) => words.u32[lo];
    case "i8":
    case "i16":
    case "i32":
      return (words) => words.i32[lo];
    case "u64":
    case "usize":
      return (words) => words.u64[index];
    case "i64":
    case "isize":
      return (words) => words.i64[index];
    case "f32":
      return (words) => words.f32[lo];
    case "f64":
      return (words) => words.f64[index];
    default: {
      // pointer, buffer, function: the runtime's function called directly (it gives null for
      // 0). JSC inlines calls only 5 deep: the relay's loop, this record's caller, this reader
      // and the runtime's conversion are 4, where a wrapper or two more kept it a call.
      const fromHalves = addresses.pointerFromHalves;
      return (words) => fromHalves(words.u32[lo], words.u32[lo + 1]);
    }
  }
}

/**
 * Calls `handler` with the arguments of types `types` read from slots `first`.. of a record:
 * compiled once per callback, by arity (no argument array up to 4).
 */
export function recordCaller(
  types: readonly NativeValueType[],
  first: number,
  handler: (...args: unknown[]) => unknown,
  addresses: Addresses,
): SlotReader {
  const read = types.map((type, i) => slotReader(type, first + i, addresses));
  const [a, b, c, d] = read;
  switch (read.length) {
    case 0:
      return () => handler();
    case 1:
      return (words) => handler(a(words));
    case 2:
      return (words) => handler(a(words), b(words));
    case 3:
      return (words) => handler(a(words), b(words), c(words));
    case 4:
      return (words) => handler(a(words), b(words), c(words), d(words));
  }
  return (words) => {
    const args = new Array(read.length);
    for (let i = 0; i < read.length; i++) args[i] = read[i](words);
    return handler.apply(undefined, args);
  };
}

/** Writes a value into slot 0 of `words`: a type's {@link encodeValue}, compiled once. */
export type SlotWriter = (value: unknown, words: Words) => void;

/**
 * The writer of a value of type `type` into slot 0 (no keep list: a callback's result). The
 * common cases take a fast path; anything else (and every error, with its message) goes through
 * {@link encodeValue}.
 */
export function slotWriter(type: NativeValueType, addresses: Addresses, where: string): SlotWriter {
  const slow: SlotWriter = (value, words) =>
    encodeValue(type, value, words, 0, addresses, null, where);
  if (Object.hasOwn(INT_RANGES, type)) {
    // 8- to 32-bit integers.
    const [min, max] = INT_RANGES[type];
    return (value, words) => {
      // Not an int in range (NaN and fractions too): the slow path throws its error.
      if (typeof value !== "number" || !((value | 0) === value || value >>> 0 === value)) {
        return slow(value, words);
      }
      if (value < min || value > max) return slow(value, words);
      words.u32[0] = value >>> 0;
      words.u32[1] = 0;
    };
  }
  switch (type) {
    case "void":
      return (_value, words) => {
        words.u32[0] = 0;
        words.u32[1] = 0;
      };
    case "bool":
      return (value, words) => {
        if (typeof value !== "boolean") return slow(value, words);
        words.u32[0] = value ? 1 : 0;
        words.u32[1] = 0;
      };
    case "u64":
    case "usize":
      return (value, words) => {
        if (typeof value === "number" && value >= 0 && value <= 0xffff_ffff && value % 1 === 0) {
          words.u32[0] = value;
          words.u32[1] = 0;
          return;
        }
        slow(value, words);
      };
    case "f32":
      return (value, words) => {
        if (typeof value !== "number") return slow(value, words);
        words.f32[0] = value;
        words.u32[1] = 0;
      };
    case "f64":
      return (value, words) => {
        if (typeof value !== "number") return slow(value, words);
        words.f64[0] = value;
      };
    default:
      return slow;
  }
}

/**
 * Slot 0 of `words` as the bigint a `usize` FFI parameter takes (Deno's fast call path takes a
 * 64-bit integer only as a BigInt: a number made the qsort callback round trip several times
 * slower).
 */
export function slotBits(words: Words): bigint {
  return words.u64[0];
}

function wrongJsType(where: string, expected: string, value: unknown): TypeError {
  const got = value === null ? "null" : typeof value;
  return new TypeError(`${where} must be ${expected}, not ${got}`);
}
