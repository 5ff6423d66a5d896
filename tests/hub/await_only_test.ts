// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// awaitOnly() inside hub tasks parks the task alone; outside the hub it is unchanged.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { awaitOnly, GreenletExit, greenletSpawn } from "../../mod.ts";
import { sleep, spawn, withTimeout } from "../../hub/mod.ts";
import { assertHealthy } from "../../testing/healthy.ts";
import { run } from "./_run.ts";

function later<T>(ms: number, value: T): Promise<T> {
  return new Promise((resolve) => setTimeout(() => resolve(value), ms));
}

describe("awaitOnly under the hub", () => {
  it("parks only the awaiting task: the others keep running", async () => {
    const log: string[] = [];
    // The ticker settles the promise after its ticks and hub sleeps: an event-loop timer of
    // 20 ms could fire before the ticker's second 1 ms hub sleep ended on a loaded machine (one
    // run saw "tick 0", "tick 1", "promise settled", "tick 2"). Had the await parked the whole
    // hub, the ticker could never run and the promise would stay pending.
    const { promise, resolve } = Promise.withResolvers<string>();
    await run(function* () {
      const waiter = spawn(function* () {
        log.push(yield* awaitOnly(promise));
      });
      const ticker = spawn(function* () {
        for (let i = 0; i < 3; i++) {
          log.push(`tick ${i}`);
          yield* sleep(1);
        }
        resolve("promise settled");
      });
      yield* ticker.join();
      yield* waiter.join();
    });
    assert.deepEqual(log, ["tick 0", "tick 1", "tick 2", "promise settled"]);
    assertHealthy();
  });

  it("many tasks await at once; results and rejections arrive at each await point", async () => {
    const error = new Error("rejected");
    const results = await run(function* () {
      const tasks = [3, 1, 2].map((ms) =>
        spawn(function* () {
          return yield* awaitOnly(later(ms, ms));
        })
      );
      const failing = spawn(function* () {
        try {
          yield* awaitOnly(Promise.reject(error));
          return "not raised";
        } catch (e) {
          return e === error ? "raised here" : "other";
        }
      });
      const values = [];
      for (const t of tasks) values.push(yield* t.get());
      return [values, yield* failing.get()];
    });
    assert.deepEqual(results, [[3, 1, 2], "raised here"]);
    assertHealthy();
  });

  it("a kill while a task awaits is delivered at once; the late outcome is dropped", async () => {
    const log: string[] = [];
    let settle!: (v: string) => void;
    await run(function* () {
      const t = spawn(function* () {
        try {
          yield* awaitOnly(new Promise<string>((resolve) => settle = resolve));
        } finally {
          log.push("finally");
        }
      });
      yield* sleep(1);
      yield* t.kill();
      assert.ok((t.value as unknown) instanceof GreenletExit);
      assert.equal(t.signal.aborted, true);
      settle("late");
      yield* sleep(1);
    });
    assert.deepEqual(log, ["finally"]);
    assertHealthy();
  });

  it("an abort signal stops the wait with its reason", async () => {
    const reason = new Error("aborted");
    const got = await run(function* () {
      const controller = new AbortController();
      setTimeout(() => controller.abort(reason), 1);
      try {
        yield* awaitOnly(new Promise(() => {}), { signal: controller.signal });
        return "not aborted";
      } catch (e) {
        return e;
      }
    });
    assert.equal(got, reason);
    assertHealthy();
  });

  it("withTimeout cuts an await short", async () => {
    await run(function* () {
      // A limit as long as the runner's own (bun test --timeout 60000): with 1000 ms, a stall of
      // a second brings the promise's wake and the limit due at once, and the Timeout wins.
      const v = yield* withTimeout(60_000, function* () {
        return yield* awaitOnly(later(1, "in time"));
      });
      assert.equal(v, "in time");
      try {
        yield* withTimeout(1, function* () {
          yield* awaitOnly(new Promise(() => {}));
        });
        assert.fail("no timeout");
      } catch (e) {
        assert.equal((e as Error).name, "Timeout");
      }
    });
    assertHealthy();
  });

  it("outside the hub awaitOnly is unchanged (the async driver awaits)", async () => {
    assert.equal(
      await greenletSpawn(function* () {
        return yield* awaitOnly(later(1, 42));
      }),
      42,
    );
    assertHealthy();
  });
});
