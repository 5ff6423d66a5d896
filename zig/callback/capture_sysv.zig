//! Argument capture for System V x86_64: stores rdi-r9 and xmm0-7 as a
//! `call.Registers` (ints at +0, floats at +64) on the stack, calls
//! `dispatch(slot, &registers)` and returns its u64 in both rax and xmm0.

const std = @import("std");
const names = @import("_symbol.zig");

/// The trampoline of slot `index` (the body of a naked function).
pub fn code(comptime index: u32) []const u8 {
    return
    \\ pushq %%rbp
    \\ movq %%rsp, %%rbp
    \\ subq $128, %%rsp
    \\ movq %%rdi, 0(%%rsp)
    \\ movq %%rsi, 8(%%rsp)
    \\ movq %%rdx, 16(%%rsp)
    \\ movq %%rcx, 24(%%rsp)
    \\ movq %%r8, 32(%%rsp)
    \\ movq %%r9, 40(%%rsp)
    \\ movsd %%xmm0, 64(%%rsp)
    \\ movsd %%xmm1, 72(%%rsp)
    \\ movsd %%xmm2, 80(%%rsp)
    \\ movsd %%xmm3, 88(%%rsp)
    \\ movsd %%xmm4, 96(%%rsp)
    \\ movsd %%xmm5, 104(%%rsp)
    \\ movsd %%xmm6, 112(%%rsp)
    \\ movsd %%xmm7, 120(%%rsp)
    \\
    ++ std.fmt.comptimePrint(" movl ${d}, %%edi\n", .{index}) ++
        \\ movq %%rsp, %%rsi
        \\
    ++ " callq " ++ names.assembler_name ++ "\n" ++
        \\ movq %%rax, %%xmm0
        \\ movq %%rbp, %%rsp
        \\ popq %%rbp
        \\ retq
    ;
}
