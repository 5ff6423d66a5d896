// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.

import type { NativePointer } from "../ffi/_binding.ts";
import { foreign } from "./_native_host.ts";

/**
 * The address of a buffer's first byte as this runtime's pointer (null for an empty buffer).
 * The buffer does not move from then on; keep it referenced for as long as C uses the pointer.
 * (A `"buffer"` argument does this for you.)
 *
 * @param buffer an ArrayBuffer or a view of one
 * @returns its address (a `Deno.PointerObject` on Deno, a number on Bun)
 * @throws {TypeError} when `buffer` is neither an ArrayBuffer nor an ArrayBufferView
 *
 * @example Reading a buffer back through its pointer
 * ```ts
 * import { pointerOf, viewAt } from "@greenlet/greenlet/native";
 * import assert from "node:assert/strict";
 *
 * const numbers = new Int32Array([7, 8]);
 * assert.equal(viewAt(pointerOf(numbers), 8).getInt32(4, true), 8);
 * ```
 */
export function pointerOf(buffer: ArrayBuffer | ArrayBufferView): NativePointer {
  if (!(buffer instanceof ArrayBuffer) && !ArrayBuffer.isView(buffer)) {
    throw new TypeError("Cannot take the pointer: expected an ArrayBuffer or an ArrayBufferView");
  }
  const runtime = foreign();
  return runtime.pointerAt(runtime.bufferAddress(buffer));
}
