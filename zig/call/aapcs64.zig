//! AAPCS64 (Linux; macOS builds but is untested here): 8 integer registers
//! (x0-x7) and 8 SIMD/FP registers (d0-d7), assigned independently.
//! Apple's ABI additionally expects the caller to extend 8/16-bit integers
//! to 32 bits, which `toRegister` does for every ABI.

const common = @import("_register_abi.zig");

pub const int_registers = 8;
pub const float_registers = 8;
pub const positional = false;
pub const sign_extends_u32 = false;

pub const fits = common.Independent(int_registers, float_registers).fits;
pub const place = common.Independent(int_registers, float_registers).place;

pub fn call(function: usize, signature: anytype, registers: anytype, float_result: bool) u64 {
    _ = signature;
    return common.call8(function, registers, float_result);
}
