// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.

import { GreenletExit, type Op } from "../mod.ts";
import { blocking } from "./_blocking.ts";
import type { Blocking } from "./_waiter.ts";
import { hubCore } from "./_hub.ts";
import { spawn } from "./spawn.ts";
import type { Task } from "./task.ts";

/** What a {@link scope} body gets: a `spawn` whose tasks belong to the scope. */
export interface Scope {
  /** Spawns a task owned by the scope (see {@link spawn}). */
  spawn<A extends unknown[], R>(fn: (...args: A) => Op<R> | R, ...args: A): Task<R>;
  /** The scope's tasks that have not finished yet. */
  readonly children: ReadonlySet<Task<unknown>>;
}

/**
 * Structured concurrency (Effection's and trio's rule): runs `body` in the calling greenlet
 * with a `spawn` whose tasks cannot outlive the scope. When the body ends (returns, raises or
 * is killed), the remaining tasks are killed with `GreenletExit` and joined (their `finally`
 * blocks run, and may switch and wait). When a task fails first, the body is killed, the
 * other tasks too, and `scope()` raises that task's error.
 *
 * @typeParam T the body's result
 * @param body a generator function taking the scope
 * @returns the body's result
 * @throws the first failing task's error, or the body's
 *
 * @example A failing child cancels its siblings
 * ```ts
 * import { main, scope, sleep } from "@greenlet/greenlet/hub";
 * import assert from "node:assert/strict";
 *
 * const log: string[] = [];
 * await assert.rejects(
 *   main(function* () {
 *     yield* scope(function* (s) {
 *       s.spawn(function* () {
 *         try {
 *           yield* sleep(10_000);
 *         } finally {
 *           log.push("sibling cleaned up");
 *         }
 *       });
 *       s.spawn(function* () {
 *         yield* sleep(1);
 *         throw new Error("boom");
 *       });
 *       yield* sleep(10_000);
 *     });
 *   }),
 *   /boom/,
 * );
 * assert.deepEqual(log, ["sibling cleaned up"]);
 * ```
 */
export function scope<T>(body: (scope: Scope) => Op<T>): Blocking<T> {
  if (typeof body !== "function") {
    throw new TypeError(`Cannot open a scope: body must be a function, not ${typeof body}`);
  }
  return blocking(() => run(body));
}

function* run<T>(body: (scope: Scope) => Op<T>): Op<T> {
  const hub = hubCore();
  const w = hub.waiter("scope");
  const children = new Set<Task<unknown>>();
  let failure: { error: unknown } | null = null;
  let open = true;
  const onDone = (t: Task<unknown>): void => {
    children.delete(t);
    if (t.successful() || failure !== null) return;
    failure = { error: t.exception };
    if (open) hub.interrupt(w, new GreenletExit("A task of the scope failed"));
  };
  const s: Scope = {
    spawn<A extends unknown[], R>(fn: (...args: A) => Op<R> | R, ...args: A): Task<R> {
      const t = spawn(fn, ...args);
      children.add(t as Task<unknown>);
      t.link(onDone as (t: Task<R>) => void);
      return t;
    },
    children,
  };
  let result: T;
  try {
    result = yield* body(s);
  } catch (error) {
    if (failure === null || !(error instanceof GreenletExit)) {
      open = false;
      yield* teardown(children);
      throw error;
    }
  } finally {
    open = false;
  }
  yield* teardown(children);
  if (failure !== null) throw (failure as { error: unknown }).error;
  return result!;
}

function* teardown(children: Set<Task<unknown>>): Op<void> {
  const left = [...children];
  for (const t of left) t.kill(undefined, { block: false });
  for (const t of left) yield* t.join();
}
