// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// The abort controllers behind `Greenlet.signal`, created on first read.

import { GreenletExit } from "./greenlet_exit.ts";

/**
 * The controllers, keyed by the greenlet's core. Kept out of the core because few greenlets use
 * one and every field costs memory per suspended greenlet.
 */
export const controllers: WeakMap<object, AbortController> = new WeakMap();
/** How many controllers exist, so deaths skip the WeakMap lookup while none does. */
export const signals: { count: number } = { count: 0 };

/**
 * Aborts the greenlet's signal, if it has one not aborted yet, with `reason` (a kill), or for a
 * death with a new `GreenletExit`.
 */
export function abortSignal(core: object, reason?: GreenletExit): void {
  const controller = controllers.get(core);
  if (controller !== undefined && !controller.signal.aborted) {
    controller.abort(reason ?? new GreenletExit("The greenlet is dead"));
  }
}

/** Returns the greenlet's signal, creating its controller (aborted if `dead`) on first read. */
export function signalOf(core: object, dead: boolean): AbortSignal {
  let controller = controllers.get(core);
  if (controller === undefined) {
    controller = new AbortController();
    if (dead) controller.abort(new GreenletExit("The greenlet is dead"));
    controllers.set(core, controller);
    signals.count++;
  }
  return controller.signal;
}
