// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.

import { signalOf } from "./_abort.ts";
import { ensureMain, setMainMaker } from "./_agent.ts";
import { pack, toThrowable } from "./_arguments.ts";
import { driveAsync, driveSync } from "./_drivers.ts";
import { label, mainDisposed, mainParent, parentCycle, runAfterStart } from "./_misuse.ts";
import { schedulerSwitch } from "./_scheduler_switch.ts";
import {
  agent,
  Core,
  HANDED_OVER,
  isAsyncFunction,
  markDead,
  State,
  switchDirect,
  switchStep,
  Tag,
  throwStep,
} from "./_trampoline.ts";
import { GreenletExit } from "./greenlet_exit.ts";
import type { Op, Step } from "./types.ts";

/**
 * What kind of greenlet an object is: the agent's root (`"main"`), a generator-bodied greenlet
 * (`"js"`), or a greenlet running a C function on its own stack (`"native"`: a `NativeGreenlet` from `@greenlet/greenlet/native`).
 */
export type GreenletKind = "main" | "js" | "native";

/** A greenlet body: a generator function, or a plain function that never switches. */
export type GreenletRun = (...args: never[]) => Op<unknown> | unknown;

/** Options for {@link Greenlet}. */
export interface GreenletOptions {
  /**
   * Where control goes when this greenlet finishes.
   * @default getcurrent() at creation
   */
  parent?: Greenlet | null;
  /** A name shown by `toString()`, tracers and the tree dump. @default the run function's name */
  name?: string;
  /**
   * The context (`ContextVar` values) the greenlet starts with: `"inherit"` takes a snapshot of
   * the creator's context (like JS AsyncContext), `"empty"` starts with none (like greenlet).
   * @default "inherit"
   */
  context?: "inherit" | "empty";
}

let coreOf: (greenlet: Greenlet) => Core;
/** True only while ensureMain() has the main greenlet's object made (see the constructor). */
let makingMain = false;

/**
 * A greenlet: a body that runs until it explicitly switches to another greenlet, with Python
 * greenlet's semantics (a parent tree, `switch`, `throw`, `GreenletExit`).
 *
 * Bodies are generator functions. Inside a body, switch with `yield* g.switch(...)` and throw
 * with `yield* g.throw(error)`; helpers that may switch are `function*` entered with `yield*`.
 * Ordinary code (the main greenlet) drives greenlets with `switchSync()` / `switchAsync()`.
 *
 * Values: a switch with no arguments delivers `undefined`, with one argument that value, with
 * several an array. A finished body's return value goes to its parent; an uncaught error is
 * raised in the parent; an escaping `GreenletExit` reaches the parent as a value.
 *
 * @example Ping-pong between the main greenlet and a body
 * ```ts
 * import { getcurrent, Greenlet } from "@greenlet/greenlet";
 * import assert from "node:assert/strict";
 *
 * const main = getcurrent();
 * const seen: unknown[] = [];
 * const g = new Greenlet(function* (first: number) {
 *   seen.push(first);
 *   const second = yield* main.switch("paused");
 *   seen.push(second);
 *   return "done";
 * });
 * assert.equal(g.switchSync(1), "paused");
 * assert.equal(g.switchSync(2), "done");
 * assert.deepEqual(seen, [1, 2]);
 * assert.equal(g.dead, true);
 * ```
 */
export class Greenlet {
  readonly #core: Core;

  static {
    coreOf = (greenlet) => greenlet.#core;
    schedulerSwitch.to = (g, payload, arity) =>
      switchStep(g.#core, payload, arity) as unknown as Step<unknown>;
    setMainMaker(() => {
      makingMain = true;
      try {
        return new Greenlet().#core;
      } finally {
        makingMain = false;
      }
    });
    // An accessor on the prototype, declared above as an optional method so that subclasses
    // may define `*run()` (TypeScript does not let a method override an accessor).
    Object.defineProperty(Greenlet.prototype, "run", {
      configurable: true,
      get(this: Greenlet): GreenletRun | undefined {
        const core = this.#core;
        return core.state === State.PENDING ? core.body as GreenletRun | undefined : undefined;
      },
      set(this: Greenlet, run: GreenletRun | undefined): void {
        const core = this.#core;
        if (core.state !== State.PENDING) throw runAfterStart(core);
        if (run !== undefined) checkRun(run, "Cannot set run");
        core.body = run;
      },
    });
  }

  /**
   * Creates a pending greenlet. Nothing runs until the first switch into it.
   *
   * @param run the body: a generator function (or a plain function that never switches); a
   *   subclass may define a `run()` method instead
   * @param options parent, name and context
   * @throws {TypeError} when `run` is not a function, is async, or the options are malformed
   */
  constructor(run?: GreenletRun, options?: GreenletOptions) {
    if (makingMain) {
      // The agent's main greenlet: no run, no parent; ensureMain() makes it the root.
      this.#core = new Core(this, null, undefined, null, "main");
      return;
    }
    const scheduled = schedulerSwitch.nextParent;
    if (scheduled !== null) {
      // A scheduler's child (a hub task): the parent is given, the options are the defaults.
      schedulerSwitch.nextParent = null;
      checkRun(run, "Cannot create greenlet");
      ensureMain();
      const fn = run as GreenletRun;
      this.#core = new Core(this, scheduled.#core, fn, agent.current.ctx, fn.name);
      return;
    }
    if (run !== undefined && run !== null) checkRun(run, "Cannot create greenlet");
    const main = ensureMain();
    let parent = agent.current ?? main;
    let context: "inherit" | "empty" = "inherit";
    let name = run?.name ?? "";
    if (options !== undefined) {
      if (typeof options !== "object" || options === null) {
        throw new TypeError(
          `Cannot create greenlet: options must be an object, not ${describe(options)}`,
        );
      }
      if (options.parent !== undefined && options.parent !== null) {
        parent = checkedParent(options.parent);
      }
      if (options.name !== undefined) {
        if (typeof options.name !== "string") {
          throw new TypeError(
            `Cannot create greenlet: name must be a string, not ${describe(options.name)}`,
          );
        }
        name = options.name;
      }
      if (options.context !== undefined) {
        if (options.context !== "inherit" && options.context !== "empty") {
          throw new TypeError(
            `Cannot create greenlet: context must be "inherit" or "empty", not ${
              describe(options.context)
            }`,
          );
        }
        context = options.context;
      }
    }
    this.#core = new Core(
      this,
      parent,
      run ?? undefined,
      context === "empty" ? null : agent.current.ctx,
      name,
    );
  }

  /**
   * Inside a body: switches to this greenlet, starting it with `args` if it is pending. The
   * step evaluates to whatever is switched back to the caller later.
   *
   * @typeParam T the type the caller expects back (trusted, like a cast)
   * @param args values to deliver: none → `undefined`, one → itself, several → an array
   * @returns a single-use step to enter with `yield*`
   * @throws {GreenletError} `NOT_IN_GREENLET` outside a body, `MISSING_YIELD_STAR` when the
   *   previous step of this body was never entered
   *
   * @example Switching from one body to another
   * ```ts
   * import { getcurrent, Greenlet } from "@greenlet/greenlet";
   * import assert from "node:assert/strict";
   *
   * const main = getcurrent();
   * const echo = new Greenlet(function* (x: unknown) {
   *   for (;;) x = yield* main.switch(x);
   * });
   * assert.equal(echo.switchSync("a"), "a");
   * assert.deepEqual(echo.switchSync(1, 2), [1, 2]);
   * ```
   */
  switch<T = unknown>(...args: unknown[]): Step<T>;
  switch(value?: unknown): Step<unknown> {
    const arity = arguments.length;
    // Only several arguments touch `arguments` as an object, so one-value switches stay
    // allocation-free in JSC too.
    const step = switchStep(this.#core, arity <= 1 ? value : pack(arguments), arity);
    return step as unknown as Step<unknown>;
  }

  /**
   * Inside a body: raises `error` in this greenlet at the point where it is suspended (or
   * kills a pending one without running it).
   *
   * @typeParam T the type the caller expects back
   * @param error what to raise: omitted → a new `GreenletExit`; an Error class → a new instance
   * @returns a single-use step to enter with `yield*`
   * @throws {GreenletError} `NOT_IN_GREENLET` outside a body
   *
   * @example Killing a sibling from a body
   * ```ts
   * import { getcurrent, Greenlet, GreenletExit } from "@greenlet/greenlet";
   * import assert from "node:assert/strict";
   *
   * const main = getcurrent();
   * const victim = new Greenlet(function* () {
   *   yield* main.switch();
   * });
   * victim.switchSync();
   * const killer = new Greenlet(function* () {
   *   return yield* victim.throw();
   * }, { parent: victim });
   * assert.ok(killer.switchSync() instanceof GreenletExit);
   * assert.equal(victim.dead, true);
   * ```
   */
  throw<T = unknown>(error?: unknown): Step<T>;
  throw(): Step<unknown> {
    return throwStep(this.#core, arguments) as unknown as Step<unknown>;
  }

  /**
   * From ordinary code: switches to this greenlet and runs bodies synchronously until control
   * comes back to the main greenlet.
   *
   * @typeParam T the type the caller expects back
   * @param args values to deliver: none → `undefined`, one → itself, several → an array
   * @returns what was switched (or returned) to the main greenlet
   * @throws whatever error reaches the main greenlet; {@link GreenletError} `REENTRANT_DRIVER`
   *   inside a body, `AWAITING` when this greenlet waits under an async driver (and a body
   *   reaching `awaitOnly()` gets `WOULD_BLOCK` there)
   *
   * @example Driving a generator-style greenlet
   * ```ts
   * import { getcurrent, Greenlet } from "@greenlet/greenlet";
   * import assert from "node:assert/strict";
   *
   * const main = getcurrent();
   * const counter = new Greenlet(function* () {
   *   for (let i = 0; i < 3; i++) yield* main.switch(i);
   *   return "end";
   * });
   * assert.deepEqual([counter.switchSync(), counter.switchSync(), counter.switchSync()], [0, 1, 2]);
   * assert.equal(counter.switchSync(), "end");
   * ```
   */
  switchSync<T = unknown>(...args: unknown[]): T;
  switchSync(value?: unknown): unknown {
    const arity = arguments.length;
    const core = this.#core;
    const payload = arity <= 1 ? value : pack(arguments);
    if (core.direct !== null) {
      // A native greenlet waiting in its switch to its parent: see switchDirect().
      const answer = switchDirect(core, payload);
      if (answer !== HANDED_OVER) return answer;
    }
    return driveSync(core, payload, Tag.VALUE, arity);
  }

  /**
   * From ordinary code: like {@link Greenlet.switchSync}, but bodies may wait with
   * `yield* awaitOnly(promise)`; the driver awaits for them.
   *
   * @typeParam T the type the caller expects back
   * @param args values to deliver: none → `undefined`, one → itself, several → an array
   * @returns a promise of what was switched (or returned) to the main greenlet
   *
   * @example Awaiting inside a body
   * ```ts
   * import { awaitOnly, Greenlet } from "@greenlet/greenlet";
   * import assert from "node:assert/strict";
   *
   * const g = new Greenlet(function* (x: number) {
   *   const y = yield* awaitOnly(Promise.resolve(x * 2));
   *   return y + 1;
   * });
   * assert.equal(await g.switchAsync(20), 41);
   * ```
   */
  switchAsync<T = unknown>(...args: unknown[]): Promise<T>;
  switchAsync(): Promise<unknown> {
    return driveAsync(this.#core, pack(arguments), Tag.VALUE, arguments.length);
  }

  /**
   * From ordinary code: raises `error` in this greenlet and runs synchronously until control
   * comes back to the main greenlet. Killing is `throwSync()` with no argument.
   *
   * @param error omitted → a new `GreenletExit`; an Error class → a new instance
   * @returns what reaches the main greenlet (a `GreenletExit` instance after a plain kill)
   *
   * @example Killing a suspended greenlet runs its finally block
   * ```ts
   * import { getcurrent, Greenlet, GreenletExit } from "@greenlet/greenlet";
   * import assert from "node:assert/strict";
   *
   * const main = getcurrent();
   * let cleaned = false;
   * const g = new Greenlet(function* () {
   *   try {
   *     yield* main.switch();
   *   } finally {
   *     cleaned = true;
   *   }
   * });
   * g.switchSync();
   * assert.ok(g.throwSync() instanceof GreenletExit);
   * assert.equal(cleaned, true);
   * ```
   */
  throwSync(error?: unknown): unknown;
  throwSync(): unknown {
    return driveSync(this.#core, toThrowable(arguments), Tag.THROW, 0);
  }

  /**
   * From ordinary code: like {@link Greenlet.throwSync}, but bodies may await while they
   * handle the error.
   *
   * @param error omitted → a new `GreenletExit`; an Error class → a new instance
   * @returns a promise of what reaches the main greenlet
   *
   * @example Killing a greenlet whose cleanup awaits
   * ```ts
   * import { awaitOnly, getcurrent, Greenlet } from "@greenlet/greenlet";
   * import assert from "node:assert/strict";
   *
   * const main = getcurrent();
   * const log: string[] = [];
   * const g = new Greenlet(function* () {
   *   try {
   *     yield* main.switch();
   *   } finally {
   *     yield* awaitOnly(Promise.resolve());
   *     log.push("closed");
   *   }
   * });
   * g.switchSync();
   * await g.throwAsync();
   * assert.deepEqual(log, ["closed"]);
   * ```
   */
  throwAsync(error?: unknown): Promise<unknown>;
  throwAsync(): Promise<unknown> {
    return driveAsync(this.#core, toThrowable(arguments), Tag.THROW, 0);
  }

  /**
   * The body: the function given to the constructor while the greenlet is pending, or the
   * subclass's `*run()` method (which wins, as in greenlet). Reading it on a started greenlet
   * gives `undefined` (a subclass method stays readable). Writable only while pending.
   *
   * @throws {GreenletError} `RUN_AFTER_START` when set after the start
   */
  run?(...args: never[]): unknown;

  /**
   * Where control goes when this greenlet finishes; `null` only for the main greenlet.
   *
   * @throws {TypeError} when set to something that is not a greenlet
   * @throws {GreenletError} `PARENT_CYCLE` for a cycle, `MAIN_PARENT` on a main greenlet
   */
  get parent(): Greenlet | null {
    const parent = this.#core.parent;
    return parent === null ? null : parent.face;
  }

  set parent(parent: Greenlet) {
    const core = this.#core;
    if (core.state === State.MAIN) throw mainParent();
    const next = checkedParent(parent);
    for (let p: Core | null = next; p !== null; p = p.parent) {
      if (p === core) throw parentCycle(core);
    }
    core.parent = next;
  }

  /** True once the body has finished (returned or raised). A pending greenlet is not dead. */
  get dead(): boolean {
    return this.#core.state === State.DEAD;
  }

  /**
   * True once the greenlet has been switched into, and for every dead greenlet: a pending one
   * killed or thrown into dies without running and reads as started (dead implies started, as
   * in the native tree). Main greenlets always are.
   */
  get started(): boolean {
    return this.#core.state !== State.PENDING;
  }

  /** Started and not dead: Python's `bool(g)`. */
  get active(): boolean {
    const state = this.#core.state;
    return state !== State.PENDING && state !== State.DEAD;
  }

  /** The name given at creation (or the run function's name). */
  get name(): string {
    return this.#core.name;
  }

  /** `"main"` for the agent's root greenlet, `"js"` for generator-bodied greenlets. */
  get kind(): GreenletKind {
    return this.#core.state === State.MAIN ? "main" : "js";
  }

  /**
   * Aborted when the greenlet is killed while it waits in `awaitOnly()`, or when it dies: pass
   * it to `fetch()` and similar so their work stops with the greenlet.
   */
  get signal(): AbortSignal {
    const core = this.#core;
    return signalOf(core, core.state === State.DEAD);
  }

  /**
   * Kills the greenlet if it has started (a pending one becomes dead without running), and
   * returns when the kill is done; for `using g = new Greenlet(...)` in ordinary code.
   * During the kill the greenlet's parent is the disposer, so control comes back here.
   *
   * @throws what the greenlet raises other than `GreenletExit` while it is killed
   */
  [Symbol.dispose](): void {
    const core = this.#core;
    if (prepareKill(core)) return;
    const parent = core.parent;
    core.parent = agent.current;
    try {
      driveSync(core, new GreenletExit(), Tag.THROW, 0);
    } finally {
      if (core.parent === agent.current) core.parent = parent;
    }
  }

  /**
   * Like `[Symbol.dispose]()`, but the greenlet may await while it cleans up; for
   * `await using`.
   */
  async [Symbol.asyncDispose](): Promise<void> {
    const core = this.#core;
    if (prepareKill(core)) return;
    const parent = core.parent;
    core.parent = agent.main;
    try {
      await driveAsync(core, new GreenletExit(), Tag.THROW, 0);
    } finally {
      if (core.parent === agent.main) core.parent = parent;
    }
  }

  /**
   * A description in the style of greenlet's repr, e.g.
   * `<Greenlet worker#3 js suspended active started>`.
   */
  toString(): string {
    const core = this.#core;
    const kind = this.kind;
    if (core.state === State.DEAD) return `<Greenlet ${label(core)} ${kind} dead>`;
    const parts = [`<Greenlet ${label(core)} ${kind}`];
    if (core.state !== State.PENDING) {
      parts.push(
        agent.current === core ? "current" : core.wait !== null ? "awaiting" : "suspended",
      );
      parts.push("active", "started");
    } else {
      parts.push("pending");
    }
    if (core.state === State.MAIN) parts.push("main");
    return parts.join(" ") + ">";
  }

  /** Deno's inspect hook: the same text as `toString()`. */
  [Symbol.for("Deno.customInspect")](): string {
    return this.toString();
  }

  /** Node's and Bun's inspect hook: the same text as `toString()`. */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }
}

/** Returns true when there is nothing to run: a dead greenlet, or a pending one now dead. */
function prepareKill(core: Core): boolean {
  if (core.state === State.MAIN) throw mainDisposed();
  if (core.state === State.DEAD) return true;
  if (core.state === State.PENDING) {
    markDead(core);
    return true;
  }
  return false;
}

/** The boundary check for a run function, shared by the constructor and the `run` setter. */
function checkRun(run: unknown, action: string): void {
  if (typeof run !== "function") {
    throw new TypeError(`${action}: run must be a function, not ${describe(run)}`);
  }
  if (isAsyncFunction(run)) {
    throw new TypeError(
      `${action}: run is an async function; use a generator function and ` +
        "yield* awaitOnly(promise) inside it",
    );
  }
}

function checkedParent(parent: unknown): Core {
  if (!(parent instanceof Greenlet)) {
    throw new TypeError(`Cannot set parent: expected a greenlet, not ${describe(parent)}`);
  }
  return coreOf(parent);
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "string") return `string "${value}"`;
  if (typeof value === "object") return value.constructor?.name ?? "object";
  return typeof value;
}
