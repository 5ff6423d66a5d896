// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// The garbage-collection kill (best effort; greenlet rule K1) and the live-greenlet list. A
// greenlet is registered the first time it suspends; when its object is collected while it is
// suspended, its body gets a GreenletExit, run under a stand-in object (the ghost face).

import type { Greenlet } from "./greenlet.ts";
import { GreenletExit } from "./greenlet_exit.ts";
import { cleanupSurvived, cleanupSwitch, label } from "./_misuse.ts";
import { agent, type ContextData, Core, markDead, setStepBlocked, State } from "./_trampoline.ts";
import { reportUnraisable } from "./_unraisable.ts";

/** What the garbage-collection kill needs; deliberately holds no reference to the face. */
export interface Held {
  /** The suspended body; null once the greenlet died (then collection runs nothing). */
  gen: Generator<unknown, unknown, unknown> | null;
  ctx: ContextData;
  name: string;
  id: number;
  ref: WeakRef<Greenlet> | null;
  /** Links of the live list (intrusive and circular: no Set entry per greenlet). */
  prev: Held | null;
  next: Held | null;
}

const killMessage = "Killing the greenlet because all references have vanished.";

/** Live (started, not dead) greenlets, for the tree dump. */
export const live: Held = {
  gen: null,
  ctx: null,
  name: "",
  id: -1,
  ref: null,
  prev: null,
  next: null,
};
live.prev = live.next = live; // the sentinel of a circular list, in registration order

/** Takes a greenlet off the live list (once; later calls do nothing). */
export function unlink(held: Held): void {
  const prev = held.prev;
  if (prev === null) return;
  const next = held.next!;
  prev.next = next;
  next.prev = prev;
  held.prev = null;
  held.next = null;
}

const registry = new FinalizationRegistry<Held>(collect);

/** Registers a greenlet the first time it suspends, so creation stays cheap. */
export function watch(core: Core, gen: Generator<unknown, unknown, unknown>): void {
  const ref = new WeakRef(core.face);
  const prev = live.prev!;
  const held: Held = { gen, ctx: core.ctx, name: core.name, id: core.id, ref, prev, next: live };
  prev.next = held;
  live.prev = held;
  core.held = held;
  registry.register(core.face, held);
}

/** Keeps the GC kill's context snapshot current; called by ContextVar writes. */
export function setContext(core: Core, ctx: ContextData): void {
  core.ctx = ctx;
  if (core.held !== null) core.held.ctx = ctx;
}

function collect(held: Held): void {
  unlink(held);
  const gen = held.gen;
  if (gen === null) return;
  const main = agent.main;
  if (agent.driving || main === null) {
    // Cannot run cleanup inside a driver step; try again on the next turn.
    queueMicrotask(() => collect(held));
    return;
  }
  const text = label(held);
  // getcurrent() in the cleanup returns the stand-in: the greenlet's own object is gone.
  const face = new GhostFace(held.name, text) as unknown as Greenlet;
  const ghost = new Core(face, main, undefined, held.ctx, held.name);
  ghost.state = State.ACTIVE;
  ghost.body = gen;
  agent.driving = true;
  agent.current = ghost;
  setStepBlocked(false);
  try {
    kill(gen, text);
  } finally {
    markDead(ghost);
    setStepBlocked(true);
    agent.driving = false;
    agent.current = main;
  }
}

/** Raises GreenletExit in the collected body until it finishes (refusing every switch). */
function kill(gen: Generator<unknown, unknown, unknown>, text: string): void {
  let error: unknown = new GreenletExit(killMessage);
  for (let attempt = 0; attempt < 16; attempt++) {
    let r: IteratorResult<unknown, unknown>;
    try {
      r = gen.throw(error);
    } catch (thrown) {
      if (!(thrown instanceof GreenletExit)) report(thrown, text);
      return;
    }
    if (r.done === true) return;
    // The body tried to switch or await while being collected: refuse at that point.
    setStepBlocked(false);
    error = cleanupSwitch(text);
  }
  report(cleanupSurvived(text), text);
}

/** The stand-in face for a greenlet whose object was collected while its cleanup runs. */
class GhostFace {
  readonly name: string;
  readonly #label: string;
  constructor(name: string, text: string) {
    this.name = name;
    this.#label = text;
  }
  toString(): string {
    return `<Greenlet ${this.#label} collected>`;
  }
}

/** Reports an error raised by the cleanup: nobody can catch it, and the program goes on. */
function report(error: unknown, greenlet: string): void {
  reportUnraisable({ error, greenlet, during: "the garbage-collection kill" });
}
