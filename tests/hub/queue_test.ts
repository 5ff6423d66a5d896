// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// Queue: FIFO, bounds, close semantics, timeouts, both call forms.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { GreenletError } from "../../mod.ts";
import { Queue, sleep, spawn, Timeout } from "../../hub/mod.ts";
import { assertHealthy } from "../../testing/healthy.ts";
import { run } from "./_run.ts";

describe("Queue", () => {
  it("is FIFO and unbounded by default", async () => {
    const q = new Queue<number>();
    assert.equal(q.maxsize, Infinity);
    await run(function* () {
      for (let i = 0; i < 100; i++) yield* q.put(i);
      assert.equal(q.size, 100);
      for (let i = 0; i < 100; i++) assert.equal(yield* q.get(), i);
    });
    assertHealthy();
  });

  it("put() waits while full and getters are served in order", async () => {
    const q = new Queue<string>(1);
    const log: string[] = [];
    await run(function* () {
      const producer = spawn(function* () {
        for (const item of ["a", "b", "c"]) {
          yield* q.put(item);
          log.push(`put ${item}`);
        }
      });
      yield* sleep(1);
      assert.deepEqual(log, ["put a"], "put() did not wait on a full queue");
      const getters = [1, 2, 3].map(() =>
        spawn(function* () {
          return yield* q.get();
        })
      );
      const got = [];
      for (const g of getters) got.push(yield* g.get());
      assert.deepEqual(got, ["a", "b", "c"]);
      yield* producer.join();
    });
    assertHealthy();
  });

  it("close() refuses puts, drains, then get() raises QUEUE_CLOSED", async () => {
    const q = new Queue<number>();
    await run(function* () {
      yield* q.put(1);
      q.close();
      assert.equal(q.closed, true);
      assert.throws(() => q.tryPut(2), { code: "QUEUE_CLOSED" });
      try {
        yield* q.put(2);
        assert.fail("put() into a closed queue did not raise");
      } catch (e) {
        assert.equal((e as GreenletError).code, "QUEUE_CLOSED");
      }
      assert.equal(yield* q.get(), 1);
      try {
        yield* q.get();
        assert.fail("get() from a closed, empty queue did not raise");
      } catch (e) {
        assert.ok(e instanceof GreenletError);
        assert.equal(e.code, "QUEUE_CLOSED");
      }
    });
    assertHealthy();
  });

  it("getters and putters waiting at close() get QUEUE_CLOSED", async () => {
    const empty = new Queue<number>();
    const full = new Queue<number>(1);
    await run(function* () {
      yield* full.put(0);
      const getter = spawn(function* () {
        return yield* empty.get();
      });
      const putter = spawn(function* () {
        yield* full.put(1);
      });
      yield* sleep(0);
      empty.close();
      full.close();
      yield* getter.join();
      yield* putter.join();
      assert.equal((getter.exception as GreenletError).code, "QUEUE_CLOSED");
      assert.equal((putter.exception as GreenletError).code, "QUEUE_CLOSED");
    });
    assertHealthy();
  });

  it("timeouts raise Timeout and leave the queue consistent", async () => {
    const q = new Queue<number>(1);
    await run(function* () {
      try {
        yield* q.get({ timeout: 1 });
        assert.fail("no timeout");
      } catch (e) {
        assert.ok(e instanceof Timeout);
      }
      yield* q.put(1);
      try {
        yield* q.put(2, { timeout: 1 });
        assert.fail("no timeout");
      } catch (e) {
        assert.ok(e instanceof Timeout);
      }
      assert.equal(yield* q.get(), 1);
      assert.equal(q.size, 0, "a timed-out put left its item");
    });
    assertHealthy();
  });

  it("tryPut/tryGet never wait", () => {
    const q = new Queue<number>(1);
    assert.deepEqual(q.tryGet(), { ok: false });
    assert.equal(q.tryPut(1), true);
    assert.equal(q.tryPut(2), false);
    assert.deepEqual(q.tryGet(), { ok: true, value: 1 });
  });

  it("works from ordinary code with await", async () => {
    const q = new Queue<number>();
    spawn(function* () {
      yield* sleep(1);
      yield* q.put(5);
    });
    assert.equal(await q.get(), 5);
    await q.put(6);
    assert.equal(await q.get(), 6);
    assertHealthy();
  });

  it("rejects bad sizes and timeouts at the boundary", () => {
    assert.throws(() => new Queue(0), RangeError);
    assert.throws(() => new Queue(1.5), RangeError);
    assert.throws(() => new Queue<number>().get({ timeout: -1 }), RangeError);
  });
});

describe("Queue hand-over", () => {
  it("an item handed to a getter that is killed before it runs goes back to the queue", async () => {
    const q = new Queue<string>();
    await run(function* () {
      const getter = spawn(function* () {
        return yield* q.get();
      });
      yield* sleep(0); // the getter blocks
      yield* q.put("precious"); // handed to the getter, which has not run yet
      yield* getter.kill();
      assert.equal(q.size, 1);
      assert.equal(yield* q.get(), "precious");
    });
    assertHealthy();
  });
});
