// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// How a call's arguments become what a switch or throw carries.

import { GreenletExit } from "./greenlet_exit.ts";

/** Packs call arguments into a payload: none → undefined, one → itself, several → an array. */
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
