// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// What a C function pointer looks like on this runtime: a Deno.PointerObject on Deno, a number
// on Bun. The one place outside the adapters that reads one.

import type { NativePointer } from "./_binding.ts";
import { runtimeKey } from "./_runtime.ts";

/**
 * The address of `value` as a bigint when it is this runtime's non-null pointer, 0n for a null
 * pointer (`null` or `0`), and undefined when it is no pointer at all.
 */
export function pointerAddress(value: unknown): bigint | undefined {
  if (value === null || value === 0) return 0n;
  if (runtimeKey === "bun") {
    return typeof value === "number" && Number.isSafeInteger(value) && value > 0
      ? BigInt(value)
      : undefined;
  }
  if (runtimeKey === "deno" && typeof value === "object") {
    try {
      return Deno.UnsafePointer.value(value as Deno.PointerObject);
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** `value` typed as a pointer for the binding, once pointerAddress() accepted it. */
export function asNativePointer(value: unknown): NativePointer {
  return value as NativePointer;
}
