// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.

import type { Conn, Listener, Net } from "./_net.ts";

/** Deno: `Deno.listen`, whose connections are already promise-based. */
export const denoNet: Net = {
  name: "Deno.listen",
  listen(hostname: string, port: number): Listener {
    const listener = Deno.listen({ hostname, port, transport: "tcp" });
    let closed = false;
    return {
      port: listener.addr.port,
      async accept(): Promise<Conn | null> {
        let conn: Deno.TcpConn;
        try {
          conn = await listener.accept();
        } catch (error) {
          if (closed || error instanceof Deno.errors.BadResource) return null;
          throw error;
        }
        conn.setNoDelay(true);
        return wrap(conn);
      },
      close(): void {
        if (closed) return;
        closed = true;
        listener.close();
      },
    };
  },
};

function wrap(conn: Deno.TcpConn): Conn {
  let closed = false;
  return {
    async read(buffer: Uint8Array): Promise<number | null> {
      try {
        return await conn.read(buffer);
      } catch (error) {
        if (closed || error instanceof Deno.errors.ConnectionReset) return null;
        throw error;
      }
    },
    async write(data: Uint8Array): Promise<void> {
      let done = 0;
      while (done < data.length) done += await conn.write(data.subarray(done));
    },
    close(): void {
      if (closed) return;
      closed = true;
      conn.close();
    },
  };
}
