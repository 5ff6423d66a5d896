// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Lock, Semaphore, sleep, spawn } from "../../hub/mod.ts";
import { assertHealthy } from "../../testing/healthy.ts";
import { run } from "./_run.ts";

describe("Semaphore and Lock", () => {
  it("a lock is exclusive and hands over in FIFO order (no barging)", async () => {
    const lock = new Lock();
    const log: string[] = [];
    await run(function* () {
      yield* lock.acquire();
      const waiters = ["a", "b"].map((name) =>
        spawn(function* () {
          yield* lock.acquire();
          log.push(name);
          yield* sleep(0);
          lock.release();
        })
      );
      yield* sleep(0);
      assert.equal(lock.locked(), true);
      lock.release();
      // released to "a": a new caller cannot take it meanwhile
      assert.equal(lock.tryAcquire(), false);
      for (const w of waiters) yield* w.join();
      assert.equal(lock.locked(), false);
    });
    assert.deepEqual(log, ["a", "b"]);
    assertHealthy();
  });

  it("a semaphore admits at most its value at once", async () => {
    const slots = new Semaphore(3);
    let running = 0;
    let peak = 0;
    await run(function* () {
      const tasks = Array.from({ length: 10 }, () =>
        spawn(function* () {
          yield* slots.acquire();
          peak = Math.max(peak, ++running);
          yield* sleep(1);
          running--;
          slots.release();
        }));
      for (const t of tasks) yield* t.join();
    });
    assert.equal(peak, 3);
    assert.equal(slots.free, 3);
    assertHealthy();
  });

  it("acquire() with a timeout returns false; release() unheld is LOCK_NOT_HELD", async () => {
    const lock = new Lock();
    await run(function* () {
      yield* lock.acquire();
      assert.equal(yield* lock.acquire({ timeout: 1 }), false);
      lock.release();
    });
    assert.throws(() => lock.release(), { code: "LOCK_NOT_HELD" });
    assert.throws(() => new Semaphore(0), RangeError);
    assertHealthy();
  });
});
