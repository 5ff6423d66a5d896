// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { GreenletExit } from "../../mod.ts";
import { Event, killAll, sleep, spawn } from "../../hub/mod.ts";
import { assertHealthy } from "../../testing/healthy.ts";

describe("killAll", () => {
  it("kills every task, runs their finally blocks and waits", async () => {
    const log: number[] = [];
    const tasks = [1, 2, 3].map((n) =>
      spawn(function* () {
        try {
          yield* sleep(10_000);
        } finally {
          yield* sleep(1);
          log.push(n);
        }
      })
    );
    await sleep(1);
    await killAll(tasks);
    assert.deepEqual(log.sort(), [1, 2, 3]);
    for (const t of tasks) assert.ok((t.value as unknown) instanceof GreenletExit);
    assertHealthy();
  });

  it("with block: false it returns before they finish", async () => {
    // The finally blocks wait for an event set only after the check: with a 5 ms sleep there,
    // a stall of 5 ms in the hub's batch (a loaded machine) let both finish before the check.
    const cleanup = new Event();
    const tasks = [1, 2].map(() =>
      spawn(function* () {
        try {
          yield* sleep(10_000);
        } finally {
          yield* cleanup.wait();
        }
      })
    );
    await sleep(1);
    await killAll(tasks, undefined, { block: false });
    assert.equal(tasks.some((t) => t.ready()), false);
    cleanup.set();
    await killAll(tasks);
    assert.equal(tasks.every((t) => t.ready()), true);
    assertHealthy();
  });
});
