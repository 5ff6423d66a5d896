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
 *     greenlet_tag saying whether it is a value, a throw or a kill.
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
 *   - A kill aimed at the root reaches the root as a GREENLET_TAG_KILL
 *     message (its pending switch returns it); the library never ends a root.
 *   - A switch, throw or kill to oneself returns its own tag and value at
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
    GREENLET_ALIVE = 10,             /* destroy of a started, unfinished greenlet or a root */
    GREENLET_MAP_LIMIT = 11          /* raise vm.max_map_count (Linux), see "Limits" below */
} greenlet_status;

/* What a resumed greenlet (or the caller of a switch) received. */
typedef enum greenlet_tag {
    GREENLET_TAG_VALUE = 0, /* a plain value */
    GREENLET_TAG_THROW = 1, /* an exception payload: unwind and finish with it */
    GREENLET_TAG_KILL = 2   /* a kill request: finish (may be ignored, see below) */
} greenlet_tag;

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
    GREENLET_STAT_STACKS_DISCARDED = 10, /* deep stacks whose lower pages were given back */
    GREENLET_STAT_COUNT = 11
};

/*
 * Body of a greenlet, run on its own stack. `arg` is the creation argument,
 * `value` the first switch value. Write the result to *result and return how
 * the greenlet finished: GREENLET_TAG_VALUE (parent receives a value),
 * GREENLET_TAG_THROW (parent receives a throw) or GREENLET_TAG_KILL (it
 * obeyed a kill; the parent receives the result as a value). Other numbers
 * count as GREENLET_TAG_THROW. The result goes to the parent current at
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
 * greenlet switches back to the caller; *out_tag and *out_value (either may
 * be NULL) then hold what it sent. A dead target passes the message to its
 * nearest live ancestor (a kill becomes a value there); a throw or kill into
 * a pending target makes it die unstarted. A kill that the target ignores
 * (it switches away instead of finishing) leaves it alive: the killer just
 * receives what it was sent.
 */
greenlet_status greenlet_switch(uint32_t slot, uint32_t generation, uintptr_t value,
                                uint32_t *out_tag, uintptr_t *out_value);
greenlet_status greenlet_throw(uint32_t slot, uint32_t generation, uintptr_t value,
                               uint32_t *out_tag, uintptr_t *out_value);
greenlet_status greenlet_kill(uint32_t slot, uint32_t generation, uintptr_t value,
                              uint32_t *out_tag, uintptr_t *out_value);

/*
 * One call per transfer for a host that relays a greenlet's messages (the
 * JS side): message->tag GREENLET_TAG_VALUE / _THROW / _KILL sends
 * message->value as greenlet_switch / _throw / _kill would (another tag:
 * GREENLET_INVALID_ARGUMENT). When some greenlet switches back, *message
 * holds what it sent (tag, value) and message->flags the target's
 * GREENLET_FLAG_* bits at that moment (0 if its handle is gone), so the host
 * learns whether the target finished without another call. On an error
 * *message is unchanged. Every supported target is little-endian: value's
 * low 32 bits come first.
 *
 * GREENLET_SEND_REALIGN in message->flags before the call is a hint: the
 * send then returns with the CPU's return-stack buffer realigned, for a
 * caller that unwinds many frames right after it, at the cost of one
 * mispredicted return in the send (x86_64 Linux; ignored elsewhere).
 * Without it every return into a frame older than the send mispredicts, as
 * the greenlet side's call into its switch stays on the buffer.
 */
#define GREENLET_SEND_REALIGN 2147483648u

typedef struct greenlet_message {
    uint32_t tag;
    uint32_t flags;
    uintptr_t value;
} greenlet_message;

greenlet_status greenlet_send(uint32_t slot, uint32_t generation, greenlet_message *message);

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

/*
 * Threads, memory and limits.
 *
 * Thread exit: when a thread exits, its tree (root, pending, suspended and
 * dead greenlets, their handles and stacks) is freed automatically on Linux
 * with glibc (through __cxa_thread_atexit_impl), macOS (a pthread key) and
 * Windows (fiber-local storage). Elsewhere (musl, or a static binary without
 * glibc) a thread calls greenlet_thread_exit() before it exits, or its tree
 * stays allocated and counted. Suspended greenlets of an exiting thread are
 * freed without being resumed: code after their last switch never runs, so
 * destructors and cleanup handlers on their stacks do not run. A thread that
 * exits while one of its greenlets (not the root) is running leaks that
 * greenlet's stack. The callback slots the thread registered
 * (greenlet_callback_register) and did not release are freed with its tree.
 *
 * greenlet_thread_exit frees the calling thread's tree now, in the same way;
 * its handles become invalid and a later call builds a new tree. It returns
 * GREENLET_ALIVE (and frees nothing) when called from a greenlet other than
 * the thread's root, and GREENLET_OK when the thread has no tree.
 *
 * Memory: a new greenlet's stack is reserved, not committed; it costs the
 * pages the greenlet touches (about 4-8 KiB for a shallow one). A stack
 * goes back to the pool when its greenlet dies (not at greenlet_destroy);
 * reusing it makes no system call. The pool keeps the top 16 KiB of a stack
 * resident; when a greenlet went deeper (its frames wrote into the 512 bytes
 * below that mark), the rest is given back at its death with one madvise
 * (GREENLET_STAT_STACKS_DISCARDED). Trimming the pool unmaps stacks.
 * Besides the shared pool, each thread keeps up to 4 free stacks of its
 * own (fewer when the cap is lower; none at cap 0), counted as pooled and
 * handed to the shared pool when the thread exits; greenlet_pool_set_cap
 * trims the shared pool only.
 *
 * Limits (Linux): on Linux 6.13 and later a stack's guard is a
 * MADV_GUARD_INSTALL range, which needs no memory mapping of its own
 * (neighbouring stacks even share one), so vm.max_map_count does not limit
 * the number of greenlets there: memory and the 2^20 - 1 handles do. On
 * older kernels (and under qemu-user) the guard is a PROT_NONE mapping: two
 * mappings per stack against vm.max_map_count (65530 by default), so a
 * default system runs out at about 32 700 greenlets alive or pooled at
 * once, minus half the mappings the host process already has (an idle
 * Deno 2.9 has about 130, Bun about 50; both grow with their heaps).
 * greenlet_create then returns GREENLET_MAP_LIMIT: a stack reservation
 * (mmap or mprotect) failed with ENOMEM while the process's mappings (the
 * library's own two per stack, else the lines of /proc/self/maps) were
 * within 1/64 of /proc/sys/vm/max_map_count (without /proc: when the
 * guard's mprotect failed). Raise the limit, e.g. sysctl
 * vm.max_map_count=262144 (about 130 000 greenlets). Any other failed
 * reservation is GREENLET_OUT_OF_MEMORY. macOS and Windows have no such
 * limit.
 */
greenlet_status greenlet_thread_exit(void);

/*
 * Native bridge (docs/native_bridge.md): calling a C function by signature
 * on a greenlet, and callback addresses whose calls on a greenlet switch to
 * the root, which answers. Every supported target is 64-bit.
 */

/* Argument and result type codes (Deno FFI's spelling), one uint8_t each. */
enum greenlet_type {
    GREENLET_TYPE_VOID = 0, /* results only */
    GREENLET_TYPE_BOOL = 1,
    GREENLET_TYPE_U8 = 2,
    GREENLET_TYPE_I8 = 3,
    GREENLET_TYPE_U16 = 4,
    GREENLET_TYPE_I16 = 5,
    GREENLET_TYPE_U32 = 6,
    GREENLET_TYPE_I32 = 7,
    GREENLET_TYPE_U64 = 8,
    GREENLET_TYPE_I64 = 9,
    GREENLET_TYPE_USIZE = 10,
    GREENLET_TYPE_ISIZE = 11,
    GREENLET_TYPE_F32 = 12,
    GREENLET_TYPE_F64 = 13,
    GREENLET_TYPE_POINTER = 14,
    GREENLET_TYPE_BUFFER = 15,
    GREENLET_TYPE_FUNCTION = 16
};

/* Length of the argument arrays below. */
#define GREENLET_CALL_MAX_ARGS 16u
/* Number of callback slots (process-wide). */
#define GREENLET_CALLBACK_SLOTS 64u

/*
 * A C signature: only arguments passed in registers (SysV x86_64: 6
 * integer/pointer + 8 float; AAPCS64 and RISC-V LP64D: 8 + 8; Win64: 4
 * positions shared by both), no variadics. reserved must be zero.
 */
typedef struct greenlet_signature {
    uint8_t result;
    uint8_t arg_count;
    uint8_t reserved[6];
    uint8_t args[16];
} greenlet_signature;

/*
 * A call: args[i] holds argument i's bits (integers extended to 64 bits,
 * f64 bits, f32 bits in the low half). Owned by the caller, alive until the
 * greenlet is dead. abort_tag/abort_value are written by the library.
 */
typedef struct greenlet_call_frame {
    uintptr_t function;
    greenlet_signature signature;
    uint64_t args[16];
    uint32_t abort_tag;
    uint32_t reserved;
    uint64_t abort_value;
} greenlet_call_frame;

/*
 * What a callback on a greenlet sends to the root (the switch value is its
 * address, also in the thread's pending word): the slot, the greenlet it
 * runs on and its arguments (canonical: integers extended by type, f32 bits
 * in the low half). Valid until the root answers.
 */
typedef struct greenlet_callback_record {
    uint32_t slot;
    uint32_t arg_count;
    greenlet_handle greenlet;
    uint64_t args[16];
} greenlet_callback_record;

/*
 * Creates a pending greenlet that calls frame->function(frame->args...) when
 * first switched to (the value is ignored) and finishes to its parent with
 * the result's bits as a value (0 for void). GREENLET_INVALID_ARGUMENT for a
 * bad signature or a NULL function.
 */
greenlet_status greenlet_call_create(greenlet_call_frame *frame, uint32_t parent_slot,
                                     uint32_t parent_generation, size_t stack_bytes,
                                     greenlet_handle *out_handle);

/*
 * Takes a callback slot for the calling thread; *out_address is the code
 * address C calls. On one of this thread's greenlets a call switches to the
 * root with a greenlet_callback_record; the root answers with
 * greenlet_switch (the value is the result's bits) or with greenlet_throw /
 * greenlet_kill (the callback returns `fallback`, every later callback of
 * that call greenlet too, and the call greenlet finishes with that throw or
 * kill). fallback is the result's bits. On the root stack it calls the
 * function at address main_handler (same signature) or returns fallback if 0; on another thread it returns fallback. Both of those
 * fallbacks count a misuse. GREENLET_OUT_OF_MEMORY when every slot is taken.
 */
greenlet_status greenlet_callback_register(const greenlet_signature *signature, uintptr_t fallback,
                                           uintptr_t main_handler, uint32_t *out_slot,
                                           uintptr_t *out_address);

/* Frees a slot of this thread (GREENLET_WRONG_THREAD for another's). */
greenlet_status greenlet_callback_release(uint32_t slot);

/*
 * Addresses of the calling thread's pending word (uintptr_t: the record the
 * switch that just reached the root carries, 0 if it is no callback; the
 * root clears it after reading) and of the process-wide misuse count
 * (uint64_t). Both stay valid for the thread's and process's life.
 */
greenlet_status greenlet_callback_words(uintptr_t *out_pending, uintptr_t *out_misuses);

/*
 * Switch words: the calling thread's, at a fixed address for its life
 * (greenlet_switch_words). They let a host that is the root (the JS side)
 * keep its own tree in step when greenlets switch among themselves in C.
 *   - origin: the greenlet that made the last switch, throw, kill or finish.
 *     When a switch into a greenlet returns to the root, it names the
 *     greenlet that reached the root (not necessarily the one switched to).
 *   - target: when a switch, throw or kill between two greenlets (neither of
 *     them the root) came to the root instead of its target, that target; the
 *     message arrives unchanged (tag and value as sent). This happens while
 *     route is not 0, and always for a dead target. The root clears target
 *     after reading it; it is never cleared by the library.
 *   - route: set by the root. Not 0: switches between two greenlets go to
 *     the root (see target), which performs them itself. 0: they go
 *     directly, as in any greenlet tree. Kept across greenlet_thread_exit.
 */
typedef struct greenlet_words {
    greenlet_handle origin;
    greenlet_handle target;
    uint32_t route;
    uint32_t reserved;
} greenlet_words;

/* Address of the calling thread's greenlet_words (creates its tree). */
greenlet_status greenlet_switch_words(uintptr_t *out_words);

#ifdef __cplusplus
}
#endif

#endif /* GREENLET_H */
