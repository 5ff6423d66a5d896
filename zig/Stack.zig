//! One greenlet stack: a reserved region with a guard region at its low end.
//!
//! Layout (addresses grow to the right, the stack grows to the left):
//!   [base .. base+guard_bytes)          guard, no access (never committed)
//!   [base+guard_bytes .. base+total)    usable, read/write
//! Linux and macOS reserve with mmap(MAP_NORESERVE) and let the kernel commit
//! pages on first touch; the guard is a MADV_GUARD_INSTALL range on Linux
//! 6.13+ (no mapping of its own) and an mprotect(PROT_NONE) range elsewhere
//! (which splits the reservation into two mappings); Windows reserves and commits the usable part with
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
/// Whether the guard is a mapping of its own (an mprotect split).
split_guard: bool,

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
/// Top of a stack that stays resident while the stack waits in the pool: a
/// greenlet that stayed within it finishes without a system call, and the
/// next one reuses its pages. A greenlet that went deeper has the rest of the
/// stack given back when it finishes (see `dirtyBelowKeep`).
pub const keep_bytes: usize = 16 * 1024;
/// Window just below `keep_bytes` read by `dirtyBelowKeep`.
pub const probe_bytes: usize = 512;

comptime {
    assert(guard_bytes % std.heap.page_size_max == 0);
    assert(granule_bytes % std.heap.page_size_max == 0);
    assert(default_usable_bytes % granule_bytes == 0);
    assert(max_usable_bytes % granule_bytes == 0);
    assert(keep_bytes % std.heap.page_size_min == 0);
    assert(keep_bytes + probe_bytes <= granule_bytes);
    assert(probe_bytes % 64 == 0);
}

/// `MapLimit`: the reservation failed because the process has (nearly) as
/// many memory mappings as Linux allows (`/proc/sys/vm/max_map_count`).
pub const Error = error{ OutOfMemory, InvalidSize, MapLimit };

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
    const reserved = try os.reserve(total, guard_bytes);
    assert(reserved.base % std.heap.page_size_min == 0);
    var stack: Stack = .{ .base = reserved.base, .total_bytes = total, .valgrind_id = 0, .split_guard = reserved.split_guard };
    if (valgrind_enabled) stack.valgrind_id = std.valgrind.stackRegister(stack.usable());
    return stack;
}

pub fn deinit(stack: *Stack) void {
    assert(stack.base != 0);
    assert(stack.total_bytes > guard_bytes);
    if (valgrind_enabled) std.valgrind.stackDeregister(stack.valgrind_id);
    os.release(stack.base, stack.total_bytes, stack.split_guard);
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

/// Gives the physical pages of a stack back to the OS, except the top
/// `keep` bytes (which the next greenlet will touch anyway). One system call.
pub fn discard(stack: Stack, keep: usize) void {
    assert(keep % std.heap.page_size_min == 0);
    assert(keep <= stack.usableBytes());
    const len = stack.usableBytes() - keep;
    if (len == 0) return;
    os.discard(stack.limit(), len);
}

/// Whether the greenlet that ran on this (now free) stack wrote below its
/// top `keep_bytes`, judged without a system call: a non-zero word in the
/// `probe_bytes` window just below that mark. A frame chain that went deeper
/// crossed the window and left return addresses and saved registers in it;
/// pages nobody wrote read as zeros (Linux maps its shared zero page on the
/// read, which adds no resident memory, and only once per stack: the probe
/// stays cheap until a deep greenlet dirties the window). A single frame
/// whose untouched locals span the whole window is missed: its deeper pages
/// then stay resident until a later greenlet on the stack dirties the
/// window or the stack leaves the pool.
pub fn dirtyBelowKeep(stack: Stack) bool {
    if (stack.usableBytes() <= keep_bytes) return false;
    const start = stack.top() - keep_bytes - probe_bytes;
    assert(start >= stack.limit());
    const window: *const [probe_bytes / @sizeOf(usize)]usize = @ptrFromInt(start);
    // Valgrind marks stack memory above a returning frame as undefined.
    if (valgrind_enabled) _ = std.valgrind.memcheck.makeMemDefined(std.mem.asBytes(window));
    var bits: usize = 0;
    for (window) |word| bits |= word;
    return bits != 0;
}

const valgrind_enabled = builtin.mode == .debug and builtin.valgrind_support;

const Reserved = struct { base: usize, split_guard: bool };

/// Tests only: guard with mprotect (two mappings per stack) even where
/// MADV_GUARD_INSTALL works, to reach the mapping limit.
pub var always_split_guard: bool = false;

/// Whether stacks made so far are guarded without a mapping of their own
/// (Linux 6.13+ with MADV_GUARD_INSTALL; known after the first stack).
pub fn guardInstalled() bool {
    return builtin.os.tag == .linux and os.guardInstallWorks();
}

/// Whether the kernel accepted MADV_GUARD_INSTALL without guarding: what
/// qemu-user does with advice it does not know (tests use it to tell an
/// emulator; known after the first stack).
pub fn guardAdviceIgnored() bool {
    return builtin.os.tag == .linux and os.guardAdviceIgnored();
}

const os = switch (builtin.os.tag) {
    .linux => LinuxImpl,
    .macos, .ios, .tvos, .watchos, .visionos => DarwinImpl,
    .windows => WindowsImpl,
    else => @compileError("greenlet stacks: unsupported OS " ++ @tagName(builtin.os.tag)),
};

const LinuxImpl = struct {
    const linux = std.os.linux;

    fn reserve(total: usize, guard: usize) Error!Reserved {
        const rc = linux.mmap(null, total, .{ .READ = true, .WRITE = true }, map_flags, -1, 0);
        switch (linux.errno(rc)) {
            .SUCCESS => {},
            .NOMEM => return noMemory(false),
            else => return error.OutOfMemory,
        }
        const base = rc;
        if (!always_split_guard and guardInstall(base, guard)) {
            // One mapping, which even merges with the neighbouring stacks.
            _ = linux.madvise(@ptrFromInt(base), total, linux.MADV.NOHUGEPAGE);
            return .{ .base = base, .split_guard = false };
        }
        // The guard splits the mapping in two: two entries against
        // vm.max_map_count per stack. (An mprotect inside one reservation
        // splits it just the same.)
        const protect_rc = linux.mprotect(@ptrFromInt(base), guard, .{});
        if (linux.errno(protect_rc) != .SUCCESS) {
            const nomem = linux.errno(protect_rc) == .NOMEM;
            _ = linux.munmap(@ptrFromInt(base), total);
            return if (nomem) noMemory(true) else error.OutOfMemory;
        }
        // Transparent huge pages would make one touched byte cost 2 MiB.
        _ = linux.madvise(@ptrFromInt(base), total, linux.MADV.NOHUGEPAGE);
        _ = split_stacks.fetchAdd(1, .monotonic);
        return .{ .base = base, .split_guard = true };
    }

    // MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, spelled as the
    // asm-generic numbers because std's riscv64 MAP struct lacks NORESERVE.
    const map_flags: linux.MAP = @bitCast(@as(u32, 0x02 | 0x20 | 0x4000 | 0x20000));

    comptime {
        const arch = builtin.cpu.arch;
        assert(arch == .x86_64 or arch == .aarch64 or arch == .riscv64);
        assert(@as(u32, @bitCast(linux.MAP{ .TYPE = .PRIVATE, .ANONYMOUS = true })) == 0x22);
    }

    /// Linux 6.13+: MADV_GUARD_INSTALL makes a range fault on access with
    /// page-table markers, without a mapping of its own.
    const madv_guard_install = 102;
    /// Whether MADV_GUARD_INSTALL guards: 0 not known yet, 1 yes, 2 no,
    /// 3 no although the kernel accepted it (an emulator: qemu-user).
    var guard_install: std.atomic.Value(u8) = .init(0);

    fn guardInstall(base: usize, guard: usize) bool {
        const known = guard_install.load(.monotonic);
        if (known >= 2) return false;
        const rc = linux.madvise(@ptrFromInt(base), guard, madv_guard_install);
        if (linux.errno(rc) != .SUCCESS) {
            // An older kernel (EINVAL); remember it, one failed call per process.
            if (known == 0) guard_install.store(2, .monotonic);
            return false;
        }
        if (known == 1) return true;
        // First stack: check that the advice took effect (qemu-user accepts
        // advice it does not know and ignores it). A guarded page makes a
        // write() from it fail with EFAULT instead of faulting.
        const effective = guardEffective(base) orelse return false;
        guard_install.store(if (effective) 1 else 3, .monotonic);
        return effective;
    }

    fn guardEffective(base: usize) ?bool {
        var fds: [2]i32 = undefined;
        if (linux.errno(linux.pipe2(&fds, .{ .CLOEXEC = true })) != .SUCCESS) return null;
        defer _ = linux.close(fds[0]);
        defer _ = linux.close(fds[1]);
        const rc = linux.write(fds[1], @ptrFromInt(base), 1);
        return linux.errno(rc) == .FAULT;
    }

    fn guardInstallWorks() bool {
        return guard_install.load(.monotonic) == 1;
    }

    fn guardAdviceIgnored() bool {
        return guard_install.load(.monotonic) == 3;
    }

    /// Stacks whose guard splits their mapping (mprotect), now mapped.
    var split_stacks: std.atomic.Value(usize) = .init(0);

    /// ENOMEM from mmap or mprotect means either memory or the mapping
    /// count ran out; it is the mapping limit when the process's mappings
    /// (this library's stacks with a split guard, two each, or else the
    /// lines of /proc/self/maps) are within 1/64 of
    /// /proc/sys/vm/max_map_count. Without /proc, a failed split (the
    /// guard's mprotect) counts as the mapping limit and a failed mmap as
    /// out of memory.
    fn noMemory(split: bool) Error {
        const near = mapCountNearLimit() orelse split;
        return if (near) error.MapLimit else error.OutOfMemory;
    }

    fn mapCountNearLimit() ?bool {
        var buffer: [4096]u8 = undefined;
        const limit_file = readStart("/proc/sys/vm/max_map_count", &buffer) orelse return null;
        const trimmed = std.mem.trim(u8, limit_file, " \n");
        const max_count = std.fmt.parseInt(u64, trimmed, 10) catch return null;
        const slack = max_count / 64;
        // This library's own mappings first: two per stack with a split
        // guard. Enough to decide without listing the process's mappings,
        // which qemu-user cannot do at the limit (it needs memory for it).
        const own = 2 * split_stacks.load(.monotonic);
        if (own + slack >= max_count) return true;
        // A process always has mappings: 0 lines means /proc could not say.
        const listed = countLines("/proc/self/maps", &buffer) orelse return null;
        if (listed == 0) return null;
        return listed + slack >= max_count;
    }

    fn openRead(path: [*:0]const u8) ?i32 {
        const rc = linux.openat(linux.AT.FDCWD, path, .{ .ACCMODE = .RDONLY, .CLOEXEC = true }, 0);
        if (linux.errno(rc) != .SUCCESS) return null;
        return @intCast(rc);
    }

    fn readStart(path: [*:0]const u8, buffer: []u8) ?[]const u8 {
        const fd = openRead(path) orelse return null;
        defer _ = linux.close(fd);
        const rc = linux.read(fd, buffer.ptr, buffer.len);
        if (linux.errno(rc) != .SUCCESS) return null;
        return buffer[0..rc];
    }

    fn countLines(path: [*:0]const u8, buffer: []u8) ?u64 {
        const fd = openRead(path) orelse return null;
        defer _ = linux.close(fd);
        var lines: u64 = 0;
        while (true) {
            const rc = linux.read(fd, buffer.ptr, buffer.len);
            if (linux.errno(rc) != .SUCCESS) return null;
            if (rc == 0) return lines;
            lines += std.mem.countScalar(u8, buffer[0..rc], '\n');
        }
    }

    fn release(base: usize, total: usize, split_guard: bool) void {
        const rc = linux.munmap(@ptrFromInt(base), total);
        assert(linux.errno(rc) == .SUCCESS);
        if (split_guard) _ = split_stacks.fetchSub(1, .monotonic);
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

    fn reserve(total: usize, guard: usize) Error!Reserved {
        const flags = map_private | map_anonymous | map_norserve;
        const rc = mmap(null, total, prot_read_write, flags, -1, 0);
        if (rc == -1) return error.OutOfMemory;
        const base: usize = @bitCast(rc);
        if (mprotect(@ptrFromInt(base), guard, prot_none) != 0) {
            _ = munmap(@ptrFromInt(base), total);
            return error.OutOfMemory;
        }
        return .{ .base = base, .split_guard = true };
    }

    fn release(base: usize, total: usize, split_guard: bool) void {
        _ = split_guard;
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

    fn reserve(total: usize, guard: usize) Error!Reserved {
        const base = VirtualAlloc(null, total, mem_reserve, page_read_write) orelse
            return error.OutOfMemory;
        const usable_start: *anyopaque = @ptrFromInt(@intFromPtr(base) + guard);
        if (VirtualAlloc(usable_start, total - guard, mem_commit, page_read_write) == null) {
            _ = VirtualFree(base, 0, mem_release);
            return error.OutOfMemory;
        }
        return .{ .base = @intFromPtr(base), .split_guard = false };
    }

    fn release(base: usize, total: usize, split_guard: bool) void {
        _ = split_guard;
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

test dirtyBelowKeep {
    var stack = try Stack.init(granule_bytes);
    defer stack.deinit();
    const bytes = stack.usable();
    bytes[bytes.len - 1] = 1; // within the kept top
    bytes[bytes.len - keep_bytes] = 1;
    try std.testing.expect(!stack.dirtyBelowKeep());
    bytes[bytes.len - keep_bytes - 8] = 1; // in the window
    try std.testing.expect(stack.dirtyBelowKeep());
    stack.discard(keep_bytes);
    try std.testing.expect(!stack.dirtyBelowKeep());
}
