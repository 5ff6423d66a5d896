// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// The baseline of the echo benchmark: a plain async/await echo server over the same sockets
// (examples/_net.ts) as the hub's examples/echo_server.ts.
//
//   deno run -A bench/echo_async.ts [--port=0] [--seconds=30]
//   bun run bench/echo_async.ts [--port=0] [--seconds=30]

import { echoOptions, listenBounded, READ_SIZE } from "../examples/_echo.ts";
import type { Conn } from "../examples/_net.ts";

async function serve(conn: Conn): Promise<void> {
  const buffer = new Uint8Array(READ_SIZE);
  try {
    for (;;) {
      const n = await conn.read(buffer);
      if (n === null) break;
      const written = conn.write(buffer.subarray(0, n));
      if (written !== undefined) await written;
    }
  } finally {
    conn.close();
  }
}

const options = echoOptions();
const listener = listenBounded(options, "async/await");
const open = new Set<Conn>();
for (;;) {
  const conn = await listener.accept();
  if (conn === null) break;
  open.add(conn);
  serve(conn).catch(() => {}).finally(() => open.delete(conn));
}
for (const conn of open) conn.close();
