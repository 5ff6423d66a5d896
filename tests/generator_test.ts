// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// Ports of greenlet's test_generator.py and test_generator_nested.py: generators ("genlets")
// built on Greenlet subclasses. The consumer becomes the genlet's parent on every step
// (`this.parent = getcurrent()`), a Yield switches to it, and `active` (Python's bool(g))
// tells a yielded value from the end. Ordinary code iterates a genlet with for...of
// (switchSync); a body iterates it with `yield* genlet.advance()`.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { getcurrent, Greenlet, GreenletExit, type Op } from "../mod.ts";
import { assertHealthy } from "../testing/healthy.ts";

class RuntimeError extends Error {
  override name = "RuntimeError";
}

/** test_generator_nested.py's `genlet` (test_generator.py's is the same without `child`). */
class Genlet extends Greenlet implements Iterable<unknown> {
  /** Python's `fn(*self.args)`, bound at creation. */
  readonly body: () => Op<void>;
  child: Genlet | null = null;

  constructor(body: () => Op<void>) {
    super();
    this.body = body;
  }

  override *run(): Op<void> {
    yield* this.body();
  }

  setChild(child: Genlet): void {
    this.child = child;
  }

  /** The greenlet to switch into for the next value (Python's `__next__`, first half). */
  #resumeTarget(): Greenlet {
    if (this.child !== null) {
      let child: Genlet = this.child;
      while (child.child !== null) {
        const tmp = child;
        child = child.child;
        tmp.child = null;
      }
      return child;
    }
    this.parent = getcurrent();
    return this;
  }

  /** `__next__` from a greenlet body. */
  *advance(): Op<IteratorResult<unknown, undefined>> {
    const result = yield* this.#resumeTarget().switch();
    return this.active ? { done: false, value: result } : { done: true, value: undefined };
  }

  /** `__next__` from ordinary code (the main greenlet). */
  next(): IteratorResult<unknown, undefined> {
    const result = this.#resumeTarget().switchSync();
    return this.active ? { done: false, value: result } : { done: true, value: undefined };
  }

  /** A plain iterator over `next()`: a Greenlet's own `throw()` is not the iterator one. */
  [Symbol.iterator](): Iterator<unknown, undefined> {
    return { next: () => this.next() };
  }
}

/** Python's `Genlet(func)` / `generator(func)`: a genlet class running `func`. */
function genletClass<A extends unknown[]>(
  fn: (...args: A) => Op<void>,
): new (...args: A) => Genlet {
  return class TheGenlet extends Genlet {
    constructor(...args: A) {
      super(() => fn(...args));
    }
  };
}

/** test_generator.py's `Yield`: climbs the parents to the nearest genlet, switches past it. */
function* yieldSimple(value: unknown): Op<void> {
  let g: Greenlet | null = getcurrent();
  while (!(g instanceof Genlet)) {
    if (g === null) throw new RuntimeError("yield outside a genlet");
    g = g.parent;
  }
  yield* g.parent!.switch(value);
}

/** test_generator_nested.py's `Yield(value, level)`: multi-level yields through set_child. */
function* Yield(value: unknown, level = 1): Op<void> {
  let g: Greenlet | null = getcurrent();
  while (level !== 0) {
    if (!(g instanceof Genlet)) throw new RuntimeError("yield outside a genlet");
    if (level > 1) {
      const parent = g.parent;
      if (!(parent instanceof Genlet)) throw new RuntimeError("yield outside a genlet");
      parent.setChild(g);
    }
    g = g.parent;
    level -= 1;
  }
  yield* g!.switch(value);
}

/** Iterates a genlet from a body, like Python's `for x in genlet:` inside a greenlet. */
function* forEach(genlet: Genlet, fn: (value: unknown) => Op<void>): Op<void> {
  for (;;) {
    const r = yield* genlet.advance();
    if (r.done) return;
    yield* fn(r.value);
  }
}

// Module-level genlets of test_generator_nested.py.

function* g1(n: number, seen: unknown[]): Generator<number, void, unknown> {
  for (let i = 0; i < n; i++) {
    seen.push(i + 1);
    yield i;
  }
}

const G2 = genletClass(function* g2(n: number, seen: unknown[]) {
  for (let i = 0; i < n; i++) {
    seen.push(i + 1);
    yield* Yield(i);
  }
});

function* nested(i: number): Op<void> {
  yield* Yield(i);
}

const G3 = genletClass(function* g3(n: number, seen: unknown[]) {
  for (let i = 0; i < n; i++) {
    seen.push(i + 1);
    yield* nested(i);
  }
});

const Ax: new (n: number) => Genlet = genletClass(function* a(n: number) {
  if (n === 0) return;
  yield* forEach(new Ax(n - 1), function* (ii) {
    yield* Yield(ii);
  });
  yield* Yield(n);
});

const Perms: new (l: number[]) => Genlet = genletClass(function* perms(l: number[]) {
  if (l.length > 1) {
    for (const e of l) {
      const x: unknown[] = [];
      yield* forEach(new Perms(l.filter((y) => y !== e)), function* (p) {
        x.push(yield* Yield([e, ...(p as number[])]));
      });
      assert.ok(x.length > 0);
    }
  } else {
    yield* Yield(l);
  }
});

const Gr1 = genletClass(function* gr1(n: number) {
  for (let ii = 1; ii < n; ii++) {
    yield* Yield(ii);
    yield* Yield(ii * ii, 2);
  }
});

const Gr2 = genletClass(function* gr2(n: number, seen: unknown[]) {
  yield* forEach(new Gr1(n), function* (ii) {
    seen.push(ii);
  });
});

describe("test_generator.py GeneratorTests", () => {
  it("Greenlet subclass genlets yield through their reparented consumer (test_generator)", () => {
    const seen: unknown[] = [];
    class SimpleGenlet extends Genlet {}
    const G = class extends SimpleGenlet {
      constructor(n: number) {
        super(function* g() {
          for (let i = 0; i < n; i++) {
            seen.push(i);
            yield* yieldSimple(i);
          }
        });
      }
    };
    for (let k = 0; k < 3; k++) {
      const genlet = new G(5);
      for (const j of genlet) seen.push(j);
      assert.equal(genlet.dead, true);
    }
    assert.deepEqual(seen, [
      ...[0, 0, 1, 1, 2, 2, 3, 3, 4, 4],
      ...[0, 0, 1, 1, 2, 2, 3, 3, 4, 4],
      ...[0, 0, 1, 1, 2, 2, 3, 3, 4, 4],
    ]);
    assertHealthy();
  });
});

describe("test_generator_nested.py NestedGeneratorTests", () => {
  it("Greenlet genlets yield two levels up with set_child (test_layered_genlets)", () => {
    const seen: unknown[] = [];
    const outer = new Gr2(5, seen);
    for (const ii of outer) seen.push(ii);
    assert.deepEqual(seen, [1, 1, 2, 4, 3, 9, 4, 16]);
    assert.equal(outer.dead, true);
    assertHealthy();
  });

  it("Greenlet genlets recursively generate permutations (test_permutations)", () => {
    const permutations = [...new Perms([0, 1, 2, 3])];
    assert.equal(permutations.length, 4 * 3 * 2 * 1);
    assert.deepEqual(permutations[0], [0, 1, 2, 3]);
    assert.deepEqual(permutations.at(-1), [3, 2, 1, 0]);
    assert.equal(new Set(permutations.map((p) => JSON.stringify(p))).size, 24);

    // Python's zip(perms(range(4)), perms(range(3))): stops when the shorter one ends.
    const a = new Perms([0, 1, 2, 3]);
    const b = new Perms([0, 1, 2]);
    const res: unknown[] = [];
    for (;;) {
      const x = a.next();
      if (x.done) break;
      const y = b.next();
      if (y.done) break;
      res.push([x.value, y.value]);
    }
    assert.deepEqual(res, [
      [[0, 1, 2, 3], [0, 1, 2]],
      [[0, 1, 3, 2], [0, 2, 1]],
      [[0, 2, 1, 3], [1, 0, 2]],
      [[0, 2, 3, 1], [1, 2, 0]],
      [[0, 3, 1, 2], [2, 0, 1]],
      [[0, 3, 2, 1], [2, 1, 0]],
    ]);
    assert.equal(b.dead, true);
    assert.equal(a.active, true, "zip left the longer generator suspended");
    assert.ok(a.throwSync() instanceof GreenletExit);
    assert.equal(a.dead, true);
    assertHealthy();
  });

  it(
    "Greenlet genlets match a native generator, directly and through a helper " +
      "(test_genlet_simple)",
    () => {
      const makers: ((n: number, seen: unknown[]) => Iterable<unknown>)[] = [
        (n, seen) => g1(n, seen),
        (n, seen) => new G2(n, seen),
        (n, seen) => new G3(n, seen),
      ];
      for (const make of makers) {
        const seen: unknown[] = [];
        for (let k = 0; k < 3; k++) {
          for (const j of make(5, seen)) seen.push(j);
        }
        assert.deepEqual(seen, [
          ...[1, 0, 2, 1, 3, 2, 4, 3, 5, 4],
          ...[1, 0, 2, 1, 3, 2, 4, 3, 5, 4],
          ...[1, 0, 2, 1, 3, 2, 4, 3, 5, 4],
        ]);
      }
      assertHealthy();
    },
  );

  it("Yield outside a genlet raises RuntimeError (test_genlet_bad)", () => {
    // From ordinary code (main): the helper fails before it could switch.
    assert.throws(() => Yield(10).next(), RuntimeError);
    assert.throws(() => yieldSimple(10).next(), RuntimeError);
    // From a plain greenlet that is not a genlet.
    const plain = new Greenlet(function* () {
      yield* Yield(10);
    });
    assert.throws(() => plain.switchSync(), (e: unknown) => {
      return e instanceof RuntimeError && e.message === "yield outside a genlet";
    });
    assert.equal(plain.dead, true);
    assertHealthy();
  });

  it("Greenlet genlets nest recursively to completion (test_nested_genlets)", () => {
    const seen: unknown[] = [];
    const top = new Ax(5);
    for (const ii of top) seen.push(ii);
    assert.deepEqual(seen, [1, 2, 3, 4, 5]);
    assert.equal(top.dead, true);
    assertHealthy();
  });
});
