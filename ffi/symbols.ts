// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// The one FFI symbol table, in Deno's spelling; ffi/_bun.ts translates it for bun:ffi.
// tests/symbols_test.ts checks every entry against include/greenlet.h (which zig/header_test.zig
// checks against the Zig exports), so the three cannot drift apart.

/** Every exported C function of the native library, with its C prototype. */
export const symbols = {
  greenlet_abi_version: { parameters: [], result: "u32" }, // uint32_t (void)
  greenlet_status_name: { parameters: ["i32"], result: "pointer" }, // const char *(int status)
  greenlet_root: { parameters: ["buffer"], result: "i32" }, // (greenlet_handle *out_handle)
  greenlet_current: { parameters: ["buffer"], result: "i32" }, // (greenlet_handle *out_handle)
  greenlet_create: {
    parameters: [
      "function", // greenlet_entry entry
      "usize", // uintptr_t arg
      "u32", // greenlet_handle parent
      "usize", // size_t stack_bytes
      "buffer", // greenlet_handle *out_handle
    ],
    result: "i32",
  },
  greenlet_switch: {
    parameters: [
      "u32", // greenlet_handle target
      "usize", // uintptr_t value
      "buffer", // uint32_t *out_kind
      "buffer", // uintptr_t *out_value
    ],
    result: "i32",
  },
  greenlet_throw: {
    parameters: [
      "u32", // greenlet_handle target
      "usize", // uintptr_t value
      "buffer", // uint32_t *out_kind
      "buffer", // uintptr_t *out_value
    ],
    result: "i32",
  },
  greenlet_kill: {
    parameters: [
      "u32", // greenlet_handle target
      "usize", // uintptr_t value
      "buffer", // uint32_t *out_kind
      "buffer", // uintptr_t *out_value
    ],
    result: "i32",
  },
  greenlet_parent: { parameters: ["u32", "buffer"], result: "i32" }, // (h, greenlet_handle *out)
  greenlet_set_parent: { parameters: ["u32", "u32"], result: "i32" }, // (h, greenlet_handle parent)
  greenlet_state: { parameters: ["u32", "buffer"], result: "i32" }, // (h, uint32_t *out_flags)
  greenlet_destroy: { parameters: ["u32"], result: "i32" }, // (greenlet_handle h)
  greenlet_stats: { parameters: ["buffer", "u32", "buffer"], result: "i32" }, // (uint64_t *, uint32_t, uint32_t *)
  greenlet_pool_set_cap: { parameters: ["u32", "buffer"], result: "i32" }, // (uint32_t, uint32_t *)
  greenlet_thread_exit: { parameters: [], result: "i32" }, // (void)
} as const;

/** The symbol table's type. */
export type Symbols = typeof symbols;
