//! The switch path's thread-local address on x86_64 Linux, through the
//! variable's TLS descriptor (the gnu2 dialect, glibc and musl), without
//! the descriptor call where that call is known to return a constant.
//!
//! A descriptor is two words in the library's GOT: a function and its
//! argument; `call *desc[0]` with RAX = desc returns the variable's offset
//! from the thread pointer. For a library whose TLS sits in the static block
//! (linked at start-up, or `dlopen`ed while the loader's static surplus
//! lasts, glibc's usual case) the function is the loader's static resolver,
//! whose whole body is `movq 8(%rax), %rax; ret`: the offset is `desc[1]`,
//! the same for every thread. `probe` checks once, by reading that body's
//! bytes, and `address` then loads `desc[1]` inline (the call and its
//! return cost about 1 ns of a 14 ns round trip). Any other function (a
//! dynamic block, a lazy resolver, another loader) keeps the call.
//!
//! Where the library is linked into an executable (the unit tests), the
//! linker rewrites the descriptor sequence into a constant offset: the
//! `leaq` yields that offset (negative, as x86_64 TLS lies below the thread
//! pointer) instead of a GOT address, and `probe` leaves the call path on.

const std = @import("std");
const assert = std.debug.assert;

/// Set once by `probe` when `desc[1]` is the offset for every thread
/// (atomic accesses; the switch's assembly reads it as
/// `greenlet_tls_direct`).
var direct: bool = false;

comptime {
    const builtin = @import("builtin");
    if (builtin.cpu.arch == .x86_64 and builtin.os.tag == .linux) {
        @export(&direct, .{ .name = direct_symbol, .visibility = .hidden });
    }
}

/// The assembler's name of the flag.
pub const direct_symbol = "greenlet_tls_direct";

/// The address of the thread-local `name` (a symbol of this library). Clobbers
/// only RAX and the flags, like the descriptor call it may replace.
pub inline fn address(comptime T: type, comptime name: []const u8) *T {
    return asm volatile (
        \\ leaq "
    ++ name ++
        \\"@tlsdesc(%%rip), %%rax
        \\ testb %[direct], %[direct]
        \\ jz 1f
        \\ movq 8(%%rax), %%rax
        \\2:
        \\ addq %%fs:0, %%rax
        \\ .pushsection .text.unlikely.greenlet_tls, "ax", @progbits
        \\1:
        \\ callq *"
    ++ name ++
        \\"@tlscall(%%rax)
        \\ jmp 2b
        \\ .popsection
        : [ret] "=&{rax}" (-> *T),
        : [direct] "r" (@atomicLoad(bool, &direct, .monotonic)),
        : .{ .cc = true, .memory = true });
}

/// Checks, once per process, whether `name`'s descriptor resolves to a
/// constant offset, and turns the inline load on if so. `expected` is the
/// variable's address on the calling thread (computed by the descriptor call).
pub fn probe(comptime name: []const u8, expected: usize) void {
    if (@atomicLoad(bool, &direct, .monotonic)) return;
    const descriptor = asm volatile (
        \\ leaq "
    ++ name ++
        \\"@tlsdesc(%%rip), %%rax
        : [ret] "={rax}" (-> usize),
    );
    // A rewritten sequence gives a thread-pointer offset (negative), not a
    // GOT address (a user-space address, below 2^63).
    if (@as(isize, @bitCast(descriptor)) <= 0 or descriptor % @alignOf(usize) != 0) return;
    const words: *const [2]usize = @ptrFromInt(descriptor);
    const offset = staticOffset(words) orelse return;
    const thread_pointer = asm volatile ("movq %%fs:0, %[ret]"
        : [ret] "=r" (-> usize),
    );
    if (thread_pointer +% offset != expected) return;
    @atomicStore(bool, &direct, true, .monotonic);
}

/// `desc[1]` when `desc[0]` is a static resolver (`movq 8(%rax), %rax; ret`,
/// with or without a leading `endbr64`), else null.
fn staticOffset(desc: *const [2]usize) ?usize {
    if (desc[0] == 0) return null;
    const code: [*]const u8 = @ptrFromInt(desc[0]);
    const endbr64 = [_]u8{ 0xf3, 0x0f, 0x1e, 0xfa };
    const body = [_]u8{ 0x48, 0x8b, 0x40, 0x08, 0xc3 }; // movq 8(%rax), %rax; ret
    const start: usize = if (std.mem.eql(u8, code[0..endbr64.len], &endbr64)) endbr64.len else 0;
    if (!std.mem.eql(u8, code[start..][0..body.len], &body)) return null;
    return desc[1];
}

test staticOffset {
    const plain = [_]u8{ 0x48, 0x8b, 0x40, 0x08, 0xc3, 0xcc, 0xcc, 0xcc, 0xcc };
    const with_endbr = [_]u8{ 0xf3, 0x0f, 0x1e, 0xfa, 0x48, 0x8b, 0x40, 0x08, 0xc3 };
    // A dynamic resolver does more (here: `pushq %rbx` first).
    const other = [_]u8{ 0x53, 0x48, 0x8b, 0x40, 0x08, 0xc3, 0xcc, 0xcc, 0xcc };
    const minus_64: usize = @bitCast(@as(isize, -64));
    try std.testing.expectEqual(minus_64, staticOffset(&.{ @intFromPtr(&plain), minus_64 }).?);
    try std.testing.expectEqual(minus_64, staticOffset(&.{ @intFromPtr(&with_endbr), minus_64 }).?);
    try std.testing.expectEqual(null, staticOffset(&.{ @intFromPtr(&other), minus_64 }));
    try std.testing.expectEqual(null, staticOffset(&.{ 0, minus_64 }));
}
