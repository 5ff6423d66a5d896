//! `SwitchWords` through the C API (the fused switch's fast path included):
//! the test plays the JS side, the root, reading the words through the
//! address `greenlet_switch_words` gives, as the host does.

const std = @import("std");
const testing = std.testing;
const greenlet = @import("greenlet.zig");
const api = @import("exports.zig").api;
const Status = @import("exports.zig").Status;
const Handle = greenlet.Handle;

const tag_value: u32 = 0;
const tag_throw: u32 = 1;

fn words() *greenlet.SwitchWords {
    var address: usize = 0;
    std.debug.assert(api.greenlet_switch_words(&address) == .ok);
    return @ptrFromInt(address);
}

fn handleFromWord(bits: usize) Handle {
    return .{ .slot = @truncate(bits), .generation = @truncate(bits >> 32) };
}

/// Switches to the greenlet named by `arg` (slot | generation << 32) with
/// value + 1 (a throw when value is 100), then sends its parent what it
/// got back; finishes with what comes next.
fn entrySibling(arg: usize, value: usize, result: *usize) callconv(.c) u32 {
    const sibling = handleFromWord(arg);
    var tag: u32 = 0;
    var reply: usize = 0;
    const status = if (value == 100)
        api.greenlet_throw(sibling.slot, sibling.generation, value, &tag, &reply)
    else
        api.greenlet_switch(sibling.slot, sibling.generation, value + 1, &tag, &reply);
    std.debug.assert(status == .ok);
    var root: Handle = .none;
    std.debug.assert(api.greenlet_root(&root) == .ok);
    std.debug.assert(api.greenlet_switch(root.slot, root.generation, reply * 10 + tag, &tag, result) == .ok);
    return tag;
}

/// Sends the root value + 1000 until it gets a kill, then finishes with it.
fn entryEchoRoot(arg: usize, value: usize, result: *usize) callconv(.c) u32 {
    _ = arg;
    var root: Handle = .none;
    std.debug.assert(api.greenlet_root(&root) == .ok);
    var next = value;
    var tag: u32 = tag_value;
    while (true) {
        var reply: usize = 0;
        std.debug.assert(api.greenlet_switch(root.slot, root.generation, next + 1000, &tag, &reply) == .ok);
        if (tag != tag_value) {
            result.* = reply;
            return tag;
        }
        next = reply;
    }
}

fn word(handle: Handle) usize {
    return @as(usize, handle.generation) << 32 | handle.slot;
}

fn create(entry: *const fn (usize, usize, *usize) callconv(.c) u32, arg: usize) !Handle {
    var handle: Handle = .none;
    try testing.expectEqual(Status.ok, api.greenlet_create(entry, arg, 0, 0, 0, &handle));
    return handle;
}

const Reply = struct { tag: u32, value: usize };

fn send(target: Handle, value: usize) !Reply {
    var tag: u32 = 99;
    var reply: usize = 0;
    try testing.expectEqual(Status.ok, api.greenlet_switch(target.slot, target.generation, value, &tag, &reply));
    return .{ .tag = tag, .value = reply };
}

fn kill(target: Handle) !Reply {
    var tag: u32 = 99;
    var reply: usize = 0;
    try testing.expectEqual(Status.ok, api.greenlet_kill(target.slot, target.generation, 7, &tag, &reply));
    return .{ .tag = tag, .value = reply };
}

test "switch words: origin names the greenlet that reached the root" {
    const w = words();
    const b = try create(&entryEchoRoot, 0);
    try testing.expectEqual(Reply{ .tag = tag_value, .value = 1001 }, try send(b, 1));
    try testing.expectEqual(b, w.origin);
    try testing.expectEqual(Handle.none, w.target);
    try testing.expectEqual(Reply{ .tag = tag_value, .value = 1002 }, try send(b, 2)); // fast path
    try testing.expectEqual(b, w.origin);
    try testing.expectEqual(Reply{ .tag = tag_value, .value = 7 }, try kill(b)); // finish
    try testing.expectEqual(b, w.origin);
    try testing.expectEqual(Status.ok, api.greenlet_destroy(b.slot, b.generation));
}

test "switch words: untraced, a switch between greenlets stays direct; origin names the last one" {
    const w = words();
    try testing.expectEqual(@as(u32, 0), w.route);
    const b = try create(&entryEchoRoot, 0);
    _ = try send(b, 0); // b waits in its switch to the root
    const a = try create(&entrySibling, word(b));
    // a switches to b directly (value 6); b sends the root 1006.
    try testing.expectEqual(Reply{ .tag = tag_value, .value = 1006 }, try send(a, 5));
    try testing.expectEqual(b, w.origin);
    try testing.expectEqual(Handle.none, w.target);
    // Whatever resumes a returns from its switch to b: a sends it on (x10).
    try testing.expectEqual(Reply{ .tag = tag_value, .value = 30 }, try send(a, 3));
    try testing.expectEqual(a, w.origin);
    try testing.expectEqual(Reply{ .tag = tag_value, .value = 4 }, try send(a, 4)); // a finishes
    try testing.expectEqual(a, w.origin);
    _ = try kill(b);
    try testing.expectEqual(Status.ok, api.greenlet_destroy(a.slot, a.generation));
    try testing.expectEqual(Status.ok, api.greenlet_destroy(b.slot, b.generation));
}

test "switch words: routed, a switch or throw between greenlets comes to the root with its target" {
    const w = words();
    const b = try create(&entryEchoRoot, 0);
    _ = try send(b, 0);
    w.route = 1;
    defer w.route = 0;
    const a = try create(&entrySibling, word(b));
    // a's switch to b reaches the root unchanged; b has not run.
    try testing.expectEqual(Reply{ .tag = tag_value, .value = 6 }, try send(a, 5));
    try testing.expectEqual(a, w.origin);
    try testing.expectEqual(b, w.target);
    w.target = .none; // the host clears it
    // The root performs it: b gets 6 and sends the root 1006.
    try testing.expectEqual(Reply{ .tag = tag_value, .value = 1006 }, try send(b, 6));
    try testing.expectEqual(b, w.origin);
    try testing.expectEqual(Handle.none, w.target);
    // a's switch to b returns what the root sends a; the root-bound switch is not routed.
    try testing.expectEqual(Reply{ .tag = tag_value, .value = 90 }, try send(a, 9));
    try testing.expectEqual(Handle.none, w.target);
    _ = try send(a, 0);
    // A throw keeps its tag.
    const c = try create(&entrySibling, word(b));
    try testing.expectEqual(Reply{ .tag = tag_throw, .value = 100 }, try send(c, 100));
    try testing.expectEqual(c, w.origin);
    try testing.expectEqual(b, w.target);
    w.target = .none;
    try testing.expectEqual(Reply{ .tag = tag_value, .value = 72 }, try kill(c)); // 7 * 10 + kill
    _ = try send(c, 0);
    _ = try kill(b);
    for ([_]Handle{ a, b, c }) |h| try testing.expectEqual(Status.ok, api.greenlet_destroy(h.slot, h.generation));
}

test "switch words: untraced, a switch to a dead greenlet comes to the root with its target" {
    const w = words();
    const b = try create(&entryEchoRoot, 0);
    _ = try send(b, 0);
    _ = try kill(b);
    const a = try create(&entrySibling, word(b));
    // No kill-to-value conversion here: the message arrives as sent.
    try testing.expectEqual(Reply{ .tag = tag_value, .value = 3 }, try send(a, 2));
    try testing.expectEqual(a, w.origin);
    try testing.expectEqual(b, w.target);
    w.target = .none;
    _ = try send(a, 0);
    _ = try send(a, 0);
    try testing.expectEqual(Status.ok, api.greenlet_destroy(a.slot, a.generation));
    try testing.expectEqual(Status.ok, api.greenlet_destroy(b.slot, b.generation));
}

test "switch words: the route flag outlives greenlet_thread_exit" {
    const w = words();
    w.route = 1;
    defer w.route = 0;
    try testing.expectEqual(Status.ok, api.greenlet_thread_exit());
    try testing.expectEqual(@as(u32, 1), words().route);
    try testing.expectEqual(w, words());
}
