// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// Ports of greenlet's test_contextvars.py (the parts with a JS form: there is no `gr_context`
// attribute or `copy_context()`; a greenlet's context is chosen at creation with
// `context: "inherit" | "empty"`) and tests of the ContextVar API.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  awaitOnly,
  type ContextToken,
  ContextVar,
  getcurrent,
  Greenlet,
  GreenletError,
  type Op,
} from "../mod.ts";
import { assertHealthy } from "../testing/healthy.ts";

const ID_VAR = new ContextVar<number | null>("id", { default: null });

function isGreenletError(code: string): (error: unknown) => boolean {
  return (error) => error instanceof GreenletError && error.code === code;
}

/** Python's `_new_ctx_run`: runs `fn` with ID_VAR set in main, then restores it. */
function inFreshMainContext(fn: () => void): void {
  const token = ID_VAR.set(null);
  try {
    fn();
  } finally {
    ID_VAR.reset(token);
  }
}

/** Python's `_test_context` for the propagation modes that have a JS form. */
function testContext(propagateBy: "inherit" | "with" | "empty"): void {
  ID_VAR.set(0);
  const main = getcurrent();
  const counts = new Map<number | null | undefined, number>([[0, 0], [1, 0], [2, 0], [3, 0], [
    4,
    0,
  ]]);
  const bump = (key: number | null | undefined) => counts.set(key, counts.get(key)! + 1);
  function* increment(greenletId: number, expect: number | null): Op<void> {
    assert.equal(ID_VAR.get(), expect);
    ID_VAR.set(greenletId);
    for (let k = 0; k < 2; k++) {
      bump(ID_VAR.get()!);
      yield* main.switch();
    }
  }
  const lets: Greenlet[] = [];
  for (let i = 1; i < 5; i++) {
    if (propagateBy === "with") {
      // Python's greenlet(copy_context().run, ...): the creator's value travels explicitly.
      const captured = ID_VAR.get()!;
      lets.push(
        new Greenlet(function* () {
          yield* ID_VAR.with(captured, () => increment(i, 0));
        }, { context: "empty" }),
      );
    } else {
      const expect = propagateBy === "inherit" ? 0 : null;
      lets.push(new Greenlet(() => increment(i, expect), { context: propagateBy }));
    }
  }
  for (let i = 0; i < 2; i++) {
    bump(ID_VAR.get());
    for (const glet of lets) glet.switchSync();
  }
  const order = propagateBy === "with" ? [...lets].reverse() : lets;
  for (const glet of order) glet.switchSync();
  for (const glet of lets) assert.equal(glet.dead, true);
  assert.deepEqual([...counts.values()], [2, 2, 2, 2, 2]);
  assert.equal(ID_VAR.get(), 0, "the children's writes never reach main");
}

describe("test_contextvars.py ContextVarsTests", () => {
  it(
    'ContextVar values in a greenlet created with context: "empty" start at the default ' +
      "(test_context_not_propagated)",
    () => {
      inFreshMainContext(() => testContext("empty"));
      assertHealthy();
    },
  );

  it(
    "ContextVar values are inherited as a snapshot by default " +
      '(test_context_propagated_by_setting_attribute, JS form: context: "inherit")',
    () => {
      inFreshMainContext(() => testContext("inherit"));
      assertHealthy();
    },
  );

  it(
    "ContextVar.with() carries the creator's value into an empty greenlet " +
      "(test_context_propagated_by_context_run, JS form)",
    () => {
      inFreshMainContext(() => testContext("with"));
      assertHealthy();
    },
  );

  it(
    "ContextVar.with() in two greenlets survives interleaved, non-nested resumes " +
      "(test_break_ctxvars)",
    () => {
      const main = getcurrent();
      const seen: unknown[] = [];
      function* body(value: number): Op<void> {
        yield* ID_VAR.with(value, function* () {
          seen.push(ID_VAR.get());
          yield* main.switch();
          seen.push(ID_VAR.get());
        });
        seen.push(ID_VAR.get());
      }
      const let1 = new Greenlet(body);
      const let2 = new Greenlet(body);
      let1.switchSync(1);
      let2.switchSync(2);
      assert.equal(ID_VAR.get(), null);
      let1.switchSync();
      assert.equal(let1.dead, true);
      let2.switchSync();
      assert.equal(let2.dead, true);
      assert.deepEqual(seen, [1, 2, 1, null, 2, null]);
      assert.equal(ID_VAR.get(), null);
      assertHealthy();
    },
  );

  it(
    "ContextVar values stay per greenlet in any switch order " +
      "(test_not_broken_if_using_attribute_instead_of_context_run)",
    () => {
      const main = getcurrent();
      const seen: unknown[] = [];
      function* body(value: number): Op<void> {
        ID_VAR.set(value);
        yield* main.switch();
        seen.push(ID_VAR.get());
        ID_VAR.set(value * 10);
        yield* main.switch();
        seen.push(ID_VAR.get());
      }
      const let1 = new Greenlet(body);
      const let2 = new Greenlet(body);
      let1.switchSync(1);
      let2.switchSync(2);
      let1.switchSync();
      let2.switchSync();
      let1.switchSync();
      let2.switchSync();
      assert.deepEqual(seen, [1, 2, 10, 20]);
      assert.equal(ID_VAR.get(), null);
      assertHealthy();
    },
  );

  it(
    "ContextVar.set() in an empty greenlet creates its context lazily, switching keeps it " +
      "(test_context_assignment_while_running, without gr_context)",
    () => {
      const main = getcurrent();
      const token = ID_VAR.set(7);
      try {
        const gr = new Greenlet(function* target() {
          const before = ID_VAR.get();
          ID_VAR.set(1);
          const after = ID_VAR.get();
          yield* main.switch([before, after]);
          const resumed = ID_VAR.get();
          ID_VAR.set(2);
          yield* main.switch(resumed);
          return ID_VAR.get();
        }, { context: "empty" });
        assert.deepEqual(gr.switchSync(), [null, 1]);
        assert.equal(ID_VAR.get(), 7);
        assert.equal(gr.switchSync(), 1);
        assert.equal(ID_VAR.get(), 7);
        assert.equal(gr.switchSync(), 2);
        assert.equal(ID_VAR.get(), 7);
      } finally {
        ID_VAR.reset(token);
      }
      assert.equal(ID_VAR.get(), null);
      assertHealthy();
    },
  );

  it(
    'new Greenlet() rejects a context option other than "inherit" or "empty" ' +
      "(test_context_assignment_wrong_type, JS form)",
    () => {
      for (const bad of ["bogus", null, 1, {}]) {
        assert.throws(
          () => new Greenlet(() => 1, { context: bad as unknown as "empty" }),
          TypeError,
        );
      }
      assertHealthy();
    },
  );
});

describe("ContextVar API", () => {
  it("ContextVar.get() returns the default, or undefined without one", () => {
    const withDefault = new ContextVar<string>("with", { default: "dflt" });
    const without = new ContextVar<string>("without");
    const explicitUndefined = new ContextVar<string | undefined>("u", { default: undefined });
    assert.equal(withDefault.name, "with");
    assert.equal(withDefault.get(), "dflt");
    assert.equal(without.get(), undefined);
    assert.equal(explicitUndefined.get(), undefined);
    assert.throws(() => new ContextVar(1 as unknown as string), TypeError);
    assertHealthy();
  });

  it("ContextVar.get(fallback) returns the fallback where the variable was never set", () => {
    const withDefault = new ContextVar<string>("with", { default: "dflt" });
    const without = new ContextVar<string>("without");
    assert.equal(without.get("fb"), "fb");
    assert.equal(withDefault.get("fb"), "fb"); // Python: the argument wins over the default
    assert.equal(without.get(undefined), undefined);
    const token = without.set("set");
    assert.equal(without.get("fb"), "set");
    const g = new Greenlet(function* () {
      return [without.get("child"), withDefault.get("child")];
    }, { context: "empty" });
    assert.deepEqual(g.switchSync(), ["child", "child"]);
    without.reset(token);
    assert.equal(without.get("fb"), "fb");
    assertHealthy();
  });

  it("ContextVar.set() returns a token that ContextVar.reset() uses to restore", () => {
    const v = new ContextVar<string>("v", { default: "dflt" });
    const t1 = v.set("a");
    assert.equal(t1.variable, v);
    assert.equal(v.get(), "a");
    const t2 = v.set("b");
    assert.equal(v.get(), "b");
    v.reset(t2);
    assert.equal(v.get(), "a");
    v.reset(t1);
    assert.equal(v.get(), "dflt");
    // Out of order, like Python: each token restores the value it replaced.
    const t3 = v.set("x");
    const t4 = v.set("y");
    v.reset(t3);
    assert.equal(v.get(), "dflt");
    v.reset(t4);
    assert.equal(v.get(), "x");
    const t5 = v.set("z");
    v.reset(t5);
    assert.equal(v.get(), "x");
    assertHealthy();
  });

  it("ContextVar.reset() refuses a token used before with TOKEN_USED", () => {
    const v = new ContextVar<number>("v", { default: 0 });
    const token = v.set(1);
    v.reset(token);
    assert.throws(() => v.reset(token), isGreenletError("TOKEN_USED"));
    assert.equal(v.get(), 0);
    assertHealthy();
  });

  it("ContextVar.reset() refuses another variable's token with TOKEN_MISMATCH", () => {
    const a = new ContextVar<number>("a", { default: 0 });
    const b = new ContextVar<number>("b", { default: 0 });
    const token = a.set(1);
    try {
      assert.throws(
        () => b.reset(token as unknown as ContextToken<number>),
        isGreenletError("TOKEN_MISMATCH"),
      );
      assert.throws(
        () => b.reset({ variable: b } as ContextToken<number>),
        isGreenletError("TOKEN_MISMATCH"),
      );
      assert.equal(a.get(), 1);
      assert.equal(b.get(), 0);
    } finally {
      a.reset(token);
    }
    assert.equal(a.get(), 0);
    assertHealthy();
  });

  it("ContextVar.reset() refuses a token from another greenlet with TOKEN_MISMATCH", () => {
    const v = new ContextVar<string>("v", { default: "dflt" });
    const main = getcurrent();
    const mainToken = v.set("main");
    try {
      const g = new Greenlet(function* () {
        let error: unknown;
        try {
          v.reset(mainToken);
        } catch (e) {
          error = e;
        }
        const childToken = v.set("child");
        yield* main.switch([error, childToken]);
        return v.get();
      });
      const [error, childToken] = g.switchSync() as [unknown, ContextToken<string>];
      assert.ok(isGreenletError("TOKEN_MISMATCH")(error));
      assert.throws(() => v.reset(childToken), isGreenletError("TOKEN_MISMATCH"));
      assert.equal(v.get(), "main");
      assert.equal(g.switchSync(), "child");
    } finally {
      v.reset(mainToken);
    }
    assert.equal(v.get(), "dflt");
    assertHealthy();
  });

  it("ContextVar.run() sets the value for a function and restores it, also on throw", () => {
    const v = new ContextVar<number>("level", { default: 0 });
    assert.equal(v.run(1, () => v.get()), 1);
    assert.equal(v.get(), 0);
    assert.equal(v.run(1, () => v.run(2, () => v.get()! * 10) + v.get()!), 21);
    assert.throws(
      () =>
        v.run(5, () => {
          throw new RangeError(`at ${v.get()}`);
        }),
      (e: unknown) => e instanceof RangeError && e.message === "at 5",
    );
    assert.equal(v.get(), 0);
    assert.throws(() => v.run(1, 42 as unknown as () => void), TypeError);
    assert.equal(v.get(), 0);
    assertHealthy();
  });

  it("ContextVar.with() keeps the value across switches and restores it, also on throw", () => {
    const v = new ContextVar<string>("req", { default: "none" });
    const main = getcurrent();
    const g = new Greenlet(function* () {
      const inside = yield* v.with("r-1", function* () {
        yield* main.switch(v.get());
        return v.get();
      });
      const afterWith = v.get();
      let thrownAt: string | undefined;
      try {
        yield* v.with("r-2", function* () {
          yield* main.switch(v.get());
          throw new RangeError("boom");
        });
      } catch (error) {
        thrownAt = (error as Error).message;
      }
      return [inside, afterWith, thrownAt, v.get()];
    });
    assert.equal(g.switchSync(), "r-1");
    assert.equal(v.get(), "none", "main does not see the greenlet's value");
    assert.equal(g.switchSync(), "r-2");
    assert.equal(v.get(), "none");
    assert.deepEqual(g.switchSync(), ["r-1", "none", "boom", "none"]);
    assertHealthy();
  });

  it('ContextVar snapshot is taken when the greenlet is created (context: "inherit")', () => {
    const v = new ContextVar<string>("v", { default: "dflt" });
    const main = getcurrent();
    const token = v.set("at creation");
    try {
      const g = new Greenlet(function* () {
        const first = v.get();
        v.set("child");
        yield* main.switch(first);
        return v.get();
      });
      v.set("after creation");
      assert.equal(g.switchSync(), "at creation");
      assert.equal(v.get(), "after creation");
      assert.equal(g.switchSync(), "child");
      assert.equal(v.get(), "after creation");
    } finally {
      v.reset(token);
    }
    assert.equal(v.get(), "dflt");
    assertHealthy();
  });

  it('ContextVar values of an "empty" greenlet ignore the creator (rule C1 example)', () => {
    const v = new ContextVar<string>("v", { default: "dflt" });
    const main = getcurrent();
    const token = v.set("main-val");
    try {
      const g = new Greenlet(function* r() {
        const a = v.get();
        v.set("child");
        yield* main.switch(a);
        return v.get();
      }, { context: "empty" });
      assert.equal(g.switchSync(), "dflt");
      assert.equal(v.get(), "main-val");
      assert.equal(g.switchSync(), "child");
      assert.equal(v.get(), "main-val");
    } finally {
      v.reset(token);
    }
    assertHealthy();
  });

  it("ContextVar values follow greenlets: a nested greenlet inherits from its creator", () => {
    const v = new ContextVar<string>("v", { default: "dflt" });
    const outer = new Greenlet(function* () {
      v.set("outer");
      const inner = new Greenlet(function* () {
        const inherited = v.get();
        v.set("inner");
        return inherited;
      });
      const inherited = yield* inner.switch();
      const emptyInner = new Greenlet(() => v.get(), { context: "empty" });
      const fromEmpty = yield* emptyInner.switch();
      return [inherited, fromEmpty, v.get()];
    });
    assert.deepEqual(outer.switchSync(), ["outer", "dflt", "outer"]);
    assert.equal(v.get(), "dflt");
    assertHealthy();
  });

  it("ContextVar values survive awaitOnly() under switchAsync()", async () => {
    const v = new ContextVar<number>("v", { default: 0 });
    const g = new Greenlet(function* (n: number) {
      v.set(n);
      yield* awaitOnly(Promise.resolve());
      const afterAwait = v.get();
      return yield* v.with(n + 1, function* () {
        yield* awaitOnly(new Promise((resolve) => setTimeout(resolve, 1)));
        return [afterAwait, v.get()];
      });
    });
    const other = new Greenlet(function* () {
      v.set(99);
      yield* awaitOnly(Promise.resolve());
      return v.get();
    });
    const [a, b] = await Promise.all([g.switchAsync(10), other.switchAsync()]);
    assert.deepEqual(a, [10, 11]);
    assert.equal(b, 99);
    assert.equal(v.get(), 0);
    assertHealthy();
  });
});
