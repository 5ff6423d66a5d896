// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// Smoke test of the echo example: examples/echo_server.ts (hub tasks) and its baseline
// bench/echo_async.ts, each started in a subprocess on an ephemeral loopback port and loaded
// briefly by examples/echo_load.ts in another (which fails on any byte that is not its own
// message). Subprocesses run with all permissions; this process needs only --allow-run.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { runtime } from "../../testing/runtime.ts";

function path(relative: string): string {
  return fileURLToPath(new URL(relative, import.meta.url));
}

interface Exit {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

/**
 * Starts a server for `seconds`, calls `load(port)` once it listens, then waits for the
 * server to stop by itself (a safety kill ends a hung one, failing the test).
 */
async function withServer(
  script: string,
  seconds: number,
  load: (port: number) => void,
): Promise<Exit> {
  const [cmd, ...args] = runtime.command(path(script), ["--port=0", `--seconds=${seconds}`]);
  const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stderr.on("data", (chunk) => (stderr += chunk));
  const exited = new Promise<Exit>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal, stdout, stderr }))
  );
  const safety = setTimeout(() => child.kill("SIGKILL"), 60_000);
  try {
    const port = await new Promise<number>((resolve, reject) => {
      child.stdout.on("data", (chunk) => {
        stdout += chunk;
        const match = /^listening 127\.0\.0\.1:(\d+) /m.exec(stdout);
        if (match !== null) resolve(Number(match[1]));
      });
      child.on("exit", () => reject(new Error(`server exited before listening:\n${stderr}`)));
    });
    load(port);
    return await exited;
  } finally {
    clearTimeout(safety);
    child.kill("SIGKILL");
  }
}

function runLoad(port: number, clients: number, seconds: number): { requests: number } {
  const [cmd, ...args] = runtime.command(path("../../examples/echo_load.ts"), [
    `--port=${port}`,
    `--clients=${clients}`,
    `--seconds=${seconds}`,
    "--size=64",
  ]);
  const child = spawnSync(cmd, args, { encoding: "utf8", timeout: 60_000 });
  assert.equal(child.status, 0, `load failed:\n${child.stdout}\n${child.stderr}`);
  return JSON.parse(child.stdout.trim().split("\n").at(-1)!);
}

for (
  const [name, script] of [
    ["examples/echo_server.ts (hub tasks)", "../../examples/echo_server.ts"],
    ["bench/echo_async.ts (async/await)", "../../bench/echo_async.ts"],
  ]
) {
  describe(name, () => {
    it("echoes every client's messages, then stops by itself after --seconds", async () => {
      let requests = 0;
      // The server lives 6 s from listening and the load runs 0.5 s once its clients are
      // connected: the load client's own start-up (a new runtime process) fits in the rest even
      // on a loaded machine (with 3 s, one CI run at load 5 saw no echo come back).
      const exit = await withServer(script, 6, (port) => {
        requests = runLoad(port, 4, 0.5).requests;
      });
      assert.ok(requests > 0, "no echo came back");
      assert.match(exit.stdout, /^listening 127\.0\.0\.1:\d+ /);
      assert.deepEqual([exit.code, exit.signal, exit.stderr], [0, null, ""]);
    });
  });
}
