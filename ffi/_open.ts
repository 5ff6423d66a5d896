// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// Loads the native library on whichever runtime runs this code. Internal until native
// greenlets are exposed; without an explicit path, locateLibrary() (ffi/_locate.ts) finds it.

import { runtimeKey } from "../src/_runtime.ts";
import { openBun } from "./_bun.ts";
import { openDeno } from "./_deno.ts";
import type { NativeLibrary } from "./_library.ts";
import { locateLibrary } from "./_locate.ts";

/** Opens the native library with this runtime's FFI. */
export async function openLibrary(path?: string): Promise<NativeLibrary> {
  path ??= await locateLibrary();
  if (typeof path !== "string" || path === "") {
    throw new TypeError("Cannot open the native library: path must be a non-empty string");
  }
  if (runtimeKey === "bun") return await openBun(path);
  if (runtimeKey === "deno") return openDeno(path);
  throw new TypeError("Cannot open the native library: only Deno and Bun have FFI here");
}
