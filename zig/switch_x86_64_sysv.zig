//! Context switch for the x86_64 System V ABI (Linux, macOS Intel, BSD).
//!
//! A suspended context is one saved stack pointer. The switch stores the
//! callee-saved registers RBP, RBX, R15-R12 below the return address,
//! stores RSP, loads the other RSP, pops the same frame and returns.
//! FS (TLS) is never touched.
//!
//! FP control state (MXCSR, x87 control word) is thread state: switches do
//! not touch it. A new greenlet starts with its creator's state, installed by
//! the trampoline on first entry (see README: "FP control state").
//!
//! Saved frame, from the saved RSP upwards (56 bytes incl. the return
//! address, which sits at 8 mod 16 like a real one):
//!   +0 R12, +8 R13, +16 R14, +24 R15, +32 RBX, +40 RBP, +48 return address.

const std = @import("std");
const assert = std.debug.assert;

/// Bytes of the frame that `switchContext` leaves on a suspended stack.
pub const frame_bytes = 56;
/// Callee-saved registers written and checked by `fillRegistersAndCall`.
pub const checked_register_count = 6;

comptime {
    assert(frame_bytes % 8 == 0);
    assert((frame_bytes + 8) % 16 == 0);
}

/// `fn (from_sp: *usize, to_sp: usize, value: usize) callconv(.c) usize`.
/// Returns the value handed over by whoever switches back to `from_sp`.
pub fn switchContext() callconv(.naked) void {
    asm volatile (
        \\ pushq %%rbp
        \\ pushq %%rbx
        \\ pushq %%r15
        \\ pushq %%r14
        \\ pushq %%r13
        \\ pushq %%r12
        \\ movq %%rsp, (%%rdi)
        \\ movq %%rsi, %%rsp
        \\ popq %%r12
        \\ popq %%r13
        \\ popq %%r14
        \\ popq %%r15
        \\ popq %%rbx
        \\ popq %%rbp
        \\ movq %%rdx, %%rax
        \\ retq
    );
}

/// First code run on a new stack: the `ret` of `switchContext` lands
/// here with RSP = 0 mod 16, entry function in RBX, its argument in R12, the
/// creator's FP control state in R13 (MXCSR low half, x87 control word high
/// half) and the switch value in RAX. The FP state is installed through the
/// red zone; a real `call` gives the entry an ABI-correct frame; RBP = 0 ends
/// frame-pointer unwinding. The entry never returns.
fn trampoline() callconv(.naked) noreturn {
    asm volatile (
        \\ movq %%r13, -8(%%rsp)
        \\ ldmxcsr -8(%%rsp)
        \\ fldcw -4(%%rsp)
        \\ movq %%r12, %%rdi
        \\ movq %%rax, %%rsi
        \\ xorl %%ebp, %%ebp
        \\ callq *%%rbx
        \\ ud2
    );
}

pub const FpControl = struct { mxcsr: u32, x87_control: u16 };

pub fn fpControlCapture() FpControl {
    var mxcsr: u32 = 0;
    var x87_control: u16 = 0;
    asm volatile ("stmxcsr (%[m]); fnstcw (%[c])"
        :
        : [m] "r" (&mxcsr),
          [c] "r" (&x87_control),
        : .{ .memory = true });
    return .{ .mxcsr = mxcsr, .x87_control = x87_control };
}

/// Where and what the first frame of a new stack resumes into.
pub const InitialFrame = struct {
    /// One past the highest usable byte, 16-byte aligned.
    top: usize,
    /// Lowest usable byte (unused by this ABI).
    limit: usize,
    /// Start of the reservation (unused by this ABI).
    base: usize,
    entry: usize,
    arg: usize,
    fp: FpControl,
};

/// Writes the initial frame below `frame.top` and returns the stack pointer
/// to switch to; the first switch calls `entry(arg, value)`.
pub fn prepareStack(frame: InitialFrame) usize {
    assert(frame.top % 16 == 0);
    assert(frame.entry != 0);
    const sp = frame.top - frame_bytes;
    const slots: [*]usize = @ptrFromInt(sp);
    slots[0] = frame.arg; // r12
    slots[1] = @as(usize, frame.fp.x87_control) << 32 | frame.fp.mxcsr; // r13
    slots[2] = 0; // r14
    slots[3] = 0; // r15
    slots[4] = frame.entry; // rbx
    slots[5] = 0; // rbp
    slots[6] = @intFromPtr(&trampoline);
    assert((sp + 48) % 16 == 8);
    return sp;
}

/// Rounding mode in the common encoding 0 nearest, 1 down, 2 up, 3 zero
/// (the x86 encoding), read from MXCSR.
pub fn fpRoundingMode() u2 {
    return @truncate(fpControlCapture().mxcsr >> 13);
}

/// Sets the SSE and x87 rounding modes together.
pub fn fpRoundingModeSet(mode: u2) void {
    var fp = fpControlCapture();
    fp.mxcsr = (fp.mxcsr & ~@as(u32, 3 << 13)) | (@as(u32, mode) << 13);
    fp.x87_control = (fp.x87_control & ~@as(u16, 3 << 10)) | (@as(u16, mode) << 10);
    asm volatile ("ldmxcsr (%[m]); fldcw (%[c])"
        :
        : [m] "r" (&fp.mxcsr),
          [c] "r" (&fp.x87_control),
        : .{ .memory = true });
    assert(fpRoundingMode() == mode);
}

/// Test helper, `fn (call: *const fn (usize) callconv(.c) void, ctx: usize,
/// seed: u64, out: *[checked_register_count]u64) callconv(.c) void`.
/// Loads seed+i into every callee-saved register, calls `call(ctx)`, then
/// stores what the registers hold afterwards into `out`.
pub fn fillRegistersAndCall() callconv(.naked) void {
    asm volatile (
        \\ pushq %%rbp
        \\ pushq %%rbx
        \\ pushq %%r12
        \\ pushq %%r13
        \\ pushq %%r14
        \\ pushq %%r15
        \\ pushq %%rcx
        \\ movq %%rdi, %%rax
        \\ movq %%rsi, %%rdi
        \\ movq %%rdx, %%rbx
        \\ leaq 1(%%rdx), %%rbp
        \\ leaq 2(%%rdx), %%r12
        \\ leaq 3(%%rdx), %%r13
        \\ leaq 4(%%rdx), %%r14
        \\ leaq 5(%%rdx), %%r15
        \\ callq *%%rax
        \\ popq %%rcx
        \\ movq %%rbx, 0(%%rcx)
        \\ movq %%rbp, 8(%%rcx)
        \\ movq %%r12, 16(%%rcx)
        \\ movq %%r13, 24(%%rcx)
        \\ movq %%r14, 32(%%rcx)
        \\ movq %%r15, 40(%%rcx)
        \\ popq %%r15
        \\ popq %%r14
        \\ popq %%r13
        \\ popq %%r12
        \\ popq %%rbx
        \\ popq %%rbp
        \\ retq
    );
}

test prepareStack {
    var buffer: [64]usize align(16) = @splat(0xAA);
    const top = @intFromPtr(&buffer) + @sizeOf(@TypeOf(buffer));
    const sp = prepareStack(.{
        .top = top,
        .limit = 0,
        .base = 0,
        .entry = 0x1234,
        .arg = 0x5678,
        .fp = fpControlCapture(),
    });
    const slots: [*]const usize = @ptrFromInt(sp);
    try std.testing.expectEqual(top - frame_bytes, sp);
    try std.testing.expectEqual(@as(usize, 0x1234), slots[4]);
    try std.testing.expectEqual(@as(usize, 0x5678), slots[0]);
    try std.testing.expectEqual(@intFromPtr(&trampoline), slots[6]);
}
