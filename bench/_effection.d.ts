// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// The part of Effection 4's API that bench/hub_effection.ts uses, declared here because the
// package's own .d.ts files import each other by ".js" names that Deno resolves only through
// npm resolution, and the package is loaded by file path (there is no JSR here).

export interface Operation<T> {
  [Symbol.iterator](): Iterator<unknown, T, unknown>;
}

export interface Task<T> extends Operation<T>, Promise<T> {
  halt(): Operation<void> & Promise<void>;
}

export interface Queue<T, TClose> {
  add(item: T): void;
  close(value: TClose): void;
  next(): Operation<IteratorResult<T, TClose>>;
}

export declare function run<T>(operation: () => Operation<T>): Task<T>;
export declare function spawn<T>(operation: () => Operation<T>): Operation<Task<T>>;
export declare function sleep(ms: number): Operation<void>;
export declare function createQueue<T, TClose>(): Queue<T, TClose>;
