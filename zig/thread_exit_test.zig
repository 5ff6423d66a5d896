//! Thread exit frees the thread's tree: 10 000 short-lived threads, each
//! leaving a pending, a suspended and a dead greenlet behind, leave the
//! counts flat. Where the platform hook exists (Windows here; glibc in the
//! C test tests/native/thread_exit.c) the threads just exit; elsewhere (this
//! static Linux binary has no glibc) they call `threadExit` first.

const std = @import("std");
const builtin = @import("builtin");
const testing = std.testing;
const greenlet = @import("greenlet.zig");
const stack_pool = @import("stack_pool.zig");
const Stack = @import("Stack.zig");
const thread_exit = @import("thread_exit.zig");
const entrySuspend = @import("memory_test.zig").entrySuspend;

fn entryReturn(arg: usize, value: usize, result: *usize) callconv(.c) u32 {
    result.* = arg + value;
    return @backingInt(greenlet.Tag.value);
}

const Outcome = struct { ok: bool = true };

fn shortLived(outcome: *Outcome, explicit: bool) void {
    const suspended = greenlet.create(&entrySuspend, 0, .none, 0) catch return fail(outcome);
    _ = greenlet.switchTo(suspended, 1) catch return fail(outcome);
    _ = greenlet.create(&entrySuspend, 0, suspended, 0) catch return fail(outcome);
    const dead = greenlet.create(&entryReturn, 0, .none, 0) catch return fail(outcome);
    _ = greenlet.switchTo(dead, 1) catch return fail(outcome);
    if (explicit) {
        // From a greenlet the call is refused; from the root it frees all.
        greenlet.threadExit() catch return fail(outcome);
        if (greenlet.flags(suspended)) |_| return fail(outcome) else |_| {}
    }
}

fn fail(outcome: *Outcome) void {
    outcome.ok = false;
}

fn counts() [3]u64 {
    return .{ stack_pool.stat(.greenlets_live), stack_pool.stat(.stacks_in_use), stack_pool.stat(.reserved_bytes) };
}

fn runThreads(count: usize, explicit: bool) !void {
    for (0..count) |_| {
        var outcome: Outcome = .{};
        const thread = try std.Thread.spawn(.{ .stack_size = 256 * 1024 }, shortLived, .{ &outcome, explicit });
        thread.join();
        try testing.expect(outcome.ok);
    }
}

test "thread exit: 10 000 short-lived threads leave the counts flat" {
    const explicit = !thread_exit.available();
    try runThreads(10, explicit); // the pool holds their stacks from now on
    const before = counts();
    // Valgrind serialises threads, and qemu-user and Wine make each start
    // take milliseconds: fewer threads there, the same check.
    const under_valgrind = builtin.valgrind_support and std.valgrind.runningOnValgrind() > 0;
    const emulated = Stack.guardAdviceIgnored() or underWine();
    try runThreads(if (under_valgrind or emulated) 1_000 else 10_000, explicit);
    try testing.expectEqual(before, counts());
}

fn underWine() bool {
    if (builtin.os.tag != .windows) return false;
    const kernel32 = struct {
        extern "kernel32" fn GetModuleHandleA(name: [*:0]const u8) callconv(.winapi) ?*anyopaque;
        extern "kernel32" fn GetProcAddress(module: *anyopaque, name: [*:0]const u8) callconv(.winapi) ?*anyopaque;
    };
    const ntdll = kernel32.GetModuleHandleA("ntdll.dll") orelse return false;
    return kernel32.GetProcAddress(ntdll, "wine_get_version") != null;
}

fn exitFromGreenlet(arg: usize, value: usize, result: *usize) callconv(.c) u32 {
    _ = arg;
    _ = value;
    result.* = if (greenlet.threadExit()) |_| 0 else |err| @intFromError(err);
    return @backingInt(greenlet.Tag.value);
}

test "threadExit: refused inside a greenlet, frees the tree from the root" {
    const child = try greenlet.create(&exitFromGreenlet, 0, .none, 0);
    const reply = try greenlet.switchTo(child, 0);
    try testing.expectEqual(@as(usize, @intFromError(error.Alive)), reply.value);
    try greenlet.destroy(child);
    const live = stack_pool.stat(.greenlets_live);
    const pending = try greenlet.create(&entrySuspend, 0, .none, 0);
    const suspended = try greenlet.create(&entrySuspend, 0, .none, 0);
    _ = try greenlet.switchTo(suspended, 1);
    const old_root = try greenlet.root();
    // Our root, a pending and a suspended greenlet: three live handles.
    try greenlet.threadExit();
    try testing.expectEqual(live - 1, stack_pool.stat(.greenlets_live));
    try testing.expectError(error.InvalidHandle, greenlet.flags(pending));
    try testing.expectError(error.InvalidHandle, greenlet.flags(suspended));
    try testing.expectError(error.InvalidHandle, greenlet.flags(old_root));
    // The thread goes on with a new tree.
    const new_root = try greenlet.root();
    try testing.expect(!new_root.eql(old_root));
    try testing.expectEqual(live, stack_pool.stat(.greenlets_live));
}
