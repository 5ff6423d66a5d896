//! The C ABI of the library: thin `callconv(.c)` wrappers named `greenlet_*`,
//! all exported from one `comptime` block. Documentation for C users lives in
//! `include/greenlet.h`; Zig users should import `greenlet.zig` instead.
//!
//! Rules of this boundary: handles are u32 (0 = none), values are uintptr_t,
//! results go through out-pointers, every call returns a `Status` (`ok` = 0)
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

/// Bumped on any incompatible change of a signature, enum value or flag.
pub const abi_version: u32 = 1;

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

pub const EntryFn = *const fn (arg: usize, value: usize, result: *usize) callconv(.c) u32;

comptime {
    assert(@sizeOf(greenlet.Handle) == 4);
    assert(@alignOf(greenlet.Handle) == 4);
    assert(@sizeOf(Status) == @sizeOf(c_int));
    assert(@sizeOf(usize) == @sizeOf(*anyopaque));
    assert(@sizeOf(EntryFn) == @sizeOf(usize));
    assert(@sizeOf(greenlet.Kind) == 4);
    assert(@backingInt(greenlet.Kind.value) == 0);
    assert(@typeInfo(Status).@"enum".field_names.len == @typeInfo(greenlet.Error).error_set.error_names.?.len + 2); // ok, null_pointer
    assert(stack_pool.stat_count == 11);
}

fn deliver(message: greenlet.Message, out_kind: ?*u32, out_value: ?*usize) Status {
    if (out_kind) |kind| kind.* = @backingInt(message.kind);
    if (out_value) |value| value.* = message.value;
    return .ok;
}

inline fn fusedCall(target: u32, value: usize, out_kind: ?*u32, out_value: ?*usize, kind: greenlet.Kind) Status {
    const status = context.fusedSwitch(target, value, out_kind, out_value, @backingInt(kind));
    return std.enums.fromInt(Status, status) orelse unreachable;
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

    pub fn greenlet_root(out_handle: ?*u32) callconv(.c) Status {
        const out = out_handle orelse return .null_pointer;
        out.* = greenlet.root() catch |err| return statusFrom(err);
        return .ok;
    }

    pub fn greenlet_current(out_handle: ?*u32) callconv(.c) Status {
        const out = out_handle orelse return .null_pointer;
        out.* = greenlet.current() catch |err| return statusFrom(err);
        return .ok;
    }

    pub fn greenlet_create(
        entry: ?EntryFn,
        arg: usize,
        parent: u32,
        stack_bytes: usize,
        out_handle: ?*u32,
    ) callconv(.c) Status {
        const out = out_handle orelse return .null_pointer;
        const function = entry orelse return .null_pointer;
        out.* = greenlet.create(function, arg, parent, stack_bytes) catch |err| return statusFrom(err);
        return .ok;
    }

    pub fn greenlet_switch(target: u32, value: usize, out_kind: ?*u32, out_value: ?*usize) callconv(.c) Status {
        if (context.fused) {
            // A jump: the fused switch saves our caller's return address.
            const fused: *const fn (u32, usize, ?*u32, ?*usize) callconv(.c) Status = @ptrCast(context.fusedSwitchValue);
            return @call(.always_tail, fused, .{ target, value, out_kind, out_value });
        }
        const message = greenlet.switchTo(target, value) catch |err| return statusFrom(err);
        return deliver(message, out_kind, out_value);
    }

    pub fn greenlet_throw(target: u32, value: usize, out_kind: ?*u32, out_value: ?*usize) callconv(.c) Status {
        if (context.fused) return fusedCall(target, value, out_kind, out_value, .throw);
        const message = greenlet.throwTo(target, .throw, value) catch |err| return statusFrom(err);
        return deliver(message, out_kind, out_value);
    }

    pub fn greenlet_kill(target: u32, value: usize, out_kind: ?*u32, out_value: ?*usize) callconv(.c) Status {
        if (context.fused) return fusedCall(target, value, out_kind, out_value, .kill);
        const message = greenlet.throwTo(target, .kill, value) catch |err| return statusFrom(err);
        return deliver(message, out_kind, out_value);
    }

    pub fn greenlet_parent(handle: u32, out_handle: ?*u32) callconv(.c) Status {
        const out = out_handle orelse return .null_pointer;
        out.* = greenlet.parent(handle) catch |err| return statusFrom(err);
        return .ok;
    }

    pub fn greenlet_set_parent(handle: u32, parent: u32) callconv(.c) Status {
        greenlet.setParent(handle, parent) catch |err| return statusFrom(err);
        return .ok;
    }

    pub fn greenlet_state(handle: u32, out_flags: ?*u32) callconv(.c) Status {
        const out = out_flags orelse return .null_pointer;
        out.* = greenlet.flags(handle) catch |err| return statusFrom(err);
        return .ok;
    }

    pub fn greenlet_destroy(handle: u32) callconv(.c) Status {
        greenlet.destroy(handle) catch |err| return statusFrom(err);
        return .ok;
    }

    pub fn greenlet_stats(out_values: ?[*]u64, capacity: u32, out_count: ?*u32) callconv(.c) Status {
        const values = out_values orelse return .null_pointer;
        const count: u32 = @min(capacity, stack_pool.stat_count);
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
};

comptime {
    for (@typeInfo(api).@"struct".decl_names) |name| {
        assert(std.mem.startsWith(u8, name, "greenlet_"));
        if (context.fused and std.mem.eql(u8, name, "greenlet_switch")) {
            // The symbol is the fused switch itself (the same signature as
            // `api.greenlet_switch`, which jumps to it): one jump less per call.
            @export(&context.abi.switchCoreValue, .{ .name = name });
        } else {
            @export(&@field(api, name), .{ .name = name });
        }
    }
}

const testing = std.testing;

fn entryYield(arg: usize, value: usize, result: *usize) callconv(.c) u32 {
    _ = arg;
    var root_handle: u32 = 0;
    assert(api.greenlet_root(&root_handle) == .ok);
    var kind: u32 = 0;
    assert(api.greenlet_switch(root_handle, value + 1, &kind, result) == .ok);
    return kind;
}

test "api: round trip through the C functions" {
    try testing.expectEqual(abi_version, api.greenlet_abi_version());
    var child: u32 = 0;
    try testing.expectEqual(Status.ok, api.greenlet_create(&entryYield, 0, 0, 0, &child));
    var kind: u32 = 99;
    var value: usize = 0;
    try testing.expectEqual(Status.ok, api.greenlet_switch(child, 41, &kind, &value));
    try testing.expectEqual(@as(u32, 0), kind);
    try testing.expectEqual(@as(usize, 42), value);
    try testing.expectEqual(Status.alive, api.greenlet_destroy(child));
    try testing.expectEqual(Status.ok, api.greenlet_kill(child, 5, &kind, &value));
    try testing.expectEqual(@as(u32, 0), kind);
    try testing.expectEqual(@as(usize, 5), value);
    try testing.expectEqual(Status.ok, api.greenlet_destroy(child));
    try testing.expectEqual(Status.invalid_handle, api.greenlet_destroy(child));
    try testing.expectEqual(Status.null_pointer, api.greenlet_root(null));
    try testing.expectEqual(Status.null_pointer, api.greenlet_create(null, 0, 0, 0, &child));
    try testing.expectEqualStrings("wrong_thread", std.mem.span(api.greenlet_status_name(2)));
    try testing.expectEqualStrings("unknown", std.mem.span(api.greenlet_status_name(-1)));
    var stats: [stack_pool.stat_count]u64 = undefined;
    var count: u32 = 0;
    try testing.expectEqual(Status.ok, api.greenlet_stats(&stats, stats.len, &count));
    try testing.expectEqual(@as(u32, stack_pool.stat_count), count);
    try testing.expectEqual(@as(u64, 1024 * 1024), stats[@backingInt(stack_pool.Stat.default_stack_bytes)]);
}

const ForeignCase = struct {
    main_root: u32,
    child: u32,
    results: [16]Status = @splat(.ok),
    other_root: u32 = 0,
    stats_count: u32 = 0,
    abi_version: u32 = 0,
};

fn foreignThread(case: *ForeignCase) void {
    var out: u32 = 0;
    var kind: u32 = 0;
    var value: usize = 0;
    var flags: u32 = 0;
    const r = &case.results;
    r[0] = api.greenlet_switch(case.child, 1, &kind, &value);
    r[1] = api.greenlet_throw(case.child, 1, &kind, &value);
    r[2] = api.greenlet_kill(case.child, 1, &kind, &value);
    r[3] = api.greenlet_parent(case.child, &out);
    r[4] = api.greenlet_set_parent(case.child, case.main_root);
    r[5] = api.greenlet_state(case.child, &flags);
    r[6] = api.greenlet_destroy(case.child);
    r[7] = api.greenlet_create(&entryYield, 0, case.child, 0, &out);
    r[8] = api.greenlet_switch(case.main_root, 1, &kind, &value);
    r[9] = api.greenlet_state(case.main_root, &flags);
    // Thread-local and process-wide calls work from any thread.
    r[10] = api.greenlet_root(&case.other_root);
    r[11] = api.greenlet_current(&out);
    r[12] = api.greenlet_stats(@ptrCast(&value), 1, &case.stats_count);
    r[13] = api.greenlet_pool_set_cap(stack_pool.default_cap, null);
    // A greenlet of this thread refuses a parent from the other thread.
    var mine: u32 = 0;
    r[14] = api.greenlet_create(&entryYield, 0, 0, 0, &mine);
    r[15] = api.greenlet_set_parent(mine, case.main_root);
    _ = api.greenlet_destroy(mine);
    case.abi_version = api.greenlet_abi_version();
    _ = api.greenlet_status_name(0);
}

test "api: every export refuses another thread's greenlets" {
    var case: ForeignCase = .{ .main_root = 0, .child = 0 };
    try testing.expectEqual(Status.ok, api.greenlet_root(&case.main_root));
    try testing.expectEqual(Status.ok, api.greenlet_create(&entryYield, 0, 0, 0, &case.child));
    const thread = try std.Thread.spawn(.{}, foreignThread, .{&case});
    thread.join();
    for (case.results[0..10]) |status| try testing.expectEqual(Status.wrong_thread, status);
    for (case.results[10..15]) |status| try testing.expectEqual(Status.ok, status);
    try testing.expectEqual(Status.wrong_thread, case.results[15]);
    try testing.expect(case.other_root != case.main_root);
    try testing.expectEqual(@as(u32, 1), case.stats_count);
    try testing.expectEqual(abi_version, case.abi_version);
    // Nothing happened to the child: still pending, still ours.
    var flags: u32 = 0;
    try testing.expectEqual(Status.ok, api.greenlet_state(case.child, &flags));
    try testing.expectEqual(@as(u32, 0), flags);
    try testing.expectEqual(Status.ok, api.greenlet_destroy(case.child));
    // Every export is covered above, except greenlet_thread_exit (which acts
    // on the calling thread only): 15 exports in `api`.
    try testing.expectEqual(15, @typeInfo(api).@"struct".decl_names.len);
}
