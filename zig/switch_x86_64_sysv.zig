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
//!
//! On Linux the greenlet core does not call `switchContext`: it switches
//! through `switchCore` (the checks, the hand-over and the switch fused into
//! the exported call, ending with an indirect jump; frame: the two out
//! pointers below the same registers), and `context.swap` is
//! `switchContextJump`. Why: a `ret` that resumes a context suspended at
//! another call site always mispredicts (the return-stack buffer holds the
//! switcher's own return address), two mispredictions per round trip.

const std = @import("std");
const assert = std.debug.assert;
const fp_x86_64 = @import("fp_x86_64.zig");

/// Bytes of the frame that `switchContext` leaves on a suspended stack.
pub const frame_bytes = 56;
/// Callee-saved registers written and checked by `fillRegistersAndCall`.
pub const checked_register_count = 6;

comptime {
    assert(frame_bytes % 8 == 0);
    assert((frame_bytes + 8) % 16 == 0);
}

/// The callee-saved registers as every switch saves them: pushed in this
/// order, so the frame holds R12, R13, R14, R15, RBX, RBP from the saved SP
/// upwards (the layout `prepareStack` and `prepareFusedStack` build).
const push_saved =
    \\ pushq %%rbp
    \\ pushq %%rbx
    \\ pushq %%r15
    \\ pushq %%r14
    \\ pushq %%r13
    \\ pushq %%r12
    \\
;
const pop_saved =
    \\ popq %%r12
    \\ popq %%r13
    \\ popq %%r14
    \\ popq %%r15
    \\ popq %%rbx
    \\ popq %%rbp
    \\
;

/// `fn (from_sp: *usize, to_sp: usize, value: usize) callconv(.c) usize`.
/// Returns the value handed over by whoever switches back to `from_sp`.
pub fn switchContext() callconv(.naked) void {
    asm volatile (push_saved ++
            \\ movq %%rsp, (%%rdi)
            \\ movq %%rsi, %%rsp
            \\
        ++ pop_saved ++
            \\ movq %%rdx, %%rax
            \\ retq
    );
}

/// The same switch ending with `popq %r8; jmpq *%r8` instead of `retq`, like
/// Boost's `jump_fcontext`: a `call` into it pushes the return-stack buffer and
/// nothing pops it, so the indirect jump is predicted from the branch target
/// buffer (with history) even when the two sides suspended at different call
/// sites, where a `ret` would mispredict every time. Used as `context.swap`
/// where the greenlet core switches through `switchCore` (x86_64 Linux), whose
/// ending is the same.
pub fn switchContextJump() callconv(.naked) void {
    asm volatile (push_saved ++
            \\ movq %%rsp, (%%rdi)
            \\ movq %%rsi, %%rsp
            \\
        ++ pop_saved ++
            \\ popq %%r8
            \\ movq %%rdx, %%rax
            \\ jmpq *%%r8
    );
}

/// Fused switch of the greenlet core (x86_64 Linux): the exported
/// `greenlet_switch` tail-jumps here (through `switchCoreValue`), so the
/// saved return address is the C caller's and the resumed side returns
/// straight to its own caller with `popq; jmpq *` (see `switchContextJump`):
/// no `ret` of the switch path can mispredict.
///
/// `fn (slot: u32, generation: u32, value: usize, out_tag: ?*u32,
/// out_value: ?*usize, mode: u32) callconv(.c) c_int` (a greenlet status).
/// Saves the callee-saved registers and the two out pointers (the fused
/// frame, `fused_frame_bytes`), then calls `greenlet_fused_begin(slot,
/// generation, value, out_tag, out_value, mode, saved_sp)` (saved_sp the one
/// stack argument), which does every check, hands the message over (into the
/// resumed side's out pointers) and returns {sp, extra} in RAX:RDX:
/// sp = 0: no switch, EAX = status (extra); otherwise the stack to resume and
/// extra = 0, or 1 when the resumed greenlet is a root, or a finished
/// greenlet whose stack must be released from the resumed stack
/// (`greenlet_fused_arrived(extra)`). The resumed side gets status 0 (ok).
/// Returns into a root leave through their own `jmpq *` (label 4): with one
/// shared indirect jump, root <-> greenlet ping-pong alternates its target
/// after an identical path through the checks, and the predictor missed it
/// once per switch; two sites each see one steady target.
///
/// Fused frame, from the saved SP upwards: +0 out_tag, +8 out_value,
/// +16 R12, +24 R13, +32 R14, +40 R15, +48 RBX, +56 RBP, +64 return address.
fn coreBody(comptime begin: []const u8) []const u8 {
    return core_head ++ "\n" ++ begin ++ "\n" ++ core_tail;
}

const core_head = push_saved ++
    \\ pushq %%r8
    \\ pushq %%rcx
;

const core_tail =
    \\ testq %%rax, %%rax
    \\ jz 2f
    \\ leaq -8(%%rax), %%rsp
    \\ cmpq $1, %%rdx
    \\ je 4f
    \\ ja 3f
    \\ xorl %%eax, %%eax
    \\1:
    \\ addq $24, %%rsp
    \\
++ pop_saved ++
    \\ popq %%rcx
    \\ jmpq *%%rcx
    \\2:
    \\ movl %%edx, %%eax
    \\ jmp 1b
    \\3:
    \\ movq %%rdx, %%rdi
    \\ callq greenlet_fused_arrived
    \\ xorl %%eax, %%eax
    \\ jmp 1b
    \\4:
    \\ xorl %%eax, %%eax
    \\ addq $24, %%rsp
    \\
++ pop_saved ++
    \\ popq %%rcx
    \\ jmpq *%%rcx
;

pub const fused_frame_bytes = 72;

comptime {
    assert((fused_frame_bytes + 8) % 16 == 0);
}

pub fn switchCore() callconv(.naked) void {
    asm volatile (coreBody(
            \\ movq %%rsp, %%rax
            \\ pushq %%rax
            \\ callq greenlet_fused_begin
            \\
        ));
}

/// The handle table's slot of the index in EDI into R9 (EDI kept, ECX
/// clobbered), with `greenlet.fast_path`'s offsets: an index past the table
/// or in a chunk not allocated jumps to `fail`.
fn slotLookup(comptime fail: []const u8) []const u8 {
    const f = @import("greenlet.zig").fast_path;
    return std.fmt.comptimePrint(
        \\ cmpl ${[max_slot]d}, %%edi
        \\ ja {[fail]s}
        \\ movl %%edi, %%ecx
        \\ shrl ${[chunk_shift]d}, %%ecx
        \\ leaq "{[chunks]s}"(%%rip), %%r9
        \\ movq (%%r9,%%rcx,8), %%r9
        \\ testq %%r9, %%r9
        \\ jz {[fail]s}
        \\ movl %%edi, %%ecx
        \\ andl ${[slot_mask]d}, %%ecx
        \\ imulq ${[slot_bytes]d}, %%rcx, %%rcx
        \\ addq %%rcx, %%r9
        \\
    , .{
        .fail = fail,
        .chunks = f.chunks_symbol,
        .max_slot = f.max_slot,
        .chunk_shift = f.chunk_shift,
        .slot_mask = f.slot_mask,
        .slot_bytes = f.slot_bytes,
    });
}

/// `switchCore` with mode 0 (a value): `fn (slot, generation, value,
/// out_tag, out_value) callconv(.c) c_int`, the shape of `greenlet_switch`.
/// The common case (a value to a live, suspended greenlet of this thread,
/// while `SwitchWords.route` is 0) is checked and handed over here, with the
/// origin's handle stored in `SwitchWords.origin`, without a call into Zig
/// (see `greenlet.fast_path` for the checks and their offsets): the thread state
/// through its TLS descriptor (inline where its offset is a constant, see
/// tls_descriptor.zig; else the descriptor call, out of line), the slot
/// through the handle table, then the value is stored on the resumed stack
/// into the out pointers of its fused frame. Anything else goes
/// through `greenlet_fused_begin` with the arguments kept in R12, R13, RBX
/// and the frame, and ends like `switchCore`.
pub fn switchCoreValue() callconv(.naked) void {
    const f = @import("greenlet.zig").fast_path;
    const tls = @import("tls_descriptor.zig");
    asm volatile (core_head ++ "\n" ++ std.fmt.comptimePrint(
            \\ movl %%edi, %%r12d
            \\ movl %%esi, %%r13d
            \\ movq %%rdx, %%rbx
            \\ cmpb $0, {[direct]s}(%%rip)
            \\ je 4f
            \\ leaq "{[tls]s}"@tlsdesc(%%rip), %%rax
            \\ movq 8(%%rax), %%rax
            \\3:
            \\ addq %%fs:0, %%rax
            \\ .pushsection .text.unlikely.greenlet_switch, "ax", @progbits
            \\4:
            \\ subq $8, %%rsp
            \\ leaq "{[tls]s}"@tlsdesc(%%rip), %%rax
            \\ callq *"{[tls]s}"@tlscall(%%rax)
            \\ addq $8, %%rsp
            \\ jmp 3b
            \\ .popsection
            \\ movq {[current]d}(%%rax), %%r14
            \\ testq %%r14, %%r14
            \\ jz 5f
            \\ movl {[number]d}(%%rax), %%r15d
            \\ testl %%r15d, %%r15d
            \\ jz 9f
            \\ cmpl $0, {[route]d}(%%rax)
            \\ jne 5f
            \\
        ++ slotLookup("5f") ++
            \\ shlq $32, %%rsi
            \\ movl %%edi, %%edx
            \\ orq %%rsi, %%rdx
            \\ orq %%r15, %%rsi
            \\ cmpq %%rsi, {[meta]d}(%%r9)
            \\ jne 5f
            \\ leaq {[greenlet]d}(%%r9), %%r9
            \\ cmpq %%rdx, {[handle]d}(%%r9)
            \\ jne 9f
            \\ cmpq %%rax, {[thread]d}(%%r9)
            \\ jne 9f
            \\ cmpb ${[active]d}, {[state]d}(%%r9)
            \\ jne 5f
            \\ cmpq %%r9, %%r14
            \\ je 5f
            \\ cmpb ${[active]d}, {[state]d}(%%r14)
            \\ jne 9f
            \\ movq {[handle]d}(%%r14), %%rcx
            \\ movq %%rcx, {[origin]d}(%%rax)
            \\ movq %%rsp, {[sp]d}(%%r14)
            \\ movq %%r9, {[current]d}(%%rax)
            \\ movzbl {[is_root]d}(%%r9), %%edx
            \\ movq {[sp]d}(%%r9), %%rsp
            \\ popq %%rcx
            \\ testq %%rcx, %%rcx
            \\ jz 6f
            \\ movl $0, (%%rcx)
            \\6:
            \\ popq %%rcx
            \\ testq %%rcx, %%rcx
            \\ jz 7f
            \\ movq %%rbx, (%%rcx)
            \\7:
            \\ xorl %%eax, %%eax
            \\ testl %%edx, %%edx
            \\ jnz 8f
            \\
        , .{
            .direct = tls.direct_symbol,
            .tls = f.thread_state_symbol,
            .current = f.state_current,
            .number = f.state_number,
            .origin = f.state_origin,
            .route = f.state_route,
            .meta = f.slot_meta,
            .greenlet = f.slot_greenlet,
            .handle = f.handle,
            .thread = f.thread,
            .active = f.active,
            .state = f.state,
            .sp = f.sp,
            .is_root = f.is_root,
        }) ++ pop_saved ++
            \\ popq %%rcx
            \\ jmpq *%%rcx
            \\8:
            \\
        ++ pop_saved ++
            \\ popq %%rcx
            \\ jmpq *%%rcx
            \\9:
            \\ subq $8, %%rsp
            \\ callq greenlet_fused_corrupt
            \\5:
            \\ subq $8, %%rsp
            \\ movl %%r12d, %%edi
            \\ movl %%r13d, %%esi
            \\ movq %%rbx, %%rdx
            \\ movq 8(%%rsp), %%rcx
            \\ movq 16(%%rsp), %%r8
            \\ xorl %%r9d, %%r9d
            \\ leaq 8(%%rsp), %%rax
            \\ movq %%rax, (%%rsp)
            \\ callq greenlet_fused_begin
            \\
        ++ core_tail);
}

/// `greenlet_send` (x86_64 Linux): `fn (slot: u32, generation: u32,
/// message: ?*Message) callconv(.c) c_int`. A null message or a tag other
/// than a value (0) jumps to `greenlet_send_general` (the Zig
/// `exports.sendGeneral`). A value enters `switchCoreValue` with
/// the message's value and its tag and value as the out pointers, under a
/// frame of its own whose return address is the landing (label 1):
/// +0 landing, +8 message, +16 slot, +20 generation, +24 padding (the
/// alignment of a call), +32 the caller's return address. The switch leaves
/// through its `jmpq *` to the landing, with status 0 when some greenlet
/// switched back or the status of a switch that did not happen (the message
/// is then unchanged). On 0 the landing stores the target's flags, read
/// here as `greenlet.flagsAfterTransfer` reads them (the slot through the
/// handle table; 0 when a destroy ended the handle meanwhile), without a
/// call; then it returns to the caller with `popq; jmpq *`. A
/// `greenlet_send` that called the switch and returned after it would `ret`
/// once per resume after a stack switch, which mispredicts (see
/// `switchContextJump`). When the message's flags had the sign bit set
/// (`exports.send_realign`, read before the flags are stored) it returns
/// with two `ret`s instead (label 6): the first, to label 7, consumes the
/// return-stack entry the greenlet side's `call` left on top (mispredicted),
/// the second returns to the caller, whose own return address is then on top
/// of the buffer (predicted), and so are the caller's later returns.
pub fn switchCoreSend() callconv(.naked) void {
    const f = @import("greenlet.zig").fast_path;
    asm volatile (std.fmt.comptimePrint(
            \\ testq %%rdx, %%rdx
            \\ jz 3f
            \\ cmpl $0, (%%rdx)
            \\ jne 3f
            \\ subq $24, %%rsp
            \\ movq %%rdx, (%%rsp)
            \\ movl %%edi, 8(%%rsp)
            \\ movl %%esi, 12(%%rsp)
            \\ leaq 1f(%%rip), %%rax
            \\ pushq %%rax
            \\ movq %%rdx, %%rcx
            \\ leaq {[value]d}(%%rdx), %%r8
            \\ movq {[value]d}(%%rdx), %%rdx
            \\ jmp greenlet_fused_switch_value
            \\1:
            \\ testl %%eax, %%eax
            \\ jnz 2f
            \\ movl 8(%%rsp), %%edi
            \\
        ++ slotLookup("9f") ++
            \\ movq {[meta]d}(%%r9), %%rax
            \\ testl %%eax, %%eax
            \\ jz 4f
            \\ shrq $32, %%rax
            \\ cmpl 12(%%rsp), %%eax
            \\ jne 4f
            \\ leaq {[greenlet]d}(%%r9), %%r9
            \\ movzbl {[state]d}(%%r9), %%ecx
            \\ shll $3, %%ecx
            \\ movl ${[state_flags]d}, %%eax
            \\ shrl %%cl, %%eax
            \\ movzbl %%al, %%eax
            \\ movzbl {[is_root]d}(%%r9), %%ecx
            \\ shll $4, %%ecx
            \\ orl %%ecx, %%eax
            \\ movq {[thread]d}(%%r9), %%rcx
            \\ xorl %%edx, %%edx
            \\ cmpq %%r9, {[current]d}(%%rcx)
            \\ sete %%dl
            \\ shll $3, %%edx
            \\ orl %%edx, %%eax
            \\5:
            \\ movq (%%rsp), %%rcx
            \\ movl {[flags]d}(%%rcx), %%edx
            \\ movl %%eax, {[flags]d}(%%rcx)
            \\ xorl %%eax, %%eax
            \\ testl %%edx, %%edx
            \\ js 6f
            \\2:
            \\ addq $24, %%rsp
            \\ popq %%rcx
            \\ jmpq *%%rcx
            \\6:
            \\ addq $24, %%rsp
            \\ leaq 7f(%%rip), %%rcx
            \\ pushq %%rcx
            \\ retq
            \\7:
            \\ retq
            \\3:
            \\ jmp greenlet_send_general
            \\4:
            \\ xorl %%eax, %%eax
            \\ jmp 5b
            \\9:
            \\ callq greenlet_fused_corrupt
        , .{
            .meta = f.slot_meta,
            .greenlet = f.slot_greenlet,
            .thread = f.thread,
            .state = f.state,
            .is_root = f.is_root,
            .current = f.state_current,
            .state_flags = f.state_flags,
            .flags = send_message_flags,
            .value = send_message_value,
        }));
}

/// Byte offsets in `greenlet_send`'s message that `switchCoreSend` uses.
pub const send_message_flags = 4;
pub const send_message_value = 8;

/// Initial fused frame: no out pointers, then the same registers as
/// `prepareStack`; the first resume lands in the trampoline with EAX = 0.
pub fn prepareFusedStack(frame: InitialFrame) usize {
    assert(frame.top % 16 == 0);
    assert(frame.entry != 0);
    const sp = frame.top - fused_frame_bytes;
    const slots: [*]usize = @ptrFromInt(sp);
    slots[0] = 0; // out_tag
    slots[1] = 0; // out_value
    slots[2] = frame.arg; // r12
    slots[3] = @as(usize, frame.fp.x87_control) << 32 | frame.fp.mxcsr; // r13
    slots[4] = 0; // r14
    slots[5] = 0; // r15
    slots[6] = frame.entry; // rbx
    slots[7] = 0; // rbp
    slots[8] = @intFromPtr(&trampoline);
    assert((sp + 64) % 16 == 8);
    return sp;
}

/// First code run on a new stack: the `ret` of `switchContext` (or the jump
/// of `switchCore`) lands here with RSP = 0 mod 16, entry function in RBX,
/// its argument in R12, the creator's FP control state in R13 (MXCSR low
/// half, x87 control word high half) and the switch value in RAX (0 after
/// `switchCore`). The FP state is installed through the red zone; a real
/// `call` gives the entry an ABI-correct frame. The entry never returns.
///
/// This is the outermost frame of every greenlet stack, as `_start` and
/// `clone` are of a thread's: its CFI leaves the return address undefined,
/// which ends DWARF unwinding (backtrace(), _Unwind_Backtrace, C++
/// exceptions, gdb) here instead of at the word above the stack, and RBP
/// points at a frame record of zeros (saved RBP 0, return address 0) at the
/// top of the stack, which ends frame-pointer walks.
fn trampoline() callconv(.naked) noreturn {
    asm volatile (
        \\ .cfi_undefined %%rip
        \\ movq %%r13, -8(%%rsp)
        \\ ldmxcsr -8(%%rsp)
        \\ fldcw -4(%%rsp)
        \\ xorl %%ebp, %%ebp
        \\ pushq %%rbp
        \\ .cfi_adjust_cfa_offset 8
        \\ pushq %%rbp
        \\ .cfi_adjust_cfa_offset 8
        \\ movq %%rsp, %%rbp
        \\ movq %%r12, %%rdi
        \\ movq %%rax, %%rsi
        \\ callq *%%rbx
        \\ ud2
    );
}

pub const FpControl = fp_x86_64.SseX87;
pub const fpControlCapture = fp_x86_64.capture;
pub const fpRoundingMode = fp_x86_64.roundingMode;
pub const fpRoundingModeSet = fp_x86_64.roundingModeSet;

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

/// Test helper, `fn (call: *const fn (usize) callconv(.c) void, ctx: usize,
/// seed: u64, out: *[checked_register_count]u64) callconv(.c) void`.
/// Loads seed+i into every callee-saved register, calls `call(ctx)`, then
/// stores what the registers hold afterwards into `out`.
pub fn fillRegistersAndCall() callconv(.naked) void {
    asm volatile (push_saved ++
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
            \\
        ++ pop_saved ++
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
