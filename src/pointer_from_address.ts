// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.

import type { NativePointer } from "../ffi/_binding.ts";
import { foreign } from "./_native_host.ts";

/**
 * This runtime's pointer for an address read from C memory (null for 0), for `viewAt()` or a
 * `"pointer"` argument. Nothing checks that the address is valid, as with the runtime's own
 * FFI.
 *
 * @param address the address, a bigint or a safe integer
 * @returns the pointer (a `Deno.PointerObject` on Deno, a number on Bun)
 * @throws {RangeError} when `address` is negative, 2^64 or more, or not an integer
 *
 * @example Following a pointer stored in memory
 * ```ts
 * import { addressOf, pointerFromAddress, pointerOf, viewAt } from "@greenlet/greenlet/native";
 * import assert from "node:assert/strict";
 *
 * const data = new Int32Array([42]);
 * const slot = new BigUint64Array([addressOf(pointerOf(data))]);
 * const pointer = pointerFromAddress(slot[0]);
 * assert.equal(viewAt(pointer, 4).getInt32(0, true), 42);
 * ```
 */
export function pointerFromAddress(address: bigint | number): NativePointer {
  const big = typeof address === "bigint"
    ? address
    : Number.isSafeInteger(address)
    ? BigInt(address)
    : -1n;
  if (typeof address !== "bigint" && typeof address !== "number") {
    throw new TypeError("Cannot make a pointer: address must be a bigint or a number");
  }
  if (big < 0n || big >= 1n << 64n) {
    throw new RangeError(
      `Cannot make a pointer: address must be an integer from 0 to 2^64 - 1, not ${address}`,
    );
  }
  return foreign().pointerAt(big);
}
