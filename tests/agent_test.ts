// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// Agents (src/_agent.ts): a Worker has its own main greenlet; two copies of the library in one
// agent refuse to make two mains (WRONG_AGENT).

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { awaitOnly, getcurrent, Greenlet, greenletSpawn } from "../mod.ts";
import { runtime } from "../testing/runtime.ts";
import { assertHealthy } from "../testing/healthy.ts";

interface WorkerReply {
  round: number;
  mainKind: string;
  currentIsMain: boolean;
  mainText: string;
  results: number[];
  log: string[];
}

/** Sends one request to the worker and resolves with its reply. */
function ask(worker: Worker, round: number): Promise<WorkerReply> {
  return new Promise((resolve, reject) => {
    worker.onmessage = (event: MessageEvent) => resolve(event.data as WorkerReply);
    worker.onerror = (event: Event) => {
      event.preventDefault();
      reject(new Error(`worker failed: ${(event as ErrorEvent).message}`));
    };
    worker.postMessage({ round });
  });
}

describe("agents", () => {
  it("a Worker has its own main greenlet and runs greenlets while this agent's are suspended", async () => {
    const main = getcurrent();
    const worker = new Worker(new URL("./fixtures/worker_agent.ts", import.meta.url).href, {
      type: "module",
    });
    try {
      const log: string[] = [];
      const local = new Greenlet(function* (x: string) {
        for (;;) {
          log.push(x);
          x = yield* main.switch(`local ${x}`);
        }
      }, { name: "local" });
      assert.equal(local.switchSync("a"), "local a");

      // A body of this agent waits for the worker in awaitOnly() while the worker's run.
      const first = await greenletSpawn(function* () {
        return yield* awaitOnly(ask(worker, 1));
      });
      assert.equal(first.mainKind, "main");
      assert.equal(first.currentIsMain, true);
      assert.match(first.mainText, /^<Greenlet main#\d+ main current active started main>$/);
      assert.deepEqual(first.results, [2, 4, 2, 10]);
      assert.deepEqual(first.log, ["ping 1", "ping 3"]);

      assert.equal(getcurrent(), main);
      assert.equal(local.dead, false);
      assert.equal(local.switchSync("b"), "local b");

      const second = await ask(worker, 2);
      assert.deepEqual(second.results, [3, 5, 4, 20], "the worker's suspended greenlet resumed");
      assert.equal(local.switchSync("c"), "local c");
      assert.deepEqual(log, ["a", "b", "c"]);
      local.throwSync();
    } finally {
      worker.terminate();
    }
    assertHealthy();
  });

  it("a second copy of the library in one agent throws WRONG_AGENT; the first keeps working", () => {
    const script = fileURLToPath(new URL("./fixtures/two_copies.ts", import.meta.url));
    const [cmd, ...args] = runtime.command(script);
    const child = spawnSync(cmd, args, { encoding: "utf8", timeout: 60_000 });
    assert.equal(child.status, 0, `child failed:\n${child.stdout}\n${child.stderr}`);
    const lines = child.stdout.trim().split("\n");
    const report = JSON.parse(lines[lines.length - 1]) as {
      distinctClasses: boolean;
      errors: Record<string, unknown>;
      firstStillWorks: unknown[];
    };
    assert.equal(report.distinctClasses, true, "the child did not load a second copy");
    const uses = [
      "getcurrent",
      "new Greenlet",
      "settrace",
      "gettrace",
      "formatGreenletTree",
      "ContextVar.get",
    ];
    assert.deepEqual(Object.keys(report.errors).sort(), uses.slice().sort());
    for (const use of uses) {
      const error = report.errors[use] as Record<string, unknown>;
      assert.equal(typeof error, "object", `${use}: ${String(error)}`);
      assert.equal(error.secondCopyClass, true, use);
      assert.equal(error.name, "GreenletError", use);
      assert.equal(error.code, "WRONG_AGENT", use);
      assert.match(String(error.message), /import the library from one URL or package version/);
    }
    assert.deepEqual(report.firstStillWorks, [2, 10, true]);
    assertHealthy();
  });
});
