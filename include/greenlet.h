/*
 * greenlet.h - C interface of the native greenlet library (zig/exports.zig).
 *
 * Stackful coroutines with python-greenlet's tree semantics. Each OS thread
 * has its own tree whose root is the thread's own stack: switching from the
 * root into a greenlet returns from that call only when something switches
 * back to the root (or a greenlet finishes into it).
 *
 * Conventions:
 *   - Every function except greenlet_abi_version and greenlet_status_name
 *     returns a greenlet_status; GREENLET_OK is 0.
 *   - Greenlets are named by a handle: a slot and a generation, passed as two
 *     uint32_t parameters and written out as a greenlet_handle (below).
 *   - A handle belongs to the thread that created it; any call naming it from
 *     another thread fails with GREENLET_WRONG_THREAD and changes nothing.
 *   - One pointer-sized value travels with every switch, with a
 *     greenlet_kind saying whether it is a value, a throw or a kill.
 *   - greenlet_stats, greenlet_pool_set_cap, greenlet_abi_version and
 *     greenlet_status_name are process-wide and thread-safe.
 *   - FP control state (MXCSR/x87 CW, FPCR, frm) is thread state: switches
 *     leave it alone; a new greenlet starts with its creator's state as of
 *     greenlet_create. Restore modes you change before switching away.
 *   - Stacks: 1 MiB usable by default, 64 KiB guard below; overflow faults.
 *
 * Cases a caller meets, one sentence each (zig/exports.zig tests each):
 *   - greenlet_status_name returns "unknown" (never NULL) for a number that
 *     is not a greenlet_status.
 *   - GREENLET_STAT_GREENLETS_LIVE counts roots too: a thread's first call
 *     that needs its tree creates its root and adds one.
 *   - out_count of greenlet_stats and out_cap of greenlet_pool_set_cap may
 *     be NULL; greenlet_stats(NULL, 0, &count) is GREENLET_OK and writes 0,
 *     while NULL with a non-zero capacity is GREENLET_NULL_POINTER.
 *   - greenlet_create reads parent slot 0 as "the current greenlet", but
 *     greenlet_set_parent refuses slot 0 with GREENLET_INVALID_HANDLE.
 *   - A dead greenlet may become a parent: whatever reaches it (a child's
 *     result, a switch) goes on to its nearest live ancestor.
 *   - A greenlet that died unstarted (a throw or kill into it while pending)
 *     reports GREENLET_FLAG_STARTED | GREENLET_FLAG_DEAD: dead implies started.
 *   - A child's result that reaches a pending parent starts it with that
 *     result as its first value; a throw that reaches it makes it die
 *     unstarted (its entry never runs) and goes on to its own parent.
 *   - A kill aimed at the root reaches the root as a GREENLET_KIND_KILL
 *     message (its pending switch returns it); the library never ends a root.
 *   - A switch, throw or kill to oneself returns its own kind and value at
 *     once, without switching.
 *   - A greenlet's stack goes back to the pool when the greenlet dies (or
 *     dies unstarted), not when its handle is destroyed.
 *   - greenlet_pool_set_cap clamps a cap above GREENLET_POOL_MAX_CAP to it
 *     without an error and reports the applied cap in *out_cap.
 *
 * Handles: a destroyed handle never names a greenlet again. Each destroy
 * moves its slot to the next generation, and a slot whose generation would
 * wrap (after 2^32 - 1 handles) is retired for good. Generations start at
 * 1, so a handle whose generation was lost (0) never names a greenlet.
 * Why two uint32_t parameters and not one uint64_t: Deno FFI takes a 64-bit
 * integer only as a BigInt (a JS number leaves its fast call path, about
 * 110 ns instead of 13), and bun:ffi takes a BigInt argument at about twice
 * the cost of a call with u32 ones (greenlet_state's shape: 11 ns with a u32
 * handle, 15 with two, 29 with a BigInt; Deno: the same within noise).
 * Measured by bench/ffi_calls.ts; figures in docs/handles.md.
 */
#ifndef GREENLET_H
#define GREENLET_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define GREENLET_ABI_VERSION 2u

/* Largest cap greenlet_pool_set_cap applies. */
#define GREENLET_POOL_MAX_CAP 4096u

/*
 * A greenlet's name, as written by greenlet_root, greenlet_current,
 * greenlet_create and greenlet_parent; pass h.slot, h.generation to the
 * calls. Slot 0 names no greenlet (any generation).
 */
typedef struct greenlet_handle {
    uint32_t slot;
    uint32_t generation;
} greenlet_handle;

typedef enum greenlet_status {
    GREENLET_OK = 0,
    GREENLET_INVALID_HANDLE = 1,     /* slot 0, destroyed or never created */
    GREENLET_WRONG_THREAD = 2,       /* handle owned by another thread */
    GREENLET_NULL_POINTER = 3,       /* a required pointer was NULL */
    GREENLET_INVALID_ARGUMENT = 4,
    GREENLET_INVALID_STACK_SIZE = 5, /* above 1 GiB */
    GREENLET_OUT_OF_MEMORY = 6,      /* stack reservation failed */
    GREENLET_TOO_MANY_GREENLETS = 7, /* more than 2^20 - 1 alive */
    GREENLET_CYCLIC_PARENT = 8,
    GREENLET_ROOT_HAS_NO_PARENT = 9, /* a root's parent cannot be set */
    GREENLET_ALIVE = 10              /* destroy of a started, unfinished greenlet or a root */
} greenlet_status;

/* What a resumed greenlet (or the caller of a switch) received. */
typedef enum greenlet_kind {
    GREENLET_KIND_VALUE = 0, /* a plain value */
    GREENLET_KIND_THROW = 1, /* an exception payload: unwind and finish with it */
    GREENLET_KIND_KILL = 2   /* a kill request: finish (may be ignored, see below) */
} greenlet_kind;

/* greenlet_state flags. */
#define GREENLET_FLAG_STARTED 1u
#define GREENLET_FLAG_ACTIVE 2u
#define GREENLET_FLAG_DEAD 4u
#define GREENLET_FLAG_CURRENT 8u
#define GREENLET_FLAG_ROOT 16u

/* greenlet_stats indices. */
enum greenlet_stat {
    GREENLET_STAT_STACKS_CREATED = 0,
    GREENLET_STAT_STACKS_REUSED = 1,
    GREENLET_STAT_STACKS_UNMAPPED = 2,
    GREENLET_STAT_STACKS_IN_USE = 3,
    GREENLET_STAT_STACKS_POOLED = 4,
    GREENLET_STAT_POOL_CAP = 5,
    GREENLET_STAT_RESERVED_BYTES = 6,
    GREENLET_STAT_GREENLETS_LIVE = 7,
    GREENLET_STAT_DEFAULT_STACK_BYTES = 8,
    GREENLET_STAT_GUARD_BYTES = 9,
    GREENLET_STAT_COUNT = 10
};

/*
 * Body of a greenlet, run on its own stack. `arg` is the creation argument,
 * `value` the first switch value. Write the result to *result and return how
 * the greenlet finished: GREENLET_KIND_VALUE (parent receives a value),
 * GREENLET_KIND_THROW (parent receives a throw) or GREENLET_KIND_KILL (it
 * obeyed a kill; the parent receives the result as a value). Other numbers
 * count as GREENLET_KIND_THROW. The result goes to the parent current at
 * that moment, or its nearest live ancestor.
 */
typedef uint32_t (*greenlet_entry)(uintptr_t arg, uintptr_t value, uintptr_t *result);

uint32_t greenlet_abi_version(void);
const char *greenlet_status_name(int status);

/* The calling thread's root greenlet / the running greenlet. */
greenlet_status greenlet_root(greenlet_handle *out_handle);
greenlet_status greenlet_current(greenlet_handle *out_handle);

/*
 * Creates a pending greenlet. parent_slot 0 = the current greenlet;
 * stack_bytes 0 = the default (1 MiB usable, lazily committed, rounded up to
 * 64 KiB).
 */
greenlet_status greenlet_create(greenlet_entry entry, uintptr_t arg, uint32_t parent_slot,
                                uint32_t parent_generation, size_t stack_bytes,
                                greenlet_handle *out_handle);

/*
 * Switch to target with a value / a throw / a kill. Returns when some
 * greenlet switches back to the caller; *out_kind and *out_value (either may
 * be NULL) then hold what it sent. A dead target passes the message to its
 * nearest live ancestor (a kill becomes a value there); a throw or kill into
 * a pending target makes it die unstarted. A kill that the target ignores
 * (it switches away instead of finishing) leaves it alive: the killer just
 * receives what it was sent.
 */
greenlet_status greenlet_switch(uint32_t slot, uint32_t generation, uintptr_t value,
                                uint32_t *out_kind, uintptr_t *out_value);
greenlet_status greenlet_throw(uint32_t slot, uint32_t generation, uintptr_t value,
                               uint32_t *out_kind, uintptr_t *out_value);
greenlet_status greenlet_kill(uint32_t slot, uint32_t generation, uintptr_t value,
                              uint32_t *out_kind, uintptr_t *out_value);

/* Parent (slot 0 for a root; may name a destroyed greenlet) and reparenting. */
greenlet_status greenlet_parent(uint32_t slot, uint32_t generation, greenlet_handle *out_parent);
greenlet_status greenlet_set_parent(uint32_t slot, uint32_t generation, uint32_t parent_slot,
                                    uint32_t parent_generation);

/* GREENLET_FLAG_* bits. */
greenlet_status greenlet_state(uint32_t slot, uint32_t generation, uint32_t *out_flags);

/*
 * Ends a pending or dead greenlet's handle; a pending one dies unstarted
 * first (its stack goes back to the pool then). A dead greenlet's stack is
 * already back in the pool: it went there when the greenlet died.
 */
greenlet_status greenlet_destroy(uint32_t slot, uint32_t generation);

/* Copies up to `capacity` counters (enum greenlet_stat order); *out_count = copied. */
greenlet_status greenlet_stats(uint64_t *out_values, uint32_t capacity, uint32_t *out_count);

/* Sets the free-stack pool cap (default 64, clamped to GREENLET_POOL_MAX_CAP); trims the pool. */
greenlet_status greenlet_pool_set_cap(uint32_t cap, uint32_t *out_cap);

#ifdef __cplusplus
}
#endif

#endif /* GREENLET_H */
