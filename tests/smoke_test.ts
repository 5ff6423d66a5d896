// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// A fast end-to-end pass over the public API; the detailed suites live beside it.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { awaitOnly, getcurrent, Greenlet, GreenletExit, greenletSpawn } from "../mod.ts";
import { assertHealthy } from "../testing/healthy.ts";

describe("smoke", () => {
  it("switchSync() ping-pongs with a body and delivers its return value", () => {
    const main = getcurrent();
    const g = new Greenlet(function* (a: number) {
      const b = yield* main.switch<number>(a + 1);
      return b * 2;
    });
    assert.equal(g.switchSync(1), 2);
    assert.equal(g.switchSync(5), 10);
    assert.equal(g.dead, true);
    assertHealthy();
  });

  it("throwSync() kills and returns GreenletExit", () => {
    const main = getcurrent();
    const g = new Greenlet(function* () {
      yield* main.switch();
    });
    g.switchSync();
    assert.ok(g.throwSync() instanceof GreenletExit);
    assert.equal(g.dead, true);
    assertHealthy();
  });

  it("greenletSpawn() awaits inside a body", async () => {
    const result = await greenletSpawn(function* (x: number) {
      return (yield* awaitOnly(Promise.resolve(x))) + 1;
    }, 41);
    assert.equal(result, 42);
    assert.equal(
      new Greenlet(function* () {
        return 1;
      }).switchSync(),
      1,
    );
  });
});
