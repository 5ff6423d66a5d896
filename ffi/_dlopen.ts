// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// The one place that picks the FFI adapter for the runtime running this code.

import type { OpenTable, SymbolTable } from "./_binding.ts";
import { bunForeign, dlopenBun } from "./_bun.ts";
import { denoForeign, dlopenDeno } from "./_deno.ts";
import type { ForeignRuntime } from "./_foreign.ts";
import { runtimeKey } from "./_runtime.ts";

/** Opens `table` from the library at `path` with this runtime's FFI. */
export async function dlopen<T extends SymbolTable>(path: string, table: T): Promise<OpenTable<T>> {
  if (runtimeKey === "bun") return await dlopenBun(path, table);
  if (runtimeKey === "deno") return dlopenDeno(path, table);
  throw new TypeError("Cannot open a native library: only Deno and Bun have FFI here");
}

/** The native bridge's runtime part (buffer addresses, memory views, runtime callbacks). */
export async function foreignRuntime(): Promise<ForeignRuntime> {
  if (runtimeKey === "bun") return await bunForeign();
  if (runtimeKey === "deno") return denoForeign;
  throw new TypeError("Cannot use native functions: only Deno and Bun have FFI here");
}
