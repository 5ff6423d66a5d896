// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// callNative(): a C function on a pooled native greenlet, awaited from ordinary code or
// entered with yield* in a body.

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { awaitOnly, getcurrent, Greenlet, greenletSpawn } from "../../mod.ts";
import { callNative, type LoadedLibrary, loadLibrary, nativeCallback } from "../../native.ts";
import { assertHealthy } from "../../testing/healthy.ts";
import {
  type Baseline,
  baseline,
  bridgeTable,
  fixturePath,
  libcName,
  libcTable,
} from "./_bridge.ts";

const sumSignature = { parameters: ["i32"], result: "i32" } as const;

describe("callNative()", () => {
  let base: Baseline;
  let libc: LoadedLibrary<typeof libcTable>;
  let fx: LoadedLibrary<typeof bridgeTable>;
  before(async () => {
    base = await baseline();
    libc = loadLibrary(libcName, libcTable);
    fx = loadLibrary(fixturePath(), bridgeTable);
  });
  after(() => {
    libc.close();
    fx.close();
    base.check();
    base.close();
  });

  it("is awaitable from ordinary code; handlers may await while the C code waits", async () => {
    assert.equal(await callNative(libc.symbols.abs, [-3]), 3);
    const names: string[] = [];
    using slow = nativeCallback(sumSignature, function* (i) {
      names.push(getcurrent().name);
      return yield* awaitOnly(Promise.resolve(i + 1));
    });
    const result = callNative(fx.symbols.test_bridge_sum, [slow, 3], { name: "summer" });
    assert.ok(result instanceof Promise);
    assert.equal(await result, 6n);
    assert.deepEqual(names, ["summer", "summer", "summer"]);
    assertHealthy();
  });

  it("is entered with yield* in a body: a child of the body, its result returned there", async () => {
    let parentOfCall: Greenlet | null = null;
    using ask = nativeCallback(sumSignature, function* (i) {
      parentOfCall = getcurrent().parent;
      return yield* awaitOnly(Promise.resolve(10 * i));
    });
    let body: Greenlet | undefined;
    const total = await greenletSpawn(function* () {
      body = getcurrent();
      const sum = yield* callNative(fx.symbols.test_bridge_sum, [ask, 3], { stackSize: 65536 });
      const absolute = yield* callNative(libc.symbols.abs, [-7]);
      return sum + BigInt(absolute);
    });
    assert.equal(total, 37n);
    assert.equal(parentOfCall, body);
    // Under a synchronous driver too, when no handler awaits.
    const g = new Greenlet(function* () {
      return yield* callNative(libc.symbols.abs, [-9]);
    });
    assert.equal(g.switchSync(), 9);
    assertHealthy();
  });

  it("refuses what is not a call: TypeError at once, bad arguments where it starts", async () => {
    assert.throws(() => callNative({} as never, []), TypeError);
    assert.throws(() => callNative(libc.symbols.abs, 1 as never), TypeError);
    await assert.rejects(callNative(libc.symbols.abs, ["x" as never]), TypeError);
    const boom = new Error("boom");
    using failing = nativeCallback(sumSignature, () => {
      throw boom;
    });
    await assert.rejects(callNative(fx.symbols.test_bridge_sum, [failing, 2]), (e) => e === boom);
    assertHealthy();
  });
});
