// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// A loopback static file server for tests, the same on Deno and Bun (node:net, so a test decides
// byte by byte what goes on the wire). Serves a folder on 127.0.0.1 at an ephemeral port with
// the content types Deno accepts for modules (TypeScript as application/typescript), and can be
// told to serve a path tampered with, cut short, or to drop the connection in the middle of the
// body. Every request is one connection (Connection: close).

import { createServer, type Server, type Socket } from "node:net";
import { readFile } from "node:fs/promises";
import { extname, join, normalize, sep } from "node:path";

/** How one path is served instead of its file's bytes. */
export type Fault =
  /** These bytes instead of the file's, with a matching Content-Length. */
  | { readonly action: "replace"; readonly bytes: Uint8Array }
  /** The file's first `bytes` bytes, with a Content-Length that says so, then a clean close. */
  | { readonly action: "truncate"; readonly bytes: number }
  /** The full Content-Length, the first `bytes` bytes of the body, then the socket destroyed. */
  | { readonly action: "drop"; readonly bytes: number }
  /** An HTTP status with an empty body. */
  | { readonly action: "status"; readonly status: number };

/** A running server. */
export interface StaticServer {
  /** `http://127.0.0.1:<port>/`, the served folder's root. */
  readonly url: URL;
  /** The paths requested so far, in order (e.g. `/ffi/_open.ts`). */
  readonly requests: string[];
  /** Serves `path` (as requested, e.g. `/native/x/lib.so`) with a fault until cleared. */
  fault(path: string, fault: Fault): void;
  /** Serves every path from its file again. */
  clearFaults(): void;
  /** Stops listening and ends open connections. */
  close(): Promise<void>;
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  ".ts": "application/typescript; charset=utf-8",
  ".mts": "application/typescript; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".md": "text/markdown; charset=utf-8",
  ".html": "text/html; charset=utf-8",
};

const REASONS: Readonly<Record<number, string>> = {
  200: "OK",
  400: "Bad Request",
  404: "Not Found",
  405: "Method Not Allowed",
  500: "Internal Server Error",
  503: "Service Unavailable",
};

/**
 * Starts serving `root` (a folder) on 127.0.0.1 at a free port.
 *
 * @example Serving a folder
 * ```ts ignore
 * const server = await startStaticServer("/some/folder");
 * const response = await fetch(new URL("mod.ts", server.url));
 * await server.close();
 * ```
 */
export async function startStaticServer(root: string): Promise<StaticServer> {
  const base = normalize(root + sep);
  const faults = new Map<string, Fault>();
  const requests: string[] = [];
  const sockets = new Set<Socket>();

  const respond = async (socket: Socket, method: string, target: string): Promise<void> => {
    const path = decodeURIComponent(new URL(target, "http://x").pathname);
    requests.push(path);
    if (method !== "GET" && method !== "HEAD") return send(socket, 405, new Uint8Array(), method);
    const fault = faults.get(path);
    if (fault?.action === "status") return send(socket, fault.status, new Uint8Array(), method);
    const file = normalize(join(base, path));
    if (!file.startsWith(base)) return send(socket, 400, new Uint8Array(), method);
    let bytes: Uint8Array;
    try {
      bytes = fault?.action === "replace" ? fault.bytes : await readFile(file);
    } catch {
      return send(socket, 404, new Uint8Array(), method);
    }
    const type = CONTENT_TYPES[extname(file)] ?? "application/octet-stream";
    if (fault?.action === "truncate") bytes = bytes.subarray(0, fault.bytes);
    if (fault?.action !== "drop") return send(socket, 200, bytes, method, type);
    socket.write(head(200, bytes.length, type));
    socket.write(bytes.subarray(0, fault.bytes), () => socket.destroy());
  };

  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {}); // a client that goes away is not the server's failure
    let received = "";
    const onData = (chunk: Uint8Array): void => {
      received += new TextDecoder().decode(chunk);
      const end = received.indexOf("\r\n\r\n");
      if (end === -1) return;
      socket.off("data", onData);
      const [method = "", target = "/"] = received.slice(0, received.indexOf("\r\n")).split(" ");
      respond(socket, method, target).catch(() => socket.destroy());
    };
    socket.on("data", onData);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no TCP address");
  return {
    url: new URL(`http://127.0.0.1:${address.port}/`),
    requests,
    fault: (path, fault) => faults.set(path, fault),
    clearFaults: () => faults.clear(),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

function head(status: number, length: number, type: string): string {
  return `HTTP/1.1 ${status} ${REASONS[status] ?? "Status"}\r\n` +
    `Content-Type: ${type}\r\nContent-Length: ${length}\r\nConnection: close\r\n\r\n`;
}

function send(
  socket: Socket,
  status: number,
  bytes: Uint8Array,
  method: string,
  type = "text/plain; charset=utf-8",
): void {
  socket.write(head(status, bytes.length, type));
  if (method === "GET" && bytes.length > 0) socket.write(bytes);
  socket.end();
}
