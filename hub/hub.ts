// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.

import { awaitOnly, getcurrent, Greenlet, type Op, type Step } from "../mod.ts";
import { Fifo } from "./_fifo.ts";
import { hubBlocked, notInHub } from "./_misuse.ts";
import { Timer, TimerHeap } from "./_timers.ts";
import { type Blocker, type Blocking, done, fail, Waiter, waiterKey } from "./_waiter.ts";
import { LoopExit } from "./loop_exit.ts";

/** How many resumptions a batch runs at most before it yields to the event loop. */
const BATCH_RESUMES = 4096;
/** How long a batch runs at most (checked every 64 resumptions), in milliseconds. */
const BATCH_MS = 4;

const now: () => number = performance.now.bind(performance);
const setImmediateFn: (fn: () => void) => unknown =
  (globalThis as unknown as { setImmediate: (fn: () => void) => unknown }).setImmediate;
const clearImmediateFn: (handle: unknown) => void =
  (globalThis as unknown as { clearImmediate: (handle: unknown) => void }).clearImmediate;

/** Ordinary code's waiter: settles a promise instead of resuming a greenlet. */
class OuterWaiter extends Waiter {
  readonly promise: Promise<unknown>;
  constructor() {
    super(null);
    this.loopExit = true;
    const { promise, resolve, reject } = Promise.withResolvers<unknown>();
    this.promise = promise;
    this.settle = (value, throws) => throws ? reject(value) : resolve(value);
  }
}

/** The blocker of a greenlet that waits for a promise through the hub. */
class AwaitBlocker implements Blocker {
  live = true;
  constructor(readonly hub: Hub) {}
  cancel(): void {
    if (!this.live) return;
    this.live = false;
    this.hub.awaits--;
  }
}

/** The blocker of `sleep(ms)`: the waiter's timer, cancelled by any wake. */
const sleeping: Blocker = { cancel(): void {} };

/**
 * The hub: one per agent, itself a greenlet, the parent of every task. It runs ready greenlets
 * in FIFO batches and waits for timers and promises between them (gevent's hub on the JS event
 * loop).
 *
 * **Who drives it.** The hub runs under one async driver. `main(body)` starts it and awaits the
 * body; otherwise the first thing that gives the hub work (a `spawn()` from ordinary code, a
 * wake from a promise) starts the driver on a microtask. The driver runs while anything is
 * ready, a timer is set, a promise is awaited or a {@link Hub.hold} is taken; then the hub goes
 * dormant (it stays suspended, nothing is lost) and the next piece of work starts it again.
 *
 * **Batches.** A batch runs the ready queue in order, including greenlets woken during it, up
 * to 4096 resumptions or about 4 ms; then the hub yields to the event loop with one
 * `setImmediate` hop, so timers and I/O callbacks are never starved by busy tasks.
 *
 * **LoopExit.** When nothing can run and nothing is pending, greenlets that still wait would
 * wait forever: the hub raises {@link LoopExit} in the body of `main()` if it waits, and
 * rejects ordinary code's waits (`await task.join()`, …). Other blocked tasks stay suspended.
 *
 * @example The hub is the parent of tasks
 * ```ts
 * import { getHub, spawn } from "@greenlet/greenlet/hub";
 * import assert from "node:assert/strict";
 *
 * const task = spawn(function* () {
 *   return 1;
 * });
 * assert.equal(task.parent, getHub().greenlet);
 * assert.equal(await task.get(), 1);
 * ```
 */
export class Hub {
  /** The hub's own greenlet: the default parent of spawned tasks. */
  readonly greenlet: Greenlet;
  readonly #main: Greenlet;
  /** @internal Greenlets to resume, in order. */
  readonly ready: Fifo<Waiter> = new Fifo();
  readonly #timers = new TimerHeap();
  #timerSeq = 0;
  /** @internal Promises that parked greenlets wait for. */
  awaits = 0;
  #holds = 0;
  /** @internal Resumptions left in this batch. */
  budget = BATCH_RESUMES;
  #deadline = 0;
  #wake: (() => void) | null = null;
  #running = false;
  /** Sentinel of the circular list of blocked waiters. */
  readonly #blocked = new Waiter(null);
  readonly #waiters = new WeakMap<Greenlet, Waiter>();

  /** @internal Use {@link getHub}. */
  constructor() {
    let main = getcurrent();
    while (main.parent !== null) main = main.parent;
    this.#main = main;
    this.#blocked.prev = this.#blocked.next = this.#blocked;
    this.greenlet = new Greenlet(() => this.#run(), { parent: this.#main, name: "hub" });
  }

  /** How much is pending: ready greenlets, timers, awaited promises and holds. */
  get pending(): number {
    return this.ready.size + this.#timers.size + this.awaits + this.#holds;
  }

  /**
   * Keeps the hub from declaring {@link LoopExit} while code it does not know (a callback from
   * a socket, a timer of ordinary code) may still wake a waiting greenlet. Release it with
   * `[Symbol.dispose]()` (or `using`).
   *
   * @returns a disposable that releases the hold (once)
   *
   * @example Waking a task from a plain callback
   * ```ts
   * import { Event, getHub, spawn } from "@greenlet/greenlet/hub";
   * import assert from "node:assert/strict";
   *
   * const event = new Event();
   * const hold = getHub().hold();
   * setTimeout(() => {
   *   event.set();
   *   hold[Symbol.dispose]();
   * }, 1);
   * const task = spawn(function* () {
   *   return yield* event.wait();
   * });
   * assert.equal(await task.get(), true);
   * ```
   */
  hold(): Disposable {
    this.#holds++;
    let held = true;
    return {
      [Symbol.dispose]: () => {
        if (!held) return;
        held = false;
        this.#holds--;
        this.#poke();
      },
    };
  }

  /** @internal The waiter of the calling party: the current greenlet, or ordinary code. */
  waiter(what: string): Waiter {
    const g = getcurrent();
    if (g === this.#main) return new OuterWaiter();
    const own = (g as unknown as Record<symbol, Waiter | undefined>)[waiterKey];
    if (own !== undefined) return own;
    return this.#adopt(g, what);
  }

  /** @internal True when ordinary code (not a greenlet body) calls. */
  outside(): boolean {
    return getcurrent() === this.#main;
  }

  /** @internal The running greenlet. */
  current(): Greenlet {
    return getcurrent();
  }

  /** @internal A new waiter for ordinary code. */
  outer(): Waiter {
    return new OuterWaiter();
  }

  /** @internal `value` at once, in the form that fits the caller. */
  resolved<T>(value: T): Blocking<T> {
    if (getcurrent() === this.#main) return Promise.resolve(value) as unknown as Blocking<T>;
    return done(value);
  }

  /** @internal `error` raised at once, in the form that fits the caller. */
  rejected(error: unknown): Blocking<never> {
    if (getcurrent() === this.#main) return Promise.reject(error) as unknown as Blocking<never>;
    return fail(error);
  }

  #adopt(g: Greenlet, what: string): Waiter {
    let w = this.#waiters.get(g);
    if (w !== undefined) return w;
    if (g === this.greenlet) throw hubBlocked();
    let p = g.parent;
    while (p !== null && p !== this.greenlet) p = p.parent;
    if (p === null) throw notInHub(what);
    w = new Waiter(g);
    this.#waiters.set(g, w);
    return w;
  }

  /**
   * @internal Blocks `w` on `blocker`: returns the step that switches away (a greenlet) or the
   * promise (ordinary code).
   */
  block<T>(w: Waiter, blocker: Blocker, what: string): Blocking<T> {
    w.blocker = blocker;
    w.what = what;
    const tail = this.#blocked.prev!;
    w.prev = tail;
    w.next = this.#blocked;
    tail.next = w;
    this.#blocked.prev = w;
    if (w.greenlet === null) {
      this.#poke();
      return (w as OuterWaiter).promise as unknown as Blocking<T>;
    }
    return this.next() as Blocking<T>;
  }

  /** @internal The step that runs the next ready greenlet, or the hub when none is. */
  next(): Step<unknown> {
    const ready = this.ready;
    if (ready.size !== 0 && --this.budget > 0) {
      if ((this.budget & 63) === 0 && now() > this.#deadline) this.budget = 0;
      return resume(ready.shift());
    }
    return this.greenlet.switch();
  }

  /** @internal Makes `w` ready to resume with `value` (raised when `throws`). */
  schedule(w: Waiter, value: unknown, throws: boolean): void {
    this.#unblock(w);
    if (w.greenlet === null) {
      w.settle!(value, throws);
      return;
    }
    w.value = value;
    w.throws = throws;
    if (!w.scheduled) {
      w.scheduled = true;
      this.ready.push(w);
      this.#poke();
    }
  }

  #unblock(w: Waiter): void {
    if (w.blocker !== null) {
      w.blocker = null;
      const prev = w.prev!;
      const next = w.next!;
      prev.next = next;
      next.prev = prev;
      w.prev = w.next = null;
    }
    const timer = w.timer;
    if (timer !== null) {
      w.timer = null;
      this.#timers.delete(timer);
    }
  }

  /**
   * @internal Runs the blocked greenlet `target` now with `value` (raised when `throws`) and
   * schedules the caller `me` to resume with `mine` (raised when `mineThrows`): the channel
   * preference's direct transfer.
   */
  handOff<T>(
    target: Waiter,
    value: unknown,
    throws: boolean,
    me: Waiter,
    mine: unknown,
    mineThrows: boolean,
  ): Blocking<T> {
    this.#unblock(target);
    me.value = mine;
    me.throws = mineThrows;
    if (!me.scheduled) {
      me.scheduled = true;
      this.ready.push(me);
    }
    const g = target.greenlet!;
    return (throws ? g.throw(value) : g.switch(value)) as Blocking<T>;
  }

  /** @internal Takes `w` off what it waits on and raises `error` in it. */
  interrupt(w: Waiter, error: unknown): void {
    const blocker = w.blocker;
    if (blocker !== null) blocker.cancel(w);
    this.schedule(w, error, true);
  }

  /** @internal Wakes `w` after `ms` with `value` (raised when `throws`) unless woken before. */
  timeout(w: Waiter, ms: number, value: unknown, throws: boolean): void {
    const timer = new Timer(now() + ms, this.#timerSeq++, w, null, value, throws);
    w.timer = timer;
    this.#timers.push(timer);
  }

  /** @internal Calls `fn` in the hub after `ms`; returns the timer (for `cancelTimer`). */
  later(ms: number, fn: () => void): Timer {
    const timer = new Timer(now() + ms, this.#timerSeq++, null, fn, undefined, false);
    this.#timers.push(timer);
    this.#poke();
    return timer;
  }

  /** @internal Cancels a timer from {@link Hub.later}. */
  cancelTimer(timer: Timer): void {
    this.#timers.delete(timer);
  }

  /** @internal Parks the current greenlet `w` until `ms` pass. */
  sleep(w: Waiter, ms: number): Blocking<void> {
    if (w.greenlet !== null && ms <= 0) {
      // A cooperative yield: to the back of the ready queue.
      w.value = undefined;
      w.throws = false;
      w.scheduled = true;
      this.ready.push(w);
      return this.next() as Blocking<void>;
    }
    this.timeout(w, ms, undefined, false);
    return this.block(w, sleeping, `sleep(${ms})`);
  }

  /** @internal Parks `w` until `promise` settles; `signal` aborts the wait. */
  wait<T>(w: Waiter, promise: PromiseLike<T>, signal?: AbortSignal): Blocking<T> {
    const blocker = new AwaitBlocker(this);
    this.awaits++;
    const onValue = (value: unknown): void => {
      if (!blocker.live) return;
      blocker.cancel();
      this.schedule(w, value, false);
    };
    const onError = (error: unknown): void => {
      if (!blocker.live) return;
      blocker.cancel();
      this.schedule(w, error, true);
    };
    Promise.resolve(promise).then(onValue, onError);
    if (signal !== undefined) {
      if (signal.aborted) onError(signal.reason);
      else signal.addEventListener("abort", () => onError(signal.reason), { once: true });
      if (!blocker.live) {
        const step = this.next();
        return step as Blocking<T>;
      }
    }
    return this.block(w, blocker, "awaitOnly()");
  }

  /** Starts the driver or ends an idle wait: there is work. */
  #poke(): void {
    const wake = this.#wake;
    if (wake !== null) {
      this.#wake = null;
      wake();
    } else if (!this.#running) {
      this.#running = true;
      queueMicrotask(() => this.#drive());
    }
  }

  #drive(): void {
    this.greenlet.switchAsync().catch((error) => {
      this.#running = false;
      reportError(error);
    });
  }

  *#run(): Op<void> {
    const ready = this.ready;
    for (;;) {
      this.budget = BATCH_RESUMES;
      this.#deadline = now() + BATCH_MS;
      while (this.budget > 0) {
        if (ready.size === 0) {
          this.#fireDue();
          if (ready.size === 0) break;
        }
        if ((--this.budget & 63) === 0 && now() > this.#deadline) this.budget = 0;
        yield* resume(ready.shift());
      }
      if (ready.size !== 0) {
        yield* awaitOnly(hop());
        continue;
      }
      if (this.#timers.size !== 0 || this.awaits !== 0 || this.#holds !== 0) {
        yield* awaitOnly(this.#idle());
        continue;
      }
      if (this.#loopExit()) continue;
      this.#running = false;
      yield* this.#main.switch();
    }
  }

  #fireDue(): void {
    const timers = this.#timers;
    if (timers.size === 0) return;
    const t = now();
    while (timers.size !== 0 && timers.peek().at <= t) {
      const timer = timers.pop();
      const w = timer.waiter;
      if (w !== null) {
        w.timer = null;
        if (w.blocker !== null) w.blocker.cancel(w);
        this.schedule(w, timer.value, timer.throws);
      } else {
        try {
          timer.fn!();
        } catch (error) {
          reportError(error);
        }
      }
    }
  }

  #idle(): Promise<void> {
    return new Promise<void>((resolve) => {
      let handle: unknown = undefined;
      let immediate = false;
      const wake = (): void => {
        this.#wake = null;
        if (handle !== undefined) {
          if (immediate) clearImmediateFn(handle);
          else clearTimeout(handle as number);
        }
        resolve();
      };
      this.#wake = wake;
      if (this.#timers.size !== 0) {
        const delay = this.#timers.peek().at - now();
        if (delay <= 0) {
          immediate = true;
          handle = setImmediateFn(wake);
        } else {
          handle = setTimeout(wake, Math.ceil(delay));
        }
      }
    });
  }

  /** Nothing can run and nothing is pending: raise LoopExit in whoever waits for the hub. */
  #loopExit(): boolean {
    const blocked: Waiter[] = [];
    let targets = 0;
    for (let w = this.#blocked.next!; w !== this.#blocked; w = w.next!) {
      blocked.push(w);
      if (w.loopExit) targets++;
    }
    if (targets === 0) return false;
    const error = new LoopExit(blocked.map((w) => ({
      greenlet: w.greenlet,
      waitsOn: w.blocker?.describe?.(w) ?? w.what,
    })));
    for (const w of blocked) {
      if (w.loopExit) this.interrupt(w, error);
    }
    return true;
  }
}

/** The step that resumes a scheduled waiter with what it was scheduled with. */
function resume(w: Waiter): Step<unknown> {
  w.scheduled = false;
  const value = w.value;
  w.value = undefined;
  if (w.throws) {
    w.throws = false;
    return w.greenlet!.throw(value);
  }
  return w.greenlet!.switch(value);
}

function hop(): Promise<void> {
  return new Promise((resolve) => setImmediateFn(resolve));
}

function reportError(error: unknown): void {
  const sink = (globalThis as { reportError?: (e: unknown) => void }).reportError;
  if (typeof sink === "function") sink(error);
  else {
    queueMicrotask(() => {
      throw error;
    });
  }
}

let theHub: Hub | null = null;

/**
 * Returns this agent's hub, creating it on first use.
 *
 * @returns the hub
 *
 * @example One hub per agent
 * ```ts
 * import { getHub } from "@greenlet/greenlet/hub";
 * import assert from "node:assert/strict";
 *
 * assert.equal(getHub(), getHub());
 * assert.equal(getHub().greenlet.name, "hub");
 * ```
 */
export function getHub(): Hub {
  return theHub ??= new Hub();
}
