// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// A TCP echo server on loopback where every connection is a hub task written in blocking
// style: read, write back, repeat, each wait parking only its own task.
//
//   deno run -A examples/echo_server.ts [--port=0] [--seconds=30]
//   bun run examples/echo_server.ts [--port=0] [--seconds=30]
//
// Prints `listening 127.0.0.1:PORT (...)`, serves for --seconds, then closes the listener and
// every connection and exits. Load it with examples/echo_load.ts --port=PORT (another
// process); bench/echo_async.ts is the same server in plain async/await.

import { awaitOnly, type Op } from "../mod.ts";
import { main, spawn } from "../hub/mod.ts";
import { echoOptions, listenBounded, READ_SIZE } from "./_echo.ts";
import type { Conn } from "./_net.ts";

/** One connection: a task that blocks on each read and write until the peer closes. */
function* serve(conn: Conn, open: Set<Conn>): Op<void> {
  const buffer = new Uint8Array(READ_SIZE);
  try {
    for (;;) {
      const n = yield* awaitOnly(conn.read(buffer));
      if (n === null) return;
      const written = conn.write(buffer.subarray(0, n));
      if (written !== undefined) yield* awaitOnly(written);
    }
  } catch {
    // A peer that vanished mid-write ends its own task only.
  } finally {
    open.delete(conn);
    conn.close();
  }
}

await main(function* (): Op<void> {
  const listener = listenBounded(echoOptions(), "hub tasks");
  const open = new Set<Conn>();
  for (;;) {
    const conn = yield* awaitOnly(listener.accept());
    if (conn === null) break;
    open.add(conn);
    spawn(serve, conn, open);
  }
  // Time is up: closing a connection ends its task's read with null.
  for (const conn of open) conn.close();
});
