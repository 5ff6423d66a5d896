// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// Where the native library is looked for when no path is given: GREENLET_LIBRARY_PATH, then the
// local build in zig-out/. ffi/_open.ts calls `libraryPath()` once; replace it there to change
// the lookup (a packaged or downloaded library, for example).

import { fileURLToPath } from "node:url";
import process from "node:process";

/** The file name of the host library as `zig build` names it. */
export function libraryFileName(platform: string = process.platform): string {
  if (platform === "win32") return "greenlet.dll";
  if (platform === "darwin") return "libgreenlet.dylib";
  return "libgreenlet.so";
}

/** The library path to open when none is given. */
export function libraryPath(): string {
  const fromEnv = process.env.GREENLET_LIBRARY_PATH;
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
  const dir = process.platform === "win32" ? "bin" : "lib";
  return fileURLToPath(new URL(`../zig-out/${dir}/${libraryFileName()}`, import.meta.url));
}
