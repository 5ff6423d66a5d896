// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// `using` and `await using` with greenlets: Symbol.dispose and Symbol.asyncDispose.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { awaitOnly, getcurrent, Greenlet, GreenletError, GreenletExit } from "../mod.ts";
import { assertHealthy } from "../testing/healthy.ts";

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

describe("Greenlet[Symbol.dispose]()", () => {
  it("using kills a started greenlet at scope end and runs its finally", () => {
    const main = getcurrent();
    const log: string[] = [];
    let escaped!: Greenlet;
    {
      using g = new Greenlet(function* () {
        try {
          yield* main.switch("suspended");
          log.push("resumed (wrong)");
        } catch (error) {
          log.push(`caught ${(error as Error).name}`);
          throw error;
        } finally {
          log.push("finally");
        }
      });
      escaped = g;
      assert.equal(g.switchSync(), "suspended");
      assert.deepEqual(log, []);
    }
    assert.deepEqual(log, ["caught GreenletExit", "finally"]);
    assert.equal(escaped.dead, true);
    assert.equal(escaped.parent, main);
    assert.equal(getcurrent(), main);
    assertHealthy();
  });

  it("using makes a pending greenlet dead without running it", () => {
    let ran = false;
    let escaped!: Greenlet;
    {
      using g = new Greenlet(function* () {
        ran = true;
      });
      escaped = g;
    }
    assert.equal(ran, false);
    assert.equal(escaped.dead, true);
    assert.equal(escaped.switchSync(), undefined, "a switch to a dead greenlet goes to its parent");
    assert.equal(ran, false);
    assertHealthy();
  });

  it("[Symbol.dispose]() of a dead greenlet is a no-op", () => {
    let runs = 0;
    const g = new Greenlet(function* () {
      runs++;
      return "done";
    });
    assert.equal(g.switchSync(), "done");
    g[Symbol.dispose]();
    g[Symbol.dispose]();
    assert.equal(runs, 1);
    assert.equal(g.dead, true);
    assertHealthy();
  });

  it("[Symbol.dispose]() twice kills once", () => {
    const main = getcurrent();
    let finallies = 0;
    const g = new Greenlet(function* () {
      try {
        yield* main.switch();
      } finally {
        finallies++;
      }
    });
    g.switchSync();
    g[Symbol.dispose]();
    g[Symbol.dispose]();
    assert.equal(finallies, 1);
    assertHealthy();
  });

  it("[Symbol.dispose]() inside a body throws REENTRANT_DRIVER and leaves the greenlet alive", () => {
    const main = getcurrent();
    const victim = new Greenlet(function* () {
      yield* main.switch("victim suspended");
      return "victim finished";
    });
    assert.equal(victim.switchSync(), "victim suspended");
    const g = new Greenlet(function* () {
      try {
        victim[Symbol.dispose]();
      } catch (error) {
        return error;
      }
      return "no error";
    });
    const error = g.switchSync();
    assert.ok(error instanceof GreenletError);
    assert.equal(error.code, "REENTRANT_DRIVER");
    assert.equal(victim.dead, false);
    assert.equal(victim.parent, main, "the parent is restored after the refused dispose");
    assert.equal(victim.switchSync(), "victim finished");
    assertHealthy();
  });

  it("[Symbol.dispose]() returns control to the disposer when the parent is a suspended greenlet, then restores the parent", () => {
    const main = getcurrent();
    const log: string[] = [];
    const parent = new Greenlet(function* () {
      const got = yield* main.switch("parent suspended");
      log.push(`parent resumed with ${String(got)}`);
      return "parent finished";
    });
    assert.equal(parent.switchSync(), "parent suspended");
    const child = new Greenlet(function* () {
      try {
        yield* main.switch("child suspended");
      } finally {
        log.push(`child finally, parent ${getcurrent().parent === main ? "main" : "other"}`);
      }
    }, { parent });
    assert.equal(child.switchSync(), "child suspended");
    child[Symbol.dispose]();
    assert.deepEqual(log, ["child finally, parent main"]);
    assert.equal(child.dead, true);
    assert.equal(child.parent, parent);
    assert.equal(parent.dead, false, "the parent must not be resumed by the kill");
    assert.equal(parent.switchSync("later"), "parent finished");
    assert.deepEqual(log, ["child finally, parent main", "parent resumed with later"]);
    assertHealthy();
  });

  it("[Symbol.dispose]() throws what the greenlet raises while it is killed", () => {
    const main = getcurrent();
    const boom = new Error("cleanup failed");
    const g = new Greenlet(function* () {
      try {
        yield* main.switch();
      } finally {
        // deno-lint-ignore no-unsafe-finally -- the test needs an error raised by cleanup
        throw boom;
      }
    });
    g.switchSync();
    assert.throws(() => g[Symbol.dispose](), (error) => error === boom);
    assert.equal(g.dead, true);
    assertHealthy();
  });

  it("[Symbol.dispose]() of a greenlet that survives the kill returns and leaves it alive", () => {
    const main = getcurrent();
    const g = new Greenlet(function* () {
      for (;;) {
        try {
          yield* main.switch("alive");
        } catch (error) {
          if (!(error instanceof GreenletExit)) throw error;
        }
      }
    });
    g.switchSync();
    g[Symbol.dispose]();
    assert.equal(g.dead, false);
    assert.equal(g.parent, main);
    assert.throws(() => g.throwSync(new Error("really stop")), /really stop/);
    assert.equal(g.dead, true);
    assertHealthy();
  });

  it("[Symbol.dispose]() on the main greenlet throws MAIN_PARENT", () => {
    const main = getcurrent();
    assert.throws(() => main[Symbol.dispose](), (error: unknown) => {
      assert.ok(error instanceof GreenletError);
      assert.equal(error.code, "MAIN_PARENT");
      return true;
    });
    assertHealthy();
  });
});

describe("Greenlet[Symbol.asyncDispose]()", () => {
  it("await using kills a started greenlet whose finally awaits", async () => {
    const main = getcurrent();
    const log: string[] = [];
    let escaped!: Greenlet;
    {
      await using g = new Greenlet(function* () {
        try {
          yield* main.switch("suspended");
        } finally {
          log.push("cleanup start");
          yield* awaitOnly(tick());
          log.push(`cleanup end in ${getcurrent() === escaped ? "itself" : "another"}`);
        }
      });
      escaped = g;
      assert.equal(g.switchSync(), "suspended");
    }
    assert.deepEqual(log, ["cleanup start", "cleanup end in itself"]);
    assert.equal(escaped.dead, true);
    assertHealthy();
  });

  it("await using kills a greenlet waiting in awaitOnly() and its first driver settles", async () => {
    const log: string[] = [];
    let escaped!: Greenlet;
    let driver!: Promise<unknown>;
    {
      await using g = new Greenlet(function* () {
        try {
          yield* awaitOnly(new Promise(() => {}));
        } finally {
          yield* awaitOnly(tick());
          log.push("cleanup done");
        }
      });
      escaped = g;
      driver = observed(g.switchAsync());
      await tick();
    }
    assert.deepEqual(log, ["cleanup done"]);
    assert.equal(escaped.dead, true);
    assert.ok(await driver instanceof GreenletExit);
    assertHealthy();
  });

  it("await using makes a pending greenlet dead without running it", async () => {
    let ran = false;
    let escaped!: Greenlet;
    {
      await using g = new Greenlet(function* () {
        ran = true;
      });
      escaped = g;
    }
    assert.equal(ran, false);
    assert.equal(escaped.dead, true);
    assertHealthy();
  });

  it("[Symbol.asyncDispose]() restores a suspended parent and returns to the disposer", async () => {
    const main = getcurrent();
    const parent = new Greenlet(function* () {
      yield* main.switch("parent suspended");
      return "parent finished";
    });
    parent.switchSync();
    const child = new Greenlet(function* () {
      try {
        yield* main.switch();
      } finally {
        yield* awaitOnly(tick());
      }
    }, { parent });
    child.switchSync();
    await child[Symbol.asyncDispose]();
    assert.equal(child.dead, true);
    assert.equal(child.parent, parent);
    assert.equal(parent.dead, false);
    assert.equal(parent.switchSync(), "parent finished");
    await child[Symbol.asyncDispose]();
    assertHealthy();
  });
});
