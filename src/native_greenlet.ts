// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.

import type { NativePointer } from "../ffi/_binding.ts";
import { asNativePointer, pointerAddress } from "../ffi/_pointer.ts";
import { nativeBody, type NativeState } from "./_native_transfer.ts";
import { Greenlet, type GreenletKind, type GreenletOptions } from "./greenlet.ts";
import { functionParts, type NativeFunction } from "./native_function.ts";

/** Reads a native greenlet's private state (set by the class's static block). */
let stateOf: (g: Greenlet) => NativeState | undefined;

/** Options for {@link NativeGreenlet}. */
export interface NativeGreenletOptions extends Omit<GreenletOptions, "context"> {
  /**
   * The entry form's `arg`: a non-negative integer passed as is (not through the value table).
   * A {@link NativeFunction} takes its arguments from the starting switch instead.
   * @default 0
   */
  arg?: number | bigint;
  /**
   * Usable stack bytes, rounded up to 64 KiB; 0 takes the library's default (1 MiB). Above
   * 1 GiB the library refuses it when the greenlet starts (`GreenletError` `NATIVE_CALL`).
   * @default 0
   */
  stackSize?: number;
}

/**
 * A greenlet whose body is a C function run on its own native stack: a {@link NativeFunction}
 * (from `loadLibrary()` or `nativeFunction()`), whose arguments come from the switch that starts
 * the greenlet and whose result (decoded by its type) goes to the parent; or, in the entry
 * form, the library's `greenlet_entry`,
 * `uint32_t entry(uintptr_t arg, uintptr_t value, uintptr_t *result)`, given as a function
 * pointer from your own `Deno.dlopen` / bun:ffi `dlopen`. Its callbacks (`nativeCallback()`)
 * are answered by JS as part of this greenlet. It is a `Greenlet`
 * (`kind` is `"native"`) in the same tree as JS greenlets: switch into it, throw into it, kill
 * it, trace it. Values cross the boundary as described in docs/native_greenlets.md: small
 * non-negative integers as themselves, anything else as an id in a per-agent table.
 *
 * The C function switches to its parent with `greenlet_switch` (the parent it sees is the JS
 * side); the JS parent receives the value. It finishes by returning a `greenlet_tag`: its
 * result goes to the JS parent, a `GREENLET_TAG_THROW` result is raised there.
 *
 * @example Running libc's ldexp by signature
 * ```ts
 * import { loadLibrary, NativeGreenlet } from "@greenlet/greenlet/native";
 * import assert from "node:assert/strict";
 *
 * const libcName = Deno.build.os === "darwin" ? "libSystem.B.dylib" : "libm.so.6";
 * using libm = loadLibrary(libcName, { ldexp: { parameters: ["f64", "i32"], result: "f64" } });
 * const g = new NativeGreenlet(libm.symbols.ldexp, { stackSize: 64 * 1024 });
 * assert.equal(g.switchSync(1.5, 4), 24);
 * assert.equal(g.dead, true);
 * ```
 *
 * @example Running a C body from a library you opened (a sketch: the library is yours)
 * ```ts ignore
 * import { NativeGreenlet } from "@greenlet/greenlet/native";
 *
 * const lib = Deno.dlopen("./libbodies.so", { my_body: { type: "pointer" } });
 * const g = new NativeGreenlet(lib.symbols.my_body, { stackSize: 256 * 1024 });
 * console.log(g.switchSync(41)); // whatever my_body sends to its parent or returns
 * ```
 */
export class NativeGreenlet extends Greenlet {
  /**
   * Creates a pending native greenlet; its C greenlet is created when it starts.
   *
   * @param entry the C function: a {@link NativeFunction}, or a `greenlet_entry` pointer (a
   *   `Deno.PointerValue` on Deno, a number (`.ptr`) on Bun)
   * @param options parent, name, `arg` (entry form) and `stackSize`
   * @throws {TypeError} when `entry` is neither a NativeFunction nor a pointer, or is null, or
   *   an option is malformed
   * @throws {RangeError} when `arg` or `stackSize` is out of range
   */
  constructor(entry: NativeFunction | NativePointer | unknown, options?: NativeGreenletOptions) {
    const { state, name } = nativeState(entry, options);
    super(nativeBody(state), {
      parent: options?.parent,
      name: options?.name ?? name,
      context: "empty",
    });
    this.#state = state;
  }

  /** The C side (a private field: a WeakMap entry per greenlet cost a third of a create/finish). */
  readonly #state: NativeState;

  static {
    stateOf = (g) => #state in g ? g.#state : undefined;
    // `run` stays readable (the trampoline starts the greenlet through it) but its body is the
    // C function: replacing it would make a JS greenlet that says it is native.
    const inherited = Object.getOwnPropertyDescriptor(Greenlet.prototype, "run")!;
    Object.defineProperty(NativeGreenlet.prototype, "run", {
      configurable: true,
      get: inherited.get,
      set(): void {
        throw new TypeError("Cannot set run on a native greenlet: its body is its C function");
      },
    });
  }

  /** Always `"native"`. */
  override get kind(): GreenletKind {
    return "native";
  }
}

/** The C side of a new native greenlet, and its default name. */
function nativeState(
  entry: unknown,
  options: NativeGreenletOptions | undefined,
): { state: NativeState; name: string } {
  const function_ = functionParts(entry);
  let pointer: NativePointer = null;
  let name: string;
  if (function_ !== undefined) {
    if (options?.arg !== undefined) {
      throw new TypeError(
        `Cannot create native greenlet: arg is for greenlet_entry bodies; ${function_.name} ` +
          "takes its arguments from the switch that starts it",
      );
    }
    name = function_.name;
  } else {
    const address = pointerAddress(entry);
    if (address === undefined) {
      throw new TypeError(
        "Cannot create native greenlet: entry must be a NativeFunction or a C function " +
          "pointer (a Deno.PointerValue on Deno, a symbol's .ptr number on Bun)",
      );
    }
    if (address === 0n) {
      throw new TypeError("Cannot create native greenlet: entry is a null pointer");
    }
    pointer = asNativePointer(entry);
    name = `native@0x${address.toString(16)}`;
  }
  const state: NativeState = {
    entry: pointer,
    function: function_ ?? null,
    arg: function_ === undefined ? checkedArg(options?.arg) : 0n,
    stackBytes: BigInt(checkedStackSize(options?.stackSize)),
    slot: 0,
    generation: 0,
    owned: [],
    keep: [],
  };
  return { state, name };
}

/** The C side of a native greenlet (for tests): its handle, 0/0 before start and once dead. */
export function nativeStateOf(g: Greenlet): Readonly<NativeState> | undefined {
  return stateOf(g);
}

function checkedArg(arg: unknown): bigint {
  if (arg === undefined) return 0n;
  if (typeof arg === "number" && Number.isSafeInteger(arg) && arg >= 0) return BigInt(arg);
  if (typeof arg === "bigint" && arg >= 0n && arg < 1n << 64n) return arg;
  if (typeof arg === "number" || typeof arg === "bigint") {
    throw new RangeError(
      `Cannot create native greenlet: arg must be a non-negative integer below 2^64, not ${arg}`,
    );
  }
  throw new TypeError(`Cannot create native greenlet: arg must be a number or bigint`);
}

function checkedStackSize(size: unknown): number {
  if (size === undefined) return 0;
  if (typeof size !== "number") {
    throw new TypeError("Cannot create native greenlet: stackSize must be a number of bytes");
  }
  if (!Number.isSafeInteger(size) || size < 0) {
    throw new RangeError(
      `Cannot create native greenlet: stackSize must be a non-negative integer, not ${size}`,
    );
  }
  return size;
}
