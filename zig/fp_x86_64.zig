//! The floating-point control state both x86_64 ABIs carry (SysV and Win64):
//! MXCSR and the x87 control word. It is thread state: switches leave it
//! alone, and the first-entry trampolines install the creator's.

const std = @import("std");
const assert = std.debug.assert;

pub const SseX87 = struct { mxcsr: u32, x87_control: u16 };

pub fn capture() SseX87 {
    var mxcsr: u32 = 0;
    var x87_control: u16 = 0;
    asm volatile ("stmxcsr (%[m]); fnstcw (%[c])"
        :
        : [m] "r" (&mxcsr),
          [c] "r" (&x87_control),
        : .{ .memory = true });
    return .{ .mxcsr = mxcsr, .x87_control = x87_control };
}

/// Rounding mode in the common encoding 0 nearest, 1 down, 2 up, 3 zero
/// (the x86 encoding), read from MXCSR.
pub fn roundingMode() u2 {
    return @truncate(capture().mxcsr >> 13);
}

/// Sets the SSE and x87 rounding modes together.
pub fn roundingModeSet(mode: u2) void {
    var fp = capture();
    fp.mxcsr = (fp.mxcsr & ~@as(u32, 3 << 13)) | (@as(u32, mode) << 13);
    fp.x87_control = (fp.x87_control & ~@as(u16, 3 << 10)) | (@as(u16, mode) << 10);
    asm volatile ("ldmxcsr (%[m]); fldcw (%[c])"
        :
        : [m] "r" (&fp.mxcsr),
          [c] "r" (&fp.x87_control),
        : .{ .memory = true });
    assert(roundingMode() == mode);
}
