// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// Every hub GreenletError, in one place.

import { GreenletError, type GreenletErrorCode } from "../mod.ts";

/** A hub error with a stable code. */
export function hubError(code: GreenletErrorCode, message: string): GreenletError {
  return new GreenletError(code, message);
}

export function notInHub(what: string): GreenletError {
  return hubError(
    "NOT_IN_HUB",
    `Cannot block in ${what}: this greenlet is not run by the hub; start it with spawn() or ` +
      "main(), or await the operation from ordinary code",
  );
}

export function hubBlocked(): GreenletError {
  return hubError(
    "HUB_BLOCKED",
    "Cannot block in the hub greenlet: link callbacks and timer callbacks run in the hub and " +
      "must not wait; spawn() a task that waits instead",
  );
}
