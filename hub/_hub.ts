// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.

import { awaitOnly, getcurrent, Greenlet, type Op, type Step } from "../mod.ts";
// The private imports from src/: the seams that route awaitOnly() in hub greenlets here and
// switch without `switch()`'s argument handling, the agent record (who runs: one field read
// instead of getcurrent()'s two calls on every blocking call), the unraisable hook's reporter
// (failed tasks nobody joins), and the JIT hint that keeps the task-end hook out of the loop.
import { awaitRoute } from "../src/_await_route.ts";
import { agent, type Core } from "../src/_trampoline.ts";
import { schedulerSwitch } from "../src/_scheduler_switch.ts";
import { noInline } from "../src/_no_inline.ts";
import { reportUnraisable } from "../src/_unraisable.ts";
import { Fifo } from "./_fifo.ts";
import { hubBlocked, notInHub } from "./_misuse.ts";
import { Timer, TimerHeap } from "./_timers.ts";
import {
  type Blocker,
  type Blocking,
  done,
  fail,
  type Finisher,
  finishKey,
  Waiter,
  waiterKey,
} from "./_waiter.ts";
import type { Hub } from "./hub.ts";
import type { Task } from "./task.ts";
import { LoopExit } from "./loop_exit.ts";

/** How many resumptions a batch runs at most before it yields to the event loop. */
const BATCH_RESUMES = 65_536;
/**
 * How long a batch runs at most, in milliseconds, counted from its 64th resumption (the clock is
 * read every 64 resumptions, and not at all by a batch shorter than that: Deno's clock read costs
 * about 150 ns, as much as a wake-up's other work, and most batches resume a task or two).
 */
const BATCH_MS = 4;

const now: () => number = performance.now.bind(performance);
const setImmediateFn: (fn: () => void) => unknown =
  (globalThis as unknown as { setImmediate: (fn: () => void) => unknown }).setImmediate;
const clearImmediateFn: (handle: unknown) => void =
  (globalThis as unknown as { clearImmediate: (handle: unknown) => void }).clearImmediate;

/** Ordinary code's waiter: settles a promise instead of resuming a greenlet. */
class OuterWaiter extends Waiter {
  readonly promise: Promise<unknown>;
  readonly #resolve: (value: unknown) => void;
  readonly #reject: (error: unknown) => void;
  constructor() {
    super(null);
    this.loopExit = true;
    const { promise, resolve, reject } = Promise.withResolvers<unknown>();
    this.promise = promise;
    this.#resolve = resolve;
    this.#reject = reject;
  }
  /** Fulfils the promise with `value`, or rejects it with `value` when `throws`. */
  settle(value: unknown, throws: boolean): void {
    if (throws) this.#reject(value);
    else this.#resolve(value);
  }
}

/** A new waiter for ordinary code; compiled on its own (see noInline below). */
function outerWaiter(): OuterWaiter {
  return new OuterWaiter();
}

/** The blocker of a greenlet that waits for a promise through the hub. */
class AwaitBlocker implements Blocker {
  live = true;
  constructor(readonly hub: HubCore) {}
  cancel(): void {
    if (!this.live) return;
    this.live = false;
    this.hub.awaits--;
  }
}

/**
 * The blocker of `sleep(ms)`: the waiter's timer, cancelled by any wake. The delay waits in
 * `item` and is only formatted for a LoopExit message: a `sleep(${ms})` string per sleeper cost
 * about 20 bytes per sleeping task on JSC, where `sleep()` is compiled on its own.
 */
const sleeping: Blocker = { cancel(): void {}, describe: (w) => `sleep(${w.item})` };

/** The hub's implementation; the public face is the `Hub` interface of hub.ts. */
export class HubCore implements Hub {
  readonly greenlet: Greenlet;
  readonly #main: Greenlet;
  /** The main greenlet's core: `agent.current` is it while ordinary code runs. */
  readonly #mainCore: Core;
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
  /**
   * @internal Tasks that failed while nobody joined, got, linked or awaited them; reported
   * when the batch ends unless someone looks at them first (the task takes itself out).
   */
  readonly unseen: Set<Task<unknown>> = new Set();

  constructor() {
    let main = getcurrent();
    while (main.parent !== null) main = main.parent;
    this.#main = main;
    this.#mainCore = agent.main!; // getcurrent() made it
    this.#blocked.prev = this.#blocked.next = this.#blocked;
    this.greenlet = new Greenlet(() => this.#run(), { parent: this.#main, name: "hub" });
    awaitRoute.to = (awaited, signal) => this.#routeAwait(awaited, signal);
    // A task that returns hands control on without a switch into the hub and back: its
    // joiner, woken by finished(), runs next when it is first in line.
    schedulerSwitch.scheduler = this.greenlet;
    schedulerSwitch.ended = (value) => {
      finished(value, false);
      return this.next();
    };
    // Compiled on its own: inlined into the trampoline's loop, its guesses about the hub's
    // state failed as the shapes of work changed and threw the loop's JSC FTL code away, and it
    // tripled the loop's FTL compile time (docs/benchmarks_hub.md).
    noInline(schedulerSwitch.ended);
    noInline(this.#poke);
    noInline(this.#adopt);
    noInline(this.#dropTimer);
  }

  get pending(): number {
    return this.ready.size + this.#timers.size + this.awaits + this.#holds;
  }

  /** See {@link Hub.hold}. */
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
    const core = agent.current;
    if (core === this.#mainCore) return outerWaiter();
    const g = core.face;
    const own = (g as unknown as Record<symbol, Waiter | undefined>)[waiterKey];
    if (own !== undefined) return own;
    return this.#adopt(g, what);
  }

  /** @internal True when ordinary code (not a greenlet body) calls. */
  outside(): boolean {
    return agent.current === this.#mainCore;
  }

  /** @internal The running greenlet. */
  current(): Greenlet {
    return agent.current.face;
  }

  /** @internal A new waiter for ordinary code. */
  outer(): Waiter {
    return new OuterWaiter();
  }

  /** @internal `value` at once, in the form that fits the caller. */
  resolved<T>(value: T): Blocking<T> {
    if (agent.current === this.#mainCore) return Promise.resolve(value) as unknown as Blocking<T>;
    return done(value);
  }

  /** @internal `error` raised at once, in the form that fits the caller. */
  rejected(error: unknown): Blocking<never> {
    if (agent.current === this.#mainCore) {
      return Promise.reject(error) as unknown as Blocking<never>;
    }
    return fail(error);
  }

  #adopt(g: Greenlet, what: string): Waiter {
    if (g === this.greenlet) throw hubBlocked();
    const w = this.#runs(g);
    if (w === null) throw notInHub(what);
    return w;
  }

  /** The waiter of `g` if the hub runs it (it has the hub above it), else null. */
  #runs(g: Greenlet): Waiter | null {
    let w = this.#waiters.get(g);
    if (w !== undefined) return w;
    let p = g.parent;
    while (p !== null && p !== this.greenlet) p = p.parent;
    if (p === null) return null;
    w = new Waiter(g);
    this.#waiters.set(g, w);
    return w;
  }

  /**
   * awaitOnly() in a greenlet the hub runs: the step that parks it alone until the promise
   * settles; null for any other greenlet (its driver awaits, as without a hub).
   */
  #routeAwait(awaited: unknown, signal: AbortSignal | undefined): Step<unknown> | null {
    const core = agent.current;
    if (core === this.#mainCore) return null;
    const g = core.face;
    if (g === this.greenlet) return null;
    const w = (g as unknown as Record<symbol, Waiter | undefined>)[waiterKey] ?? this.#runs(g);
    if (w === null) return null;
    return this.wait(w, awaited as PromiseLike<unknown>, signal);
  }

  /**
   * @internal Blocks `w` on `blocker`: returns the step that switches away (a greenlet) or the
   * promise (ordinary code).
   */
  block<T>(w: Waiter, blocker: Blocker, what: string): Blocking<T> {
    w.blocker = blocker;
    w.what = what;
    if (w.prev === null) {
      // Not on the list yet; a task that is stays there between its waits (see #unblock).
      const tail = this.#blocked.prev!;
      w.prev = tail;
      w.next = this.#blocked;
      tail.next = w;
      this.#blocked.prev = w;
    }
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
      if ((this.budget & 63) === 0 && this.#overTime()) this.budget = 0;
      return resume(ready.shift());
    }
    return schedulerSwitch.to(this.greenlet, SWITCHED, 1);
  }

  /** @internal Makes `w` ready to resume with `value` (raised when `throws`). */
  schedule(w: Waiter, value: unknown, throws: boolean): void {
    if (w.blocker !== null || w.timer !== null) this.#unblock(w);
    if (w.greenlet === null) {
      (w as OuterWaiter).settle(value, throws);
      return;
    }
    // #enqueue and #poke written out: this runs on every wake-up.
    w.sent = value;
    w.throws = throws;
    w.handed = null;
    if (w.scheduled) return;
    w.scheduled = true;
    this.ready.push(w);
    if (!this.#running || this.#wake !== null) this.#poke();
  }

  /** Queues `w` (once) to resume with `value` (raised when `throws`); true if newly queued. */
  #enqueue(w: Waiter, value: unknown, throws: boolean): boolean {
    w.sent = value;
    w.throws = throws;
    w.handed = null;
    if (w.scheduled) return false;
    w.scheduled = true;
    this.ready.push(w);
    return true;
  }

  #unblock(w: Waiter): void {
    if (w.blocker !== null) {
      w.blocker = null;
      // A task stays on the list of blocked waiters until it ends (finished() takes it off;
      // #loopExit skips it while it is not blocked): a task that blocks again and again, as in
      // a queue or channel ping-pong, links once instead of once per wait. (So the hub keeps a
      // task that waited once alive even while it is switched away outside the hub.)
      if (!isTask(w)) unlinkBlocked(w);
    }
    if (w.timer !== null) this.#dropTimer(w);
  }

  /** Cancels the timeout of `w`'s wait (cold: most waits have none). */
  #dropTimer(w: Waiter): void {
    const timer = w.timer!;
    w.timer = null;
    this.#timers.delete(timer);
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
    this.#enqueue(me, mine, mineThrows);
    running = isTask(target) ? target : taskAbove(target.greenlet!);
    const g = target.greenlet!;
    return (throws ? g.throw(value) : schedulerSwitch.to(g, value, 1)) as Blocking<T>;
  }

  /** @internal Takes `w` off what it waits on and raises `error` in it. */
  interrupt(w: Waiter, error: unknown): void {
    const blocker = w.blocker;
    if (blocker !== null) blocker.cancel(w);
    else if (w.scheduled && w.handed !== null) w.handed.cancel(w);
    this.schedule(w, error, true);
  }

  /** @internal Wakes `w` after `ms` with `value` (raised when `throws`) unless woken before. */
  timeout(w: Waiter, ms: number, value: unknown, throws: boolean): void {
    const timer = new Timer(now() + ms, this.#timerSeq++, w, value, throws);
    w.timer = timer;
    this.#timers.push(timer);
  }

  /** @internal Calls `fn` in the hub after `ms`; returns the timer (for `cancelTimer`). */
  later(ms: number, fn: () => void): Timer {
    const timer = new Timer(now() + ms, this.#timerSeq++, null, fn, false);
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
      this.#enqueue(w, undefined, false);
      return this.next() as Blocking<void>;
    }
    this.timeout(w, ms, undefined, false);
    w.item = ms;
    return this.block(w, sleeping, "sleep");
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

  /** Every 64 resumptions of a batch: whether its time is up (the first call starts its clock). */
  #overTime(): boolean {
    const t = now();
    if (this.#deadline === 0) {
      this.#deadline = t + BATCH_MS;
      return false;
    }
    return t > this.#deadline;
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
      this.#deadline = 0;
      // Timers that came due during the last batch join the back of the queue.
      this.#fireDue();
      while (this.budget > 0) {
        if (ready.size === 0) {
          this.#fireDue();
          if (ready.size === 0) break;
        }
        if ((--this.budget & 63) === 0 && this.#overTime()) this.budget = 0;
        let back: unknown;
        try {
          back = yield* resume(ready.shift());
        } catch (error) {
          finished(error, true);
          continue;
        }
        if (back !== SWITCHED) finished(back, false);
      }
      if (this.unseen.size !== 0) this.#reportUnseen();
      if (ready.size !== 0) {
        yield* awaitOnly(hop());
        continue;
      }
      if (this.#timers.size !== 0) {
        yield* awaitOnly(this.#idle());
        continue;
      }
      // No hub timer: go dormant (#poke drives the hub again), unless nothing at all is pending
      // and LoopExit is raised instead. While a promise or a hold's end can still bring work, this
      // ends the stretch rather than parking in awaitOnly() (its promises and race).
      if (this.awaits === 0 && this.#holds === 0 && this.#loopExit()) continue;
      this.#running = false;
      yield* this.#main.switch();
    }
  }

  /** Reports the failed tasks nobody looked at during the batch (gevent's _report_error). */
  #reportUnseen(): void {
    const tasks = [...this.unseen];
    this.unseen.clear();
    for (const task of tasks) {
      reportUnraisable({
        error: task.exception,
        greenlet: String(task),
        during: "its run (a task that failed while nobody joined, got or linked it)",
      });
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
          (timer.value as () => void)();
        } catch (error) {
          reportError(error);
        }
      }
    }
  }

  /** Waits until the earliest hub timer is due or #poke brings work (only with a timer set). */
  #idle(): Promise<void> {
    return new Promise<void>((resolve) => {
      const delay = this.#timers.peek().at - now();
      const immediate = delay <= 0;
      const wake = (): void => {
        this.#wake = null;
        if (immediate) clearImmediateFn(handle);
        else clearTimeout(handle as number);
        resolve();
      };
      const handle: unknown = immediate ? setImmediateFn(wake) : setTimeout(wake, Math.ceil(delay));
      this.#wake = wake;
    });
  }

  /** Nothing can run and nothing is pending: raise LoopExit in whoever waits for the hub. */
  #loopExit(): boolean {
    const blocked: Waiter[] = [];
    let targets = 0;
    for (let w = this.#blocked.next!; w !== this.#blocked;) {
      const next = w.next!;
      if (w.blocker === null) unlinkBlocked(w); // a task between waits (see #unblock)
      else {
        blocked.push(w);
        if (w.loopExit) targets++;
      }
      w = next;
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

/** What a greenlet that blocks with nothing else ready switches to the hub with. */
const SWITCHED: unique symbol = Symbol("switched");

/**
 * The task that runs now (or whose plain child greenlet runs): when a greenlet switches to the
 * hub with anything but SWITCHED, this task's body has ended.
 */
let running: Waiter | null = null;

/** The step that resumes a scheduled waiter with what it was scheduled with. */
function resume(w: Waiter): Step<unknown> {
  w.scheduled = false;
  running = isTask(w) ? w : taskAbove(w.greenlet!);
  const value = w.sent;
  w.sent = undefined;
  if (w.throws || w.args !== null) return resumeCold(w, value);
  return schedulerSwitch.to(w.greenlet!, value, 1);
}

/** resume() for a raise into `w` or a task's start (with its arguments). */
function resumeCold(w: Waiter, value: unknown): Step<unknown> {
  const g = w.greenlet!;
  const args = w.args;
  w.args = null;
  if (w.throws) {
    w.throws = false;
    return g.throw(value);
  }
  // A task's start: its arguments.
  const arity = args!.length;
  return schedulerSwitch.to(
    g,
    arity === 0 ? undefined : arity === 1 ? args![0] : [...args!],
    arity,
  );
}

/** True when `w` is a task's (a task is its own greenlet and its own waiter). */
function isTask(w: Waiter): boolean {
  return w.greenlet === (w as unknown);
}

/** The waiter of the nearest task above a plain greenlet, if any. */
function taskAbove(g: Greenlet): Waiter | null {
  for (let p = g.parent; p !== null; p = p.parent) {
    const w = (p as unknown as Record<symbol, Waiter | undefined>)[waiterKey];
    if (w !== undefined) return w;
  }
  return null;
}

/** A greenlet switched to the hub other than by blocking: the running task's body ended. */
function finished(value: unknown, failed: boolean): void {
  const w = running;
  running = null;
  if (w === null || !isTask(w) || !w.greenlet!.dead) {
    if (failed) reportError(value);
    return;
  }
  if (w.prev !== null) unlinkBlocked(w);
  (w as unknown as Finisher)[finishKey](value, failed);
}

/** Takes `w` off the hub's list of blocked waiters. */
function unlinkBlocked(w: Waiter): void {
  const prev = w.prev!;
  const next = w.next!;
  prev.next = next;
  next.prev = prev;
  w.prev = w.next = null;
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

// Cold paths that JSC would otherwise compile into every blocking call's optimized code.
noInline(outerWaiter);
noInline(resumeCold);
noInline(HubCore.prototype.timeout);

let theHub: HubCore | null = null;

/** This agent's hub, created on first use. */
export function hubCore(): HubCore {
  return theHub ??= new HubCore();
}
