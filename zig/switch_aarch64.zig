//! Context switch for AAPCS64 (Linux and macOS on aarch64).
//!
//! Saves x19-x28, x29 (FP), x30 (LR, the resume address) and d8-d15 on the
//! suspended stack; the context is the saved SP. FPCR is thread state: not
//! switched; the trampoline installs the creator's FPCR on first entry. x18 is never touched
//! (platform register on Apple and Windows) and no return address is signed
//! (a fresh frame's LR is an unsigned trampoline address).
//!
//! Saved frame, from the saved SP upwards (160 bytes, 16-aligned):
//!   +0 d8 d9, +16 d10 d11, +32 d12 d13, +48 d14 d15, +64 x19 x20,
//!   +80 x21 x22, +96 x23 x24, +112 x25 x26, +128 x27 x28, +144 x29 x30.

const std = @import("std");
const assert = std.debug.assert;

pub const frame_bytes = 160;
pub const checked_register_count = 19;

comptime {
    assert(frame_bytes % 16 == 0);
    assert(checked_register_count == 10 + 1 + 8);
}

/// The callee-saved registers as the switch and the test helper store them,
/// from SP upwards: d8-d15, x19-x28, x29 (FP), x30 (LR): the layout
/// `prepareStack` builds. SP is lowered before and raised after.
const store_saved =
    \\ stp d8, d9, [sp, #0]
    \\ stp d10, d11, [sp, #16]
    \\ stp d12, d13, [sp, #32]
    \\ stp d14, d15, [sp, #48]
    \\ stp x19, x20, [sp, #64]
    \\ stp x21, x22, [sp, #80]
    \\ stp x23, x24, [sp, #96]
    \\ stp x25, x26, [sp, #112]
    \\ stp x27, x28, [sp, #128]
    \\ stp x29, x30, [sp, #144]
    \\
;
const load_saved =
    \\ ldp d8, d9, [sp, #0]
    \\ ldp d10, d11, [sp, #16]
    \\ ldp d12, d13, [sp, #32]
    \\ ldp d14, d15, [sp, #48]
    \\ ldp x19, x20, [sp, #64]
    \\ ldp x21, x22, [sp, #80]
    \\ ldp x23, x24, [sp, #96]
    \\ ldp x25, x26, [sp, #112]
    \\ ldp x27, x28, [sp, #128]
    \\ ldp x29, x30, [sp, #144]
    \\
;

/// `fn (from_sp: *usize, to_sp: usize, value: usize) callconv(.c) usize`.
pub fn switchContext() callconv(.naked) void {
    asm volatile (
        \\ sub sp, sp, #160
        \\
    ++ store_saved ++
        \\ mov x9, sp
        \\ str x9, [x0]
        \\ mov sp, x1
        \\
    ++ load_saved ++
        \\ add sp, sp, #160
        \\ mov x0, x2
        \\ ret
    );
}

/// `ret` of the first switch lands here with SP = top: entry in x19,
/// argument in x20, the creator's FPCR in x21, switch value in x0. `blr` is a
/// real call; the entry never returns.
///
/// This is the outermost frame of every greenlet stack, as `_start` and
/// `clone` are of a thread's: its CFI leaves the return address (x30)
/// undefined, which ends DWARF unwinding (backtrace, C++ exceptions, gdb)
/// here, and x29 points at a frame record of zeros (FP 0, LR 0) at the top
/// of the stack, the AAPCS64 end of the frame-record chain.
fn trampoline() callconv(.naked) noreturn {
    asm volatile (
        \\ .cfi_undefined x30
        \\ msr fpcr, x21
        \\ stp xzr, xzr, [sp, #-16]!
        \\ .cfi_adjust_cfa_offset 16
        \\ mov x29, sp
        \\ mov x1, x0
        \\ mov x0, x20
        \\ blr x19
        \\ brk #0
    );
}

pub const FpControl = struct { fpcr: u64 };

pub fn fpControlCapture() FpControl {
    return .{ .fpcr = asm volatile ("mrs %[r], fpcr"
        : [r] "=r" (-> u64),
    ) };
}

pub const InitialFrame = struct {
    top: usize,
    limit: usize,
    base: usize,
    entry: usize,
    arg: usize,
    fp: FpControl,
};

pub fn prepareStack(frame: InitialFrame) usize {
    assert(frame.top % 16 == 0);
    assert(frame.entry != 0);
    const sp = frame.top - frame_bytes;
    const slots: [*]usize = @ptrFromInt(sp);
    @memset(slots[0..(frame_bytes / 8)], 0);
    slots[8] = frame.entry; // x19
    slots[9] = frame.arg; // x20
    slots[18] = 0; // x29
    slots[19] = @intFromPtr(&trampoline); // x30
    slots[10] = frame.fp.fpcr; // x21
    assert(sp % 16 == 0);
    return sp;
}

// FPCR.RMode (bits 23:22): 0 nearest, 1 up, 2 down, 3 zero. The common
// encoding swaps up and down (0 nearest, 1 down, 2 up, 3 zero).
fn swapUpDown(mode: u2) u2 {
    return switch (mode) {
        1 => 2,
        2 => 1,
        else => mode,
    };
}

pub fn fpRoundingMode() u2 {
    const rmode: u2 = @truncate(fpControlCapture().fpcr >> 22);
    return swapUpDown(rmode);
}

pub fn fpRoundingModeSet(mode: u2) void {
    const fpcr = (fpControlCapture().fpcr & ~@as(u64, 3 << 22)) | (@as(u64, swapUpDown(mode)) << 22);
    asm volatile ("msr fpcr, %[v]"
        :
        : [v] "r" (fpcr),
    );
    assert(fpRoundingMode() == mode);
}

/// Test helper: `(call, ctx, seed, out)`; x19-x28 = seed+0..9, x29 = seed+10,
/// d8-d15 = seed+11..18; calls `call(ctx)`; stores the registers to `out`.
pub fn fillRegistersAndCall() callconv(.naked) void {
    asm volatile (
        \\ sub sp, sp, #176
        \\
    ++ store_saved ++
        \\ str x3, [sp, #160]
        \\ mov x9, x0
        \\ mov x0, x1
        \\ add x19, x2, #0
        \\ add x20, x2, #1
        \\ add x21, x2, #2
        \\ add x22, x2, #3
        \\ add x23, x2, #4
        \\ add x24, x2, #5
        \\ add x25, x2, #6
        \\ add x26, x2, #7
        \\ add x27, x2, #8
        \\ add x28, x2, #9
        \\ add x29, x2, #10
        \\ add x10, x2, #11
        \\ fmov d8, x10
        \\ add x10, x2, #12
        \\ fmov d9, x10
        \\ add x10, x2, #13
        \\ fmov d10, x10
        \\ add x10, x2, #14
        \\ fmov d11, x10
        \\ add x10, x2, #15
        \\ fmov d12, x10
        \\ add x10, x2, #16
        \\ fmov d13, x10
        \\ add x10, x2, #17
        \\ fmov d14, x10
        \\ add x10, x2, #18
        \\ fmov d15, x10
        \\ blr x9
        \\ ldr x9, [sp, #160]
        \\ stp x19, x20, [x9, #0]
        \\ stp x21, x22, [x9, #16]
        \\ stp x23, x24, [x9, #32]
        \\ stp x25, x26, [x9, #48]
        \\ stp x27, x28, [x9, #64]
        \\ str x29, [x9, #80]
        \\ str d8, [x9, #88]
        \\ str d9, [x9, #96]
        \\ str d10, [x9, #104]
        \\ str d11, [x9, #112]
        \\ str d12, [x9, #120]
        \\ str d13, [x9, #128]
        \\ str d14, [x9, #136]
        \\ str d15, [x9, #144]
        \\
    ++ load_saved ++
        \\ add sp, sp, #176
        \\ ret
    );
}

test prepareStack {
    var buffer: [64]usize align(16) = @splat(0xAA);
    const top = @intFromPtr(&buffer) + @sizeOf(@TypeOf(buffer));
    const sp = prepareStack(.{ .top = top, .limit = 0, .base = 0, .entry = 0x1234, .arg = 0x5678, .fp = .{ .fpcr = 0 } });
    const slots: [*]const usize = @ptrFromInt(sp);
    try std.testing.expectEqual(top - frame_bytes, sp);
    try std.testing.expectEqual(@as(usize, 0x1234), slots[8]);
    try std.testing.expectEqual(@intFromPtr(&trampoline), slots[19]);
}
