// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { awaitOnly } from "../../mod.ts";
import { Event, Queue, sleep, Timeout, withTimeout } from "../../hub/mod.ts";
import { assertHealthy } from "../../testing/healthy.ts";
import { run } from "./_run.ts";

/**
 * A limit that must not fire: as long as the test runner's own limit (`bun test --timeout 60000`).
 * With 1000 ms, a stall of a second (a loaded machine) brings the body's wake and the limit due
 * in one hub wake-up, and the limit's Timeout, raised after the wake, is what the body sees.
 */
const NEVER = 60_000;

describe("withTimeout", () => {
  it("returns the body's result when it finishes in time", async () => {
    const v = await run(function* () {
      return yield* withTimeout(NEVER, function* () {
        yield* sleep(1);
        return "in time";
      });
    });
    assert.equal(v, "in time");
    assertHealthy();
  });

  it("raises Timeout wherever the body waits; finally blocks switch and await", async () => {
    const log: string[] = [];
    const queue = new Queue<number>();
    await run(function* () {
      try {
        yield* withTimeout(2, function* () {
          try {
            yield* queue.get();
          } finally {
            yield* sleep(1);
            log.push(yield* awaitOnly(Promise.resolve("awaited in finally")));
          }
        });
        assert.fail("no timeout");
      } catch (e) {
        assert.ok(e instanceof Timeout);
        assert.equal(e.ms, 2);
      }
      // the timed-out getter left the queue
      yield* queue.put(1);
      assert.equal(queue.size, 1);
    });
    assert.deepEqual(log, ["awaited in finally"]);
    assertHealthy();
  });

  it("nested limits: the inner Timeout is the inner call's own", async () => {
    await run(function* () {
      let inner: unknown;
      yield* withTimeout(NEVER, function* () {
        try {
          yield* withTimeout(1, function* () {
            yield* new Event().wait();
          });
        } catch (e) {
          inner = e;
        }
      });
      assert.ok(inner instanceof Timeout);
      assert.equal((inner as Timeout).ms, 1);
    });
    assertHealthy();
  });

  it("the timer does not fire after the body finished", async () => {
    await run(function* () {
      yield* withTimeout(2, function* () {});
      yield* sleep(5); // would raise Timeout here if the timer were left set
    });
    assertHealthy();
  });

  it("checks its arguments", () => {
    assert.throws(() => withTimeout(-1, function* () {}), RangeError);
    assert.throws(() => withTimeout(1, 42 as never), TypeError);
  });
});
