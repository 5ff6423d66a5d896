// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// spawn, spawnLater, and the 1 M spawn/join soak (in a subprocess with forced GC).

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { getcurrent, settrace } from "../../mod.ts";
import { sleep, spawn, spawnLater } from "../../hub/mod.ts";
import { runtime } from "../../testing/runtime.ts";
import { assertHealthy } from "../../testing/healthy.ts";
import { run } from "./_run.ts";

describe("spawn", () => {
  it("passes arguments and names the task after the function", async () => {
    const t = spawn(
      function* worker(a: string, b: number) {
        return `${a}${b}`;
      },
      "x",
      1,
    );
    assert.equal(t.name, "worker");
    assert.equal(await t.get(), "x1");
    assertHealthy();
  });

  it("spawnLater starts the task after the delay, and a kill before means it never runs", async () => {
    const log: string[] = [];
    await run(function* () {
      const later = spawnLater(3, function* () {
        log.push("later");
      });
      const never = spawnLater(1, function* () {
        log.push("never");
      });
      yield* never.kill();
      spawn(function* () {
        log.push("now");
      });
      yield* later.join();
    });
    assert.deepEqual(log, ["now", "later"]);
    assert.throws(() => spawnLater(-1, function* () {}), RangeError);
    assertHealthy();
  });

  it("a returning task hands on in FIFO order; with a tracer its end still switches into the hub", async () => {
    // Without a tracer the hub learns of a returned task without being switched into (the
    // joiner resumes straight from the task's end); the order of what runs next is the same.
    const order = async (): Promise<string[]> => {
      const log: string[] = [];
      await run(function* () {
        const a = spawn(function* () {
          log.push("a");
          return 1;
        });
        // Links run in the hub, as when the hub was switched into at the task's end.
        a.link(() => log.push(`link in ${getcurrent().name}`));
        spawn(function* () {
          log.push("b");
        });
        assert.equal(yield* a.get(), 1);
        log.push("joined a");
        spawn(function* () {
          log.push("c");
        });
        assert.equal(yield* a.join(), true);
        log.push("joined again");
        yield* sleep(0);
        log.push("end");
      });
      return log;
    };
    const expected = ["a", "link in hub", "b", "joined a", "joined again", "c", "end"];
    assert.deepEqual(await order(), expected);
    const hubEnds: string[] = [];
    settrace((event, { origin, target }) => {
      if (event === "switch" && origin.dead && target.name === "hub") hubEnds.push(origin.name);
    });
    try {
      assert.deepEqual(await order(), expected);
    } finally {
      settrace(null);
    }
    assert.ok(hubEnds.length >= 3, `task ends traced into the hub: ${hubEnds.join(", ")}`);
    assertHealthy();
  });

  it("1 M spawn/join cycles keep the heap within 5 % after warm-up", () => {
    const script = fileURLToPath(new URL("./fixtures/soak_child.ts", import.meta.url));
    const [cmd, ...args] = runtime.command(script);
    const child = spawnSync(cmd, args, { encoding: "utf8", timeout: 120_000 });
    assert.equal(child.status, 0, `${child.stdout}\n${child.stderr}`);
    const lines = child.stdout.trim().split("\n");
    const { cycles, before, after } = JSON.parse(lines[lines.length - 1]);
    assert.equal(cycles, 1_000_000);
    assert.ok(
      after <= before * 1.05,
      `heap grew from ${before} to ${after} bytes (${((after / before - 1) * 100).toFixed(1)} %)`,
    );
  });
});
