// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// A one-slot rendezvous between a producer that awaits and a `for await` consumer: `push()`
// resolves only when the consumer asks for the next value, so a producer suspended in a C
// callback stays suspended while the consumer's loop body runs (backpressure, as a generator
// has). Used by examples/gunzip.ts and examples/xml_events.ts.

interface Offer<T> {
  value: T;
  resolve: (more: boolean) => void;
}

/** Values handed one at a time from a producer to one `for await` loop. */
export class Channel<T> implements AsyncIterable<T> {
  #offer: Offer<T> | undefined;
  #wake: (() => void) | undefined;
  #closed: { error: unknown } | undefined;
  #stopped = false;
  #iterated = false;

  /**
   * Hands `value` to the consumer: resolves true when the consumer has taken it and asks for
   * the next one, false when the consumer stopped (left its loop) and wants no more.
   */
  push(value: T): Promise<boolean> {
    if (this.#stopped) return Promise.resolve(false);
    if (this.#offer !== undefined || this.#closed !== undefined) {
      throw new TypeError(
        `Cannot push a value: ${
          this.#closed ? "the channel is closed" : "the last push is pending"
        }`,
      );
    }
    return new Promise((resolve) => {
      this.#offer = { value, resolve };
      this.#wakeConsumer();
    });
  }

  /** Ends the values: the consumer's loop ends once it has taken the last one. */
  end(): void {
    this.#close({ error: noError });
  }

  /** Ends the values with `error`: the consumer's loop throws it after the last value. */
  fail(error: unknown): void {
    this.#close({ error });
  }

  /** True once the consumer left its loop. */
  get stopped(): boolean {
    return this.#stopped;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    if (this.#iterated) throw new TypeError("Cannot iterate a channel twice");
    this.#iterated = true;
    let offer: Offer<T> | undefined;
    try {
      for (;;) {
        while (this.#offer === undefined && this.#closed === undefined) {
          await new Promise<void>((resolve) => this.#wake = resolve);
        }
        offer = this.#offer;
        this.#offer = undefined;
        if (offer === undefined) {
          const { error } = this.#closed!;
          if (error !== noError) throw error;
          return;
        }
        yield offer.value;
        offer.resolve(true); // the consumer asks for the next value
        offer = undefined;
      }
    } finally {
      this.#stopped = true;
      offer?.resolve(false);
      this.#offer?.resolve(false);
      this.#offer = undefined;
    }
  }

  #close(closed: { error: unknown }): void {
    if (this.#closed !== undefined) return;
    this.#closed = closed;
    this.#wakeConsumer();
  }

  #wakeConsumer(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}

const noError = Symbol("no error");
