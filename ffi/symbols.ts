// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// The one FFI symbol table, in Deno's spelling; ffi/_bun.ts translates it for bun:ffi and
// ffi/_binding.ts types the functions from it, so adding an export is one entry here (and its
// prototype in include/greenlet.h). tests/symbols_test.ts checks every entry against the header,
// which zig/header_test.zig checks against the Zig exports.

import type { SymbolTable } from "./_binding.ts";

/** (slot, generation, value, out_tag, out_value) of greenlet_switch, _throw and _kill. */
const transfer = {
  parameters: [
    "u32", // uint32_t slot
    "u32", // uint32_t generation
    "usize", // uintptr_t value
    "buffer", // uint32_t *out_tag
    "buffer", // uintptr_t *out_value
  ],
  result: "i32", // greenlet_status
} as const;

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
      "u32", // uint32_t parent_slot
      "u32", // uint32_t parent_generation
      "usize", // size_t stack_bytes
      "buffer", // greenlet_handle *out_handle
    ],
    result: "i32",
  },
  greenlet_switch: transfer,
  greenlet_throw: transfer,
  greenlet_kill: transfer,
  // (uint32_t slot, uint32_t generation, greenlet_message *message): the relay's transfer. The
  // message is a pointer made once, not a buffer: on Deno a buffer parameter costs about 10 ns
  // more per (fast) call than a pointer one, once per callback round trip.
  greenlet_send: { parameters: ["u32", "u32", "pointer"], result: "i32" },
  // (uint32_t slot, uint32_t generation, greenlet_handle *out_parent)
  greenlet_parent: { parameters: ["u32", "u32", "buffer"], result: "i32" },
  // (uint32_t slot, uint32_t generation, uint32_t parent_slot, uint32_t parent_generation)
  greenlet_set_parent: { parameters: ["u32", "u32", "u32", "u32"], result: "i32" },
  // (uint32_t slot, uint32_t generation, uint32_t *out_flags)
  greenlet_state: { parameters: ["u32", "u32", "buffer"], result: "i32" },
  greenlet_destroy: { parameters: ["u32", "u32"], result: "i32" }, // (slot, generation)
  // (uint64_t *out_values, uint32_t capacity, uint32_t *out_count)
  greenlet_stats: { parameters: ["buffer", "u32", "buffer"], result: "i32" },
  greenlet_pool_set_cap: { parameters: ["u32", "buffer"], result: "i32" }, // (cap, uint32_t *out_cap)
  greenlet_thread_exit: { parameters: [], result: "i32" }, // (void)
  // Native bridge (docs/native_bridge.md).
  // (greenlet_call_frame *frame, uint32_t parent_slot, uint32_t parent_generation,
  //  size_t stack_bytes, greenlet_handle *out_handle)
  greenlet_call_create: { parameters: ["buffer", "u32", "u32", "usize", "buffer"], result: "i32" },
  // (const greenlet_signature *signature, uintptr_t fallback, uintptr_t main_handler,
  //  uint32_t *out_slot, uintptr_t *out_address)
  greenlet_callback_register: {
    parameters: ["buffer", "usize", "usize", "buffer", "buffer"],
    result: "i32",
  },
  greenlet_callback_release: { parameters: ["u32"], result: "i32" }, // (uint32_t slot)
  // (uintptr_t *out_pending, uintptr_t *out_misuses)
  greenlet_callback_words: { parameters: ["buffer", "buffer"], result: "i32" },
  // (uintptr_t *out_words): the calling thread's greenlet_words
  greenlet_switch_words: { parameters: ["buffer"], result: "i32" },
} as const satisfies SymbolTable;

/** The symbol table's type. */
export type Symbols = typeof symbols;
