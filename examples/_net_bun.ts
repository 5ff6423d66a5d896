// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.

import type { Conn, Listener, Net } from "./_net.ts";

/** The part of Bun's socket API used here (Bun's types are not installed). */
interface BunSocket {
  data: State;
  write(data: Uint8Array): number;
  end(): void;
  setNoDelay?(noDelay: boolean): boolean;
}

interface BunServer {
  port: number;
  stop(closeActiveConnections?: boolean): void;
}

interface SocketHandler {
  open(socket: BunSocket): void;
  data(socket: BunSocket, chunk: Uint8Array): void;
  drain(socket: BunSocket): void;
  close(socket: BunSocket): void;
  error(socket: BunSocket, error: Error): void;
}

interface BunGlobal {
  listen(options: { hostname: string; port: number; socket: SocketHandler }): BunServer;
}

/** Per-connection state: received chunks not yet read, and the waiting read or write. */
interface State {
  chunks: Uint8Array[];
  ended: boolean;
  reader: ((n: number | null) => void) | null;
  readInto: Uint8Array | null;
  pending: Uint8Array | null;
  writer: (() => void) | null;
}

/** Moves queued bytes into `buffer`; returns the count. */
function take(state: State, buffer: Uint8Array): number {
  let n = 0;
  while (n < buffer.length && state.chunks.length !== 0) {
    const chunk = state.chunks[0];
    const count = Math.min(chunk.length, buffer.length - n);
    buffer.set(count === chunk.length ? chunk : chunk.subarray(0, count), n);
    n += count;
    if (count === chunk.length) state.chunks.shift();
    else state.chunks[0] = chunk.subarray(count);
  }
  return n;
}

function wrap(socket: BunSocket): Conn {
  const state = socket.data;
  let closed = false;
  return {
    read(buffer: Uint8Array): Promise<number | null> {
      if (state.chunks.length !== 0) return Promise.resolve(take(state, buffer));
      if (state.ended || closed) return Promise.resolve(null);
      return new Promise((resolve) => {
        state.readInto = buffer;
        state.reader = resolve;
      });
    },
    write(data: Uint8Array): Promise<void> | undefined {
      if (closed) return Promise.reject(new Error("Cannot write: the connection is closed"));
      const written = socket.write(data);
      if (written === data.length) return undefined;
      // Bun copies what it takes; keep the rest until the socket drains.
      state.pending = data.slice(Math.max(written, 0));
      return new Promise((resolve) => (state.writer = resolve));
    },
    close(): void {
      if (closed) return;
      closed = true;
      socket.end();
    },
  };
}

/** Bun: `Bun.listen`, callback-based, turned into promise-based reads and writes. */
export const bunNet: Net = {
  name: "Bun.listen",
  listen(hostname: string, port: number): Listener {
    const ready: Conn[] = [];
    const acceptors: ((conn: Conn | null) => void)[] = [];
    let stopped = false;
    const wake = (state: State, n: number | null): void => {
      const reader = state.reader!;
      state.reader = null;
      state.readInto = null;
      reader(n);
    };
    const bun = (globalThis as unknown as { Bun: BunGlobal }).Bun;
    const server = bun.listen({
      hostname,
      port,
      socket: {
        open(socket): void {
          socket.setNoDelay?.(true);
          socket.data = {
            chunks: [],
            ended: false,
            reader: null,
            readInto: null,
            pending: null,
            writer: null,
          };
          const conn = wrap(socket);
          const acceptor = acceptors.shift();
          if (acceptor === undefined) ready.push(conn);
          else acceptor(conn);
        },
        data(socket, chunk): void {
          const state = socket.data;
          state.chunks.push(chunk);
          if (state.reader !== null) wake(state, take(state, state.readInto!));
        },
        drain(socket): void {
          const state = socket.data;
          if (state.pending === null) return;
          const written = socket.write(state.pending);
          if (written < state.pending.length) {
            state.pending = state.pending.slice(Math.max(written, 0));
            return;
          }
          state.pending = null;
          const writer = state.writer!;
          state.writer = null;
          writer();
        },
        close(socket): void {
          const state = socket.data;
          state.ended = true;
          if (state.reader !== null) wake(state, null);
          // A write waiting for a drain that will not come: the bytes are lost with the peer.
          if (state.writer !== null) {
            state.pending = null;
            const writer = state.writer;
            state.writer = null;
            writer();
          }
        },
        error(socket): void {
          this.close(socket);
        },
      },
    });
    return {
      port: server.port,
      accept(): Promise<Conn | null> {
        const conn = ready.shift();
        if (conn !== undefined) return Promise.resolve(conn);
        if (stopped) return Promise.resolve(null);
        return new Promise((resolve) => acceptors.push(resolve));
      },
      close(): void {
        if (stopped) return;
        stopped = true;
        server.stop(true);
        for (const acceptor of acceptors.splice(0)) acceptor(null);
      },
    };
  },
};
