// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// Errors nobody can catch (the garbage-collection kill's), reported through the hook
// setUnraisableHook() installs, or by default as one message on stderr. Never throws.

import type { Unraisable, UnraisableHook } from "./set_unraisable_hook.ts";

/** The installed hook; null is the default (stderr). */
export const unraisable: { hook: UnraisableHook | null } = { hook: null };

/** Reports an error nobody can catch; the process goes on and its exit code is untouched. */
export function reportUnraisable(report: Unraisable): void {
  const hook = unraisable.hook;
  let hookFailed = false;
  let hookError: unknown;
  if (hook !== null) {
    try {
      hook(report);
      return;
    } catch (error) {
      hookFailed = true;
      hookError = error;
    }
  }
  write(`Exception ignored in greenlet ${report.greenlet} during ${report.during}:`, report.error);
  if (hookFailed) write("Exception ignored in the unraisable hook:", hookError);
}

/** Writes a heading and the error's stack (or its text) to stderr, as one message. */
function write(heading: string, error: unknown): void {
  let text: string;
  try {
    const stack = error instanceof Error ? error.stack : undefined;
    const head = String(error);
    text = typeof stack !== "string" ? head : stack.startsWith(head) ? stack : `${head}\n${stack}`;
  } catch {
    text = "(an error that cannot be converted to text)";
  }
  console.error(`${heading}\n${text}`);
}
