// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// The seam through which a scheduler (the hub, hub/_hub.ts) creates and switches into the
// greenlets it runs without the public methods' argument handling: `switch()` reads
// `arguments`, which JSC's baseline and DFG tiers build as an object on every call (only its
// FTL tier sinks it), and the constructor checks its options object field by field.

import type { Greenlet } from "./greenlet.ts";
import type { Step } from "./types.ts";

/** Switch steps for a scheduler; filled in by greenlet.ts when the `Greenlet` class exists. */
export const schedulerSwitch: {
  /**
   * The parent of the next greenlet constructed, set by a scheduler right before it calls the
   * `Greenlet` constructor (through `super()`) with no options of its own; the constructor
   * takes it (and clears it) instead of reading an options object.
   */
  nextParent: Greenlet | null;
  /**
   * The step of `g.switch(...)` carrying `payload` as `arity` arguments: arity 0 (nothing),
   * 1 (`payload` itself) or more (`payload` is the array of them).
   */
  to(g: Greenlet, payload: unknown, arity: number): Step<unknown>;
  /** The scheduler's own greenlet, whose children's returns go to `ended`; null for none. */
  scheduler: Greenlet | null;
  /**
   * A child of `scheduler` has returned `value` (not raised; no tracer set): the scheduler
   * learns of it here instead of being switched into, and gives the step of whoever runs
   * next (a greenlet it runs, or itself), saving a switch through the scheduler per finished
   * child (the hub: a task's joiner resumes straight from the task's end).
   */
  ended: (value: unknown) => Step<unknown>;
} = {
  nextParent: null,
  scheduler: null,
  ended(): never {
    throw new Error("unreachable: no scheduler is set");
  },
  to(): never {
    throw new Error("unreachable: greenlet.ts is not loaded");
  },
};
