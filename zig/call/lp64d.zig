//! RISC-V LP64D: 8 integer registers (a0-a7) and 8 FP registers (fa0-fa7),
//! assigned independently while both last (with at most 8 float arguments a
//! float never spills into an integer register). 32-bit integers travel
//! sign-extended to 64 bits (also u32) and f32 NaN-boxed.

const common = @import("_register_abi.zig");

pub const int_registers = 8;
pub const float_registers = 8;
pub const positional = false;
pub const sign_extends_u32 = true;

pub const fits = common.Independent(int_registers, float_registers).fits;
pub const place = common.Independent(int_registers, float_registers).place;

pub fn call(function: usize, signature: anytype, registers: anytype, float_result: bool) u64 {
    _ = signature;
    return common.call8(function, registers, float_result);
}
