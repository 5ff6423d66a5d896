// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// What the examples' tests use to show that the event loop ran while C code was suspended in an
// awaiting callback: a zero-delay interval that counts its ticks while `inside` is set.

/** Counts timer ticks while `inside` is true; `using` stops the timer. */
export class Ticker implements Disposable {
  /** Set while the C code is known to be suspended mid-call. */
  inside = false;
  /** Ticks seen while `inside` was true. */
  ticksInside = 0;
  readonly #timer = setInterval(() => {
    if (this.inside) this.ticksInside++;
  }, 0);

  [Symbol.dispose](): void {
    clearInterval(this.#timer);
  }
}
