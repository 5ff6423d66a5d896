/* Stack walks inside greenlets, written against include/greenlet.h as a C
 * user would: glibc backtrace(), _Unwind_Backtrace, the frame-pointer chain
 * and (on Windows) RtlCaptureStackBackTrace, at depth 1 and 50, inside three
 * live default-size greenlets whose stacks are neighbours; then the C++
 * checks of unwind_test.cpp. Every walk must end at the greenlet's first
 * frame without leaving its stack. Prints "unwind: ok" and exits 0.
 *
 * Built with UNWIND_TEST_NO_CXX (zig build unwind-test: C only, linked with
 * LLVM's libunwind), the C++ checks are left out; _tools/unwind_gcc.sh builds
 * the whole program with GCC (libgcc's unwinder, libstdc++ exceptions). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "greenlet.h"

#if defined(_WIN32)
#include <windows.h>
#else
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <unwind.h>
#endif
#if defined(__GLIBC__)
#include <execinfo.h>
#endif

#include "unwind_test.h"

enum { max_frames = 256, neighbours = 3, deep = 50 };

/* Frames above the deepest test frame that a walk may report: the walk
 * helper, the recursion's base, the body, the library's entry and the
 * first-entry trampoline, with room for inlining differences. */
enum { extra_frames_min = 2, extra_frames_max = 12 };

static int failures = 0;

static void fail(const char *what, const char *where, long got) {
    fprintf(stderr, "unwind: FAIL %s (%s): %ld\n", what, where, got);
    failures++;
}

static int frame_count_ok(long count, int depth) {
    return count >= depth + extra_frames_min && count <= depth + extra_frames_max;
}

/* The stack region a walk may visit: from the deepest frame up to a little
 * above the body's frame (the library's entry frame and the trampoline). A
 * neighbour's stack is at least its guard region (64 KiB) away. */
static uintptr_t region_low, region_high;
enum { above_body = 16 * 1024 };

static int in_region(uintptr_t address) {
    return address >= region_low && address <= region_high;
}

#if !defined(_WIN32)
struct walk {
    long count;
    int left_stack;
};

static _Unwind_Reason_Code on_frame(struct _Unwind_Context *context, void *data) {
    struct walk *walk = data;
    uintptr_t ip = (uintptr_t)_Unwind_GetIP(context);
    uintptr_t cfa = (uintptr_t)_Unwind_GetCFA(context);
    if (ip == 0) return _URC_NO_REASON; /* libgcc's end marker (as above _start) */
    walk->count++;
    if (!in_region(cfa)) walk->left_stack = 1;
    return walk->count > max_frames ? _URC_END_OF_STACK : _URC_NO_REASON;
}

static void check_unwind_backtrace(int depth) {
    struct walk walk = {0, 0};
    _Unwind_Reason_Code code = _Unwind_Backtrace(on_frame, &walk);
    if (code != _URC_END_OF_STACK) fail("_Unwind_Backtrace did not end at the stack's end", "code", code);
    if (!frame_count_ok(walk.count, depth)) fail("_Unwind_Backtrace frame count", "frames", walk.count);
    if (walk.left_stack) fail("_Unwind_Backtrace left the greenlet's stack", "frames", walk.count);
}

/* Follows saved frame pointers from this frame: every record must lie on
 * this greenlet's stack, and the chain must end with a zero saved frame
 * pointer (the base record also holds a zero return address). */
static void check_frame_pointers(int depth) {
#if defined(__riscv)
    const ptrdiff_t fp_slot = -2, ra_slot = -1; /* s0 points above {fp, ra} */
#else
    const ptrdiff_t fp_slot = 0, ra_slot = 1; /* {fp, return address} */
#endif
    uintptr_t *fp = __builtin_frame_address(0);
    long count = 0;
    uintptr_t last_ra = 1;
    while (fp != NULL && count <= max_frames) {
        if (!in_region((uintptr_t)fp)) {
            fail("frame-pointer chain left the greenlet's stack", "records", count);
            return;
        }
        last_ra = fp[ra_slot];
        fp = (uintptr_t *)fp[fp_slot];
        count++;
    }
    if (!frame_count_ok(count, depth)) fail("frame-pointer chain length", "records", count);
    if (last_ra != 0) fail("frame-pointer chain base has a return address", "records", count);
}
#endif

#if defined(__GLIBC__)
static void check_glibc_backtrace(int depth) {
    void *frames[max_frames];
    int count = backtrace(frames, max_frames);
    if (!frame_count_ok(count, depth)) fail("glibc backtrace() frame count", "frames", count);
    for (int i = 0; i < count; i++) {
        if (frames[i] == NULL) fail("glibc backtrace() null frame", "index", i);
    }
}
#endif

#if defined(_WIN32)
static void check_windows_backtrace(int depth) {
    void *frames[max_frames];
    USHORT count = RtlCaptureStackBackTrace(0, max_frames, frames, NULL);
    if (!frame_count_ok(count, depth)) fail("RtlCaptureStackBackTrace frame count", "frames", count);
    for (int i = 0; i < count; i++) {
        if (frames[i] == NULL) fail("RtlCaptureStackBackTrace null frame", "index", i);
    }
}

/* The walk Windows' own unwinders make: RtlVirtualUnwind frame by frame
 * (a function without unwind data is a leaf) until the return address is 0.
 * Every frame must lie on this greenlet's stack. */
static void check_virtual_unwind(int depth) {
    CONTEXT context;
    RtlCaptureContext(&context);
    long count = 0;
    while (context.Rip != 0 && count <= max_frames) {
        if (!in_region(context.Rsp)) {
            fail("RtlVirtualUnwind left the greenlet's stack", "frames", count);
            return;
        }
        DWORD64 image_base = 0;
        PRUNTIME_FUNCTION function = RtlLookupFunctionEntry(context.Rip, &image_base, NULL);
        if (function == NULL) {
            context.Rip = *(DWORD64 *)context.Rsp;
            context.Rsp += 8;
        } else {
            void *handler_data = NULL;
            DWORD64 establisher = 0;
            RtlVirtualUnwind(UNW_FLAG_NHANDLER, image_base, context.Rip, function, &context,
                             &handler_data, &establisher, NULL);
        }
        count++;
    }
    if (!frame_count_ok(count, depth)) fail("RtlVirtualUnwind frame count", "frames", count);
}
#endif

__attribute__((noinline)) static void walk_here(int depth) {
    volatile char mark = 0;
    region_low = (uintptr_t)&mark - 4096;
#if defined(__GLIBC__)
    check_glibc_backtrace(depth);
#endif
#if defined(_WIN32)
    check_windows_backtrace(depth);
    check_virtual_unwind(depth);
#else
    check_unwind_backtrace(depth);
    check_frame_pointers(depth);
#endif
}

/* depth frames of recursion below the body, then the walks. */
__attribute__((noinline)) static int descend(int remaining, int depth) {
    volatile int keep = remaining;
    if (remaining <= 1) {
        walk_here(depth);
    } else {
        keep += descend(remaining - 1, depth);
    }
    return keep;
}

/* Runs the walks at depth 1 and `deep` whenever it is entered with a
 * non-zero value (the first entry included), then suspends: it stays live
 * while its neighbours are created and walked. A zero value finishes it. */
static uint32_t body(uintptr_t arg, uintptr_t value, uintptr_t *result) {
    (void)arg;
    volatile char mark = 0;
    uintptr_t self_top = (uintptr_t)&mark + above_body;
    greenlet_handle self = {0, 0}, parent = {0, 0};
    greenlet_current(&self);
    greenlet_parent(self.slot, self.generation, &parent);
    while (value != 0) {
        region_high = self_top;
        descend(1, 1);
        descend(deep, deep);
        greenlet_switch(parent.slot, parent.generation, 0, NULL, &value);
    }
    *result = 0;
    return GREENLET_TAG_VALUE;
}

static void run(greenlet_handle target, uintptr_t value, const char *what) {
    greenlet_status status = greenlet_switch(target.slot, target.generation, value, NULL, NULL);
    if (status != GREENLET_OK) fail(what, greenlet_status_name(status), status);
}

#if !defined(_WIN32) && !defined(UNWIND_TEST_NO_CXX)
/* A C++ exception nobody catches inside a greenlet must end the process
 * through std::terminate (SIGABRT), in a child process. */
static void check_uncaught_aborts(void) {
    pid_t child = fork();
    if (child == 0) {
        FILE *quiet = freopen("/dev/null", "w", stderr);
        (void)quiet;
        unwind_cxx_uncaught();
        _exit(3);
    }
    int status = 0;
    if (child < 0 || waitpid(child, &status, 0) != child) {
        fail("fork/waitpid for the uncaught exception", "child", child);
        return;
    }
    if (!WIFSIGNALED(status)) fail("uncaught exception: child exited instead of aborting", "exit", WEXITSTATUS(status));
    else if (WTERMSIG(status) != SIGABRT) fail("uncaught exception: child died by the wrong signal", "signal", WTERMSIG(status));
}
#endif

int main(void) {
    greenlet_handle live[neighbours] = {{0, 0}};
    for (int i = 0; i < neighbours; i++) {
        greenlet_status status = greenlet_create(body, 0, 0, 0, 0, &live[i]);
        if (status != GREENLET_OK) fail("create", greenlet_status_name(status), status);
        run(live[i], 1, "start"); /* walks once, then stays suspended */
    }
    /* The middle one has live neighbours on both sides; walk in each again. */
    run(live[1], 1, "walk in the middle greenlet");
    run(live[0], 1, "walk in the first greenlet");
    run(live[2], 1, "walk in the last greenlet");
#if !defined(UNWIND_TEST_NO_CXX)
    if (unwind_cxx_caught() != 0) fail("C++ throw/catch across 20 frames in a greenlet", "cxx", 1);
#if !defined(_WIN32)
    check_uncaught_aborts();
#endif
#endif
    for (int i = 0; i < neighbours; i++) {
        run(live[i], 0, "finish");
        greenlet_status status = greenlet_destroy(live[i].slot, live[i].generation);
        if (status != GREENLET_OK) fail("destroy", greenlet_status_name(status), status);
    }
    if (failures != 0) {
        fprintf(stderr, "unwind: %d failure(s)\n", failures);
        return 1;
    }
    printf("unwind: ok\n");
    return 0;
}
