//! One greenlet stack: a reserved region with a guard region at its low end.
//!
//! Layout (addresses grow to the right, the stack grows to the left):
//!   [base .. base+guard_bytes)          guard, no access (never committed)
//!   [base+guard_bytes .. base+total)    usable, read/write
//! Linux and macOS reserve with mmap(MAP_NORESERVE) and let the kernel commit
//! pages on first touch; Windows reserves and commits the usable part with
//! VirtualAlloc (commit charge only, pages still become resident on touch)
//! and leaves the guard reserved but uncommitted, so touching it faults.
//!
//! Usage: `var s = try Stack.init(Stack.default_usable_bytes); defer s.deinit();`

const std = @import("std");
const builtin = @import("builtin");
const assert = std.debug.assert;

const Stack = @This();

/// Lowest address of the reservation (the guard starts here).
base: usize,
/// Bytes of the reservation, guard included.
total_bytes: usize,
/// Valgrind stack id (Debug builds under Valgrind), 0 otherwise.
valgrind_id: usize,

/// Guard region below every stack. 64 KiB covers 16 pages of 4 KiB and 4
/// pages of 16 KiB (Apple silicon), so a frame up to 64 KiB that skips the
/// first page still faults instead of landing in a neighbour.
pub const guard_bytes: usize = 64 * 1024;
/// Usable bytes when a greenlet does not ask for a size: enough for Debug
/// Zig frames and panic printing, lazily committed so it costs only address
/// space until touched.
pub const default_usable_bytes: usize = 1024 * 1024;
/// Smallest usable size accepted; requests are rounded up to this unit.
pub const granule_bytes: usize = 64 * 1024;
/// Largest usable size accepted (1 GiB).
pub const max_usable_bytes: usize = 1024 * 1024 * 1024;

comptime {
    assert(guard_bytes % std.heap.page_size_max == 0);
    assert(granule_bytes % std.heap.page_size_max == 0);
    assert(default_usable_bytes % granule_bytes == 0);
    assert(max_usable_bytes % granule_bytes == 0);
}

pub const Error = error{ OutOfMemory, InvalidSize };

/// Rounds a requested usable size (0 = default) up to the granule, or
/// returns error.InvalidSize when it is out of range.
pub fn usableBytesFor(requested: usize) Error!usize {
    if (requested == 0) return default_usable_bytes;
    if (requested > max_usable_bytes) return error.InvalidSize;
    const rounded = std.mem.alignForward(usize, requested, granule_bytes);
    assert(rounded >= requested);
    assert(rounded % granule_bytes == 0);
    return rounded;
}

pub fn init(usable_bytes: usize) Error!Stack {
    assert(usable_bytes % granule_bytes == 0);
    assert(usable_bytes > 0);
    const total = usable_bytes + guard_bytes;
    const base = try os.reserve(total, guard_bytes);
    assert(base % std.heap.page_size_min == 0);
    var stack: Stack = .{ .base = base, .total_bytes = total, .valgrind_id = 0 };
    if (valgrind_enabled) stack.valgrind_id = std.valgrind.stackRegister(stack.usable());
    return stack;
}

pub fn deinit(stack: *Stack) void {
    assert(stack.base != 0);
    assert(stack.total_bytes > guard_bytes);
    if (valgrind_enabled) std.valgrind.stackDeregister(stack.valgrind_id);
    os.release(stack.base, stack.total_bytes);
    stack.* = undefined;
}

/// One past the highest usable byte; 16-byte aligned.
pub fn top(stack: Stack) usize {
    const result = stack.base + stack.total_bytes;
    assert(result % 16 == 0);
    return result;
}

/// Lowest usable address (just above the guard).
pub fn limit(stack: Stack) usize {
    return stack.base + guard_bytes;
}

pub fn usableBytes(stack: Stack) usize {
    assert(stack.total_bytes > guard_bytes);
    return stack.total_bytes - guard_bytes;
}

pub fn usable(stack: Stack) []u8 {
    const ptr: [*]u8 = @ptrFromInt(stack.limit());
    return ptr[0..stack.usableBytes()];
}

/// Gives the physical pages of a stack back to the OS before it waits in the
/// pool, except the top `keep_bytes` that the next greenlet will touch anyway.
pub fn discard(stack: Stack, keep_bytes: usize) void {
    assert(keep_bytes % std.heap.page_size_max == 0);
    assert(keep_bytes <= stack.usableBytes());
    const len = stack.usableBytes() - keep_bytes;
    if (len == 0) return;
    os.discard(stack.limit(), len);
}

const valgrind_enabled = builtin.mode == .debug and builtin.valgrind_support;

const os = switch (builtin.os.tag) {
    .linux => LinuxImpl,
    .macos, .ios, .tvos, .watchos, .visionos => DarwinImpl,
    .windows => WindowsImpl,
    else => @compileError("greenlet stacks: unsupported OS " ++ @tagName(builtin.os.tag)),
};

const LinuxImpl = struct {
    const linux = std.os.linux;

    fn reserve(total: usize, guard: usize) Error!usize {
        const rc = linux.mmap(null, total, .{ .READ = true, .WRITE = true }, map_flags, -1, 0);
        if (linux.errno(rc) != .SUCCESS) return error.OutOfMemory;
        const base = rc;
        const protect_rc = linux.mprotect(@ptrFromInt(base), guard, .{});
        if (linux.errno(protect_rc) != .SUCCESS) {
            _ = linux.munmap(@ptrFromInt(base), total);
            return error.OutOfMemory;
        }
        // Transparent huge pages would make one touched byte cost 2 MiB.
        _ = linux.madvise(@ptrFromInt(base), total, linux.MADV.NOHUGEPAGE);
        return base;
    }

    // MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, spelled as the
    // asm-generic numbers because std's riscv64 MAP struct lacks NORESERVE.
    const map_flags: linux.MAP = @bitCast(@as(u32, 0x02 | 0x20 | 0x4000 | 0x20000));

    comptime {
        const arch = builtin.cpu.arch;
        assert(arch == .x86_64 or arch == .aarch64 or arch == .riscv64);
        assert(@as(u32, @bitCast(linux.MAP{ .TYPE = .PRIVATE, .ANONYMOUS = true })) == 0x22);
    }

    fn release(base: usize, total: usize) void {
        const rc = linux.munmap(@ptrFromInt(base), total);
        assert(linux.errno(rc) == .SUCCESS);
    }

    fn discard(address: usize, len: usize) void {
        _ = linux.madvise(@ptrFromInt(address), len, linux.MADV.DONTNEED);
    }
};

const DarwinImpl = struct {
    extern "c" fn mmap(addr: ?*anyopaque, len: usize, prot: c_int, flags: c_int, fd: c_int, offset: i64) isize;
    extern "c" fn mprotect(addr: *anyopaque, len: usize, prot: c_int) c_int;
    extern "c" fn munmap(addr: *anyopaque, len: usize) c_int;
    extern "c" fn madvise(addr: *anyopaque, len: usize, advice: c_int) c_int;

    const prot_none = 0;
    const prot_read_write = 1 | 2;
    const map_private = 0x0002;
    const map_norserve = 0x0040;
    const map_anonymous = 0x1000;
    const madv_free = 5;

    fn reserve(total: usize, guard: usize) Error!usize {
        const flags = map_private | map_anonymous | map_norserve;
        const rc = mmap(null, total, prot_read_write, flags, -1, 0);
        if (rc == -1) return error.OutOfMemory;
        const base: usize = @bitCast(rc);
        if (mprotect(@ptrFromInt(base), guard, prot_none) != 0) {
            _ = munmap(@ptrFromInt(base), total);
            return error.OutOfMemory;
        }
        return base;
    }

    fn release(base: usize, total: usize) void {
        const rc = munmap(@ptrFromInt(base), total);
        assert(rc == 0);
    }

    fn discard(address: usize, len: usize) void {
        _ = madvise(@ptrFromInt(address), len, madv_free);
    }
};

const WindowsImpl = struct {
    const BOOL = c_int;
    const DWORD = u32;
    extern "kernel32" fn VirtualAlloc(address: ?*anyopaque, size: usize, allocation_type: DWORD, protect: DWORD) callconv(.winapi) ?*anyopaque;
    extern "kernel32" fn VirtualFree(address: *anyopaque, size: usize, free_type: DWORD) callconv(.winapi) BOOL;

    const mem_commit = 0x1000;
    const mem_reserve = 0x2000;
    const mem_decommit = 0x4000;
    const mem_release = 0x8000;
    const mem_reset = 0x80000;
    const page_read_write = 0x04;

    fn reserve(total: usize, guard: usize) Error!usize {
        const base = VirtualAlloc(null, total, mem_reserve, page_read_write) orelse
            return error.OutOfMemory;
        const usable_start: *anyopaque = @ptrFromInt(@intFromPtr(base) + guard);
        if (VirtualAlloc(usable_start, total - guard, mem_commit, page_read_write) == null) {
            _ = VirtualFree(base, 0, mem_release);
            return error.OutOfMemory;
        }
        return @intFromPtr(base);
    }

    fn release(base: usize, total: usize) void {
        assert(total > 0);
        const rc = VirtualFree(@ptrFromInt(base), 0, mem_release);
        assert(rc != 0);
    }

    fn discard(address: usize, len: usize) void {
        // MEM_RESET keeps the commit but lets the OS drop the contents.
        _ = VirtualAlloc(@ptrFromInt(address), len, mem_reset, page_read_write);
    }
};

test usableBytesFor {
    try std.testing.expectEqual(default_usable_bytes, try usableBytesFor(0));
    try std.testing.expectEqual(granule_bytes, try usableBytesFor(1));
    try std.testing.expectEqual(2 * granule_bytes, try usableBytesFor(granule_bytes + 1));
    try std.testing.expectError(error.InvalidSize, usableBytesFor(max_usable_bytes + 1));
}

test init {
    var stack = try Stack.init(granule_bytes);
    defer stack.deinit();
    try std.testing.expectEqual(granule_bytes, stack.usableBytes());
    try std.testing.expectEqual(stack.base + guard_bytes, stack.limit());
    const bytes = stack.usable();
    bytes[0] = 1;
    bytes[bytes.len - 1] = 2;
    try std.testing.expectEqual(@as(u8, 1), bytes[0]);
    stack.discard(0);
}
