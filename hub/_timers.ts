// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// The hub's timers: one binary min-heap ordered by due time, then by creation order.

import type { Waiter } from "./_waiter.ts";

/** One timer: it wakes a waiter (with a value or an error) or calls a function. */
export class Timer {
  /**
   * Due time on the `performance.now()` clock, rounded up to a whole millisecond (no timer fires
   * early, and the event loop's own timers have millisecond steps): V8 keeps a small integer in
   * the object, where a fraction took a heap number of its own per timer (16 B per sleeping task).
   */
  at: number;
  readonly seq: number;
  /** Woken when due (with `value`, raised when `throws`); or null when `value` is a function to call. */
  waiter: Waiter | null;
  /** The waiter's value, or the function called when due (one field: 8 B less per sleeping task). */
  value: unknown;
  throws: boolean;
  /** Position in the heap; -1 once fired or cancelled. */
  index = -1;

  constructor(
    at: number,
    seq: number,
    waiter: Waiter | null,
    value: unknown,
    throws: boolean,
  ) {
    this.at = Math.ceil(at);
    this.seq = seq;
    this.waiter = waiter;
    this.value = value;
    this.throws = throws;
  }
}

function before(a: Timer, b: Timer): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

/** A min-heap of timers. */
export class TimerHeap {
  readonly #heap: Timer[] = [];

  /** How many timers are pending. */
  get size(): number {
    return this.#heap.length;
  }

  /** The earliest timer; only call when `size` is not 0. */
  peek(): Timer {
    return this.#heap[0];
  }

  push(timer: Timer): void {
    const heap = this.#heap;
    timer.index = heap.length;
    heap.push(timer);
    this.#up(timer.index);
  }

  /** Removes the earliest timer; only call when `size` is not 0. */
  pop(): Timer {
    const heap = this.#heap;
    const top = heap[0];
    this.#removeAt(0);
    return top;
  }

  /** Removes `timer` if it is still pending. */
  delete(timer: Timer): void {
    if (timer.index >= 0) this.#removeAt(timer.index);
  }

  #removeAt(i: number): void {
    const heap = this.#heap;
    const gone = heap[i];
    gone.index = -1;
    const last = heap.pop()!;
    if (i === heap.length) return;
    heap[i] = last;
    last.index = i;
    this.#down(i);
    this.#up(last.index);
  }

  #up(i: number): void {
    const heap = this.#heap;
    const timer = heap[i];
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = heap[p];
      if (!before(timer, parent)) break;
      heap[i] = parent;
      parent.index = i;
      i = p;
    }
    heap[i] = timer;
    timer.index = i;
  }

  #down(i: number): void {
    const heap = this.#heap;
    const n = heap.length;
    const timer = heap[i];
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && before(heap[c + 1], heap[c])) c++;
      const child = heap[c];
      if (!before(child, timer)) break;
      heap[i] = child;
      child.index = i;
      i = c;
    }
    heap[i] = timer;
    timer.index = i;
  }
}
