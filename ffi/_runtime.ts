// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// The one place that asks which runtime runs this code. Bun is checked first: Deno also has a
// global `process`, and neither check touches a runtime-specific API.

/** The runtimes this package supports. */
export type RuntimeKey = "deno" | "bun" | "other";

const probe = globalThis as { Bun?: unknown; Deno?: { version?: { deno?: unknown } } };

/** The runtime running this code. */
export const runtimeKey: RuntimeKey = probe.Bun !== undefined
  ? "bun"
  : typeof probe.Deno?.version?.deno === "string"
  ? "deno"
  : "other";
