// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// The trampoline, the hot path: greenlet states, the single-use step, the agent, and the loop
// that moves control between generator bodies. Private to the package; greenlet.ts wraps it.
//
// What travels with a switch, a `Tag` (the Zig core's `Tag` names the same thing):
//   VALUE  a value: the payload is undefined, the value or an array, by `arity` (how many
//          arguments a pending receiver starts with)
//   THROW  an exception (the payload) to raise in the receiver
// A kill, the Zig core's third tag, is a THROW of a GreenletExit here. Where a kill cannot
// be raised (its receiver is dead, or pending, or it escaped the body it killed), it goes on as
// a VALUE with arity 0: it resumes a suspended receiver with the GreenletExit and starts a
// pending one with no arguments (greenlet rules W4, W5, S8).
//
// The loop calls the cold code of _drivers.ts (park, take over, release) and _gc_kill.ts
// (watch, unlink), which import this file back. The cycle is safe: no module runs another's
// code while it is evaluated.

import type { TraceFn } from "./settrace.ts";
import type { Greenlet } from "./greenlet.ts";
import { GreenletExit } from "./greenlet_exit.ts";
import { bareYield, label, missingYieldStar, notInGreenlet, returnedStep } from "./_misuse.ts";
import { awaitingError, reentrantDriver, stepReused, wouldBlock } from "./_misuse.ts";
import { abortSignal, signals } from "./_abort.ts";
import { toThrowable } from "./_arguments.ts";
import {
  driveSync,
  park,
  released,
  releaseFrom,
  settleDeath,
  takeOver,
  type Wait,
} from "./_drivers.ts";
import { type Held, unlink, watch } from "./_gc_kill.ts";
import { schedulerSwitch } from "./_scheduler_switch.ts";
import { noInline } from "./_no_inline.ts";

// The hot paths use private module bindings only: V8 reads an exported binding through its
// module cell (three dependent loads on every use), a private one from the module context.
// Other modules get the constants through `Tag` and `State`, the agent through `agent`,
// and make steps through switchStep(), throwStep() and awaitStep().

/** Tags; see the file header. */
const VALUE = 0;
const THROW = 1;
/** What an awaitOnly() step carries instead of a transfer tag: the body waits for a promise. */
const AWAIT = 3;

/** Greenlet life-cycle states. */
const PENDING = 0;
/** Started and not waiting: running, or suspended in a step. */
const ACTIVE = 1;
const DEAD = 2;
/** Started and waiting in awaitOnly() under an async driver (`wait` says for what). */
const AWAITING = 3;
/** The agent's main greenlet (the root of its tree): always started, never dead. */
const MAIN = 4;

/** Tags, for the package's other modules. */
export const Tag = { VALUE, THROW } as const;
/** Greenlet states, for the package's other modules. */
export const State = { PENDING, ACTIVE, DEAD, AWAITING, MAIN } as const;

/** Step states. */
const IDLE = 0;
const CREATED = 1;
const DELEGATED = 2;
const SUSPENDED = 3;
/** No body runs (ordinary code, a tracer): creating a step is NOT_IN_GREENLET. */
const BLOCKED = 4;

/** Context storage: an immutable snapshot, replaced (never mutated) on every write. */
export type ContextData = ReadonlyMap<object, unknown> | null;

/** A body: a generator function, or a plain function that never switches. */
type Run = (...args: never[]) => unknown;

let nextId = 0;

/** Internal state of one greenlet. The public `Greenlet` (its face) holds exactly one. */
export class Core {
  state: number = PENDING;
  readonly id: number;
  face: Greenlet;
  /** Where control goes when this greenlet finishes; null only for the main greenlet. */
  parent: Core | null;
  /** The run function while pending, the body's generator once started, else undefined. */
  body: Run | Generator<unknown, unknown, unknown> | undefined;
  ctx: ContextData;
  name: string;
  wait: Wait | null = null;
  held: Held | null = null;
  /**
   * Set while the greenlet is suspended where a switch can reach it without running its body
   * (see {@link Direct}); null for every JS greenlet.
   */
  direct: Direct | null = null;
  /**
   * Set while the body is a native callback handler's Op run in place of the relay (see
   * {@link HandlerRelay}); null for every JS greenlet.
   */
  handler: HandlerRelay | null = null;

  constructor(
    face: Greenlet,
    parent: Core | null,
    run: Run | undefined,
    ctx: ContextData,
    name: string,
  ) {
    this.face = face;
    this.id = nextId++;
    this.parent = parent;
    this.body = run;
    this.ctx = ctx;
    this.name = name;
  }
}

/**
 * A native greenlet whose callback handler's Op runs as its body (src/_native_transfer.ts): the
 * loop resumes the Op directly, as it would a JS body, so that an await in a handler costs no
 * resumption of the relay's generator. The relay's generator waits meanwhile; these give it
 * back how the Op ended.
 */
export interface HandlerRelay {
  /**
   * The Op returned `value`: answers the callback and returns the body's next result (the next
   * handler's first step, or the relay's own once it runs again), as a resumption would.
   */
  answer(value: unknown): IteratorResult<unknown, unknown>;
  /** The Op raised `error`: the relay is the body again; returns what to throw into it. */
  raised(error: unknown): unknown;
}

/**
 * A greenlet that can take a switch without its body running on the JS side: a native
 * greenlet whose relay waits in its switch to its parent (src/_native_transfer.ts).
 * {@link switchDirect} is the one place that decides when it is used; everything else takes
 * the loop, the single source of the switch's semantics.
 */
export interface Direct {
  /**
   * Delivers `payload` as the reply the body waits for and returns what the greenlet switched
   * back to its parent, or {@link HANDED_OVER} when anything else came back (a callback, a
   * finish, a throw, another greenlet's switch, a failed call): the body takes it over when the
   * loop resumes it next, and ignores the value it is resumed with.
   */
  sendDirect(payload: unknown): unknown;
}

/** What {@link Direct.sendDirect} returns when the loop must go on (see there). */
export const HANDED_OVER: unique symbol = Symbol("handed over");

/**
 * The direct switch: `switchSync()` from ordinary code into `target` with `payload` (a value),
 * made without the loop when the loop would do nothing but resume the target's relay and come
 * straight back to main with what it switched to its parent: the target offers a
 * {@link Direct} (it is suspended, so ACTIVE, in its switch to its parent), its parent is main,
 * no driver runs (ordinary code, not a body or a tracer) and no tracer is set (no event to
 * report). Otherwise, or when the send handed over, it drives the same transfer through the
 * loop (`arity` as driveSync() takes it), which either resumes the relay with nothing sent (not
 * eligible) or lets it take over what its direct send brought back. JSC inlines this function
 * into `switchSync()` only while it stays small (the literal 0 is Tag.VALUE, a load less).
 */
export function switchDirect(target: Core, payload: unknown, arity: number): unknown {
  const direct = target.direct;
  const shared = theAgent;
  if (
    direct !== null && !shared.driving && shared.tracer === null && target.parent === shared.main
  ) {
    const answer = direct.sendDirect(payload);
    if (answer !== HANDED_OVER) return answer;
  }
  return driveSync(target, payload, 0, arity);
}

/**
 * A single-use switch/throw/await instruction. One object (`theStep`) serves every step, so
 * the hot path allocates nothing; `state` enforces single use. It is its own iterator, and its
 * two iterator results are fields, reused: `entered` carries the step through `yield*` to the
 * trampoline, `finished` carries the value back into the body.
 */
export class StepImpl {
  state: number = BLOCKED;
  /** VALUE for a switch, THROW for a throw, AWAIT for awaitOnly(). */
  tag: number = VALUE;
  /** A switch's argument count. */
  arity: number = 0;
  target: Core | null = null;
  payload: unknown = undefined;
  /** What `next()` returns on entry: the step itself goes through `yield*` to the loop. */
  readonly entered: IteratorYieldResult<StepImpl> = { done: false, value: this };
  /** What `next(v)` returns on resumption; reused, since `yield*` reads it at once. */
  readonly finished: IteratorReturnResult<unknown> = { done: true, value: undefined };

  [Symbol.iterator](): this {
    if (this.state !== CREATED) throw stepReused();
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
  /** True while a driver runs bodies synchronously (a body or a tracer is on the JS stack). */
  driving: boolean;
  /** The id of the driver that runs now (or ran last). */
  driver: number;
  tracer: TraceFn | null;
  /** Set by the loop when it stops for an await; read by the async driver. */
  parked: Wait | null;
  /** True while a synchronous driver delivers a throw or a kill (WOULD_BLOCK names its fix). */
  syncThrow: boolean;
}

/** This agent's state. `main` and `current` are filled in by ensureMain() on first use. */
const theAgent: Agent = {
  main: null,
  current: null as unknown as Core,
  driving: false,
  driver: 0,
  tracer: null,
  parked: null,
  syncThrow: false,
};
/** The agent's state, for the package's other modules. */
export const agent: Agent = theAgent;

// The three ways to make a step. Each throws NOT_IN_GREENLET outside bodies and
// MISSING_YIELD_STAR when the body dropped its previous step.

/** A `g.switch()` step: a VALUE transfer of `payload` as `arity` arguments to `target`. */
export function switchStep(target: Core, payload: unknown, arity: number): StepImpl {
  const step = theStep;
  if (step.state !== IDLE) throw stepError(step, "g.switch()");
  step.state = CREATED;
  step.tag = VALUE;
  step.arity = arity;
  step.target = target;
  step.payload = payload;
  return step;
}

/** A `g.throw()` step: a THROW transfer to `target` of what `args` name (see toThrowable). */
export function throwStep(target: Core, args: IArguments): StepImpl {
  const step = theStep;
  if (step.state !== IDLE) throw stepError(step, "g.throw()");
  step.state = CREATED;
  step.tag = THROW;
  step.target = target;
  step.payload = toThrowable(args);
  return step;
}

/** An `awaitOnly()` step: the body waits for `awaited` (a SignalledAwait when it has one). */
export function awaitStep(awaited: unknown): StepImpl {
  const step = theStep;
  if (step.state !== IDLE) throw stepError(step, "awaitOnly()");
  step.state = CREATED;
  step.tag = AWAIT;
  step.payload = awaited;
  return step;
}

function stepError(step: StepImpl, what: string): Error {
  if (step.state === BLOCKED) return notInGreenlet(what);
  step.state = IDLE;
  return missingYieldStar();
}

/** True while no body runs (ordinary code, a tracer): creating a step is NOT_IN_GREENLET. */
export function isStepBlocked(): boolean {
  return theStep.state === BLOCKED;
}

/** Marks the step free for a body (IDLE) or blocked while no body runs. */
export function setStepBlocked(blocked: boolean): void {
  theStep.state = blocked ? BLOCKED : IDLE;
}

/** Marks a core dead and drops everything it no longer needs. */
export function markDead(core: Core): void {
  core.state = DEAD;
  core.body = undefined;
  core.wait = null;
  core.handler = null;
  const held = core.held;
  if (held !== null) {
    // No unregister: an unregister token costs ~100 bytes per greenlet in V8. The entry stays
    // until the face is collected, and then finds nothing to kill.
    held.gen = null;
    held.ctx = null;
    unlink(held);
    core.held = null;
  }
  if (signals.count !== 0) abortSignal(core);
}

function died(core: Core, payload: unknown, tag: number): void {
  markDead(core);
  if (released.size !== 0) settleDeath(core, payload, tag);
}

/** Resolves how a pending greenlet starts: its `run`, looked up on the face (subclass wins). */
function lookupRun(core: Core): (...args: unknown[]) => unknown {
  const fn: unknown = core.face.run;
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

// A body starts in its own small function, which JSC is told never to inline (noInline()).
// JSC's optimizing tiers specialise a call site on the callee they have seen: compiled into
// loop(), the start (`fn.call`) got a check for one body function (the generator function
// inlined), the next body failed it, five such exits from a loop threw loop()'s FTL code away,
// and the back-off left loop() in its 3-5x slower DFG tier for seconds (docs/benchmarks_hub.md).
// Now a failed check recompiles startBody() alone (V8 inlines it as before). The resumption
// stays inline below: through a helper JSC did not inline, Bun's ping-pong took 150 ns instead
// of 60 (JSC, probably, no longer sinking the `{ value, done }` result of `next()`).
/** Calls a pending greenlet's run function (`self`: `this`) with `payload` as `arity` arguments. */
function startBody(
  fn: (...args: unknown[]) => unknown,
  self: unknown,
  payload: unknown,
  arity: number,
): unknown {
  return arity === 0
    ? fn.call(self)
    : arity === 1
    ? fn.call(self, payload)
    : fn.apply(self, payload as unknown[]);
}

noInline(startBody);
// The same for the run lookup, whose `face.run` read JSC specialises on the classes of faces it
// has seen (a bare Greenlet's, then a hub Task's: a new class exits there), and for the first
// suspension's registration for the GC kill: each runs once per greenlet, and compiled on their
// own they keep their guesses and their code out of loop()'s FTL graph (docs/benchmarks_hub.md).
noInline(lookupRun);
noInline(watch);

/** True for what a plain (non-generator) run function returned when it is a generator. */
function isGenerator(value: unknown): value is Generator<unknown, unknown, unknown> {
  if (typeof value !== "object" || value === null) return false;
  return Object.prototype.toString.call(value) === "[object Generator]";
}

/** Calls the tracer in `target`; returns the error that replaces the payload if it threw. */
function callTracer(origin: Core, target: Core, tag: number): { error: unknown } | undefined {
  const tracer = theAgent.tracer!;
  theStep.state = BLOCKED;
  try {
    tracer(tag === THROW ? "throw" : "switch", { origin: origin.face, target: target.face });
    return undefined;
  } catch (error) {
    // Greenlet rule TR6: a throwing tracer is uninstalled and its error replaces the payload.
    theAgent.tracer = null;
    return { error };
  } finally {
    theStep.state = IDLE;
  }
}

/** The error a body gets when it finished with its step still open. */
function finishedInStep(step: StepImpl, result: unknown): Error {
  const error = result === step ? returnedStep() : missingYieldStar();
  step.state = IDLE;
  return error;
}

/** Returned by drive() and resume() when an async driver must await `agent.parked`. */
export const PARKED: unique symbol = Symbol("parked");

/**
 * Moves control from `origin` to `target` with `payload` (a `tag`; a value as `arity`
 * arguments) and runs bodies until control reaches the main greenlet (returns its value or
 * throws its exception) or, under an async driver, until a body waits in awaitOnly() (returns
 * PARKED). `trace`: whether the tracer sees this first transfer.
 * Preconditions: agent.driving is true; agent.current is `origin`; the step is IDLE.
 */
function loop(
  target: Core,
  payload: unknown,
  tag: number,
  arity: number,
  origin: Core,
  trace: boolean,
  async: boolean,
): unknown {
  for (;;) {
    let fn: ((...args: unknown[]) => unknown) | undefined;
    if (target.state !== ACTIVE) {
      // Walk past dead greenlets to the nearest live ancestor (rule S6). A kill thrown into a
      // dead greenlet goes on as a value (rule W5).
      if (target.state === DEAD) {
        if (tag === THROW && payload instanceof GreenletExit) {
          tag = VALUE;
          arity = 0;
        }
        do target = target.parent!; while (target.state === DEAD);
      }
      if (target.state === AWAITING) {
        if (tag !== THROW) {
          // Refused: raise AWAITING where the switch came from.
          payload = awaitingError(target);
          tag = THROW;
          target = origin.state === DEAD ? target.parent! : origin;
          trace = false;
          continue;
        }
        takeOver(target, payload);
      }
      if (target.state === PENDING) {
        try {
          fn = lookupRun(target);
        } catch (error) {
          // Rule R2: the error is raised in the caller and the greenlet stays pending. When the
          // caller is a greenlet that just died, the error goes on to the next ancestor (S8), a
          // real transfer the tracer sees as (dead origin, ancestor).
          payload = error;
          tag = THROW;
          if (origin.state === DEAD) {
            target = target.parent!;
          } else {
            target = origin;
            trace = false;
          }
          continue;
        }
        target.state = ACTIVE;
      }
    }
    // Control is in `target` now: the tracer runs there (rule TR5).
    theAgent.current = target;
    if (trace && theAgent.tracer !== null) {
      const failure = callTracer(origin, target, tag);
      if (failure !== undefined) {
        payload = failure.error;
        tag = THROW;
      }
    }
    if (target.state === MAIN) {
      if (tag === THROW) throw payload;
      return payload;
    }
    // Every way the greenlet finishes leaves this block with what goes to its parent: its
    // return value (VALUE, arity 1), a kill (VALUE, arity 0) or an error (THROW).
    body: {
      let gen = target.body as Generator<unknown, unknown, unknown>;
      if (fn !== undefined) {
        if (tag === THROW) {
          // Rule W4: a greenlet started by a throw dies at once without running; a kill goes
          // on to its parent as a value.
          if (payload instanceof GreenletExit) {
            tag = VALUE;
            arity = 0;
          }
          break body;
        }
        const self = fn === target.body ? undefined : target.face;
        // An exception from the body leaves loop(); stretch() catches it (see there).
        const result = startBody(fn, self, payload, arity);
        if (fn.constructor !== GeneratorFunction && !isGenerator(result)) {
          // A plain run function: the greenlet finishes with its return value.
          const step = theStep;
          if (step.state !== IDLE) {
            payload = finishedInStep(step, undefined);
            tag = THROW;
          } else {
            payload = result;
            tag = VALUE;
            arity = 1;
          }
          break body;
        }
        gen = result as Generator<unknown, unknown, unknown>;
        target.body = gen;
        payload = undefined;
      }
      // Run the body until it suspends on a step or finishes.
      // An exception from the body leaves loop(); stretch() catches it (see there).
      let r = tag === THROW ? genThrow.call(gen, payload) : genNext.call(gen, payload);
      if (r.done === true && target.handler !== null) r = target.handler.answer(r.value);
      const step = theStep;
      if (r.done === true) {
        if (step.state !== IDLE) {
          payload = finishedInStep(step, r.value);
          tag = THROW;
        } else {
          payload = r.value;
          tag = VALUE;
          arity = 1;
        }
        break body;
      }
      // V8 hands `step.entered` through yield*; JSC wraps the step in a fresh result object.
      if (r.value !== step || step.state !== SUSPENDED) {
        step.state = IDLE;
        payload = bareYield();
        tag = THROW;
        origin = target;
        trace = false;
        continue;
      }
      if (target.held === null) watch(target, gen);
      origin = target;
      trace = true;
      const instruction = step.tag;
      step.state = IDLE; // the suspended body resumes through the step (done) whoever uses it next
      payload = step.payload;
      step.payload = undefined;
      if (instruction !== AWAIT) {
        tag = instruction;
        arity = step.arity;
        target = step.target!;
      } else if (async) {
        theAgent.parked = park(target, payload);
        return PARKED;
      } else {
        payload = wouldBlock(target, theAgent.syncThrow);
        tag = THROW;
        trace = false;
      }
      step.target = null;
      continue;
    }
    died(target, payload, tag);
    origin = target;
    target = target.parent!;
    trace = true;
    if (
      tag === VALUE && target.face === schedulerSwitch.scheduler && theAgent.tracer === null
    ) {
      // A scheduler's child returned: the scheduler names who runs next (see there). The
      // hook runs as the scheduler, as it would after a switch (links, getcurrent(), context).
      theAgent.current = target;
      const step = schedulerSwitch.ended(payload) as unknown as StepImpl;
      step.state = IDLE;
      tag = step.tag;
      arity = step.arity;
      target = step.target!;
      payload = step.payload;
      step.payload = undefined;
      step.target = null;
    }
  }
}

/**
 * Starts a driver: ordinary code (main) switches into `target` with `payload` (a `tag`; a
 * value as `arity` arguments). Runs bodies until control is back in main (returns its value or
 * throws its exception) or, for an `async` driver, until a body parks (returns PARKED).
 *
 * The drivers' way into the loop is this and resume(): the loop's arguments stay positional,
 * since V8 ran switchSync() a third slower when they went through a record (bench/, Deno 2.9).
 */
export function drive(
  driver: number,
  async: boolean,
  target: Core,
  payload: unknown,
  tag: number,
  arity: number,
): unknown {
  if (theAgent.driving) throw reentrantDriver();
  theAgent.syncThrow = !async && tag === THROW;
  const main = theAgent.main!; // a greenlet exists, so main does
  return stretch(driver, async, target, payload, tag, arity, main, true);
}

/**
 * Resumes an async driver's body that waited in awaitOnly() with what the await gave
 * (`payload`, a VALUE or a THROW). Untraced: control never left the body for another greenlet.
 */
export function resume(driver: number, core: Core, payload: unknown, tag: number): unknown {
  return stretch(driver, true, core, payload, tag, 1, core, false);
}

/**
 * One synchronous stretch of the driver `driver`: the loop, from `origin` to `target`, until
 * control is back in main or, for an `async` driver, a body parks.
 *
 * It also handles what the bodies raise. The try/catch lives here so that loop() has none:
 * with it inside, V8 kept the loop's values in memory for the handler, and the pingpong round
 * trip took 2.2x the bare-generator floor instead of 1.7x (bench/, Deno 2.9). `agent.current`
 * tells who raised: the loop makes a greenlet current before running its body, and makes main
 * current before it returns or throws the driver's result.
 */
function stretch(
  driver: number,
  async: boolean,
  target: Core,
  payload: unknown,
  tag: number,
  arity: number,
  origin: Core,
  trace: boolean,
): unknown {
  theAgent.driving = true;
  theStep.state = IDLE;
  theAgent.driver = driver;
  try {
    for (;;) {
      try {
        return loop(target, payload, tag, arity, origin, trace, async);
      } catch (error) {
        const dying = theAgent.current;
        if (dying.state === MAIN) throw error;
        theStep.state = IDLE;
        const handler = dying.handler;
        if (handler !== null) {
          // A native callback handler's Op raised it: its relay answers the callback.
          payload = handler.raised(error);
          tag = THROW;
          target = origin = dying;
          trace = false;
          continue;
        }
        payload = error;
        tag = error instanceof GreenletExit ? VALUE : THROW;
        arity = 0;
        died(dying, payload, tag);
        origin = dying;
        target = dying.parent!;
        trace = true;
      }
    }
  } finally {
    theStep.state = BLOCKED;
    theAgent.driving = false;
    theAgent.current = theAgent.main!;
    // Back in main, by a result or by an exception (not parked): drivers this one released
    // from live greenlets give up.
    if (theAgent.parked === null && released.size !== 0) releaseFrom(driver);
  }
}
