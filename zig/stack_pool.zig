//! Process-wide bounded pool of free stacks, and the stack statistics.
//!
//! Freed stacks wait here and are reused by the next greenlet asking for the
//! same usable size. The steady state (a greenlet that stayed within the top
//! `Stack.keep_bytes` of its stack finishes, the next one takes its stack)
//! makes no system call: the stack keeps its resident top pages, and only a
//! stack whose greenlet went deeper (`Stack.dirtyBelowKeep`) has the rest
//! given back (one madvise, counted as `stacks_discarded`). The cap bounds
//! the address space the pool keeps; stacks beyond it are unmapped.
//! All functions are thread-safe (one spin lock, held for a few loads and
//! stores only; system calls happen outside it). The counters that change on
//! every reuse (`stacks_reused`, `stacks_in_use`, `stacks_pooled`) are
//! written under that lock with plain stores, so the steady state pays for
//! one lock per acquire and per release and no further atomic operation.

const std = @import("std");
const assert = std.debug.assert;
const Stack = @import("Stack.zig");

pub const default_cap: u32 = 64;
pub const max_cap: u32 = 4096;

comptime {
    assert(default_cap <= max_cap);
    assert(max_cap > 0);
}

/// Counters exported through `greenlet_stats`; indices are part of the ABI.
pub const Stat = enum(u32) {
    stacks_created = 0,
    stacks_reused = 1,
    stacks_unmapped = 2,
    stacks_in_use = 3,
    stacks_pooled = 4,
    pool_cap = 5,
    reserved_bytes = 6,
    greenlets_live = 7,
    default_stack_bytes = 8,
    guard_bytes = 9,
    /// Releases that gave a deep stack's lower pages back (one madvise each).
    stacks_discarded = 10,
};
pub const stat_count = @typeInfo(Stat).@"enum".field_names.len;

pub const SpinLock = struct {
    state: std.atomic.Value(u32) = .init(0),

    pub fn lock(spin: *SpinLock) void {
        // Critical sections are a handful of instructions; spinning is bounded
        // in practice by the holder finishing them.
        while (spin.state.cmpxchgWeak(0, 1, .acquire, .monotonic) != null) {
            std.atomic.spinLoopHint();
        }
    }

    pub fn unlock(spin: *SpinLock) void {
        assert(spin.state.load(.monotonic) == 1);
        spin.state.store(0, .release);
    }
};

var lock: SpinLock = .{};
var entries: [max_cap]Stack = undefined;
var entries_count: u32 = 0;
var cap: u32 = default_cap;

var counters: [stat_count]std.atomic.Value(u64) = @splat(.init(0));

pub fn counterAdd(which: Stat, delta: u64) void {
    _ = counters[@backingInt(which)].fetchAdd(delta, .monotonic);
}

pub fn counterSub(which: Stat, delta: u64) void {
    const before = counters[@backingInt(which)].fetchSub(delta, .monotonic);
    assert(before >= delta);
}

/// Changes a counter that only changes under `lock`: a load and a store
/// instead of an atomic read-modify-write (readers load it without the lock).
fn lockedAdd(which: Stat, delta: i64) void {
    assert(lock.state.load(.monotonic) == 1);
    assert(which == .stacks_reused or which == .stacks_in_use or which == .stacks_pooled);
    const counter = &counters[@backingInt(which)];
    const before = counter.load(.monotonic);
    if (delta < 0) assert(before >= @abs(delta));
    counter.store(@intCast(@as(i64, @intCast(before)) + delta), .monotonic);
}

pub fn stat(which: Stat) u64 {
    return switch (which) {
        .pool_cap => @atomicLoad(u32, &cap, .monotonic),
        .default_stack_bytes => Stack.default_usable_bytes,
        .guard_bytes => Stack.guard_bytes,
        else => counters[@backingInt(which)].load(.monotonic),
    };
}

/// Returns a stack with exactly `usable_bytes` usable bytes, pooled if one
/// is free (the most recently pooled first: its top pages are the warmest).
pub fn acquire(usable_bytes: usize) Stack.Error!Stack {
    assert(usable_bytes % Stack.granule_bytes == 0);
    lock.lock();
    var index: u32 = entries_count;
    while (index > 0) {
        index -= 1;
        if (entries[index].usableBytes() == usable_bytes) {
            const stack = entries[index];
            entries_count -= 1;
            entries[index] = entries[entries_count];
            lockedAdd(.stacks_pooled, -1);
            lockedAdd(.stacks_reused, 1);
            lockedAdd(.stacks_in_use, 1);
            lock.unlock();
            return stack;
        }
    }
    lock.unlock();
    const stack = try Stack.init(usable_bytes);
    counterAdd(.stacks_created, 1);
    counterAdd(.reserved_bytes, stack.total_bytes);
    lock.lock();
    lockedAdd(.stacks_in_use, 1);
    lock.unlock();
    return stack;
}

/// Takes a stack back; it is pooled if the pool is below its cap. Makes a
/// system call only when the stack's greenlet went below the kept top
/// (madvise) or the pool is full (munmap).
pub fn release(stack: Stack) void {
    assert(stack.base != 0);
    if (stack.dirtyBelowKeep()) {
        @branchHint(.unlikely);
        stack.discard(Stack.keep_bytes);
        counterAdd(.stacks_discarded, 1);
    }
    lock.lock();
    lockedAdd(.stacks_in_use, -1);
    const pooled = entries_count < cap;
    if (pooled) {
        entries[entries_count] = stack;
        entries_count += 1;
        lockedAdd(.stacks_pooled, 1);
    }
    lock.unlock();
    if (!pooled) unmap(stack);
}

/// Sets the cap (clamped to `max_cap`) and unmaps pooled stacks above it.
pub fn setCap(new_cap: u32) u32 {
    const clamped = @min(new_cap, max_cap);
    lock.lock();
    @atomicStore(u32, &cap, clamped, .monotonic);
    lock.unlock();
    var rounds: u32 = 0;
    while (rounds < max_cap) : (rounds += 1) {
        lock.lock();
        const excess = entries_count > clamped;
        var victim: Stack = undefined;
        if (excess) {
            entries_count -= 1;
            victim = entries[entries_count];
            lockedAdd(.stacks_pooled, -1);
        }
        lock.unlock();
        if (!excess) break;
        unmap(victim);
    }
    assert(stat(.pool_cap) == clamped);
    return clamped;
}

fn unmap(stack: Stack) void {
    var victim = stack;
    counterSub(.reserved_bytes, victim.total_bytes);
    counterAdd(.stacks_unmapped, 1);
    victim.deinit();
}

test acquire {
    const old_cap: u32 = @intCast(stat(.pool_cap));
    defer _ = setCap(old_cap);
    _ = setCap(max_cap); // room for the stack even if other tests filled the pool
    const created = stat(.stacks_created);
    const reused = stat(.stacks_reused);
    const size = 3 * Stack.granule_bytes; // a size no other test uses
    const first = try acquire(size);
    const first_base = first.base;
    release(first);
    const second = try acquire(size);
    try std.testing.expectEqual(first_base, second.base);
    try std.testing.expect(stat(.stacks_created) >= created + 1);
    try std.testing.expect(stat(.stacks_reused) >= reused + 1);
    release(second);
}

test setCap {
    const size = 5 * Stack.granule_bytes;
    const old_cap: u32 = @intCast(stat(.pool_cap));
    var stacks: [3]Stack = undefined;
    for (&stacks) |*s| s.* = try acquire(size);
    _ = setCap(0);
    const unmapped = stat(.stacks_unmapped);
    for (stacks) |s| release(s);
    try std.testing.expectEqual(unmapped + 3, stat(.stacks_unmapped));
    try std.testing.expectEqual(@as(u32, 7), setCap(7));
    try std.testing.expectEqual(max_cap, setCap(max_cap + 1));
    _ = setCap(old_cap);
}

test "release: a shallow stack is pooled without a system call, a deep one is discarded" {
    const old_cap: u32 = @intCast(stat(.pool_cap));
    defer _ = setCap(old_cap);
    _ = setCap(max_cap);
    const size = 7 * Stack.granule_bytes; // a size no other test uses
    const warm = try acquire(size);
    release(warm);
    const before = .{ stat(.stacks_created), stat(.stacks_unmapped), stat(.stacks_discarded) };
    for (0..100) |_| {
        const stack = try acquire(size);
        const bytes = stack.usable();
        @memset(bytes[bytes.len - Stack.keep_bytes ..], 0xaa);
        release(stack);
    }
    try std.testing.expectEqual(before, .{ stat(.stacks_created), stat(.stacks_unmapped), stat(.stacks_discarded) });
    const deep = try acquire(size);
    deep.usable()[deep.usableBytes() - Stack.keep_bytes - 16] = 1;
    release(deep);
    try std.testing.expectEqual(before[2] + 1, stat(.stacks_discarded));
    const again = try acquire(size);
    try std.testing.expect(!again.dirtyBelowKeep());
    release(again);
}
