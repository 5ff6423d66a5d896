// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// A FIFO ring buffer: O(1) push and shift without the O(n) `Array.prototype.shift`.

import { noInline } from "../src/_no_inline.ts";

/** A first-in, first-out queue on a power-of-two ring. */
export class Fifo<T> {
  #items: (T | undefined)[] = new Array(4);
  #head = 0;
  #mask = 3;
  /** How many items are queued. */
  size = 0;

  /** Appends `item` at the tail. */
  push(item: T): void {
    if (this.size > this.#mask) this.#grow();
    this.#items[(this.#head + this.size) & this.#mask] = item;
    this.size++;
  }

  /** Puts `item` back at the head. */
  unshift(item: T): void {
    if (this.size > this.#mask) this.#grow();
    this.#head = (this.#head - 1) & this.#mask;
    this.#items[this.#head] = item;
    this.size++;
  }

  /** Removes and returns the head; only call when `size` is not 0. */
  shift(): T {
    const head = this.#head;
    const item = this.#items[head] as T;
    this.#items[head] = undefined;
    this.#head = (head + 1) & this.#mask;
    this.size--;
    return item;
  }

  /** The head without removing it; only call when `size` is not 0. */
  peek(): T {
    return this.#items[this.#head] as T;
  }

  /** Removes the first occurrence of `item` (O(n); for cancellations). */
  delete(item: T): boolean {
    const items = this.#items;
    const mask = this.#mask;
    for (let i = 0; i < this.size; i++) {
      if (items[(this.#head + i) & mask] !== item) continue;
      for (let j = i; j < this.size - 1; j++) {
        items[(this.#head + j) & mask] = items[(this.#head + j + 1) & mask];
      }
      items[(this.#head + this.size - 1) & mask] = undefined;
      this.size--;
      return true;
    }
    return false;
  }

  /** The items from head to tail, as a new array. */
  toArray(): T[] {
    const out: T[] = [];
    for (let i = 0; i < this.size; i++) out.push(this.#items[(this.#head + i) & this.#mask] as T);
    return out;
  }

  #grow(): void {
    const next = this.toArray();
    const capacity = (this.#mask + 1) * 2;
    next.length = capacity;
    this.#items = next;
    this.#head = 0;
    this.#mask = capacity - 1;
  }

  static {
    // The rare growth stays out of JSC's optimized code for every push.
    noInline(new Fifo<unknown>().#grow);
  }
}
