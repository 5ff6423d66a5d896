// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Event, joinAll, killAll, sleep, spawn } from "../../hub/mod.ts";
import { assertHealthy } from "../../testing/healthy.ts";
import { run } from "./_run.ts";

describe("joinAll", () => {
  it("waits for all and returns them in the order they finished", async () => {
    await run(function* () {
      // Finish order comes from events set in a known order, not from timers: sleeps of 1, 2
      // and 3 ms can end in the same hub wake-up on a loaded machine.
      const events = new Map([3, 1, 2].map((n) => [n, new Event()]));
      const tasks = [...events].map(([n, event]) =>
        spawn(function* () {
          yield* event.wait();
          return n;
        })
      );
      spawn(function* () {
        for (const n of [1, 2, 3]) {
          events.get(n)!.set();
          yield* sleep(0);
        }
      });
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
