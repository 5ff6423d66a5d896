//! Argument capture for System V x86_64: stores rdi-r9 and xmm0-7 as a
//! `call.Registers` (ints at +0, floats at +64) on the stack and returns
//! the result's u64 in both rax and xmm0.
//!
//! Where the switch is fused (x86_64 Linux, `context.fused`) the trampoline
//! makes the callback's switch to the root itself (`fusedCode`), so that no
//! `ret` runs after a stack switch; elsewhere it calls `dispatch(slot,
//! &registers)`.

const std = @import("std");
const names = @import("_symbol.zig");
const context = @import("../context.zig");
const callback = @import("mod.zig");
const call = @import("../call/mod.zig");

/// The trampoline of slot `index` (the body of a naked function).
pub fn code(comptime index: u32) []const u8 {
    if (context.fused) return fusedCode(index);
    return
    \\ pushq %%rbp
    \\ movq %%rsp, %%rbp
    \\ subq $128, %%rsp
    \\
    ++ store_registers ++
        std.fmt.comptimePrint(" movl ${d}, %%edi\n", .{index}) ++
        \\ movq %%rsp, %%rsi
        \\
    ++ " callq " ++ names.assembler_name ++ "\n" ++
        \\ movq %%rax, %%xmm0
        \\ movq %%rbp, %%rsp
        \\ popq %%rbp
        \\ retq
    ;
}

const store_registers =
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
;

/// Frame of the fused trampoline, from RSP up: the `Registers` (+0), the
/// `callback.Wait` (+128), the saved RBP, the return address.
const wait_offset = @sizeOf(call.Registers);
const frame_bytes = wait_offset + @sizeOf(callback.Wait);

comptime {
    std.debug.assert(frame_bytes % 16 == 0);
    std.debug.assert(@offsetOf(callback.Wait, "record") == 0);
}

/// The trampoline where the switch is fused. `begin(slot, &registers,
/// &wait)` answers every case without a switch (rax = 0, the result in
/// rdx: a plain `ret`, nothing switched) or names the root (rax, a handle's
/// bits). Then the trampoline enters the fused switch's value entry
/// (`greenlet_fused_switch_value`) as `switchCoreSend` does: with the
/// record's address as the value, the `Wait`'s reply words as the out
/// pointers and a landing of its own as the return address, reached by the
/// switch's `jmpq *` when the root answers. The landing calls
/// `finish(status, &wait)` and returns to the C caller with `popq; jmpq *`.
/// A `ret` there (or in a `dispatch` that switched and returned) would pop
/// the return-stack buffer's entries the root side pushed while this stack
/// was suspended, and mispredict; the indirect jump is predicted from the
/// branch target buffer. (The C caller's own `call` into the trampoline
/// stays on the return-stack buffer, where the root side's next `ret` pops
/// it: one misprediction per round trip remains, on the root's side.)
fn fusedCode(comptime index: u32) []const u8 {
    return std.fmt.comptimePrint(
        \\ pushq %%rbp
        \\ movq %%rsp, %%rbp
        \\ subq ${[frame]d}, %%rsp
        \\
    ++ store_registers ++
        \\ movl ${[index]d}, %%edi
        \\ movq %%rsp, %%rsi
        \\ leaq {[wait]d}(%%rsp), %%rdx
        \\ callq {[begin]s}
        \\ testq %%rax, %%rax
        \\ jnz 1f
        \\ movq %%rdx, %%rax
        \\ movq %%rdx, %%xmm0
        \\ movq %%rbp, %%rsp
        \\ popq %%rbp
        \\ retq
        \\1:
        \\ movl %%eax, %%edi
        \\ shrq $32, %%rax
        \\ movl %%eax, %%esi
        \\ leaq {[wait]d}(%%rsp), %%rdx
        \\ leaq {[tag]d}(%%rsp), %%rcx
        \\ leaq {[value]d}(%%rsp), %%r8
        \\ leaq 2f(%%rip), %%rax
        \\ pushq %%rax
        \\ jmp greenlet_fused_switch_value
        \\2:
        \\ movl %%eax, %%edi
        \\ leaq {[wait]d}(%%rsp), %%rsi
        \\ callq {[finish]s}
        \\ movq %%rax, %%xmm0
        \\ movq %%rbp, %%rsp
        \\ popq %%rbp
        \\ popq %%rcx
        \\ jmpq *%%rcx
    , .{
        .frame = frame_bytes,
        .index = index,
        .wait = wait_offset,
        .tag = wait_offset + @offsetOf(callback.Wait, "reply_tag"),
        .value = wait_offset + @offsetOf(callback.Wait, "reply_value"),
        .begin = names.begin_symbol,
        .finish = names.finish_symbol,
    });
}
