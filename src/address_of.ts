// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.

import type { NativePointer } from "../ffi/_binding.ts";
import { pointerAddress } from "../ffi/_pointer.ts";
import { foreign } from "./_native_host.ts";

/**
 * The address a pointer holds, as a bigint (0n for null): what C code reads when a callback
 * stores a pointer into C memory, for example through zlib's `unsigned char **buf` out-parameter
 * (`viewAt(buf, 8).setBigUint64(0, addressOf(p), true)`), or to compute an offset.
 *
 * @param pointer a pointer of this runtime (a `Deno.PointerValue` on Deno, a number on Bun), or
 *   null
 * @returns its address
 * @throws {TypeError} when `pointer` is not this runtime's pointer
 *
 * @example Storing a buffer's address in C memory
 * ```ts
 * import { addressOf, pointerOf, viewAt } from "@greenlet/greenlet/native";
 * import assert from "node:assert/strict";
 *
 * const data = new Uint8Array([1, 2, 3]);
 * const slot = new BigUint64Array(1); // a `void *` C code will read
 * viewAt(pointerOf(slot), 8).setBigUint64(0, addressOf(pointerOf(data)), true);
 * assert.equal(slot[0], addressOf(pointerOf(data)));
 * assert.equal(addressOf(pointerOf(data.subarray(1))), slot[0] + 1n);
 * assert.equal(addressOf(null), 0n);
 * ```
 */
export function addressOf(pointer: NativePointer | object | number): bigint {
  const address = pointerAddress(pointer);
  if (address === undefined) {
    throw new TypeError(
      "Cannot take the address: pointer must be a pointer of this runtime (a Deno.PointerValue " +
        "on Deno, a number on Bun) or null",
    );
  }
  return address;
}

/**
 * This runtime's pointer for an address (null for 0): the inverse of {@link addressOf}, for
 * pointers read out of C memory (an array of `char *`, a struct's pointer field) that are then
 * passed to `viewAt()`, `readCString()` or a C function.
 *
 * @param address a non-negative integer below 2^64 (a number must be a safe integer)
 * @returns the pointer (a `Deno.PointerObject` or null on Deno, a number or null on Bun)
 * @throws {TypeError} when `address` is neither a number nor a bigint
 * @throws {RangeError} when `address` is negative, fractional or too large
 *
 * @example Following a pointer stored in memory
 * ```ts
 * import { addressOf, pointerAt, pointerOf, viewAt } from "@greenlet/greenlet/native";
 * import assert from "node:assert/strict";
 *
 * const target = new Int32Array([42]);
 * const holder = new BigUint64Array([addressOf(pointerOf(target))]); // a `int *` in memory
 * const pointer = pointerAt(holder[0]);
 * assert.equal(viewAt(pointer, 4).getInt32(0, true), 42);
 * assert.equal(pointerAt(0n), null);
 * ```
 */
export function pointerAt(address: bigint | number): NativePointer {
  let big: bigint;
  if (typeof address === "bigint") big = address;
  else if (typeof address === "number" && Number.isSafeInteger(address)) big = BigInt(address);
  else if (typeof address === "number") {
    throw new RangeError(`Cannot make a pointer: ${address} is not a safe integer`);
  } else {
    throw new TypeError(
      `Cannot make a pointer: the address must be a number or a bigint, not ${typeof address}`,
    );
  }
  if (big < 0n || big >= 1n << 64n) {
    throw new RangeError(`Cannot make a pointer: ${big} is not an address (0 to 2^64 - 1)`);
  }
  return foreign().pointerAt(big);
}
