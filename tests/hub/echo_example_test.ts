// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// Smoke test of the echo example: examples/echo_server.ts (hub tasks) and its baseline
// bench/echo_async.ts, each started in a subprocess on an ephemeral loopback port and loaded
// briefly by examples/echo_load.ts in another (which fails on any byte that is not its own
// message), then started alone to see it stop by itself. Subprocesses run with all
// permissions; this process needs only --allow-run.

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

interface Server {
  /** The port it listens on, once it printed its `listening` line. */
  port: Promise<number>;
  /** Its exit, with everything it printed. */
  exited: Promise<Exit>;
  kill(): void;
}

/** Starts a server that stops by itself after `seconds` (a safety kill ends a hung one). */
function startServer(script: string, seconds: number): Server {
  const [cmd, ...args] = runtime.command(path(script), ["--port=0", `--seconds=${seconds}`]);
  const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stderr.on("data", (chunk) => (stderr += chunk));
  const safety = setTimeout(() => child.kill("SIGKILL"), 60_000);
  // "close", not "exit": the output is complete once the pipes are.
  const exited = new Promise<Exit>((resolve) =>
    child.on("close", (code, signal) => {
      clearTimeout(safety);
      resolve({ code, signal, stdout, stderr });
    })
  );
  const port = new Promise<number>((resolve, reject) => {
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
      const match = /^listening 127\.0\.0\.1:(\d+) /m.exec(stdout);
      if (match !== null) resolve(Number(match[1]));
    });
    exited.then((exit) => reject(new Error(`server exited before listening:\n${exit.stderr}`)));
  });
  port.catch(() => {}); // raised where it is awaited; a test that does not is told by exited
  return { port, exited, kill: () => child.kill("SIGKILL") };
}

function runLoad(
  port: number,
  clients: number,
  seconds: number,
): { requests: number; echoedBefore: number } {
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
    // Each case starts runtime processes: longer than Bun's default 5 s per test on a loaded
    // machine, so the limit is the test's own (a plain `bun test tests/hub/` passes too).
    it("echoes every client's messages", { timeout: 90_000 }, async () => {
      // The server outlives any start-up of the load client (a new runtime process): with a
      // lifetime of a few seconds, one loaded CI run saw no echo come back. The load waits for
      // each client's first echo before its 0.5 s window and checks every byte it gets back.
      const server = startServer(script, 60);
      try {
        const { requests, echoedBefore } = runLoad(await server.port, 4, 0.5);
        // Every client's first echo came back before the window (the window itself may see
        // none on a machine that stalls for half a second).
        assert.ok(echoedBefore >= 4, `no echo came back to some client: ${echoedBefore} of 4`);
        assert.ok(Number.isInteger(requests) && requests >= 0, String(requests));
      } finally {
        server.kill();
        await server.exited;
      }
    });

    it("stops by itself after --seconds", { timeout: 90_000 }, async () => {
      const server = startServer(script, 0.2);
      const exit = await server.exited;
      assert.match(exit.stdout, /^listening 127\.0\.0\.1:\d+ /);
      assert.deepEqual([exit.code, exit.signal, exit.stderr], [0, null, ""]);
    });
  });
}
