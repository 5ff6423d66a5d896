// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.

import type { NativePointer } from "../ffi/_binding.ts";
import { addressOf } from "./address_of.ts";
import { foreign } from "./_native_host.ts";

const decoder = new TextDecoder();

/**
 * The NUL-terminated C string at `pointer`, decoded as UTF-8 (invalid sequences become
 * U+FFFD); "" for a null pointer. Only the bytes up to the NUL are read. As with `viewAt()`,
 * nothing checks the memory: the pointer must point to a string C gave you and has not freed.
 *
 * @param pointer a pointer of this runtime, or null
 * @param maxBytes the most bytes to read before the NUL (1 MiB by default)
 * @returns the string, without its NUL
 * @throws {TypeError} when `pointer` is not this runtime's pointer
 * @throws {RangeError} when `maxBytes` is not a non-negative safe integer, or no NUL comes
 *   within it
 *
 * @example A C string in memory
 * ```ts
 * import { pointerOf, readCString } from "@greenlet/greenlet/native";
 * import assert from "node:assert/strict";
 *
 * const bytes = new TextEncoder().encode("café\0tail");
 * assert.equal(readCString(pointerOf(bytes)), "café");
 * assert.equal(readCString(null), "");
 * assert.throws(() => readCString(pointerOf(bytes), 3), RangeError);
 * ```
 */
export function readCString(
  pointer: NativePointer | object | number,
  maxBytes: number = 1 << 20,
): string {
  const address = addressOf(pointer);
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) {
    throw new RangeError(
      `Cannot read a C string: maxBytes must be a non-negative integer, not ${maxBytes}`,
    );
  }
  if (address === 0n) return "";
  // Views of growing windows (making one reads nothing; a view as long as maxBytes would cost
  // more than a short string's scan); only the bytes up to the NUL are read.
  const parts: Uint8Array[] = [];
  let offset = 0;
  for (let window = FIRST_WINDOW; offset <= maxBytes; window *= 8) {
    const length = Math.min(window, maxBytes + 1 - offset);
    const bytes = new Uint8Array(foreign().memoryAt(address + BigInt(offset), length));
    let end = 0;
    while (end < length && bytes[end] !== 0) end++;
    if (end < length) {
      if (parts.length === 0) return decoder.decode(bytes.subarray(0, end));
      parts.push(bytes.slice(0, end));
      return decoder.decode(concat(parts, offset + end));
    }
    parts.push(bytes.slice());
    offset += length;
  }
  throw new RangeError(`Cannot read a C string: no NUL within ${maxBytes} bytes`);
}

const FIRST_WINDOW = 256;

function concat(parts: readonly Uint8Array[], length: number): Uint8Array {
  const out = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
