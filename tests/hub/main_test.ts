// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// main(body): the result, the error, LoopExit in the body, and SIGINT in a subprocess.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn as spawnProcess } from "node:child_process";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { getcurrent } from "../../mod.ts";
import { Event, LoopExit, main, sleep, spawn } from "../../hub/mod.ts";
import { runtime } from "../../testing/runtime.ts";
import { assertHealthy } from "../../testing/healthy.ts";

describe("main()", () => {
  it("resolves with the body's result and runs the body as a task under the hub", async () => {
    const result = await main(function* () {
      yield* sleep(1);
      return getcurrent().parent?.name;
    }, { signals: false });
    assert.equal(result, "hub");
    assertHealthy();
  });

  it("rejects with the body's own error object", async () => {
    const error = new Error("from the body");
    await assert.rejects(
      main(function* () {
        yield* sleep(0);
        throw error;
      }, { signals: false }),
      (e) => e === error,
    );
    assertHealthy();
  });

  it("raises LoopExit in the body so that its finally blocks run", async () => {
    const log: string[] = [];
    await assert.rejects(
      main(function* () {
        try {
          yield* new Event().wait();
        } finally {
          yield* sleep(1);
          log.push("finally");
        }
      }, { signals: false }),
      LoopExit,
    );
    assert.deepEqual(log, ["finally"]);
    assertHealthy();
  });

  it("lets other tasks run on after the body returns", async () => {
    let later: ReturnType<typeof spawn<[], string>> | undefined;
    await main(function* () {
      later = spawn(function* () {
        yield* sleep(2);
        return "still ran";
      });
    }, { signals: false });
    assert.equal(await later!.get(), "still ran");
    assertHealthy();
  });

  it("rejects a body that is not a function", async () => {
    await assert.rejects(main(42 as never), TypeError);
  });

  it("SIGINT kills the body, its finally blocks switch and await, then the exit code is 130", async () => {
    if (process.platform === "win32") return;
    const out = await signalChild("SIGINT");
    assert.match(out, /finally ran/, out);
    assert.doesNotMatch(out, /not reached/, out);
    assert.match(out, /exit 130/, out);
  });

  it("SIGTERM does the same with exit code 143", async () => {
    if (process.platform === "win32") return;
    const out = await signalChild("SIGTERM");
    assert.match(out, /finally ran/, out);
    assert.match(out, /exit 143/, out);
  });
});

/** Runs the main() fixture in a child, sends it `signal` once it is ready; returns its output. */
async function signalChild(signal: "SIGINT" | "SIGTERM"): Promise<string> {
  const script = fileURLToPath(new URL("./fixtures/signal_child.ts", import.meta.url));
  const command = runtime.command(script).map((arg) => `'${arg}'`).join(" ");
  // The shell reports the exit status as a number on both runtimes (a parent's view of a
  // 128+n status differs between their child_process implementations).
  const child = spawnProcess("sh", ["-c", `${command}; echo "exit $?"`], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let sent = false;
  child.stderr.on("data", (chunk) => out += chunk);
  const closed = new Promise<void>((resolve) => child.on("close", () => resolve()));
  child.stdout.on("data", (chunk) => {
    out += chunk;
    const ready = /ready (\d+)/.exec(out);
    if (ready !== null && !sent) {
      sent = true;
      process.kill(Number(ready[1]), signal);
    }
  });
  await closed;
  return out;
}
