//! Native greenlets: stackful coroutines with greenlet's tree semantics,
//! one tree per thread rooted at the caller's own stack.
//!
//! The shared library's C ABI is `exports.zig` (header `include/greenlet.h`);
//! Zig code can use the modules below directly.

const std = @import("std");
const builtin = @import("builtin");

pub const greenlet = @import("greenlet.zig");
pub const handles = @import("handles.zig");
pub const Stack = @import("Stack.zig");
pub const stack_pool = @import("stack_pool.zig");
pub const context = @import("context.zig");
pub const exports = @import("exports.zig");
pub const call = @import("call/mod.zig");
pub const callback = @import("callback/mod.zig");

comptime {
    _ = exports;
}

/// Panic handler of the shared library: a failed safety check prints one
/// line to stderr (Linux) and traps. The library is loaded into Deno/Bun, so
/// it carries no stack-trace machinery of its own; this also keeps each
/// ReleaseSafe build small and quick to compile. (Test binaries use the test
/// runner's full handler.)
pub const panic = std.debug.FullPanic(libraryPanic);

fn libraryPanic(message: []const u8, first_trace_address: ?usize) noreturn {
    @branchHint(.cold);
    _ = first_trace_address;
    if (builtin.os.tag == .linux) {
        const prefix = "greenlet: panic: ";
        _ = std.os.linux.write(2, prefix, prefix.len);
        _ = std.os.linux.write(2, message.ptr, message.len);
        _ = std.os.linux.write(2, "\n", 1);
    }
    @trap();
}

test {
    std.testing.refAllDecls(@This());
    _ = context.abi;
    _ = @import("memory_test.zig");
    _ = @import("thread_exit_test.zig");
    _ = @import("switch_words_test.zig");
    _ = @import("tls_descriptor.zig");
}
