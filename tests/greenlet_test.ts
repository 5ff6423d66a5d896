// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// Ports of greenlet's test_greenlet.py (TestGreenlet, TestGreenletSetParentErrors, TestRepr,
// TestMainGreenlet) and of the doctests in greenlet.rst, switching.rst,
// creating_executing_greenlets.rst and gui_example.rst. Python's `()` for "no arguments" is
// `undefined` here; AttributeError("run") is a TypeError raised in the caller.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  getcurrent,
  Greenlet,
  GreenletError,
  GreenletExit,
  type GreenletRun,
  type Op,
} from "../mod.ts";
import { assertHealthy } from "../testing/healthy.ts";

class SomeError extends Error {
  override name = "SomeError";
}

class KeyError extends Error {
  override name = "KeyError";
}

/** Python's `fmain`: waits in the parent, records what was raised there, else raises SomeError. */
function* fmain(seen: unknown[]): Op<never> {
  try {
    yield* getcurrent().parent!.switch();
  } catch (error) {
    seen.push((error as object).constructor);
    throw error;
  }
  throw new SomeError();
}

/** Python's `send_exception`: a crasher greenlet whose parent is `g` raises `error` into `g`. */
function sendException(g: Greenlet, error: unknown): void {
  const crasher = new Greenlet((e: unknown) => {
    throw e;
  }, { parent: g });
  crasher.switchSync(error);
}

function isGreenletError(code: string): (error: unknown) => boolean {
  return (error) => error instanceof GreenletError && error.code === code;
}

describe("TestGreenlet", () => {
  it("Greenlet.switchSync() ping-pongs with a child in order 0..4 (test_simple)", () => {
    const lst: number[] = [];
    const g = new Greenlet(function* () {
      lst.push(1);
      yield* getcurrent().parent!.switch();
      lst.push(3);
    });
    lst.push(0);
    g.switchSync();
    lst.push(2);
    g.switchSync();
    lst.push(4);
    assert.deepEqual(lst, [0, 1, 2, 3, 4]);
    assert.equal(g.dead, true);
    assertHealthy();
  });

  it(
    "Greenlet.switchSync() on a greenlet without run raises TypeError in the caller " +
      "(test_switch_no_run_raises_AttributeError)",
    () => {
      const g = new Greenlet();
      assert.throws(() => g.switchSync(), (e: unknown) => {
        return e instanceof TypeError && /run/.test(e.message);
      });
      assert.equal(g.dead, false);
      assert.equal(g.started, false);
      // Setting run afterwards and switching again works (rule R2).
      g.run = () => "late run";
      assert.equal(g.switchSync(), "late run");
      assert.equal(g.dead, true);
      assertHealthy();
    },
  );

  it(
    "Greenlet.throwSync() on a greenlet without run raises TypeError in the caller " +
      "(test_throw_no_run_raises_AttributeError)",
    () => {
      const g = new Greenlet();
      assert.throws(() => g.throwSync(SomeError), (e: unknown) => {
        return e instanceof TypeError && /run/.test(e.message);
      });
      assert.equal(g.dead, false);
      assert.equal(g.started, false);
      assertHealthy();
    },
  );

  it("new Greenlet() with parent null keeps getcurrent() as parent (test_parent_equals_None)", () => {
    const g = new Greenlet(undefined, { parent: null });
    assert.ok(g instanceof Greenlet);
    assert.equal(g.parent, getcurrent());
    const inner = new Greenlet(function* () {
      return new Greenlet(undefined, { parent: null }).parent;
    });
    assert.equal(inner.switchSync(), inner);
    assertHealthy();
  });

  it("Greenlet.run is undefined when none was given (test_run_equals_None)", () => {
    const g = new Greenlet(undefined);
    assert.ok(g instanceof Greenlet);
    assert.equal(g.run, undefined);
    const h = new Greenlet(null as unknown as GreenletRun);
    assert.equal(h.run, undefined);
    assertHealthy();
  });

  it("Greenlet.switchSync() runs two children of main one after another (test_two_children)", () => {
    const lst: number[] = [];
    function* f(): Op<void> {
      lst.push(1);
      yield* getcurrent().parent!.switch();
      lst.push(1, 1);
    }
    const g = new Greenlet(f);
    const h = new Greenlet(f);
    g.switchSync();
    assert.equal(lst.length, 1);
    h.switchSync();
    assert.equal(lst.length, 2);
    h.switchSync();
    assert.equal(lst.length, 4);
    assert.equal(h.dead, true);
    g.switchSync();
    assert.equal(lst.length, 6);
    assert.equal(g.dead, true);
    assertHealthy();
  });

  it(
    "Greenlet.switchSync() lets a child start a grandchild that switches back to it " +
      "(test_two_recursive_children, without the refcount lines)",
    () => {
      const lst: string[] = [];
      function* f(): Op<void> {
        lst.push("b");
        yield* getcurrent().parent!.switch();
      }
      const g = new Greenlet(function* () {
        lst.push("a");
        const grandchild = new Greenlet(f);
        yield* grandchild.switch();
        lst.push("c");
        return grandchild;
      });
      const grandchild = g.switchSync() as Greenlet;
      assert.deepEqual(lst, ["a", "b", "c"]);
      assert.equal(grandchild.parent, g);
      assert.equal(grandchild.active, true, "the grandchild stays suspended");
      assert.equal(g.dead, true);
      assertHealthy();
    },
  );

  it(
    "Greenlet.switchSync() sends a dead child's exception to the reassigned parent, then " +
      "returns undefined or the argument (test_exception)",
    () => {
      const seen: unknown[] = [];
      const g1 = new Greenlet(fmain);
      const g2 = new Greenlet(fmain);
      g1.switchSync(seen);
      g2.switchSync(seen);
      g2.parent = g1;
      assert.deepEqual(seen, []);
      assert.throws(() => g2.switchSync(), SomeError);
      assert.deepEqual(seen, [SomeError]);
      assert.equal(g1.dead, true);
      assert.equal(g2.dead, true);
      let value = g2.switchSync();
      assert.equal(value, undefined);
      assert.deepEqual(seen, [SomeError]);
      value = g2.switchSync(25);
      assert.equal(value, 25);
      assert.deepEqual(seen, [SomeError]);
      assertHealthy();
    },
  );

  it(
    "Greenlet.switchSync() raises a helper's exception inside its parent g (test_send_exception)",
    () => {
      const seen: unknown[] = [];
      const g1 = new Greenlet(fmain);
      g1.switchSync(seen);
      assert.throws(() => sendException(g1, new KeyError("k")), KeyError);
      assert.deepEqual(seen, [KeyError]);
      assert.equal(g1.dead, true);
      assertHealthy();
    },
  );

  it(
    "Greenlet.active is true while suspended and false after death; the value passes out " +
      "(test_frame, without gr_frame)",
    () => {
      const g = new Greenlet(function* () {
        const token = { marker: "frame stand-in" };
        yield* getcurrent().parent!.switch(token);
        return "meaning of life";
      });
      const passedOut = g.switchSync() as { marker: string };
      assert.equal(passedOut.marker, "frame stand-in");
      assert.equal(g.active, true);
      const fromG = g.switchSync();
      assert.equal(g.active, false);
      assert.equal(fromG, "meaning of life");
      assertHealthy();
    },
  );

  it(
    "Greenlet.switchSync() passes several arguments to run positionally " +
      "(test_switch_kwargs, positional form: no kwargs in JS)",
    () => {
      const x = new Greenlet((a: number, b: number) => {
        assert.equal(a, 4);
        assert.equal(b, 2);
        return 42;
      }).switchSync(4, 2);
      assert.equal(x, 42);
      assertHealthy();
    },
  );

  it(
    "Greenlet.switch() delivers one object as itself and several values as an array " +
      "(test_switch_kwargs_to_parent, JS form: an object in place of kwargs)",
    () => {
      const g = new Greenlet(function* (x: number) {
        yield* getcurrent().parent!.switch({ x });
        yield* getcurrent().parent!.switch(2, { x: 3 });
        return [x, x ** 2];
      });
      assert.deepEqual(g.switchSync(3), { x: 3 });
      assert.deepEqual(g.switchSync(), [2, { x: 3 }]);
      assert.deepEqual(g.switchSync(), [3, 9]);
      assertHealthy();
    },
  );

  it(
    "Greenlet instances carry user properties set inside the body (test_instance_dict, " +
      "without __dict__)",
    () => {
      type Tagged = Greenlet & { test?: number };
      const g: Tagged = new Greenlet(function* () {
        (getcurrent() as Tagged).test = 42;
      });
      assert.equal(g.test, undefined);
      g.switchSync();
      assert.equal(g.test, 42);
      assert.deepEqual(Object.entries(g), [["test", 42]]);
      assertHealthy();
    },
  );

  it(
    "Greenlet.run reads undefined on the running greenlet (test_running_greenlet_has_no_run)",
    () => {
      const hasRun: boolean[] = [];
      const g = new Greenlet(function* () {
        hasRun.push(getcurrent().run !== undefined);
      });
      assert.equal(typeof g.run, "function");
      g.switchSync();
      assert.deepEqual(hasRun, [false]);
      assertHealthy();
    },
  );

  it(
    "structuredClone() of a greenlet is not a greenlet and cannot be a parent " +
      "(test_deepcopy, clone analogue)",
    () => {
      const g = new Greenlet(() => 1);
      const copy: unknown = structuredClone(g);
      assert.equal(copy instanceof Greenlet, false);
      const child = new Greenlet(() => 2);
      assert.throws(() => {
        child.parent = copy as Greenlet;
      }, TypeError);
      assert.equal(child.parent, getcurrent());
      assert.equal(g.switchSync(), 1);
      assertHealthy();
    },
  );

  it(
    "Greenlet.switchSync() raises TypeError in main when a child finishes into a parent " +
      "without run (test_parent_return_failure)",
    () => {
      const g1 = new Greenlet();
      const g2 = new Greenlet(() => undefined, { parent: g1 });
      assert.throws(() => g2.switchSync(), (e: unknown) => {
        return e instanceof TypeError && /run/.test(e.message);
      });
      assert.equal(g2.dead, true);
      assert.equal(g1.started, false, "the parent without run stays pending");
      assertHealthy();
    },
  );

  it(
    "Greenlet.switchSync() raises TypeError when a child finishes into a pending parent whose " +
      "run rejects the result (test_falling_off_end_switches_to_unstarted_parent_raises_error)",
    () => {
      // Python's TypeError comes from calling a 0-argument run with one argument; a JS function
      // accepts extra arguments, so this run checks its arity the way Python would.
      const parentNeverStarted = new Greenlet(function noArgs(...args: unknown[]) {
        if (args.length !== 0) {
          throw new TypeError(`noArgs() takes 0 positional arguments but ${args.length} given`);
        }
        return 13;
      });
      const child = new Greenlet(() => 42, { parent: parentNeverStarted });
      assert.throws(() => child.switchSync(), TypeError);
      assert.equal(child.dead, true);
      assert.equal(parentNeverStarted.dead, true);
      assertHealthy();
    },
  );

  it(
    "Greenlet.switchSync() starts a pending parent with the child's result " +
      "(test_falling_off_end_switches_to_unstarted_parent_works)",
    () => {
      const parentNeverStarted = new Greenlet((x: number) => [x, 24]);
      const child = new Greenlet(() => 42, { parent: parentNeverStarted });
      assert.deepEqual(child.switchSync(), [42, 24]);
      assert.equal(parentNeverStarted.dead, true);
      assertHealthy();
    },
  );

  it(
    "Greenlet.switchSync() raises a pending parent's failing run lookup in main, twice " +
      "(test_switch_to_dead_greenlet_with_unstarted_perverse_parent)",
    () => {
      // Python's __getattribute__ hook: reading `run` raises (defined on the prototype, as a
      // class getter could not override Greenlet's `run` in every typing of it).
      class Parent extends Greenlet {}
      Object.defineProperty(Parent.prototype, "run", {
        get(): never {
          throw new SomeError("run lookup");
        },
      });
      const parentNeverStarted = new Parent();
      const seen: number[] = [];
      const child = new Greenlet(() => {
        seen.push(42);
      }, { parent: parentNeverStarted });
      assert.throws(() => child.switchSync(), SomeError);
      assert.deepEqual(seen, [42]);
      assert.throws(() => child.switchSync(), SomeError);
      assert.deepEqual(seen, [42]);
      assert.equal(child.dead, true);
      assert.equal(parentNeverStarted.started, false);
      assertHealthy();
    },
  );

  it(
    "Greenlet.switchSync() to a dead child starts its new pending parent " +
      "(test_switch_to_dead_greenlet_reparent)",
    () => {
      const seen: number[] = [];
      const parentNeverStarted = new Greenlet(() => {
        seen.push(24);
      });
      const child = new Greenlet(() => {
        seen.push(42);
      });
      child.switchSync();
      assert.deepEqual(seen, [42]);
      child.parent = parentNeverStarted;
      const result = child.switchSync();
      assert.equal(result, undefined);
      assert.deepEqual(seen, [42, 24]);
      assert.equal(parentNeverStarted.dead, true);
      assertHealthy();
    },
  );

  it(
    "yield* g.switch() from nested helpers interleaves two greenlets " +
      "(test_switching_holding_critical_section_no_crash, switching logic only)",
    () => {
      const log: string[] = [];
      function* k1(x: number): Op<number> {
        log.push("k1 in g1");
        yield* g2.switch();
        log.push("k1 back in g1");
        return x;
      }
      function* k2(x: number): Op<number> {
        log.push("k2 in g2");
        yield* g1.switch();
        log.push("k2 back in g2");
        return x;
      }
      const g1: Greenlet = new Greenlet(function* () {
        const key = yield* k1(0);
        yield* g2.switch();
        return key;
      });
      const g2: Greenlet = new Greenlet(function* () {
        const key = yield* k2(0);
        log.push(`g2 done ${key}`);
      });
      g1.switchSync();
      assert.deepEqual(log, [
        "k1 in g1",
        "k2 in g2",
        "k1 back in g1",
        "k2 back in g2",
        "g2 done 0",
      ]);
      assert.equal(g2.dead, true);
      assert.equal(g1.active, true, "g1 stays suspended in its last switch");
      assertHealthy();
    },
  );
});

describe("greenlet rules beyond the test files (section 2)", () => {
  it("a pending greenlet killed or thrown into before it ran is dead, and dead implies started", () => {
    let ran = false;
    const killed = new Greenlet(function* () {
      ran = true;
    });
    assert.ok(killed.throwSync() instanceof GreenletExit);
    const thrown = new Greenlet(function* () {
      ran = true;
    });
    assert.throws(() => thrown.throwSync(new RangeError("before start")), RangeError);
    for (const g of [killed, thrown]) {
      assert.deepEqual([g.dead, g.started, g.active], [true, true, false]);
    }
    assert.equal(ran, false);
    assertHealthy();
  });

  it("Greenlet.switchSync() returns to the parent, not to the switcher (S4)", () => {
    const main = getcurrent();
    const p = new Greenlet(function* pRun() {
      const v = yield* main.switch("p suspended");
      return ["p got", v];
    });
    assert.equal(p.switchSync(), "p suspended");
    const c = new Greenlet(() => "c result", { parent: p });
    assert.deepEqual(c.switchSync(), ["p got", "c result"]);
    assertHealthy();
  });

  it("Greenlet.switchSync() raises a child's error in its suspended parent (E1)", () => {
    const main = getcurrent();
    const p2 = new Greenlet(function* p2Run() {
      try {
        yield* main.switch();
      } catch (error) {
        if (error instanceof RangeError) return "p2 caught";
        throw error;
      }
      return "p2 not reached";
    });
    p2.switchSync();
    const child = new Greenlet(() => {
      throw new RangeError("division by zero");
    }, { parent: p2 });
    assert.equal(child.switchSync(), "p2 caught");
    assertHealthy();
  });

  it("Greenlet.switchSync() returns a GreenletExit escaping run as a value (E3)", () => {
    class MyExit extends GreenletExit {}
    const exit = new Greenlet(() => {
      throw new GreenletExit("x");
    }).switchSync();
    assert.ok(exit instanceof GreenletExit);
    assert.equal((exit as GreenletExit).message, "x");
    const mine = new Greenlet(() => {
      throw new MyExit("m");
    }).switchSync();
    assert.ok(mine instanceof MyExit);
    assertHealthy();
  });

  it(
    "Greenlet.switchSync() kills a pending parent without running it when the child raises " +
      "(S8)",
    () => {
      let ran = false;
      const parent = new Greenlet(() => {
        ran = true;
      });
      const child = new Greenlet(() => {
        throw new RangeError("x");
      }, { parent });
      assert.throws(() => child.switchSync(), RangeError);
      assert.equal(ran, false);
      assert.equal(parent.dead, true);
      assertHealthy();
    },
  );

  it("Greenlet.parent set while running decides where the result goes (P9)", () => {
    const main = getcurrent();
    const q = new Greenlet(function* () {
      const r = yield* main.switch("q waiting");
      return ["q got", r];
    });
    assert.equal(q.switchSync(), "q waiting");
    const g = new Greenlet(function* () {
      getcurrent().parent = q;
      return "g result";
    });
    assert.deepEqual(g.switchSync(), ["q got", "g result"]);
    assert.equal(g.parent, q, "a dead greenlet keeps its parent (P10)");
    assertHealthy();
  });

  it("Greenlet created by a now-dead greenlet still runs and reaches main (N2)", () => {
    const maker = new Greenlet(() => new Greenlet(() => "orphan result"));
    const orphan = maker.switchSync() as Greenlet;
    assert.equal(maker.dead, true);
    assert.equal(orphan.parent, maker);
    assert.equal(orphan.switchSync(), "orphan result");
    assertHealthy();
  });

  it("Greenlet.switchSync() to a dead greenlet starts a pending ancestor with the args (S6)", () => {
    const pending = new Greenlet((a: number, b: number) => a + b);
    const dead = new Greenlet(() => 0);
    dead.switchSync();
    dead.parent = pending;
    assert.equal(dead.switchSync(2, 3), 5);
    assert.equal(pending.dead, true);
    assertHealthy();
  });

  it("Greenlet.switch() delivers one array argument as that very array (S1)", () => {
    const main = getcurrent();
    const arr = [1];
    const g = new Greenlet(function* (first: unknown) {
      const second = yield* main.switch(first);
      const third = yield* main.switch(second);
      return third;
    });
    assert.equal(g.switchSync(arr), arr);
    assert.equal(g.switchSync(undefined), undefined);
    assert.deepEqual(g.switchSync(), undefined);
    assert.deepEqual(main.switchSync(), undefined);
    assert.equal(main.switchSync(arr), arr);
    assert.deepEqual(main.switchSync(1, 2), [1, 2]);
    assertHealthy();
  });

  it("Greenlet.run = undefined while pending makes the switch fail and keeps it pending (R5)", () => {
    const g = new Greenlet(() => 1);
    g.run = undefined;
    assert.throws(() => g.switchSync(), TypeError);
    assert.equal(g.started, false);
    assertHealthy();
  });
});

describe("TestGreenletSetParentErrors", () => {
  it("Greenlet.parent survives delete (test_cannot_delete_parent, JS form)", () => {
    const worker = new Greenlet(() => undefined);
    assert.equal(worker.parent, getcurrent());
    // Python raises AttributeError; in JS `parent` is an accessor and delete leaves it alone.
    delete (worker as { parent?: unknown }).parent;
    assert.equal(worker.parent, getcurrent());
    worker.switchSync();
    assertHealthy();
  });

  it("Greenlet.parent of main survives delete (test_cannot_delete_parent_of_main, JS form)", () => {
    const main = getcurrent();
    delete (main as { parent?: unknown }).parent;
    assert.equal(main.parent, null);
    assertHealthy();
  });

  it("Greenlet.parent of main is null (test_main_greenlet_parent_is_none)", () => {
    assert.equal(getcurrent().parent, null);
    assertHealthy();
  });

  it(
    "Greenlet.parent rejects non-greenlets with TypeError, pending and running " +
      "(test_set_parent_wrong_types)",
    () => {
      const self = {};
      function check(glet: Greenlet): void {
        for (const p of [null, 1, self, "42", undefined]) {
          assert.throws(() => {
            glet.parent = p as unknown as Greenlet;
          }, (e: unknown) => e instanceof TypeError && /expected a greenlet/.test(e.message));
        }
      }
      const main = getcurrent();
      const g = new Greenlet(function* () {
        check(getcurrent());
        yield* getcurrent().parent!.switch();
      });
      assert.equal(g.active, false);
      check(g);
      g.switchSync();
      assert.equal(g.active, true);
      check(g);
      assert.equal(g.parent, main);
      g.switchSync();
      assert.equal(g.dead, true);
      assertHealthy();
    },
  );

  it("Greenlet.parent = itself raises PARENT_CYCLE (test_trivial_cycle)", () => {
    const glet = new Greenlet(() => undefined);
    assert.throws(() => {
      glet.parent = glet;
    }, isGreenletError("PARENT_CYCLE"));
    assert.equal(glet.parent, getcurrent());
    assertHealthy();
  });

  it("Greenlet.parent of main is not settable: MAIN_PARENT (test_trivial_cycle_main)", () => {
    const main = getcurrent();
    assert.throws(() => {
      main.parent = main;
    }, isGreenletError("MAIN_PARENT"));
    assert.throws(() => {
      main.parent = new Greenlet();
    }, isGreenletError("MAIN_PARENT"));
    assertHealthy();
  });

  it("Greenlet.parent raises PARENT_CYCLE for a three-greenlet cycle (test_deeper_cycle)", () => {
    const g1 = new Greenlet(() => undefined);
    const g2 = new Greenlet(() => undefined);
    const g3 = new Greenlet(() => undefined);
    g1.parent = g2;
    g2.parent = g3;
    assert.throws(() => {
      g3.parent = g1;
    }, isGreenletError("PARENT_CYCLE"));
    assert.equal(g3.parent, getcurrent());
    // The chain still works: g1 finishes into g2, g2 into g3, g3 into main.
    assert.equal(g1.switchSync(), undefined);
    assert.equal(g3.dead, true);
    assertHealthy();
  });
});

describe("TestRepr", () => {
  it(
    'Greenlet.toString() of the running main ends " current active started main>" ' +
      "(test_main_while_running)",
    () => {
      assert.ok(String(getcurrent()).endsWith(" current active started main>"));
      assertHealthy();
    },
  );

  it(
    'Greenlet.toString() of main seen from a child ends " suspended active started main>" ' +
      "(test_main_in_background)",
    () => {
      const main = getcurrent();
      const g = new Greenlet(() => main.toString());
      const r = g.switchSync() as string;
      assert.ok(r.endsWith(" suspended active started main>"), r);
      assertHealthy();
    },
  );

  it('Greenlet.toString() of a new greenlet ends " pending>" (test_initial)', () => {
    const r = new Greenlet().toString();
    assert.ok(r.endsWith(" pending>"), r);
    assertHealthy();
  });

  it('Greenlet.toString() of a dead greenlet ends " dead>" (test_dead)', () => {
    const g = new Greenlet(() => undefined);
    g.switchSync();
    const r = g.toString();
    assert.ok(r.endsWith(" dead>"), r);
    assert.equal(r.includes("suspended"), false);
    assert.equal(r.includes("started"), false);
    assert.equal(r.includes("active"), false);
    assertHealthy();
  });

  it("Greenlet.toString() formats to a string (test_formatting_produces_native_str)", () => {
    const gDead = new Greenlet(() => undefined);
    gDead.switchSync();
    const gNotStarted = new Greenlet(() => undefined);
    const gCur = getcurrent();
    for (const g of [gDead, gNotStarted, gCur]) {
      assert.equal(typeof `${g}`, "string");
      assert.equal(typeof String(g), "string");
      assert.ok(`${g}`.startsWith("<Greenlet "));
    }
    assertHealthy();
  });

  it('Greenlet.toString() of a suspended greenlet ends " suspended active started>"', () => {
    const g = new Greenlet(function* () {
      yield* getcurrent().parent!.switch();
    });
    g.switchSync();
    const r = g.toString();
    assert.ok(r.endsWith(" suspended active started>"), r);
    g.switchSync();
    assertHealthy();
  });
});

describe("TestMainGreenlet", () => {
  it(
    "getcurrent() main's class can be subclassed (test_main_greenlet_type_can_be_subclassed)",
    () => {
      const main = getcurrent();
      assert.ok(main.toString().includes("main"));
      const MainType = main.constructor as typeof Greenlet;
      assert.equal(MainType.name.includes("main"), false);
      class Subclass extends MainType {}
      const s = new Subclass(() => "sub");
      assert.ok(s instanceof Greenlet);
      assert.equal(s.switchSync(), "sub");
      assertHealthy();
    },
  );

  it("getcurrent() main is a Greenlet (test_main_greenlet_is_greenlet)", () => {
    const main = getcurrent();
    assert.ok(main.toString().includes("main"));
    assert.ok(main instanceof Greenlet);
    assert.equal(main.kind, "main");
    assertHealthy();
  });

  it("Greenlet.run is undefined while running and after death (test_greenlet_run)", () => {
    const seen: unknown[] = [];
    const g = new Greenlet(function* doIt() {
      seen.push(g.run);
    });
    g.switchSync();
    assert.deepEqual(seen, [undefined]);
    assert.equal(g.run, undefined);
    assert.throws(() => {
      g.run = () => undefined;
    }, isGreenletError("RUN_AFTER_START"));
    // Main greenlets have no run either.
    const main = getcurrent();
    assert.equal(main.run, undefined);
    assert.throws(() => {
      main.run = () => undefined;
    }, isGreenletError("RUN_AFTER_START"));
    assertHealthy();
  });
});

describe("greenlet.rst doctests", () => {
  it("Greenlet.switchSync() runs the test1/test2 example; 78 is never logged", () => {
    const log: unknown[] = [];
    const gr1 = new Greenlet(function* test1() {
      log.push(12);
      yield* gr2.switch();
      log.push(34);
      return "test1 done";
    });
    const gr2: Greenlet = new Greenlet(function* test2() {
      log.push(56);
      yield* gr1.switch();
      log.push(78);
    });
    assert.equal(gr1.switchSync(), "test1 done");
    assert.deepEqual(log, [12, 56, 34]);
    assert.equal(gr2.active, true);
    assertHealthy();
  });

  it("Greenlet.switchSync() propagates test2's ReferenceError straight to main", () => {
    const log: unknown[] = [];
    const gr1 = new Greenlet(function* test1() {
      log.push(12);
      yield* gr2.switch();
      log.push(34);
      return "test1 done";
    });
    const gr2: Greenlet = new Greenlet(function* test2() {
      throw new ReferenceError("this_should_be_a_name_error is not defined");
    });
    assert.throws(() => gr1.switchSync(), ReferenceError);
    assert.deepEqual(log, [12]);
    assert.equal(gr2.dead, true);
    assert.equal(gr1.active, true, "test1 stays suspended: switches are not calls");
    assertHealthy();
  });

  it("Greenlet.switchSync() passes start arguments and values (switching example)", () => {
    const log: unknown[] = [];
    const gr1 = new Greenlet(function* test1(x: string, y: string) {
      const z = yield* gr2.switch(x + y);
      log.push(z);
    });
    const gr2: Greenlet = new Greenlet(function* test2(u: string) {
      log.push(u);
      yield* gr1.switch(42);
    });
    assert.equal(gr1.switchSync("hello", " world"), undefined);
    assert.deepEqual(log, ["hello world", 42]);
    assertHealthy();
  });

  it("getcurrent().parent is null only in main (am_i_main)", () => {
    const amIMain = () => getcurrent().parent === null;
    assert.equal(amIMain(), true);
    assert.equal(new Greenlet(amIMain).switchSync(), false);
    assertHealthy();
  });
});

describe("switching.rst doctests", () => {
  it("Greenlet.switch() packs values: one as itself, several as an array (packing table)", () => {
    const log: unknown[] = [];
    const gr1 = new Greenlet(function* test1(x: string, y: string, opts: object) {
      for (;;) {
        const z = yield* gr2.switch(x + y + " " + JSON.stringify(opts));
        if (!z) break;
        log.push(z);
      }
    });
    const gr2: Greenlet = new Greenlet(function* test2(u: string) {
      log.push(u);
      // A single argument -> itself
      yield* gr1.switch(42);
      // Multiple positional args -> an array
      yield* gr1.switch("how", "are", "you");
      // An object (Python's keyword arguments) -> itself
      yield* gr1.switch({ language: "en" });
      // Positional args and an object -> an array of all of them
      yield* gr1.switch("howdy", { language: "en_US" });
      yield* gr1.switch("all", "y'all", { language: "en_US_OK" });
      yield* gr1.switch(null); // terminate
    });
    gr1.switchSync("hello", " world", { language: "en" });
    assert.deepEqual(log, [
      'hello world {"language":"en"}',
      42,
      ["how", "are", "you"],
      { language: "en" },
      ["howdy", { language: "en_US" }],
      ["all", "y'all", { language: "en_US_OK" }],
    ]);
    assert.equal(gr1.dead, true);
    assertHealthy();
  });

  it("Greenlet.switch() to a dead greenlet returns undefined in its live parent", () => {
    const log: string[] = [];
    function inner(): number {
      log.push("Entering inner.");
      log.push("Returning from inner.");
      return 42;
    }
    const outerGlet = new Greenlet(function* outer() {
      log.push("Entering outer and spawning inner.");
      const innerGlet = new Greenlet(inner);
      log.push("Switching to inner.");
      let result = yield* innerGlet.switch();
      log.push(`Got from inner value: ${result}`);
      log.push("Switching to inner again.");
      result = yield* innerGlet.switch();
      log.push(`Got from inner value: ${result}`);
      return innerGlet;
    });
    const innerGlet = outerGlet.switchSync() as Greenlet;
    assert.deepEqual(log, [
      "Entering outer and spawning inner.",
      "Switching to inner.",
      "Entering inner.",
      "Returning from inner.",
      "Got from inner value: 42",
      "Switching to inner again.",
      "Got from inner value: undefined",
    ]);
    assert.equal(innerGlet.switchSync(), undefined);
    assert.deepEqual(innerGlet.switchSync(1, 2), [1, 2]);
    assertHealthy();
  });
});

describe("creating_executing_greenlets.rst doctests", () => {
  it("new Greenlet() stores run and parent; run reads undefined after the start", () => {
    const log: string[] = [];
    const run = () => {
      log.push("Running in the greenlet function.");
    };
    const glet = new Greenlet(run);
    assert.equal(glet.run, run);
    assert.equal(glet.parent, getcurrent());
    assert.equal(glet.switchSync(), undefined);
    assert.deepEqual(log, ["Running in the greenlet function."]);
    assert.equal(glet.run, undefined);
    assertHealthy();
  });

  it("Greenlet subclasses define run() as a method and keep their own state", () => {
    let clock = 0;
    const log: string[] = [];
    class MyGreenlet extends Greenlet {
      createdAt: number | null = null;
      finishedAt: number | null = null;
      override *run(): Op<void> {
        this.createdAt = ++clock;
        log.push("Running in the greenlet subclass.");
        this.finishedAt = ++clock;
      }
    }
    const glet = new MyGreenlet();
    glet.switchSync();
    assert.deepEqual(log, ["Running in the greenlet subclass."]);
    assert.ok(glet.finishedAt! >= glet.createdAt!);
    assert.equal(glet.dead, true);
    assertHealthy();
  });

  it("Greenlet subclass run() wins over the constructor's run (rule R6)", () => {
    class S extends Greenlet {
      override *run(x: number): Op<number> {
        return x * 2;
      }
    }
    const s = new S(((x: number) => x + 100) as GreenletRun);
    assert.equal(s.switchSync(5), 10);
    assert.equal(typeof s.run, "function", "the subclass method stays readable after death");
    assertHealthy();
  });

  it("new Greenlet() with a parent option finishes into that parent", () => {
    const log: string[] = [];
    const parent = (_childResult: unknown) => {
      log.push("In the parent.");
    };
    const child = () => {
      log.push("In the child.");
    };
    let parentGlet = new Greenlet(parent);
    let childGlet = new Greenlet(child, { parent: parentGlet });
    childGlet.switchSync();
    assert.deepEqual(log, ["In the child.", "In the parent."]);

    log.length = 0;
    parentGlet = new Greenlet(parent);
    childGlet = new Greenlet(child);
    childGlet.parent = parentGlet;
    childGlet.switchSync();
    assert.deepEqual(log, ["In the child.", "In the parent."]);

    parentGlet = new Greenlet(parent);
    childGlet = new Greenlet(child);
    childGlet.parent = parentGlet;
    assert.throws(() => {
      parentGlet.parent = childGlet;
    }, isGreenletError("PARENT_CYCLE"));
    assert.throws(() => {
      parentGlet.parent = 42 as unknown as Greenlet;
    }, TypeError);
    assertHealthy();
  });

  it("Greenlet.throwSync() interrupts a greenlet; uncaught errors reach the parent", () => {
    const main = getcurrent();
    class MyException extends Error {}
    const log: string[] = [];
    function* run(): Op<void> {
      try {
        yield* main.switch();
      } catch (error) {
        if (!(error instanceof MyException)) throw error;
        log.push("Caught exception in greenlet.");
      }
    }
    let glet = new Greenlet(run);
    glet.switchSync();
    assert.equal(glet.throwSync(MyException), undefined);
    assert.deepEqual(log, ["Caught exception in greenlet."]);

    glet = new Greenlet(run);
    glet.switchSync();
    class ValueError extends Error {}
    assert.throws(() => glet.throwSync(ValueError), ValueError);
    assert.equal(glet.dead, true);

    glet = new Greenlet(run);
    glet.switchSync();
    const result = glet.throwSync(GreenletExit);
    assert.ok(result instanceof GreenletExit);
    assert.equal(glet.dead, true);
    assertHealthy();
  });
});

describe("gui_example.rst doctest", () => {
  it("Greenlet.switchSync() runs dual infinite loops: a pull loop fed by push events", () => {
    const out: string[] = [];
    const mainGreenlet = getcurrent();
    function echoUserInput(userInput: string): string {
      out.push("    <<< " + userInput.trim());
      return userInput;
    }
    function* readNextChar(): Op<string> {
      // Running in gProcessor: jump to the main greenlet (the GUI loop) for the next key.
      return yield* mainGreenlet.switch<string>("blocking in read_next_char");
    }
    function processCommand(line: string): void {
      out.push("(Processing command: " + line.trim() + ")");
    }
    function* processCommands(): Op<void> {
      for (;;) {
        let line = "";
        while (!line.endsWith("\n")) line += yield* readNextChar();
        echoUserInput(line);
        if (line === "quit\n") {
          out.push("Are you sure?");
          if (echoUserInput(yield* readNextChar()) !== "y") continue;
          out.push("(Exiting loop.)");
          break;
        }
        processCommand(line);
      }
    }
    const gProcessor = new Greenlet(processCommands);
    function eventKeydown(key: string): void {
      // Running in mainGreenlet: jump into gProcessor, sending it the key.
      gProcessor.switchSync(key);
    }
    assert.equal(gProcessor.switchSync(), "blocking in read_next_char");
    function guiMainloop(): void {
      for (const c of "hello\n") eventKeydown(c);
      for (const c of "quit\n") eventKeydown(c);
      eventKeydown("y");
    }
    guiMainloop();
    assert.deepEqual(out, [
      "    <<< hello",
      "(Processing command: hello)",
      "    <<< quit",
      "Are you sure?",
      "    <<< y",
      "(Exiting loop.)",
    ]);
    assert.equal(gProcessor.dead, true);
    assertHealthy();
  });
});
