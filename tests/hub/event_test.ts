// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Event, sleep, spawn } from "../../hub/mod.ts";
import { assertHealthy } from "../../testing/healthy.ts";
import { run } from "./_run.ts";

describe("Event", () => {
  it("set() wakes every waiter in order; wait() returns at once while set", async () => {
    const event = new Event();
    const log: number[] = [];
    await run(function* () {
      const waiters = [1, 2, 3].map((n) =>
        spawn(function* () {
          assert.equal(yield* event.wait(), true);
          log.push(n);
        })
      );
      yield* sleep(0);
      assert.deepEqual(log, []);
      event.set();
      assert.equal(event.isSet(), true);
      for (const w of waiters) yield* w.join();
      assert.equal(yield* event.wait(), true);
      event.clear();
      assert.equal(event.isSet(), false);
      assert.equal(yield* event.wait({ timeout: 1 }), false);
    });
    assert.deepEqual(log, [1, 2, 3]);
    assertHealthy();
  });

  it("a waiter killed or timed out is taken off the list", async () => {
    const event = new Event();
    await run(function* () {
      const t = spawn(function* () {
        yield* event.wait();
      });
      yield* sleep(0);
      yield* t.kill();
      assert.equal(yield* event.wait({ timeout: 1 }), false);
      event.set();
    });
    assertHealthy();
  });

  it("works from ordinary code", async () => {
    const event = new Event();
    spawn(function* () {
      yield* sleep(1);
      event.set();
    });
    assert.equal(await event.wait(), true);
    assertHealthy();
  });
});
