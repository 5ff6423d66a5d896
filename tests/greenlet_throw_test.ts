// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// Ports of greenlet's test_throw.py and the W-rules of throw(): the JS form takes one argument
// (omitted → a new GreenletExit, an Error class → a new instance, anything else as is).

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { getcurrent, Greenlet, GreenletExit, type Op, settrace, type TraceEvent } from "../mod.ts";
import { assertHealthy } from "../testing/healthy.ts";

class RuntimeError extends Error {
  override name = "RuntimeError";
}
class IndexError extends Error {
  override name = "IndexError";
}
class ValueError extends Error {
  override name = "ValueError";
}

/** Python's module-level `switch(*args)`: switch to the current greenlet's parent. */
function* switchUp(...args: unknown[]): Op<unknown> {
  return yield* getcurrent().parent!.switch(...args);
}

describe("test_throw.py ThrowTests", () => {
  it("Greenlet.throwSync(ErrorClass) raises a new instance the body catches (test_class)", () => {
    const g = new Greenlet(function* f() {
      try {
        yield* switchUp("ok");
      } catch (error) {
        if (error instanceof RuntimeError) {
          yield* switchUp("ok");
          return;
        }
        throw error;
      }
      yield* switchUp("fail");
    });
    assert.equal(g.switchSync(), "ok");
    assert.equal(g.throwSync(RuntimeError), "ok");
    assert.equal(g.active, true);
    g.switchSync();
    assert.equal(g.dead, true);
    assertHealthy();
  });

  it(
    "Greenlet.throwSync(instance) raises that instance with its message (test_val, " +
      "one-argument form)",
    () => {
      const thrown = new RuntimeError("ciao");
      const caught: unknown[] = [];
      function* f(): Op<void> {
        try {
          yield* switchUp("ok");
        } catch (error) {
          caught.push(error);
          if ((error as Error).message === "ciao") {
            yield* switchUp("ok");
            return;
          }
        }
        yield* switchUp("fail");
      }
      let g = new Greenlet(f);
      assert.equal(g.switchSync(), "ok");
      assert.equal(g.throwSync(thrown), "ok");
      assert.equal(caught[0], thrown, "the very instance is raised");

      // Python's throw(RuntimeError, "ciao") has no JS form; a class gives a message-less
      // instance, so the body reports "fail".
      g = new Greenlet(f);
      assert.equal(g.switchSync(), "ok");
      assert.equal(g.throwSync(RuntimeError), "fail");
      assert.ok(caught[1] instanceof RuntimeError);
      assert.equal((caught[1] as Error).message, "");
      assertHealthy();
    },
  );

  it(
    "Greenlet.throwSync() kills and returns a GreenletExit, also on the dead greenlet " +
      "(test_kill)",
    () => {
      const g = new Greenlet(function* f() {
        yield* switchUp("ok");
        yield* switchUp("fail");
      });
      assert.equal(g.switchSync(), "ok");
      let res = g.throwSync();
      assert.ok(res instanceof GreenletExit);
      assert.equal(g.dead, true);
      // Immediately eaten by the already-dead greenlet.
      res = g.throwSync();
      assert.ok(res instanceof GreenletExit);
      assertHealthy();
    },
  );

  it(
    "Greenlet.throwSync() sends an uncaught error to the greenlet's parent " +
      "(test_throw_goes_to_original_parent)",
    () => {
      const main = getcurrent();
      function* f1(): Op<string> {
        try {
          yield* main.switch("f1 ready to catch");
        } catch (error) {
          if (error instanceof IndexError) return "caught";
          throw error;
        }
        return "normal exit";
      }
      function* f2(): Op<void> {
        yield* main.switch("from f2");
      }

      // Both pending: g2 dies without running, g1 is started by the error and dies too.
      let g1 = new Greenlet(f1);
      let g2 = new Greenlet(f2, { parent: g1 });
      assert.throws(() => g2.throwSync(IndexError), IndexError);
      assert.equal(g2.dead, true);
      assert.equal(g1.dead, true);

      // g1 waits to catch; g2 pending.
      g1 = new Greenlet(f1);
      g2 = new Greenlet(f2, { parent: g1 });
      assert.equal(g1.switchSync(), "f1 ready to catch");
      assert.equal(g2.throwSync(IndexError), "caught");
      assert.equal(g2.dead, true);
      assert.equal(g1.dead, true);

      // g1 waits to catch; g2 suspended.
      g1 = new Greenlet(f1);
      g2 = new Greenlet(f2, { parent: g1 });
      assert.equal(g1.switchSync(), "f1 ready to catch");
      assert.equal(g2.switchSync(), "from f2");
      assert.equal(g2.throwSync(IndexError), "caught");
      assert.equal(g2.dead, true);
      assert.equal(g1.dead, true);
      assertHealthy();
    },
  );

  it(
    "Greenlet.throwSync(non-error) raises the value as is (test_not_throwable, JS form: " +
      "JS can throw anything)",
    () => {
      assert.throws(() => getcurrent().throwSync("abc"), (e: unknown) => e === "abc");
      const g = new Greenlet(function* () {
        try {
          yield* switchUp();
        } catch (error) {
          return ["caught", error];
        }
      });
      g.switchSync();
      assert.deepEqual(g.throwSync(42), ["caught", 42]);
      assertHealthy();
    },
  );
});

describe("throw() W-rules", () => {
  it("yield* g.throw() inside a body kills a sibling and returns its GreenletExit (W1, W7)", () => {
    const main = getcurrent();
    const victim = new Greenlet(function* () {
      yield* main.switch();
    });
    victim.switchSync();
    const killer = new Greenlet(function* () {
      return yield* victim.throw();
    }, { parent: victim });
    assert.ok(killer.switchSync() instanceof GreenletExit);
    assert.equal(victim.dead, true);
    assert.equal(killer.active, true, "the killer stays suspended in its throw");
    assertHealthy();
  });

  it("Greenlet.throwSync() returns what a body that catches GreenletExit returns (W7)", () => {
    const main = getcurrent();
    const log: string[] = [];
    const g = new Greenlet(function* () {
      try {
        yield* main.switch();
      } catch (error) {
        if (error instanceof GreenletExit) return "cleaned up";
        throw error;
      } finally {
        log.push("finally");
      }
    });
    g.switchSync();
    assert.equal(g.throwSync(), "cleaned up");
    assert.deepEqual(log, ["finally"]);
    assert.equal(g.dead, true);
    assertHealthy();
  });

  it("Greenlet.throwSync() delivers a GreenletExit subclass instance as the value (W2, E3)", () => {
    class MyExit extends GreenletExit {}
    const main = getcurrent();
    const g = new Greenlet(function* () {
      yield* main.switch();
    });
    g.switchSync();
    const exit = new MyExit("m");
    assert.equal(g.throwSync(exit), exit);
    const h = new Greenlet(function* () {
      yield* main.switch();
    });
    h.switchSync();
    const result = h.throwSync(MyExit);
    assert.ok(result instanceof MyExit);
    assert.equal(h.dead, true);
    assertHealthy();
  });

  it("Greenlet.throwSync() on a pending greenlet kills it without running its body (W4)", () => {
    const events: [TraceEvent, string, string][] = [];
    const main = getcurrent();
    const name = (g: Greenlet) => (g === main ? "main" : g.name);
    let ran = false;
    const u = new Greenlet(() => {
      ran = true;
    }, { name: "u" });
    settrace((event, { origin, target }) => {
      events.push([event, name(origin), name(target)]);
    });
    try {
      assert.throws(() => u.throwSync(new ValueError("x")), ValueError);
    } finally {
      settrace(null);
    }
    assert.equal(ran, false);
    assert.equal(u.dead, true);
    assert.equal(u.started, true, "dead implies started, as in the native tier");
    assert.deepEqual(events, [["throw", "main", "u"], ["throw", "u", "main"]]);

    events.length = 0;
    const v = new Greenlet(() => {
      ran = true;
    }, { name: "v" });
    settrace((event, { origin, target }) => {
      events.push([event, name(origin), name(target)]);
    });
    let result: unknown;
    try {
      result = v.throwSync();
    } finally {
      settrace(null);
    }
    assert.ok(result instanceof GreenletExit);
    assert.equal(ran, false);
    assert.equal(v.dead, true);
    assert.deepEqual(events, [["throw", "main", "v"], ["switch", "v", "main"]]);
    assertHealthy();
  });

  it(
    "Greenlet.throwSync() into a dead greenlet: GreenletExit comes back as a value, other " +
      "errors are raised (W5)",
    () => {
      const d = new Greenlet(() => 5);
      assert.equal(d.switchSync(), 5);
      assert.ok(d.throwSync() instanceof GreenletExit);
      const bye = new GreenletExit("bye");
      assert.equal(d.throwSync(bye), bye);
      const v = new ValueError("v");
      assert.throws(() => d.throwSync(v), (e: unknown) => e === v);
      assertHealthy();
    },
  );

  it(
    "yield* dead.throw() resumes the nearest live ancestor with GreenletExit as a value or the " +
      "error raised (W5)",
    () => {
      const main = getcurrent();
      const p = new Greenlet(function* () {
        const child = new Greenlet(() => "child done");
        const first = yield* child.switch();
        const exitValue = yield* child.throw();
        let raised: unknown;
        try {
          yield* child.throw(new ValueError("v"));
        } catch (error) {
          raised = error;
        }
        yield* main.switch([first, exitValue, raised]);
      });
      const [first, exitValue, raised] = p.switchSync() as unknown[];
      assert.equal(first, "child done");
      assert.ok(exitValue instanceof GreenletExit);
      assert.ok(raised instanceof ValueError);
      p.switchSync();
      assert.equal(p.dead, true);
      assertHealthy();
    },
  );

  it(
    "Greenlet.throw() into a pending child whose parent is pending starts the parent with no " +
      "arguments (S8, W4)",
    () => {
      const received: unknown[][] = [];
      const parent = new Greenlet((...args: unknown[]) => {
        received.push(args);
        return "parent ran";
      });
      const child = new Greenlet(() => "never", { parent });
      assert.equal(child.throwSync(), "parent ran");
      assert.deepEqual(received, [[]]);
      assert.equal(child.dead, true);
      assertHealthy();
    },
  );

  it(
    "yield* getcurrent().throw() raises at once in the caller, GreenletExit unconverted (W6)",
    () => {
      const events: TraceEvent[] = [];
      const g = new Greenlet(function* () {
        const me = getcurrent();
        const seen: unknown[] = [];
        for (const error of [new ValueError("me"), new GreenletExit("me")]) {
          try {
            yield* me.throw(error);
            seen.push("not raised");
          } catch (caught) {
            seen.push(caught === error);
          }
        }
        return seen;
      });
      settrace((event, { origin, target }) => {
        if (origin === g && target === g) events.push(event);
      });
      let seen: unknown;
      try {
        seen = g.switchSync();
      } finally {
        settrace(null);
      }
      assert.deepEqual(seen, [true, true]);
      assert.deepEqual(events, ["throw", "throw"]);
      const main = getcurrent();
      const exit = new GreenletExit("me");
      assert.throws(() => main.throwSync(exit), (e: unknown) => e === exit);
      assert.throws(() => main.throwSync(ValueError), ValueError);
      assertHealthy();
    },
  );

  it("Greenlet.throwSync(undefined) throws a new GreenletExit like throwSync() (W2)", () => {
    const main = getcurrent();
    const caught: unknown[] = [];
    const g = new Greenlet(function* () {
      try {
        yield* main.switch();
      } catch (error) {
        caught.push(error);
        throw error;
      }
    });
    g.switchSync();
    const result = g.throwSync(undefined);
    assert.ok(result instanceof GreenletExit);
    assert.equal(caught[0], result);
    assertHealthy();
  });
});
