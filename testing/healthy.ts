// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.

import assert from "node:assert/strict";
import { getcurrent, gettrace, Greenlet } from "../mod.ts";

/**
 * Ends a test with a normal round trip: proves that whatever the test did (errors included)
 * left the agent usable: ordinary code is the main greenlet, no tracer is left installed, and
 * a new greenlet can start, suspend, resume and finish.
 */
export function assertHealthy(): void {
  const main = getcurrent();
  assert.equal(main.kind, "main", "ordinary code must run as the main greenlet");
  assert.equal(gettrace(), null, "a test left a tracer installed");
  const g = new Greenlet(function* (x: unknown) {
    const y = yield* main.switch(x);
    return [x, y];
  });
  assert.equal(g.switchSync("there"), "there");
  assert.deepEqual(g.switchSync("back"), ["there", "back"]);
  assert.equal(g.dead, true);
  assert.equal(getcurrent(), main);
}
