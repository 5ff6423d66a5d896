// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// Every GreenletError the package raises, in one place: each factory names the misuse and says
// how to fix it (action + ": " + state + "; " + fix). The codes are listed in greenlet_error.ts.

import { GreenletError } from "./greenlet_error.ts";

/** What a message names a greenlet by: a greenlet's core, or what the GC kill holds of it. */
export interface Named {
  readonly name: string;
  readonly id: number;
}

/** Label used in messages and by the tree dump: `name#id`, or `#id` for an unnamed greenlet. */
export function label(of: Named): string {
  return of.name === "" ? `#${of.id}` : `${of.name}#${of.id}`;
}

// Steps: how bodies enter g.switch(), g.throw() and awaitOnly().

/** A step created where no body runs. */
export function notInGreenlet(what: string): GreenletError {
  return new GreenletError(
    "NOT_IN_GREENLET",
    `Cannot create ${what} outside a greenlet body: use yield* ${what} inside a body ` +
      "(a generator function run by a greenlet), or g.switchSync() / await g.switchAsync() " +
      "from ordinary code",
  );
}

/** A step created and then dropped: the body went on without `yield*`. */
export function missingYieldStar(): GreenletError {
  return new GreenletError(
    "MISSING_YIELD_STAR",
    "Cannot continue: a step was created but not entered; write yield* before g.switch(), " +
      "g.throw() and awaitOnly() (a call used as a statement does nothing)",
  );
}

/** A step entered a second time. */
export function stepReused(): GreenletError {
  return new GreenletError(
    "STEP_REUSED",
    "Cannot enter a step twice: each g.switch(), g.throw() or awaitOnly() step is entered " +
      "with yield* exactly once; create a new step for every switch",
  );
}

/** A body that yielded something other than its step. */
export function bareYield(): GreenletError {
  return new GreenletError(
    "BARE_YIELD",
    "Cannot yield a value to the trampoline: use yield* with a step " +
      "(yield* g.switch(), yield* g.throw(), yield* awaitOnly()), not a bare yield",
  );
}

/** A body that returned its step instead of entering it. */
export function returnedStep(): GreenletError {
  return new GreenletError(
    "RETURNED_STEP",
    "Cannot finish with a step as the result: write return yield* g.switch() " +
      "(or yield* awaitOnly()), not return g.switch()",
  );
}

// Drivers: switchSync(), switchAsync(), throwSync(), throwAsync(), greenletSpawn().

/** A switch into a greenlet that waits under an async driver. */
export function awaitingError(of: Named): GreenletError {
  return new GreenletError(
    "AWAITING",
    `Cannot switch to greenlet ${label(of)}: it waits in awaitOnly() under an async driver; ` +
      "only that driver may resume it (a throw or kill is delivered at the await point)",
  );
}

/** awaitOnly() reached under a synchronous driver; `throwing` when it delivers a throw or kill. */
export function wouldBlock(of: Named, throwing: boolean): GreenletError {
  return new GreenletError(
    "WOULD_BLOCK",
    throwing
      ? `Cannot await in greenlet ${label(of)}: awaitOnly() was reached under throwSync() or ` +
        "using; throw or kill with await g.throwAsync() or await using"
      : `Cannot await in greenlet ${label(of)}: awaitOnly() was reached under switchSync(); ` +
        "drive it with await g.switchAsync() or greenletSpawn()",
  );
}

/** A driver started inside a body or a tracer. */
export function reentrantDriver(): GreenletError {
  return new GreenletError(
    "REENTRANT_DRIVER",
    "Cannot start a driver inside a greenlet body or tracer: use yield* g.switch() or " +
      "yield* g.throw() there; switchSync(), switchAsync(), throwSync(), throwAsync() and " +
      "greenletSpawn() are for ordinary code",
  );
}

/** An async driver whose greenlet was taken over by a throw and did not finish. */
export function driverReleased(of: Named): GreenletError {
  return new GreenletError(
    "DRIVER_RELEASED",
    `Cannot finish this driver: greenlet ${label(of)} was thrown into from elsewhere while ` +
      "it waited in awaitOnly(), and it did not finish; whoever threw now drives it",
  );
}

// The agent and the tree.

/** A second copy of the library in an agent the first copy owns. */
export function wrongAgent(): GreenletError {
  return new GreenletError(
    "WRONG_AGENT",
    "Cannot use this copy of greenlet: another copy already owns this agent's main greenlet; " +
      "import the library from one URL or package version only",
  );
}

/** `run` set on a greenlet that has started. */
export function runAfterStart(of: Named): GreenletError {
  return new GreenletError(
    "RUN_AFTER_START",
    `Cannot set run of greenlet ${label(of)}: it has already started; create a new ` +
      "greenlet to run another body",
  );
}

/** The parent of a main greenlet set. */
export function mainParent(): GreenletError {
  return new GreenletError(
    "MAIN_PARENT",
    "Cannot set the parent of a main greenlet: the main greenlet is the root of its " +
      "agent's tree; set the parent of the greenlets below it instead",
  );
}

/** A main greenlet disposed of. */
export function mainDisposed(): GreenletError {
  return new GreenletError("MAIN_PARENT", "Cannot dispose of a main greenlet");
}

/** A parent that would make the parent chain cyclic. */
export function parentCycle(of: Named): GreenletError {
  return new GreenletError(
    "PARENT_CYCLE",
    `Cannot set the parent of greenlet ${label(of)}: the parent chain would be cyclic; ` +
      "choose a parent that is not this greenlet or one of its descendants",
  );
}

// The garbage-collection kill.

/** A body that switched or awaited while the garbage collector killed it. */
export function cleanupSwitch(text: string): GreenletError {
  return new GreenletError(
    "CLEANUP_SWITCH",
    `Cannot switch or await while greenlet ${text} is killed by the garbage ` +
      "collector; kill greenlets explicitly (g.throwSync(), using, await using) to clean " +
      "up with switches",
  );
}

/** A body that survived every GreenletExit the garbage collector raised in it. */
export function cleanupSurvived(text: string): GreenletError {
  return new GreenletError("CLEANUP_SWITCH", `GreenletExit did not kill ${text}`);
}

// Context variables.

/** A token reset by another variable. */
export function tokenOfAnotherVariable(name: string): GreenletError {
  return new GreenletError(
    "TOKEN_MISMATCH",
    `Cannot reset ContextVar "${name}": the token was created by another variable`,
  );
}

/** A token reset in another greenlet. */
export function tokenOfAnotherGreenlet(name: string): GreenletError {
  return new GreenletError(
    "TOKEN_MISMATCH",
    `Cannot reset ContextVar "${name}": the token was created in another greenlet`,
  );
}

/** A token reset twice. */
export function tokenUsed(name: string): GreenletError {
  return new GreenletError(
    "TOKEN_USED",
    `Cannot reset ContextVar "${name}": the token has already been used`,
  );
}
