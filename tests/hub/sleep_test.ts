// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { sleep, spawn } from "../../hub/mod.ts";
import { assertHealthy } from "../../testing/healthy.ts";
import { run } from "./_run.ts";

describe("sleep", () => {
  it("sleep(ms) waits at least ms (by the hub's clock)", async () => {
    await run(function* () {
      const start = performance.now();
      yield* sleep(5);
      assert.ok(performance.now() - start >= 4);
    });
    assertHealthy();
  });

  it("sleep(0) lets every other ready task run once", async () => {
    const log: string[] = [];
    await run(function* () {
      spawn(function* () {
        log.push("other");
      });
      log.push("before");
      yield* sleep(0);
      log.push("after");
    });
    assert.deepEqual(log, ["before", "other", "after"]);
    assertHealthy();
  });

  it("works from ordinary code and rejects bad delays", async () => {
    await sleep(1);
    assert.throws(() => sleep(-1), RangeError);
    assert.throws(() => sleep(Number.NaN), RangeError);
    assertHealthy();
  });
});
