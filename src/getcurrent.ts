// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.

import { ensureMain } from "./_agent.ts";
import { agent } from "./_trampoline.ts";
import type { Greenlet } from "./greenlet.ts";

/**
 * Returns the greenlet that is running now: inside a body, that body's greenlet (a subclass
 * instance if it is one); in ordinary code, this agent's main greenlet. The first call
 * creates the main greenlet.
 *
 * @returns the current greenlet
 * @throws {GreenletError} `WRONG_AGENT` when another copy of the library owns this agent
 *
 * @example Who is running
 * ```ts
 * import { getcurrent, Greenlet } from "@greenlet/greenlet";
 * import assert from "node:assert/strict";
 *
 * const main = getcurrent();
 * assert.equal(main.kind, "main");
 * const g = new Greenlet(function* () {
 *   return getcurrent();
 * });
 * assert.equal(g.switchSync(), g);
 * ```
 */
export function getcurrent(): Greenlet {
  ensureMain();
  return agent.current.face;
}
