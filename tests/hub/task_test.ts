// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// Task: join, get, kill, ready/successful/value/exception, link, promise, async dispose.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { awaitOnly, GreenletExit, type Op, setUnraisableHook, type Unraisable } from "../../mod.ts";
import { Event, Pool, sleep, spawn, type Task, Timeout } from "../../hub/mod.ts";
import { assertHealthy } from "../../testing/healthy.ts";
import { run } from "./_run.ts";

describe("Task", () => {
  it("records a value: ready, successful, value; get() returns it", async () => {
    await run(function* () {
      const t = spawn(function* (a: number) {
        yield* sleep(0);
        return a + 1;
      }, 1);
      assert.equal(t.ready(), false);
      assert.equal(yield* t.get(), 2);
      assert.equal(t.ready(), true);
      assert.equal(t.successful(), true);
      assert.equal(t.value, 2);
      assert.equal(t.exception, undefined);
      assert.equal(t.dead, true);
    });
    assertHealthy();
  });

  it("records an error: get() raises the same object, join() returns true", async () => {
    const error = new Error("task failed");
    await run(function* () {
      const t = spawn(function* () {
        yield* sleep(0);
        throw error;
      });
      assert.equal(yield* t.join(), true);
      assert.equal(t.successful(), false);
      assert.equal(t.exception, error);
      try {
        yield* t.get();
        assert.fail("get() did not raise");
      } catch (e) {
        assert.equal(e, error);
      }
    });
    await assert.rejects(
      spawn(function* () {
        throw error;
      }).promise,
      (e) => e === error,
    );
    assertHealthy();
  });

  it("plain (non-generator) functions run as tasks too", async () => {
    assert.equal(await spawn((a: number, b: number) => a * b, 6, 7).get(), 42);
    assertHealthy();
  });

  it("kill() raises GreenletExit where it waits; finally blocks switch and await", async () => {
    const log: string[] = [];
    await run(function* () {
      const t = spawn(function* () {
        try {
          yield* new Event().wait();
        } finally {
          log.push("finally");
          yield* sleep(1);
          const v = yield* awaitOnly(Promise.resolve("awaited"));
          log.push(v);
        }
      });
      yield* sleep(0);
      assert.equal(yield* t.kill(), true);
      assert.equal(t.successful(), true);
      assert.ok((t.value as unknown) instanceof GreenletExit);
    });
    assert.deepEqual(log, ["finally", "awaited"]);
    assertHealthy();
  });

  it("kill() of a task that has not started means it never runs", async () => {
    let ran = false;
    await run(function* () {
      const t = spawn(function* () {
        ran = true;
      });
      yield* t.kill();
      assert.equal(t.ready(), true);
      assert.ok((t.value as unknown) instanceof GreenletExit);
    });
    assert.equal(ran, false);
    assertHealthy();
  });

  it("kill(error) raises that error; kill({ block: false }) does not wait", async () => {
    const error = new Error("stop");
    await run(function* () {
      const t = spawn(function* () {
        yield* sleep(10_000);
      });
      yield* sleep(0);
      assert.equal(yield* t.kill(error, { block: false }), false);
      assert.equal(t.ready(), false);
      yield* t.join();
      assert.equal(t.exception, error);
    });
    assertHealthy();
  });

  it("killing the calling task raises at once", async () => {
    await run(function* () {
      const t: Task<string> = spawn(function* (): Op<string> {
        try {
          yield* t.kill();
          return "not killed";
        } catch (e) {
          return e instanceof GreenletExit ? "killed" : "other";
        }
      });
      assert.equal(yield* t.get(), "killed");
    });
    assertHealthy();
  });

  it("join()/get() with a timeout", async () => {
    await run(function* () {
      const t = spawn(function* () {
        yield* sleep(10_000);
      });
      assert.equal(yield* t.join({ timeout: 1 }), false);
      try {
        yield* t.get({ timeout: 1 });
        assert.fail("get() did not time out");
      } catch (e) {
        assert.ok(e instanceof Timeout);
      }
      yield* t.kill();
    });
    assertHealthy();
  });

  it("link() calls back once on finish, and at once for a finished task; unlink works", async () => {
    const seen: string[] = [];
    await run(function* () {
      const t = spawn(function* () {
        yield* sleep(0);
        return "v";
      });
      t.link((task) => seen.push(`a ${task.value}`));
      const unlink = t.link(() => seen.push("removed"));
      unlink();
      yield* t.join();
      t.link(() => seen.push("late"));
      yield* sleep(1);
    });
    assert.deepEqual(seen, ["a v", "late"]);
    assertHealthy();
  });

  it("await using kills and joins (async dispose)", async () => {
    const log: string[] = [];
    {
      await using t = spawn(function* () {
        try {
          yield* sleep(10_000);
        } finally {
          yield* sleep(1);
          log.push("disposed");
        }
      });
      await Promise.resolve(t.join({ timeout: 1 }));
    }
    assert.deepEqual(log, ["disposed"]);
    assertHealthy();
  });

  it("a task is not thenable; promise is the async view", async () => {
    const t = spawn(function* () {
      return 3;
    });
    assert.equal("then" in t, false);
    assert.equal(await t.promise, 3);
    assert.equal(t.promise, t.promise);
    assertHealthy();
  });

  it("spawn() rejects a non-function with TypeError", () => {
    assert.throws(() => spawn(42 as never), TypeError);
  });
});

describe("Task failures nobody looks at", () => {
  /** Runs `body` under main() with the unraisable hook capturing; returns the reports. */
  async function reports(body: () => Op<void>): Promise<Unraisable[]> {
    const seen: Unraisable[] = [];
    const previous = setUnraisableHook((u) => seen.push(u));
    try {
      await run(body);
    } finally {
      setUnraisableHook(previous);
    }
    return seen;
  }

  it("a failed task nobody joins is reported through the unraisable hook", async () => {
    const error = new RangeError("nobody looked");
    const seen = await reports(function* () {
      spawn(function* lonely() {
        yield* sleep(0);
        throw error;
      });
      yield* sleep(5);
    });
    assert.equal(seen.length, 1);
    assert.equal(seen[0].error, error);
    assert.match(seen[0].greenlet, /lonely/);
    assert.match(seen[0].during, /nobody joined/);
    assertHealthy();
  });

  it("is not reported when joined, got, linked, awaited or looked at in the same batch", async () => {
    const seen = await reports(function* () {
      const fail = function* (): Op<void> {
        throw new RangeError("handled");
      };
      const got = spawn(fail);
      const joined = spawn(fail);
      const linked = spawn(fail);
      const looked = spawn(fail);
      const awaited = spawn(fail);
      const killed = spawn(function* () {
        yield* sleep(10_000);
      });
      yield* sleep(0); // every task above has failed (or started) by now, in this batch
      assert.throws(() => {
        throw looked.exception;
      }, RangeError);
      yield* joined.join();
      try {
        yield* got.get();
        assert.fail("not reached");
      } catch (e) {
        assert.ok(e instanceof RangeError);
      }
      linked.link(() => {});
      awaited.promise.catch(() => {});
      yield* killed.kill(); // a kill is not a failure
      yield* sleep(5);
    });
    assert.deepEqual(seen, []);
    assertHealthy();
  });

  it("a pool's own bookkeeping does not count as looking", async () => {
    const seen = await reports(function* () {
      const pool = new Pool(2);
      yield* pool.spawn(function* () {
        throw new RangeError("in the pool");
      });
      yield* sleep(5);
    });
    assert.equal(seen.length, 1);
    assert.ok(seen[0].error instanceof RangeError);
    assertHealthy();
  });
});
