// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// One tree of JS and native greenlets (issue 8 part 8): transfers across the boundary both ways,
// the dead-ancestor and parent rules with mixed kinds, and native-to-native switches inside C,
// direct while untraced and performed by the JS side while a tracer is set. The expected logs and
// tracer events are CPython greenlet's for the same programs (fixtures/mixed_trace.py).

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { nativeCallback, NativeGreenlet } from "../../native.ts";
import {
  awaitOnly,
  getcurrent,
  Greenlet,
  GreenletError,
  GreenletExit,
  greenletSpawn,
  type Instruction,
  settrace,
  type TraceArgs,
  type TraceEvent,
} from "../../mod.ts";
import type { NativeLibrary } from "../../ffi/_library.ts";
import { pointerAddress } from "../../ffi/_pointer.ts";
import { storedValues } from "../../src/_native_values.ts";
import { type Entries, openNative, stacksInUse } from "../ffi/_native.ts";
import { handleWord } from "./_bridge.ts";
import { assertHealthy } from "../../testing/healthy.ts";

let lib: NativeLibrary;
let entries: Entries;

type Event = [TraceEvent, string, string];

/** Runs `program` with a tracer that records (event, origin, target) by the names given. */
function traced(names: Map<Greenlet, string>, program: () => void): Event[] {
  const events: Event[] = [];
  const name = (g: Greenlet): string => names.get(g) ?? "?";
  const previous = settrace((event: TraceEvent, { origin, target }: TraceArgs) => {
    events.push([event, name(origin), name(target)]);
  });
  try {
    program();
  } finally {
    settrace(previous);
  }
  return events;
}

describe("one tree of JS and native greenlets", () => {
  let stacks: number;
  let values: number;
  before(async () => {
    ({ lib, entries } = await openNative());
    stacks = stacksInUse(lib);
    values = storedValues();
  });

  after(() => {
    assert.equal(stacksInUse(lib), stacks, "every native stack is back in the pool");
    assert.equal(storedValues(), values, "every value table entry is released");
    entries.table.close();
    lib.close();
  });

  describe("native-to-native switches inside C", () => {
    /** fixtures/mixed_trace.py, program_switch: a's C body switches to b inside C. */
    function programSwitch(names: Map<Greenlet, string>): unknown[] {
      const log: unknown[] = [];
      const main = getcurrent();
      names.set(main, "main");
      const b = new NativeGreenlet(entries.echo, { arg: 1000 });
      names.set(b, "b");
      log.push(b.switchSync(0));
      const a = new NativeGreenlet(entries.sibling, { arg: handleWord(b) });
      names.set(a, "a");
      log.push(a.switchSync(5)); // a -> b inside C, b -> main
      // The JS tree is where greenlet's would be: main runs, a waits in its switch to b.
      assert.equal(getcurrent(), main);
      assert.deepEqual([a.active, b.active], [true, true]);
      log.push(a.switchSync(3)); // a's switch to b returns 3; a -> main
      log.push(b.switchSync(7));
      log.push(a.switchSync(9));
      log.push([a.dead, b.dead]);
      assert.ok(a.throwSync() instanceof GreenletExit);
      assert.ok(b.throwSync() instanceof GreenletExit);
      assert.deepEqual([a.dead, b.dead], [true, true]);
      return log;
    }

    const switchLog = [1000, 1006, 3, 1007, 1010, [false, false]];

    it("untraced: direct in C; the JS side learns who reached the root and ends as greenlet does", () => {
      const log = programSwitch(new Map());
      assert.deepEqual(log, switchLog);
      assertHealthy();
    });

    it("traced: each one goes through the JS side, and the tracer sees what greenlet's sees", () => {
      const names = new Map<Greenlet, string>();
      let log: unknown[] = [];
      const events = traced(names, () => log = programSwitch(names));
      assert.deepEqual(log, switchLog);
      assert.deepEqual(events, [
        ["switch", "main", "b"],
        ["switch", "b", "main"],
        ["switch", "main", "a"],
        ["switch", "a", "b"],
        ["switch", "b", "main"],
        ["switch", "main", "a"],
        ["switch", "a", "main"],
        ["switch", "main", "b"],
        ["switch", "b", "main"],
        ["switch", "main", "a"],
        ["switch", "a", "b"],
        ["switch", "b", "main"],
        ["throw", "main", "a"],
        ["switch", "a", "main"],
        ["throw", "main", "b"],
        ["switch", "b", "main"],
      ]);
      assertHealthy();
    });

    /** fixtures/mixed_trace.py, program_throw: a's C body throws 1000 into b inside C. */
    function programThrow(names: Map<Greenlet, string>): unknown[] {
      const log: unknown[] = [];
      names.set(getcurrent(), "main");
      const b = new NativeGreenlet(entries.echo, { arg: 1000 });
      names.set(b, "b");
      log.push(b.switchSync(0));
      const a = new NativeGreenlet(entries.sibling, { arg: handleWord(b) });
      names.set(a, "a");
      try {
        a.switchSync(1000); // b's echo finishes with the throw: raised in b's parent, main
        log.push("no error");
      } catch (error) {
        log.push(["raised", error]);
      }
      log.push([a.dead, b.dead]);
      log.push((a.throwSync() as Error).constructor.name);
      return log;
    }

    const throwLog = [1000, ["raised", 1000], [false, true], "GreenletExit"];

    it("untraced: a throw from C into a sibling ends it, raised in its parent", () => {
      assert.deepEqual(programThrow(new Map()), throwLog);
      assertHealthy();
    });

    it("traced: the throw goes through the JS side; the events are greenlet's", () => {
      const names = new Map<Greenlet, string>();
      let log: unknown[] = [];
      const events = traced(names, () => log = programThrow(names));
      assert.deepEqual(log, throwLog);
      assert.deepEqual(events, [
        ["switch", "main", "b"],
        ["switch", "b", "main"],
        ["switch", "main", "a"],
        ["throw", "a", "b"],
        ["throw", "b", "main"],
        ["throw", "main", "a"],
        ["switch", "a", "main"],
      ]);
      assertHealthy();
    });

    it("a kill from C into a sibling: it obeys, and its parent receives the kill's value", () => {
      for (const tracer of [false, true]) {
        const b = new NativeGreenlet(entries.echo, { arg: 1000 });
        b.switchSync(0);
        const a = new NativeGreenlet(entries.sibling, { arg: handleWord(b) });
        let reply: unknown;
        const run = (): void => {
          reply = a.switchSync(2000);
        };
        if (tracer) traced(new Map(), run);
        else run();
        assert.equal(reply, 2000, `tracer ${tracer}`);
        assert.deepEqual([a.dead, b.dead], [false, true]);
        assert.ok(a.throwSync() instanceof GreenletExit);
      }
      assertHealthy();
    });

    it("a callback of the greenlet switched to inside C runs as part of that greenlet", () => {
      const seen: Greenlet[] = [];
      const callback = nativeCallback(
        { parameters: ["usize"], result: "usize" },
        (value: bigint): bigint => {
          seen.push(getcurrent());
          return value + 100n;
        },
      );
      try {
        const b = new NativeGreenlet(entries.callOnResume, {
          arg: pointerAddress(callback.pointer)!,
        });
        assert.equal(b.switchSync(1), 1);
        const a = new NativeGreenlet(entries.sibling, { arg: handleWord(b) });
        // a switches to b with 6 inside C; b calls back with it and sends the result to main.
        assert.equal(a.switchSync(5), 106);
        assert.deepEqual(seen, [b]);
        assert.deepEqual([a.active, b.active], [true, true]);
        assert.ok(a.throwSync() instanceof GreenletExit);
        assert.ok(b.throwSync() instanceof GreenletExit);
      } finally {
        callback.close();
      }
      assertHealthy();
    });

    it("the sibling's JS parent gets what it sends, not the parent of the greenlet the root resumed", () => {
      const log: unknown[] = [];
      const js = new Greenlet(function* () {
        // b's parent is this JS greenlet; a's parent is main.
        const b = new NativeGreenlet(entries.echo, { arg: 1000 });
        log.push(yield* b.switch(0));
        yield* getcurrent().parent!.switch(b);
        log.push(["js got", yield* getcurrent().parent!.switch()]);
        return "js done";
      });
      const b = js.switchSync() as Greenlet;
      js.switchSync(); // js waits for b's next send
      const a = new NativeGreenlet(entries.sibling, { arg: handleWord(b) });
      const got = a.switchSync(5); // a -> b inside C; b sends 1006 to js, which returns
      assert.equal(got, "js done");
      assert.deepEqual(log, [1000, ["js got", 1006]]);
      assert.equal(b.dead, false);
      assert.equal(b.parent, js, "a dead parent stays the parent");
      assert.equal(b.switchSync(1), 1001, "what b sends passes its dead parent to main");
      assert.ok(a.throwSync() instanceof GreenletExit);
      assert.ok(b.throwSync() instanceof GreenletExit);
      assertHealthy();
    });
  });

  describe("across the boundary", () => {
    it("JS -> native: switch, throw and kill reach the C body", () => {
      const n = new NativeGreenlet(entries.echo, { arg: 10 });
      assert.equal(n.switchSync(1), 11);
      const boom = new Error("boom");
      assert.throws(() => n.throwSync(boom), (e) => e === boom); // echo finishes with it
      assert.equal(n.dead, true);
      const k = new NativeGreenlet(entries.echo);
      k.switchSync(0);
      assert.ok(k.throwSync() instanceof GreenletExit);
      assertHealthy();
    });

    it("native -> JS: a value, a finishing throw and an obeyed kill reach the JS parent", () => {
      const log: unknown[] = [];
      const parent = new Greenlet(function* () {
        const echo = new NativeGreenlet(entries.echo, { arg: 1 });
        log.push(yield* echo.switch(1)); // a value from C
        try {
          yield* new NativeGreenlet(entries.throwSum, { arg: 2 }).switch(3); // C finishes by throwing 5
        } catch (error) {
          log.push(["caught", error]);
        }
        log.push((yield* echo.throw()) instanceof GreenletExit); // C obeys the kill
        return "done";
      });
      assert.equal(parent.switchSync(), "done");
      assert.deepEqual(log, [2, ["caught", 5], true]);
      assertHealthy();
    });

    it("a JS greenlet whose parent is native: its result and its error go to the C body", () => {
      const n = new NativeGreenlet(entries.echo, { arg: 100 });
      assert.equal(n.switchSync(0), 100);
      const child = new Greenlet(function* (x: number) {
        return x * 2;
      }, { parent: n });
      assert.equal(child.switchSync(4), 108, "8 resumed the C body, which sent 108 to main");
      const failing = new Greenlet(function* () {
        throw new Error("from JS");
      }, { parent: n });
      assert.throws(() => failing.switchSync(), /from JS/); // C echo finishes with the throw
      assert.equal(n.dead, true);
      assertHealthy();
    });
  });

  describe("async step handlers (a C body calling back into JS for each step)", () => {
    /** test_mixed_steps's answer: go on to the next step. */
    const CONTINUE = 1n << 61n;
    const ticks = (): { count: number; stop(): void } => {
      const t = { count: 0, stop: () => clearInterval(id) };
      const id = setInterval(() => t.count++, 1);
      return t;
    };
    const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

    /**
     * A native greenlet whose steps await (the C code stays suspended meanwhile), switch to the
     * parent, and finish with 41.
     */
    function awaitingSteps(log: unknown[]): { g: NativeGreenlet; close(): void } {
      const step = nativeCallback(
        { parameters: ["u32", "usize"], result: "usize" },
        function* (index: number): Generator<Instruction, bigint, unknown> {
          if (index === 0) {
            log.push(yield* awaitOnly(sleep(5).then(() => "awaited")));
            return CONTINUE;
          }
          if (index === 1) {
            log.push(yield* getcurrent().parent!.switch("mid"));
            log.push(yield* awaitOnly(Promise.resolve("again")));
            return CONTINUE;
          }
          return 41n;
        },
      );
      const g = new NativeGreenlet(entries.steps, { arg: pointerAddress(step.pointer)! });
      return { g, close: () => step.close() };
    }

    it("under switchAsync: timers run while the C code waits in a callback", async () => {
      const log: unknown[] = [];
      const { g, close } = awaitingSteps(log);
      const timer = ticks();
      try {
        assert.equal(await g.switchAsync(), "mid");
        assert.ok(timer.count > 0, "the event loop ran during the await");
        assert.equal(await g.switchAsync("back"), 41);
      } finally {
        timer.stop();
        close();
      }
      assert.deepEqual(log, ["awaited", "back", "again"]);
      assert.equal(g.dead, true);
      assertHealthy();
    });

    it("under greenletSpawn: a JS body drives it, and a kill reaches the waiting handler", async () => {
      const log: unknown[] = [];
      const { g, close } = awaitingSteps(log);
      try {
        const result = await greenletSpawn(function* () {
          g.parent = getcurrent();
          const mid = yield* g.switch();
          return [mid, yield* g.switch("back")];
        });
        assert.deepEqual(result, ["mid", 41]);
        // A second one, killed while its handler is suspended in its switch to the parent.
        const second = awaitingSteps(log);
        try {
          const exit = await greenletSpawn(function* () {
            second.g.parent = getcurrent();
            yield* second.g.switch();
            return yield* second.g.throw();
          });
          assert.ok(exit instanceof GreenletExit);
          assert.equal(second.g.dead, true);
        } finally {
          second.close();
        }
      } finally {
        close();
      }
      assert.deepEqual(log, ["awaited", "back", "again", "awaited"]);
      assertHealthy();
    });
  });

  describe("dead ancestors and parents with mixed kinds", () => {
    it("a native greenlet's result passes a dead JS parent to the nearest live ancestor", () => {
      const outer = new Greenlet(function* () {
        const middle = new Greenlet(function* () {
          return new NativeGreenlet(entries.finishSum, { arg: 1 });
        });
        const n = yield* middle.switch();
        return n;
      });
      const n = outer.switchSync() as Greenlet;
      assert.equal(outer.dead, true);
      assert.equal(n.switchSync(41), 42, "its parent chain is dead: main receives it");
      assertHealthy();
    });

    it("a JS child's result passes a dead native parent to the nearest live ancestor", () => {
      const n = new NativeGreenlet(entries.finishSum, { arg: 1 });
      const child = new Greenlet(function* () {
        return "to main";
      }, { parent: n });
      assert.equal(n.switchSync(1), 2);
      assert.equal(n.dead, true);
      assert.equal(child.switchSync(), "to main");
      assertHealthy();
    });

    it("parent cycles through native greenlets are refused; a native parent may be set", () => {
      const n = new NativeGreenlet(entries.echo);
      const js = new Greenlet(function* () {
        return 1;
      }, { parent: n });
      assert.throws(() => n.parent = js, (e) => e instanceof GreenletError || e instanceof Error);
      const other = new NativeGreenlet(entries.echo, { arg: 7 });
      other.parent = js;
      assert.equal(other.parent, js);
      assert.equal(n.switchSync(0), 0);
      // other sends 7 to its parent js, pending: js starts with it and returns 1 to its parent n,
      // whose C echo sends 1 on to main.
      assert.equal(other.switchSync(0), 1);
      assert.equal(js.dead, true);
      assert.ok(other.throwSync() instanceof GreenletExit);
      assert.ok(n.throwSync() instanceof GreenletExit);
      assertHealthy();
    });
  });
});
