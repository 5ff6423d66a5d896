// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// greenlet's "genlet" recipe, typed: a greenlet whose body hands out values one at a time,
// iterated with for...of from ordinary code. Tested by tests/genlet_test.ts; shown in
// docs/design.md.
//
// A Genlet is Iterable, not an IterableIterator: `for...of` gets a separate iterator object, so
// the iterator protocol's throw() (which returns an IteratorResult) never meets
// Greenlet.throw() (which returns a step), and the class type-checks.

import { getcurrent, Greenlet, type Op } from "../mod.ts";

/** A greenlet iterated like a generator: each `yield* produce(value)` in its body is a value. */
export class Genlet<T> extends Greenlet implements Iterable<T> {
  /** Resumes the body for each value; leaving the loop early kills the body (its finally runs). */
  *[Symbol.iterator](): Iterator<T, void, undefined> {
    try {
      for (;;) {
        this.parent = getcurrent();
        const value = this.switchSync();
        if (this.dead) return; // the body returned: its result is not a value
        yield value as T;
      }
    } finally {
      if (this.active) this.throwSync();
    }
  }
}

/** Inside a genlet's body, at any depth: hands `value` to the loop iterating the genlet. */
export function* produce<T>(value: T): Op<void> {
  let g: Greenlet | null = getcurrent();
  while (!(g instanceof Genlet)) {
    if (g === null) throw new TypeError("Cannot produce a value: no genlet is running");
    g = g.parent;
  }
  yield* g.parent!.switch(value);
}
