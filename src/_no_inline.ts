// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// A hint to the JIT: compile a function on its own, never into its callers. Only JSC takes one,
// through Bun's `bun:jsc` module; where no runtime module of that name exists (Deno: V8) the
// hint is a no-op. A feature check, not a runtime check: ffi/_runtime.ts stays the one place
// that asks which runtime runs (src/ must not import ffi/ at load: tests/fixtures/two_copies.ts).

import process from "node:process";

/** The part of Bun's `bun:jsc` module used here. */
interface Jsc {
  noInline(fn: unknown): void;
}

const jsc = (process as unknown as { getBuiltinModule?(id: string): Jsc | undefined })
  .getBuiltinModule?.("bun:jsc");

/**
 * Asks the JIT never to inline `fn` into a caller, so that the callee-specific guesses its
 * optimizing tiers make inside `fn` stay in `fn`'s own code: a failed guess recompiles `fn`,
 * not every caller it was inlined into. JSC only; a no-op on V8.
 */
export function noInline(fn: (...args: never[]) => unknown): void {
  jsc?.noInline(fn);
}
