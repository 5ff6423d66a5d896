// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// What the two echo servers share: their command line, the line announcing the port, and the
// bounded run time (a server on this machine never outlives its --seconds).

import process from "node:process";
import { type Listener, net } from "./_net.ts";

/** Echo server options: `--port=0` (an ephemeral port) and `--seconds=30` (run time). */
export interface EchoOptions {
  port: number;
  seconds: number;
}

/** Loopback only: the examples never listen beyond this machine. */
export const HOST = "127.0.0.1";

/** Bytes per read. */
export const READ_SIZE = 4096;

/** Parses `--port=N --seconds=S`. */
export function echoOptions(args: string[] = process.argv.slice(2)): EchoOptions {
  const options: EchoOptions = { port: 0, seconds: 30 };
  for (const arg of args) {
    const [key, value] = arg.split("=", 2);
    const number = Number(value);
    if (!Number.isFinite(number) || number < 0) {
      throw new RangeError(`Cannot parse argument "${arg}": expected a non-negative number`);
    }
    if (key === "--port") options.port = number;
    else if (key === "--seconds") options.seconds = number;
    else throw new RangeError(`Cannot parse argument "${arg}"`);
  }
  return options;
}

/**
 * Listens on HOST, prints `listening HOST:PORT (adapter)` on stdout (what tests and the load
 * generator read), and closes the listener after `seconds`; returns the listener.
 */
export function listenBounded(options: EchoOptions, label: string): Listener {
  const listener = net.listen(HOST, options.port);
  console.log(`listening ${HOST}:${listener.port} (${label} over ${net.name})`);
  setTimeout(() => listener.close(), options.seconds * 1000);
  return listener;
}
