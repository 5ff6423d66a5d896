// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// The trampoline: greenlet state, single-use steps, and the loop that moves control between
// generator bodies. Private to the package; the public classes wrap it.
//
// Payload encoding used throughout (`k`):
//   k >= 0  a switch with k arguments; `v` is undefined (0), the value (1) or an array (k > 1)
//   k = -1  a GreenletExit delivered as a value: resumes with it, starts pending receivers with
//           no arguments (greenlet rule E3 / S8)
//   k = -2  an exception `v` to raise in the receiver

import { GreenletError } from "./greenlet_error.ts";
import { GreenletExit } from "./greenlet_exit.ts";

// The hot paths use private module bindings only: V8 reads an exported binding through its
// module cell (three dependent loads on every use), a private one from the module context.
// Other modules get the constants through `State` and `Kind`, and the agent through `agent`.

/** Payload kinds; see the file header. */
const EXIT = -1;
const THROW = -2;
/** Step kind for awaitOnly(); switches use their argument count, throws use THROW. */
const AWAIT = -3;

/** Greenlet life-cycle states. */
const PENDING = 0;
/** Started and not waiting: running, or suspended in a step. */
const ACTIVE = 1;
const DEAD = 2;
/** Started and waiting in awaitOnly() under an async driver (`wait` says for what). */
const AWAITING = 3;
/** The agent's main greenlet. */
const MAIN = 4;

/** Payload and step kinds, for the package's other modules. */
export const Kind = { EXIT, THROW, AWAIT } as const;
/** Greenlet states, for the package's other modules. */
export const State = { PENDING, ACTIVE, DEAD, AWAITING, MAIN } as const;

/** Step states. */
const IDLE = 0;
const CREATED = 1;
const DELEGATED = 2;
const SUSPENDED = 3;
/** No body runs (ordinary code, a tracer): creating a step is NOT_IN_GREENLET. */
const BLOCKED = 4;

/** An awaitOnly() payload that carries an abort signal (the common case carries none). */
export class SignalledAwait {
  constructor(readonly awaited: unknown, readonly signal: AbortSignal) {}
}

/** The public face of a core: the `Greenlet` object. Typed loosely to avoid an import cycle. */
// deno-lint-ignore no-explicit-any
export type Face = any;

/** Tracer callback as stored by the agent. */
export type Tracer = (event: "switch" | "throw", args: { origin: Face; target: Face }) => void;

/** Context storage: an immutable snapshot, replaced (never mutated) on every write. */
export type ContextData = ReadonlyMap<object, unknown> | null;

/** What the garbage-collection kill needs; deliberately holds no reference to the face. */
export interface Held {
  /** The suspended body; null once the greenlet died (then collection runs nothing). */
  gen: Generator<unknown, unknown, unknown> | null;
  ctx: ContextData;
  name: string;
  id: number;
  ref: WeakRef<Face> | null;
  /** Links of the live list (intrusive and circular: no Set entry per greenlet). */
  prev: Held | null;
  next: Held | null;
}

/** Greenlets whose async driver was released by a takeover, with how they died (if so). */
interface Release {
  thrower: number;
  outcome: { value: unknown; kind: number } | null;
  promise: Promise<void>;
  done: () => void;
}
const released = new Map<Core, Release>();
let driverSeq = 0;
let currentDriver = 0;

/** One wait in `awaitOnly()` under an async driver. */
export interface Wait {
  core: Core;
  /** Settles when the awaited promise settles, the input signal aborts, or a takeover wakes it. */
  promise: Promise<unknown>;
  wake: () => void;
  takenOver: boolean;
  release: Release | null;
}

let nextId = 0;

/**
 * The abort controllers behind `Greenlet.signal`, created on first read. Kept out of Core
 * because few greenlets use one and every field costs memory per suspended greenlet.
 */
export const controllers: WeakMap<Core, AbortController> = new WeakMap();
/** How many controllers exist, so deaths skip the WeakMap lookup while none does. */
export const signals: { count: number } = { count: 0 };

/** Internal state of one greenlet. The public `Greenlet` holds exactly one. */
export class Core {
  state: number;
  readonly id: number;
  face: Face;
  parent: Core | null;
  /** The run function while pending, the body's generator once started, else undefined. */
  body: ((...args: never[]) => unknown) | Generator<unknown, unknown, unknown> | undefined;
  ctx: ContextData;
  name: string;
  wait: Wait | null = null;
  held: Held | null = null;

  constructor(
    face: Face,
    main: boolean,
    parent: Core | null,
    run: ((...args: never[]) => unknown) | undefined,
    ctx: ContextData,
    name: string,
  ) {
    this.face = face;
    this.state = main ? MAIN : PENDING;
    this.id = nextId++;
    this.parent = parent;
    this.body = run;
    this.ctx = ctx;
    this.name = name;
  }

  /** Only the main greenlet has no parent (the setter refuses null). */
  get main(): boolean {
    return this.parent === null;
  }
}

/**
 * A single-use switch/throw/await instruction. One object (`theStep`) serves every step, so
 * the hot path allocates nothing; `state` enforces single use. It is its own iterator, and its
 * two iterator results are fields, reused: `entered` carries the step through `yield*` to the
 * trampoline, `finished` carries the value back into the body.
 */
export class StepImpl {
  state: number = BLOCKED;
  /** >= 0: a switch with that many arguments; THROW; AWAIT. */
  kind: number = 0;
  target: Core | null = null;
  payload: unknown = undefined;
  /** What `next()` returns on entry: the step itself goes through `yield*` to the loop. */
  readonly entered: IteratorYieldResult<StepImpl> = { done: false, value: this };
  /** What `next(v)` returns on resumption; reused, since `yield*` reads it at once. */
  readonly finished: IteratorReturnResult<unknown> = { done: true, value: undefined };

  [Symbol.iterator](): this {
    if (this.state !== CREATED) {
      throw new GreenletError(
        "STEP_REUSED",
        "Cannot enter a step twice: each g.switch(), g.throw() or awaitOnly() step is entered " +
          "with yield* exactly once; create a new step for every switch",
      );
    }
    this.state = DELEGATED;
    return this;
  }

  next(value?: unknown): IteratorResult<unknown> {
    if (this.state === DELEGATED) {
      this.state = SUSPENDED;
      return this.entered;
    }
    this.state = IDLE;
    const finished = this.finished;
    finished.value = value;
    return finished;
  }

  throw(error: unknown): never {
    this.state = IDLE;
    throw error;
  }

  return(value?: unknown): IteratorResult<unknown> {
    this.state = IDLE;
    const finished = this.finished;
    finished.value = value;
    return finished;
  }
}

/**
 * The agent's one step object. Only the running body can be between creating a step and
 * entering it, so one object serves every greenlet (a suspended body's `yield*` keeps its step
 * alive, so a step per greenlet costs a StepImpl per suspended greenlet). The loop resets the
 * state to IDLE when it takes an instruction, so a suspended body later resumes through it
 * (`next(v)` finishes the `yield*`) whoever used it meanwhile. Its state is BLOCKED whenever
 * no body runs, so creating a step needs one check.
 */
const theStep: StepImpl = new StepImpl();

/** The per-agent state: one main greenlet and one "current" pointer for this thread of JS. */
export interface Agent {
  main: Core | null;
  current: Core;
  /** True while a driver step runs synchronously (a body or a tracer is on the JS stack). */
  driving: boolean;
  tracer: Tracer | null;
  /** Set by the loop when it stops for an await; read by the async driver. */
  parked: Wait | null;
  /** True when another copy of the library owns this agent. */
  foreign: boolean;
}

const agentKey = Symbol.for("greenlet.deno-bun.agent");
const ownerToken = {};

function claimAgent(): boolean {
  const slot = globalThis as unknown as Record<symbol, unknown>;
  if (slot[agentKey] === undefined) {
    Object.defineProperty(slot, agentKey, { value: ownerToken, enumerable: false });
  }
  return slot[agentKey] !== ownerToken;
}

/** This agent's state. `current` is filled in by {@link ensureMain} on first use. */
const theAgent: Agent = {
  main: null,
  current: null as unknown as Core,
  driving: false,
  tracer: null,
  parked: null,
  foreign: claimAgent(),
};
/** The agent's state, for the package's other modules. */
export const agent: Agent = theAgent;

/** Factory for the main greenlet's face, installed by greenlet.ts to avoid an import cycle. */
export const faces: { makeMain: (() => Face) | null } = { makeMain: null };

/** Returns the main greenlet's core, creating it on first use. */
export function ensureMain(): Core {
  const main = theAgent.main;
  if (main !== null) return main;
  if (theAgent.foreign) {
    throw new GreenletError(
      "WRONG_AGENT",
      "Cannot use this copy of greenlet: another copy already owns this agent's main greenlet; " +
        "import the library from one URL or package version only",
    );
  }
  faces.makeMain!();
  return theAgent.main!;
}

/** Label used in messages and by the tree dump. */
export function label(of: { readonly name: string; readonly id: number }): string {
  return of.name === "" ? `#${of.id}` : `${of.name}#${of.id}`;
}

/** Error for a step created where no body runs. */
export function notInGreenlet(what: string): GreenletError {
  return new GreenletError(
    "NOT_IN_GREENLET",
    `Cannot create ${what} outside a greenlet body: use yield* ${what} inside a body ` +
      "(a generator function run by a greenlet), or g.switchSync() / await g.switchAsync() " +
      "from ordinary code",
  );
}

/**
 * Prepares the current greenlet's step for a new instruction and returns it. Throws
 * NOT_IN_GREENLET outside bodies and MISSING_YIELD_STAR when the previous step was dropped.
 */
export function takeStep(what: string): StepImpl {
  const step = theStep;
  if (step.state !== IDLE) throw stepError(step, what);
  step.state = CREATED;
  return step;
}

function stepError(step: StepImpl, what: string): GreenletError {
  if (step.state === BLOCKED) return notInGreenlet(what);
  step.state = IDLE;
  return missingYieldStar();
}

function missingYieldStar(): GreenletError {
  return new GreenletError(
    "MISSING_YIELD_STAR",
    "Cannot continue: a step was created but not entered; write yield* before g.switch(), " +
      "g.throw() and awaitOnly() (a call used as a statement does nothing)",
  );
}

function bareYield(): GreenletError {
  return new GreenletError(
    "BARE_YIELD",
    "Cannot yield a value to the trampoline: use yield* with a step " +
      "(yield* g.switch(), yield* g.throw(), yield* awaitOnly()), not a bare yield",
  );
}

function awaitingError(core: Core): GreenletError {
  return new GreenletError(
    "AWAITING",
    `Cannot switch to greenlet ${label(core)}: it waits in awaitOnly() under an async driver; ` +
      "only that driver may resume it (a throw or kill is delivered at the await point)",
  );
}

/** Marks a core dead and drops everything it no longer needs. */
export function markDead(core: Core): void {
  core.state = DEAD;
  core.body = undefined;
  core.wait = null;
  const held = core.held;
  if (held !== null) {
    // No unregister: an unregister token costs ~100 bytes per greenlet in V8. The entry stays
    // until the face is collected, and then finds nothing to kill.
    held.gen = null;
    held.ctx = null;
    unlink(held);
    core.held = null;
  }
  const controller = signals.count === 0 ? undefined : controllers.get(core);
  if (controller !== undefined && !controller.signal.aborted) {
    controller.abort(new GreenletExit("The greenlet is dead"));
  }
}

function died(core: Core, value: unknown, kind: number): void {
  markDead(core);
  if (released.size !== 0) {
    const entry = released.get(core);
    if (entry !== undefined) {
      released.delete(core);
      entry.outcome = { value, kind };
      entry.done();
    }
  }
}

/** Resolves how a pending greenlet starts: its `run`, looked up on the face (subclass wins). */
function lookupRun(core: Core): (...args: unknown[]) => unknown {
  const face = core.face;
  const fn: unknown = face.run;
  if (typeof fn !== "function") {
    throw new TypeError(
      `Cannot start greenlet ${label(core)}: it has no run function; pass one to the ` +
        "constructor or define run() in a subclass",
    );
  }
  if (isAsyncFunction(fn)) {
    throw new TypeError(
      `Cannot start greenlet ${label(core)}: run is an async function; use a generator ` +
        "function and yield* awaitOnly(promise) inside it",
    );
  }
  return fn as (...args: unknown[]) => unknown;
}

const GeneratorFunction: unknown = (function* () {}).constructor;
/**
 * %GeneratorPrototype%.next / .throw, called directly: `gen.next(v)` loads `next` through each
 * body function's own generator prototype, so with several body functions the resume site in
 * loop() goes polymorphic, then megamorphic; `genNext.call(gen, v)` stays one known builtin.
 */
const GeneratorPrototype = Object.getPrototypeOf((function* () {}).prototype);
const genNext: (this: unknown, v: unknown) => IteratorResult<unknown, unknown> =
  GeneratorPrototype.next;
const genThrow: (this: unknown, v: unknown) => IteratorResult<unknown, unknown> =
  GeneratorPrototype.throw;
const AsyncFunction: unknown = (async function () {}).constructor;
const AsyncGeneratorFunction: unknown = (async function* () {}).constructor;

/** True for async functions and async generator functions, which greenlets refuse. */
export function isAsyncFunction(fn: unknown): boolean {
  if (typeof fn !== "function") return false;
  // A constructor check is a cached property load in V8 and JSC (getPrototypeOf is not).
  const ctor = fn.constructor;
  if (ctor === GeneratorFunction || ctor === Function) return false;
  return ctor === AsyncFunction || ctor === AsyncGeneratorFunction;
}

/** True for what a plain (non-generator) run function returned when it is a generator. */
function isGenerator(value: unknown): value is Generator<unknown, unknown, unknown> {
  if (typeof value !== "object" || value === null) return false;
  return Object.prototype.toString.call(value) === "[object Generator]";
}

/** Calls the tracer in `target`; returns the error that replaces the payload if it threw. */
function callTracer(origin: Core, target: Core, kind: number): { error: unknown } | undefined {
  const tracer = theAgent.tracer!;
  theStep.state = BLOCKED;
  try {
    tracer(kind === THROW ? "throw" : "switch", { origin: origin.face, target: target.face });
    return undefined;
  } catch (error) {
    // Greenlet rule TR6: a throwing tracer is uninstalled and its error replaces the payload.
    theAgent.tracer = null;
    return { error };
  } finally {
    theStep.state = IDLE;
  }
}

/** Returned by {@link loop} when an async driver must await `agent.parked`. */
export const PARKED: unique symbol = Symbol("parked");

/**
 * Moves control from `origin` to `t` with payload (`v`, `k`) and runs bodies until control
 * reaches the main greenlet (returns its value or throws its exception) or, under an async
 * driver, until a body waits in awaitOnly() (returns PARKED).
 * Preconditions: agent.driving is true; agent.current is `origin`; the step is IDLE.
 */
export function loop(
  t: Core,
  v: unknown,
  k: number,
  origin: Core,
  async: boolean,
  trace: boolean,
): unknown {
  for (;;) {
    let fn: ((...args: unknown[]) => unknown) | undefined;
    if (t.state !== ACTIVE) {
      // Walk past dead greenlets to the nearest live ancestor (rule S6). A GreenletExit thrown
      // into a dead greenlet becomes a value (rule W5).
      if (t.state === DEAD) {
        if (k === THROW && v instanceof GreenletExit) k = EXIT;
        do t = t.parent!; while (t.state === DEAD);
      }
      if (t.state === AWAITING) {
        if (k !== THROW) {
          // Refused: raise AWAITING where the switch came from.
          v = awaitingError(t);
          k = THROW;
          t = origin.state === DEAD ? t.parent! : origin;
          trace = false;
          continue;
        }
        takeOver(t, v);
      }
      if (t.state === PENDING) {
        try {
          fn = lookupRun(t);
        } catch (error) {
          // Rule R2: the error is raised in the caller and the greenlet stays pending. When the
          // caller is a greenlet that just died, the error goes on to the next ancestor (S8), a
          // real transfer the tracer sees as (dead origin, ancestor).
          v = error;
          k = THROW;
          if (origin.state === DEAD) {
            t = t.parent!;
          } else {
            t = origin;
            trace = false;
          }
          continue;
        }
        t.state = ACTIVE;
      }
    }
    // Control is in `t` now: the tracer runs there (rule TR5).
    theAgent.current = t;
    if (trace && theAgent.tracer !== null) {
      const failure = callTracer(origin, t, k);
      if (failure !== undefined) {
        v = failure.error;
        k = THROW;
      }
    }
    if (t.state === MAIN) {
      if (k === THROW) throw v;
      return v;
    }
    // Every way the greenlet finishes leaves this block with (v, k) set for its parent.
    body: {
      let gen = t.body as Generator<unknown, unknown, unknown>;
      if (fn !== undefined) {
        if (k === THROW) {
          // Rule W4: a greenlet started by a throw dies at once without running.
          if (v instanceof GreenletExit) k = EXIT;
          break body;
        }
        const self = fn === t.body ? undefined : t.face;
        // An exception from the body leaves loop(); stretch() catches it (see there).
        const result = k <= 0
          ? fn.call(self)
          : k === 1
          ? fn.call(self, v)
          : fn.apply(self, v as unknown[]);
        if (fn.constructor !== GeneratorFunction && !isGenerator(result)) {
          // A plain run function: the greenlet finishes with its return value.
          const step = theStep;
          if (step.state !== IDLE) {
            step.state = IDLE;
            v = missingYieldStar();
            k = THROW;
          } else {
            v = result;
            k = 1;
          }
          break body;
        }
        gen = result as Generator<unknown, unknown, unknown>;
        t.body = gen;
        v = undefined;
        k = 0;
      }
      // Run the body until it suspends on a step or finishes.
      // An exception from the body leaves loop(); stretch() catches it (see there).
      const r = k === THROW ? genThrow.call(gen, v) : genNext.call(gen, v);
      const step = theStep;
      if (r.done === true) {
        if (step.state !== IDLE) {
          v = r.value === step
            ? new GreenletError(
              "RETURNED_STEP",
              "Cannot finish with a step as the result: write return yield* g.switch() " +
                "(or yield* awaitOnly()), not return g.switch()",
            )
            : missingYieldStar();
          k = THROW;
          step.state = IDLE;
        } else {
          v = r.value;
          k = 1;
        }
        break body;
      }
      // V8 hands `step.entered` through yield*; JSC wraps the step in a fresh result object.
      if (r.value !== step || step.state !== SUSPENDED) {
        step.state = IDLE;
        v = bareYield();
        k = THROW;
        origin = t;
        trace = false;
        continue;
      }
      if (t.held === null) watch(t, gen);
      origin = t;
      trace = true;
      const kind = step.kind;
      step.state = IDLE; // the suspended body resumes through the step (done) whoever uses it next
      v = step.payload;
      step.payload = undefined;
      if (kind !== AWAIT) {
        k = kind;
        t = step.target!;
      } else if (async) {
        theAgent.parked = v instanceof SignalledAwait ? park(t, v.awaited, v.signal) : park(t, v);
        return PARKED;
      } else {
        v = new GreenletError(
          "WOULD_BLOCK",
          `Cannot await in greenlet ${label(t)}: awaitOnly() was reached under switchSync(); ` +
            "drive it with await g.switchAsync() or greenletSpawn()",
        );
        k = THROW;
        trace = false;
      }
      step.target = null;
      continue;
    }
    died(t, v, k);
    origin = t;
    t = t.parent!;
    trace = true;
  }
}

function park(core: Core, awaited: unknown, signal?: AbortSignal): Wait {
  let wake!: () => void;
  const woken = new Promise<void>((resolve) => {
    wake = resolve;
  });
  const racers: Promise<unknown>[] = [];
  if (signal !== undefined) {
    racers.push(
      new Promise((_, reject) => {
        if (signal.aborted) reject(signal.reason);
        else signal.addEventListener("abort", () => reject(signal.reason), { once: true });
      }),
    );
  }
  racers.push(Promise.resolve(awaited), woken);
  const wait: Wait = { core, promise: Promise.race(racers), wake, takenOver: false, release: null };
  core.wait = wait;
  core.state = AWAITING;
  return wait;
}

/** A throw into a greenlet waiting under another driver: release that driver, deliver here. */
function takeOver(core: Core, error: unknown): void {
  const wait = core.wait!;
  core.wait = null;
  core.state = ACTIVE;
  wait.takenOver = true;
  let entry = released.get(core);
  if (entry === undefined) {
    let done!: () => void;
    const promise = new Promise<void>((resolve) => {
      done = resolve;
    });
    entry = { thrower: 0, outcome: null, promise, done };
    released.set(core, entry);
  }
  entry.thrower = currentDriver;
  wait.release = entry;
  if (error instanceof GreenletExit) {
    const controller = controllers.get(core);
    if (controller !== undefined && !controller.signal.aborted) controller.abort(error);
  }
  wait.wake();
}

/**
 * One synchronous stretch of a driver `id`: runs bodies from `t` until control is back in
 * `main` (returns its value or throws its exception) or, for an async driver, a body parks.
 *
 * It also handles what the bodies raise. The try/catch lives here so that loop() has none:
 * with it inside, V8 kept the loop's values in memory for the handler, and the pingpong round
 * trip took 2.2x the bare-generator floor instead of 1.7x (bench/, Deno 2.9). `agent.current`
 * tells who raised: the loop makes a greenlet current before running its body, and makes main
 * current before it returns or throws the driver's result.
 */
function stretch(
  id: number,
  main: Core,
  t: Core,
  v: unknown,
  k: number,
  origin: Core,
  async: boolean,
  trace: boolean,
): unknown {
  theAgent.driving = true;
  theStep.state = IDLE;
  currentDriver = id;
  try {
    for (;;) {
      try {
        return loop(t, v, k, origin, async, trace);
      } catch (error) {
        const dying = theAgent.current;
        if (dying.state === MAIN) throw error;
        theStep.state = IDLE;
        v = error;
        k = error instanceof GreenletExit ? EXIT : THROW;
        died(dying, v, k);
        origin = dying;
        t = dying.parent!;
        trace = true;
      }
    }
  } finally {
    theStep.state = BLOCKED;
    theAgent.driving = false;
    theAgent.current = main;
    // Back in main, by a result or by an exception (not parked): drivers this one released
    // from live greenlets give up.
    if (theAgent.parked === null && released.size !== 0) releaseFrom(id);
  }
}

/** Runs a synchronous driver: ordinary code switching into `target`. */
export function driveSync(target: Core, v: unknown, k: number): unknown {
  const main = enterDriver();
  return stretch(++driverSeq, main, target, v, k, main, false, true);
}

/** Runs an asynchronous driver: like driveSync, but awaits for bodies in awaitOnly(). */
export async function driveAsync(target: Core, v: unknown, k: number): Promise<unknown> {
  const main = enterDriver();
  let origin = main;
  let trace = true;
  const id = ++driverSeq;
  for (;;) {
    const out = stretch(id, main, target, v, k, origin, true, trace);
    if (out !== PARKED) return out;
    const wait = theAgent.parked!;
    theAgent.parked = null;
    let threw = false;
    let result: unknown;
    try {
      result = await wait.promise;
    } catch (error) {
      threw = true;
      result = error;
    }
    const core = wait.core;
    if (wait.takenOver) {
      const entry = wait.release!;
      await entry.promise;
      return settleReleased(core, entry);
    }
    core.wait = null;
    if (core.state === AWAITING) core.state = ACTIVE;
    target = core;
    origin = core;
    v = result;
    k = threw ? THROW : 1;
    trace = false;
  }
}

/** The drive `id` returned to main: drivers it released from live greenlets now give up. */
function releaseFrom(id: number): void {
  for (const [core, entry] of released) {
    if (entry.thrower === id && core.wait === null) {
      released.delete(core);
      entry.done();
    }
  }
}

/** How an async driver settles after a throw from elsewhere took its greenlet over. */
function settleReleased(core: Core, entry: Release): unknown {
  const outcome = entry.outcome;
  if (outcome) {
    if (outcome.kind === THROW) throw outcome.value;
    return outcome.value;
  }
  throw new GreenletError(
    "DRIVER_RELEASED",
    `Cannot finish this driver: greenlet ${label(core)} was thrown into from elsewhere while ` +
      "it waited in awaitOnly(), and it did not finish; whoever threw now drives it",
  );
}

function enterDriver(): Core {
  const main = ensureMain();
  if (theAgent.driving) {
    throw new GreenletError(
      "REENTRANT_DRIVER",
      "Cannot start a driver inside a greenlet body or tracer: use yield* g.switch() or " +
        "yield* g.throw() there; switchSync(), switchAsync(), throwSync(), throwAsync() and " +
        "greenletSpawn() are for ordinary code",
    );
  }
  return main;
}

/** Packs a call's arguments into (v, k). */
export function pack(args: IArguments): unknown {
  return args.length === 1 ? args[0] : args.length === 0 ? undefined : Array.from(args);
}

/** Turns a `throw()` argument into the exception to raise (greenlet rule W2, JS form). */
export function toThrowable(args: IArguments): unknown {
  if (args.length === 0 || args[0] === undefined) return new GreenletExit();
  const error = args[0];
  if (
    typeof error === "function" &&
    (error === Error || (error as { prototype?: unknown }).prototype instanceof Error)
  ) {
    return new (error as new () => unknown)();
  }
  return error;
}

// ---------------------------------------------------------------------------------------------
// Garbage-collection kill (best effort; greenlet rule K1) and the live-greenlet registry.

const killMessage = "Killing the greenlet because all references have vanished.";

/** Live (started, not dead) greenlets, for the tree dump. */
export const live: Held = {
  gen: null,
  ctx: null,
  name: "",
  id: -1,
  ref: null,
  prev: null,
  next: null,
};
live.prev = live.next = live; // the sentinel of a circular list, in registration order

function unlink(held: Held): void {
  const prev = held.prev;
  if (prev === null) return;
  const next = held.next!;
  prev.next = next;
  next.prev = prev;
  held.prev = null;
  held.next = null;
}

const registry = new FinalizationRegistry<Held>(collect);

/** Registers a greenlet the first time it suspends, so creation stays cheap. */
function watch(core: Core, gen: Generator<unknown, unknown, unknown>): void {
  const ref = new WeakRef(core.face);
  const prev = live.prev!;
  const held: Held = { gen, ctx: core.ctx, name: core.name, id: core.id, ref, prev, next: live };
  prev.next = held;
  live.prev = held;
  core.held = held;
  registry.register(core.face, held);
}

/** Keeps the GC kill's context snapshot current; called by ContextVar writes. */
export function setContext(core: Core, ctx: ContextData): void {
  core.ctx = ctx;
  if (core.held !== null) core.held.ctx = ctx;
}

function collect(held: Held): void {
  unlink(held);
  const gen = held.gen;
  if (gen === null) return;
  if (theAgent.driving || theAgent.main === null) {
    // Cannot run cleanup inside a driver step; try again on the next turn.
    queueMicrotask(() => collect(held));
    return;
  }
  const main = theAgent.main;
  const text = label(held);
  const ghost = new Core(null, false, main, undefined, held.ctx, held.name);
  ghost.face = new GhostFace(ghost, text);
  ghost.state = ACTIVE;
  ghost.body = gen;
  let error: unknown = new GreenletExit(killMessage);
  theAgent.driving = true;
  theAgent.current = ghost;
  theStep.state = IDLE;
  try {
    for (let attempt = 0; attempt < 16; attempt++) {
      let r: IteratorResult<unknown, unknown>;
      try {
        r = gen.throw(error);
      } catch (thrown) {
        if (!(thrown instanceof GreenletExit)) report(thrown);
        return;
      }
      if (r.done === true) return;
      // The body tried to switch or await while being collected: refuse at that point.
      theStep.state = IDLE;
      error = new GreenletError(
        "CLEANUP_SWITCH",
        `Cannot switch or await while greenlet ${text} is killed by the garbage ` +
          "collector; kill greenlets explicitly (g.throwSync(), using, await using) to clean " +
          "up with switches",
      );
    }
    report(new GreenletError("CLEANUP_SWITCH", `GreenletExit did not kill ${text}`));
  } finally {
    markDead(ghost);
    theStep.state = BLOCKED;
    theAgent.driving = false;
    theAgent.current = main;
  }
}

/** The stand-in face for a greenlet whose object was collected while its cleanup runs. */
class GhostFace {
  readonly #core: Core;
  readonly #label: string;
  constructor(core: Core, text: string) {
    this.#core = core;
    this.#label = text;
  }
  get name(): string {
    return this.#core.name;
  }
  toString(): string {
    return `<Greenlet ${this.#label} collected>`;
  }
}

function report(error: unknown): void {
  const sink = (globalThis as { reportError?: (e: unknown) => void }).reportError;
  if (typeof sink === "function") sink(error);
  else {queueMicrotask(() => {
      throw error;
    });}
}
