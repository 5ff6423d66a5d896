// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// The drivers: how ordinary code runs bodies. A synchronous driver (switchSync(), throwSync())
// runs one stretch of the loop; an asynchronous one (switchAsync(), throwAsync(),
// greenletSpawn()) runs stretches until control is back in main, awaiting for every body that
// parks in awaitOnly(). A throw into a greenlet parked under another driver takes it over: it
// releases that driver, which then settles with how the greenlet finished.

import { abortSignal } from "./_abort.ts";
import { driverReleased } from "./_misuse.ts";
import { agent, type Core, drive, PARKED, resume, State, Tag } from "./_trampoline.ts";
import { GreenletExit } from "./greenlet_exit.ts";

/** An awaitOnly() payload that carries an abort signal (the common case carries none). */
export class SignalledAwait {
  constructor(readonly awaited: unknown, readonly signal: AbortSignal) {}
}

/** A greenlet whose async driver was released by a takeover, with how it died (if so). */
interface Release {
  /** The driver that threw into it, which drives it now. */
  thrower: number;
  outcome: { payload: unknown; tag: number } | null;
  promise: Promise<void>;
  done: () => void;
}

/** One wait in `awaitOnly()` under an async driver. */
export interface Wait {
  core: Core;
  /** Settles when the awaited promise settles, the input signal aborts, or a takeover wakes it. */
  promise: Promise<unknown>;
  wake: () => void;
  takenOver: boolean;
  release: Release | null;
}

/** The greenlets whose drivers were released, until they die or their thrower returns. */
export const released: Map<Core, Release> = new Map();
let driverSeq = 0;

/** Runs a synchronous driver: ordinary code switching into `target`. */
export function driveSync(
  target: Core,
  payload: unknown,
  tag: number,
  arity: number,
): unknown {
  return drive(++driverSeq, false, target, payload, tag, arity);
}

/** Runs an asynchronous driver: like driveSync, but awaits for bodies in awaitOnly(). */
export async function driveAsync(
  target: Core,
  payload: unknown,
  tag: number,
  arity: number,
): Promise<unknown> {
  const driver = ++driverSeq;
  let out = drive(driver, true, target, payload, tag, arity);
  for (;;) {
    if (out !== PARKED) return out;
    const wait = agent.parked!;
    agent.parked = null;
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
    if (core.state === State.AWAITING) core.state = State.ACTIVE;
    out = resume(driver, core, result, threw ? Tag.THROW : Tag.VALUE);
  }
}

/** Parks a body in awaitOnly(): its driver awaits the returned wait's promise. */
export function park(core: Core, awaited: unknown): Wait {
  let signal: AbortSignal | undefined;
  if (awaited instanceof SignalledAwait) {
    signal = awaited.signal;
    awaited = awaited.awaited;
  }
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
  core.state = State.AWAITING;
  return wait;
}

/** A throw into a greenlet waiting under another driver: release that driver, deliver here. */
export function takeOver(core: Core, error: unknown): void {
  const wait = core.wait!;
  core.wait = null;
  core.state = State.ACTIVE;
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
  entry.thrower = agent.driver;
  wait.release = entry;
  if (error instanceof GreenletExit) abortSignal(core, error);
  wait.wake();
}

/** A greenlet died: the driver released from it settles with how it finished. */
export function settleDeath(core: Core, payload: unknown, tag: number): void {
  const entry = released.get(core);
  if (entry !== undefined) {
    released.delete(core);
    entry.outcome = { payload, tag };
    entry.done();
  }
}

/** The drive `driver` returned to main: drivers it released from live greenlets give up. */
export function releaseFrom(driver: number): void {
  for (const [core, entry] of released) {
    if (entry.thrower === driver && core.wait === null) {
      released.delete(core);
      entry.done();
    }
  }
}

/** How an async driver settles after a throw from elsewhere took its greenlet over. */
function settleReleased(core: Core, entry: Release): unknown {
  const outcome = entry.outcome;
  if (outcome) {
    if (outcome.tag === Tag.THROW) throw outcome.payload;
    return outcome.payload;
  }
  throw driverReleased(core);
}
