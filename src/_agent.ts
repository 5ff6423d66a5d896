// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// Agent ownership: the first copy of the library loaded into an agent (a main thread or a
// Worker) claims it and makes its main greenlet on first use; another copy refuses
// (WRONG_AGENT), since two main greenlets in one agent could not both be "ordinary code".

import { agent, type Core, State } from "./_trampoline.ts";
import { wrongAgent } from "./_misuse.ts";

const agentKey = Symbol.for("greenlet.deno-bun.agent");
const ownerToken = {};

/** Claims the agent for this copy of the library; returns true when another copy owns it. */
function claimAgent(): boolean {
  const slot = globalThis as unknown as Record<symbol, unknown>;
  if (slot[agentKey] === undefined) {
    Object.defineProperty(slot, agentKey, { value: ownerToken, enumerable: false });
  }
  return slot[agentKey] !== ownerToken;
}

/** True when another copy of the library owns this agent. */
const foreign = claimAgent();

/** Makes the main greenlet's object and returns its core; installed by greenlet.ts. */
let makeMain: (() => Core) | null = null;

/**
 * Installs how the main greenlet's object is made. greenlet.ts calls it once when the
 * `Greenlet` class is defined (the class sits above this file, so this file cannot import it).
 */
export function setMainMaker(make: () => Core): void {
  makeMain = make;
}

/** Returns the main greenlet's core, creating it (and making it current) on first use. */
export function ensureMain(): Core {
  const main = agent.main;
  if (main !== null) return main;
  if (foreign) throw wrongAgent();
  const core = makeMain!();
  core.state = State.MAIN;
  agent.main = core;
  agent.current = core;
  return core;
}
