// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { joinAll, killAll, sleep, spawn } from "../../hub/mod.ts";
import { assertHealthy } from "../../testing/healthy.ts";
import { run } from "./_run.ts";

describe("joinAll", () => {
  it("waits for all and returns them in the order they finished", async () => {
    await run(function* () {
      const tasks = [3, 1, 2].map((ms) =>
        spawn(function* () {
          yield* sleep(ms);
          return ms;
        })
      );
      const done = yield* joinAll(tasks);
      assert.deepEqual(done.map((t) => t.value), [1, 2, 3]);
    });
    assertHealthy();
  });

  it("count, timeout and raiseError", async () => {
    const error = new Error("failed");
    await run(function* () {
      const slow = spawn(function* () {
        yield* sleep(10_000);
      });
      const fast = spawn(function* () {
        yield* sleep(1);
      });
      assert.deepEqual(yield* joinAll([slow, fast], { count: 1 }), [fast]);
      assert.deepEqual(yield* joinAll([slow, fast], { timeout: 1 }), [fast]);
      const failing = spawn(function* () {
        yield* sleep(1);
        throw error;
      });
      try {
        yield* joinAll([slow, failing], { raiseError: true });
        assert.fail("no error raised");
      } catch (e) {
        assert.equal(e, error);
      }
      yield* killAll([slow]);
      assert.equal(slow.ready(), true);
    });
    assertHealthy();
  });

  it("works from ordinary code", async () => {
    const tasks = [1, 2].map((n) =>
      spawn(function* () {
        return n;
      })
    );
    assert.equal((await joinAll(tasks)).length, 2);
    assert.throws(() => joinAll(tasks, { count: -1 }), RangeError);
    assertHealthy();
  });
});
