// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// Type-level checks (run by `deno check` in the check command) plus the matching run-time
// behaviour. Each `@ts-expect-error` fails the type check if the error ever disappears.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  awaitOnly,
  ContextVar,
  getcurrent,
  Greenlet,
  GreenletError,
  greenletSpawn,
  type Op,
} from "../mod.ts";
import { assertHealthy } from "../testing/healthy.ts";

describe("types", () => {
  it("Greenlet.switch() results are unknown unless the caller supplies a type argument", () => {
    const main = getcurrent();
    const g = new Greenlet(function* () {
      const back = yield* main.switch("a");
      // @ts-expect-error an unknown switch result is not a number
      const wrong: number = back;
      const typed: number = yield* main.switch<number>("b");
      return [wrong, typed];
    });
    assert.equal(g.switchSync(), "a");
    assert.equal(g.switchSync(1), "b");
    assert.deepEqual(g.switchSync(2), [1, 2]);
    assertHealthy();
  });

  it("a bare yield of a step is a type error in an Op and BARE_YIELD at run time", () => {
    function* helper(): Op<number> {
      // @ts-expect-error bare yield (missing *) of a step
      // deno-lint-ignore greenlet/require-yield-star
      yield getcurrent().parent!.switch();
      return 1;
    }
    const g = new Greenlet(helper);
    assert.throws(
      () => g.switchSync(),
      (e) => e instanceof GreenletError && e.code === "BARE_YIELD",
    );
    assertHealthy();
  });

  it("awaitOnly() and greenletSpawn() infer the awaited and returned types", async () => {
    const result = await greenletSpawn(function* (n: number) {
      const s = yield* awaitOnly(Promise.resolve("x"));
      const len: number = s.length;
      return len + n;
    }, 41);
    const exact: number = result;
    assert.equal(exact, 42);
    await assert.rejects(greenletSpawn(
      function* (n: number) {
        return n.toFixed(); // throws: n is a string at run time
      }, // @ts-expect-error the argument types are checked against the body's parameters
      "not a number",
    ));
    assertHealthy();
  });

  it("ContextVar.get() may be undefined; get(fallback) has the fallback's type", () => {
    const user = new ContextVar<string>("user");
    // @ts-expect-error get() without a fallback may be undefined
    const maybe: string = user.get();
    const sure: string = user.get("anonymous");
    const either: string | number = user.get(0);
    assert.deepEqual([maybe, sure, either], [undefined, "anonymous", 0]);
    assertHealthy();
  });

  it("ContextVar.get() of a variable with a default is typed without undefined", () => {
    const level = new ContextVar<string>("level", { default: "info" });
    const explicit: string = level.get();
    const inferred = new ContextVar("count", { default: 0 });
    const count: number = inferred.get();
    const undefinedDefault = new ContextVar<string | undefined>("maybe", { default: undefined });
    // @ts-expect-error a default of undefined keeps undefined in the type
    const notSure: string = undefinedDefault.get();
    const asParameter: ContextVar<string> = level; // a variable with a default is still a ContextVar
    assert.deepEqual([explicit, count, notSure, asParameter.get()], ["info", 0, undefined, "info"]);
    assert.ok(level instanceof ContextVar);
    assertHealthy();
  });
});
