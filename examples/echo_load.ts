// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// Load generator for the echo servers: many loopback clients, each sending one message and
// waiting for its echo before sending the next. Runs in its own process.
//
//   deno run -A examples/echo_load.ts --port=PORT [--clients=1000] [--size=64] [--seconds=10]
//   bun run examples/echo_load.ts --port=PORT [same options]
//
// Connects every client and waits for its first echo, then counts the echoes completed during
// `seconds`, and prints one JSON line: { clients, size, seconds, requests, rps, echoedBefore }
// (echoedBefore: the echoes before the timed window, at least one per client). A client that
// sees bytes other than its own message fails the run.

import { connect, type Socket } from "node:net";
import process from "node:process";

interface LoadOptions {
  port: number;
  clients: number;
  size: number;
  seconds: number;
}

function parse(args: string[]): LoadOptions {
  const options: LoadOptions = { port: 0, clients: 1000, size: 64, seconds: 10 };
  for (const arg of args) {
    const [key, value] = arg.split("=", 2);
    const number = Number(value);
    const name = key.replace(/^--/, "");
    if (!(name in options) || !Number.isFinite(number) || number <= 0) {
      throw new RangeError(`Cannot parse argument "${arg}"`);
    }
    options[name as keyof LoadOptions] = number;
  }
  if (options.port === 0) throw new RangeError("Cannot run without --port=PORT");
  return options;
}

interface Counter {
  requests: number;
  running: boolean;
  /** The first failure seen after the clients connected. */
  error: Error | null;
}

/**
 * One client: resolves once connected and its first message came back (so that every client has
 * had one echo, however slow the server is to start answering); counts echoes into `counter`
 * while `running`.
 */
function client(
  options: LoadOptions,
  id: number,
  counter: Counter,
): Promise<Socket> {
  const message = new Uint8Array(options.size);
  for (let i = 0; i < message.length; i++) message[i] = (id + i) & 0xff;
  let got = 0;
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port: options.port }, () => {
      socket.setNoDelay(true);
      socket.write(message);
    });
    socket.on("error", (error) => {
      counter.error ??= error;
      reject(error);
    });
    socket.on("close", () => reject(new Error(`Client ${id} was closed before its first echo`)));
    socket.on("data", (chunk: Uint8Array) => {
      for (let i = 0; i < chunk.length; i++) {
        if (chunk[i] !== message[got]) {
          counter.error ??= new Error(`Client ${id} received a byte that is not its own message`);
          reject(counter.error);
          socket.destroy();
          return;
        }
        if (++got === message.length) {
          got = 0;
          counter.requests++;
          resolve(socket); // the first echo (later calls do nothing)
          if (counter.running) socket.write(message);
        }
      }
    });
  });
}

async function main(): Promise<void> {
  const options = parse(process.argv.slice(2));
  const counter: Counter = { requests: 0, running: true, error: null };
  const sockets: Socket[] = [];
  // Connect in waves so the server's accept backlog is never the limit.
  for (let i = 0; i < options.clients; i += 100) {
    const wave = [];
    for (let j = i; j < Math.min(options.clients, i + 100); j++) {
      wave.push(client(options, j, counter));
    }
    sockets.push(...await Promise.all(wave));
  }
  const start = counter.requests;
  const t0 = performance.now();
  await new Promise((resolve) => setTimeout(resolve, options.seconds * 1000));
  const requests = counter.requests - start;
  const seconds = (performance.now() - t0) / 1000;
  counter.running = false;
  for (const socket of sockets) socket.destroy();
  if (counter.error !== null) throw counter.error;
  console.log(JSON.stringify({
    clients: options.clients,
    size: options.size,
    seconds,
    requests,
    rps: requests / seconds,
    echoedBefore: start,
  }));
  process.exit(0);
}

await main();
