// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// The hub: FIFO order, fairness, batches that yield to the event loop, the lazy driver,
// LoopExit.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { getcurrent, Greenlet } from "../../mod.ts";
import { Channel, Event, getHub, LoopExit, Queue, sleep, spawn, type Task } from "../../hub/mod.ts";
import { assertHealthy } from "../../testing/healthy.ts";
import { run } from "./_run.ts";

describe("hub", () => {
  it("is one greenlet per agent, the parent of every task", async () => {
    const hub = getHub();
    assert.equal(getHub(), hub);
    assert.equal(hub.greenlet.parent, getcurrent());
    const task = spawn(function* () {
      return getcurrent().parent;
    });
    assert.equal(task.parent, hub.greenlet);
    assert.equal(await task.get(), hub.greenlet);
    assertHealthy();
  });

  it("runs tasks in the order they became ready (FIFO)", async () => {
    const log: number[] = [];
    await run(function* () {
      const tasks = [];
      for (let i = 0; i < 5; i++) {
        tasks.push(spawn(function* () {
          log.push(i);
        }));
      }
      // spawn() never runs the task inside the call
      assert.deepEqual(log, []);
      for (const t of tasks) yield* t.join();
    });
    assert.deepEqual(log, [0, 1, 2, 3, 4]);
    assertHealthy();
  });

  it("is fair: tasks that yield with sleep(0) take turns round-robin", async () => {
    const log: string[] = [];
    await run(function* () {
      const tasks = ["a", "b", "c"].map((name) =>
        spawn(function* () {
          for (let i = 0; i < 3; i++) {
            log.push(`${name}${i}`);
            yield* sleep(0);
          }
        })
      );
      for (const t of tasks) yield* t.join();
    });
    assert.deepEqual(log, ["a0", "b0", "c0", "a1", "b1", "c1", "a2", "b2", "c2"]);
    assertHealthy();
  });

  it("wakes sleepers in the order of their deadlines", async () => {
    // A sleep's deadline is the hub's clock when it begins plus the delay, rounded up to a whole
    // millisecond; equal deadlines wake in the order the sleeps began. The sleeps begin one after
    // another, and a stall between two of them (a loaded machine) moves the later one's deadline
    // past the earlier one's: so each deadline is bounded by the clock read before its sleep
    // began and the one read before the next began, and the test asserts every order those
    // bounds decide (on a quiet machine, all of them: 0, 2, 4, 6).
    const log: number[] = [];
    const began: number[] = [];
    await run(function* () {
      const tasks = [6, 2, 4, 0].map((ms) =>
        spawn(function* () {
          began.push(performance.now());
          yield* sleep(ms);
          log.push(ms);
        })
      );
      for (const t of tasks) yield* t.join();
    });
    assert.equal(log[0], 0, "sleep(0) only yields: it runs before any timer");
    const sleepers = [6, 2, 4].map((ms, i) => ({
      ms,
      i,
      earliest: Math.ceil(began[i] + ms),
      latest: Math.ceil(began[i + 1] + ms),
    }));
    const wokeBefore = (a: typeof sleepers[0], b: typeof sleepers[0]): boolean =>
      a.latest < b.earliest || (a.latest === b.earliest && a.i < b.i);
    for (const a of sleepers) {
      for (const b of sleepers) {
        if (wokeBefore(a, b)) {
          assert.ok(
            log.indexOf(a.ms) < log.indexOf(b.ms),
            `sleep(${a.ms}) is due before sleep(${b.ms}): woke ${log.join(", ")}, ` +
              `began at ${began.join(", ")}`,
          );
        }
      }
    }
    assert.deepEqual([...log].sort((x, y) => x - y), [0, 2, 4, 6]);
    assertHealthy();
  });

  it("busy tasks do not starve event-loop timers, I/O or the hub's own timers", async () => {
    let timerFired = false;
    let ioDone = false;
    setTimeout(() => timerFired = true, 5);
    readFile(fileURLToPath(import.meta.url)).then(() => ioDone = true);
    const limit = 50_000_000;
    const spins = await run(function* () {
      let hubTimer = false;
      const sleeper = spawn(function* () {
        yield* sleep(3);
        hubTimer = true;
      });
      const busy = [1, 2].map(() =>
        spawn(function* () {
          let n = 0;
          while (!(timerFired && ioDone && hubTimer) && n < limit) {
            n++;
            yield* sleep(0);
          }
          return n;
        })
      );
      const counts = [];
      for (const t of busy) counts.push(yield* t.get());
      yield* sleeper.join();
      return counts;
    });
    for (const n of spins) assert.ok(n < limit, "a busy task starved the event loop");
    assert.ok(timerFired && ioDone);
    assertHealthy();
  });

  it("a batch yields to the event loop with a macrotask hop, not a microtask chain", async () => {
    let macrotasks = 0;
    const tick = (): void => {
      macrotasks++;
      if (macrotasks < 3) setTimeout(tick, 0);
    };
    setTimeout(tick, 0);
    await run(function* () {
      while (macrotasks < 3) yield* sleep(0);
    });
    assert.equal(macrotasks, 3);
    assertHealthy();
  });

  it("starts lazily: a spawn from ordinary code runs without main()", async () => {
    const task = spawn(function* (x: number) {
      yield* sleep(1);
      return x * 2;
    }, 21);
    assert.equal(task.ready(), false);
    assert.equal(await task.promise, 42);
    // dormant again, then restarted by the next spawn
    assert.equal(
      await spawn(function* () {
        return "again";
      }).get(),
      "again",
    );
    assertHealthy();
  });

  it("hold() keeps a callback-driven wake from being a LoopExit", async () => {
    const queue = new Queue<string>();
    const hold = getHub().hold();
    setTimeout(() => {
      queue.tryPut("from a callback");
      hold[Symbol.dispose]();
    }, 2);
    assert.equal(
      await run(function* () {
        return yield* queue.get();
      }),
      "from a callback",
    );
    assertHealthy();
  });

  it("a blocking call in a greenlet the hub does not run is NOT_IN_HUB", () => {
    const g = new Greenlet(function* () {
      yield* sleep(1);
    });
    assert.throws(() => g.switchSync(), { code: "NOT_IN_HUB" });
    assertHealthy();
  });

  it("a plain greenlet under a task may block: the hub resumes it directly", async () => {
    const result = await run(function* () {
      const child = new Greenlet(function* () {
        yield* sleep(1);
        return "child done";
      });
      return yield* child.switch();
    });
    assert.equal(result, "child done");
    assertHealthy();
  });
});

describe("LoopExit", () => {
  it("names each blocked greenlet and what it waits on", async () => {
    const queue = new Queue<number>();
    const channel = new Channel<number>();
    let consumer: Task<unknown> | undefined;
    let receiver: Task<unknown> | undefined;
    let caught: unknown;
    await run(function* root() {
      consumer = spawn(function* consumer() {
        yield* queue.get();
      });
      receiver = spawn(function* receiver() {
        yield* channel.receive();
      });
      try {
        yield* consumer.join();
      } catch (e) {
        caught = e;
      }
    });
    assert.ok(caught instanceof LoopExit);
    assert.equal(caught.code, "LOOP_EXIT");
    const lines = caught.blocked.map((b) => `${b.greenlet?.name} ${b.waitsOn}`);
    assert.ok(lines.includes("consumer Queue.get"), lines.join("\n"));
    assert.ok(lines.includes("receiver Channel.receive"), lines.join("\n"));
    assert.ok(
      lines.some((l) => /^root Task\.join\(consumer#\d+\)$/.test(l)),
      lines.join("\n"),
    );
    assert.match(caught.message, /consumer#\d+ waits on Queue\.get/);
    assert.match(caught.message, /receiver#\d+ waits on Channel\.receive/);
    assert.match(caught.message, /nothing can run and nothing is pending/);
    // the blocked tasks stay suspended; clean them up
    yield_(await consumer!.kill());
    yield_(await receiver!.kill());
    assertHealthy();
  });

  it("rejects ordinary code's waits", async () => {
    const event = new Event();
    await assert.rejects(Promise.resolve(event.wait()), (e) => {
      assert.ok(e instanceof LoopExit);
      assert.match(e.message, /ordinary code waits on Event\.wait/);
      return true;
    });
    assertHealthy();
  });

  it("is not raised while a timer or an awaited promise is pending", async () => {
    const event = new Event();
    spawn(function* () {
      yield* sleep(3);
      event.set();
    });
    assert.equal(await event.wait(), true);
    assertHealthy();
  });
});

function yield_(value: unknown): void {
  assert.equal(value, true);
}
