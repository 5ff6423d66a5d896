//! Context switch for riscv64 LP64D (Linux).
//!
//! Saves ra (the resume address), s0-s11 and fs0-fs11 on the suspended
//! stack; the context is the saved sp. gp and tp are never touched. fcsr
//! (rounding mode, flags) is thread state: not switched; the trampoline
//! installs the creator's rounding mode on first entry.
//!
//! Saved frame, from the saved sp upwards (208 bytes, 16-aligned):
//!   +0 ra, +8..+96 s0-s11, +104..+192 fs0-fs11, +200 padding.

const std = @import("std");
const assert = std.debug.assert;

pub const frame_bytes = 208;
pub const checked_register_count = 24;

comptime {
    assert(frame_bytes % 16 == 0);
    assert(frame_bytes == 8 * (1 + 12 + 12 + 1));
}

/// The callee-saved registers as the switch and the test helper store them,
/// from SP upwards: ra, s0-s11, fs0-fs11: the layout `prepareStack` builds.
/// SP is lowered before and raised after.
const store_saved =
    \\ sd ra, 0(sp)
    \\ sd s0, 8(sp)
    \\ sd s1, 16(sp)
    \\ sd s2, 24(sp)
    \\ sd s3, 32(sp)
    \\ sd s4, 40(sp)
    \\ sd s5, 48(sp)
    \\ sd s6, 56(sp)
    \\ sd s7, 64(sp)
    \\ sd s8, 72(sp)
    \\ sd s9, 80(sp)
    \\ sd s10, 88(sp)
    \\ sd s11, 96(sp)
    \\ fsd fs0, 104(sp)
    \\ fsd fs1, 112(sp)
    \\ fsd fs2, 120(sp)
    \\ fsd fs3, 128(sp)
    \\ fsd fs4, 136(sp)
    \\ fsd fs5, 144(sp)
    \\ fsd fs6, 152(sp)
    \\ fsd fs7, 160(sp)
    \\ fsd fs8, 168(sp)
    \\ fsd fs9, 176(sp)
    \\ fsd fs10, 184(sp)
    \\ fsd fs11, 192(sp)
    \\
;
const load_saved =
    \\ ld ra, 0(sp)
    \\ ld s0, 8(sp)
    \\ ld s1, 16(sp)
    \\ ld s2, 24(sp)
    \\ ld s3, 32(sp)
    \\ ld s4, 40(sp)
    \\ ld s5, 48(sp)
    \\ ld s6, 56(sp)
    \\ ld s7, 64(sp)
    \\ ld s8, 72(sp)
    \\ ld s9, 80(sp)
    \\ ld s10, 88(sp)
    \\ ld s11, 96(sp)
    \\ fld fs0, 104(sp)
    \\ fld fs1, 112(sp)
    \\ fld fs2, 120(sp)
    \\ fld fs3, 128(sp)
    \\ fld fs4, 136(sp)
    \\ fld fs5, 144(sp)
    \\ fld fs6, 152(sp)
    \\ fld fs7, 160(sp)
    \\ fld fs8, 168(sp)
    \\ fld fs9, 176(sp)
    \\ fld fs10, 184(sp)
    \\ fld fs11, 192(sp)
    \\
;

/// `fn (from_sp: *usize, to_sp: usize, value: usize) callconv(.c) usize`.
pub fn switchContext() callconv(.naked) void {
    asm volatile (
        \\ addi sp, sp, -208
        \\
    ++ store_saved ++
        \\ sd sp, 0(a0)
        \\ mv sp, a1
        \\
    ++ load_saved ++
        \\ addi sp, sp, 208
        \\ mv a0, a2
        \\ ret
    );
}

/// `ret` of the first switch lands here with sp = top: entry in s1,
/// argument in s2, the creator's rounding mode in s3, switch value in a0.
/// `jalr` is a real call; the entry never returns.
///
/// This is the outermost frame of every greenlet stack, as `_start` and
/// `clone` are of a thread's: its CFI leaves the return address (ra)
/// undefined, which ends DWARF unwinding (backtrace, C++ exceptions, gdb)
/// here, and s0 (fp) = top with a frame record of zeros below it (saved fp
/// 0 at top-16, ra 0 at top-8), which ends frame-pointer walks.
fn trampoline() callconv(.naked) noreturn {
    asm volatile (
        \\ .cfi_undefined ra
        \\ fsrm s3
        \\ addi sp, sp, -16
        \\ .cfi_adjust_cfa_offset 16
        \\ sd zero, 0(sp)
        \\ sd zero, 8(sp)
        \\ addi s0, sp, 16
        \\ mv a1, a0
        \\ mv a0, s2
        \\ jalr s1
        \\ unimp
    );
}

pub const FpControl = struct { frm: u64 };

pub fn fpControlCapture() FpControl {
    return .{ .frm = asm volatile ("frrm %[r]"
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
    slots[0] = @intFromPtr(&trampoline); // ra
    slots[2] = frame.entry; // s1
    slots[3] = frame.arg; // s2
    slots[4] = frame.fp.frm; // s3
    assert(sp % 16 == 0);
    return sp;
}

// frm: 0 nearest-even, 1 toward zero, 2 down, 3 up.
// Common encoding: 0 nearest, 1 down, 2 up, 3 zero.
fn toCommon(frm: u2) u2 {
    return switch (frm) {
        0 => 0,
        1 => 3,
        2 => 1,
        3 => 2,
    };
}

fn fromCommon(mode: u2) u2 {
    return switch (mode) {
        0 => 0,
        1 => 2,
        2 => 3,
        3 => 1,
    };
}

pub fn fpRoundingMode() u2 {
    return toCommon(@truncate(fpControlCapture().frm));
}

pub fn fpRoundingModeSet(mode: u2) void {
    const frm: u64 = fromCommon(mode);
    asm volatile ("fsrm %[v]"
        :
        : [v] "r" (frm),
    );
    assert(fpRoundingMode() == mode);
}

/// Test helper: `(call, ctx, seed, out)`; s0-s11 = seed+0..11, fs0-fs11 =
/// seed+12..23 (bit patterns); calls `call(ctx)`; stores them to `out`.
pub fn fillRegistersAndCall() callconv(.naked) void {
    asm volatile (
        \\ addi sp, sp, -208
        \\
    ++ store_saved ++
        \\ sd a3, 200(sp)
        \\ mv t1, a0
        \\ mv a0, a1
        \\ addi s0, a2, 0
        \\ addi s1, a2, 1
        \\ addi s2, a2, 2
        \\ addi s3, a2, 3
        \\ addi s4, a2, 4
        \\ addi s5, a2, 5
        \\ addi s6, a2, 6
        \\ addi s7, a2, 7
        \\ addi s8, a2, 8
        \\ addi s9, a2, 9
        \\ addi s10, a2, 10
        \\ addi s11, a2, 11
        \\ addi t0, a2, 12
        \\ fmv.d.x fs0, t0
        \\ addi t0, a2, 13
        \\ fmv.d.x fs1, t0
        \\ addi t0, a2, 14
        \\ fmv.d.x fs2, t0
        \\ addi t0, a2, 15
        \\ fmv.d.x fs3, t0
        \\ addi t0, a2, 16
        \\ fmv.d.x fs4, t0
        \\ addi t0, a2, 17
        \\ fmv.d.x fs5, t0
        \\ addi t0, a2, 18
        \\ fmv.d.x fs6, t0
        \\ addi t0, a2, 19
        \\ fmv.d.x fs7, t0
        \\ addi t0, a2, 20
        \\ fmv.d.x fs8, t0
        \\ addi t0, a2, 21
        \\ fmv.d.x fs9, t0
        \\ addi t0, a2, 22
        \\ fmv.d.x fs10, t0
        \\ addi t0, a2, 23
        \\ fmv.d.x fs11, t0
        \\ jalr t1
        \\ ld t1, 200(sp)
        \\ sd s0, 0(t1)
        \\ sd s1, 8(t1)
        \\ sd s2, 16(t1)
        \\ sd s3, 24(t1)
        \\ sd s4, 32(t1)
        \\ sd s5, 40(t1)
        \\ sd s6, 48(t1)
        \\ sd s7, 56(t1)
        \\ sd s8, 64(t1)
        \\ sd s9, 72(t1)
        \\ sd s10, 80(t1)
        \\ sd s11, 88(t1)
        \\ fsd fs0, 96(t1)
        \\ fsd fs1, 104(t1)
        \\ fsd fs2, 112(t1)
        \\ fsd fs3, 120(t1)
        \\ fsd fs4, 128(t1)
        \\ fsd fs5, 136(t1)
        \\ fsd fs6, 144(t1)
        \\ fsd fs7, 152(t1)
        \\ fsd fs8, 160(t1)
        \\ fsd fs9, 168(t1)
        \\ fsd fs10, 176(t1)
        \\ fsd fs11, 184(t1)
        \\
    ++ load_saved ++
        \\ addi sp, sp, 208
        \\ ret
    );
}

test prepareStack {
    var buffer: [64]usize align(16) = @splat(0xAA);
    const top = @intFromPtr(&buffer) + @sizeOf(@TypeOf(buffer));
    const sp = prepareStack(.{ .top = top, .limit = 0, .base = 0, .entry = 0x1234, .arg = 0x5678, .fp = .{ .frm = 0 } });
    const slots: [*]const usize = @ptrFromInt(sp);
    try std.testing.expectEqual(top - frame_bytes, sp);
    try std.testing.expectEqual(@intFromPtr(&trampoline), slots[0]);
    try std.testing.expectEqual(@as(usize, 0x1234), slots[2]);
}
