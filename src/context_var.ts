// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.

import { ensureMain } from "./_agent.ts";
import { setContext } from "./_gc_kill.ts";
import { tokenOfAnotherGreenlet, tokenOfAnotherVariable, tokenUsed } from "./_misuse.ts";
import { agent, type Core } from "./_trampoline.ts";
import type { Op } from "./types.ts";

/** Options for {@link ContextVar}. */
export interface ContextVarOptions<T> {
  /** The value `get()` returns where the variable was never set. */
  default?: T;
}

/** Undoes one {@link ContextVar.set}; pass it to {@link ContextVar.reset} once. */
export interface ContextToken<T> {
  /** The variable that was set. */
  readonly variable: ContextVar<T, unknown>;
}

interface TokenState<T> extends ContextToken<T> {
  core: Core;
  had: boolean;
  old: unknown;
  used: boolean;
}

/**
 * A context variable with per-greenlet values (Python's `contextvars.ContextVar`); create one
 * with {@link ContextVar `new ContextVar(name, options)`}. `Unset` is what `get()` returns where
 * the variable was never set: `undefined`, or `never` for a variable created with a default.
 *
 * @typeParam T the value type
 * @typeParam Unset `get()`'s result where the variable was never set
 */
export interface ContextVar<T, Unset = undefined> {
  /** The name given at creation. */
  readonly name: string;

  /**
   * Returns the value in the current greenlet's context; where the variable was never set, its
   * default, else `undefined` (where Python raises `LookupError`). A variable created with a
   * default is typed without `undefined`.
   *
   * @returns the value or the default
   */
  get(): T | Unset;
  /**
   * Returns the value in the current greenlet's context; where the variable was never set,
   * `fallback` (Python's `var.get(default)`; it wins over the variable's default).
   *
   * @typeParam F the fallback's type
   * @param fallback what to return where the variable was never set
   * @returns the value or the fallback
   *
   * @example A fallback types the result
   * ```ts
   * import { ContextVar } from "@greenlet/greenlet";
   * import assert from "node:assert/strict";
   *
   * const user = new ContextVar<string>("user");
   * const name: string = user.get("anonymous");
   * assert.equal(name, "anonymous");
   * assert.equal(user.run("ada", () => user.get("anonymous")), "ada");
   * ```
   */
  get<F>(fallback: F): T | F;

  /**
   * Sets the value in the current greenlet's context.
   *
   * @param value the new value
   * @returns a token that {@link ContextVar.reset} takes to restore the previous value
   */
  set(value: T): ContextToken<T>;

  /**
   * Restores the value a {@link ContextVar.set} replaced.
   *
   * @param token the token `set()` returned
   * @throws {GreenletError} `TOKEN_USED` for a token used before, `TOKEN_MISMATCH` for a token
   *   of another variable or another greenlet
   */
  reset(token: ContextToken<T>): void;

  /**
   * Runs ordinary code with the variable set, then restores it (like
   * `AsyncContext.Variable.run`).
   *
   * @typeParam R the result type
   * @param value the value while `fn` runs
   * @param fn the code to run
   * @returns what `fn` returns
   * @throws {TypeError} when `fn` is not a function
   *
   * @example
   * ```ts
   * import { ContextVar } from "@greenlet/greenlet";
   * import assert from "node:assert/strict";
   *
   * const level = new ContextVar<number>("level", { default: 0 });
   * assert.equal(level.run(1, () => level.get()), 1);
   * assert.equal(level.get(), 0);
   * ```
   */
  run<R>(value: T, fn: () => R): R;

  /**
   * Inside a body: runs a generator with the variable set, then restores it; enter the result
   * with `yield*`. The body may switch while the value is set.
   *
   * @typeParam R the result type
   * @param value the value while `body` runs
   * @param body a generator function (it may switch)
   * @returns the operation to enter with `yield*`
   *
   * @example
   * ```ts
   * import { ContextVar, Greenlet } from "@greenlet/greenlet";
   * import assert from "node:assert/strict";
   *
   * const requestId = new ContextVar<string>("requestId");
   * const g = new Greenlet(function* () {
   *   return yield* requestId.with("r-1", function* () {
   *     return requestId.get();
   *   });
   * });
   * assert.equal(g.switchSync(), "r-1");
   * ```
   */
  with<R>(value: T, body: () => Op<R>): Op<R>;
}

/** The constructor of {@link ContextVar}: its type follows whether a default is given. */
export interface ContextVarConstructor {
  /**
   * Creates a variable with a default: `get()` is typed without `undefined`.
   *
   * @typeParam T the value type
   * @param name a name for debugging
   * @param options the default value
   * @throws {TypeError} when `name` is not a string
   */
  new <T>(name: string, options: ContextVarOptions<T> & { default: T }): ContextVar<T, never>;
  /**
   * Creates a variable without a default: `get()` may return `undefined`.
   *
   * @typeParam T the value type
   * @param name a name for debugging
   * @param options no default
   * @throws {TypeError} when `name` is not a string
   */
  new <T>(name: string, options?: ContextVarOptions<T>): ContextVar<T>;
  /** For `instanceof`. */
  readonly prototype: ContextVar<unknown, unknown>;
}

// The implementation; ContextVarConstructor types its two constructions.
class Variable<T> implements ContextVar<T, unknown> {
  readonly #name: string;
  readonly #hasDefault: boolean;
  readonly #default: T | undefined;

  constructor(name: string, options?: ContextVarOptions<T>) {
    if (typeof name !== "string") {
      throw new TypeError(`Cannot create ContextVar: name must be a string, not ${typeof name}`);
    }
    this.#name = name;
    this.#hasDefault = options !== undefined && "default" in options;
    this.#default = options?.default;
  }

  get name(): string {
    return this.#name;
  }

  get(): T | undefined;
  get<F>(fallback: F): T | F;
  get(fallback?: unknown): unknown {
    ensureMain();
    const ctx = agent.current.ctx;
    if (ctx !== null && ctx.has(this)) return ctx.get(this);
    if (arguments.length > 0) return fallback;
    return this.#hasDefault ? this.#default : undefined;
  }

  set(value: T): ContextToken<T> {
    ensureMain();
    const core = agent.current;
    const ctx = core.ctx;
    const had = ctx !== null && ctx.has(this);
    const token: TokenState<T> = {
      variable: this,
      core,
      had,
      old: had ? ctx!.get(this) : undefined,
      used: false,
    };
    const next = new Map(ctx ?? undefined);
    next.set(this, value);
    setContext(core, next);
    return token;
  }

  reset(token: ContextToken<T>): void {
    const state = token as TokenState<T>;
    if (state.variable !== this || state.core === undefined) {
      throw tokenOfAnotherVariable(this.#name);
    }
    ensureMain();
    const core = agent.current;
    if (state.core !== core) {
      throw tokenOfAnotherGreenlet(this.#name);
    }
    if (state.used) {
      throw tokenUsed(this.#name);
    }
    state.used = true;
    const next = new Map(core.ctx ?? undefined);
    if (state.had) next.set(this, state.old);
    else next.delete(this);
    setContext(core, next);
  }

  run<R>(value: T, fn: () => R): R {
    if (typeof fn !== "function") {
      throw new TypeError(`Cannot run: fn must be a function, not ${typeof fn}`);
    }
    const token = this.set(value);
    try {
      return fn();
    } finally {
      this.reset(token);
    }
  }

  *with<R>(value: T, body: () => Op<R>): Op<R> {
    const token = this.set(value);
    try {
      return yield* body();
    } finally {
      this.reset(token);
    }
  }
}

/**
 * A context variable with per-greenlet values (Python's `contextvars.ContextVar`). Each
 * greenlet has its own context, switched by the trampoline. A new greenlet starts with a
 * snapshot of its creator's context (`context: "inherit"`, the default; writes in the child do
 * not leak back) or with an empty one (`context: "empty"`, greenlet's behaviour).
 *
 * The variable's type follows its options: with a `default`, `get()` never returns `undefined`.
 *
 * @example Values follow greenlets
 * ```ts
 * import { ContextVar, getcurrent, Greenlet } from "@greenlet/greenlet";
 * import assert from "node:assert/strict";
 *
 * const user = new ContextVar<string>("user", { default: "nobody" });
 * const token = user.set("main");
 * const main = getcurrent();
 * const g = new Greenlet(function* () {
 *   const inherited = user.get();
 *   user.set("child");
 *   yield* main.switch(inherited);
 *   return user.get();
 * });
 * assert.equal(g.switchSync(), "main");
 * assert.equal(user.get(), "main");
 * assert.equal(g.switchSync(), "child");
 * user.reset(token);
 * assert.equal(user.get(), "nobody");
 * ```
 */
export const ContextVar: ContextVarConstructor = Variable as unknown as ContextVarConstructor;
