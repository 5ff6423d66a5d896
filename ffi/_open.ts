// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// Loads the native library on whichever runtime runs this code. Internal until native
// greenlets are exposed; the resolution order is: an explicit path, then GREENLET_LIBRARY_PATH,
// then the local build in zig-out/lib.

import { fileURLToPath } from "node:url";
import process from "node:process";
import { runtimeKey } from "../src/_runtime.ts";
import { openBun } from "./_bun.ts";
import { openDeno } from "./_deno.ts";
import type { NativeLibrary } from "./_library.ts";

/** The file name of the host library as `zig build` names it. */
export function libraryFileName(platform: string = process.platform): string {
  if (platform === "win32") return "greenlet.dll";
  if (platform === "darwin") return "libgreenlet.dylib";
  return "libgreenlet.so";
}

/** Where the library is looked for when no path is given. */
export function defaultLibraryPath(): string {
  const fromEnv = process.env.GREENLET_LIBRARY_PATH;
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
  const dir = process.platform === "win32" ? "bin" : "lib";
  return fileURLToPath(new URL(`../zig-out/${dir}/${libraryFileName()}`, import.meta.url));
}

/** Opens the native library with this runtime's FFI. */
export async function openLibrary(path: string = defaultLibraryPath()): Promise<NativeLibrary> {
  if (typeof path !== "string" || path === "") {
    throw new TypeError("Cannot open the native library: path must be a non-empty string");
  }
  if (runtimeKey === "bun") return await openBun(path);
  if (runtimeKey === "deno") return openDeno(path);
  throw new TypeError("Cannot open the native library: only Deno and Bun have FFI here");
}
