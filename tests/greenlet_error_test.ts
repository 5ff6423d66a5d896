// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// Every GreenletError code raised where it is documented, and the TypeErrors at the API boundary.
// Each error is checked for its code, its class, its name and a message naming the fix. The
// messages live in src/_misuse.ts.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  awaitOnly,
  ContextVar,
  getcurrent,
  Greenlet,
  GreenletError,
  type GreenletErrorCode,
  GreenletExit,
  greenletSpawn,
  type Op,
  settrace,
} from "../mod.ts";
import { assertHealthy } from "../testing/healthy.ts";

/** Asserts that `error` is a GreenletError with `code` whose message matches `fix`. */
function assertGreenletError(error: unknown, code: GreenletErrorCode, fix: RegExp): void {
  assert.ok(error instanceof GreenletError, `expected a GreenletError, got ${String(error)}`);
  assert.ok(error instanceof Error);
  assert.equal(error.name, "GreenletError");
  assert.equal(error.code, code);
  assert.match(error.message, fix);
}

/** Asserts that `fn` throws a GreenletError with `code` whose message matches `fix`. */
function assertThrowsCode(fn: () => unknown, code: GreenletErrorCode, fix: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assertGreenletError(error, code, fix);
    return true;
  });
}

/** Asserts that `fn` throws a TypeError whose message matches `text`. */
function assertThrowsType(fn: () => unknown, text: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof TypeError, `expected a TypeError, got ${String(error)}`);
    assert.match(error.message, text);
    return true;
  });
}

const MISSING = /write yield\* before g\.switch\(\)/;
const BARE = /use yield\* with a step/;
const NOT_IN = /use yield\* .* inside a body.*g\.switchSync\(\)/;
const REENTRANT = /use yield\* g\.switch\(\)/;
const WOULD_BLOCK = /await g\.switchAsync\(\) or greenletSpawn\(\)/;
const WOULD_BLOCK_KILL = /await g\.throwAsync\(\) or await using/;

describe("GreenletError MISSING_YIELD_STAR", () => {
  it("g.switch() used as a statement is reported at the next step creation, catchable", () => {
    const main = getcurrent();
    const g = new Greenlet(function* () {
      // deno-lint-ignore greenlet/require-yield-star
      main.switch(1);
      try {
        yield* main.switch(2);
      } catch (error) {
        return error;
      }
      return "no error";
    });
    assertGreenletError(g.switchSync(), "MISSING_YIELD_STAR", MISSING);
    assert.equal(g.dead, true);
    assertHealthy();
  });

  it("g.switch() used as a statement, uncaught, kills the body and reaches the parent", () => {
    const main = getcurrent();
    const reached: string[] = [];
    const g = new Greenlet(function* () {
      // deno-lint-ignore greenlet/require-yield-star
      main.switch(1);
      reached.push("after the statement");
      yield* main.switch(2);
      reached.push("after the second switch");
    });
    assertThrowsCode(() => g.switchSync(), "MISSING_YIELD_STAR", MISSING);
    assert.deepEqual(reached, ["after the statement"]);
    assert.equal(g.dead, true);
    assertHealthy();
  });

  it("a body that finishes with an unentered step dies with it", () => {
    const main = getcurrent();
    const g = new Greenlet(function* () {
      // deno-lint-ignore greenlet/require-yield-star
      main.switch("lost");
    });
    assertThrowsCode(() => g.switchSync(), "MISSING_YIELD_STAR", MISSING);
    assert.equal(g.dead, true);
    assertHealthy();
  });

  it("awaitOnly() and g.throw() used as statements are reported too", () => {
    const main = getcurrent();
    const g = new Greenlet(function* () {
      const errors: unknown[] = [];
      // deno-lint-ignore greenlet/require-yield-star
      awaitOnly(Promise.resolve(1));
      try {
        yield* main.switch();
      } catch (error) {
        errors.push(error);
      }
      // deno-lint-ignore greenlet/require-yield-star
      main.throw(new Error("never delivered"));
      try {
        yield* main.switch();
      } catch (error) {
        errors.push(error);
      }
      return errors;
    });
    const errors = g.switchSync() as unknown[];
    assert.equal(errors.length, 2);
    for (const error of errors) assertGreenletError(error, "MISSING_YIELD_STAR", MISSING);
    assertHealthy();
  });

  it("a plain run function that creates a step and returns dies with MISSING_YIELD_STAR", () => {
    const main = getcurrent();
    const g = new Greenlet(() => {
      main.switch();
      return "value";
    });
    assertThrowsCode(() => g.switchSync(), "MISSING_YIELD_STAR", MISSING);
    assert.equal(g.dead, true);
    assertHealthy();
  });
});

describe("GreenletError BARE_YIELD", () => {
  it("a bare yield is thrown back in at that yield, and the body can go on", () => {
    const main = getcurrent();
    const g = new Greenlet(function* () {
      let caught: unknown;
      try {
        yield;
      } catch (error) {
        caught = error;
      }
      const back = yield* main.switch(caught);
      return back;
    });
    assertGreenletError(g.switchSync(), "BARE_YIELD", BARE);
    assert.equal(g.switchSync("resumed"), "resumed");
    assert.equal(g.dead, true);
    assertHealthy();
  });

  it("yield step without a star is BARE_YIELD, and the step does not switch", () => {
    const main = getcurrent();
    const g = new Greenlet(function* () {
      try {
        // deno-lint-ignore greenlet/require-yield-star
        yield main.switch("must not arrive");
      } catch (error) {
        return error;
      }
      return "no error";
    });
    assertGreenletError(g.switchSync(), "BARE_YIELD", BARE);
    assert.equal(g.dead, true);
    assertHealthy();
  });

  it("yield of a promise is BARE_YIELD; uncaught it reaches the parent", () => {
    const g = new Greenlet(function* () {
      yield Promise.resolve(1);
      return "continued";
    });
    assertThrowsCode(() => g.switchSync(), "BARE_YIELD", BARE);
    assert.equal(g.dead, true);
    assertHealthy();
  });

  it("yielding a step that belongs to another greenlet is BARE_YIELD", () => {
    const main = getcurrent();
    let foreign: unknown;
    const owner = new Greenlet(function* () {
      const step = main.switch("first");
      foreign = step;
      yield* step;
    });
    assert.equal(owner.switchSync(), "first");
    assert.notEqual(foreign, undefined);
    const thief = new Greenlet(function* () {
      try {
        yield foreign;
      } catch (error) {
        return error;
      }
      return "no error";
    });
    assertGreenletError(thief.switchSync(), "BARE_YIELD", BARE);
    assert.equal(owner.switchSync(), undefined);
    assert.equal(owner.dead, true);
    assertHealthy();
  });
});

describe("GreenletError RETURNED_STEP", () => {
  it("return g.switch() (without yield*) kills the body with RETURNED_STEP", () => {
    const main = getcurrent();
    const g = new Greenlet(function* () {
      // deno-lint-ignore greenlet/require-yield-star
      return main.switch("must not arrive");
    });
    assertThrowsCode(
      () => g.switchSync(),
      "RETURNED_STEP",
      /write return yield\* g\.switch\(\)/,
    );
    assert.equal(g.dead, true);
    assertHealthy();
  });

  it("a plain run function returning awaitOnly() dies with MISSING_YIELD_STAR", () => {
    const g = new Greenlet(() => awaitOnly(Promise.resolve(1)));
    assertThrowsCode(() => g.switchSync(), "MISSING_YIELD_STAR", MISSING);
    assertHealthy();
  });
});

describe("GreenletError STEP_REUSED", () => {
  it("entering one step with yield* twice raises STEP_REUSED at the second yield*", () => {
    const main = getcurrent();
    const g = new Greenlet(function* () {
      const step = main.switch("once");
      yield* step;
      try {
        yield* step;
      } catch (error) {
        return yield* main.switch(error);
      }
      return "no error";
    });
    assert.equal(g.switchSync(), "once");
    assertGreenletError(g.switchSync(), "STEP_REUSED", /create a new step for every switch/);
    assert.equal(g.switchSync("after"), "after");
    assert.equal(g.dead, true);
    assertHealthy();
  });

  it("iterating a step twice by hand raises STEP_REUSED", () => {
    const main = getcurrent();
    const g = new Greenlet(function* () {
      const step = main.switch();
      step[Symbol.iterator]();
      step[Symbol.iterator]();
    });
    assertThrowsCode(() => g.switchSync(), "STEP_REUSED", /entered with yield\* exactly once/);
    assert.equal(g.dead, true);
    assertHealthy();
  });
});

describe("GreenletError NOT_IN_GREENLET", () => {
  it("g.switch(), g.throw() and awaitOnly() in ordinary code throw at once", () => {
    const g = new Greenlet(function* () {
      return "ran";
    });
    assertThrowsCode(() => g.switch(), "NOT_IN_GREENLET", NOT_IN);
    assertThrowsCode(() => g.throw(), "NOT_IN_GREENLET", NOT_IN);
    assertThrowsCode(() => getcurrent().switch(1), "NOT_IN_GREENLET", NOT_IN);
    assertThrowsCode(() => awaitOnly(Promise.resolve()), "NOT_IN_GREENLET", NOT_IN);
    assert.equal(g.started, false);
    assert.equal(g.switchSync(), "ran");
    assertHealthy();
  });

  it("steps created in ordinary code while async drivers await still throw", async () => {
    let resolve!: () => void;
    const gate = new Promise<void>((r) => {
      resolve = r;
    });
    const pending = greenletSpawn(function* () {
      yield* awaitOnly(gate);
      return "done";
    });
    assertThrowsCode(() => awaitOnly(Promise.resolve()), "NOT_IN_GREENLET", NOT_IN);
    assertThrowsCode(() => getcurrent().switch(), "NOT_IN_GREENLET", NOT_IN);
    resolve();
    assert.equal(await pending, "done");
    assertHealthy();
  });

  it("g.switch() inside a tracer throws NOT_IN_GREENLET in the tracer", () => {
    const main = getcurrent();
    const seen: unknown[] = [];
    settrace(() => {
      try {
        main.switch();
      } catch (error) {
        seen.push(error);
      }
      try {
        awaitOnly(Promise.resolve());
      } catch (error) {
        seen.push(error);
      }
    });
    try {
      const g = new Greenlet(function* () {
        return "body ran";
      });
      assert.equal(g.switchSync(), "body ran");
    } finally {
      settrace(null);
    }
    assert.equal(seen.length, 4);
    for (const error of seen) assertGreenletError(error, "NOT_IN_GREENLET", NOT_IN);
    assertHealthy();
  });

  it("an uncaught NOT_IN_GREENLET in a tracer uninstalls it and is raised in the target", () => {
    const main = getcurrent();
    let ran = false;
    settrace(() => {
      main.switch();
    });
    const g = new Greenlet(function* () {
      ran = true;
    });
    try {
      assertThrowsCode(() => g.switchSync(), "NOT_IN_GREENLET", NOT_IN);
    } finally {
      settrace(null);
    }
    assert.equal(ran, false);
    assert.equal(g.dead, true);
    assertHealthy();
  });
});

describe("GreenletError REENTRANT_DRIVER", () => {
  it("switchSync(), throwSync() inside a body throw REENTRANT_DRIVER without effect", () => {
    const main = getcurrent();
    const other = new Greenlet(function* () {
      yield* main.switch("other suspended");
      return "other finished";
    });
    assert.equal(other.switchSync(), "other suspended");
    const g = new Greenlet(function* () {
      const errors: unknown[] = [];
      try {
        other.switchSync();
      } catch (error) {
        errors.push(error);
      }
      try {
        other.throwSync();
      } catch (error) {
        errors.push(error);
      }
      try {
        new Greenlet(function* () {}).switchSync();
      } catch (error) {
        errors.push(error);
      }
      return errors;
    });
    const errors = g.switchSync() as unknown[];
    assert.equal(errors.length, 3);
    for (const error of errors) assertGreenletError(error, "REENTRANT_DRIVER", REENTRANT);
    assert.equal(other.dead, false);
    assert.equal(other.switchSync(), "other finished");
    assertHealthy();
  });

  it("switchAsync(), throwAsync() and greenletSpawn() inside a body reject with REENTRANT_DRIVER", async () => {
    const main = getcurrent();
    const other = new Greenlet(function* () {
      yield* main.switch("other suspended");
      return "other finished";
    });
    assert.equal(other.switchSync(), "other suspended");
    const g = new Greenlet(function* () {
      return [
        other.switchAsync(),
        other.throwAsync(),
        greenletSpawn(function* () {
          return "spawned";
        }),
      ];
    });
    const promises = g.switchSync() as Promise<unknown>[];
    assert.equal(promises.length, 3);
    for (const promise of promises) {
      await assert.rejects(promise, (error: unknown) => {
        assertGreenletError(error, "REENTRANT_DRIVER", REENTRANT);
        return true;
      });
    }
    assert.equal(other.dead, false);
    assert.equal(other.switchSync(), "other finished");
    assertHealthy();
  });

  it("a driver started inside a tracer throws REENTRANT_DRIVER there", () => {
    const seen: unknown[] = [];
    const victim = new Greenlet(function* () {
      return "victim ran";
    });
    settrace(() => {
      try {
        victim.switchSync();
      } catch (error) {
        seen.push(error);
      }
    });
    try {
      assert.equal(
        new Greenlet(function* () {
          return "body ran";
        }).switchSync(),
        "body ran",
      );
    } finally {
      settrace(null);
    }
    assert.equal(seen.length, 2);
    for (const error of seen) assertGreenletError(error, "REENTRANT_DRIVER", REENTRANT);
    assert.equal(victim.started, false);
    assert.equal(victim.switchSync(), "victim ran");
    assertHealthy();
  });
});

describe("GreenletError WOULD_BLOCK", () => {
  it("awaitOnly() under switchSync() raises WOULD_BLOCK at the await point, catchable", () => {
    const main = getcurrent();
    const g = new Greenlet(function* () {
      try {
        yield* awaitOnly(Promise.resolve("never awaited"));
      } catch (error) {
        const next = yield* main.switch(error);
        return next;
      }
      return "no error";
    });
    assertGreenletError(g.switchSync(), "WOULD_BLOCK", WOULD_BLOCK);
    assert.equal(g.switchSync("goes on"), "goes on");
    assert.equal(g.dead, true);
    assertHealthy();
  });

  it("an uncaught WOULD_BLOCK kills the body and reaches main", () => {
    const g = new Greenlet(function* () {
      yield* awaitOnly(Promise.resolve());
      return "continued";
    });
    assertThrowsCode(() => g.switchSync(), "WOULD_BLOCK", WOULD_BLOCK);
    assert.equal(g.dead, true);
    assertHealthy();
  });

  it("awaitOnly() reached under throwSync() or using (in a finally) names the async kill", () => {
    const main = getcurrent();
    const kills = [(g: Greenlet) => g.throwSync(), (g: Greenlet) => g[Symbol.dispose]()];
    for (const kill of kills) {
      const g = new Greenlet(function* () {
        try {
          yield* main.switch();
        } finally {
          yield* awaitOnly(Promise.resolve());
        }
      });
      g.switchSync();
      assertThrowsCode(() => kill(g), "WOULD_BLOCK", WOULD_BLOCK_KILL);
      assert.equal(g.dead, true);
    }
    assertHealthy();
  });
});

describe("GreenletError parent and run errors", () => {
  it("Greenlet.parent setter throws PARENT_CYCLE for self and longer cycles", () => {
    const a = new Greenlet(function* () {});
    const b = new Greenlet(function* () {}, { parent: a });
    const c = new Greenlet(function* () {}, { parent: b });
    assertThrowsCode(
      () => {
        a.parent = a;
      },
      "PARENT_CYCLE",
      /parent chain would be cyclic/,
    );
    assertThrowsCode(
      () => {
        a.parent = c;
      },
      "PARENT_CYCLE",
      /parent chain would be cyclic/,
    );
    assert.equal(a.parent, getcurrent());
    assert.equal(c.parent, b);
    assertHealthy();
  });

  it("Greenlet.parent setter on main throws MAIN_PARENT", () => {
    const main = getcurrent();
    const g = new Greenlet(function* () {});
    assertThrowsCode(
      () => {
        main.parent = g;
      },
      "MAIN_PARENT",
      /main greenlet/,
    );
    assert.equal(main.parent, null);
    assertHealthy();
  });

  it("Greenlet.run setter after the start throws RUN_AFTER_START (also on main and dead)", () => {
    const main = getcurrent();
    const g = new Greenlet(function* () {
      yield* main.switch();
    });
    g.switchSync();
    const other = function* () {};
    assertThrowsCode(
      () => {
        g.run = other;
      },
      "RUN_AFTER_START",
      /already started/,
    );
    g.throwSync();
    assertThrowsCode(
      () => {
        g.run = other;
      },
      "RUN_AFTER_START",
      /already started/,
    );
    assertThrowsCode(
      () => {
        main.run = other;
      },
      "RUN_AFTER_START",
      /already started/,
    );
    assertHealthy();
  });
});

describe("GreenletError AWAITING", () => {
  it("switchSync() into a greenlet waiting in awaitOnly() throws AWAITING", async () => {
    let resolve!: (v: string) => void;
    const gate = new Promise<string>((r) => {
      resolve = r;
    });
    const g = new Greenlet(function* () {
      return yield* awaitOnly(gate);
    });
    const driver = g.switchAsync();
    assertThrowsCode(() => g.switchSync(), "AWAITING", /only that driver may resume it/);
    resolve("awaited");
    assert.equal(await driver, "awaited");
    assertHealthy();
  });
});

describe("GreenletError TOKEN_USED and TOKEN_MISMATCH", () => {
  it("ContextVar.reset() with a used token throws TOKEN_USED", () => {
    const v = new ContextVar<number>("v", { default: 0 });
    const token = v.set(1);
    v.reset(token);
    assertThrowsCode(() => v.reset(token), "TOKEN_USED", /already been used/);
    assert.equal(v.get(), 0);
    assertHealthy();
  });

  it("ContextVar.reset() with another variable's token throws TOKEN_MISMATCH", () => {
    const a = new ContextVar<number>("a");
    const b = new ContextVar<number>("b");
    const token = a.set(1);
    assertThrowsCode(() => b.reset(token), "TOKEN_MISMATCH", /created by another variable/);
    a.reset(token);
    assert.equal(a.get(), undefined);
    assertHealthy();
  });

  it("ContextVar.reset() with a token from another greenlet throws TOKEN_MISMATCH", () => {
    const v = new ContextVar<string>("v", { default: "none" });
    const token = new Greenlet(function* () {
      return v.set("child");
    }).switchSync() as ReturnType<typeof v.set>;
    assertThrowsCode(() => v.reset(token), "TOKEN_MISMATCH", /created in another greenlet/);
    assert.equal(v.get(), "none");
    assertHealthy();
  });
});

describe("TypeError at the API boundary", () => {
  it("new Greenlet() and the parent setter refuse non-greenlet parents", () => {
    const notGreenlet = { switch() {} } as unknown as Greenlet;
    assertThrowsType(
      () => new Greenlet(function* () {}, { parent: notGreenlet }),
      /expected a greenlet/,
    );
    const g = new Greenlet(function* () {});
    assertThrowsType(() => {
      g.parent = notGreenlet;
    }, /expected a greenlet, not Object/);
    assertThrowsType(() => {
      g.parent = null as unknown as Greenlet;
    }, /expected a greenlet, not null/);
    assert.equal(g.parent, getcurrent());
    assertHealthy();
  });

  it("new Greenlet() refuses a non-function run", () => {
    assertThrowsType(() => new Greenlet(42 as never), /run must be a function, not number/);
    assertThrowsType(() => new Greenlet("run" as never), /run must be a function/);
    assertHealthy();
  });

  it("new Greenlet() and the run setter refuse async functions and async generators", () => {
    assertThrowsType(
      () => new Greenlet((async () => {}) as never),
      /async function; use a generator function/,
    );
    assertThrowsType(
      () => new Greenlet((async function* () {}) as never),
      /async function; use a generator function/,
    );
    const g = new Greenlet();
    assertThrowsType(() => {
      g.run = (async () => {}) as never;
    }, /use a generator function/);
    assertThrowsType(() => {
      g.run = 1 as never;
    }, /run must be a function/);
    assert.equal(g.started, false);
    assertHealthy();
  });

  it("awaitOnly() refuses a generator (an Op): TypeError naming yield*", async () => {
    function* helper(): Op<number> {
      yield* awaitOnly(Promise.resolve());
      return 1;
    }
    const refused = await greenletSpawn(function* () {
      try {
        yield* awaitOnly(helper() as never);
      } catch (error) {
        return error;
      }
    });
    assert.ok(refused instanceof TypeError, `expected a TypeError, got ${String(refused)}`);
    assert.match(refused.message, /^Cannot await a generator: .*yield\* op/);
    assertThrowsType(() => awaitOnly(helper() as never), /^Cannot await a generator/);
    assertHealthy();
  });

  it("settrace() refuses a non-callable tracer", () => {
    assertThrowsType(() => settrace(42 as never), /expected a function or null/);
    assertThrowsType(() => settrace({} as never), /expected a function or null/);
    assertHealthy();
  });

  it("new Greenlet() refuses malformed options", () => {
    const body = function* () {};
    assertThrowsType(() => new Greenlet(body, { name: 5 as never }), /name must be a string/);
    assertThrowsType(
      () => new Greenlet(body, { context: "shared" as never }),
      /context must be "inherit" or "empty"/,
    );
    assertThrowsType(() => new Greenlet(body, 7 as never), /options must be an object/);
    assertHealthy();
  });

  it("awaitOnly() refuses a signal that is not an AbortSignal", () => {
    const g = new Greenlet(function* () {
      try {
        yield* awaitOnly(Promise.resolve(), { signal: {} as AbortSignal });
      } catch (error) {
        return error;
      }
      return "no error";
    });
    const error = g.switchSync();
    assert.ok(error instanceof TypeError);
    assert.match(error.message, /signal must be an AbortSignal/);
    assertThrowsType(
      () => awaitOnly(Promise.resolve(), { signal: "abort" as never }),
      /signal must be an AbortSignal/,
    );
    assertHealthy();
  });

  it("new ContextVar() refuses a non-string name", () => {
    assertThrowsType(() => new ContextVar(1 as never), /name must be a string/);
    assertHealthy();
  });

  it("switchSync() and throwSync() into a greenlet without run raise a TypeError; it stays pending", () => {
    const g = new Greenlet();
    assertThrowsType(() => g.switchSync(), /has no run function/);
    assert.equal(g.started, false);
    assert.equal(g.dead, false);
    g.run = function* () {
      return "late run";
    };
    assert.equal(g.switchSync(), "late run");
    const h = new Greenlet();
    assertThrowsType(() => h.throwSync(), /has no run function/);
    assert.equal(h.started, false);
    assert.ok(new Greenlet(function* () {}).throwSync() instanceof GreenletExit);
    assertHealthy();
  });
});
