// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.

import type { NativePointer } from "../ffi/_binding.ts";
import { pointerAddress } from "../ffi/_pointer.ts";

/**
 * The address a pointer holds, as a bigint (0n for null): what C code stores where it keeps a
 * pointer (`void **out` arguments, struct fields), written with `viewAt(...).setBigUint64()`.
 * {@link pointerFromAddress} is the way back.
 *
 * @param pointer a pointer of this runtime (a `Deno.PointerValue` on Deno, a number on Bun)
 * @returns its address
 * @throws {TypeError} when `pointer` is not a pointer of this runtime
 *
 * @example Storing a buffer's address in C memory
 * ```ts
 * import { addressOf, pointerOf, viewAt } from "@greenlet/greenlet/native";
 * import assert from "node:assert/strict";
 *
 * const data = new Uint8Array([1, 2, 3]);
 * const slot = new BigUint64Array(1); // a `void *` C would read
 * viewAt(pointerOf(slot), 8).setBigUint64(0, addressOf(pointerOf(data)), true);
 * assert.equal(slot[0], addressOf(pointerOf(data)));
 * ```
 */
export function addressOf(pointer: NativePointer | object | number): bigint {
  const address = pointerAddress(pointer);
  if (address === undefined) {
    throw new TypeError("Cannot read the address: expected a pointer of this runtime or null");
  }
  return address;
}
