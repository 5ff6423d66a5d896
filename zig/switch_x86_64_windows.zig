//! Context switch for the x86_64 Windows (Win64) ABI.
//!
//! Saves RBX, RBP, RDI, RSI, R12-R15, XMM6-XMM15 (all 128 bits) and five TEB
//! fields that must describe the running stack
//! (SEH unwinding, stack probes, GetCurrentThreadStackLimits): StackBase
//! gs:[0x08], StackLimit gs:[0x10], DeallocationStack gs:[0x1478],
//! FiberData gs:[0x20] and ExceptionList gs:[0x00] (the x86-style handler
//! chain: Windows x64 does not use it, but Wine's exception dispatcher calls
//! the handlers it lists by address, so a list left pointing into another
//! stack ran the root's outermost handler before a greenlet's own C++
//! catch; a new greenlet starts with the empty list, -1, as a new fiber
//! does). The context is the saved RSP.
//!
//! FP control state (MXCSR, x87 control word) is thread state: switches do
//! not touch it; the trampoline installs the creator's state on first entry.
//!
//! Saved frame, from the saved RSP upwards (272 bytes incl. return address):
//!   +0..+159 XMM6-XMM15, +160 StackBase, +168 StackLimit,
//!   +176 DeallocationStack, +184 FiberData, +192 ExceptionList, +200 R15,
//!   +208 R14, +216 R13, +224 R12, +232 RSI, +240 RDI, +248 RBX, +256 RBP,
//!   +264 return address.

const std = @import("std");
const assert = std.debug.assert;
const fp_x86_64 = @import("fp_x86_64.zig");

pub const frame_bytes = 272;
pub const checked_register_count = 8 + 2 * 10;

comptime {
    assert(frame_bytes % 16 == 0);
    assert(frame_bytes == 160 + 32 + 8 + 8 * 8 + 8);
}

/// The general-purpose callee-saved registers, pushed in this order by the
/// switch and by the test helper (the layout `prepareStack` builds above the
/// XMM and TIB area).
const push_saved =
    \\ pushq %%rbp
    \\ pushq %%rbx
    \\ pushq %%rdi
    \\ pushq %%rsi
    \\ pushq %%r12
    \\ pushq %%r13
    \\ pushq %%r14
    \\ pushq %%r15
    \\
;
const pop_saved =
    \\ popq %%r15
    \\ popq %%r14
    \\ popq %%r13
    \\ popq %%r12
    \\ popq %%rsi
    \\ popq %%rdi
    \\ popq %%rbx
    \\ popq %%rbp
    \\
;

/// `fn (from_sp: *usize, to_sp: usize, value: usize) callconv(.c) usize`.
pub fn switchContext() callconv(.naked) void {
    asm volatile (push_saved ++
            \\ subq $200, %%rsp
            \\ movaps %%xmm6, 0(%%rsp)
            \\ movaps %%xmm7, 16(%%rsp)
            \\ movaps %%xmm8, 32(%%rsp)
            \\ movaps %%xmm9, 48(%%rsp)
            \\ movaps %%xmm10, 64(%%rsp)
            \\ movaps %%xmm11, 80(%%rsp)
            \\ movaps %%xmm12, 96(%%rsp)
            \\ movaps %%xmm13, 112(%%rsp)
            \\ movaps %%xmm14, 128(%%rsp)
            \\ movaps %%xmm15, 144(%%rsp)
            \\ movq %%gs:0x08, %%rax
            \\ movq %%rax, 160(%%rsp)
            \\ movq %%gs:0x10, %%rax
            \\ movq %%rax, 168(%%rsp)
            \\ movq %%gs:0x1478, %%rax
            \\ movq %%rax, 176(%%rsp)
            \\ movq %%gs:0x20, %%rax
            \\ movq %%rax, 184(%%rsp)
            \\ movq %%gs:0x00, %%rax
            \\ movq %%rax, 192(%%rsp)
            \\ movq %%rsp, (%%rcx)
            \\ movq %%rdx, %%rsp
            \\ movaps 0(%%rsp), %%xmm6
            \\ movaps 16(%%rsp), %%xmm7
            \\ movaps 32(%%rsp), %%xmm8
            \\ movaps 48(%%rsp), %%xmm9
            \\ movaps 64(%%rsp), %%xmm10
            \\ movaps 80(%%rsp), %%xmm11
            \\ movaps 96(%%rsp), %%xmm12
            \\ movaps 112(%%rsp), %%xmm13
            \\ movaps 128(%%rsp), %%xmm14
            \\ movaps 144(%%rsp), %%xmm15
            \\ movq 160(%%rsp), %%rax
            \\ movq %%rax, %%gs:0x08
            \\ movq 168(%%rsp), %%rax
            \\ movq %%rax, %%gs:0x10
            \\ movq 176(%%rsp), %%rax
            \\ movq %%rax, %%gs:0x1478
            \\ movq 184(%%rsp), %%rax
            \\ movq %%rax, %%gs:0x20
            \\ movq 192(%%rsp), %%rax
            \\ movq %%rax, %%gs:0x00
            \\ addq $200, %%rsp
            \\
        ++ pop_saved ++
            \\ movq %%r8, %%rax
            \\ retq
    );
}

/// `ret` of the first switch lands here with RSP = top (0 mod 16): entry in
/// RBX, argument in R12, creator's MXCSR/x87 control word in R13, switch
/// value in RAX. Pushes a zero return address, then is an ordinary function
/// with unwind data (.pdata/.xdata): it reserves the entry's 32-byte home
/// space (used as scratch for the FP state first) and makes a real call; the
/// entry never returns.
///
/// This is the outermost frame of every greenlet stack, as
/// RtlUserThreadStart is of a thread's: unwinding it gives RIP = 0 and
/// RSP = StackBase, which ends RtlVirtualUnwind-based walks
/// (RtlCaptureStackBackTrace, SEH dispatch, debuggers) here instead of at
/// the word above the stack; RBP = 0 ends frame-pointer walks.
fn trampoline() callconv(.naked) noreturn {
    asm volatile (
        \\ pushq $0
        \\ .seh_proc greenlet_first_frame
        \\greenlet_first_frame:
        \\ subq $40, %%rsp
        \\ .seh_stackalloc 40
        \\ .seh_endprologue
        \\ movq %%r13, (%%rsp)
        \\ ldmxcsr (%%rsp)
        \\ fldcw 4(%%rsp)
        \\ movq %%rax, %%rdx
        \\ movq %%r12, %%rcx
        \\ xorl %%ebp, %%ebp
        \\ callq *%%rbx
        \\ ud2
        \\ .seh_endproc
    );
}

pub const FpControl = struct { mxcsr: u32, x87_control: u16, fiber_data: usize };
pub const fpRoundingMode = fp_x86_64.roundingMode;
pub const fpRoundingModeSet = fp_x86_64.roundingModeSet;

pub fn fpControlCapture() FpControl {
    const sse_x87 = fp_x86_64.capture();
    const fiber_data = asm volatile ("movq %%gs:0x20, %[r]"
        : [r] "=r" (-> usize),
    );
    return .{ .mxcsr = sse_x87.mxcsr, .x87_control = sse_x87.x87_control, .fiber_data = fiber_data };
}

pub const InitialFrame = struct {
    /// StackBase: one past the highest usable byte, 16-byte aligned.
    top: usize,
    /// StackLimit: lowest committed usable byte.
    limit: usize,
    /// DeallocationStack: start of the reservation (guard included).
    base: usize,
    entry: usize,
    arg: usize,
    fp: FpControl,
};

pub fn prepareStack(frame: InitialFrame) usize {
    assert(frame.top % 16 == 0);
    assert(frame.base < frame.limit or frame.base == 0);
    const sp = frame.top - frame_bytes;
    const slots: [*]usize = @ptrFromInt(sp);
    @memset(slots[0..(frame_bytes / 8)], 0);
    slots[20] = frame.top; // StackBase
    slots[21] = frame.limit; // StackLimit
    slots[22] = frame.base; // DeallocationStack
    slots[23] = frame.fp.fiber_data; // FiberData: inherited from the creator
    slots[24] = std.math.maxInt(usize); // ExceptionList: empty (-1)
    slots[27] = @as(usize, frame.fp.x87_control) << 32 | frame.fp.mxcsr; // r13
    slots[28] = frame.arg; // r12
    slots[31] = frame.entry; // rbx
    slots[33] = @intFromPtr(&trampoline);
    assert((sp + 264) % 16 == 8);
    return sp;
}

/// Test helper: `(call, ctx, seed, out)` in RCX, RDX, R8, R9. RBX RBP RDI
/// RSI R12-R15 = seed+0..7; XMM6..XMM15 = (seed+8+2i, seed+9+2i) as two
/// 64-bit lanes; calls `call(ctx)`; stores them to `out`.
pub fn fillRegistersAndCall() callconv(.naked) void {
    asm volatile (push_saved ++
            \\ subq $200, %%rsp
            \\ movaps %%xmm6, 32(%%rsp)
            \\ movaps %%xmm7, 48(%%rsp)
            \\ movaps %%xmm8, 64(%%rsp)
            \\ movaps %%xmm9, 80(%%rsp)
            \\ movaps %%xmm10, 96(%%rsp)
            \\ movaps %%xmm11, 112(%%rsp)
            \\ movaps %%xmm12, 128(%%rsp)
            \\ movaps %%xmm13, 144(%%rsp)
            \\ movaps %%xmm14, 160(%%rsp)
            \\ movaps %%xmm15, 176(%%rsp)
            \\ movq %%r9, 192(%%rsp)
            \\ movq %%rcx, %%rax
            \\ movq %%rdx, %%rcx
            \\ movq %%r8, %%rbx
            \\ leaq 1(%%r8), %%rbp
            \\ leaq 2(%%r8), %%rdi
            \\ leaq 3(%%r8), %%rsi
            \\ leaq 4(%%r8), %%r12
            \\ leaq 5(%%r8), %%r13
            \\ leaq 6(%%r8), %%r14
            \\ leaq 7(%%r8), %%r15
            \\ leaq 8(%%r8), %%rdx
            \\ movq %%rdx, %%xmm6
            \\ leaq 9(%%r8), %%rdx
            \\ movq %%rdx, %%xmm0
            \\ punpcklqdq %%xmm0, %%xmm6
            \\ leaq 10(%%r8), %%rdx
            \\ movq %%rdx, %%xmm7
            \\ leaq 11(%%r8), %%rdx
            \\ movq %%rdx, %%xmm0
            \\ punpcklqdq %%xmm0, %%xmm7
            \\ leaq 12(%%r8), %%rdx
            \\ movq %%rdx, %%xmm8
            \\ leaq 13(%%r8), %%rdx
            \\ movq %%rdx, %%xmm0
            \\ punpcklqdq %%xmm0, %%xmm8
            \\ leaq 14(%%r8), %%rdx
            \\ movq %%rdx, %%xmm9
            \\ leaq 15(%%r8), %%rdx
            \\ movq %%rdx, %%xmm0
            \\ punpcklqdq %%xmm0, %%xmm9
            \\ leaq 16(%%r8), %%rdx
            \\ movq %%rdx, %%xmm10
            \\ leaq 17(%%r8), %%rdx
            \\ movq %%rdx, %%xmm0
            \\ punpcklqdq %%xmm0, %%xmm10
            \\ leaq 18(%%r8), %%rdx
            \\ movq %%rdx, %%xmm11
            \\ leaq 19(%%r8), %%rdx
            \\ movq %%rdx, %%xmm0
            \\ punpcklqdq %%xmm0, %%xmm11
            \\ leaq 20(%%r8), %%rdx
            \\ movq %%rdx, %%xmm12
            \\ leaq 21(%%r8), %%rdx
            \\ movq %%rdx, %%xmm0
            \\ punpcklqdq %%xmm0, %%xmm12
            \\ leaq 22(%%r8), %%rdx
            \\ movq %%rdx, %%xmm13
            \\ leaq 23(%%r8), %%rdx
            \\ movq %%rdx, %%xmm0
            \\ punpcklqdq %%xmm0, %%xmm13
            \\ leaq 24(%%r8), %%rdx
            \\ movq %%rdx, %%xmm14
            \\ leaq 25(%%r8), %%rdx
            \\ movq %%rdx, %%xmm0
            \\ punpcklqdq %%xmm0, %%xmm14
            \\ leaq 26(%%r8), %%rdx
            \\ movq %%rdx, %%xmm15
            \\ leaq 27(%%r8), %%rdx
            \\ movq %%rdx, %%xmm0
            \\ punpcklqdq %%xmm0, %%xmm15
            \\ callq *%%rax
            \\ movq 192(%%rsp), %%rcx
            \\ movq %%rbx, 0(%%rcx)
            \\ movq %%rbp, 8(%%rcx)
            \\ movq %%rdi, 16(%%rcx)
            \\ movq %%rsi, 24(%%rcx)
            \\ movq %%r12, 32(%%rcx)
            \\ movq %%r13, 40(%%rcx)
            \\ movq %%r14, 48(%%rcx)
            \\ movq %%r15, 56(%%rcx)
            \\ movups %%xmm6, 64(%%rcx)
            \\ movups %%xmm7, 80(%%rcx)
            \\ movups %%xmm8, 96(%%rcx)
            \\ movups %%xmm9, 112(%%rcx)
            \\ movups %%xmm10, 128(%%rcx)
            \\ movups %%xmm11, 144(%%rcx)
            \\ movups %%xmm12, 160(%%rcx)
            \\ movups %%xmm13, 176(%%rcx)
            \\ movups %%xmm14, 192(%%rcx)
            \\ movups %%xmm15, 208(%%rcx)
            \\ movaps 32(%%rsp), %%xmm6
            \\ movaps 48(%%rsp), %%xmm7
            \\ movaps 64(%%rsp), %%xmm8
            \\ movaps 80(%%rsp), %%xmm9
            \\ movaps 96(%%rsp), %%xmm10
            \\ movaps 112(%%rsp), %%xmm11
            \\ movaps 128(%%rsp), %%xmm12
            \\ movaps 144(%%rsp), %%xmm13
            \\ movaps 160(%%rsp), %%xmm14
            \\ movaps 176(%%rsp), %%xmm15
            \\ addq $200, %%rsp
            \\
        ++ pop_saved ++
            \\ retq
    );
}

extern "kernel32" fn GetCurrentThreadStackLimits(low: *usize, high: *usize) callconv(.winapi) void;

/// The TEB limits seen by Windows itself (used by the tests).
pub fn threadStackLimits() struct { low: usize, high: usize } {
    var low: usize = 0;
    var high: usize = 0;
    GetCurrentThreadStackLimits(&low, &high);
    assert(low < high);
    return .{ .low = low, .high = high };
}

test prepareStack {
    var buffer: [64]usize align(16) = @splat(0xAA);
    const top = @intFromPtr(&buffer) + @sizeOf(@TypeOf(buffer));
    const sp = prepareStack(.{ .top = top, .limit = 0x2000, .base = 0x1000, .entry = 0x1234, .arg = 0x5678, .fp = fpControlCapture() });
    const slots: [*]const usize = @ptrFromInt(sp);
    try std.testing.expectEqual(top - frame_bytes, sp);
    try std.testing.expectEqual(@as(usize, 0x1234), slots[31]);
    try std.testing.expectEqual(@as(usize, 0x5678), slots[28]);
    try std.testing.expectEqual(@intFromPtr(&trampoline), slots[33]);
    try std.testing.expectEqual(top, slots[20]);
}
