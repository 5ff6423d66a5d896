// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// Callbacks answered by JS: on native greenlets (the handler runs as part of the greenlet and
// may switch and await while the C code stays suspended), on the main stack (the runtime's own
// callback), from another thread (the fallback, reported); errors and kills (part 5).

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import {
  awaitOnly,
  getcurrent,
  Greenlet,
  GreenletError,
  GreenletExit,
  setUnraisableHook,
  type Unraisable,
} from "../../mod.ts";
import {
  addressOf,
  nativeCallback,
  type NativeFunction,
  nativeFunction,
  NativeGreenlet,
  pointerOf,
  viewAt,
} from "../../native.ts";
import type { NativePointer } from "../../ffi/_binding.ts";
import { dlopen } from "../../ffi/_dlopen.ts";
import { assertHealthy } from "../../testing/healthy.ts";
import { runtime } from "../../testing/runtime.ts";
import {
  type Baseline,
  baseline,
  bridgeTable,
  fixturePath,
  libcName,
  libcTable,
} from "./_bridge.ts";

const compareSignature = { parameters: ["pointer", "pointer"], result: "i32" } as const;
const sumSignature = { parameters: ["i32"], result: "i32" } as const;

function int32At(pointer: NativePointer): number {
  return viewAt(pointer, 4).getInt32(0, true);
}

/** Runs `body` with an unraisable hook that collects the reports. */
function collectUnraisable(body: () => void): Unraisable[] {
  const reports: Unraisable[] = [];
  const previous = setUnraisableHook((report) => {
    reports.push(report);
  });
  try {
    body();
  } finally {
    setUnraisableHook(previous);
  }
  return reports;
}

describe("nativeCallback()", () => {
  let base: Baseline;
  before(async () => {
    base = await baseline();
  });
  after(() => base.end());

  it("answers libc qsort's compares on a native greenlet, as part of it", () => {
    let calls = 0;
    let current: Greenlet | undefined;
    using compare = nativeCallback(compareSignature, (a, b) => {
      calls++;
      current = getcurrent();
      return int32At(a) - int32At(b);
    });
    const numbers = Int32Array.from({ length: 200 }, (_, i) => (i * 7919) % 1000 - 500);
    const g = new NativeGreenlet(base.libc.symbols.qsort, { name: "sort" });
    assert.equal(g.switchSync(numbers, numbers.length, 4, compare), undefined);
    assert.deepEqual([...numbers], [...numbers].sort((x, y) => x - y));
    assert.ok(calls > 200);
    assert.equal(current, g);
    assert.equal(g.dead, true);
    assertHealthy();
  });

  it("answers on the main stack through the user's own dlopen (the runtime's callback)", async () => {
    const own = await dlopen(libcName, { qsort: libcTable.qsort });
    try {
      let current: Greenlet | undefined;
      using compare = nativeCallback(compareSignature, (a, b) => {
        current = getcurrent();
        return int32At(a) - int32At(b);
      });
      const numbers = new Int32Array([9, -1, 5, 3]);
      own.symbols.qsort(numbers, 4n, 4n, compare.pointer);
      assert.deepEqual([...numbers], [-1, 3, 5, 9]);
      assert.equal(current, getcurrent(), "it ran synchronously in the caller (main)");
    } finally {
      own.close();
    }
    assertHealthy();
  });

  it("passes every argument class the same way on a greenlet and on the main stack", async () => {
    const seen: unknown[][] = [];
    using apply = nativeCallback(
      { parameters: ["i8", "f64", "u32", "f32", "i64", "bool"], result: "f64" },
      (...args) => {
        seen.push(args);
        return 42.5;
      },
    );
    assert.equal(new NativeGreenlet(base.fx.symbols.test_bridge_apply).switchSync(apply), 42.5);
    const own = await dlopen(fixturePath(), {
      test_bridge_apply: { parameters: ["function"], result: "f64" },
    });
    try {
      assert.equal(own.symbols.test_bridge_apply(apply.pointer), 42.5);
    } finally {
      own.close();
    }
    const expected = [-7, 0.5, 0xffff_fff0, 1.25, -(2n ** 40n), true];
    assert.deepEqual(seen, [expected, expected]);
    using f32 = nativeCallback({ parameters: ["f32", "u8"], result: "f32" }, (x, y) => x * y);
    assert.equal(
      new NativeGreenlet(base.fx.symbols.test_bridge_apply_f32).switchSync(f32, 1.5),
      300,
    );
  });

  it("returns 64-bit, bool and pointer results the same way on a greenlet and the main stack", async () => {
    const fx = base.fx.symbols;
    const own = await dlopen(fixturePath(), {
      test_bridge_call_u64: bridgeTable.test_bridge_call_u64,
      test_bridge_call_bool: bridgeTable.test_bridge_call_bool,
      test_bridge_call_pointer: bridgeTable.test_bridge_call_pointer,
    });
    try {
      using wide = nativeCallback({ parameters: ["u64"], result: "u64" }, (x) => x * 2n + 1n);
      using not = nativeCallback({ parameters: ["bool"], result: "bool" }, (x) => !x);
      const data = new Uint8Array(8);
      const pointer = pointerOf(data);
      using same = nativeCallback(
        { parameters: ["pointer"], result: "pointer" },
        (p) => p === null ? pointer : null,
      );
      const big = 2n ** 62n + 3n;
      const onGreenlet = (fn: NativeFunction, ...args: unknown[]): unknown =>
        new NativeGreenlet(fn).switchSync(...args);
      assert.equal(onGreenlet(fx.test_bridge_call_u64, wide, big), big * 2n + 1n);
      assert.equal(BigInt(own.symbols.test_bridge_call_u64(wide.pointer, big)), big * 2n + 1n);
      assert.equal(onGreenlet(fx.test_bridge_call_bool, not, true), false);
      assert.equal(own.symbols.test_bridge_call_bool(not.pointer, false), true);
      assert.equal(
        addressOf(onGreenlet(fx.test_bridge_call_pointer, same, null) as NativePointer),
        addressOf(pointer),
      );
      assert.equal(onGreenlet(fx.test_bridge_call_pointer, same, pointer), null);
      assert.equal(
        addressOf(own.symbols.test_bridge_call_pointer(same.pointer, null)),
        addressOf(pointer),
      );
      assert.equal(addressOf(own.symbols.test_bridge_call_pointer(same.pointer, pointer)), 0n);
    } finally {
      own.close();
    }
  });

  it("a generator handler awaits under switchAsync while the C code stays suspended", async () => {
    const log: string[] = [];
    using slow = nativeCallback(sumSignature, function* (i) {
      log.push(`call ${i}`);
      const doubled = yield* awaitOnly(
        new Promise<number>((resolve) => setTimeout(() => resolve(2 * i), 0)),
      );
      return doubled;
    });
    const g = new NativeGreenlet(base.fx.symbols.test_bridge_sum);
    const timer = new Promise<void>((resolve) =>
      setTimeout(() => {
        log.push(`timer: suspended=${g.active && !g.dead}`);
        resolve();
      }, 0)
    );
    assert.equal(await g.switchAsync(slow, 4), 12n);
    await timer;
    assert.ok(log.includes("timer: suspended=true"), log.join(", "));
    assert.deepEqual(log.filter((line) => line.startsWith("call")), [
      "call 0",
      "call 1",
      "call 2",
      "call 3",
    ]);
    assertHealthy();
  });

  it("a handler switches to another greenlet and comes back with its answer", () => {
    const helper = new Greenlet(function* (value: unknown) {
      for (;;) value = yield* native.switch((value as number) * 10);
    });
    using ask = nativeCallback(sumSignature, function* (i) {
      return yield* helper.switch<number>(i + 1);
    });
    const native = new NativeGreenlet(base.fx.symbols.test_bridge_sum);
    assert.equal(native.switchSync(ask, 3), 60n); // (1 + 2 + 3) * 10
    assert.equal(helper.dead, false);
    helper.throwSync();
    assertHealthy();
  });

  it("a generator handler: answered at once when it does not yield, relayed when it does", async () => {
    // Every other call yields (an await); the others finish in their first step.
    using mixed = nativeCallback(sumSignature, function* (i) {
      if (i % 2 === 0) return i;
      try {
        yield* awaitOnly(Promise.reject(new Error(`no ${i}`)));
      } catch (error) {
        // A rejection comes back in as a throw into the handler, which goes on after it.
        const again = yield* awaitOnly(Promise.resolve(10 * i));
        return again + ((error as Error).message === `no ${i}` ? 1 : 0);
      }
      return -1;
    });
    // 0 + 11 + 2 + 31 + 4 + 51
    assert.equal(
      await new NativeGreenlet(base.fx.symbols.test_bridge_sum).switchAsync(mixed, 6),
      99n,
    );
    // A generator handler that never yields answers under switchSync too.
    using plain = nativeCallback(sumSignature, function* (i) {
      return i * 2;
    });
    assert.equal(new NativeGreenlet(base.fx.symbols.test_bridge_sum).switchSync(plain, 4), 12n);
    // An error in the first step is the handler's error.
    const boom = new Error("first step");
    using failing = nativeCallback(sumSignature, function* () {
      throw boom;
    });
    assert.throws(
      () => new NativeGreenlet(base.fx.symbols.test_bridge_sum).switchSync(failing, 2),
      (e) => e === boom,
    );
    assertHealthy();
  });

  it("a handler that raises after an await: the fallback, then every later call's, then raised", async () => {
    // Each awaiting handler runs as the greenlet's body; its error leaves it through the
    // trampoline, which gives it back to the relay.
    const boom = new Error("after the await");
    const seen: unknown[] = [];
    using failing = nativeCallback({ ...sumSignature, fallback: 100 }, function* (i) {
      yield* awaitOnly(Promise.resolve());
      seen.push(getcurrent() === g);
      if (i === 2) throw boom;
      return i;
    });
    const g = new NativeGreenlet(base.fx.symbols.test_bridge_sum);
    await assert.rejects(g.switchAsync(failing, 5), (e) => e === boom);
    assert.deepEqual(seen, [true, true, true], "later callbacks returned the fallback");
    assert.equal(g.dead, true);
    assertHealthy();
  });

  it("checks an integer result's range and type on a greenlet, as encodeValue does", () => {
    const sum = (result: unknown): unknown => {
      using callback = nativeCallback(sumSignature, () => result as number);
      return new NativeGreenlet(base.fx.symbols.test_bridge_sum).switchSync(callback, 3);
    };
    assert.equal(sum(-0x8000_0000), -(2n ** 31n) * 3n);
    assert.equal(sum(0x7fff_ffff), (2n ** 31n - 1n) * 3n);
    assert.equal(sum(-0), 0n);
    for (const bad of [0x8000_0000, 0xffff_ffff, -0x8000_0001, 1.5, NaN, Infinity]) {
      assert.throws(() => sum(bad), { name: "RangeError", message: /from -2147483648 to/ });
    }
    assert.throws(() => sum(1n), { name: "TypeError", message: /must be a number, not bigint/ });
    assertHealthy();
  });

  it("an uncaught handler error: the fallback for it and every later call, then raised", () => {
    let ran = 0;
    const boom = new Error("boom");
    using failing = nativeCallback({ ...sumSignature, fallback: 100 }, (i) => {
      ran++;
      if (i === 2) throw boom;
      return 1;
    });
    const g = new NativeGreenlet(base.fx.symbols.test_bridge_sum);
    assert.throws(() => g.switchSync(failing, 10), (e) => e === boom);
    assert.equal(ran, 3, "later callbacks returned the fallback without running JS");
    assert.equal(g.dead, true);
    // A result of the wrong type is the handler's error too.
    using wrong = nativeCallback(sumSignature, () => "one" as unknown as number);
    assert.throws(
      () => new NativeGreenlet(base.fx.symbols.test_bridge_sum).switchSync(wrong, 2),
      { name: "TypeError", message: /result must be a number/ },
    );
    assertHealthy();
  });

  it("an escaping GreenletExit is delivered to the parent as a JS body's would be", () => {
    const exit = new GreenletExit("stop");
    using stopping = nativeCallback(sumSignature, () => {
      throw exit;
    });
    const g = new NativeGreenlet(base.fx.symbols.test_bridge_sum);
    assert.equal(g.switchSync(stopping, 5), exit);
    assert.equal(g.dead, true);
  });

  it("an entry-form body follows the same rules after a handler's error", () => {
    const body = new NativeGreenlet(base.fx.symbols.test_bridge_entry_sum).switchSync();
    let ran = 0;
    const boom = new Error("entry boom");
    using counting = nativeCallback({ ...sumSignature, fallback: 100 }, (i) => {
      ran++;
      if (i === 1) throw boom;
      return i;
    });
    const arg = addressOf(counting.pointer);
    assert.equal(new NativeGreenlet(body, { arg }).switchSync(1), 0, "cb(0) answered 0");
    ran = 0;
    const g = new NativeGreenlet(body, { arg });
    assert.throws(() => g.switchSync(5), (e) => e === boom);
    assert.equal(ran, 2, "later callbacks returned the fallback without running JS");
    assert.equal(g.dead, true);
    using exiting = nativeCallback(sumSignature, () => {
      throw new GreenletExit("entry exit");
    });
    const h = new NativeGreenlet(body, { arg: addressOf(exiting.pointer) });
    const result = h.switchSync(3);
    assert.ok(result instanceof GreenletExit && result.message === "entry exit");
  });

  it("killing a greenlet suspended in a callback raises GreenletExit in the handler", () => {
    const main = getcurrent();
    const log: unknown[] = [];
    using waiting = nativeCallback(sumSignature, function* (i) {
      try {
        return yield* main.switch<number>(`in ${i}`);
      } catch (error) {
        log.push(error);
        throw error;
      }
    });
    const g = new NativeGreenlet(base.fx.symbols.test_bridge_sum);
    assert.equal(g.switchSync(waiting, 3), "in 0");
    assert.equal(g.switchSync(5), "in 1", "a value answers the callback");
    const caught = new Error("caught");
    assert.throws(() => g.throwSync(caught), (e) => e === caught);
    assert.equal(g.dead, true);
    assert.deepEqual(log, [caught]);

    const h = new NativeGreenlet(base.fx.symbols.test_bridge_sum);
    assert.equal(h.switchSync(waiting, 3), "in 0");
    const result = h.throwSync();
    assert.ok(result instanceof GreenletExit, "the kill finished the greenlet");
    assert.equal(h.dead, true);
    assert.ok(log[1] instanceof GreenletExit, "raised at the handler's suspension point");
    assert.equal(log.length, 2, "later callbacks did not run JS");
    assertHealthy();
  });

  it("from another thread: the fallback, reported through the unraisable hook", () => {
    let ran = 0;
    using remote = nativeCallback({ ...sumSignature, fallback: -9 }, (i) => {
      ran++;
      return i;
    });
    let result: unknown;
    const reports = collectUnraisable(() => {
      result = new NativeGreenlet(base.fx.symbols.test_bridge_on_thread).switchSync(remote, 5);
    });
    assert.equal(result, -9);
    assert.equal(ran, 0);
    assert.equal(reports.length, 1);
    const error = reports[0].error as GreenletError;
    assert.equal(error.code, "CALLBACK_REFUSED");
    assert.match(error.message, /^1 callback call was refused/);
    assertHealthy();
  });

  it("switching on the main stack raises CALLBACK_ON_MAIN_STACK in the handler", async () => {
    const own = await dlopen(fixturePath(), {
      test_bridge_sum: { parameters: ["function", "i32"], result: "i64" },
    });
    try {
      const codes: unknown[] = [];
      using careful = nativeCallback(sumSignature, function* () {
        try {
          yield* awaitOnly(Promise.resolve());
        } catch (error) {
          codes.push((error as GreenletError).code);
        }
        return 1;
      });
      assert.equal(own.symbols.test_bridge_sum(careful.pointer, 2), 2n);
      // Inside a JS greenlet body too (a step can be made there, but not taken).
      const body = new Greenlet(function* () {
        return own.symbols.test_bridge_sum(careful.pointer, 1);
      });
      assert.equal(body.switchSync(), 1n);
      assert.deepEqual(codes, Array(3).fill("CALLBACK_ON_MAIN_STACK"));
      // Uncaught there: reported, and C gets the fallback.
      using careless = nativeCallback({ ...sumSignature, fallback: 7 }, function* () {
        yield* new Greenlet(function* () {}).switch();
        return 1;
      });
      const reports = collectUnraisable(() => {
        assert.equal(own.symbols.test_bridge_sum(careless.pointer, 2), 14n);
      });
      assert.equal(reports.length, 2);
      assert.equal((reports[0].error as GreenletError).code, "CALLBACK_ON_MAIN_STACK");
    } finally {
      own.close();
    }
    assertHealthy();
  });

  it("use after close: NATIVE_CLOSED in JS, 0 and a report from C", () => {
    const identity = nativeCallback(sumSignature, (i) => i);
    const stale = identity.pointer;
    identity.close();
    identity.close(); // idempotent
    assert.equal(identity.closed, true);
    const closed = (e: unknown) => e instanceof GreenletError && e.code === "NATIVE_CLOSED";
    assert.throws(() => identity.pointer, closed);
    const g = new NativeGreenlet(base.fx.symbols.test_bridge_sum);
    assert.throws(() => g.switchSync(identity, 1), closed);
    assert.equal(g.dead, true);
    const direct = nativeFunction(stale, sumSignature);
    let result: unknown;
    const reports = collectUnraisable(() => {
      result = new NativeGreenlet(direct).switchSync(5);
    });
    assert.equal(result, 0);
    assert.equal((reports[0].error as GreenletError).code, "CALLBACK_REFUSED");
    assertHealthy();
  });

  it("refuses bad signatures and handlers; 64 slots, then a clear error", () => {
    assert.throws(
      () => nativeCallback({ parameters: ["void"], result: "i32" }, () => 0),
      TypeError,
    );
    assert.throws(() => nativeCallback(sumSignature, 1 as never), TypeError);
    assert.throws(
      () => nativeCallback(sumSignature, (async () => await 0) as never),
      { name: "TypeError", message: /async/ },
    );
    assert.throws(() => nativeCallback({ ...sumSignature, fallback: "x" }, () => 0), TypeError);
    assert.throws(
      () => nativeCallback({ parameters: Array(20).fill("i32"), result: "i32" }, () => 0),
      RangeError,
    );
    const made = [];
    try {
      for (let i = 0; i <= 64; i++) made.push(nativeCallback(sumSignature, () => i));
      assert.fail("65 callbacks were made");
    } catch (error) {
      assert.ok(error instanceof GreenletError && error.code === "NATIVE_CALL", String(error));
      assert.match(error.message, /all 64 callback slots/);
    } finally {
      for (const callback of made) callback.close();
    }
    assertHealthy();
  });
});

describe("nativeCallback() and the garbage collector (subprocess)", () => {
  it("a dropped greenlet suspended in a handler gets GreenletExit there; its stack returns", () => {
    const script = fileURLToPath(new URL("../fixtures/callback_gc_child.ts", import.meta.url));
    const [cmd, ...args] = runtime.command(script);
    const child = spawnSync(cmd, args, { encoding: "utf8" });
    const line = child.stdout.trim().split("\n").pop() ?? "";
    assert.ok(line.startsWith("{"), `no result:\n${child.stderr}`);
    const result = JSON.parse(line);
    assert.equal(result.alive, result.before + 1);
    assert.equal(result.after, result.before);
    assert.deepEqual(result.seen, ["call 0", "GreenletExit"]);
    assert.deepEqual(result.reported, []);
  });
});
