// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// Waiting for a promise inside a hub task, parking only that task.
//
// A stand-in: issue 9 (part 1) routes `awaitOnly()` inside a task to the hub, and then the
// echo example calls `yield* awaitOnly(promise)` directly. Until then `awaitOnly()` in a task
// parks the hub's whole async driver (every task stalls), so this waits on an Event that the
// promise sets, with a hold that keeps the hub from declaring LoopExit meanwhile.

import type { Op } from "../mod.ts";
import { Event, getHub } from "../hub/mod.ts";

/** Waits for `promise` in the current hub task; other tasks run meanwhile. */
export function* wait<T>(promise: PromiseLike<T>): Op<T> {
  const settled = new Event();
  const hold = getHub().hold();
  let failed = false;
  let result: unknown;
  promise.then((value) => {
    result = value;
    hold[Symbol.dispose]();
    settled.set();
  }, (error) => {
    failed = true;
    result = error;
    hold[Symbol.dispose]();
    settled.set();
  });
  yield* settled.wait();
  if (failed) throw result;
  return result as T;
}
