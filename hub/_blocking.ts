// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.

import type { Op } from "../mod.ts";
import type { Blocking } from "./_waiter.ts";
import { hubCore } from "./_hub.ts";
import { NO_ARGS, Task } from "./task.ts";

/**
 * The two call forms of a blocking operation written as a generator: in a greenlet body the
 * generator itself (entered with `yield*`); from ordinary code a promise of its result, run
 * in a helper task.
 */
export function blocking<T>(body: () => Op<T>): Blocking<T> {
  if (hubCore().outside()) return new Task(body, NO_ARGS, "helper").schedule().get();
  return body() as unknown as Blocking<T>;
}
