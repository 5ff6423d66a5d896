// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { AsyncResult, sleep, spawn, Timeout } from "../../hub/mod.ts";
import { assertHealthy } from "../../testing/healthy.ts";
import { run } from "./_run.ts";

describe("AsyncResult", () => {
  it("get() waits for set() and every waiter gets the value", async () => {
    const result = new AsyncResult<number>();
    await run(function* () {
      const readers = [1, 2].map(() =>
        spawn(function* () {
          return yield* result.get();
        })
      );
      yield* sleep(0);
      assert.equal(result.ready(), false);
      result.set(9);
      assert.deepEqual([yield* readers[0].get(), yield* readers[1].get()], [9, 9]);
      assert.equal(result.successful(), true);
      assert.equal(result.value, 9);
    });
    assertHealthy();
  });

  it("setError() makes get() raise it and wait() return true", async () => {
    const result = new AsyncResult<number>();
    const error = new Error("failed");
    await run(function* () {
      const reader = spawn(function* () {
        return yield* result.get();
      });
      const waiter = spawn(function* () {
        return yield* result.wait();
      });
      yield* sleep(0);
      result.setError(error);
      yield* reader.join();
      assert.equal(reader.exception, error);
      assert.equal(yield* waiter.get(), true);
      assert.equal(result.exception, error);
    });
    await assert.rejects(result.promise, (e) => e === error);
    assertHealthy();
  });

  it("timeouts: get() raises Timeout, wait() returns false", async () => {
    const result = new AsyncResult<number>();
    await run(function* () {
      assert.equal(yield* result.wait({ timeout: 1 }), false);
      try {
        yield* result.get({ timeout: 1 });
        assert.fail("no timeout");
      } catch (e) {
        assert.ok(e instanceof Timeout);
      }
    });
    assertHealthy();
  });

  it("promise settles for ordinary code", async () => {
    const result = new AsyncResult<string>();
    spawn(function* () {
      yield* sleep(1);
      result.set("later");
    });
    assert.equal(await result.promise, "later");
    assert.equal(await result.get(), "later");
    assertHealthy();
  });
});
