// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// Native greenlets in the JS tree: C bodies from tests/fixtures/entries.zig run as Greenlets.

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { NativeGreenlet } from "../../native.ts";
import {
  formatGreenletTree,
  getcurrent,
  Greenlet,
  GreenletError,
  GreenletExit,
  settrace,
  type TraceArgs,
  type TraceEvent,
} from "../../mod.ts";
import { Flag, Stat, Status } from "../../ffi/constants.ts";
import type { NativeLibrary } from "../../ffi/_library.ts";
import { nativeStateOf } from "../../src/native_greenlet.ts";
import { storedValues } from "../../src/_native_values.ts";
import { type Entries, openNative } from "../ffi/_native.ts";
import { assertHealthy } from "../../testing/healthy.ts";
import { runtime } from "../../testing/runtime.ts";

let lib: NativeLibrary;
let entries: Entries;

function stacksInUse(): bigint {
  const values = new BigUint64Array(Stat.COUNT);
  const count = new Uint32Array(1);
  assert.equal(lib.symbols.greenlet_stats(values, Stat.COUNT, count), Status.OK);
  return values[Stat.STACKS_IN_USE];
}

/** The C flags of a native greenlet's handle, or the failing status as a negative number. */
function cFlags(g: Greenlet, handle = nativeStateOf(g)!): number {
  const out = new Uint32Array(1);
  const status = lib.symbols.greenlet_state(handle.slot, handle.generation, out);
  return status === Status.OK ? out[0] : -status;
}

describe("NativeGreenlet", () => {
  let stacks: bigint;
  let values: number;
  before(async () => {
    ({ lib, entries } = await openNative());
    stacks = stacksInUse();
    values = storedValues();
  });

  after(() => {
    assert.equal(stacksInUse(), stacks, "every native stack is back in the pool");
    assert.equal(storedValues(), values, "every value table entry is released");
    entries.table.close();
    lib.close();
  });

  it("finishes with its C result, which goes to the caller (main)", () => {
    const g = new NativeGreenlet(entries.finishSum, { arg: 40, name: "sum" });
    assert.equal(g.kind, "native");
    assert.equal(g.started, false);
    assert.equal(g.switchSync(2), 42);
    assert.equal(g.dead, true);
    assert.equal(g.active, false);
    assertHealthy();
  });

  it("sends to its JS parent and finishes into it; the parent is a JS greenlet", () => {
    const main = getcurrent();
    const log: unknown[] = [];
    const js = new Greenlet(function* () {
      const n = new NativeGreenlet(entries.echo, { arg: 100 });
      assert.equal(n.parent, getcurrent());
      log.push(yield* n.switch(1)); // echo sends arg + 1 to its parent: this body
      log.push(yield* n.switch(2));
      const object = { x: 1 };
      const echoed = new NativeGreenlet(entries.echo); // arg 0 passes values through
      log.push((yield* echoed.switch(object)) === object);
      log.push(yield* echoed.switch(undefined));
      log.push(yield* echoed.throw(new GreenletExit())); // it obeys: its result is the exit
      const sum = new NativeGreenlet(entries.finishSum, { arg: 5 });
      log.push(yield* sum.switch(6));
      yield* main.switch("paused");
      return n;
    });
    assert.equal(js.switchSync(), "paused");
    assert.deepEqual(log.slice(0, 4), [101, 102, true, undefined]);
    assert.ok(log[4] instanceof GreenletExit);
    assert.equal(log[5], 11);
    const n = js.switchSync() as Greenlet;
    assert.equal(js.dead, true);
    // n's parent died: killing n delivers its result (the GreenletExit) to main
    assert.ok(n.throwSync() instanceof GreenletExit);
    assert.equal(n.dead, true);
  });

  it("dead, active and started agree with the C side; the handle ends with the greenlet", () => {
    const g = new NativeGreenlet(entries.echo, { arg: 1, stackSize: 128 * 1024 });
    assert.equal(nativeStateOf(g)!.slot, 0, "no C greenlet before the start");
    assert.equal(g.switchSync(1), 2);
    const handle = { ...nativeStateOf(g)! };
    const flags = cFlags(g, handle);
    assert.equal(flags & (Flag.STARTED | Flag.ACTIVE | Flag.DEAD), Flag.STARTED | Flag.ACTIVE);
    assert.equal(g.started && g.active && !g.dead, true);
    assert.equal(g.switchSync(5), 6);
    assert.ok(g.throwSync() instanceof GreenletExit);
    assert.equal(g.dead, true);
    assert.equal(cFlags(g, handle), -Status.INVALID_HANDLE, "destroyed once dead");
    assert.equal(nativeStateOf(g)!.slot, 0);
  });

  it("a throw reaches the C body, which finishes with it: the error is raised in JS", () => {
    const g = new NativeGreenlet(entries.echo);
    g.switchSync(0);
    const boom = new Error("boom");
    assert.throws(() => g.throwSync(boom), (e) => e === boom);
    assert.equal(g.dead, true);
    const thrower = new NativeGreenlet(entries.throwSum, { arg: 1 });
    assert.throws(() => thrower.switchSync(2), (e) => e === 3);
    assert.equal(thrower.dead, true);
  });

  it("a throw or kill into a pending native greenlet kills it without creating it", () => {
    const g = new NativeGreenlet(entries.echo);
    assert.ok(g.throwSync() instanceof GreenletExit);
    assert.equal(g.dead, true);
    assert.equal(nativeStateOf(g)!.slot, 0);
  });

  it("a C body may ignore kills and throws; it stays alive until it finishes", () => {
    const g = new NativeGreenlet(entries.stubborn, { arg: 9 });
    assert.equal(g.switchSync(), 0);
    assert.equal(g.throwSync(), 2, "it saw GREENLET_TAG_KILL and switched back");
    assert.equal(g.active, true);
    assert.equal(g.throwSync(new Error("ignored")), 1, "it saw GREENLET_TAG_THROW");
    assert.equal(g.switchSync(0), 9);
    assert.equal(g.dead, true);
  });

  it("settrace sees switches into and out of native greenlets, and getcurrent() is it", () => {
    const events: [TraceEvent, string, string, boolean][] = [];
    const g = new NativeGreenlet(entries.echo, { name: "echo" });
    settrace((event: TraceEvent, { origin, target }: TraceArgs) => {
      events.push([event, origin.name, target.name, getcurrent() === target]);
    });
    try {
      assert.equal(g.switchSync(3), 3);
      g.throwSync();
    } finally {
      settrace(null);
    }
    assert.deepEqual(events, [
      ["switch", "main", "echo", true],
      ["switch", "echo", "main", true],
      ["throw", "main", "echo", true],
      ["switch", "echo", "main", true],
    ]);
  });

  it("formatGreenletTree() shows native greenlets with their kind", () => {
    const g = new NativeGreenlet(entries.echo, { name: "tree" });
    g.switchSync(0);
    try {
      assert.match(
        formatGreenletTree([g]),
        /[├└]─ <Greenlet tree#\d+ native suspended active started>/,
      );
    } finally {
      g.throwSync();
    }
    assert.match(String(g), /native dead/);
  });

  it("using kills it when the block ends, and the C body obeys", () => {
    let seen: Greenlet;
    {
      using g = new NativeGreenlet(entries.echo);
      seen = g;
      assert.equal(g.switchSync(7), 7);
    }
    assert.equal(seen.dead, true);
    {
      using pending = new NativeGreenlet(entries.echo);
      seen = pending;
    }
    assert.equal(seen.dead, true);
  });

  it("switchAsync, throwAsync and await using drive it like a JS greenlet", async () => {
    const g = new NativeGreenlet(entries.echo, { arg: 10 });
    assert.equal(await g.switchAsync(1), 11);
    const boom = new Error("async boom");
    await assert.rejects(g.throwAsync(boom), (e) => e === boom);
    let seen: Greenlet;
    {
      await using h = new NativeGreenlet(entries.echo);
      seen = h;
      assert.deepEqual(await h.switchAsync("a", "b"), ["a", "b"]);
    }
    assert.equal(seen.dead, true);
  });

  it("bad inputs: TypeError and RangeError at the boundary, GreenletError from the library", () => {
    assert.throws(() => new NativeGreenlet(null), { name: "TypeError", message: /null pointer/ });
    assert.throws(() => new NativeGreenlet(0), { name: "TypeError", message: /null pointer/ });
    for (const bad of ["f", {}, -1, 1.5, undefined, () => 0]) {
      assert.throws(() => new NativeGreenlet(bad), TypeError);
    }
    assert.throws(() => new NativeGreenlet(entries.echo, { arg: -1 }), RangeError);
    assert.throws(() => new NativeGreenlet(entries.echo, { arg: "1" as never }), TypeError);
    assert.throws(() => new NativeGreenlet(entries.echo, { stackSize: -1 }), RangeError);
    assert.throws(() => new NativeGreenlet(entries.echo, { stackSize: "1" as never }), TypeError);
    assert.throws(() => new NativeGreenlet(entries.echo, { parent: 1 as never }), TypeError);
    const pending = new NativeGreenlet(entries.finishSum, { arg: 1 });
    assert.throws(() => {
      pending.run = function* () {};
    }, { name: "TypeError", message: /its body is its C function/ });
    assert.equal(pending.switchSync(1), 2);
    const huge = new NativeGreenlet(entries.echo, { stackSize: 2 ** 40 });
    assert.throws(
      () => huge.switchSync(),
      (e) =>
        e instanceof GreenletError && e.code === "NATIVE_CALL" &&
        /invalid_stack_size/.test(e.message),
    );
    assert.equal(huge.dead, true);
    assertHealthy();
  });
});

describe("NativeGreenlet and the garbage collector (subprocess)", () => {
  it("a dropped native greenlet is killed; one that ignores kills keeps its stack, reported", () => {
    const script = fileURLToPath(new URL("../fixtures/native_gc_child.ts", import.meta.url));
    const [cmd, ...args] = runtime.command(script);
    const child = spawnSync(cmd, args, { encoding: "utf8" });
    const line = child.stdout.trim().split("\n").pop() ?? "";
    assert.ok(line.startsWith("{"), `no result:\n${child.stderr}`);
    const result = JSON.parse(line);
    assert.equal(result.alive, result.before + 2);
    assert.equal(result.after, result.before + 1);
    assert.equal(result.reported.length, 1);
    assert.match(result.reported[0], /^CLEANUP_SWITCH: GreenletExit did not kill native@/);
  });
});
