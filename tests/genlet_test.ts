// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// greenlet's "genlet" recipe (examples/genlet.ts): a greenlet iterated with for...of.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { getcurrent, Greenlet, type Op } from "../mod.ts";
import { Genlet, produce } from "../examples/genlet.ts";
import { assertHealthy } from "../testing/healthy.ts";

function* countdown(from: number): Op<void> {
  for (let n = from; n > 0; n--) yield* produce(n);
}

// Why the recipe is Iterable and not an IterableIterator: the two throw() methods clash.
// @ts-expect-error Greenlet.throw() returns a step, the iterator protocol's an IteratorResult
export abstract class PythonStyleGenlet<T> extends Greenlet implements IterableIterator<T> {
  abstract next(): IteratorResult<T>;
  abstract [Symbol.iterator](): IterableIterator<T>;
}

describe("genlet recipe", () => {
  it("for...of gets each value produced in the body, at any depth, until the body returns", () => {
    const g = new Genlet<number | string>(function* () {
      yield* produce("go");
      yield* countdown(3);
      return "not a value";
    });
    assert.deepEqual([...g], ["go", 3, 2, 1]);
    assert.equal(g.dead, true);
    assertHealthy();
  });

  it("leaving the loop early kills the body, whose finally runs", () => {
    const log: string[] = [];
    const g = new Genlet<number>(function* () {
      try {
        yield* countdown(10);
      } finally {
        log.push("finally");
      }
    });
    for (const n of g) {
      if (n === 8) break;
    }
    assert.deepEqual(log, ["finally"]);
    assert.equal(g.dead, true);
    assertHealthy();
  });

  it("a Genlet is a Greenlet, and produce() outside a genlet is a TypeError", () => {
    const g: Greenlet = new Genlet<number>(function* () {});
    assert.ok(g instanceof Greenlet);
    const outside = new Greenlet(function* () {
      yield* produce(1);
    });
    assert.throws(() => outside.switchSync(), TypeError);
    assert.equal(getcurrent().kind, "main");
    assertHealthy();
  });
});
