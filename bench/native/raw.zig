//! Raw context-switch loop for the native benchmark: the library's switch
//! (`context.swap`, zig/context.zig), without the greenlet tree on top. On
//! x86_64 Linux that is `switchContextJump`, the same save/restore and
//! `popq; jmpq *` ending as the fused switch behind `greenlet_switch`.

const std = @import("std");
const context = @import("context");

pub const panic = std.debug.FullPanic(trapPanic);

fn trapPanic(message: []const u8, first_trace_address: ?usize) noreturn {
    _ = message;
    _ = first_trace_address;
    @trap();
}

var main_sp: usize = 0;
var coroutine_sp: usize = 0;
var stack: ?context.Stack = null;

fn coroutineEntry(arg: usize, value: usize) callconv(.c) noreturn {
    _ = arg;
    var received = value;
    while (true) received = context.swap(&coroutine_sp, main_sp, received + 1);
}

/// Creates the coroutine (once); returns 0 on success.
export fn bench_raw_setup() c_int {
    if (stack != null) return 0;
    const new_stack = context.Stack.init(context.Stack.granule_bytes) catch return 1;
    stack = new_stack;
    coroutine_sp = context.prepare(new_stack, &coroutineEntry, 0, context.fpControlCapture());
    return 0;
}

/// Runs `iterations` round trips (main -> coroutine -> main); returns the
/// last value so the loop cannot be optimised away.
export fn bench_raw_run(iterations: u64) u64 {
    std.debug.assert(stack != null);
    var value: usize = 0;
    var i: u64 = 0;
    while (i < iterations) : (i += 1) value = context.swap(&main_sp, coroutine_sp, value);
    return value;
}
