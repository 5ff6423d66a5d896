// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// The drivers (src/_drivers.ts): switchSync(), switchAsync(), throwAsync(), awaitOnly() and
// greenletSpawn(), several drivers in flight, takeovers of awaiting greenlets, and kills through
// await points.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  awaitOnly,
  getcurrent,
  Greenlet,
  GreenletError,
  type GreenletErrorCode,
  GreenletExit,
  greenletSpawn,
  type Op,
} from "../mod.ts";
import { assertHealthy } from "../testing/healthy.ts";

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/**
 * Marks a driver's promise as handled so that a failing assertion before it is awaited does not
 * turn its rejection into an unhandled one that fails an unrelated test; it is still awaited
 * and checked.
 */
function observed<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => {});
  return promise;
}

/** A macrotask: lets timers and pending promise reactions run. */
function tick(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

function isCode(code: GreenletErrorCode): (error: unknown) => boolean {
  return (error: unknown) => {
    assert.ok(error instanceof GreenletError, `expected a GreenletError, got ${String(error)}`);
    assert.equal(error.code, code);
    return true;
  };
}

describe("awaitOnly() results and rejections", () => {
  it("awaitOnly() resumes the body with the promise's value (and plain values as is)", async () => {
    const result = await greenletSpawn(function* () {
      const a = yield* awaitOnly(Promise.resolve(1));
      const b = yield* awaitOnly(new Promise<number>((r) => setTimeout(() => r(2), 0)));
      const c = yield* awaitOnly(3);
      assert.equal(getcurrent().kind, "js");
      return [a, b, c];
    });
    assert.deepEqual(result, [1, 2, 3]);
    assertHealthy();
  });

  it("awaitOnly() raises a rejection at the await point, where the body can catch it", async () => {
    const boom = new Error("boom");
    const result = await greenletSpawn(function* () {
      try {
        yield* awaitOnly(Promise.reject(boom));
      } catch (error) {
        return ["caught", error, yield* awaitOnly(Promise.resolve("still usable"))];
      }
      return ["not caught"];
    });
    assert.deepEqual(result, ["caught", boom, "still usable"]);
    assertHealthy();
  });

  it("switchAsync() rejects with an uncaught rejection and the greenlet is dead", async () => {
    const boom = new Error("boom");
    const g = new Greenlet(function* () {
      yield* awaitOnly(Promise.reject(boom));
      return "continued";
    });
    await assert.rejects(g.switchAsync(), (error) => error === boom);
    assert.equal(g.dead, true);
    assertHealthy();
  });

  it("switchAsync() resolves with what the body switches to main, and resumes later", async () => {
    const main = getcurrent();
    const g = new Greenlet(function* (x: number) {
      const y = yield* main.switch<number>((yield* awaitOnly(Promise.resolve(x))) + 1);
      return (yield* awaitOnly(Promise.resolve(y))) * 2;
    });
    assert.equal(await g.switchAsync(1), 2);
    assert.equal(g.dead, false);
    assert.equal(await g.switchAsync(5), 10);
    assert.equal(g.dead, true);
    assertHealthy();
  });

  it("awaitOnly() inside helpers entered with yield* waits at any depth", async () => {
    function* level(n: number): Op<number> {
      if (n === 0) return yield* awaitOnly(new Promise<number>((r) => setTimeout(() => r(0), 0)));
      const below = yield* level(n - 1);
      const here = yield* awaitOnly(Promise.resolve(1));
      return below + here;
    }
    assert.equal(await greenletSpawn(() => level(200)), 200);
    assertHealthy();
  });

  it("switchAsync() drives switches between bodies that each await", async () => {
    const log: string[] = [];
    const b: Greenlet = new Greenlet(function* (x: string) {
      for (;;) {
        log.push(`b ${x}`);
        x = yield* a.switch(yield* awaitOnly(Promise.resolve(x + "b")));
      }
    });
    const a = new Greenlet(function* () {
      let x = "";
      for (let i = 0; i < 3; i++) {
        x = yield* awaitOnly(Promise.resolve(x + "a"));
        x = yield* b.switch(x);
      }
      return x;
    });
    b.parent = a;
    assert.equal(await a.switchAsync(), "ababab");
    assert.deepEqual(log, ["b a", "b aba", "b ababa"]);
    b.throwSync();
    assertHealthy();
  });
});

describe("several async drivers", () => {
  it("switchAsync() drivers in flight at once each drive their own greenlets", async () => {
    const main = getcurrent();
    const log: string[] = [];
    const seenInOrdinaryCode: Greenlet[] = [];
    const worker = (name: string) =>
      new Greenlet(function* () {
        const child = new Greenlet(function* (n: number) {
          for (;;) {
            yield* awaitOnly(tick());
            assert.equal(getcurrent(), child);
            n = yield* self.switch(n + 1);
          }
        });
        const self = getcurrent();
        let n = 0;
        for (let i = 0; i < 3; i++) {
          yield* awaitOnly(tick());
          assert.equal(getcurrent(), self);
          n = yield* child.switch<number>(n);
          log.push(`${name}${i}`);
        }
        yield* child.throw();
        return `${name}:${n}`;
      });
    const drivers = [worker("A").switchAsync(), worker("B").switchAsync(), worker("C")];
    const third = (drivers[2] as Greenlet).switchAsync();
    seenInOrdinaryCode.push(getcurrent());
    setTimeout(() => seenInOrdinaryCode.push(getcurrent()), 0);
    Promise.resolve().then(() => seenInOrdinaryCode.push(getcurrent()));
    await tick();
    seenInOrdinaryCode.push(getcurrent());
    const results = await Promise.all([drivers[0], drivers[1], third]);
    assert.deepEqual(results, ["A:3", "B:3", "C:3"]);
    assert.deepEqual(log.filter((s) => s.startsWith("A")), ["A0", "A1", "A2"]);
    assert.deepEqual(log.filter((s) => s.startsWith("B")), ["B0", "B1", "B2"]);
    assert.ok(log.indexOf("B0") < log.indexOf("A2"), `not interleaved: ${log.join(" ")}`);
    assert.equal(seenInOrdinaryCode.length, 4);
    for (const g of seenInOrdinaryCode) assert.equal(g, main);
    assertHealthy();
  });

  it("greenletSpawn() drivers interleave with timers and with each other", async () => {
    const order: string[] = [];
    const spawn = (name: string) =>
      greenletSpawn(function* (rounds: number) {
        for (let i = 0; i < rounds; i++) {
          yield* awaitOnly(new Promise((r) => setTimeout(r, 0)));
          order.push(`${name}${i}`);
        }
        return name;
      }, 2);
    const done = Promise.all([spawn("x"), spawn("y")]);
    assert.equal(getcurrent().kind, "main");
    assert.deepEqual(await done, ["x", "y"]);
    assert.deepEqual(order.slice().sort(), ["x0", "x1", "y0", "y1"]);
    assert.ok(order.indexOf("y0") < order.indexOf("x1"), `not interleaved: ${order.join(" ")}`);
    assertHealthy();
  });
});

describe("AWAITING: a greenlet in awaitOnly() is resumed only by its driver", () => {
  it("yield* g.switch() from another body into an awaiting greenlet raises AWAITING there", async () => {
    const gate = deferred<string>();
    const waiter = new Greenlet(function* () {
      return yield* awaitOnly(gate.promise);
    });
    const driver = waiter.switchAsync();
    const intruder = new Greenlet(function* () {
      try {
        yield* waiter.switch("intrusion");
      } catch (error) {
        return error;
      }
      return "no error";
    });
    const error = intruder.switchSync();
    assert.ok(isCode("AWAITING")(error));
    assert.match((error as Error).message, /only that driver may resume it/);
    assert.equal(waiter.dead, false);
    gate.resolve("resumed by its driver");
    assert.equal(await driver, "resumed by its driver");
    assertHealthy();
  });

  it("switchSync() and switchAsync() into an awaiting greenlet fail with AWAITING", async () => {
    const gate = deferred<string>();
    const waiter = new Greenlet(function* () {
      return yield* awaitOnly(gate.promise);
    });
    const driver = waiter.switchAsync();
    assert.throws(() => waiter.switchSync("x"), isCode("AWAITING"));
    await assert.rejects(waiter.switchAsync("y"), isCode("AWAITING"));
    assert.equal(String(waiter).includes("awaiting"), true);
    // Waiting is a state of its own inside; from outside the greenlet is started and active.
    assert.deepEqual([waiter.started, waiter.active, waiter.dead], [true, true, false]);
    gate.resolve("ok");
    assert.equal(await driver, "ok");
    assert.deepEqual([waiter.started, waiter.active, waiter.dead], [true, false, true]);
    assertHealthy();
  });
});

describe("kills and throws into an awaiting greenlet", () => {
  it("throwSync() kills at the await point at once, aborts signal; the driver resolves with GreenletExit", async () => {
    const log: string[] = [];
    let seenSignal: AbortSignal | undefined;
    const g = new Greenlet(function* () {
      seenSignal = getcurrent().signal;
      try {
        yield* awaitOnly(new Promise(() => {}));
        log.push("resumed (wrong)");
      } catch (error) {
        log.push(`caught ${(error as Error).name}`);
        throw error;
      } finally {
        log.push("finally");
      }
    });
    const driver = observed(g.switchAsync());
    assert.equal(seenSignal!.aborted, false);
    const killed = g.throwSync();
    assert.ok(killed instanceof GreenletExit);
    assert.deepEqual(log, ["caught GreenletExit", "finally"]);
    assert.equal(g.dead, true);
    assert.equal(seenSignal!.aborted, true);
    assert.ok(seenSignal!.reason instanceof GreenletExit);
    const settled = await driver;
    assert.ok(settled instanceof GreenletExit, `driver settled with ${String(settled)}`);
    assertHealthy();
  });

  it("a greenlet that survives a throw at the await point leaves its driver rejected with DRIVER_RELEASED", async () => {
    const main = getcurrent();
    const g = new Greenlet(function* () {
      try {
        yield* awaitOnly(new Promise(() => {}));
      } catch (error) {
        const next = yield* main.switch(["survived", (error as Error).message]);
        return next;
      }
      return "not thrown into";
    });
    const driver = observed(g.switchAsync());
    assert.deepEqual(g.throwSync(new Error("stop waiting")), ["survived", "stop waiting"]);
    assert.equal(g.dead, false);
    assert.equal(g.signal.aborted, false, "only a GreenletExit aborts the signal");
    await assert.rejects(driver, (error: unknown) => {
      assert.ok(isCode("DRIVER_RELEASED")(error));
      assert.match((error as Error).message, /whoever threw now drives it/);
      return true;
    });
    assert.equal(g.switchSync("finished by the thrower"), "finished by the thrower");
    assert.equal(g.dead, true);
    assertHealthy();
  });

  it("an async thrower whose drive ends by raising releases the original driver too", async () => {
    const main = getcurrent();
    const failing = new Greenlet(function* () {
      throw new Error("failing ends the thrower's drive");
    });
    const g = new Greenlet(function* () {
      try {
        yield* awaitOnly(new Promise(() => {}));
      } catch {
        yield* failing.switch();
      }
      return "finished by the thrower";
    });
    failing.parent = main;
    const driver = observed(g.switchAsync());
    await assert.rejects(
      g.throwAsync(new Error("stop waiting")),
      /failing ends the thrower's drive/,
    );
    assert.equal(g.dead, false);
    await assert.rejects(driver, isCode("DRIVER_RELEASED"));
    assert.equal(g.switchSync(), "finished by the thrower");
    assertHealthy();
  });

  it("a throw that makes the body return settles the original driver with that return value", async () => {
    const g = new Greenlet(function* () {
      try {
        yield* awaitOnly(new Promise(() => {}));
      } catch (error) {
        return `recovered from ${(error as Error).message}`;
      }
      return "not thrown into";
    });
    const driver = observed(g.switchAsync());
    assert.equal(g.throwSync(new Error("x")), "recovered from x");
    assert.equal(await driver, "recovered from x");
    assertHealthy();
  });

  it("a throw that kills the body with another error rejects the original driver with it", async () => {
    const boom = new Error("boom");
    const g = new Greenlet(function* () {
      yield* awaitOnly(new Promise(() => {}));
    });
    const driver = observed(g.switchAsync());
    assert.throws(() => g.throwSync(boom), (error) => error === boom);
    await assert.rejects(driver, (error) => error === boom);
    assertHealthy();
  });

  it("yield* g.throw() from another body kills at the await point, aborts the awaited work, and the parent gets GreenletExit", async () => {
    const log: string[] = [];
    const g = new Greenlet(function* () {
      const signal = getcurrent().signal;
      const work = new Promise((_, reject) => {
        signal.addEventListener("abort", () => {
          log.push("work aborted");
          reject(signal.reason);
        });
      });
      try {
        yield* awaitOnly(work);
      } finally {
        log.push("finally");
      }
    });
    const driver = observed(g.switchAsync());
    const killer = new Greenlet(function* () {
      const result = yield* g.throw();
      log.push("killer resumed");
      return result;
    });
    g.parent = killer;
    assert.ok(killer.switchSync() instanceof GreenletExit);
    assert.deepEqual(log, ["work aborted", "finally", "killer resumed"]);
    assert.ok(await driver instanceof GreenletExit);
    assertHealthy();
  });

  it("throwAsync() kills an awaiting greenlet whose finally awaits, then settles both drivers", async () => {
    const log: string[] = [];
    const g = new Greenlet(function* () {
      try {
        yield* awaitOnly(new Promise(() => {}));
      } finally {
        log.push("cleanup start");
        yield* awaitOnly(tick());
        log.push("cleanup end");
      }
    });
    const driver = observed(g.switchAsync());
    const killing = observed(g.throwAsync());
    assert.deepEqual(log, ["cleanup start"]);
    assert.equal(g.dead, false);
    assert.ok(await killing instanceof GreenletExit);
    assert.deepEqual(log, ["cleanup start", "cleanup end"]);
    assert.equal(g.dead, true);
    assert.ok(await driver instanceof GreenletExit);
    assertHealthy();
  });

  it("throwAsync() through a yield* chain whose finally switches and awaits: outer code does not continue", async () => {
    const main = getcurrent();
    const log: string[] = [];
    const echo = new Greenlet(function* (x: string) {
      for (;;) {
        yield* awaitOnly(tick());
        x = yield* g.switch(`${x} echoed`);
      }
    });
    function* inner(): Op<void> {
      try {
        yield* awaitOnly(new Promise(() => {}));
        log.push("inner continued (LEAK)");
      } finally {
        log.push("inner finally");
        log.push(yield* echo.switch<string>("inner"));
        yield* awaitOnly(tick());
        log.push("inner finally end");
      }
    }
    function* outer(): Op<void> {
      try {
        yield* inner();
        log.push("outer continued (LEAK)");
      } finally {
        log.push("outer finally");
        log.push(yield* echo.switch<string>("outer"));
      }
    }
    const g: Greenlet = new Greenlet(function* () {
      yield* outer();
      log.push("body continued (LEAK)");
      return "returned (LEAK)";
    });
    echo.parent = main;
    const driver = observed(g.switchAsync());
    await tick();
    const killed = await g.throwAsync();
    assert.ok(killed instanceof GreenletExit, `throwAsync() gave ${String(killed)}`);
    assert.deepEqual(log, [
      "inner finally",
      "inner echoed",
      "inner finally end",
      "outer finally",
      "outer echoed",
    ]);
    assert.equal(g.dead, true);
    assert.ok(await driver instanceof GreenletExit);
    echo.throwSync();
    assertHealthy();
  });
});

describe("awaitOnly() signal option", () => {
  it("awaitOnly() raises the abort reason at the await point when its signal aborts", async () => {
    const controller = new AbortController();
    const reason = new Error("timed out");
    const g = new Greenlet(function* () {
      try {
        yield* awaitOnly(new Promise(() => {}), { signal: controller.signal });
      } catch (error) {
        return ["caught", error];
      }
      return ["not aborted"];
    });
    const driver = observed(g.switchAsync());
    await tick();
    assert.equal(g.dead, false);
    controller.abort(reason);
    assert.deepEqual(await driver, ["caught", reason]);
    assertHealthy();
  });

  it("awaitOnly() with an already-aborted signal raises its reason for a pending promise", async () => {
    const reason = new Error("already");
    const result = await greenletSpawn(function* () {
      try {
        yield* awaitOnly(new Promise(() => {}), { signal: AbortSignal.abort(reason) });
      } catch (error) {
        return error;
      }
      return "not aborted";
    });
    assert.equal(result, reason);
    assertHealthy();
  });

  it("awaitOnly() with an already-aborted signal raises its reason even for a settled promise", async () => {
    const reason = new Error("already");
    const result = await greenletSpawn(function* () {
      try {
        return yield* awaitOnly(Promise.resolve("value"), { signal: AbortSignal.abort(reason) });
      } catch (error) {
        return error;
      }
    });
    assert.equal(result, reason);
    assertHealthy();
  });

  it("awaitOnly() ignores a signal that never aborts", async () => {
    const controller = new AbortController();
    const result = await greenletSpawn(function* () {
      return yield* awaitOnly(Promise.resolve("value"), { signal: controller.signal });
    });
    assert.equal(result, "value");
    controller.abort();
    assertHealthy();
  });
});

describe("greenletSpawn()", () => {
  it("greenletSpawn() resolves with the body's return value and passes the arguments", async () => {
    assert.deepEqual(
      await greenletSpawn(
        function* (a: number, b: string) {
          yield* awaitOnly(tick());
          return [a, b];
        },
        1,
        "two",
      ),
      [1, "two"],
    );
    assert.equal(await greenletSpawn(() => "plain function"), "plain function");
    assertHealthy();
  });

  it("greenletSpawn() rejects with the body's error", async () => {
    const boom = new Error("boom");
    await assert.rejects(
      greenletSpawn(function* () {
        yield* awaitOnly(tick());
        throw boom;
      }),
      (error) => error === boom,
    );
    await assert.rejects(greenletSpawn(42 as never), TypeError);
    await assert.rejects(greenletSpawn((async () => await Promise.resolve(1)) as never), TypeError);
    assertHealthy();
  });

  it("greenletSpawn() resolves with a GreenletExit that escapes the body (as a value)", async () => {
    const result: unknown = await greenletSpawn(function* () {
      yield* awaitOnly(tick());
      throw new GreenletExit("bye");
    });
    assert.ok(result instanceof GreenletExit);
    assert.equal((result as GreenletExit).message, "bye");
    assertHealthy();
  });

  it("greenletSpawn() resolves with a value the body switches to its parent; the greenlet stays suspended", async () => {
    let spawned!: Greenlet;
    const result = await greenletSpawn(function* () {
      spawned = getcurrent();
      yield* awaitOnly(tick());
      const more = yield* spawned.parent!.switch("switched, not returned");
      return `finished with ${more}`;
    });
    assert.equal(result, "switched, not returned");
    assert.equal(spawned.dead, false);
    assert.equal(spawned.parent, getcurrent());
    assert.equal(await spawned.switchAsync("resume"), "finished with resume");
    assert.equal(spawned.dead, true);
    assertHealthy();
  });

  it("greenletSpawn() bodies nest helpers with yield* and await at depth", async () => {
    function* fetchNumber(n: number): Op<number> {
      return yield* awaitOnly(new Promise<number>((r) => setTimeout(() => r(n), 0)));
    }
    function* sum(ns: number[]): Op<number> {
      let total = 0;
      for (const n of ns) total += yield* fetchNumber(n);
      return total;
    }
    function* report(): Op<string> {
      const a = yield* sum([1, 2, 3]);
      const b = yield* sum([4, 5]);
      return `${a}+${b}`;
    }
    assert.equal(await greenletSpawn(report), "6+9");
    assertHealthy();
  });
});
