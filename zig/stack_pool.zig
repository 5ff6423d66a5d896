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
//! stores only; system calls happen outside it).
//!
//! Each thread that uses greenlets also has a `Local`: up to `local_slots`
//! free stacks of its own (within the cap) and its share of the counters
//! that change on every greenlet (`stacks_reused`, `stacks_in_use`,
//! `stacks_pooled`, `greenlets_live`), written by that thread alone with
//! plain stores. A create + finish that reuses a stack from there takes no
//! lock and no atomic read-modify-write. `stat` adds up every thread's
//! share under `registry_lock`; `Local.retire` (thread exit) moves a
//! thread's stacks to the shared pool and its share to the totals.

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

/// Free stacks a thread keeps for itself (at most the cap).
pub const local_slots = 4;

/// A thread's part of the pool; see the file comment. Lives until the
/// thread retires it, then waits in `spare` for the next thread.
pub const Local = struct {
    stacks: [local_slots]Stack = undefined,
    count: u32 = 0,
    /// This thread's change of each `shared` counter (two's complement).
    share: [shared.len]std.atomic.Value(u64) = @splat(.init(0)),
    next: ?*Local = null,

    /// The counters a `Local` holds a share of.
    const shared = [_]Stat{ .stacks_reused, .stacks_in_use, .stacks_pooled, .greenlets_live };

    fn shareIndex(comptime which: Stat) usize {
        inline for (shared, 0..) |candidate, i| {
            if (candidate == which) return i;
        }
        @compileError("not a per-thread counter: " ++ @tagName(which));
    }

    /// Changes this thread's share of a counter (owner thread only).
    pub fn add(local: *Local, comptime which: Stat, delta: i64) void {
        const counter = &local.share[comptime shareIndex(which)];
        counter.store(counter.raw +% @as(u64, @bitCast(delta)), .monotonic);
    }

    /// A `Local` for the calling thread (from `spare` if one waits there).
    pub fn register() error{OutOfMemory}!*Local {
        registry_lock.lock();
        defer registry_lock.unlock();
        const local = spare orelse try std.heap.page_allocator.create(Local);
        if (spare) |reused| spare = reused.next;
        local.* = .{ .next = registered };
        registered = local;
        return local;
    }

    /// Thread exit: its stacks go to the shared pool (or are unmapped), its
    /// counter shares into the totals, and the `Local` to `spare`.
    pub fn retire(local: *Local) void {
        while (local.count > 0) {
            local.count -= 1;
            local.add(.stacks_pooled, -1);
            give(local.stacks[local.count]);
        }
        registry_lock.lock();
        defer registry_lock.unlock();
        for (shared, &local.share) |which, *part| {
            _ = counters[@backingInt(which)].fetchAdd(part.load(.monotonic), .monotonic);
            part.store(0, .monotonic);
        }
        var link: *?*Local = &registered;
        while (link.*) |candidate| : (link = &candidate.next) {
            if (candidate == local) break;
        } else unreachable; // registered by `register`
        link.* = local.next;
        local.next = spare;
        spare = local;
    }
};

var registry_lock: SpinLock = .{};
var registered: ?*Local = null;
var spare: ?*Local = null;

/// Counts toward the calling thread's share, or the totals without a `Local`.
fn note(local: ?*Local, comptime which: Stat, delta: i64) void {
    if (local) |own| {
        own.add(which, delta);
    } else {
        _ = counters[@backingInt(which)].fetchAdd(@bitCast(delta), .monotonic);
    }
}

pub fn counterAdd(which: Stat, delta: u64) void {
    _ = counters[@backingInt(which)].fetchAdd(delta, .monotonic);
}

pub fn counterSub(which: Stat, delta: u64) void {
    const before = counters[@backingInt(which)].fetchSub(delta, .monotonic);
    assert(before >= delta);
}

/// Changes the shared pool's count of pooled stacks, which only changes
/// under `lock`: a load and a store instead of a read-modify-write.
fn lockedPooledAdd(delta: i64) void {
    assert(lock.state.load(.monotonic) == 1);
    const counter = &counters[@backingInt(Stat.stacks_pooled)];
    counter.store(counter.raw +% @as(u64, @bitCast(delta)), .monotonic);
}

pub fn stat(which: Stat) u64 {
    return switch (which) {
        .pool_cap => @atomicLoad(u32, &cap, .monotonic),
        .default_stack_bytes => Stack.default_usable_bytes,
        .guard_bytes => Stack.guard_bytes,
        inline .stacks_reused, .stacks_in_use, .stacks_pooled, .greenlets_live => |shared| sum(shared),
        else => counters[@backingInt(which)].load(.monotonic),
    };
}

fn sum(comptime which: Stat) u64 {
    registry_lock.lock();
    defer registry_lock.unlock();
    var total = counters[@backingInt(which)].load(.monotonic);
    var walker = registered;
    while (walker) |local| : (walker = local.next) {
        total +%= local.share[comptime Local.shareIndex(which)].load(.monotonic);
    }
    return total;
}

/// Returns a stack with exactly `usable_bytes` usable bytes: the calling
/// thread's own free one if it has one (`local`, no lock), else one from the
/// shared pool, else a new one. The most recently freed first: its top
/// pages are the warmest.
pub fn acquire(local: ?*Local, usable_bytes: usize) Stack.Error!Stack {
    assert(usable_bytes % Stack.granule_bytes == 0);
    if (local) |own| {
        var slot: u32 = own.count;
        while (slot > 0) {
            slot -= 1;
            if (own.stacks[slot].usableBytes() == usable_bytes) {
                const stack = own.stacks[slot];
                own.count -= 1;
                own.stacks[slot] = own.stacks[own.count];
                own.add(.stacks_pooled, -1);
                own.add(.stacks_reused, 1);
                own.add(.stacks_in_use, 1);
                return stack;
            }
        }
    }
    lock.lock();
    var index: u32 = entries_count;
    while (index > 0) {
        index -= 1;
        if (entries[index].usableBytes() == usable_bytes) {
            const stack = entries[index];
            entries_count -= 1;
            entries[index] = entries[entries_count];
            lockedPooledAdd(-1);
            lock.unlock();
            note(local, .stacks_reused, 1);
            note(local, .stacks_in_use, 1);
            return stack;
        }
    }
    lock.unlock();
    const stack = try Stack.init(usable_bytes);
    counterAdd(.stacks_created, 1);
    counterAdd(.reserved_bytes, stack.total_bytes);
    note(local, .stacks_in_use, 1);
    return stack;
}

/// Takes a stack back: into the calling thread's own free stacks (`local`)
/// while it has fewer than `local_slots` and the cap, else into the shared
/// pool if that is below the cap, else it is unmapped. Makes a system call
/// only when the stack's greenlet went below the kept top (madvise) or the
/// stack is unmapped.
pub fn release(local: ?*Local, stack: Stack) void {
    assert(stack.base != 0);
    if (stack.dirtyBelowKeep()) {
        @branchHint(.unlikely);
        stack.discard(Stack.keep_bytes);
        counterAdd(.stacks_discarded, 1);
    }
    note(local, .stacks_in_use, -1);
    if (local) |own| {
        const room = @min(local_slots, @atomicLoad(u32, &cap, .monotonic));
        if (own.count < room) {
            own.stacks[own.count] = stack;
            own.count += 1;
            own.add(.stacks_pooled, 1);
            return;
        }
    }
    give(stack);
}

/// Into the shared pool if it is below the cap, else unmapped.
fn give(stack: Stack) void {
    lock.lock();
    const pooled = entries_count < cap;
    if (pooled) {
        entries[entries_count] = stack;
        entries_count += 1;
        lockedPooledAdd(1);
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
            lockedPooledAdd(-1);
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
    const first = try acquire(null, size);
    const first_base = first.base;
    release(null, first);
    const second = try acquire(null, size);
    try std.testing.expectEqual(first_base, second.base);
    try std.testing.expect(stat(.stacks_created) >= created + 1);
    try std.testing.expect(stat(.stacks_reused) >= reused + 1);
    release(null, second);
}

test setCap {
    const size = 5 * Stack.granule_bytes;
    const old_cap: u32 = @intCast(stat(.pool_cap));
    var stacks: [3]Stack = undefined;
    for (&stacks) |*s| s.* = try acquire(null, size);
    _ = setCap(0);
    const unmapped = stat(.stacks_unmapped);
    for (stacks) |s| release(null, s);
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
    const warm = try acquire(null, size);
    release(null, warm);
    const before = .{ stat(.stacks_created), stat(.stacks_unmapped), stat(.stacks_discarded) };
    for (0..100) |_| {
        const stack = try acquire(null, size);
        const bytes = stack.usable();
        @memset(bytes[bytes.len - Stack.keep_bytes ..], 0xaa);
        release(null, stack);
    }
    try std.testing.expectEqual(before, .{ stat(.stacks_created), stat(.stacks_unmapped), stat(.stacks_discarded) });
    const deep = try acquire(null, size);
    deep.usable()[deep.usableBytes() - Stack.keep_bytes - 16] = 1;
    release(null, deep);
    try std.testing.expectEqual(before[2] + 1, stat(.stacks_discarded));
    const again = try acquire(null, size);
    try std.testing.expect(!again.dirtyBelowKeep());
    release(null, again);
}
