// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.

import type { NativePointer } from "../ffi/_binding.ts";
import { foreign } from "./_native_host.ts";

/**
 * A live, writable view of `byteLength` bytes of C memory at `pointer`: what a callback uses
 * to read and write the memory its arguments point to. Nothing checks the memory: reading
 * past what C gave you, or after C freed it, is undefined behaviour, as with the runtime's
 * own FFI.
 *
 * @param pointer a non-null pointer (a `Deno.PointerObject` on Deno, a number on Bun)
 * @param byteLength how many bytes to view
 * @returns a DataView over that memory (little-endian on every supported target)
 * @throws {TypeError} when `pointer` is not this runtime's pointer or is null
 * @throws {RangeError} when `byteLength` is not a non-negative safe integer
 *
 * @example Writing C memory through a view
 * ```ts
 * import { pointerOf, viewAt } from "@greenlet/greenlet/native";
 * import assert from "node:assert/strict";
 *
 * const bytes = new Uint8Array(4);
 * viewAt(pointerOf(bytes), 4).setUint8(2, 9);
 * assert.equal(bytes[2], 9);
 * ```
 */
export function viewAt(pointer: NativePointer | object | number, byteLength: number): DataView {
  if (!Number.isSafeInteger(byteLength) || byteLength < 0) {
    throw new RangeError(
      `Cannot view memory: byteLength must be a non-negative integer, not ${byteLength}`,
    );
  }
  const memory = foreign().memoryAtPointer(pointer, byteLength);
  if (memory === undefined) {
    throw new TypeError("Cannot view memory: pointer must be a non-null pointer of this runtime");
  }
  return new DataView(memory);
}
