// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { sleep, spawn } from "../../hub/mod.ts";
import { assertHealthy } from "../../testing/healthy.ts";
import { run } from "./_run.ts";

describe("sleep", () => {
  it("sleep(ms) wakes after shorter sleeps and after tasks that only yield", async () => {
    const log: string[] = [];
    await run(function* () {
      const yielder = spawn(function* () {
        for (let i = 0; i < 3; i++) {
          log.push(`yield ${i}`);
          yield* sleep(0);
        }
      });
      const short = spawn(function* () {
        yield* sleep(1);
        log.push("slept 1");
      });
      // Let `short` register its 1 ms sleep first: its deadline is then earlier on the
      // monotonic clock however long the machine stalls (no wall-clock assumption).
      yield* sleep(0);
      yield* sleep(5);
      log.push("slept 5");
      yield* yielder.join();
      yield* short.join();
    });
    // Timers fire in deadline order; how they interleave with the yielding task depends on
    // how long each batch took, so only the orders that do not are asserted.
    assert.deepEqual(log.filter((line) => line.startsWith("yield")), [
      "yield 0",
      "yield 1",
      "yield 2",
    ]);
    assert.deepEqual(log.filter((line) => line.startsWith("slept")), ["slept 1", "slept 5"]);
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
