// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// callNative(): a C function on a pooled native greenlet, awaited from ordinary code or
// entered with yield* in a body.

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { awaitOnly, getcurrent, Greenlet, greenletSpawn } from "../../mod.ts";
import { sleep, spawn } from "../../hub/mod.ts";
import { callNative, nativeCallback } from "../../native.ts";
import { assertHealthy } from "../../testing/healthy.ts";
import { type Baseline, baseline } from "./_bridge.ts";

const sumSignature = { parameters: ["i32"], result: "i32" } as const;

describe("callNative()", () => {
  let base: Baseline;
  before(async () => {
    base = await baseline();
  });
  after(() => base.end());

  it("is awaitable from ordinary code; handlers may await while the C code waits", async () => {
    assert.equal(await callNative(base.libc.symbols.abs, [-3]), 3);
    const names: string[] = [];
    using slow = nativeCallback(sumSignature, function* (i) {
      names.push(getcurrent().name);
      return yield* awaitOnly(Promise.resolve(i + 1));
    });
    const result = callNative(base.fx.symbols.test_bridge_sum, [slow, 3], { name: "summer" });
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
      const sum = yield* callNative(base.fx.symbols.test_bridge_sum, [ask, 3], {
        stackSize: 65536,
      });
      const absolute = yield* callNative(base.libc.symbols.abs, [-7]);
      return sum + BigInt(absolute);
    });
    assert.equal(total, 37n);
    assert.equal(parentOfCall, body);
    // Under a synchronous driver too, when no handler awaits.
    const g = new Greenlet(function* () {
      return yield* callNative(base.libc.symbols.abs, [-9]);
    });
    assert.equal(g.switchSync(), 9);
    assertHealthy();
  });

  it("nests: a handler calls C on a native greenlet of its own, whose callbacks JS answers", () => {
    const fx = base.fx.symbols;
    using inner = nativeCallback(sumSignature, (j) => j + 1);
    using outer = nativeCallback(sumSignature, (i) =>
      // A plain function may return an Op too: it runs as a generator handler.
      (function* () {
        return Number(yield* callNative(fx.test_bridge_sum, [inner, i + 1]));
      })());
    const g = new Greenlet(function* () {
      return yield* callNative(fx.test_bridge_sum, [outer, 2]);
    });
    assert.equal(g.switchSync(), 4n); // (1) + (1 + 2)
    assertHealthy();
  });

  it("runs in hub tasks: a handler's hub sleep parks only that call while other tasks run", async () => {
    const log: string[] = [];
    using slow = nativeCallback(sumSignature, function* (i) {
      yield* sleep(1);
      log.push(`answer ${i}`);
      return i;
    });
    const fx = base.fx.symbols;
    const call = spawn(function* () {
      log.push(`sum ${yield* callNative(fx.test_bridge_sum, [slow, 3])}`);
    });
    const ticker = spawn(function* () {
      for (let i = 0; i < 2; i++) {
        yield* sleep(1);
        log.push(`tick ${i}`);
      }
    });
    await call.join();
    await ticker.join();
    assert.equal(log.at(-1), "sum 3");
    assert.ok(log.indexOf("tick 0") < log.indexOf("sum 3"), log.join(", "));
    assert.deepEqual(log.filter((line) => line.startsWith("answer")), [
      "answer 0",
      "answer 1",
      "answer 2",
    ]);
    assertHealthy();
  });

  it("refuses what is not a call: TypeError at once, bad arguments where it starts", async () => {
    assert.throws(() => callNative({} as never, []), TypeError);
    assert.throws(() => callNative(base.libc.symbols.abs, 1 as never), TypeError);
    await assert.rejects(callNative(base.libc.symbols.abs, ["x" as never]), TypeError);
    const boom = new Error("boom");
    using failing = nativeCallback(sumSignature, () => {
      throw boom;
    });
    await assert.rejects(
      callNative(base.fx.symbols.test_bridge_sum, [failing, 2]),
      (e) => e === boom,
    );
    assertHealthy();
  });
});
