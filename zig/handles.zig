//! The slot table behind greenlet handles: a `Handle` is a slot index and the
//! slot's generation, two u32s. A slot's generation grows by one each time
//! its handle is destroyed, and a slot whose generation would wrap is
//! retired (never handed out again), so a destroyed handle never names a
//! later greenlet: not after 2^32 reuses of its slot, not ever.
//!
//! Each slot also records the thread that owns its live handle, so a stale
//! or foreign handle is detected from the slot's metadata alone and never
//! dereferenced. Slots are allocated in chunks that are never freed; the
//! free list is FIFO, so a freed slot is reused as late as possible.

const std = @import("std");
const assert = std.debug.assert;
const options = @import("options");
const SpinLock = @import("stack_pool.zig").SpinLock;
const Greenlet = @import("greenlet.zig").Greenlet;

/// Names a greenlet. `slot` 0 never names one: APIs read it as "none" or
/// "current", whatever the generation. Layout is part of the C ABI
/// (`greenlet_handle` in include/greenlet.h).
pub const Handle = extern struct {
    slot: u32,
    generation: u32,

    pub const none: Handle = .{ .slot = 0, .generation = 0 };

    pub fn eql(a: Handle, b: Handle) bool {
        return a.bits() == b.bits();
    }

    /// Both fields in one integer, for one compare.
    pub inline fn bits(handle: Handle) u64 {
        return @as(u64, handle.generation) << 32 | handle.slot;
    }

    /// The handle whose `bits` are `value`.
    pub inline fn fromBits(value: u64) Handle {
        return .{ .slot = @truncate(value), .generation = @truncate(value >> 32) };
    }
};

comptime {
    assert(@sizeOf(Handle) == 8);
    assert(@alignOf(Handle) == 4);
}

const index_bits = 20;
pub const chunk_slots = 1024;
const chunk_count = (1 << index_bits) / chunk_slots;
/// Largest number of greenlets (roots included) alive at once.
pub const max_greenlets = (1 << index_bits) - 1;
/// Generation of a slot's first handle (a build option, so that a test
/// build can start every slot next to the wrap).
pub const first_generation: u32 = options.first_generation;
/// The last generation a slot hands out; destroying it retires the slot.
pub const last_generation: u32 = std.math.maxInt(u32);

comptime {
    assert((1 << index_bits) % chunk_slots == 0);
    assert(chunk_count * chunk_slots == 1 << index_bits);
    assert(max_greenlets & (max_greenlets + 1) == 0); // a mask of the index bits
}

pub const Slot = struct {
    /// (generation << 32) | owner thread number; owner 0 = no live handle.
    meta: std.atomic.Value(u64),
    generation: u32,
    next_free: u32,
    /// Set when a handle of the last generation was invalidated.
    retired: bool,
    greenlet: Greenlet,
};

const Chunk = [chunk_slots]Slot;

var chunks: [chunk_count]std.atomic.Value(?*Chunk) = @splat(.init(null));
var table_lock: SpinLock = .{};
var chunks_used: u32 = 0;
var free_head: u32 = 0;
var free_tail: u32 = 0;
/// Slots retired at the generation maximum (tests read it).
var retired_count: u32 = 0;

/// The slot `index`, or null when its chunk was never allocated.
pub inline fn slotAt(index: u32) ?*Slot {
    if (index > max_greenlets) return null;
    const chunk = chunks[index / chunk_slots].load(.acquire) orelse return null;
    return &chunk[index % chunk_slots];
}

pub inline fn metaOf(generation: u32, owner: u32) u64 {
    return (@as(u64, generation) << 32) | owner;
}

pub const Error = error{ OutOfMemory, TooManyGreenlets };

/// Takes a free slot (FIFO, so a freed handle is reused as late as possible)
/// and returns its index; the caller fills the greenlet, then `publish`es it.
pub fn allocate() Error!u32 {
    table_lock.lock();
    defer table_lock.unlock();
    if (free_head == 0) {
        if (chunks_used == chunk_count) return error.TooManyGreenlets;
        const chunk = std.heap.page_allocator.create(Chunk) catch return error.OutOfMemory;
        const first: u32 = chunks_used * chunk_slots;
        for (chunk, 0..) |*slot, offset| {
            const index: u32 = first + @as(u32, @intCast(offset));
            slot.* = .{
                .meta = .init(0),
                .generation = first_generation,
                .retired = false,
                .next_free = if (offset + 1 < chunk_slots) index + 1 else 0,
                .greenlet = undefined,
            };
        }
        chunks[chunks_used].store(chunk, .release);
        chunks_used += 1;
        // Index 0 stays unused so that slot 0 means "none".
        free_head = if (first == 0) 1 else first;
        free_tail = first + chunk_slots - 1;
    }
    const index = free_head;
    const slot = slotAt(index).?;
    assert(slot.meta.load(.monotonic) & 0xffff_ffff == 0);
    free_head = slot.next_free;
    if (free_head == 0) free_tail = 0;
    slot.next_free = 0;
    return index;
}

/// The handle the slot at `index` will publish.
pub fn handleAt(index: u32) Handle {
    return .{ .slot = index, .generation = slotAt(index).?.generation };
}

/// Makes the slot's handle valid for the thread numbered `owner`.
pub fn publish(index: u32, owner: u32) void {
    assert(owner != 0);
    const slot = slotAt(index).?;
    assert(slot.greenlet.handle.eql(handleAt(index)));
    slot.meta.store(metaOf(slot.generation, owner), .release);
}

/// Ends the slot's current handle: from now on it resolves to
/// `error.InvalidHandle`. The slot itself stays taken until `free`.
/// Whether the slot's handle is live (published and not yet invalidated).
pub fn published(index: u32) bool {
    const slot = slotAt(index).?;
    return slot.meta.load(.monotonic) & 0xffff_ffff != 0;
}

pub fn invalidate(index: u32) void {
    const slot = slotAt(index).?;
    assert(slot.meta.load(.monotonic) & 0xffff_ffff != 0);
    if (slot.generation == last_generation) {
        // Retired: `free` never puts the slot back on the free list.
        slot.retired = true;
        slot.meta.store(metaOf(last_generation, 0), .release);
        return;
    }
    slot.generation += 1;
    slot.meta.store(metaOf(slot.generation, 0), .release);
}

/// Gives back a slot whose handle was invalidated and whose greenlet is no
/// longer referenced; a retired slot is dropped for good.
pub fn free(index: u32) void {
    const slot = slotAt(index).?;
    assert(slot.meta.load(.monotonic) & 0xffff_ffff == 0);
    table_lock.lock();
    defer table_lock.unlock();
    if (slot.retired) {
        retired_count += 1;
        return;
    }
    slot.next_free = 0;
    if (free_tail == 0) {
        free_head = index;
    } else {
        slotAt(free_tail).?.next_free = index;
    }
    free_tail = index;
}

/// The number of slots retired so far.
pub fn retired() u32 {
    table_lock.lock();
    defer table_lock.unlock();
    return retired_count;
}

pub const LookupError = error{ InvalidHandle, WrongThread };

/// Resolves `handle` for the thread numbered `owner` (0: a thread without a
/// tree, which owns nothing).
pub inline fn lookup(handle: Handle, owner: u32) LookupError!*Greenlet {
    if (handle.slot == 0) return error.InvalidHandle;
    const slot = slotAt(handle.slot) orelse return error.InvalidHandle;
    const meta = slot.meta.load(.acquire);
    const slot_owner: u32 = @truncate(meta);
    if (slot_owner == 0) return error.InvalidHandle;
    if (@as(u32, @truncate(meta >> 32)) != handle.generation) return error.InvalidHandle;
    if (slot_owner != owner) return error.WrongThread;
    const greenlet = &slot.greenlet;
    assert(greenlet.handle.eql(handle));
    return greenlet;
}

const testing = std.testing;

test "a slot retires at the last generation and its handles stay invalid" {
    // White-box: take a slot, move it next to the wrap, and cycle it.
    const index = try allocate();
    const slot = slotAt(index).?;
    slot.generation = last_generation - 1;
    slot.greenlet.handle = handleAt(index);
    const before_last = slot.greenlet.handle;
    publish(index, 7);
    _ = try lookup(before_last, 7);
    invalidate(index);
    try testing.expectError(error.InvalidHandle, lookup(before_last, 7));
    try testing.expectEqual(last_generation, slot.generation);
    // The slot's last handle: live once, then the slot retires.
    slot.greenlet.handle = handleAt(index);
    const last = slot.greenlet.handle;
    publish(index, 7);
    _ = try lookup(last, 7);
    invalidate(index);
    const retired_before = retired();
    free(index);
    try testing.expectEqual(retired_before + 1, retired());
    try testing.expectError(error.InvalidHandle, lookup(last, 7));
    try testing.expectError(error.InvalidHandle, lookup(before_last, 7));
    // The wrapped generations never become valid either.
    try testing.expectError(error.InvalidHandle, lookup(.{ .slot = index, .generation = 0 }, 7));
    try testing.expectError(error.InvalidHandle, lookup(.{ .slot = index, .generation = first_generation }, 7));
    // And the slot is never handed out again: cycle through every free slot.
    var taken: std.ArrayList(u32) = .empty;
    defer taken.deinit(testing.allocator);
    var steps: u32 = 0;
    while (steps < 2 * chunk_slots) : (steps += 1) {
        const other = try allocate();
        try testing.expect(other != index);
        try taken.append(testing.allocator, other);
    }
    for (taken.items) |other| free(other);
}

test "lookup tells stale, foreign and unknown handles apart" {
    try testing.expectError(error.InvalidHandle, lookup(Handle.none, 1));
    try testing.expectError(error.InvalidHandle, lookup(.{ .slot = max_greenlets + 1, .generation = 0 }, 1));
    try testing.expectError(error.InvalidHandle, lookup(.{ .slot = std.math.maxInt(u32), .generation = 0 }, 1));
    const index = try allocate();
    const slot = slotAt(index).?;
    slot.greenlet.handle = handleAt(index);
    const handle = slot.greenlet.handle;
    publish(index, 3);
    try testing.expectEqual(&slot.greenlet, try lookup(handle, 3));
    // A slot number beyond the table, aliasing this slot in the low bits.
    const beyond: Handle = .{ .slot = handle.slot | (max_greenlets + 1), .generation = handle.generation };
    try testing.expectError(error.InvalidHandle, lookup(beyond, 3));
    try testing.expectError(error.WrongThread, lookup(handle, 4));
    try testing.expectError(error.InvalidHandle, lookup(.{ .slot = index, .generation = handle.generation +% 1 }, 3));
    // Generation 0 is never handed out (unless a test build starts there).
    if (first_generation != 0) {
        try testing.expectError(error.InvalidHandle, lookup(.{ .slot = index, .generation = 0 }, 3));
    }
    invalidate(index);
    try testing.expectError(error.InvalidHandle, lookup(handle, 3));
    free(index);
}
