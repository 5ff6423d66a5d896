//! Argument capture for Microsoft x64: stores rcx, rdx, r8, r9 (positions
//! 0-3, ints at +0) and xmm0-3 (floats at +64) as a `call.Registers` above
//! the 32-byte shadow space, calls `dispatch(slot, &registers)` and returns
//! its u64 in both rax and xmm0.

const std = @import("std");
const names = @import("_symbol.zig");

/// The trampoline of slot `index` (the body of a naked function).
pub fn code(comptime index: u32) []const u8 {
    return
    \\ pushq %%rbp
    \\ movq %%rsp, %%rbp
    \\ subq $160, %%rsp
    \\ movq %%rcx, 32(%%rsp)
    \\ movq %%rdx, 40(%%rsp)
    \\ movq %%r8, 48(%%rsp)
    \\ movq %%r9, 56(%%rsp)
    \\ movsd %%xmm0, 96(%%rsp)
    \\ movsd %%xmm1, 104(%%rsp)
    \\ movsd %%xmm2, 112(%%rsp)
    \\ movsd %%xmm3, 120(%%rsp)
    \\
    ++ std.fmt.comptimePrint(" movl ${d}, %%ecx\n", .{index}) ++
        \\ leaq 32(%%rsp), %%rdx
        \\
    ++ " callq " ++ names.assembler_name ++ "\n" ++
        \\ movq %%rax, %%xmm0
        \\ movq %%rbp, %%rsp
        \\ popq %%rbp
        \\ retq
    ;
}
