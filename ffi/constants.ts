// Copyright 2026 the greenlet for Deno and Bun authors. MIT license.
// The C constants of include/greenlet.h under TypeScript names: `Status.INVALID_HANDLE` is
// GREENLET_INVALID_HANDLE, `Tag.KILL` GREENLET_TAG_KILL, `Flag.DEAD` GREENLET_FLAG_DEAD,
// `Stat.GREENLETS_LIVE` GREENLET_STAT_GREENLETS_LIVE. tests/constants_test.ts checks that the
// header and this file name the same constants with the same values.

/** GREENLET_ABI_VERSION: the library's `greenlet_abi_version()` must return it. */
export const ABI_VERSION = 2;

/** GREENLET_POOL_MAX_CAP: the largest cap `greenlet_pool_set_cap` applies. */
export const POOL_MAX_CAP = 4096;

/**
 * GREENLET_SEND_REALIGN: in a message's flags before `greenlet_send`, asks it to return with
 * the return-stack buffer realigned (for a caller that unwinds many frames next).
 */
export const SEND_REALIGN = 0x8000_0000;

/** `greenlet_status` values, returned by every call but the two that return names. */
export const Status = {
  OK: 0,
  INVALID_HANDLE: 1,
  WRONG_THREAD: 2,
  NULL_POINTER: 3,
  INVALID_ARGUMENT: 4,
  INVALID_STACK_SIZE: 5,
  OUT_OF_MEMORY: 6,
  TOO_MANY_GREENLETS: 7,
  CYCLIC_PARENT: 8,
  ROOT_HAS_NO_PARENT: 9,
  ALIVE: 10,
  MAP_LIMIT: 11,
} as const;

/** `greenlet_tag` values: what travels with a switch besides the value. */
export const Tag = { VALUE: 0, THROW: 1, KILL: 2 } as const;

/** `greenlet_state` flag bits. */
export const Flag = { STARTED: 1, ACTIVE: 2, DEAD: 4, CURRENT: 8, ROOT: 16 } as const;

/** `greenlet_stats` indices; COUNT is how many there are. */
export const Stat = {
  STACKS_CREATED: 0,
  STACKS_REUSED: 1,
  STACKS_UNMAPPED: 2,
  STACKS_IN_USE: 3,
  STACKS_POOLED: 4,
  POOL_CAP: 5,
  RESERVED_BYTES: 6,
  GREENLETS_LIVE: 7,
  DEFAULT_STACK_BYTES: 8,
  GUARD_BYTES: 9,
  STACKS_DISCARDED: 10,
  COUNT: 11,
} as const;

/** GREENLET_CALL_MAX_ARGS: length of a signature's and a call frame's argument arrays. */
export const CALL_MAX_ARGS = 16;

/** GREENLET_CALLBACK_SLOTS: number of callback slots in the process. */
export const CALLBACK_SLOTS = 64;

/** `greenlet_type` codes of a `greenlet_signature` (Deno FFI's type names). */
export const Type = {
  VOID: 0,
  BOOL: 1,
  U8: 2,
  I8: 3,
  U16: 4,
  I16: 5,
  U32: 6,
  I32: 7,
  U64: 8,
  I64: 9,
  USIZE: 10,
  ISIZE: 11,
  F32: 12,
  F64: 13,
  POINTER: 14,
  BUFFER: 15,
  FUNCTION: 16,
} as const;
