// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.

import type { NativeArguments, NativeResult, NativeSignature } from "./_native_signature.ts";
import { isStepBlocked } from "./_trampoline.ts";
import { functionParts, type NativeFunction } from "./native_function.ts";
import { NativeGreenlet } from "./native_greenlet.ts";
import type { Instruction, Step } from "./types.ts";

/** Options for {@link callNative}. */
export interface CallNativeOptions {
  /**
   * Usable stack bytes of the native greenlet, rounded up to 64 KiB; 0 takes the library's
   * default (1 MiB). Stacks come from the library's pool and go back to it.
   * @default 0
   */
  stackSize?: number;
  /** The native greenlet's name (for tracers and the tree dump); the symbol's name by default. */
  name?: string;
}

/**
 * What {@link callNative} returns: in a greenlet body a step to enter with `yield*`, in ordinary
 * code a promise.
 *
 * @typeParam T the decoded result
 *
 * @example Both forms
 * ```ts
 * import { Greenlet } from "@greenlet/greenlet";
 * import { callNative, loadLibrary } from "@greenlet/greenlet/native";
 * import assert from "node:assert/strict";
 *
 * const libcName = Deno.build.os === "darwin" ? "libSystem.B.dylib" : "libc.so.6";
 * using libc = loadLibrary(libcName, { abs: { parameters: ["i32"], result: "i32" } });
 * assert.equal(await callNative(libc.symbols.abs, [-1]), 1); // ordinary code
 * const g = new Greenlet(function* () {
 *   return yield* callNative(libc.symbols.abs, [-2]); // a body
 * });
 * assert.equal(g.switchSync(), 2);
 * ```
 */
export type NativeCall<T> = Step<T> & Promise<T>;

/**
 * Calls a C function on a new native greenlet (its stack from the library's pool) and gives
 * its result: the one-liner for a C function whose callbacks JS answers. In a greenlet body,
 * `yield* callNative(...)` runs it as a child of the body, whose callbacks' handlers may switch
 * and await as the body may; from ordinary code, `await callNative(...)` runs it under
 * `switchAsync()`, so handlers may `yield* awaitOnly()` while the C code stays suspended.
 *
 * @typeParam S the function's signature
 * @param fn the C function (from `loadLibrary()` or `nativeFunction()`)
 * @param args its arguments, typed by its signature (buffers stay referenced while it runs)
 * @param options stack size and name
 * @returns a step (in a body) or a promise (ordinary code) of the decoded result
 * @throws {TypeError} when `fn` is not a NativeFunction or `args` is not an array; a wrong
 *   argument is a TypeError or RangeError raised where the result is awaited or entered
 *
 * @example A C call whose callback awaits
 * ```ts
 * import { awaitOnly } from "@greenlet/greenlet";
 * import { callNative, loadLibrary, nativeCallback, viewAt } from "@greenlet/greenlet/native";
 * import assert from "node:assert/strict";
 *
 * const libcName = Deno.build.os === "darwin" ? "libSystem.B.dylib" : "libc.so.6";
 * using libc = loadLibrary(libcName, {
 *   qsort: { parameters: ["buffer", "usize", "usize", "function"], result: "void" },
 * });
 * using compare = nativeCallback(
 *   { parameters: ["pointer", "pointer"], result: "i32" },
 *   function* (a, b) {
 *     yield* awaitOnly(Promise.resolve()); // the sort stays suspended meanwhile
 *     return viewAt(a, 4).getInt32(0, true) - viewAt(b, 4).getInt32(0, true);
 *   },
 * );
 * const numbers = new Int32Array([5, 3, 4]);
 * await callNative(libc.symbols.qsort, [numbers, 3, 4, compare]);
 * assert.deepEqual([...numbers], [3, 4, 5]);
 * ```
 */
export function callNative<const S extends NativeSignature>(
  fn: NativeFunction<S>,
  args: NativeArguments<S>,
  options?: CallNativeOptions,
): NativeCall<NativeResult<S["result"]>> {
  if (functionParts(fn) === undefined) {
    throw new TypeError(
      "Cannot call native: fn must be a NativeFunction (from loadLibrary() or nativeFunction())",
    );
  }
  if (!Array.isArray(args)) {
    throw new TypeError("Cannot call native: args must be an array of the C arguments");
  }
  const greenletOptions = { stackSize: options?.stackSize, name: options?.name };
  if (isStepBlocked()) {
    // Ordinary code: an async driver.
    const g = new NativeGreenlet(fn, greenletOptions);
    return g.switchAsync(...(args as unknown[])) as unknown as NativeCall<
      NativeResult<S["result"]>
    >;
  }
  return inBody(fn, args as unknown[], greenletOptions) as unknown as NativeCall<
    NativeResult<S["result"]>
  >;
}

function* inBody(
  fn: NativeFunction,
  args: unknown[],
  options: { stackSize?: number; name?: string },
): Generator<Instruction, unknown, unknown> {
  const g = new NativeGreenlet(fn, options);
  return yield* g.switch(...args);
}
