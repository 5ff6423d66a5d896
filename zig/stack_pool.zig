//! Process-wide bounded pool of free stacks, and the stack statistics.
//!
//! Freed stacks wait here (physical pages below the top granule discarded)
//! and are reused by the next greenlet asking for the same usable size. The
//! cap bounds the address space the pool keeps; stacks beyond it are unmapped.
//! All functions are thread-safe (one spin lock, held for a few loads and
//! stores only; syscalls happen outside it).

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

pub fn stat(which: Stat) u64 {
    return switch (which) {
        .pool_cap => @atomicLoad(u32, &cap, .monotonic),
        .default_stack_bytes => Stack.default_usable_bytes,
        .guard_bytes => Stack.guard_bytes,
        else => counters[@backingInt(which)].load(.monotonic),
    };
}

/// Returns a stack with exactly `usable_bytes` usable bytes, pooled if one is free.
pub fn acquire(usable_bytes: usize) Stack.Error!Stack {
    assert(usable_bytes % Stack.granule_bytes == 0);
    lock.lock();
    var found: ?Stack = null;
    var index: u32 = entries_count;
    while (index > 0) {
        index -= 1;
        if (entries[index].usableBytes() == usable_bytes) {
            found = entries[index];
            entries_count -= 1;
            entries[index] = entries[entries_count];
            break;
        }
    }
    lock.unlock();
    if (found) |stack| {
        counterSub(.stacks_pooled, 1);
        counterAdd(.stacks_reused, 1);
        counterAdd(.stacks_in_use, 1);
        assert(stack.usableBytes() == usable_bytes);
        return stack;
    }
    const stack = try Stack.init(usable_bytes);
    counterAdd(.stacks_created, 1);
    counterAdd(.stacks_in_use, 1);
    counterAdd(.reserved_bytes, stack.total_bytes);
    return stack;
}

/// Takes a stack back; it is pooled if the pool is below its cap.
pub fn release(stack: Stack) void {
    assert(stack.base != 0);
    counterSub(.stacks_in_use, 1);
    stack.discard(Stack.granule_bytes);
    lock.lock();
    const pooled = entries_count < cap;
    if (pooled) {
        entries[entries_count] = stack;
        entries_count += 1;
    }
    lock.unlock();
    if (pooled) {
        counterAdd(.stacks_pooled, 1);
    } else {
        unmap(stack);
    }
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
        }
        lock.unlock();
        if (!excess) break;
        counterSub(.stacks_pooled, 1);
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
