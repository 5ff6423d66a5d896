// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// The one park/wake record every blocking call uses (gevent's `_waiter.py`): a greenlet that
// waits, or ordinary code waiting through a promise.

import type { Greenlet, Step } from "../mod.ts";
import type { Timer } from "./_timers.ts";

/** What a waiter is blocked on: it can take the waiter off its wait list (kill, timeout). */
export interface Blocker {
  /** Removes `waiter` from this blocker's wait list; it is woken another way. */
  cancel(waiter: Waiter): void;
  /** Describes the wait for LoopExit when `waiter.what` is not enough. */
  describe?(waiter: Waiter): string;
}

/**
 * A blocking operation's result: enter it with `yield*` inside a task (or any greenlet the hub
 * runs), `await` it from ordinary code. Each call returns the form that fits where it is
 * called: a single-use step in a greenlet body, a promise in ordinary code.
 */
export type Blocking<T> = Step<T> & PromiseLike<T>;

/**
 * One party that waits: a greenlet run by the hub, or ordinary code (then `greenlet` is null
 * and the hub settles its promise instead). A greenlet keeps one waiter for all its waits; a
 * task is its own waiter (it declares these fields itself: one object per task, not two).
 */
export class Waiter {
  /** The waiting greenlet; null for ordinary code. */
  readonly greenlet: Greenlet | null;
  /** What the next resumption delivers. */
  sent: unknown = undefined;
  /** True when the next resumption raises `sent`. */
  throws = false;
  /** True while in the hub's ready queue. */
  scheduled = false;
  /** What it is blocked on; null when not blocked. */
  blocker: Blocker | null = null;
  /** Describes the wait for LoopExit messages (e.g. `Queue.get`). */
  what = "";
  /**
   * Who handed over the value this waiter is scheduled with, while it has not run yet: a
   * kill or timeout gives the value back (a queue item is not lost).
   */
  handed: Blocker | null = null;
  /** The timeout of the current wait, if any. */
  timer: Timer | null = null;
  /** Data the blocker keeps with the waiter: an offered value, a join mode, … */
  item: unknown = undefined;
  /** A task's start arguments until it starts; null once started (and for non-tasks). */
  args: readonly unknown[] | null = null;
  /** True when LoopExit is raised in it: ordinary code's waits and the body of `main()`. */
  loopExit = false;
  /**
   * Links of the hub's list of blocked waiters; null when not on it. A task stays on it from
   * its first wait until it ends (HubCore#unblock).
   */
  prev: Waiter | null = null;
  next: Waiter | null = null;

  constructor(greenlet: Greenlet | null) {
    this.greenlet = greenlet;
  }
}

/** What the hub tells when a task's body has ended. */
export const finishKey: unique symbol = Symbol("greenlet.hub.finish");

/** A task, as the hub sees it (a waiter whose `greenlet` is itself). */
export interface Finisher {
  /** The body ended with `value` (returned, or raised when `failed`). */
  [finishKey](value: unknown, failed: boolean): void;
}

/** Where a greenlet's waiter is kept on the greenlet (tasks define it at creation). */
export const waiterKey: unique symbol = Symbol("greenlet.hub.waiter");

/**
 * A step that finishes at once with a value: the fast path of a blocking call that does not
 * block. One object serves every call, since `yield*` consumes it synchronously.
 */
class Done {
  value: unknown = undefined;
  readonly #result: IteratorReturnResult<unknown> = { done: true, value: undefined };
  [Symbol.iterator](): this {
    return this;
  }
  next(): IteratorReturnResult<unknown> {
    const result = this.#result;
    result.value = this.value;
    this.value = undefined;
    return result;
  }
}
const theDone = new Done();

/** A step that evaluates to `value` without switching. */
export function done<T>(value: T): Blocking<T> {
  theDone.value = value;
  return theDone as unknown as Blocking<T>;
}

/** A step that raises `error` at once. */
export function fail(error: unknown): Blocking<never> {
  return {
    [Symbol.iterator]() {
      return {
        next(): never {
          throw error;
        },
      };
    },
  } as unknown as Blocking<never>;
}
