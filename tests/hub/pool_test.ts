// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Pool, sleep } from "../../hub/mod.ts";
import { assertHealthy } from "../../testing/healthy.ts";
import { run } from "./_run.ts";

describe("Pool", () => {
  it("runs at most size tasks at once; spawn() waits for a slot", async () => {
    const pool = new Pool(2);
    let running = 0;
    let peak = 0;
    await run(function* () {
      for (let i = 0; i < 7; i++) {
        yield* pool.spawn(function* () {
          peak = Math.max(peak, ++running);
          yield* sleep(1);
          running--;
        });
        assert.ok(pool.free >= 0);
      }
      assert.equal(yield* pool.join(), true);
    });
    assert.equal(peak, 2);
    assert.equal(pool.free, 2);
    assert.equal(pool.tasks.size, 0);
    assertHealthy();
  });

  it("kill() stops every task; a failed task frees its slot", async () => {
    const pool = new Pool(2);
    await run(function* () {
      const failing = yield* pool.spawn(function* () {
        throw new Error("x");
      });
      yield* failing.join();
      assert.equal(pool.free, 2);
      yield* pool.spawn(function* () {
        yield* sleep(10_000);
      });
      yield* pool.spawn(function* () {
        yield* sleep(10_000);
      });
      assert.equal(pool.free, 0);
      yield* pool.kill();
      assert.equal(pool.free, 2);
    });
    assert.throws(() => new Pool(0), RangeError);
    assertHealthy();
  });

  it("works from ordinary code", async () => {
    const pool = new Pool(1);
    const t = await pool.spawn(function* () {
      return "pooled";
    });
    assert.equal(await t.get(), "pooled");
    assert.equal(await pool.join(), true);
    assertHealthy();
  });
});
