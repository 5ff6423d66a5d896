// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// examples/_channel.ts: one value at a time from an awaiting producer to a for-await loop.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Channel } from "../../examples/_channel.ts";

describe("Channel", () => {
  it("resolves each push only when the loop asks for the next value", async () => {
    const channel = new Channel<number>();
    const log: string[] = [];
    const producer = (async () => {
      for (let i = 0; i < 3; i++) {
        log.push(`push ${i}`);
        assert.equal(await channel.push(i), true);
        log.push(`pushed ${i}`);
      }
      channel.end();
    })();
    for await (const value of channel) {
      log.push(`got ${value}`);
      await new Promise((resolve) => setTimeout(resolve, 1));
      log.push(`done ${value}`);
    }
    await producer;
    assert.deepEqual(log, [
      "push 0",
      "got 0",
      "done 0",
      "pushed 0",
      "push 1",
      "got 1",
      "done 1",
      "pushed 1",
      "push 2",
      "got 2",
      "done 2",
      "pushed 2",
    ]);
  });

  it("resolves a pending push false when the loop breaks, and later ones at once", async () => {
    const channel = new Channel<string>();
    const first = channel.push("a");
    for await (const value of channel) {
      assert.equal(value, "a");
      break;
    }
    assert.equal(await first, false);
    assert.equal(await channel.push("b"), false);
    assert.equal(channel.stopped, true);
  });

  it("throws the producer's error in the loop after the values before it", async () => {
    const channel = new Channel<number>();
    const boom = new Error("boom");
    void channel.push(1).then(() => channel.fail(boom));
    const seen: number[] = [];
    await assert.rejects(async () => {
      for await (const value of channel) seen.push(value);
    }, (e) => e === boom);
    assert.deepEqual(seen, [1]);
  });

  it("refuses a second pending push, a push after the end and a second loop", async () => {
    const channel = new Channel<number>();
    void channel.push(1);
    assert.throws(() => channel.push(2), TypeError);
    const iterator = channel[Symbol.asyncIterator]();
    assert.deepEqual(await iterator.next(), { value: 1, done: false });
    await assert.rejects(channel[Symbol.asyncIterator]().next(), TypeError);
    channel.end();
    assert.deepEqual(await iterator.next(), { value: undefined, done: true });
    const ended = new Channel<number>();
    ended.end();
    assert.throws(() => ended.push(1), TypeError);
  });
});
