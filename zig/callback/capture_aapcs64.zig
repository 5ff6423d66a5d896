//! Argument capture for AAPCS64: stores x0-x7 and d0-d7 as a
//! `call.Registers` (above a frame record), calls `dispatch(slot,
//! &registers)` and returns its u64 in both x0 and d0.

const std = @import("std");
const names = @import("_symbol.zig");

/// The trampoline of slot `index` (the body of a naked function).
pub fn code(comptime index: u32) []const u8 {
    return
    \\ stp x29, x30, [sp, #-144]!
    \\ mov x29, sp
    \\ stp x0, x1, [sp, #16]
    \\ stp x2, x3, [sp, #32]
    \\ stp x4, x5, [sp, #48]
    \\ stp x6, x7, [sp, #64]
    \\ stp d0, d1, [sp, #80]
    \\ stp d2, d3, [sp, #96]
    \\ stp d4, d5, [sp, #112]
    \\ stp d6, d7, [sp, #128]
    \\
    ++ std.fmt.comptimePrint(" mov w0, #{d}\n", .{index}) ++
        \\ add x1, sp, #16
        \\
    ++ " bl " ++ names.assembler_name ++ "\n" ++
        \\ fmov d0, x0
        \\ ldp x29, x30, [sp], #144
        \\ ret
    ;
}
