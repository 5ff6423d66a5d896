// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.

/**
 * Python's greenlets for Deno and Bun: lightweight in-process coroutines with explicit
 * `switch()`, a parent tree, `throw()` and `GreenletExit`.
 *
 * Bodies are generator functions; code that may switch is `function*` entered with `yield*`.
 * Ordinary code drives greenlets with `switchSync()` / `switchAsync()`; `greenletSpawn()` and
 * `awaitOnly()` bridge to promises.
 *
 * @example Two greenlets passing control back and forth
 * ```ts
 * import { getcurrent, Greenlet } from "@greenlet/greenlet";
 * import assert from "node:assert/strict";
 *
 * const log: string[] = [];
 * const main = getcurrent();
 * const ping: Greenlet = new Greenlet(function* () {
 *   for (let i = 0; i < 2; i++) {
 *     log.push("ping");
 *     yield* pong.switch();
 *   }
 * });
 * const pong: Greenlet = new Greenlet(function* () {
 *   for (;;) {
 *     log.push("pong");
 *     yield* ping.switch();
 *   }
 * }, { parent: main });
 * ping.switchSync();
 * assert.deepEqual(log, ["ping", "pong", "ping", "pong"]);
 * ```
 *
 * @module
 */

export { awaitOnly } from "./src/await_only.ts";
export type { AwaitOnlyOptions } from "./src/await_only.ts";
export { ContextVar } from "./src/context_var.ts";
export type { ContextToken, ContextVarConstructor, ContextVarOptions } from "./src/context_var.ts";
export { formatGreenletTree } from "./src/format_greenlet_tree.ts";
export { getcurrent } from "./src/getcurrent.ts";
export { Greenlet } from "./src/greenlet.ts";
export type { GreenletKind, GreenletOptions, GreenletRun } from "./src/greenlet.ts";
export { GreenletError } from "./src/greenlet_error.ts";
export type { GreenletErrorCode } from "./src/greenlet_error.ts";
export { GreenletExit, isGreenletExit } from "./src/greenlet_exit.ts";
export { greenletSpawn } from "./src/greenlet_spawn.ts";
export { setUnraisableHook } from "./src/set_unraisable_hook.ts";
export type { Unraisable, UnraisableHook } from "./src/set_unraisable_hook.ts";
export { gettrace, settrace } from "./src/settrace.ts";
export type { TraceArgs, TraceEvent, TraceFn } from "./src/settrace.ts";
export type { Instruction, Op, Step } from "./src/types.ts";
