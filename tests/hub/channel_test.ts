// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// Channel: Stackless rules (rendezvous, balance, preference, sendThrow, close).

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { GreenletError, GreenletExit } from "../../mod.ts";
import { Channel, type ChannelPreference, sleep, spawn, type Task } from "../../hub/mod.ts";
import { assertHealthy } from "../../testing/healthy.ts";
import { run } from "./_run.ts";

/** Who logs first after a send to a blocked receiver, under each preference. */
async function sendToBlockedReceiver(preference: ChannelPreference): Promise<string[]> {
  const log: string[] = [];
  const ch = new Channel<number>({ preference });
  await run(function* () {
    const receiver = spawn(function* () {
      const v = yield* ch.receive();
      log.push(`received ${v}`);
    });
    yield* sleep(0); // the receiver blocks
    assert.equal(ch.balance, -1);
    yield* ch.send(1);
    log.push("sent");
    yield* receiver.join();
  });
  return log;
}

/** Who logs first after a receive from a blocked sender, under each preference. */
async function receiveFromBlockedSender(preference: ChannelPreference): Promise<string[]> {
  const log: string[] = [];
  const ch = new Channel<number>({ preference });
  await run(function* () {
    const sender = spawn(function* () {
      yield* ch.send(1);
      log.push("sent");
    });
    yield* sleep(0); // the sender blocks
    assert.equal(ch.balance, 1);
    const v = yield* ch.receive();
    log.push(`received ${v}`);
    yield* sender.join();
  });
  return log;
}

describe("Channel", () => {
  it("send() waits for a receiver and receive() for a sender (rendezvous)", async () => {
    const log: string[] = [];
    const ch = new Channel<string>();
    await run(function* () {
      const sender = spawn(function* () {
        log.push("send");
        yield* ch.send("x");
        log.push("send returned");
      });
      yield* sleep(5);
      assert.deepEqual(log, ["send"], "send returned without a receiver");
      log.push(`got ${yield* ch.receive()}`);
      yield* sender.join();
    });
    assert.deepEqual(log, ["send", "got x", "send returned"]);
    assertHealthy();
  });

  it("balance counts blocked senders minus blocked receivers", async () => {
    const ch = new Channel<number>();
    await run(function* () {
      assert.equal(ch.balance, 0);
      const senders = [1, 2, 3].map((n) =>
        spawn(function* () {
          yield* ch.send(n);
        })
      );
      yield* sleep(0);
      assert.equal(ch.balance, 3);
      const got = [yield* ch.receive(), yield* ch.receive(), yield* ch.receive()];
      assert.deepEqual(got, [1, 2, 3]);
      assert.equal(ch.balance, 0);
      const receivers = [1, 2].map(() =>
        spawn(function* () {
          return yield* ch.receive();
        })
      );
      yield* sleep(0);
      assert.equal(ch.balance, -2);
      yield* ch.send(10);
      yield* ch.send(20);
      assert.deepEqual([yield* receivers[0].get(), yield* receivers[1].get()], [10, 20]);
      for (const t of senders) yield* t.join();
    });
    assertHealthy();
  });

  it("preference -1 (the default) runs the receiver first", async () => {
    assert.equal(new Channel().preference, -1);
    assert.deepEqual(await sendToBlockedReceiver(-1), ["received 1", "sent"]);
    assert.deepEqual(await receiveFromBlockedSender(-1), ["received 1", "sent"]);
    assertHealthy();
  });

  it("preference 1 runs the sender first", async () => {
    assert.deepEqual(await sendToBlockedReceiver(1), ["sent", "received 1"]);
    assert.deepEqual(await receiveFromBlockedSender(1), ["sent", "received 1"]);
    assertHealthy();
  });

  it("preference 0 runs neither: the caller goes on and the woken side is scheduled", async () => {
    assert.deepEqual(await sendToBlockedReceiver(0), ["sent", "received 1"]);
    assert.deepEqual(await receiveFromBlockedSender(0), ["received 1", "sent"]);
    assertHealthy();
  });

  it("a bad preference is a RangeError", () => {
    assert.throws(() => new Channel({ preference: 2 as never }), RangeError);
    assert.throws(() => {
      new Channel().preference = -2 as never;
    }, RangeError);
  });

  it("sendThrow(error) raises that error in the receiver", async () => {
    const error = new RangeError("from the sender");
    const ch = new Channel<number>();
    await run(function* () {
      const receiver = spawn(function* () {
        return yield* ch.receive();
      });
      yield* sleep(0);
      yield* ch.sendThrow(error);
      yield* receiver.join();
      assert.equal(receiver.exception, error);
      // and with the sender blocked first
      spawn(function* () {
        yield* ch.sendThrow(error);
      });
      yield* sleep(0);
      assert.throws(() => {
        throw ch.balance === 1 ? error : new Error("sender not blocked");
      }, RangeError);
      try {
        yield* ch.receive();
        assert.fail("receive() did not raise");
      } catch (e) {
        assert.equal(e, error);
      }
    });
    assertHealthy();
  });

  it("close() refuses sends, lets blocked senders deliver, then reads closed", async () => {
    const ch = new Channel<number>();
    await run(function* () {
      const sender = spawn(function* () {
        yield* ch.send(7);
      });
      yield* sleep(0);
      ch.close();
      assert.equal(ch.closing, true);
      assert.equal(ch.closed, false, "closed while a sender is still blocked");
      assert.equal(ch.balance, 1);
      try {
        yield* ch.send(8);
        assert.fail("send on a closing channel did not raise");
      } catch (e) {
        assert.ok(e instanceof GreenletError);
        assert.equal(e.code, "CHANNEL_CLOSED");
      }
      assert.equal(yield* ch.receive(), 7);
      assert.equal(ch.closed, true);
      try {
        yield* ch.receive();
        assert.fail("receive from a closed, empty channel did not raise");
      } catch (e) {
        assert.ok(e instanceof GreenletError);
        assert.equal(e.code, "CHANNEL_CLOSED");
      }
      yield* sender.join();
      assert.equal(sender.successful(), true);
    });
    assertHealthy();
  });

  it("receivers blocked at close() get CHANNEL_CLOSED", async () => {
    const ch = new Channel<number>();
    await run(function* () {
      const receiver = spawn(function* () {
        return yield* ch.receive();
      });
      yield* sleep(0);
      ch.close();
      yield* receiver.join();
      assert.equal((receiver.exception as GreenletError).code, "CHANNEL_CLOSED");
    });
    assertHealthy();
  });

  it("works from ordinary code with await", async () => {
    const ch = new Channel<string>();
    const echo = spawn(function* () {
      const v = yield* ch.receive();
      yield* ch.send(v + "!");
    });
    await ch.send("hi");
    assert.equal(await ch.receive(), "hi!");
    await echo.join();
    assertHealthy();
  });

  it("a killed receiver is taken off the channel", async () => {
    const ch = new Channel<number>();
    await run(function* () {
      const receiver = spawn(function* () {
        yield* ch.receive();
      });
      yield* sleep(0);
      assert.equal(ch.balance, -1);
      yield* receiver.kill();
      assert.equal(ch.balance, 0);
    });
    assertHealthy();
  });

  it("ping-pong keeps order over many rounds", async () => {
    const a = new Channel<number>();
    const b = new Channel<number>();
    const n = await run(function* () {
      const echo = spawn(function* () {
        for (;;) yield* b.send((yield* a.receive()) + 1);
      });
      let n = 0;
      for (let i = 0; i < 1000; i++) {
        yield* a.send(n);
        n = yield* b.receive();
      }
      yield* echo.kill();
      return n;
    });
    assert.equal(n, 1000);
    assertHealthy();
  });
});

describe("Channel hand-over", () => {
  it("a value handed to a receiver killed before it runs is offered again", async () => {
    const ch = new Channel<string>({ preference: 0 });
    await run(function* () {
      const receiver = spawn(function* () {
        return yield* ch.receive();
      });
      yield* sleep(0); // the receiver blocks
      yield* ch.send("precious"); // preference 0: the receiver is only scheduled
      yield* receiver.kill();
      assert.equal(ch.balance, 1, "the value waits on the channel like a blocked sender");
      assert.equal(ch.closed, false);
      assert.equal(yield* ch.receive(), "precious");
      assert.equal(ch.balance, 0);
    });
    assertHealthy();
  });

  it("goes to the next blocked receiver, and a sendThrow stays a throw", async () => {
    const ch = new Channel<string>({ preference: 1 });
    await run(function* () {
      const first = spawn(function* () {
        return yield* ch.receive();
      });
      const second = spawn(function* () {
        return yield* ch.receive();
      });
      yield* sleep(0);
      yield* ch.send("one"); // preference 1: the sender goes on, the first receiver waits to run
      yield* first.kill();
      assert.equal(yield* second.get(), "one");
      const third = spawn(function* () {
        return yield* ch.receive();
      });
      yield* sleep(0);
      yield* ch.sendThrow(new RangeError("bad"));
      yield* third.kill();
      assert.equal(ch.balance, 1);
      try {
        yield* ch.receive();
        assert.fail("not reached");
      } catch (e) {
        assert.ok(e instanceof RangeError);
      }
    });
    assertHealthy();
  });

  it("a receiver that ran its sender first (preference 1) and is killed gives the value back", async () => {
    const ch = new Channel<string>({ preference: 1 });
    await run(function* () {
      // deno-lint-ignore prefer-const
      let receiver: Task<string>;
      spawn(function* () {
        yield* ch.send("kept"); // blocks until the receiver comes
        yield* receiver.kill(); // runs first: the receiver has the value but has not run
      });
      yield* sleep(0);
      receiver = spawn(function* () {
        return yield* ch.receive();
      });
      yield* receiver.join();
      assert.ok((receiver.value as unknown) instanceof GreenletExit, "killed before it ran");
      assert.equal(yield* ch.receive(), "kept");
    });
    assertHealthy();
  });
});
