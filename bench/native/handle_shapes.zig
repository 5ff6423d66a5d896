//! Stand-in library for bench/ffi_calls.ts: the same slot lookup behind the
//! three handle shapes the C ABI could take (one u32, one 64-bit integer,
//! two u32), with the out pointers of greenlet_state and greenlet_switch.
//! Only the cost of crossing the FFI boundary differs between them.

var generations: [1024]u32 = @splat(0);

fn check(slot: usize, generation: usize) bool {
    return generations[slot & 1023] == generation;
}

export fn s32(handle: u32, out_flags: ?*u32) c_int {
    if (!check(handle & 0xfffff, handle >> 20)) return 1;
    if (out_flags) |out| out.* = 3;
    return 0;
}

export fn s64(handle: usize, out_flags: ?*u32) c_int {
    if (!check(handle & 0xffff_ffff, handle >> 32)) return 1;
    if (out_flags) |out| out.* = 3;
    return 0;
}

export fn s2(slot: u32, generation: u32, out_flags: ?*u32) c_int {
    if (!check(slot, generation)) return 1;
    if (out_flags) |out| out.* = 3;
    return 0;
}

export fn w32(handle: u32, value: usize, out_tag: ?*u32, out_value: ?*usize) c_int {
    if (!check(handle & 0xfffff, handle >> 20)) return 1;
    if (out_tag) |out| out.* = 0;
    if (out_value) |out| out.* = value;
    return 0;
}

export fn w64(handle: usize, value: usize, out_tag: ?*u32, out_value: ?*usize) c_int {
    if (!check(handle & 0xffff_ffff, handle >> 32)) return 1;
    if (out_tag) |out| out.* = 0;
    if (out_value) |out| out.* = value;
    return 0;
}

export fn w2(slot: u32, generation: u32, value: usize, out_tag: ?*u32, out_value: ?*usize) c_int {
    if (!check(slot, generation)) return 1;
    if (out_tag) |out| out.* = 0;
    if (out_value) |out| out.* = value;
    return 0;
}
