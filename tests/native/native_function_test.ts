// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// C functions by signature: loadLibrary(), nativeFunction() and NativeGreenlet running them,
// arguments from the starting switch and results decoded by type; signature refusals.

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  loadLibrary,
  nativeCallback,
  NativeFunction,
  nativeFunction,
  NativeGreenlet,
} from "../../native.ts";
import { getcurrent, Greenlet, GreenletError } from "../../mod.ts";
import { registerLimits } from "../../src/_native_signature.ts";
import { nativeStateOf } from "../../src/native_greenlet.ts";
import { assertHealthy } from "../../testing/healthy.ts";
import {
  type Baseline,
  baseline,
  bridgeTable,
  fixturePath,
  libcName,
  libcTable,
  libmName,
} from "./_bridge.ts";

describe("loadLibrary() and NativeGreenlet by signature", () => {
  let base: Baseline;
  before(async () => {
    base = await baseline();
  });
  after(() => base.end());

  it("runs libc functions: arguments from the starting switch, results by type", () => {
    using libc = loadLibrary(libcName, libcTable);
    using libm = loadLibrary(libmName, { ldexp: { parameters: ["f64", "i32"], result: "f64" } });
    assert.ok(libc.symbols.abs instanceof NativeFunction);
    assert.equal(libc.symbols.abs.name, "abs");
    const g = new NativeGreenlet(libc.symbols.abs);
    assert.equal(g.name, "abs");
    assert.equal(g.kind, "native");
    assert.equal(g.switchSync(-42), 42);
    assert.equal(g.dead, true);
    const text = new TextEncoder().encode("greenlet\0");
    assert.equal(new NativeGreenlet(libc.symbols.strlen).switchSync(text), 8n);
    assert.equal(new NativeGreenlet(libm.symbols.ldexp).switchSync(0.75, 3), 6);
    assertHealthy();
  });

  it("converts every argument class and result type of the fixture's functions", () => {
    using fx = loadLibrary(fixturePath(), bridgeTable);
    const run = (fn: NativeFunction, ...args: unknown[]): unknown =>
      new NativeGreenlet(fn, { stackSize: 64 * 1024 }).switchSync(...args);
    assert.equal(run(fx.symbols.test_bridge_mix, -3, 0.5, 4_000_000_000, 0.25), 3_999_999_997.75);
    assert.equal(run(fx.symbols.test_bridge_wide, -5n, 7), -12n);
    assert.equal(run(fx.symbols.test_bridge_wide, 0, 2n ** 64n - 1n), 1n);
    assert.equal(run(fx.symbols.test_bridge_narrow, 0x1ff), -1);
    assert.equal(run(fx.symbols.test_bridge_narrow, 0x17f), 127);
    assert.equal(run(fx.symbols.test_bridge_greater, 1.5, 1.25), true);
    assert.equal(run(fx.symbols.test_bridge_greater, 1, 1), false);
  });

  it("the result goes to the JS parent; buffers stay referenced until the greenlet dies", () => {
    using libc = loadLibrary(libcName, libcTable);
    const main = getcurrent();
    let native: NativeGreenlet | undefined;
    using compare = nativeCallback(
      { parameters: ["pointer", "pointer"], result: "i32" },
      function* () {
        // Suspend the sort once: its buffer must be kept while it is suspended.
        const keep = nativeStateOf(native!)!.keep;
        yield* main.switch(keep.length);
        return 0;
      },
    );
    const parent = new Greenlet(function* () {
      const numbers = new Int32Array([2, 1]);
      native = new NativeGreenlet(libc.symbols.qsort);
      return yield* native.switch(numbers, 2, 4, compare);
    });
    assert.equal(parent.switchSync(), 2, "the frame and the buffer are kept");
    assert.equal(native!.parent, parent);
    // Resuming the sort: it finishes into its parent, which returns the result to main.
    assert.equal(native!.switchSync(), undefined, "qsort's void result went to the parent");
    assert.equal(native!.dead, true);
    assert.equal(parent.dead, true);
    assert.equal(nativeStateOf(native!)!.keep.length, 0);
  });

  it("nativeFunction() takes a pointer the runtime gave (here: a callback's)", () => {
    using twice = nativeCallback({ parameters: ["i32"], result: "i32" }, (x) => 2 * x);
    const f = nativeFunction(twice.pointer, { parameters: ["i32"], result: "i32" });
    assert.match(f.name, /^native@0x[0-9a-f]+$/);
    let current: Greenlet | undefined;
    using seen = nativeCallback({ parameters: ["i32"], result: "i32" }, (x) => {
      current = getcurrent();
      return x;
    });
    assert.equal(new NativeGreenlet(f).switchSync(21), 42);
    const g = new NativeGreenlet(nativeFunction(seen.pointer, f.signature));
    assert.equal(g.switchSync(5), 5);
    assert.equal(current, g, "the handler ran as part of the native greenlet");
    assert.throws(() => nativeFunction(null, f.signature), /null pointer/);
    assert.throws(() => nativeFunction("x" as never, f.signature), TypeError);
  });

  it("refuses bad signatures with TypeError and RangeError naming the limit", () => {
    const limits = registerLimits();
    const ints = Array(limits.floats === 0 ? limits.ints + 1 : limits.ints + 1).fill("i32");
    assert.throws(() => loadLibrary(libcName, { abs: { parameters: ints, result: "i32" } }), {
      name: "RangeError",
      message: new RegExp(`${limits.abi} passes at most ${limits.ints}`),
    });
    if (limits.floats !== 0) {
      const floats = Array(limits.floats + 1).fill("f64");
      assert.throws(
        () => loadLibrary(libcName, { abs: { parameters: floats, result: "i32" } }),
        { name: "RangeError", message: /float parameters/ },
      );
    }
    for (
      const bad of [
        { parameters: ["int"], result: "i32" },
        { parameters: ["void"], result: "i32" },
        { parameters: [], result: "double" },
        { parameters: "i32", result: "i32" },
        null,
      ]
    ) {
      assert.throws(() => loadLibrary(libcName, { abs: bad as never }), TypeError);
    }
    assert.throws(() => loadLibrary("", {}), TypeError);
    assert.throws(() => loadLibrary("libdoes-not-exist.so.9", { f: libcTable.abs }));
    assert.deepEqual(registerLimits("win32", "x64"), { abi: "Win64", ints: 4, floats: 0 });
    assert.deepEqual(registerLimits("linux", "arm64"), { abi: "AAPCS64", ints: 8, floats: 8 });
    assert.deepEqual(registerLimits("linux", "riscv64"), {
      abi: "RISC-V LP64D",
      ints: 8,
      floats: 8,
    });
    assertHealthy();
  });

  it("refuses bad arguments where the greenlet starts; it dies, nothing leaks", () => {
    using libc = loadLibrary(libcName, libcTable);
    const cases: [unknown[], string, RegExp][] = [
      [[], "TypeError", /takes 1 argument, not 0/],
      [["1"], "TypeError", /argument 0 must be a number/],
      [[2 ** 31], "RangeError", /argument 0 must be an integer/],
      [[1.5], "RangeError", /argument 0 must be an integer/],
    ];
    for (const [args, name, message] of cases) {
      const g = new NativeGreenlet(libc.symbols.abs);
      assert.throws(() => g.switchSync(...args), { name, message });
      assert.equal(g.dead, true);
    }
    const g = new NativeGreenlet(libc.symbols.strlen);
    assert.throws(() => g.switchSync("text"), { name: "TypeError", message: /ArrayBuffer/ });
    assertHealthy();
  });

  it("a closed library refuses to start its functions; running calls finish first", () => {
    const libc = loadLibrary(libcName, libcTable);
    const main = getcurrent();
    using compare = nativeCallback(
      { parameters: ["pointer", "pointer"], result: "i32" },
      function* () {
        yield* main.switch("suspended");
        return 0;
      },
    );
    const sort = new NativeGreenlet(libc.symbols.qsort);
    assert.equal(sort.switchSync(new Int32Array(2), 2, 4, compare), "suspended");
    libc.close();
    libc.close(); // idempotent
    const abs = new NativeGreenlet(libc.symbols.abs);
    assert.throws(
      () => abs.switchSync(-1),
      (e) =>
        e instanceof GreenletError && e.code === "NATIVE_CLOSED" && /is closed/.test(e.message),
    );
    assert.equal(abs.dead, true);
    assert.equal(sort.switchSync(), undefined, "the running call finished in the closed library");
    assert.equal(sort.dead, true);
    assertHealthy();
  });

  it("bad entries and an arg for a function by signature are TypeErrors", () => {
    assert.throws(() => new NativeGreenlet({} as never), {
      name: "TypeError",
      message: /NativeFunction or a C function pointer/,
    });
    using libc = loadLibrary(libcName, libcTable);
    assert.throws(() => new NativeGreenlet(libc.symbols.abs, { arg: 1 }), {
      name: "TypeError",
      message: /takes its arguments from the switch/,
    });
  });
});
