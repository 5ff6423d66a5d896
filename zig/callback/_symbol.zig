//! The assembler name of the dispatch function the trampolines call.

const builtin = @import("builtin");

pub const dispatch_symbol = "greenlet_callback_dispatch";
pub const assembler_name = if (builtin.os.tag.isDarwin()) "_" ++ dispatch_symbol else dispatch_symbol;
