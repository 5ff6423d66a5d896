// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.

import type { Op } from "../mod.ts";
import { blocking } from "./_blocking.ts";
import type { Blocking } from "./_waiter.ts";
import { hubCore } from "./_hub.ts";
import type { Task } from "./task.ts";
import { checkTimeout } from "./timeout.ts";

/** Options of {@link joinAll}. */
export interface JoinAllOptions {
  /** Stop waiting after this many milliseconds. @default no limit */
  timeout?: number;
  /** Raise the error of the first task that fails, as soon as it fails. @default false */
  raiseError?: boolean;
  /** Return once this many tasks have finished. @default all of them */
  count?: number;
}

/**
 * Waits until the tasks have finished (gevent's `joinall`): all of them, the first `count`,
 * or until the timeout passes.
 *
 * @param tasks the tasks to wait for
 * @param options a timeout, `raiseError`, `count`
 * @returns the finished tasks, in the order they finished
 * @throws the first failing task's error, with `raiseError`
 *
 * @example The first of several to finish
 * ```ts
 * import { joinAll, main, sleep, spawn } from "@greenlet/greenlet/hub";
 * import assert from "node:assert/strict";
 *
 * await main(function* () {
 *   const slow = spawn(function* () {
 *     yield* sleep(3_600_000); // killed below
 *   });
 *   const fast = spawn(function* () {
 *     yield* sleep(1);
 *   });
 *   const [first] = yield* joinAll([slow, fast], { count: 1 });
 *   assert.equal(first, fast);
 *   yield* slow.kill();
 * });
 * ```
 */
export function joinAll(
  tasks: Iterable<Task<unknown>>,
  options?: JoinAllOptions,
): Blocking<Task<unknown>[]> {
  const list = [...tasks];
  const ms = checkTimeout(options?.timeout, "Cannot join all");
  const count = options?.count ?? list.length;
  if (!Number.isInteger(count) || count < 0) {
    throw new RangeError(`Cannot join all: count must be a whole number >= 0, not ${count}`);
  }
  return blocking(() => waitAll(list, ms, options?.raiseError === true, count));
}

function* waitAll(
  list: Task<unknown>[],
  ms: number | undefined,
  raiseError: boolean,
  count: number,
): Op<Task<unknown>[]> {
  const hub = hubCore();
  const finished: Task<unknown>[] = [];
  const failed = (t: Task<unknown>): boolean => raiseError && !t.successful();
  for (const t of list) {
    if (!t.ready()) continue;
    if (failed(t)) throw t.exception;
    finished.push(t);
  }
  if (finished.length >= count) return finished.slice(0, count);
  const w = hub.waiter("joinAll");
  const unlinks = list.filter((t) => !t.ready()).map((t) =>
    t.link((done) => {
      if (w.blocker === null) return;
      finished.push(done);
      if (failed(done)) hub.interrupt(w, done.exception);
      else if (finished.length >= count) hub.schedule(w, true, false);
    })
  );
  if (ms !== undefined) hub.timeout(w, ms, false, false);
  try {
    yield* hub.block(w, { cancel(): void {} }, "joinAll");
  } finally {
    for (const unlink of unlinks) unlink();
  }
  return finished;
}
