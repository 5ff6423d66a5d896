// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// Ports of greenlet's test_tracing.py (TestGreenletTracing), the tracing.rst transfer log and
// the TR-rules. A tracer cannot switch in JS (it is not a generator body): the reentrant-switch
// scripts of TestBrokenGreenlets become "the switch attempt raises NOT_IN_GREENLET".

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  getcurrent,
  gettrace,
  Greenlet,
  GreenletError,
  GreenletExit,
  type Op,
  settrace,
  type TraceArgs,
  type TraceEvent,
  type TraceFn,
} from "../mod.ts";
import { assertHealthy } from "../testing/healthy.ts";

class SomeError extends Error {
  override name = "SomeError";
}

type Action = [TraceEvent, Greenlet, Greenlet];

/** Python's GreenletTracer: records (event, origin, target), optionally raising SomeError. */
class GreenletTracer {
  readonly actions: Action[] = [];
  readonly #errorOnTrace: boolean;
  #old: TraceFn | null = null;
  readonly fn: TraceFn = (event: TraceEvent, { origin, target }: TraceArgs) => {
    this.actions.push([event, origin, target]);
    if (this.#errorOnTrace) throw new SomeError();
  };

  constructor(errorOnTrace = false) {
    this.#errorOnTrace = errorOnTrace;
  }

  enter(): Action[] {
    this.#old = settrace(this.fn);
    return this.actions;
  }

  exit(): void {
    settrace(this.#old);
  }
}

function withTracer<T>(tracer: GreenletTracer, body: (actions: Action[]) => T): T {
  const actions = tracer.enter();
  try {
    return body(actions);
  } finally {
    tracer.exit();
  }
}

function isGreenletError(code: string): (error: unknown) => boolean {
  return (error) => error instanceof GreenletError && error.code === code;
}

describe("test_tracing.py TestGreenletTracing", () => {
  it(
    "settrace() tracer sees switch events for a normal finish and a throw event for an " +
      "exception finish (test_a_greenlet_tracing)",
    () => {
      const main = getcurrent();
      let g1!: Greenlet;
      let g2!: Greenlet;
      const originDead: boolean[] = [];
      const actions = withTracer(new GreenletTracer(), (actions) => {
        g1 = new Greenlet(function dummy() {});
        g1.switchSync();
        originDead.push(g1.dead);
        g2 = new Greenlet(function dummyexc() {
          throw new SomeError();
        });
        assert.throws(() => g2.switchSync(), SomeError);
        return actions;
      });
      assert.deepEqual(actions, [
        ["switch", main, g1],
        ["switch", g1, main],
        ["switch", main, g2],
        ["throw", g2, main],
      ]);
      assert.deepEqual(originDead, [true]);
      assertHealthy();
    },
  );

  it(
    "settrace() tracer that throws is uninstalled and its error reaches the switcher " +
      "(test_b_exception_disables_tracing)",
    () => {
      const main = getcurrent();
      const g = new Greenlet(function* dummy() {
        yield* main.switch();
      });
      g.switchSync();
      const actions = withTracer(new GreenletTracer(true), (actions) => {
        assert.throws(() => g.switchSync(), SomeError);
        assert.equal(gettrace(), null);
        return actions;
      });
      assert.deepEqual(actions, [["switch", main, g]]);
      assert.equal(g.dead, true, "g did not catch the tracer's error and died of it");
      assertHealthy();
    },
  );

  it("settrace() accepts the same tracer twice (test_set_same_tracer_twice)", () => {
    const tracer = new GreenletTracer();
    withTracer(tracer, () => {
      assert.equal(settrace(tracer.fn), tracer.fn);
      assert.equal(gettrace(), tracer.fn);
      new Greenlet(() => undefined).switchSync();
    });
    assert.equal(tracer.actions.length, 2);
    assert.equal(gettrace(), null);
    assertHealthy();
  });
});

describe("tracing.rst doctest", () => {
  it("settrace() logs the exact transfers between the Origin and Target subclasses", () => {
    const log: string[] = [];
    const main = getcurrent();
    const show = (g: Greenlet) => (g === main ? "<main>" : String(g));
    const callback: TraceFn = (event, args) => {
      if (event === "switch" || event === "throw") {
        const { origin, target } = args;
        log.push(`Transfer from ${show(origin)} to ${show(target)} with ${event}`);
      }
    };
    class Origin extends Greenlet {
      override *run(): Op<void> {
        log.push("In origin");
        yield* target.switch();
        log.push("Returned to origin");
        yield* target.throw();
      }
      override toString(): string {
        return "<origin>";
      }
    }
    class Target extends Greenlet {
      override *run(): Op<void> {
        yield* origin.switch();
      }
      override toString(): string {
        return "<target>";
      }
    }
    const oldTrace = settrace(callback);
    const origin = new Origin();
    const target = new Target();
    let result: unknown;
    try {
      result = origin.switchSync();
    } finally {
      settrace(oldTrace);
    }
    assert.deepEqual(log, [
      "Transfer from <main> to <origin> with switch",
      "In origin",
      "Transfer from <origin> to <target> with switch",
      "Transfer from <target> to <origin> with switch",
      "Returned to origin",
      "Transfer from <origin> to <target> with throw",
      "Transfer from <target> to <main> with switch",
    ]);
    assert.ok(result instanceof GreenletExit);
    assert.equal(target.dead, true);
    assert.equal(origin.active, true, "origin stays suspended in its throw");
    assertHealthy();
  });
});

describe("settrace() TR-rules", () => {
  it("settrace() returns the previous tracer and gettrace() the current one (TR1)", () => {
    const a: TraceFn = () => {};
    const b: TraceFn = () => {};
    assert.equal(gettrace(), null);
    assert.equal(settrace(a), null);
    assert.equal(gettrace(), a);
    assert.equal(settrace(b), a);
    assert.equal(settrace(null), b);
    assert.equal(gettrace(), null);
    assertHealthy();
  });

  it("settrace() rejects a tracer that is not a function with TypeError (TR6, JS form)", () => {
    assert.throws(() => settrace(123 as unknown as TraceFn), TypeError);
    assert.equal(gettrace(), null);
    assertHealthy();
  });

  it("settrace() tracer runs inside the target greenlet (TR5)", () => {
    const main = getcurrent();
    const seen: boolean[] = [];
    const g = new Greenlet(function* () {
      yield* main.switch();
    });
    settrace((_event, { target }) => {
      seen.push(getcurrent() === target);
    });
    try {
      g.switchSync();
      g.switchSync();
    } finally {
      settrace(null);
    }
    assert.deepEqual(seen, [true, true, true, true]);
    assertHealthy();
  });

  it(
    "settrace() tracer fires for a switch to self and for a dead greenlet whose live ancestor " +
      "is the caller (TR3, S5, S6)",
    () => {
      const main = getcurrent();
      const dead = new Greenlet(() => 5);
      dead.switchSync();
      const actions = withTracer(new GreenletTracer(), (actions) => {
        assert.deepEqual(main.switchSync(1, 2), [1, 2]);
        assert.equal(dead.switchSync(7), 7);
        return actions;
      });
      assert.deepEqual(actions, [["switch", main, main], ["switch", main, main]]);

      const inner = withTracer(new GreenletTracer(), (actions) => {
        const g = new Greenlet(function* () {
          const me = getcurrent();
          return yield* me.switch("to self");
        });
        assert.equal(g.switchSync(), "to self");
        return actions.map(([event, origin, target]) => [event, origin === target]);
      });
      assert.deepEqual(inner, [["switch", false], ["switch", true], ["switch", false]]);
      assertHealthy();
    },
  );

  it("settrace() tracer does not fire when a switch fails for a missing run (TR3)", () => {
    const actions = withTracer(new GreenletTracer(), (actions) => {
      const g = new Greenlet();
      assert.throws(() => g.switchSync(), TypeError);
      return actions;
    });
    assert.deepEqual(actions, []);
    assertHealthy();
  });

  it(
    "settrace() tracer gets a switch event for a GreenletExit escaping run and a throw event " +
      "for other errors (TR4)",
    () => {
      const main = getcurrent();
      const events = withTracer(new GreenletTracer(), (actions) => {
        const exits = new Greenlet(() => {
          throw new GreenletExit("x");
        });
        assert.ok(exits.switchSync() instanceof GreenletExit);
        const kills = new Greenlet(function* () {
          yield* main.switch();
        });
        kills.switchSync();
        assert.ok(kills.throwSync() instanceof GreenletExit);
        return actions.map(([event]) => event);
      });
      assert.deepEqual(events, ["switch", "switch", "switch", "switch", "throw", "switch"]);
      assertHealthy();
    },
  );

  it(
    "settrace() tracer that throws while a greenlet starts kills it without running it (TR6)",
    () => {
      let ran = false;
      const g = new Greenlet(() => {
        ran = true;
      });
      const actions = withTracer(new GreenletTracer(true), (actions) => {
        assert.throws(() => g.switchSync(), SomeError);
        assert.equal(gettrace(), null);
        return actions;
      });
      assert.equal(actions.length, 1);
      assert.equal(ran, false);
      assert.equal(g.dead, true);
      assertHealthy();
    },
  );

  it("settrace() tracer error replaces the payload and can be caught by the target (TR6)", () => {
    const main = getcurrent();
    const g = new Greenlet(function* () {
      try {
        yield* main.switch("waiting");
      } catch (error) {
        return ["caught", (error as Error).name];
      }
      return ["not caught"];
    });
    assert.equal(g.switchSync(), "waiting");
    const result = withTracer(new GreenletTracer(true), () => g.switchSync("payload"));
    assert.deepEqual(result, ["caught", "SomeError"]);
    assert.equal(gettrace(), null);
    assertHealthy();
  });

  it(
    "settrace() tracer that tries to switch raises NOT_IN_GREENLET in the target " +
      "(test_reentrant_switch_two_greenlets, JS form)",
    () => {
      const log: string[] = [];
      let switchToG2 = false;
      const tracefunc: TraceFn = (event) => {
        log.push(`TRACE ${event}`);
        if (switchToG2) {
          switchToG2 = false;
          // A tracer is not a generator body: creating a step here is refused.
          const step = g2.switch();
          log.push(`unreachable ${String(step)}`);
        }
        log.push(`LEAVE TRACE ${event}`);
      };
      const g1 = new Greenlet(function* g1Run() {
        log.push("In g1_run");
        switchToG2 = true;
        yield* getcurrent().parent!.switch();
        log.push("Return to g1_run");
        log.push("Falling off end of g1_run");
      });
      const g2: Greenlet = new Greenlet(function* g2Run() {
        yield* g1.switch();
        log.push("Falling off end of g2");
      });
      settrace(tracefunc);
      try {
        assert.throws(() => g1.switchSync(), isGreenletError("NOT_IN_GREENLET"));
        assert.equal(gettrace(), null, "the failing tracer is uninstalled");
      } finally {
        settrace(null);
      }
      log.push("Falling off end of main");
      g2.switchSync();
      assert.deepEqual(log, [
        "TRACE switch",
        "LEAVE TRACE switch",
        "In g1_run",
        "TRACE switch",
        "Falling off end of main",
        "Return to g1_run",
        "Falling off end of g1_run",
      ]);
      assert.equal(g1.dead, true);
      assert.equal(g2.active, true, "g2 stays suspended: g1 finished into main, its parent");
      assertHealthy();
    },
  );

  it(
    "settrace() tracer that tries to switch while a greenlet starts kills it with " +
      "NOT_IN_GREENLET (test_reentrant_switch_three_greenlets2, JS form)",
    () => {
      let ran = false;
      const g = new Greenlet(() => {
        ran = true;
      });
      settrace((_event, { target }) => {
        void target.parent!.switch("from tracefunc");
      });
      try {
        assert.throws(() => g.switchSync("g arg"), isGreenletError("NOT_IN_GREENLET"));
        assert.equal(gettrace(), null);
      } finally {
        settrace(null);
      }
      assert.equal(ran, false);
      assert.equal(g.dead, true);
      assertHealthy();
    },
  );

  it("settrace() tracer that calls a driver raises REENTRANT_DRIVER in the target", () => {
    const other = new Greenlet(() => "other");
    const g = new Greenlet(() => "g");
    settrace(() => {
      other.switchSync();
    });
    try {
      assert.throws(() => g.switchSync(), isGreenletError("REENTRANT_DRIVER"));
    } finally {
      settrace(null);
    }
    assert.equal(g.dead, true);
    assert.equal(other.started, false);
    assertHealthy();
  });
});
