// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// The direct switch: switchSync() from ordinary code into a native greenlet that waits in its
// switch to its parent sends straight to its C side (switchDirect() in src/_trampoline.ts,
// Run.sendDirect in src/_native_transfer.ts). Each test checks that the direct path was taken
// (or not) and that what came back other than a plain value (a callback, a finish, a throw, a
// kill, another native greenlet's switch) reaches the JS tree exactly as through the loop.

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { nativeCallback, NativeGreenlet } from "../../native.ts";
import {
  awaitOnly,
  getcurrent,
  Greenlet,
  GreenletError,
  GreenletExit,
  type Instruction,
  settrace,
  setUnraisableHook,
  type TraceEvent,
  type Unraisable,
} from "../../mod.ts";
import { sleep, spawn } from "../../hub/mod.ts";
import type { NativeLibrary } from "../../ffi/_library.ts";
import { pointerAddress } from "../../ffi/_pointer.ts";
import { nativeStateOf } from "../../src/native_greenlet.ts";
import { directSwitchCounts } from "../../src/_native_transfer.ts";
import { storedValues } from "../../src/_native_values.ts";
import { openCallbacks } from "../../src/_native_callbacks.ts";
import { foreign } from "../../src/_native_host.ts";
import { type Entries, openNative, stacksInUse } from "../ffi/_native.ts";
import { handleWord } from "./_bridge.ts";
import { assertHealthy } from "../../testing/healthy.ts";

let lib: NativeLibrary;
let entries: Entries;

/** The direct switches made and handed over while `action` runs. */
function counted(action: () => void): { made: number; handedOver: number } {
  const before = directSwitchCounts();
  action();
  const after = directSwitchCounts();
  return { made: after.made - before.made, handedOver: after.handedOver - before.handedOver };
}

const usize = { parameters: ["usize"], result: "usize" } as const;

describe("the direct switch into a native greenlet", () => {
  let stacks: number;
  let values: number;
  let slots: number;
  before(async () => {
    ({ lib, entries } = await openNative());
    stacks = stacksInUse(lib);
    values = storedValues();
    slots = openCallbacks();
  });

  after(() => {
    assert.equal(stacksInUse(lib), stacks, "every native stack is back in the pool");
    assert.equal(storedValues(), values, "every value table entry is released");
    assert.equal(openCallbacks(), slots, "every callback slot is released");
    entries.table.close();
    lib.close();
  });

  it("answers a value switched back without the loop; the tree is as after a switch", () => {
    const main = getcurrent();
    const g = new NativeGreenlet(entries.script);
    // The start goes through the loop: the greenlet waits in its switch to main afterwards.
    assert.deepEqual(counted(() => assert.equal(g.switchSync(1), 1)), { made: 0, handedOver: 0 });
    const object = { x: 1 };
    const list: unknown[] = [];
    assert.deepEqual(
      counted(() => {
        list.push(g.switchSync(2), g.switchSync(object), g.switchSync("s"), g.switchSync());
        list.push(g.switchSync(2 ** 40), g.switchSync(-1), g.switchSync(7, 8));
        // Around the u32 words the direct switch writes and reads itself.
        list.push(g.switchSync(0), g.switchSync(2 ** 32 - 1), g.switchSync(2 ** 32));
        list.push(g.switchSync(1.5), g.switchSync(-0), g.switchSync(2n ** 40n));
      }),
      { made: 13, handedOver: 0 },
    );
    assert.deepEqual(list, [
      2,
      object,
      "s",
      undefined,
      2 ** 40,
      -1,
      [7, 8],
      0,
      2 ** 32 - 1,
      2 ** 32,
      1.5,
      0,
      2n ** 40n,
    ]);
    assert.equal(list[1], object, "the same object comes back");
    assert.equal(getcurrent(), main);
    assert.equal(g.parent, main);
    assert.deepEqual([g.active, g.dead, g.started], [true, false, true]);
    assert.match(String(g), /suspended active started/);
    assert.ok(g.throwSync() instanceof GreenletExit);
    assert.equal(g.dead, true);
    assertHealthy();
  });

  it("a C function that finishes during it: its result reaches the caller, it is dead", () => {
    const g = new NativeGreenlet(entries.script);
    g.switchSync(1);
    assert.deepEqual(counted(() => assert.equal(g.switchSync(1500), 1500)), {
      made: 1,
      handedOver: 1,
    });
    assert.deepEqual([g.dead, g.active], [true, false]);
    assert.equal(nativeStateOf(g)!.slot, 0, "the handle is destroyed");
    // A dead greenlet: a switch goes to its parent (main) through the loop.
    assert.deepEqual(counted(() => assert.equal(g.switchSync(3), 3)), { made: 0, handedOver: 0 });
    assertHealthy();
  });

  it("reports a callback refused since the last look, and still answers directly", () => {
    const g = new NativeGreenlet(entries.script);
    g.switchSync(1);
    // A released callback's code called from C on the main stack returns its fallback and
    // counts a misuse, without any JS looking at the count: the next direct switch reports it.
    const stale = nativeCallback(usize, (x) => x);
    const address = pointerAddress(stale.pointer)!;
    stale.close();
    assert.equal(Number(foreign().functionAt(address, usize)(5n)), 0, "the fallback");
    const reports: Unraisable[] = [];
    const previous = setUnraisableHook((report) => {
      reports.push(report);
    });
    try {
      assert.deepEqual(counted(() => assert.equal(g.switchSync(6), 6)), {
        made: 1,
        handedOver: 0,
      });
      assert.deepEqual(counted(() => assert.equal(g.switchSync(7), 7)), {
        made: 1,
        handedOver: 0,
      });
    } finally {
      setUnraisableHook(previous);
    }
    assert.deepEqual(
      reports.map((report) => (report.error as GreenletError).code),
      ["CALLBACK_REFUSED"],
      "reported once, at the first switch after the misuse",
    );
    assert.ok(g.throwSync() instanceof GreenletExit);
    assertHealthy();
  });

  it("a throw or a kill from C to its parent during it is raised in the caller", () => {
    const g = new NativeGreenlet(entries.script);
    g.switchSync(1);
    assert.deepEqual(
      counted(() => assert.throws(() => g.switchSync(2500), (e) => e === 2500)),
      { made: 1, handedOver: 1 },
    );
    assert.equal(g.active, true);
    assert.deepEqual(
      counted(() => assert.throws(() => g.switchSync(3500), GreenletExit)),
      { made: 1, handedOver: 1 },
    );
    assert.equal(g.active, true);
    // It waits in its switch to main again: the next switch is direct.
    assert.deepEqual(counted(() => assert.equal(g.switchSync(4), 4)), { made: 1, handedOver: 0 });
    const error = new Error("into C");
    assert.throws(() => g.throwSync(error), (e) => e === error);
    assert.equal(g.dead, true);
    assertHealthy();
  });

  it("a callback arriving during it runs as the greenlet, then C's answer comes back", () => {
    const main = getcurrent();
    const seen: unknown[] = [];
    using callback = nativeCallback(usize, (value) => {
      seen.push(getcurrent(), (value as bigint) - 4000n);
      return (value as bigint) + 1n;
    });
    const g = new NativeGreenlet(entries.script, { arg: pointerAddress(callback.pointer)! });
    g.switchSync(1);
    assert.deepEqual(counted(() => assert.equal(g.switchSync(4000), 4001)), {
      made: 1,
      handedOver: 1,
    });
    assert.deepEqual(seen, [g, 0n]);
    assert.equal(getcurrent(), main);
    assert.deepEqual(counted(() => assert.equal(g.switchSync(5), 5)), { made: 1, handedOver: 0 });
    assert.ok(g.throwSync() instanceof GreenletExit);
    assertHealthy();
  });

  it("a handler that switches away: the greenlet waits in the handler, not in a direct switch", () => {
    const main = getcurrent();
    using callback = nativeCallback(
      usize,
      function* (value): Generator<Instruction, bigint, unknown> {
        const more = yield* main.switch("in the handler");
        return (value as bigint) + BigInt(more as number);
      },
    );
    const g = new NativeGreenlet(entries.script, { arg: pointerAddress(callback.pointer)! });
    g.switchSync(1);
    assert.deepEqual(counted(() => assert.equal(g.switchSync(4000), "in the handler")), {
      made: 1,
      handedOver: 1,
    });
    // The reply goes to the handler's switch, through the loop.
    assert.deepEqual(counted(() => assert.equal(g.switchSync(7), 4007)), {
      made: 0,
      handedOver: 0,
    });
    assert.deepEqual(counted(() => assert.equal(g.switchSync(8), 8)), { made: 1, handedOver: 0 });
    assert.ok(g.throwSync() instanceof GreenletExit);
    assertHealthy();
  });

  it("a handler that raises: C gets the fallback, the greenlet dies with the error when C ends", () => {
    const boom = new Error("boom");
    using callback = nativeCallback({ ...usize, fallback: 1500 }, () => {
      throw boom;
    });
    const g = new NativeGreenlet(entries.script, { arg: pointerAddress(callback.pointer)! });
    g.switchSync(1);
    // The fallback (1500) is sent to main; the entry form's later callbacks get it too.
    assert.deepEqual(counted(() => assert.equal(g.switchSync(4000), 1500)), {
      made: 1,
      handedOver: 1,
    });
    assert.equal(g.active, true);
    // 1500 finishes the C function: the greenlet dies with the handler's error.
    assert.throws(() => g.switchSync(1500), (e) => e === boom);
    assert.equal(g.dead, true);
    assertHealthy();
  });

  it("a tracer, set before or by a callback during it, sees every switch: no direct switch", () => {
    const main = getcurrent();
    const events: [TraceEvent, Greenlet, Greenlet][] = [];
    const tracer = (
      event: TraceEvent,
      { origin, target }: { origin: Greenlet; target: Greenlet },
    ) => events.push([event, origin, target]);
    using callback = nativeCallback(usize, (value) => {
      settrace(tracer);
      return value;
    });
    const g = new NativeGreenlet(entries.script, { arg: pointerAddress(callback.pointer)! });
    g.switchSync(1);
    try {
      // The callback installs the tracer during a direct switch: the switch back to main that
      // follows it is traced, as it would be through the loop.
      assert.deepEqual(counted(() => assert.equal(g.switchSync(4000), 4000)), {
        made: 1,
        handedOver: 1,
      });
      assert.deepEqual(events, [["switch", g, main]]);
      events.length = 0;
      assert.deepEqual(counted(() => assert.equal(g.switchSync(2), 2)), {
        made: 0,
        handedOver: 0,
      });
      assert.deepEqual(events, [["switch", main, g], ["switch", g, main]]);
    } finally {
      settrace(null);
    }
    assert.deepEqual(counted(() => assert.equal(g.switchSync(3), 3)), { made: 1, handedOver: 0 });
    assert.ok(g.throwSync() instanceof GreenletExit);
    assertHealthy();
  });

  it("another native greenlet's switch inside C during it is passed on in the JS tree", () => {
    const b = new NativeGreenlet(entries.script);
    assert.equal(b.switchSync(1), 1);
    const a = new NativeGreenlet(entries.sibling, { arg: handleWord(b) });
    // a switches to b with 6 inside C; b sends it to its parent, main.
    assert.equal(a.switchSync(5), 6);
    // main answers a's switch to b: a sends it to main and waits in that switch.
    assert.equal(a.switchSync(20), 20);
    // Direct into a: it switches to b with 8 inside C, and b sends 8 to main (an arrival).
    assert.deepEqual(counted(() => assert.equal(a.switchSync(7), 8)), {
      made: 1,
      handedOver: 1,
    });
    assert.equal(getcurrent().kind, "main");
    assert.deepEqual([a.active, b.active], [true, true]);
    // b waits in its switch to main: direct; a waits in its switch to b: through the loop.
    assert.deepEqual(counted(() => assert.equal(b.switchSync(9), 9)), { made: 1, handedOver: 0 });
    assert.ok(a.throwSync() instanceof GreenletExit);
    assert.ok(b.throwSync() instanceof GreenletExit);
    assertHealthy();
  });

  it("a parent other than main, or a switch from a body, goes through the loop", () => {
    const main = getcurrent();
    const g = new NativeGreenlet(entries.script);
    g.switchSync(1);
    const log: unknown[] = [];
    const js = new Greenlet(function* () {
      log.push(yield* main.switch("waiting"));
      log.push(yield* g.switch(11)); // from a body: g sends 11 to its parent, this body
      return "js done";
    });
    js.switchSync();
    g.parent = js;
    assert.deepEqual(
      counted(() => assert.equal(g.switchSync(10), "js done")), // 10 goes to js, which returns
      { made: 0, handedOver: 0 },
    );
    assert.deepEqual(log, [10, 11]);
    assert.deepEqual([g.parent, js.dead], [js, true]);
    // A dead parent: what g sends goes to its nearest live ancestor, main, through the loop.
    assert.deepEqual(counted(() => assert.equal(g.switchSync(15), 15)), {
      made: 0,
      handedOver: 0,
    });
    g.parent = main;
    assert.deepEqual(counted(() => assert.equal(g.switchSync(12), 12)), {
      made: 1,
      handedOver: 0,
    });
    // switchSync() inside a body is refused, as for any greenlet.
    const body = new Greenlet(function* () {
      return g.switchSync(13);
    });
    assert.throws(
      () => body.switchSync(),
      (e) => e instanceof GreenletError && e.code === "REENTRANT_DRIVER",
    );
    assert.equal(g.switchSync(14), 14);
    assert.ok(g.throwSync() instanceof GreenletExit);
    assertHealthy();
  });

  it("under switchAsync: a handler awaits, and switchSync meanwhile is refused (AWAITING)", async () => {
    let release!: (value: bigint) => void;
    const later = new Promise<bigint>((resolve) => release = resolve);
    using callback = nativeCallback(
      usize,
      function* (value): Generator<Instruction, bigint, unknown> {
        return (value as bigint) + (yield* awaitOnly(later));
      },
    );
    const g = new NativeGreenlet(entries.script, { arg: pointerAddress(callback.pointer)! });
    assert.equal(await g.switchAsync(1), 1);
    const pending = g.switchAsync(4000);
    assert.throws(
      () => g.switchSync(2),
      (e) => e instanceof GreenletError && e.code === "AWAITING",
    );
    release(5n);
    assert.equal(await pending, 4005);
    assert.deepEqual(counted(() => assert.equal(g.switchSync(3), 3)), { made: 1, handedOver: 0 });
    assert.equal(await g.switchAsync(4), 4);
    assert.ok(g.throwSync() instanceof GreenletExit);
    assertHealthy();
  });

  it("hub tasks switch into their own native child while main switches directly", async () => {
    const g = new NativeGreenlet(entries.script);
    g.switchSync(1);
    const log: unknown[] = [];
    const task = spawn(function* () {
      const child = new NativeGreenlet(entries.script); // its parent is the task
      for (let i = 0; i < 3; i++) {
        log.push(yield* child.switch(100 + i));
        yield* sleep(1);
      }
      log.push(yield* child.switch(1999)); // finishes
      return child.dead;
    });
    let direct = 0;
    while (!task.ready()) {
      direct += counted(() => assert.equal(g.switchSync(5), 5)).made;
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    assert.equal(await task.get(), true);
    assert.deepEqual(log, [100, 101, 102, 1999]);
    assert.ok(direct > 0);
    assert.ok(g.throwSync() instanceof GreenletExit);
    assertHealthy();
  });
});
