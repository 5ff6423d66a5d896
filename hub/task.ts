// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.

import { Greenlet, GreenletExit, type Op } from "../mod.ts";
import { type Blocker, type Blocking, fail, finishKey, type Waiter, waiterKey } from "./_waiter.ts";
import type { Timer } from "./_timers.ts";
import { hubCore } from "./_hub.ts";
// The seam through which the hub makes its tasks' greenlets (see there).
import { schedulerSwitch } from "../src/_scheduler_switch.ts";
import { checkTimeout, Timeout } from "./timeout.ts";
import { noInline } from "../src/_no_inline.ts";

/** @internal The arguments of a task started without any: one shared, frozen array. */
export const NO_ARGS: readonly unknown[] = Object.freeze([]);

const PENDING = 0;
/** Finished: returned (or killed), the result is the value. */
const DONE = 2;
/** Finished by raising: the result is the error. */
const FAILED = 3;

/** Blockers of joiners; `cancel` is filled in by the class (it needs private access). */
const joining: Blocker = {
  cancel(): void {},
  describe: (w) => `Task.join(${label(w.item as Greenlet)})`,
};
const getting: Blocker = {
  cancel(): void {},
  describe: (w) => `Task.get(${label(w.item as Greenlet)})`,
};

/**
 * @internal Links `callback` to the end of `task` without taking its failure over: a failure
 * nobody else looks at is still reported (a pool's bookkeeping link).
 */
export let watchEnd: <R>(task: Task<R>, callback: (task: Task<R>) => void) => () => void;

/** The callbacks linked by {@link watchEnd}: they do not take a failure over. */
const quietLinks = new WeakSet<(task: never) => void>();

/** Options of {@link Task.join} and {@link Task.get}. */
export interface TaskWaitOptions {
  /** Stop waiting after this many milliseconds. @default no limit */
  timeout?: number;
}

/** Options of {@link Task.kill}. */
export interface TaskKillOptions {
  /** Wait until the task has finished. @default true */
  block?: boolean;
  /** With `block`, stop waiting after this many milliseconds. @default no limit */
  timeout?: number;
}

/**
 * A greenlet run by the hub (gevent's `Greenlet`): created by {@link spawn}, its parent is the
 * hub. It remembers how its body ended: {@link Task.value} or {@link Task.exception}. Waiting
 * for it is `yield* task.join()` / `yield* task.get()` inside a task and
 * `await task.join()` / `await task.get()` (or `await task.promise`) from ordinary code.
 *
 * A kill (`GreenletExit`) counts as success: the value is the `GreenletExit`. An error the body
 * raises is kept: `get()` raises it again, `exception` holds it. A task that fails while nobody
 * joins, gets, links or awaits it, and that nobody looks at before the hub's batch ends, is
 * reported through the unraisable hook (`setUnraisableHook`; stderr by default), as gevent
 * prints a greenlet's traceback.
 *
 * A task is not thenable on purpose: awaiting a `Task` by accident would silently join it. Use
 * `task.promise`.
 *
 * @typeParam R the body's result
 *
 * @example Spawning and waiting
 * ```ts
 * import { main, sleep, spawn } from "@greenlet/greenlet/hub";
 * import assert from "node:assert/strict";
 *
 * const total = await main(function* () {
 *   const a = spawn(function* () {
 *     yield* sleep(2);
 *     return 40;
 *   });
 *   const b = spawn(function* () {
 *     return 2;
 *   });
 *   return (yield* a.get()) + (yield* b.get());
 * });
 * assert.equal(total, 42);
 * ```
 */
export class Task<R = unknown> extends Greenlet {
  /** @ignore The hub's record of this task: the task itself (see the fields below). */
  readonly [waiterKey]: Waiter = this;
  // The hub's waiter fields (see Waiter in _waiter.ts): a task is its own waiter, so a spawn
  // builds one object fewer. They come first: JSC keeps an object's first fields inline.
  /** @ignore */
  readonly greenlet: Greenlet = this;
  /** @ignore */
  sent: unknown = undefined;
  /** @ignore */
  throws = false;
  /** @ignore */
  scheduled = false;
  /** @ignore */
  blocker: Blocker | null = null;
  /** @ignore */
  what = "";
  /** @ignore */
  handed: Blocker | null = null;
  /** @ignore */
  timer: Timer | null = null;
  /** @ignore */
  item: unknown = undefined;
  /** @ignore */
  args: readonly unknown[] | null;
  /** @ignore */
  loopExit = false;
  /** @ignore */
  prev: Waiter | null = null;
  /** @ignore */
  next: Waiter | null = null;
  // The task's own state, after the hub's fields (the hot ones first in the object).
  /** PENDING until it finished, then DONE or FAILED. */
  #state = PENDING;
  /** The return value (DONE) or the error (FAILED). */
  #result: unknown = undefined;
  /** Who waits for the end: one waiter, or several (most tasks have at most one). */
  #joiners: Waiter | Waiter[] | null = null;
  // Typed loosely so that Task<R> stays assignable to Task<unknown>.
  #links: ((task: never) => void)[] | null = null;
  #promise: Promise<R> | null = null;
  #start: Timer | null = null;

  static {
    joining.cancel = (w) => (w.item as Task).#unjoin(w);
    getting.cancel = joining.cancel;
    watchEnd = (task, callback) => {
      quietLinks.add(callback as (task: never) => void);
      return task.#link(callback);
    };
  }

  /**
   * Creates a pending task; {@link spawn} creates and schedules one.
   *
   * @param fn the body: a generator function (or a plain function)
   * @param args arguments for `fn`
   * @param name a name for messages @default `fn.name`
   * @throws {TypeError} when `fn` is not a function
   */
  constructor(
    fn: (...args: never[]) => Op<R> | R,
    args: readonly unknown[] = NO_ARGS,
    name?: string,
  ) {
    if (typeof fn !== "function") {
      throw new TypeError(`Cannot spawn: fn must be a function, not ${typeof fn}`);
    }
    const hub = hubCore();
    // The common case: the constructor takes the hub as the parent without an options object.
    if (name === undefined) schedulerSwitch.nextParent = hub.greenlet;
    super(fn, name === undefined ? undefined : { parent: hub.greenlet, name });
    this.args = args;
  }

  /** @internal Schedules the start now, or after `ms` milliseconds. */
  schedule(ms?: number): this {
    const hub = hubCore();
    if (ms === undefined || ms <= 0) hub.schedule(this, undefined, false);
    else {
      this.#start = hub.later(ms, () => {
        this.#start = null;
        hub.schedule(this, undefined, false);
      });
    }
    return this;
  }

  /**
   * @ignore Called by the hub when the body has ended: with its return value (a
   * `GreenletExit` when killed), or with what it raised (`failed`).
   */
  [finishKey](value: unknown, failed: boolean): void {
    this.#result = value;
    if (failed) {
      this.#state = FAILED;
      // Nobody waits, links or holds the promise: reported when the hub's batch ends unless
      // someone looks by then (see HubCore.unseen).
      const links = this.#links;
      if (
        this.#joiners === null && this.#promise === null &&
        (links === null || links.every((link) => quietLinks.has(link)))
      ) {
        hubCore().unseen.add(this);
      }
    } else this.#state = DONE;
    this.#finish();
  }

  /** Someone looks at how the task ended: a failure is theirs to handle, not reported. */
  #seen(): void {
    if (this.#state === FAILED) hubCore().unseen.delete(this);
  }

  #finish(): void {
    const joiners = this.#joiners;
    if (joiners !== null) {
      this.#joiners = null;
      if (!Array.isArray(joiners)) this.#wake(joiners);
      else for (const w of joiners) this.#wake(w);
    }
    const links = this.#links;
    if (links !== null) {
      this.#links = null;
      for (const link of links) callLink(link as (task: Task<R>) => void, this);
    }
  }

  #wake(w: Waiter): void {
    const hub = hubCore();
    if (w.blocker === joining) hub.schedule(w, true, false);
    else hub.schedule(w, this.#result, this.#state === FAILED);
  }

  #join(w: Waiter): void {
    const joiners = this.#joiners;
    if (joiners === null) this.#joiners = w;
    else if (!Array.isArray(joiners)) this.#joiners = [joiners, w];
    else joiners.push(w);
  }

  #unjoin(w: Waiter): void {
    const joiners = this.#joiners;
    if (joiners === w) this.#joiners = null;
    else if (Array.isArray(joiners)) {
      const i = joiners.indexOf(w);
      if (i >= 0) joiners.splice(i, 1);
    }
  }

  #wait(
    blocker: Blocker,
    what: string,
    options: TaskWaitOptions | undefined,
    expired: unknown,
    throws: boolean,
  ): Blocking<unknown> {
    const hub = hubCore();
    const w = hub.waiter(what);
    if (w === this) {
      return fail(new TypeError(`Cannot ${what} in the task itself: it would wait forever`));
    }
    this.#join(w);
    w.item = this;
    // The message only when there are options: no string built per join.
    const ms = options === undefined ? undefined : checkTimeout(options.timeout, `Cannot ${what}`);
    if (ms !== undefined) hub.timeout(w, ms, throws ? new Timeout(ms) : expired, throws);
    return hub.block(w, blocker, what);
  }

  /**
   * Waits until the task has finished (returned, raised or been killed).
   *
   * @param options a timeout
   * @returns true when finished, false when the timeout passed first
   *
   * @example Joining with a timeout
   * ```ts
   * import { main, sleep, spawn } from "@greenlet/greenlet/hub";
   * import assert from "node:assert/strict";
   *
   * await main(function* () {
   *   const slow = spawn(function* () {
   *     yield* sleep(10_000);
   *   });
   *   assert.equal(yield* slow.join({ timeout: 1 }), false);
   *   yield* slow.kill();
   *   assert.equal(yield* slow.join(), true);
   * });
   * ```
   */
  join(options?: TaskWaitOptions): Blocking<boolean> {
    if (this.#state !== PENDING) {
      this.#seen();
      return hubCore().resolved(true);
    }
    return this.#wait(joining, "Task.join", options, false, false) as Blocking<boolean>;
  }

  /**
   * Waits until the task has finished and returns its value, or raises its error (the same
   * object the body raised).
   *
   * @param options a timeout
   * @returns the body's return value (a `GreenletExit` if it was killed)
   * @throws what the body raised; {@link Timeout} when the timeout passes first
   *
   * @example Getting a result from ordinary code
   * ```ts
   * import { spawn } from "@greenlet/greenlet/hub";
   * import assert from "node:assert/strict";
   *
   * const task = spawn(function* (a: number, b: number) {
   *   return a * b;
   * }, 6, 7);
   * assert.equal(await task.get(), 42);
   * ```
   */
  get(options?: TaskWaitOptions): Blocking<R> {
    const state = this.#state;
    if (state === DONE) return hubCore().resolved(this.#result as R);
    if (state === FAILED) {
      this.#seen();
      return hubCore().rejected(this.#result);
    }
    return this.#wait(getting, "Task.get", options, undefined, true) as Blocking<R>;
  }

  /**
   * Raises `error` (a `GreenletExit` by default) in the task where it waits; a task that has
   * not started finishes without running its body. By default waits until it has finished:
   * its `finally` blocks may switch and wait. Killing the calling task raises at once.
   *
   * @param error what to raise @default a new `GreenletExit`
   * @param options whether to wait, and for how long
   * @returns true when the task has finished (false when not waited for, or the timeout passed)
   *
   * @example Killing a sleeping task
   * ```ts
   * import { main, sleep, spawn } from "@greenlet/greenlet/hub";
   * import assert from "node:assert/strict";
   *
   * const log: string[] = [];
   * await main(function* () {
   *   const sleeper = spawn(function* () {
   *     try {
   *       yield* sleep(10_000);
   *     } finally {
   *       yield* sleep(1); // cleanup may wait
   *       log.push("cleaned up");
   *     }
   *   });
   *   yield* sleep(1);
   *   yield* sleeper.kill();
   *   assert.equal(sleeper.successful(), true);
   * });
   * assert.deepEqual(log, ["cleaned up"]);
   * ```
   */
  kill(error?: unknown, options?: TaskKillOptions): Blocking<boolean> {
    const hub = hubCore();
    if (this.#state !== PENDING) {
      this.#seen();
      return hub.resolved(true);
    }
    const raised = error === undefined ? new GreenletExit() : error;
    if (hub.current() === this) return fail(raised);
    this.#interrupt(raised);
    if (options?.block === false) return hub.resolved(false);
    return this.join({ timeout: options?.timeout });
  }

  /** True once the task has finished (returned, raised or been killed). */
  ready(): boolean {
    return this.#state !== PENDING;
  }

  /** True once the task has finished without raising (a kill counts as success). */
  successful(): boolean {
    return this.#state === DONE;
  }

  /** The body's return value once successful (a `GreenletExit` when killed), else undefined. */
  get value(): R | undefined {
    return this.#state === DONE ? this.#result as R : undefined;
  }

  /** What the body raised, once it failed; else undefined. */
  get exception(): unknown {
    if (this.#state !== FAILED) return undefined;
    this.#seen();
    return this.#result;
  }

  /**
   * Calls `callback(task)` when the task finishes (at once, in the hub, when it already has).
   * Callbacks run in the hub and must not wait; what they throw is reported.
   *
   * @param callback called once with this task
   * @returns a function that removes the link
   *
   * @example Being told when a task ends
   * ```ts
   * import { main, spawn } from "@greenlet/greenlet/hub";
   * import assert from "node:assert/strict";
   *
   * const seen: unknown[] = [];
   * await main(function* () {
   *   const task = spawn(function* () {
   *     return "done";
   *   });
   *   task.link((t) => seen.push(t.value));
   *   yield* task.join();
   * });
   * assert.deepEqual(seen, ["done"]);
   * ```
   */
  link(callback: (task: Task<R>) => void): () => void {
    if (typeof callback !== "function") {
      throw new TypeError(`Cannot link: callback must be a function, not ${typeof callback}`);
    }
    this.#seen();
    return this.#link(callback);
  }

  #link(callback: (task: Task<R>) => void): () => void {
    if (this.#state !== PENDING) {
      const timer = hubCore().later(0, () => callLink(callback, this));
      return () => hubCore().cancelTimer(timer);
    }
    (this.#links ??= []).push(callback as (task: never) => void);
    return () => {
      const links = this.#links;
      const i = links === null ? -1 : links.indexOf(callback as (task: never) => void);
      if (i >= 0) links!.splice(i, 1);
    };
  }

  /**
   * A promise of the task's result, for async code (created on first use): fulfilled with
   * the value, rejected with the error; a {@link LoopExit} when the task can never finish.
   *
   * @example Awaiting several tasks
   * ```ts
   * import { spawn } from "@greenlet/greenlet/hub";
   * import assert from "node:assert/strict";
   *
   * const tasks = [1, 2, 3].map((n) => spawn(function* () {
   *   return n * 10;
   * }));
   * assert.deepEqual(await Promise.all(tasks.map((t) => t.promise)), [10, 20, 30]);
   * ```
   */
  get promise(): Promise<R> {
    if (this.#promise !== null) return this.#promise;
    const hub = hubCore();
    if (this.#state !== PENDING) {
      this.#seen();
      this.#promise = this.#state === FAILED
        ? Promise.reject(this.#result)
        : Promise.resolve(this.#result as R);
    } else {
      const w = hub.outer();
      this.#join(w);
      w.item = this;
      this.#promise = hub.block<R>(w, getting, "Task.promise") as unknown as Promise<R>;
    }
    return this.#promise;
  }

  /** Kills the task (if it still runs) and waits until it has finished; for `await using`. */
  override async [Symbol.asyncDispose](): Promise<void> {
    await this.kill();
  }

  #interrupt(error: unknown): void {
    const hub = hubCore();
    if (this.#start !== null) {
      hub.cancelTimer(this.#start);
      this.#start = null;
    }
    hub.interrupt(this, error);
  }
}

function label(g: Greenlet): string {
  return String(g).replace(/^<Greenlet (\S+).*$/, "$1");
}

function callLink<R>(link: (task: Task<R>) => void, task: Task<R>): void {
  try {
    link(task);
  } catch (error) {
    queueMicrotask(() => {
      throw error;
    });
  }
}

// Compiled on its own by JSC (a no-op on V8): inlined, the hub's code was compiled again into every
// caller's optimized code, and recompiled with it (docs/benchmarks_hub.md, branch `hubjsc`).
noInline(Task.prototype.join);
noInline(Task.prototype.get);
