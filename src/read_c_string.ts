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
  // The view may reach past the string (making it reads nothing); the loop stops at the NUL.
  const bytes = new Uint8Array(foreign().memoryAt(address, maxBytes + 1));
  let end = 0;
  while (end <= maxBytes && bytes[end] !== 0) end++;
  if (end > maxBytes) {
    throw new RangeError(`Cannot read a C string: no NUL within ${maxBytes} bytes`);
  }
  return decoder.decode(bytes.subarray(0, end));
}
