// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// The one place that picks the FFI adapter for the runtime running this code.

import type { OpenTable, SymbolTable } from "./_binding.ts";
import { dlopenBun } from "./_bun.ts";
import { dlopenDeno } from "./_deno.ts";
import { runtimeKey } from "./_runtime.ts";

/** Opens `table` from the library at `path` with this runtime's FFI. */
export async function dlopen<T extends SymbolTable>(path: string, table: T): Promise<OpenTable<T>> {
  if (runtimeKey === "bun") return await dlopenBun(path, table);
  if (runtimeKey === "deno") return dlopenDeno(path, table);
  throw new TypeError("Cannot open a native library: only Deno and Bun have FFI here");
}
