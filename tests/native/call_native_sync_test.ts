// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// callNativeSync(): a C function called synchronously on the main stack through the runtime's
// own FFI, with callNative()'s argument and result conversions.

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import { awaitOnly, type GreenletError, setUnraisableHook, type Unraisable } from "../../mod.ts";
import {
  callNative,
  callNativeSync,
  type LoadedLibrary,
  loadLibrary,
  nativeCallback,
  type NativeFunction,
  readCString,
  viewAt,
} from "../../native.ts";
import { assertHealthy } from "../../testing/healthy.ts";
import { type Baseline, baseline, type bridgeTable, libcName, libcTable } from "./_bridge.ts";

const getenvTable = { getenv: { parameters: ["buffer"], result: "pointer" } } as const;

describe("callNativeSync()", () => {
  let base: Baseline;
  let libc: LoadedLibrary<typeof libcTable & typeof getenvTable>;
  let fx: LoadedLibrary<typeof bridgeTable>;
  before(async () => {
    base = await baseline();
    libc = loadLibrary(libcName, { ...libcTable, ...getenvTable });
    fx = base.fx;
  });
  after(() => {
    libc.close();
    base.end();
  });

  it("gives the same results as callNative() for every type of value", async () => {
    const calls = [
      [fx.symbols.test_bridge_mix, [-3, 0.5, 0xffff_fff0, 1.25]],
      [fx.symbols.test_bridge_wide, [-(2n ** 62n), 2n ** 63n + 5n]],
      [fx.symbols.test_bridge_narrow, [0x1ff]],
      [fx.symbols.test_bridge_greater, [2.5, 1]],
      [libc.symbols.strlen, [new TextEncoder().encode("four\0")]],
      [libc.symbols.abs, [-7]],
    ] as const;
    type Loose = (fn: NativeFunction, args: unknown[]) => unknown;
    for (const [fn, args] of calls) {
      const sync = (callNativeSync as Loose)(fn, [...args]);
      const onGreenlet = await (callNative as Loose)(fn, [...args]);
      assert.deepEqual(sync, onGreenlet, fn.name);
    }
    assert.equal(callNativeSync(fx.symbols.test_bridge_narrow, [0x1ff]), -1);
    assert.equal(callNativeSync(libc.symbols.strlen, [new TextEncoder().encode("four\0")]), 4n);
  });

  it("returns pointers as this runtime's pointers, null for NULL", () => {
    const name = (text: string): Uint8Array => new TextEncoder().encode(`${text}\0`);
    const path = callNativeSync(libc.symbols.getenv, [name("PATH")]);
    assert.notEqual(path, null);
    assert.equal(readCString(path), process.env.PATH);
    assert.equal(callNativeSync(libc.symbols.getenv, [name("GREENLET_SURELY_UNSET_42")]), null);
  });

  it("runs a callback's handler on the main stack; switching there is refused", () => {
    let compares = 0;
    using compare = nativeCallback(
      { parameters: ["pointer", "pointer"], result: "i32" },
      (a, b) => {
        compares++;
        return Math.sign(viewAt(a, 4).getInt32(0, true) - viewAt(b, 4).getInt32(0, true));
      },
    );
    const values = Int32Array.of(4, -1, 3, 9, 0);
    callNativeSync(libc.symbols.qsort, [values, values.length, 4, compare]);
    assert.deepEqual([...values], [-1, 0, 3, 4, 9]);
    assert.ok(compares > 0);
    using waits = nativeCallback(
      { parameters: ["i32"], result: "i32", fallback: -1 },
      function* (i) {
        yield* awaitOnly(Promise.resolve());
        return i;
      },
    );
    const reports: Unraisable[] = [];
    const previous = setUnraisableHook((report) => void reports.push(report));
    try {
      assert.equal(callNativeSync(fx.symbols.test_bridge_sum, [waits, 2]), -2n, "the fallbacks");
    } finally {
      setUnraisableHook(previous);
    }
    assert.deepEqual(
      reports.map((r) => (r.error as GreenletError).code),
      ["CALLBACK_ON_MAIN_STACK", "CALLBACK_ON_MAIN_STACK"],
    );
    assertHealthy();
  });

  it("refuses what is not a NativeFunction, a wrong argument count or type, a closed library", () => {
    const loose = callNativeSync as (fn: unknown, args: unknown) => unknown;
    assert.throws(() => loose(() => 1, []), TypeError);
    assert.throws(() => loose(libc.symbols.abs, []), /args must be an array of its 1 C argument$/);
    assert.throws(() => loose(libc.symbols.abs, ["1"]), TypeError);
    assert.throws(() => loose(libc.symbols.abs, [2 ** 31]), RangeError);
    assert.throws(() => loose(libc.symbols.strlen, [42]), TypeError);
    const closed = loadLibrary(libcName, { abs: libcTable.abs });
    closed.close();
    assert.throws(
      () => callNativeSync(closed.symbols.abs, [1]),
      (e) => (e as GreenletError).code === "NATIVE_CLOSED",
    );
    assertHealthy();
  });
});
