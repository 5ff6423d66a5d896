// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.

import { ensureMain } from "./_agent.ts";
import { agent } from "./_trampoline.ts";
import type { Greenlet } from "./greenlet.ts";

/**
 * The event a tracer receives. Today `"switch"` and `"throw"`; tracers must ignore events they
 * do not know, since more may be added.
 */
export type TraceEvent = "switch" | "throw";

/** The greenlets a transfer went between: `target` is the one that actually got control. */
export interface TraceArgs {
  /** The greenlet that was current before the transfer (it may already be dead). */
  origin: Greenlet;
  /** The greenlet that received control, after walking past dead ones. */
  target: Greenlet;
}

/**
 * A switch tracer. It runs after each transfer, inside the target (`getcurrent()` is the
 * target). If it throws, it is uninstalled and its error is raised in the target instead of
 * what was being delivered.
 */
export type TraceFn = (event: TraceEvent, args: TraceArgs) => void;

/**
 * Installs a tracer for this agent and returns the previous one; `null` removes it.
 *
 * @param tracer the callback, or `null`
 * @returns the tracer that was installed before, or `null`
 * @throws {TypeError} when `tracer` is neither a function nor `null`
 *
 * @example Recording transfers
 * ```ts
 * import { Greenlet, settrace, type TraceEvent } from "@greenlet/greenlet";
 * import assert from "node:assert/strict";
 *
 * const events: TraceEvent[] = [];
 * const previous = settrace((event) => events.push(event));
 * new Greenlet(function* () {}).switchSync();
 * settrace(previous);
 * assert.deepEqual(events, ["switch", "switch"]);
 * ```
 */
export function settrace(tracer: TraceFn | null): TraceFn | null {
  if (tracer !== null && typeof tracer !== "function") {
    throw new TypeError(
      `Cannot install tracer: expected a function or null, not ${typeof tracer}`,
    );
  }
  ensureMain();
  const previous = agent.tracer;
  agent.tracer = tracer;
  return previous;
}

/**
 * Returns this agent's tracer, or `null`.
 *
 * @returns the installed tracer
 *
 * @example
 * ```ts
 * import { gettrace, settrace } from "@greenlet/greenlet";
 * import assert from "node:assert/strict";
 *
 * const tracer = () => {};
 * const previous = settrace(tracer);
 * assert.equal(gettrace(), tracer);
 * settrace(previous);
 * ```
 */
export function gettrace(): TraceFn | null {
  ensureMain();
  return agent.tracer;
}
