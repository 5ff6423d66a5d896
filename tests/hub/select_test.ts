// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { after, Channel, select, sleep, spawn } from "../../hub/mod.ts";
import { assertHealthy } from "../../testing/healthy.ts";
import { run } from "./_run.ts";

describe("select", () => {
  it("takes the case that becomes ready and withdraws the others", async () => {
    const a = new Channel<number>();
    const b = new Channel<number>();
    await run(function* () {
      spawn(function* () {
        yield* sleep(1);
        yield* b.send(2);
      });
      const got = yield* select(a.onReceive((v) => `a${v}`), b.onReceive((v) => `b${v}`));
      assert.equal(got, "b2");
      assert.equal(a.balance, 0, "the other case stayed on its channel");
      assert.equal(b.balance, 0);
    });
    assertHealthy();
  });

  it("sends with onSend and times out with after()", async () => {
    const ch = new Channel<string>();
    await run(function* () {
      const receiver = spawn(function* () {
        return yield* ch.receive();
      });
      yield* sleep(0);
      const sent = yield* select(ch.onSend("hello", () => "sent"), after(50, () => "late"));
      assert.equal(sent, "sent");
      assert.equal(yield* receiver.get(), "hello");
      const timed = yield* select(ch.onReceive(() => "got"), after(1, () => "timeout"));
      assert.equal(timed, "timeout");
      assert.equal(ch.balance, 0);
      assert.equal(yield* select(ch.onReceive(() => "got"), after(0, () => "default")), "default");
    });
    assertHealthy();
  });

  it("picks fairly among ready cases", async () => {
    const a = new Channel<string>();
    const b = new Channel<string>();
    const counts = { a: 0, b: 0 };
    await run(function* () {
      const senders = [a, b].map((ch, i) =>
        spawn(function* () {
          for (;;) yield* ch.send(i === 0 ? "a" : "b");
        })
      );
      yield* sleep(0);
      for (let i = 0; i < 200; i++) {
        const v = yield* select(a.onReceive((v) => v), b.onReceive((v) => v));
        counts[v as "a" | "b"]++;
        yield* sleep(0);
      }
      for (const s of senders) yield* s.kill();
    });
    assert.ok(counts.a > 40 && counts.b > 40, JSON.stringify(counts));
    assertHealthy();
  });

  it("a closed channel raises CHANNEL_CLOSED from select", async () => {
    const ch = new Channel<number>();
    await run(function* () {
      const t = spawn(function* () {
        return yield* select(ch.onReceive((v) => v));
      });
      yield* sleep(0);
      ch.close();
      yield* t.join();
      assert.equal((t.exception as { code?: string }).code, "CHANNEL_CLOSED");
    });
    assertHealthy();
  });

  it("works from ordinary code and checks its cases", async () => {
    const ch = new Channel<number>();
    spawn(function* () {
      yield* ch.send(4);
    });
    assert.equal(await select(ch.onReceive((v) => v * 2)), 8);
    assert.throws(() => select(), TypeError);
    assert.throws(() => select({} as never), TypeError);
    assertHealthy();
  });

  it("a value a select received is offered again if it is killed before it runs", async () => {
    const a = new Channel<string>({ preference: 0 });
    const b = new Channel<string>();
    await run(function* () {
      const selecting = spawn(function* () {
        return yield* select(a.onReceive((v) => v), b.onReceive((v) => v));
      });
      yield* sleep(0); // the select waits on both channels
      yield* a.send("precious"); // preference 0: the select is only scheduled
      yield* selecting.kill();
      assert.equal(a.balance, 1);
      assert.equal(b.balance, 0);
      assert.equal(yield* a.receive(), "precious");
    });
    assertHealthy();
  });
});
