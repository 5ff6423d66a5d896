// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// The seam through which a scheduler (the hub, hub/_hub.ts) takes over awaitOnly() for the
// greenlets it runs, so that one greenlet's await parks that greenlet alone.

import type { Step } from "./types.ts";

/**
 * Takes over an awaitOnly() in the current greenlet: returns the step that parks it (the
 * scheduler resumes it when `awaited` settles or `signal` aborts), or null to leave the await
 * to the greenlet's async driver as usual.
 */
export type AwaitRoute = (
  awaited: unknown,
  signal: AbortSignal | undefined,
) => Step<unknown> | null;

/** The installed route; null when no scheduler runs in this agent. */
export const awaitRoute: { to: AwaitRoute | null } = { to: null };
