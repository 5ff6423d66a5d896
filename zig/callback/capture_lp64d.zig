//! Argument capture for RISC-V LP64D: stores a0-a7 and fa0-fa7 as a
//! `call.Registers`, calls `dispatch(slot, &registers)` and returns its u64
//! in both a0 and fa0.

const std = @import("std");
const names = @import("_symbol.zig");

/// The trampoline of slot `index` (the body of a naked function).
pub fn code(comptime index: u32) []const u8 {
    return
    \\ addi sp, sp, -144
    \\ sd ra, 136(sp)
    \\ sd s0, 128(sp)
    \\ addi s0, sp, 144
    \\ sd a0, 0(sp)
    \\ sd a1, 8(sp)
    \\ sd a2, 16(sp)
    \\ sd a3, 24(sp)
    \\ sd a4, 32(sp)
    \\ sd a5, 40(sp)
    \\ sd a6, 48(sp)
    \\ sd a7, 56(sp)
    \\ fsd fa0, 64(sp)
    \\ fsd fa1, 72(sp)
    \\ fsd fa2, 80(sp)
    \\ fsd fa3, 88(sp)
    \\ fsd fa4, 96(sp)
    \\ fsd fa5, 104(sp)
    \\ fsd fa6, 112(sp)
    \\ fsd fa7, 120(sp)
    \\
    ++ std.fmt.comptimePrint(" li a0, {d}\n", .{index}) ++
        \\ mv a1, sp
        \\
    ++ " call " ++ names.assembler_name ++ "\n" ++
        \\ fmv.d.x fa0, a0
        \\ ld s0, 128(sp)
        \\ ld ra, 136(sp)
        \\ addi sp, sp, 144
        \\ ret
    ;
}
