//! Tests that expect a crash run it in a forked child (Linux): this waits
//! for the child and returns its raw wait status.

const std = @import("std");
const linux = std.os.linux;

/// Waits for `pid` (retrying on EINTR) and returns its wait status.
pub fn waitStatus(pid: linux.pid_t) error{WaitFailed}!u32 {
    var status: i32 = 0;
    var wait_rc = linux.waitpid(pid, &status, 0);
    var attempts: u32 = 0;
    while (linux.errno(wait_rc) == .INTR and attempts < 100) : (attempts += 1) {
        wait_rc = linux.waitpid(pid, &status, 0);
    }
    if (linux.errno(wait_rc) != .SUCCESS) return error.WaitFailed;
    return @bitCast(status);
}
