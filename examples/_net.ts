// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// Loopback TCP for the echo example and its baseline: one promise-based interface, one adapter
// per runtime (Deno.listen on Deno, Bun.listen on Bun), chosen by the package's one runtime
// detector. Nothing else in examples/ or bench/ asks which runtime it runs on.

import { runtimeKey } from "../ffi/_runtime.ts";
import { bunNet } from "./_net_bun.ts";
import { denoNet } from "./_net_deno.ts";

/** An accepted TCP connection. */
export interface Conn {
  /** Reads into `buffer`; resolves with the byte count, or `null` at end of stream. */
  read(buffer: Uint8Array): Promise<number | null>;
  /**
   * Writes all of `data`: `undefined` when the runtime took all of it at once (Bun's sockets
   * usually do; nothing to wait for), else a promise that resolves once it has.
   */
  write(data: Uint8Array): Promise<void> | undefined;
  /** Closes the connection (idempotent). */
  close(): void;
}

/** A listening TCP socket. */
export interface Listener {
  /** The port it listens on (useful after asking for port 0). */
  readonly port: number;
  /** Resolves with the next connection, or `null` once the listener is closed. */
  accept(): Promise<Conn | null>;
  /** Stops listening (idempotent); pending and later `accept()` calls resolve with `null`. */
  close(): void;
}

/** What a runtime adapter provides. */
export interface Net {
  /** The adapter's name, for reports (e.g. `Deno.listen`). */
  readonly name: string;
  /** Listens on `hostname:port` (port 0: an ephemeral port). */
  listen(hostname: string, port: number): Listener;
}

/** The adapter for the runtime running this code. */
export const net: Net = runtimeKey === "bun" ? bunNet : denoNet;
