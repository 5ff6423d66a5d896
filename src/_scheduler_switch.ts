// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// The seam through which a scheduler (the hub, hub/_hub.ts) switches into the greenlets it
// runs without the public method's argument handling: `switch()` reads `arguments`, which
// JSC's baseline and DFG tiers build as an object on every call (only its FTL tier sinks it).

import type { Greenlet } from "./greenlet.ts";
import type { Step } from "./types.ts";

/** Switch steps for a scheduler; filled in by greenlet.ts when the `Greenlet` class exists. */
export const schedulerSwitch: {
  /**
   * The step of `g.switch(...)` carrying `payload` as `arity` arguments: arity 0 (nothing),
   * 1 (`payload` itself) or more (`payload` is the array of them).
   */
  to(g: Greenlet, payload: unknown, arity: number): Step<unknown>;
} = {
  to(): never {
    throw new Error("unreachable: greenlet.ts is not loaded");
  },
};
