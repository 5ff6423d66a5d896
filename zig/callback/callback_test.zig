//! Callback slots with the test playing the JS side (the root): C code
//! (zig/call/test_functions.c) on a call greenlet calls a slot's address,
//! the root receives the record, answers, and the C code goes on.

const std = @import("std");
const testing = std.testing;
const callback = @import("mod.zig");
const call = @import("../call/mod.zig");
const greenlet = @import("../greenlet.zig");
const thread_exit = @import("../thread_exit.zig");
const call_test = @import("../call/call_test.zig");
const signature = call_test.signature;
const f64Bits = call_test.f64Bits;
const f32Bits = call_test.f32Bits;

extern fn bridge_sort_ints(items: [*]c_int, count: usize, compare: usize) void;
extern fn bridge_sum_terms(term: usize, n: c_int) f64;
extern fn bridge_float_callback(term: usize) f32;

const Reply = struct { tag: greenlet.Tag = .value, value: u64 };
const AnswerFn = *const fn (context: *anyopaque, record: *const callback.Record) Reply;

/// The root's loop: starts the call greenlet and answers each callback
/// until the greenlet finishes; returns the finishing message.
fn drive(child: greenlet.Handle, context: *anyopaque, answer: AnswerFn, callbacks: *usize) !greenlet.Message {
    var message = try greenlet.switchTo(child, 0);
    while (callback.pendingWord().* != 0) {
        const pending = callback.pendingWord().*;
        callback.pendingWord().* = 0;
        try testing.expectEqual(pending, message.value);
        try testing.expectEqual(greenlet.Tag.value, message.tag);
        const record: *const callback.Record = @ptrFromInt(pending);
        try testing.expect(record.greenlet.eql(child));
        callbacks.* += 1;
        const reply = answer(context, record);
        message = switch (reply.tag) {
            .value => try greenlet.switchTo(record.greenlet, reply.value),
            else => try greenlet.throwTo(record.greenlet, reply.tag, reply.value),
        };
    }
    return message;
}

fn frameFor(function: anytype, sig: call.Signature, values: []const u64) call.Frame {
    var frame: call.Frame = .{ .function = @intFromPtr(function), .signature = sig, .args = @splat(0) };
    @memcpy(frame.args[0..values.len], values);
    return frame;
}

const compare_signature = signature(.i32, &.{ .pointer, .pointer });

const SortState = struct { abort_at: usize = std.math.maxInt(usize), abort_tag: greenlet.Tag = .throw, compares: usize = 0 };

fn answerCompare(context: *anyopaque, record: *const callback.Record) Reply {
    const state: *SortState = @ptrCast(@alignCast(context));
    state.compares += 1;
    if (state.compares == state.abort_at) return .{ .tag = state.abort_tag, .value = 77 };
    std.debug.assert(record.arg_count == 2);
    const a: *const c_int = @ptrFromInt(record.args[0]);
    const b: *const c_int = @ptrFromInt(record.args[1]);
    const order: i32 = if (a.* < b.*) -1 else if (a.* > b.*) 1 else 0;
    return .{ .value = @as(u32, @bitCast(order)) };
}

fn sortOnGreenlet(items: []c_int, state: *SortState) !greenlet.Message {
    var slot: u32 = undefined;
    slot = try callback.register(&compare_signature, 0, 0);
    defer callback.release(slot) catch unreachable;
    var frame = frameFor(&bridge_sort_ints, signature(.void, &.{ .pointer, .u64, .function }), &.{ @intFromPtr(items.ptr), items.len, callback.address(slot) });
    const child = try call.createGreenlet(&frame, .none, 0);
    defer greenlet.destroy(child) catch unreachable;
    var callbacks: usize = 0;
    const message = try drive(child, state, &answerCompare, &callbacks);
    try testing.expectEqual(state.compares, callbacks);
    try testing.expect(try greenlet.flags(child) & greenlet.Flag.dead != 0);
    return message;
}

test "callback: C sort on a greenlet, every compare answered by the root" {
    var items: [40]c_int = undefined;
    var seed: u32 = 12345;
    for (&items) |*item| {
        seed = seed *% 1103515245 +% 12345;
        item.* = @as(c_int, @intCast(seed >> 16 & 0x7fff)) - 16000;
    }
    var state: SortState = .{};
    const message = try sortOnGreenlet(&items, &state);
    try testing.expectEqual(greenlet.Message{ .tag = .value, .value = 0 }, message);
    try testing.expect(state.compares >= items.len - 1);
    for (items[1..], items[0 .. items.len - 1]) |b, a| try testing.expect(a <= b);
}

test "callback: an abort reply returns the fallback at once for the rest of the call" {
    inline for (.{ greenlet.Tag.throw, greenlet.Tag.kill }) |tag| {
        var items = [_]c_int{ 5, 4, 3, 2, 1 };
        var state: SortState = .{ .abort_at = 2, .abort_tag = tag };
        const message = try sortOnGreenlet(&items, &state);
        // Only two compares reached the root; the rest got the fallback 0
        // without switching, and the greenlet finished with the abort
        // (a kill reaches the parent as a value, like GreenletExit).
        try testing.expectEqual(@as(usize, 2), state.compares);
        const finish: greenlet.Tag = if (tag == .kill) .value else .throw;
        try testing.expectEqual(greenlet.Message{ .tag = finish, .value = 77 }, message);
    }
}

fn answerUnit(context: *anyopaque, record: *const callback.Record) Reply {
    const seen: *usize = @ptrCast(@alignCast(context));
    seen.* += 1;
    std.debug.assert(record.arg_count == 1 and record.args[0] == 0x1234);
    return .{ .value = 0 };
}

test "callback: the caller's callee-saved registers survive a callback answered by the root (every ABI)" {
    const context = @import("../context.zig");
    const slot = try callback.register(&signature(.void, &.{.pointer}), 0, 0);
    defer callback.release(slot) catch unreachable;
    const seed: u64 = 0x6c6c_0000_3333_0000;
    var out: [context.abi.checked_register_count]u64 = @splat(0);
    // C (the ABI's register filler) loads seed + i into every callee-saved
    // register, calls the slot's address with 0x1234 and stores what the
    // registers hold after the callback returned.
    var frame = frameFor(context.fillRegistersAndCall, signature(.void, &.{ .function, .pointer, .u64, .pointer }), &.{
        callback.address(slot), 0x1234, seed, @intFromPtr(&out),
    });
    const child = try call.createGreenlet(&frame, .none, 0);
    defer greenlet.destroy(child) catch unreachable;
    var seen: usize = 0;
    var callbacks: usize = 0;
    const message = try drive(child, &seen, &answerUnit, &callbacks);
    try testing.expectEqual(greenlet.Message{ .tag = .value, .value = 0 }, message);
    try testing.expectEqual(@as(usize, 1), callbacks);
    for (out, 0..) |register, i| try testing.expectEqual(seed + i, register);
}

const term_signature = signature(.f64, &.{ .i32, .f64, .f32, .i64 });

fn term(i: c_int, half: f64, quarter: f32, thousand: i64) callconv(.c) f64 {
    return @as(f64, @floatFromInt(i)) * 100 + half * 10 + quarter + @as(f64, @floatFromInt(thousand)) / 1000;
}

fn expectedSum(n: c_int) f64 {
    var sum: f64 = 0;
    var i: c_int = 1;
    while (i <= n) : (i += 1) sum += term(i, @as(f64, @floatFromInt(i)) * 0.5, @as(f32, @floatFromInt(i)) * 0.25, 1000 * @as(i64, i));
    return sum;
}

fn answerTerm(context: *anyopaque, record: *const callback.Record) Reply {
    const seen: *usize = @ptrCast(@alignCast(context));
    seen.* += 1;
    const i: c_int = @intCast(@as(i64, @bitCast(record.args[0])));
    // Canonical values: the i32 sign-extended, the f32 in the low 32 bits.
    std.debug.assert(record.args[2] >> 32 == 0);
    const value = term(i, @bitCast(record.args[1]), @bitCast(@as(u32, @intCast(record.args[2]))), @bitCast(record.args[3]));
    return .{ .value = f64Bits(value) };
}

test "callback: int, f64, f32 and i64 arguments and an f64 result (every ABI)" {
    const slot = try callback.register(&term_signature, f64Bits(-1), 0);
    defer callback.release(slot) catch unreachable;
    var frame = frameFor(&bridge_sum_terms, signature(.f64, &.{ .function, .i32 }), &.{ callback.address(slot), 5 });
    const child = try call.createGreenlet(&frame, .none, 0);
    defer greenlet.destroy(child) catch unreachable;
    var seen: usize = 0;
    var callbacks: usize = 0;
    const message = try drive(child, &seen, &answerTerm, &callbacks);
    try testing.expectEqual(@as(usize, 5), seen);
    try testing.expectEqual(greenlet.Tag.value, message.tag);
    try testing.expectEqual(expectedSum(5), @as(f64, @bitCast(message.value)));
}

fn answerFloat(context: *anyopaque, record: *const callback.Record) Reply {
    const seen: *[2]u64 = @ptrCast(@alignCast(context));
    seen.* = .{ record.args[0], record.args[1] };
    return .{ .value = f32Bits(2.5) };
}

test "callback: f32 result and a u32 with its high bit set" {
    const slot = try callback.register(&signature(.f32, &.{ .f32, .u32 }), 0, 0);
    defer callback.release(slot) catch unreachable;
    var frame = frameFor(&bridge_float_callback, signature(.f32, &.{.function}), &.{callback.address(slot)});
    const child = try call.createGreenlet(&frame, .none, 0);
    defer greenlet.destroy(child) catch unreachable;
    var seen: [2]u64 = .{ 0, 0 };
    var callbacks: usize = 0;
    const message = try drive(child, &seen, &answerFloat, &callbacks);
    try testing.expectEqual(@as(usize, 1), callbacks);
    try testing.expectEqual([2]u64{ f32Bits(1.5), 0x8000_0001 }, seen);
    try testing.expectEqual(f32Bits(3.5), message.value);
}

test "callback: on the root stack the main-stack handler runs directly" {
    const before = callback.misuses.load(.monotonic);
    const with_handler = try callback.register(&term_signature, f64Bits(-1), @intFromPtr(&term));
    defer callback.release(with_handler) catch unreachable;
    try testing.expectEqual(expectedSum(4), bridge_sum_terms(callback.address(with_handler), 4));
    try testing.expectEqual(before, callback.misuses.load(.monotonic));
    // No handler: the fallback, counted.
    const without = try callback.register(&term_signature, f64Bits(0.25), 0);
    defer callback.release(without) catch unreachable;
    try testing.expectEqual(@as(f64, 0.75), bridge_sum_terms(callback.address(without), 3));
    try testing.expectEqual(before + 3, callback.misuses.load(.monotonic));
}

const ForeignCall = struct { address: usize, sum: f64 = 0, release: ?callback.Error = null, slot: u32 };

fn foreignThread(case: *ForeignCall) void {
    case.sum = bridge_sum_terms(case.address, 3);
    callback.release(case.slot) catch |err| {
        case.release = err;
    };
}

test "callback: another thread gets the fallback and a misuse is counted" {
    const slot = try callback.register(&term_signature, f64Bits(0.5), @intFromPtr(&term));
    defer callback.release(slot) catch unreachable;
    const before = callback.misuses.load(.monotonic);
    var case: ForeignCall = .{ .address = callback.address(slot), .slot = slot };
    const thread = try std.Thread.spawn(.{}, foreignThread, .{&case});
    thread.join();
    try testing.expectEqual(@as(f64, 1.5), case.sum);
    try testing.expectEqual(before + 3, callback.misuses.load(.monotonic));
    try testing.expectEqual(@as(?callback.Error, error.WrongThread), case.release);
}

fn leavingThread(failed: *bool, explicit: bool) void {
    for (0..3) |_| _ = callback.register(&term_signature, 0, 0) catch {
        failed.* = true;
    };
    // Where the platform has no exit hook (musl), the thread frees its tree itself.
    if (explicit) greenlet.threadExit() catch {
        failed.* = true;
    };
}

test "callback: a thread that exits without releasing its slots frees them" {
    const free = callback.freeSlots();
    var failed = false;
    const thread = try std.Thread.spawn(.{}, leavingThread, .{ &failed, !thread_exit.available() });
    thread.join();
    try testing.expect(!failed);
    try testing.expectEqual(free, callback.freeSlots());
}

fn exitingThread(failed: *bool) void {
    exitAndRegisterAgain() catch {
        failed.* = true;
    };
}

fn exitAndRegisterAgain() !void {
    const pending = callback.pendingWord();
    const free = callback.freeSlots();
    const slot = try callback.register(&term_signature, f64Bits(0.5), @intFromPtr(&term));
    const number = try greenlet.threadNumber();
    pending.* = 7;
    try greenlet.threadExit();
    // The slot is freed with the tree at once; the pending word keeps its
    // address and is cleared.
    try testing.expectEqual(free, callback.freeSlots());
    try testing.expectEqual(pending, callback.pendingWord());
    try testing.expectEqual(@as(usize, 0), pending.*);
    try testing.expectError(error.InvalidArgument, callback.release(slot));
    // A new tree has a new number; its slots are its own.
    const again = try callback.register(&term_signature, f64Bits(0.5), @intFromPtr(&term));
    try testing.expect(try greenlet.threadNumber() != number);
    try testing.expectEqual(expectedSum(2), bridge_sum_terms(callback.address(again), 2));
    try callback.release(again);
    try greenlet.threadExit();
}

test "callback: threadExit frees the thread's slots; the pending word keeps its address" {
    var failed = false;
    const thread = try std.Thread.spawn(.{}, exitingThread, .{&failed});
    thread.join();
    try testing.expect(!failed);
}

test "callback: register and release refusals; a released slot is a misuse" {
    const slot = try callback.register(&term_signature, f64Bits(9), 0);
    try callback.release(slot);
    try testing.expectError(error.InvalidArgument, callback.release(slot));
    try testing.expectError(error.InvalidArgument, callback.release(callback.slot_count));
    const before = callback.misuses.load(.monotonic);
    _ = bridge_sum_terms(callback.address(slot), 1);
    try testing.expectEqual(before + 1, callback.misuses.load(.monotonic));
    var bad = term_signature;
    bad.reserved[0] = 1;
    try testing.expectError(error.InvalidArgument, callback.register(&bad, 0, 0));
    // Every slot has its own address.
    for (1..callback.slot_count) |i| try testing.expect(callback.address(@intCast(i)) != callback.address(@intCast(i - 1)));
}

const api = @import("../exports.zig").api;
const Status = @import("../exports.zig").Status;

test "exports: the C API of the bridge, with the pending word read through its address" {
    var pending_address: usize = 0;
    var misuses_address: usize = 0;
    try testing.expectEqual(Status.ok, api.greenlet_callback_words(&pending_address, &misuses_address));
    try testing.expectEqual(@intFromPtr(callback.pendingWord()), pending_address);
    const pending: *usize = @ptrFromInt(pending_address);
    const misuses: *const u64 = @ptrFromInt(misuses_address);
    var slot: u32 = 0;
    var address: usize = 0;
    try testing.expectEqual(Status.ok, api.greenlet_callback_register(&compare_signature, 0, 0, &slot, &address));
    try testing.expectEqual(callback.address(slot), address);
    var items = [_]c_int{ 3, 1, 2 };
    var frame = frameFor(&bridge_sort_ints, signature(.void, &.{ .pointer, .u64, .function }), &.{ @intFromPtr(&items), items.len, address });
    var child: greenlet.Handle = .none;
    try testing.expectEqual(Status.ok, api.greenlet_call_create(&frame, 0, 0, 0, &child));
    var tag: u32 = 0;
    var value: usize = 0;
    try testing.expectEqual(Status.ok, api.greenlet_switch(child.slot, child.generation, 0, &tag, &value));
    var compares: usize = 0;
    while (pending.* != 0) : (compares += 1) {
        const record: *const callback.Record = @ptrFromInt(pending.*);
        pending.* = 0;
        const a: *const c_int = @ptrFromInt(record.args[0]);
        const b: *const c_int = @ptrFromInt(record.args[1]);
        const order: i32 = if (a.* > b.*) 1 else 0;
        try testing.expectEqual(Status.ok, api.greenlet_switch(record.greenlet.slot, record.greenlet.generation, @as(u32, @bitCast(order)), &tag, &value));
    }
    try testing.expect(compares >= 2);
    try testing.expectEqual([_]c_int{ 1, 2, 3 }, items);
    try testing.expectEqual(Status.ok, api.greenlet_destroy(child.slot, child.generation));
    // Refusals.
    const before = misuses.*;
    try testing.expectEqual(Status.ok, api.greenlet_callback_release(slot));
    _ = bridge_sum_terms(address, 1); // released: fallback, counted
    try testing.expectEqual(before + 1, misuses.*);
    try testing.expectEqual(Status.invalid_argument, api.greenlet_callback_release(slot));
    try testing.expectEqual(Status.null_pointer, api.greenlet_callback_register(null, 0, 0, &slot, &address));
    try testing.expectEqual(Status.null_pointer, api.greenlet_callback_words(null, &misuses_address));
    try testing.expectEqual(Status.null_pointer, api.greenlet_call_create(null, 0, 0, 0, &child));
    frame.signature.arg_count = call.max_args + 1;
    try testing.expectEqual(Status.invalid_argument, api.greenlet_call_create(&frame, 0, 0, 0, &child));
    var taken: [callback.slot_count]u32 = undefined;
    var count: usize = 0;
    while (count < callback.slot_count) : (count += 1) {
        if (api.greenlet_callback_register(&compare_signature, 0, 0, &taken[count], &address) != .ok) break;
    }
    try testing.expectEqual(Status.out_of_memory, api.greenlet_callback_register(&compare_signature, 0, 0, &slot, &address));
    for (taken[0..count]) |index| try testing.expectEqual(Status.ok, api.greenlet_callback_release(index));
}
