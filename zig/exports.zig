//! The C ABI of the library: thin `callconv(.c)` wrappers named `greenlet_*`,
//! all exported from one `comptime` block. Documentation for C users lives in
//! `include/greenlet.h`; Zig users should import `greenlet.zig` instead.
//!
//! Rules of this boundary: a handle is passed as two u32 parameters (slot,
//! generation; slot 0 = none) and written out as a `greenlet_handle` struct,
//! values are uintptr_t, results go through out-pointers, every call returns a `Status` (`ok` = 0)
//! and Zig errors map to it through an exhaustive switch. Calls that name a
//! greenlet refuse a handle owned by another thread with `wrong_thread`.
//! `greenlet_abi_version`, `greenlet_status_name`, `greenlet_stats` and
//! `greenlet_pool_set_cap` are process-wide and thread-safe;
//! `greenlet_root`/`greenlet_current` answer for the calling thread.

const std = @import("std");
const assert = std.debug.assert;
const greenlet = @import("greenlet.zig");
const stack_pool = @import("stack_pool.zig");
const context = @import("context.zig");
const Handle = greenlet.Handle;
const handles = @import("handles.zig");
const native_call = @import("call/mod.zig");
const callback = @import("callback/mod.zig");

/// Bumped on any incompatible change of a signature, enum value or flag.
pub const abi_version: u32 = 2;

pub const Status = enum(c_int) {
    ok = 0,
    invalid_handle = 1,
    wrong_thread = 2,
    null_pointer = 3,
    invalid_argument = 4,
    invalid_stack_size = 5,
    out_of_memory = 6,
    too_many_greenlets = 7,
    cyclic_parent = 8,
    root_has_no_parent = 9,
    alive = 10,
    map_limit = 11,
};

/// The inverse of `statusFrom` for the errors the switch functions return.
pub fn errorFrom(status: c_int) greenlet.Error {
    return switch (std.enums.fromInt(Status, status) orelse unreachable) {
        .ok, .null_pointer => unreachable,
        .invalid_handle => error.InvalidHandle,
        .wrong_thread => error.WrongThread,
        .invalid_argument => error.InvalidArgument,
        .invalid_stack_size => error.InvalidStackSize,
        .out_of_memory => error.OutOfMemory,
        .too_many_greenlets => error.TooManyGreenlets,
        .cyclic_parent => error.CyclicParent,
        .root_has_no_parent => error.RootHasNoParent,
        .alive => error.Alive,
        .map_limit => error.MapLimit,
    };
}

pub fn statusFrom(err: greenlet.Error) Status {
    return switch (err) {
        error.InvalidHandle => .invalid_handle,
        error.WrongThread => .wrong_thread,
        error.InvalidArgument => .invalid_argument,
        error.InvalidStackSize => .invalid_stack_size,
        error.OutOfMemory => .out_of_memory,
        error.TooManyGreenlets => .too_many_greenlets,
        error.CyclicParent => .cyclic_parent,
        error.RootHasNoParent => .root_has_no_parent,
        error.Alive => .alive,
        error.MapLimit => .map_limit,
    };
}

/// A C body (`greenlet_entry`): see `greenlet.BodyFn`.
pub const BodyFn = greenlet.BodyFn;

comptime {
    assert(@sizeOf(Handle) == 8);
    assert(@alignOf(Handle) == 4);
    assert(@offsetOf(Handle, "slot") == 0);
    assert(@offsetOf(Handle, "generation") == 4);
    assert(@sizeOf(Status) == @sizeOf(c_int));
    assert(@sizeOf(usize) == @sizeOf(*anyopaque));
    assert(@sizeOf(BodyFn) == @sizeOf(usize));
    assert(@sizeOf(greenlet.Tag) == 4);
    assert(@backingInt(greenlet.Tag.value) == 0);
    assert(@typeInfo(Status).@"enum".field_names.len == @typeInfo(greenlet.Error).error_set.error_names.?.len + 2); // ok, null_pointer
    assert(stack_pool.stat_count == 11);
}

fn deliver(message: greenlet.Message, out_tag: ?*u32, out_value: ?*usize) Status {
    if (out_tag) |tag| tag.* = @backingInt(message.tag);
    if (out_value) |value| value.* = message.value;
    return .ok;
}

inline fn fusedCall(slot: u32, generation: u32, value: usize, out_tag: ?*u32, out_value: ?*usize, tag: greenlet.Tag) Status {
    const status = context.fusedSwitch(slot, generation, value, out_tag, out_value, @backingInt(tag));
    return std.enums.fromInt(Status, status) orelse unreachable;
}

/// `greenlet_send`'s message (16 bytes): `tag` in and out, `flags` out (in:
/// the `send_realign` hint), `value` in and out. Every supported target is
/// little-endian, so a host without 64-bit integers reads `value` as two u32
/// halves, low first.
pub const Message = extern struct {
    tag: u32,
    flags: u32,
    value: usize,

    comptime {
        assert(@sizeOf(Message) == 16);
        assert(@offsetOf(Message, "tag") == 0);
        assert(@offsetOf(Message, "value") == 8);
        if (context.fused) {
            // switchCoreSend tests the hint as the flags word's sign bit.
            assert(send_realign == 1 << 31);
            assert(@offsetOf(Message, "flags") == context.abi.send_message_flags);
            assert(@offsetOf(Message, "value") == context.abi.send_message_value);
        }
        assert(@import("builtin").cpu.arch.endian() == .little);
    }
};

/// GREENLET_SEND_REALIGN: set in a message's `flags` before `greenlet_send`,
/// asks the send to come back with the return-stack buffer realigned, at the
/// cost of one mispredicted return in the send. Every `greenlet_send` that
/// switched returns with one return-stack entry too many: the greenlet
/// side's `call` into its switch or callback trampoline, which no `ret`
/// consumed (the switch lands with `jmpq *`). So every return the caller
/// then makes into frames older than the send mispredicts, until the
/// buffer runs out. A host that unwinds many such frames after the send
/// (the JS side answering a callback whose handler awaited) asks for this;
/// one that calls again at once (a loop answering callbacks) does not. A
/// hint, honoured where the switch is fused (x86_64 Linux), ignored
/// elsewhere; the flags word is written with the target's flags as always.
pub const send_realign: u32 = 1 << 31;

/// `greenlet_send` but for the fused value path (`context.fusedSend`, which
/// jumps here for a null message or a tag other than a value).
fn sendGeneral(slot: u32, generation: u32, message: ?*Message) callconv(.c) Status {
    const io = message orelse return .null_pointer;
    const status = switch (io.tag) {
        @backingInt(greenlet.Tag.value) => api.greenlet_switch(slot, generation, io.value, &io.tag, &io.value),
        @backingInt(greenlet.Tag.throw) => api.greenlet_throw(slot, generation, io.value, &io.tag, &io.value),
        @backingInt(greenlet.Tag.kill) => api.greenlet_kill(slot, generation, io.value, &io.tag, &io.value),
        else => return .invalid_argument,
    };
    if (status != .ok) return status;
    io.flags = greenlet.flagsAfterTransfer(.{ .slot = slot, .generation = generation });
    return .ok;
}

/// The exported functions; the names are the C symbol names.
pub const api = struct {
    pub fn greenlet_abi_version() callconv(.c) u32 {
        return abi_version;
    }

    pub fn greenlet_status_name(status: c_int) callconv(.c) [*:0]const u8 {
        const known = std.enums.fromInt(Status, status) orelse return "unknown";
        return @tagName(known);
    }

    pub fn greenlet_root(out_handle: ?*Handle) callconv(.c) Status {
        const out = out_handle orelse return .null_pointer;
        out.* = greenlet.root() catch |err| return statusFrom(err);
        return .ok;
    }

    pub fn greenlet_current(out_handle: ?*Handle) callconv(.c) Status {
        const out = out_handle orelse return .null_pointer;
        out.* = greenlet.current() catch |err| return statusFrom(err);
        return .ok;
    }

    pub fn greenlet_create(
        entry: ?BodyFn,
        arg: usize,
        parent_slot: u32,
        parent_generation: u32,
        stack_bytes: usize,
        out_handle: ?*Handle,
    ) callconv(.c) Status {
        const out = out_handle orelse return .null_pointer;
        const function = entry orelse return .null_pointer;
        const parent: Handle = .{ .slot = parent_slot, .generation = parent_generation };
        out.* = greenlet.create(function, arg, parent, stack_bytes) catch |err| return statusFrom(err);
        return .ok;
    }

    pub fn greenlet_switch(slot: u32, generation: u32, value: usize, out_tag: ?*u32, out_value: ?*usize) callconv(.c) Status {
        if (context.fused) {
            // A jump: the fused switch saves our caller's return address.
            const fused: *const fn (u32, u32, usize, ?*u32, ?*usize) callconv(.c) Status = @ptrCast(context.fusedSwitchValue);
            return @call(.always_tail, fused, .{ slot, generation, value, out_tag, out_value });
        }
        const target: Handle = .{ .slot = slot, .generation = generation };
        const message = greenlet.switchTo(target, value) catch |err| return statusFrom(err);
        return deliver(message, out_tag, out_value);
    }

    pub fn greenlet_throw(slot: u32, generation: u32, value: usize, out_tag: ?*u32, out_value: ?*usize) callconv(.c) Status {
        if (context.fused) return fusedCall(slot, generation, value, out_tag, out_value, .throw);
        const target: Handle = .{ .slot = slot, .generation = generation };
        const message = greenlet.throwTo(target, .throw, value) catch |err| return statusFrom(err);
        return deliver(message, out_tag, out_value);
    }

    pub fn greenlet_kill(slot: u32, generation: u32, value: usize, out_tag: ?*u32, out_value: ?*usize) callconv(.c) Status {
        if (context.fused) return fusedCall(slot, generation, value, out_tag, out_value, .kill);
        const target: Handle = .{ .slot = slot, .generation = generation };
        const message = greenlet.throwTo(target, .kill, value) catch |err| return statusFrom(err);
        return deliver(message, out_tag, out_value);
    }

    /// The host's one call per transfer (docs/native_greenlets.md): a
    /// switch, throw or kill by `message.tag`, then what came back and the
    /// target's flags afterwards, with no 64-bit argument to box and no
    /// second call to learn whether the target finished.
    pub fn greenlet_send(slot: u32, generation: u32, message: ?*Message) callconv(.c) Status {
        if (context.fused) {
            // A jump: the fused send takes a value to the fused switch under
            // a landing of its own and jumps to `sendGeneral` otherwise.
            const fused: *const fn (u32, u32, ?*Message) callconv(.c) Status = @ptrCast(context.fusedSend);
            return @call(.always_tail, fused, .{ slot, generation, message });
        }
        return sendGeneral(slot, generation, message);
    }

    pub fn greenlet_parent(slot: u32, generation: u32, out_parent: ?*Handle) callconv(.c) Status {
        const out = out_parent orelse return .null_pointer;
        out.* = greenlet.parent(.{ .slot = slot, .generation = generation }) catch |err| return statusFrom(err);
        return .ok;
    }

    pub fn greenlet_set_parent(slot: u32, generation: u32, parent_slot: u32, parent_generation: u32) callconv(.c) Status {
        const handle: Handle = .{ .slot = slot, .generation = generation };
        const parent: Handle = .{ .slot = parent_slot, .generation = parent_generation };
        greenlet.setParent(handle, parent) catch |err| return statusFrom(err);
        return .ok;
    }

    pub fn greenlet_state(slot: u32, generation: u32, out_flags: ?*u32) callconv(.c) Status {
        const out = out_flags orelse return .null_pointer;
        out.* = greenlet.flags(.{ .slot = slot, .generation = generation }) catch |err| return statusFrom(err);
        return .ok;
    }

    pub fn greenlet_destroy(slot: u32, generation: u32) callconv(.c) Status {
        greenlet.destroy(.{ .slot = slot, .generation = generation }) catch |err| return statusFrom(err);
        return .ok;
    }

    pub fn greenlet_stats(out_values: ?[*]u64, capacity: u32, out_count: ?*u32) callconv(.c) Status {
        const count: u32 = @min(capacity, stack_pool.stat_count);
        if (out_count) |out| out.* = 0;
        if (capacity == 0) return .ok;
        const values = out_values orelse return .null_pointer;
        for (0..count) |i| values[i] = stack_pool.stat(@fromBackingInt(@intCast(i)));
        if (out_count) |out| out.* = count;
        return .ok;
    }

    pub fn greenlet_pool_set_cap(cap: u32, out_cap: ?*u32) callconv(.c) Status {
        const applied = stack_pool.setCap(cap);
        if (out_cap) |out| out.* = applied;
        return .ok;
    }

    pub fn greenlet_thread_exit() callconv(.c) Status {
        greenlet.threadExit() catch |err| return statusFrom(err);
        return .ok;
    }

    // Native bridge (docs/native_bridge.md): zig/call and zig/callback.

    pub fn greenlet_call_create(
        frame: ?*native_call.Frame,
        parent_slot: u32,
        parent_generation: u32,
        stack_bytes: usize,
        out_handle: ?*Handle,
    ) callconv(.c) Status {
        const out = out_handle orelse return .null_pointer;
        const call_frame = frame orelse return .null_pointer;
        const parent: Handle = .{ .slot = parent_slot, .generation = parent_generation };
        out.* = native_call.createGreenlet(call_frame, parent, stack_bytes) catch |err| return statusFrom(err);
        return .ok;
    }

    pub fn greenlet_callback_register(
        signature: ?*const native_call.Signature,
        fallback: usize,
        main_handler: usize,
        out_slot: ?*u32,
        out_address: ?*usize,
    ) callconv(.c) Status {
        const slot_out = out_slot orelse return .null_pointer;
        const address_out = out_address orelse return .null_pointer;
        const checked = signature orelse return .null_pointer;
        const slot = callback.register(checked, fallback, main_handler) catch |err| return statusFrom(err);
        slot_out.* = slot;
        address_out.* = callback.address(slot);
        return .ok;
    }

    pub fn greenlet_callback_release(slot: u32) callconv(.c) Status {
        callback.release(slot) catch |err| return statusFrom(err);
        return .ok;
    }

    pub fn greenlet_switch_words(out_words: ?*usize) callconv(.c) Status {
        const words = out_words orelse return .null_pointer;
        words.* = @intFromPtr(greenlet.switchWords() catch |err| return statusFrom(err));
        return .ok;
    }

    pub fn greenlet_callback_words(out_pending: ?*usize, out_misuses: ?*usize) callconv(.c) Status {
        const pending = out_pending orelse return .null_pointer;
        const misuses = out_misuses orelse return .null_pointer;
        pending.* = @intFromPtr(callback.pendingWord());
        misuses.* = @intFromPtr(&callback.misuses.raw);
        return .ok;
    }
};

comptime {
    for (@typeInfo(api).@"struct".decl_names) |name| {
        assert(std.mem.startsWith(u8, name, "greenlet_"));
        if (context.fused and std.mem.eql(u8, name, "greenlet_switch")) {
            // The symbol is the fused switch itself (the same signature as
            // `api.greenlet_switch`, which jumps to it): one jump less per call.
            @export(&context.abi.switchCoreValue, .{ .name = name });
        } else if (context.fused and std.mem.eql(u8, name, "greenlet_send")) {
            // The same for the fused send, whose other cases jump to `sendGeneral`.
            @export(&context.abi.switchCoreSend, .{ .name = name });
            @export(&sendGeneral, .{ .name = "greenlet_send_general", .visibility = .hidden });
        } else {
            @export(&@field(api, name), .{ .name = name });
        }
    }
}

const testing = std.testing;

fn entryYield(arg: usize, value: usize, result: *usize) callconv(.c) u32 {
    _ = arg;
    var root_handle: Handle = .none;
    assert(api.greenlet_root(&root_handle) == .ok);
    var tag: u32 = 0;
    assert(api.greenlet_switch(root_handle.slot, root_handle.generation, value + 1, &tag, result) == .ok);
    return tag;
}

test "api: round trip through the C functions" {
    try testing.expectEqual(abi_version, api.greenlet_abi_version());
    var child: Handle = .none;
    try testing.expectEqual(Status.ok, api.greenlet_create(&entryYield, 0, 0, 0, 0, &child));
    var tag: u32 = 99;
    var value: usize = 0;
    try testing.expectEqual(Status.ok, api.greenlet_switch(child.slot, child.generation, 41, &tag, &value));
    try testing.expectEqual(@as(u32, 0), tag);
    try testing.expectEqual(@as(usize, 42), value);
    try testing.expectEqual(Status.alive, api.greenlet_destroy(child.slot, child.generation));
    try testing.expectEqual(Status.ok, api.greenlet_kill(child.slot, child.generation, 5, &tag, &value));
    try testing.expectEqual(@as(u32, 0), tag);
    try testing.expectEqual(@as(usize, 5), value);
    try testing.expectEqual(Status.ok, api.greenlet_destroy(child.slot, child.generation));
    try testing.expectEqual(Status.invalid_handle, api.greenlet_destroy(child.slot, child.generation));
    try testing.expectEqual(Status.null_pointer, api.greenlet_root(null));
    try testing.expectEqual(Status.null_pointer, api.greenlet_create(null, 0, 0, 0, 0, &child));
    try testing.expectEqualStrings("wrong_thread", std.mem.span(api.greenlet_status_name(2)));
    var stats: [stack_pool.stat_count]u64 = undefined;
    var count: u32 = 0;
    try testing.expectEqual(Status.ok, api.greenlet_stats(&stats, stats.len, &count));
    try testing.expectEqual(@as(u32, stack_pool.stat_count), count);
    try testing.expectEqual(@as(u64, 1024 * 1024), stats[@backingInt(stack_pool.Stat.default_stack_bytes)]);
}

test "api: a destroyed handle stays invalid while its slot is reused" {
    var first: Handle = .none;
    try testing.expectEqual(Status.ok, api.greenlet_create(&entryYield, 0, 0, 0, 0, &first));
    try testing.expectEqual(Status.ok, api.greenlet_destroy(first.slot, first.generation));
    // Cycle until the slot comes back (the free list is FIFO): it comes back
    // with a new generation, and the old handle still names nothing.
    var steps: u32 = 0;
    while (steps < greenlet.max_greenlets) : (steps += 1) {
        var next: Handle = .none;
        try testing.expectEqual(Status.ok, api.greenlet_create(&entryYield, 0, 0, 0, 0, &next));
        defer assert(api.greenlet_destroy(next.slot, next.generation) == .ok);
        if (next.slot != first.slot) continue;
        try testing.expect(next.generation != first.generation);
        var flags: u32 = 0;
        try testing.expectEqual(Status.invalid_handle, api.greenlet_state(first.slot, first.generation, &flags));
        break;
    } else {
        // It never came back: only a slot retired at the last generation
        // may do that (-Dfirst-generation near the wrap gets here).
        try testing.expectEqual(handles.last_generation, first.generation);
    }
}

// The cases include/greenlet.h states one sentence each, in its order.

test "api: greenlet_status_name of an unknown number is \"unknown\"" {
    try testing.expectEqualStrings("unknown", std.mem.span(api.greenlet_status_name(-1)));
    try testing.expectEqualStrings("unknown", std.mem.span(api.greenlet_status_name(std.math.maxInt(c_int))));
    const past_last = @typeInfo(Status).@"enum".field_names.len;
    try testing.expectEqualStrings("unknown", std.mem.span(api.greenlet_status_name(past_last)));
}

fn liveCount() u64 {
    var values: [stack_pool.stat_count]u64 = undefined;
    assert(api.greenlet_stats(&values, values.len, null) == .ok);
    return values[@backingInt(stack_pool.Stat.greenlets_live)];
}

fn rootOnce(counts: *[2]u64) void {
    counts[0] = liveCount();
    var out: Handle = .none;
    assert(api.greenlet_root(&out) == .ok);
    counts[1] = liveCount();
}

test "api: the live count includes roots" {
    // A new thread's first call creates its root: one more live greenlet.
    var counts: [2]u64 = .{ 0, 0 };
    const thread = try std.Thread.spawn(.{}, rootOnce, .{&counts});
    thread.join();
    try testing.expectEqual(counts[0] + 1, counts[1]);
}

test "api: greenlet_stats(NULL, 0, ...) and NULL out_count, out_cap" {
    var count: u32 = 99;
    try testing.expectEqual(Status.ok, api.greenlet_stats(null, 0, &count));
    try testing.expectEqual(@as(u32, 0), count);
    try testing.expectEqual(Status.ok, api.greenlet_stats(null, 0, null));
    try testing.expectEqual(Status.null_pointer, api.greenlet_stats(null, 1, &count));
    var one: [1]u64 = undefined;
    try testing.expectEqual(Status.ok, api.greenlet_stats(&one, 1, null));
    try testing.expectEqual(Status.ok, api.greenlet_pool_set_cap(stack_pool.default_cap, null));
}

test "api: a pool cap above the maximum is clamped and reported" {
    var applied: u32 = 0;
    try testing.expectEqual(Status.ok, api.greenlet_pool_set_cap(stack_pool.max_cap + 1, &applied));
    try testing.expectEqual(stack_pool.max_cap, applied);
    try testing.expectEqual(Status.ok, api.greenlet_pool_set_cap(std.math.maxInt(u32), &applied));
    try testing.expectEqual(stack_pool.max_cap, applied);
    try testing.expectEqual(Status.ok, api.greenlet_pool_set_cap(stack_pool.default_cap, &applied));
    try testing.expectEqual(stack_pool.default_cap, applied);
}

// Helpers for the tests below: each C call, checked for GREENLET_OK.

const Reply = struct { tag: u32, value: usize };
const TransferFn = *const fn (u32, u32, usize, ?*u32, ?*usize) callconv(.c) Status;

fn createOk(entry: BodyFn, arg: usize, parent: Handle) !Handle {
    var out: Handle = .none;
    try testing.expectEqual(Status.ok, api.greenlet_create(entry, arg, parent.slot, parent.generation, 0, &out));
    return out;
}

fn sendOk(call: TransferFn, target: Handle, value: usize) !Reply {
    var reply: Reply = .{ .tag = 99, .value = 0 };
    try testing.expectEqual(Status.ok, call(target.slot, target.generation, value, &reply.tag, &reply.value));
    return reply;
}

fn flagsOk(handle: Handle) !u32 {
    var flags: u32 = 0;
    try testing.expectEqual(Status.ok, api.greenlet_state(handle.slot, handle.generation, &flags));
    return flags;
}

fn destroyOk(handle: Handle) !void {
    try testing.expectEqual(Status.ok, api.greenlet_destroy(handle.slot, handle.generation));
}

fn expected(tag: greenlet.Tag, value: usize) Reply {
    return .{ .tag = @backingInt(tag), .value = value };
}

test "api: send switches, throws or kills by tag and reports the target's flags" {
    const g = try createOk(&entryYield, 0, .none);
    var message: Message = .{ .tag = @backingInt(greenlet.Tag.value), .flags = 99, .value = 41 };
    // A switch: entryYield sends value + 1 back and stays suspended.
    try testing.expectEqual(Status.ok, api.greenlet_send(g.slot, g.generation, &message));
    const suspended = greenlet.Flag.started | greenlet.Flag.active;
    try testing.expectEqual(Message{ .tag = 0, .flags = suspended, .value = 42 }, message);
    // A throw: entryYield finishes with the tag it received and the value.
    message = .{ .tag = @backingInt(greenlet.Tag.throw), .flags = 0, .value = 7 };
    try testing.expectEqual(Status.ok, api.greenlet_send(g.slot, g.generation, &message));
    const dead = greenlet.Flag.started | greenlet.Flag.dead;
    try testing.expectEqual(Message{ .tag = @backingInt(greenlet.Tag.throw), .flags = dead, .value = 7 }, message);
    // A kill to the dead greenlet reaches the root (itself) as a value.
    message = .{ .tag = @backingInt(greenlet.Tag.kill), .flags = 0, .value = 9 };
    try testing.expectEqual(Status.ok, api.greenlet_send(g.slot, g.generation, &message));
    try testing.expectEqual(Message{ .tag = 0, .flags = dead, .value = 9 }, message);
    try destroyOk(g);
    // Refusals leave the message unchanged; a gone handle is an error, not flags 0.
    message = .{ .tag = 3, .flags = 5, .value = 1 };
    try testing.expectEqual(Status.invalid_argument, api.greenlet_send(g.slot, g.generation, &message));
    try testing.expectEqual(Message{ .tag = 3, .flags = 5, .value = 1 }, message);
    message.tag = @backingInt(greenlet.Tag.value);
    try testing.expectEqual(Status.invalid_handle, api.greenlet_send(g.slot, g.generation, &message));
    try testing.expectEqual(Message{ .tag = 0, .flags = 5, .value = 1 }, message);
    try testing.expectEqual(Status.null_pointer, api.greenlet_send(g.slot, g.generation, null));
    // A finish reports DEAD on the return that carries it.
    const finisher = try createOk(&entryFinish, 100, .none);
    message = .{ .tag = @backingInt(greenlet.Tag.value), .flags = 0, .value = 5 };
    try testing.expectEqual(Status.ok, api.greenlet_send(finisher.slot, finisher.generation, &message));
    try testing.expectEqual(Message{ .tag = 0, .flags = dead, .value = 105 }, message);
    try destroyOk(finisher);
}

/// Switches to the root, then destroys the greenlet at `arg` (a `Handle`),
/// which finished into it meanwhile, and switches to the root again.
fn entryDestroyFinished(arg: usize, value: usize, result: *usize) callconv(.c) u32 {
    _ = value;
    const victim: *const Handle = @ptrFromInt(arg);
    var main: Handle = .none;
    assert(api.greenlet_root(&main) == .ok);
    var tag: u32 = 0;
    var reply: usize = 0;
    assert(api.greenlet_switch(main.slot, main.generation, 1, &tag, &reply) == .ok);
    assert(api.greenlet_destroy(victim.slot, victim.generation) == .ok);
    assert(api.greenlet_switch(main.slot, main.generation, reply + 1, &tag, &reply) == .ok);
    result.* = reply;
    return @backingInt(greenlet.Tag.value);
}

test "api: send reports flags 0 for a target destroyed before the switch back" {
    var victim: Handle = .none;
    const parent = try createOk(&entryDestroyFinished, @intFromPtr(&victim), .none);
    var message: Message = .{ .tag = @backingInt(greenlet.Tag.value), .flags = 0, .value = 0 };
    try testing.expectEqual(Status.ok, api.greenlet_send(parent.slot, parent.generation, &message));
    // The victim finishes into its parent, which destroys it and switches
    // to the root: the flags of a handle that no longer names a greenlet.
    victim = try createOk(&entryFinish, 100, parent);
    message = .{ .tag = @backingInt(greenlet.Tag.value), .flags = 99, .value = 5 };
    try testing.expectEqual(Status.ok, api.greenlet_send(victim.slot, victim.generation, &message));
    try testing.expectEqual(Message{ .tag = 0, .flags = 0, .value = 106 }, message);
    message = .{ .tag = @backingInt(greenlet.Tag.value), .flags = 0, .value = 7 };
    try testing.expectEqual(Status.ok, api.greenlet_send(parent.slot, parent.generation, &message));
    try testing.expectEqual(Message{ .tag = 0, .flags = greenlet.Flag.started | greenlet.Flag.dead, .value = 7 }, message);
    try destroyOk(parent);
}

test "api: set_parent refuses slot 0, which create reads as the current greenlet" {
    const child = try createOk(&entryYield, 0, .none);
    try testing.expectEqual(Status.invalid_handle, api.greenlet_set_parent(child.slot, child.generation, 0, 0));
    var main: Handle = .none;
    try testing.expectEqual(Status.ok, api.greenlet_current(&main));
    var up: Handle = .none;
    try testing.expectEqual(Status.ok, api.greenlet_parent(child.slot, child.generation, &up));
    try testing.expectEqual(main, up);
    try destroyOk(child);
}

fn entryFinish(arg: usize, value: usize, result: *usize) callconv(.c) u32 {
    result.* = arg + value;
    return @backingInt(greenlet.Tag.value);
}

fn entryFinishThrow(arg: usize, value: usize, result: *usize) callconv(.c) u32 {
    result.* = arg + value;
    return @backingInt(greenlet.Tag.throw);
}

test "api: a dead greenlet may become a parent; what reaches it goes to its nearest live ancestor" {
    const dead = try createOk(&entryFinish, 1, .none);
    _ = try sendOk(api.greenlet_switch, dead, 1);
    const child = try createOk(&entryFinish, 10, .none);
    try testing.expectEqual(Status.ok, api.greenlet_set_parent(child.slot, child.generation, dead.slot, dead.generation));
    // The result reaches the root through the dead parent.
    try testing.expectEqual(expected(.value, 15), try sendOk(api.greenlet_switch, child, 5));
    try destroyOk(child);
    try destroyOk(dead);
}

test "api: STARTED stays set on a greenlet that died unstarted" {
    const killed = try createOk(&entryFinish, 0, .none);
    try testing.expectEqual(expected(.value, 3), try sendOk(api.greenlet_kill, killed, 3));
    try testing.expectEqual(greenlet.Flag.started | greenlet.Flag.dead, try flagsOk(killed));
    try destroyOk(killed);
}

test "api: a pending parent starts with its child's result, or dies unstarted on a throw" {
    // Value: the parent runs entryFinish(100, 7 + 1) and finishes into the root.
    var parent = try createOk(&entryFinish, 100, .none);
    var child = try createOk(&entryFinish, 7, parent);
    try testing.expectEqual(expected(.value, 108), try sendOk(api.greenlet_switch, child, 1));
    try destroyOk(child);
    try destroyOk(parent);
    // Throw: the parent dies unstarted (never runs) and the throw goes on.
    parent = try createOk(&entryFinish, 100, .none);
    child = try createOk(&entryFinishThrow, 7, parent);
    try testing.expectEqual(expected(.throw, 8), try sendOk(api.greenlet_switch, child, 1));
    try testing.expectEqual(greenlet.Flag.started | greenlet.Flag.dead, try flagsOk(parent));
    try destroyOk(child);
    try destroyOk(parent);
}

fn entryKillRoot(arg: usize, value: usize, result: *usize) callconv(.c) u32 {
    _ = arg;
    var root_handle: Handle = .none;
    assert(api.greenlet_root(&root_handle) == .ok);
    var tag: u32 = 0;
    assert(api.greenlet_kill(root_handle.slot, root_handle.generation, value, &tag, result) == .ok);
    return tag;
}

test "api: a kill aimed at the root reaches it as a kill message; the root lives on" {
    const child = try createOk(&entryKillRoot, 0, .none);
    try testing.expectEqual(expected(.kill, 6), try sendOk(api.greenlet_switch, child, 6));
    var root_handle: Handle = .none;
    try testing.expectEqual(Status.ok, api.greenlet_root(&root_handle));
    try testing.expect(try flagsOk(root_handle) & greenlet.Flag.active != 0);
    try testing.expectEqual(Status.alive, api.greenlet_destroy(root_handle.slot, root_handle.generation));
    _ = try sendOk(api.greenlet_kill, child, 0);
    try destroyOk(child);
}

test "api: a switch, throw or kill to oneself returns its own message at once" {
    var self: Handle = .none;
    try testing.expectEqual(Status.ok, api.greenlet_current(&self));
    try testing.expectEqual(expected(.value, 1), try sendOk(api.greenlet_switch, self, 1));
    try testing.expectEqual(expected(.throw, 2), try sendOk(api.greenlet_throw, self, 2));
    try testing.expectEqual(expected(.kill, 3), try sendOk(api.greenlet_kill, self, 3));
}

test "api: a stack returns to the pool when its greenlet dies, before destroy" {
    const child = try createOk(&entryYield, 0, .none);
    _ = try sendOk(api.greenlet_switch, child, 1);
    const in_use = stack_pool.stat(.stacks_in_use);
    _ = try sendOk(api.greenlet_switch, child, 1);
    try testing.expectEqual(in_use - 1, stack_pool.stat(.stacks_in_use)); // dead, not yet destroyed
    try destroyOk(child);
    try testing.expectEqual(in_use - 1, stack_pool.stat(.stacks_in_use));
}

const ForeignCase = struct {
    main_root: Handle,
    child: Handle,
    results: [17]Status = @splat(.ok),
    other_root: Handle = .none,
    stats_count: u32 = 0,
    abi_version: u32 = 0,
};

fn foreignThread(case: *ForeignCase) void {
    var out: Handle = .none;
    var tag: u32 = 0;
    var value: usize = 0;
    var flags: u32 = 0;
    const r = &case.results;
    const child = case.child;
    const main = case.main_root;
    r[0] = api.greenlet_switch(child.slot, child.generation, 1, &tag, &value);
    r[1] = api.greenlet_throw(child.slot, child.generation, 1, &tag, &value);
    r[2] = api.greenlet_kill(child.slot, child.generation, 1, &tag, &value);
    var message: Message = .{ .tag = 0, .flags = 0, .value = 1 };
    r[16] = api.greenlet_send(child.slot, child.generation, &message);
    r[3] = api.greenlet_parent(child.slot, child.generation, &out);
    r[4] = api.greenlet_set_parent(child.slot, child.generation, main.slot, main.generation);
    r[5] = api.greenlet_state(child.slot, child.generation, &flags);
    r[6] = api.greenlet_destroy(child.slot, child.generation);
    r[7] = api.greenlet_create(&entryYield, 0, child.slot, child.generation, 0, &out);
    r[8] = api.greenlet_switch(main.slot, main.generation, 1, &tag, &value);
    r[9] = api.greenlet_state(main.slot, main.generation, &flags);
    // Thread-local and process-wide calls work from any thread.
    r[10] = api.greenlet_root(&case.other_root);
    r[11] = api.greenlet_current(&out);
    r[12] = api.greenlet_stats(@ptrCast(&value), 1, &case.stats_count);
    r[13] = api.greenlet_pool_set_cap(stack_pool.default_cap, null);
    // A greenlet of this thread refuses a parent from the other thread.
    var mine: Handle = .none;
    r[14] = api.greenlet_create(&entryYield, 0, 0, 0, 0, &mine);
    r[15] = api.greenlet_set_parent(mine.slot, mine.generation, main.slot, main.generation);
    _ = api.greenlet_destroy(mine.slot, mine.generation);
    case.abi_version = api.greenlet_abi_version();
    _ = api.greenlet_status_name(0);
}

test "api: every export refuses another thread's greenlets" {
    var case: ForeignCase = .{ .main_root = .none, .child = .none };
    try testing.expectEqual(Status.ok, api.greenlet_root(&case.main_root));
    try testing.expectEqual(Status.ok, api.greenlet_create(&entryYield, 0, 0, 0, 0, &case.child));
    const thread = try std.Thread.spawn(.{}, foreignThread, .{&case});
    thread.join();
    for (case.results[0..10]) |status| try testing.expectEqual(Status.wrong_thread, status);
    for (case.results[10..15]) |status| try testing.expectEqual(Status.ok, status);
    try testing.expectEqual(Status.wrong_thread, case.results[15]);
    try testing.expectEqual(Status.wrong_thread, case.results[16]);
    try testing.expect(!case.other_root.eql(case.main_root));
    try testing.expectEqual(@as(u32, 1), case.stats_count);
    try testing.expectEqual(abi_version, case.abi_version);
    // Nothing happened to the child: still pending, still ours.
    var flags: u32 = 0;
    try testing.expectEqual(Status.ok, api.greenlet_state(case.child.slot, case.child.generation, &flags));
    try testing.expectEqual(@as(u32, 0), flags);
    try testing.expectEqual(Status.ok, api.greenlet_destroy(case.child.slot, case.child.generation));
    // Every export is covered above, except greenlet_thread_exit (which acts
    // on the calling thread only): 16 exports in `api`, the 4 of the native
    // bridge (zig/call, zig/callback, with their own tests) and
    // greenlet_switch_words (the calling thread's words,
    // zig/switch_words_test.zig).
    try testing.expectEqual(16 + 4 + 1, @typeInfo(api).@"struct".decl_names.len);
}

/// One `greenlet_switch` made with every callee-saved register holding a
/// pattern (`context.fillRegistersAndCall`).
const SwitchProbe = struct {
    target: Handle,
    value: usize,
    null_outs: bool,
    /// Through `greenlet_send` (a value message) instead of `greenlet_switch`.
    via_send: bool = false,
    status: Status = .ok,
    tag: u32 = 99,
    reply: usize = 0,
    flags: u32 = 99,
    registers: [context.abi.checked_register_count]u64 = undefined,

    fn run(probe: *SwitchProbe, seed: u64) usize {
        context.fillRegistersAndCall(&call, @intFromPtr(probe), seed, &probe.registers);
        var mismatches: usize = 0;
        for (probe.registers, 0..) |register, i| {
            if (register != seed + i) mismatches += 1;
        }
        return mismatches;
    }

    fn call(address: usize) callconv(.c) void {
        const probe: *SwitchProbe = @ptrFromInt(address);
        const target = probe.target;
        if (probe.via_send) {
            var message: Message = .{ .tag = @backingInt(greenlet.Tag.value), .flags = probe.flags, .value = probe.value };
            probe.status = api.greenlet_send(target.slot, target.generation, &message);
            probe.tag = message.tag;
            probe.reply = message.value;
            probe.flags = message.flags;
            return;
        }
        probe.status = if (probe.null_outs)
            api.greenlet_switch(target.slot, target.generation, probe.value, null, null)
        else
            api.greenlet_switch(target.slot, target.generation, probe.value, &probe.tag, &probe.reply);
    }
};

fn entryProbe(arg: usize, value: usize, result: *usize) callconv(.c) u32 {
    var root_handle: Handle = .none;
    assert(api.greenlet_root(&root_handle) == .ok);
    var first: SwitchProbe = .{ .target = root_handle, .value = value + 1, .null_outs = false };
    var mismatches = first.run(arg);
    assert(first.status == .ok and first.tag == 0);
    var second: SwitchProbe = .{ .target = root_handle, .value = first.reply + 1, .null_outs = true };
    mismatches += second.run(arg + 16);
    result.* = mismatches;
    return @backingInt(greenlet.Tag.value);
}

test "api: greenlet_switch keeps callee-saved registers and takes NULL out pointers, on every path" {
    const seed: u64 = 0x5a5a_0000_3333_0000;
    var child: Handle = .none;
    try testing.expectEqual(Status.ok, api.greenlet_create(&entryProbe, 0xa5a5_0000_4444_0000, 0, 0, 0, &child));
    // A pending child: the general path starts it; it answers on the fast path.
    var start: SwitchProbe = .{ .target = child, .value = 10, .null_outs = false };
    try testing.expectEqual(0, start.run(seed));
    try testing.expectEqual(Status.ok, start.status);
    try testing.expectEqual(@as(u32, 0), start.tag);
    try testing.expectEqual(@as(usize, 11), start.reply);
    // Fast path both ways, NULL out pointers on both sides.
    var resume_child: SwitchProbe = .{ .target = child, .value = 20, .null_outs = true };
    try testing.expectEqual(0, resume_child.run(seed + 16));
    try testing.expectEqual(Status.ok, resume_child.status);
    // An invalid handle: the fast path hands over to the general one, which
    // returns the status without switching.
    var stale: SwitchProbe = .{ .target = .{ .slot = child.slot, .generation = child.generation +% 1 }, .value = 0, .null_outs = false };
    try testing.expectEqual(0, stale.run(seed + 32));
    try testing.expectEqual(Status.invalid_handle, stale.status);
    try testing.expectEqual(@as(u32, 99), stale.tag);
    // The child finishes: its result (its own register mismatches) comes back.
    var finish: SwitchProbe = .{ .target = child, .value = 30, .null_outs = false };
    try testing.expectEqual(0, finish.run(seed + 48));
    try testing.expectEqual(Status.ok, finish.status);
    try testing.expectEqual(@as(u32, 0), finish.tag);
    try testing.expectEqual(@as(usize, 0), finish.reply);
    try testing.expectEqual(Status.ok, api.greenlet_destroy(child.slot, child.generation));
}

/// `entryProbe` with `greenlet_send` to the root: its flags come back.
fn entrySendProbe(arg: usize, value: usize, result: *usize) callconv(.c) u32 {
    var root_handle: Handle = .none;
    assert(api.greenlet_root(&root_handle) == .ok);
    var first: SwitchProbe = .{ .target = root_handle, .value = value + 1, .null_outs = false, .via_send = true };
    var mismatches = first.run(arg);
    assert(first.status == .ok and first.tag == 0);
    assert(first.flags == greenlet.Flag.started | greenlet.Flag.active | greenlet.Flag.root);
    // To itself: no switch, the value comes straight back, flags current.
    var self_handle: Handle = .none;
    assert(api.greenlet_current(&self_handle) == .ok);
    var own: SwitchProbe = .{ .target = self_handle, .value = 77, .null_outs = false, .via_send = true };
    mismatches += own.run(arg + 8);
    assert(own.status == .ok and own.tag == 0 and own.reply == 77);
    assert(own.flags == greenlet.Flag.started | greenlet.Flag.active | greenlet.Flag.current);
    // With the return-stack hint: the landing's realigning return, on this stack.
    var second: SwitchProbe = .{ .target = root_handle, .value = first.reply + 1, .null_outs = false, .via_send = true, .flags = send_realign };
    mismatches += second.run(arg + 16);
    assert(second.status == .ok and second.tag == 0);
    result.* = mismatches;
    return @backingInt(greenlet.Tag.value);
}

test "api: greenlet_send of a value keeps callee-saved registers and reports flags, on every path" {
    const seed: u64 = 0x3c3c_0000_5555_0000;
    const suspended = greenlet.Flag.started | greenlet.Flag.active;
    const dead = greenlet.Flag.started | greenlet.Flag.dead;
    var child: Handle = .none;
    try testing.expectEqual(Status.ok, api.greenlet_create(&entrySendProbe, 0x6b6b_0000_7777_0000, 0, 0, 0, &child));
    // A pending child: the general path of the switch starts it.
    var start: SwitchProbe = .{ .target = child, .value = 10, .null_outs = false, .via_send = true };
    try testing.expectEqual(0, start.run(seed));
    try testing.expectEqual(Status.ok, start.status);
    try testing.expectEqual(@as(u32, 0), start.tag);
    try testing.expectEqual(@as(usize, 11), start.reply);
    try testing.expectEqual(suspended, start.flags);
    // The switch's fast path both ways.
    var resume_child: SwitchProbe = .{ .target = child, .value = 20, .null_outs = false, .via_send = true };
    try testing.expectEqual(0, resume_child.run(seed + 16));
    try testing.expectEqual(Status.ok, resume_child.status);
    try testing.expectEqual(@as(usize, 21), resume_child.reply);
    try testing.expectEqual(suspended, resume_child.flags);
    // An invalid handle: no switch, the message (flags included) unchanged.
    var stale: SwitchProbe = .{ .target = .{ .slot = child.slot, .generation = child.generation +% 1 }, .value = 5, .null_outs = false, .via_send = true, .flags = 42 };
    try testing.expectEqual(0, stale.run(seed + 32));
    try testing.expectEqual(Status.invalid_handle, stale.status);
    try testing.expectEqual(@as(u32, 0), stale.tag);
    try testing.expectEqual(@as(usize, 5), stale.reply);
    try testing.expectEqual(@as(u32, 42), stale.flags);
    // The child finishes: its register mismatches come back, with DEAD (and
    // the return-stack hint: the landing's realigning return, on the root).
    var finish: SwitchProbe = .{ .target = child, .value = 30, .null_outs = false, .via_send = true, .flags = send_realign };
    try testing.expectEqual(0, finish.run(seed + 48));
    try testing.expectEqual(Status.ok, finish.status);
    try testing.expectEqual(@as(u32, 0), finish.tag);
    try testing.expectEqual(@as(usize, 0), finish.reply);
    try testing.expectEqual(dead, finish.flags);
    try testing.expectEqual(Status.ok, api.greenlet_destroy(child.slot, child.generation));
}

comptime {
    // The assembly fast path exists where the switch is fused (x86_64 Linux).
    if (context.fused) _ = fused_tests;
}

const fused_tests = struct {
    fn entryYieldForever(arg: usize, value: usize, result: *usize) callconv(.c) u32 {
        _ = arg;
        _ = result;
        var root_handle: Handle = .none;
        assert(api.greenlet_root(&root_handle) == .ok);
        var received = value;
        while (true) {
            assert(api.greenlet_switch(root_handle.slot, root_handle.generation, received + 1, null, &received) == .ok);
        }
    }

    test "api: the switch fast path panics on a greenlet whose thread contradicts its slot (forked child dies by a signal)" {
        // White-box: the fast path's asserts are live in ReleaseSafe. A
        // suspended greenlet whose `thread` no longer matches its slot's owner
        // must stop the process, not be switched to.
        const linux = std.os.linux;
        const pid_rc = linux.fork();
        try testing.expect(linux.errno(pid_rc) == .SUCCESS);
        if (pid_rc == 0) {
            // Keep the panic report off the test runner's protocol stream.
            const null_fd = linux.open("/dev/null", .{ .ACCMODE = .WRONLY }, 0);
            if (linux.errno(null_fd) != .SUCCESS) linux.exit_group(1);
            _ = linux.dup2(@intCast(null_fd), 1);
            _ = linux.dup2(@intCast(null_fd), 2);
            var child: Handle = .none;
            if (api.greenlet_create(&entryYieldForever, 0, 0, 0, 0, &child) != .ok) linux.exit_group(2);
            var tag: u32 = 0;
            var value: usize = 0;
            if (api.greenlet_switch(child.slot, child.generation, 1, &tag, &value) != .ok) linux.exit_group(3);
            var other: usize = 0;
            const victim = greenlet.lookup(child) catch linux.exit_group(4);
            victim.thread = @ptrCast(@alignCast(&other));
            _ = api.greenlet_switch(child.slot, child.generation, 1, &tag, &value);
            linux.exit_group(5); // the switch went on
        }
        const raw = try @import("forked_child.zig").waitStatus(@intCast(pid_rc));
        try testing.expectEqual(@as(u32, 0), raw & 0xff00); // not an exit code
        try testing.expect(raw & 0x7f != 0); // killed by a signal (the panic)
    }
};
