/* Native switch benchmark: raw library switch, full greenlet_switch, Boost.Context
 * jump_fcontext and glibc swapcontext, as round trips (two switches each), the
 * create + run + finish + destroy cycle, a callback round trip (docs/native_bridge.md),
 * and resident memory per suspended greenlet. Informational only. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include "greenlet.h"

typedef void *fcontext_t;
typedef struct {
    fcontext_t fctx;
    void *data;
} transfer_t;
extern transfer_t jump_fcontext(fcontext_t const to, void *vp);
extern fcontext_t make_fcontext(void *sp, size_t size, void (*fn)(transfer_t));

int bench_raw_setup(void);
uint64_t bench_raw_run(uint64_t iterations);

#define ITERATIONS 200000u
#define RUNS 31
#define MEMORY_GREENLETS 10000u

/* The thread's CPU time, not wall time: on a shared machine a round of
 * wall time also counts the slices other processes ran in. */
static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static volatile uintptr_t sink;

/* --- raw library switch --- */
static double run_raw(uint32_t iterations) {
    uint64_t start = now_ns();
    sink = bench_raw_run(iterations);
    return (double)(now_ns() - start) / iterations;
}

/* --- full greenlet_switch, root <-> greenlet --- */
static greenlet_handle bench_root, bench_child;

static uint32_t echo_entry(uintptr_t arg, uintptr_t value, uintptr_t *result) {
    const greenlet_handle root = *(const greenlet_handle *)arg;
    uint32_t tag = GREENLET_TAG_VALUE;
    uintptr_t v = value;
    for (;;) {
        if (greenlet_switch(root.slot, root.generation, v + 1, &tag, &v) != GREENLET_OK) abort();
        if (tag != GREENLET_TAG_VALUE) {
            *result = v;
            return tag;
        }
    }
}

static double run_full(uint32_t iterations) {
    uint32_t tag = 0;
    uintptr_t v = 0;
    uint64_t start = now_ns();
    for (uint32_t i = 0; i < iterations; i++)
        greenlet_switch(bench_child.slot, bench_child.generation, v, &tag, &v);
    double ns = (double)(now_ns() - start) / iterations;
    sink = v;
    return ns;
}

/* --- callback round trip: a C loop on a call greenlet calls a callback slot
 * (capture trampoline, dispatch, switch to the root); the root answers with
 * greenlet_send, as the JS relay does (docs/native_bridge.md). --- */
typedef uint32_t (*u32_callback)(uint32_t);

static uint32_t callback_loop(uint32_t count, u32_callback callback) {
    uint32_t sum = 1;
    for (uint32_t i = 0; i < count; i++) sum += callback(i);
    return sum;
}

static double run_callback(uint32_t iterations) {
    greenlet_signature callback_signature = {.result = GREENLET_TYPE_U32, .arg_count = 1, .args = {GREENLET_TYPE_U32}};
    uint32_t slot = 0;
    uintptr_t address = 0, pending_address = 0, misuses_address = 0;
    if (greenlet_callback_register(&callback_signature, 0, 0, &slot, &address) != GREENLET_OK) abort();
    if (greenlet_callback_words(&pending_address, &misuses_address) != GREENLET_OK) abort();
    uintptr_t *pending = (uintptr_t *)pending_address;
    greenlet_call_frame frame = {
        .function = (uintptr_t)&callback_loop,
        .signature = {.result = GREENLET_TYPE_U32, .arg_count = 2, .args = {GREENLET_TYPE_U32, GREENLET_TYPE_FUNCTION}},
        .args = {iterations, address},
    };
    greenlet_handle call;
    if (greenlet_call_create(&frame, 0, 0, 0, &call) != GREENLET_OK) abort();
    greenlet_message message = {.tag = GREENLET_TAG_VALUE, .value = 0};
    greenlet_handle target = call;
    uint64_t start = now_ns();
    for (;;) {
        if (greenlet_send(target.slot, target.generation, &message) != GREENLET_OK) abort();
        if (*pending == 0) break; /* the call finished */
        const greenlet_callback_record *record = (const greenlet_callback_record *)*pending;
        *pending = 0;
        target = record->greenlet;
        message.tag = GREENLET_TAG_VALUE;
        message.value = record->args[0] + 1;
    }
    double ns = (double)(now_ns() - start) / iterations;
    sink = message.value;
    if (greenlet_destroy(call.slot, call.generation) != GREENLET_OK) abort();
    if (greenlet_callback_release(slot) != GREENLET_OK) abort();
    return ns;
}

/* --- full greenlet_switch, greenlet <-> greenlet ---
 * The root hands pair_a a count; pair_a makes that many round trips to
 * pair_b (whose parent is the root) and switches back with the last value. */
static greenlet_handle pair_a, pair_b;

static uint32_t pair_a_entry(uintptr_t arg, uintptr_t value, uintptr_t *result) {
    (void)arg;
    (void)result;
    uint32_t tag = GREENLET_TAG_VALUE;
    uintptr_t v = 0;
    for (;;) {
        for (uintptr_t i = 0; i < value; i++)
            if (greenlet_switch(pair_b.slot, pair_b.generation, v, &tag, &v) != GREENLET_OK) abort();
        if (greenlet_switch(bench_root.slot, bench_root.generation, v, &tag, &value) != GREENLET_OK) abort();
    }
}

static uint32_t pair_b_entry(uintptr_t arg, uintptr_t value, uintptr_t *result) {
    (void)arg;
    (void)result;
    uint32_t tag = GREENLET_TAG_VALUE;
    uintptr_t v = value;
    for (;;)
        if (greenlet_switch(pair_a.slot, pair_a.generation, v + 1, &tag, &v) != GREENLET_OK) abort();
}

static double run_pair(uint32_t iterations) {
    uint32_t tag = 0;
    uintptr_t v = 0;
    uint64_t start = now_ns();
    greenlet_switch(pair_a.slot, pair_a.generation, iterations, &tag, &v);
    double ns = (double)(now_ns() - start) / iterations;
    sink = v;
    return ns;
}

/* --- Boost.Context fcontext --- */
static transfer_t fc_transfer;

static void fc_entry(transfer_t t) {
    for (;;) t = jump_fcontext(t.fctx, (void *)((uintptr_t)t.data + 1));
}

static double run_fcontext(uint32_t iterations) {
    uint64_t start = now_ns();
    for (uint32_t i = 0; i < iterations; i++) fc_transfer = jump_fcontext(fc_transfer.fctx, fc_transfer.data);
    double ns = (double)(now_ns() - start) / iterations;
    sink = (uintptr_t)fc_transfer.data;
    return ns;
}

/* --- glibc swapcontext --- */
static ucontext_t uc_main, uc_child;

static void uc_entry(void) {
    for (;;) swapcontext(&uc_child, &uc_main);
}

static double run_swapcontext(uint32_t iterations) {
    uint64_t start = now_ns();
    for (uint32_t i = 0; i < iterations; i++) swapcontext(&uc_main, &uc_child);
    return (double)(now_ns() - start) / iterations;
}

/* --- create + run + finish + destroy, default stack (one cycle per "round trip") --- */
static uint32_t return_entry(uintptr_t arg, uintptr_t value, uintptr_t *result) {
    *result = arg + value;
    return GREENLET_TAG_VALUE;
}

static double run_lifecycle(uint32_t iterations) {
    uint32_t tag = 0;
    uintptr_t v = 0;
    uint64_t start = now_ns();
    for (uint32_t i = 0; i < iterations; i++) {
        greenlet_handle g = {0, 0};
        if (greenlet_create(return_entry, i, 0, 0, 0, &g) != GREENLET_OK) abort();
        if (greenlet_switch(g.slot, g.generation, 1, &tag, &v) != GREENLET_OK) abort();
        if (greenlet_destroy(g.slot, g.generation) != GREENLET_OK) abort();
    }
    double ns = (double)(now_ns() - start) / iterations;
    sink = v;
    return ns;
}

/* Touches `depth` bytes of stack in 1 KiB frames, then suspends at the bottom. */
static uintptr_t touch_down(uintptr_t top, uintptr_t depth) {
    volatile char buffer[1024];
    for (size_t i = 0; i < sizeof buffer; i++) buffer[i] = (char)i;
    if (top - (uintptr_t)__builtin_frame_address(0) >= depth) {
        uintptr_t v = 0;
        if (greenlet_switch(bench_root.slot, bench_root.generation, 0, NULL, &v) != GREENLET_OK) abort();
        return v;
    }
    return touch_down(top, depth) + (uintptr_t)buffer[depth % sizeof buffer];
}

static uint32_t deep_entry(uintptr_t arg, uintptr_t value, uintptr_t *result) {
    (void)value;
    *result = touch_down((uintptr_t)__builtin_frame_address(0), arg);
    return GREENLET_TAG_VALUE;
}

static long resident_bytes(void) {
    FILE *f = fopen("/proc/self/statm", "r");
    long size = 0, resident = 0;
    if (!f) return -1;
    if (fscanf(f, "%ld %ld", &size, &resident) != 2) resident = -1;
    fclose(f);
    return resident * sysconf(_SC_PAGESIZE);
}


static int compare_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Median, quartiles (nearest rank) and extremes of n samples; sorts them. */
typedef struct {
    double min, q1, median, q3, max;
} spread;

static spread spread_of(double *samples, int n) {
    qsort(samples, (size_t)n, sizeof(double), compare_double);
    spread s = {.min = samples[0], .q1 = samples[n / 4], .q3 = samples[n - 1 - n / 4], .max = samples[n - 1]};
    s.median = n % 2 ? samples[n / 2] : (samples[n / 2 - 1] + samples[n / 2]) / 2;
    return s;
}

typedef double (*loop_fn)(uint32_t iterations);

static const struct {
    const char *name, *label;
    loop_fn run;
} loops[] = {
    {"raw", "raw library switch (`context.swap`)", run_raw},
    {"full", "full `greenlet_switch`, root <-> greenlet", run_full},
    {"pair", "full `greenlet_switch`, greenlet <-> greenlet", run_pair},
    {"lifecycle", "create + run + finish + destroy, default stack (one cycle)", run_lifecycle},
    {"callback", "callback on a call greenlet, answered with `greenlet_send` (one call)", run_callback},
    {"fcontext", "Boost.Context `jump_fcontext`", run_fcontext},
};
#define LOOP_COUNT ((int)(sizeof(loops) / sizeof(loops[0])))
#define FCONTEXT (LOOP_COUNT - 1)

int main(int argc, char **argv) {
    /* `greenlet-bench raw|full|pair|lifecycle|callback|fcontext [iterations]`: that loop alone,
     * once, for cachegrind (instructions per round trip: the difference of
     * two runs with different counts over the difference of the counts). */
    const char *only = argc > 1 ? argv[1] : NULL;
    if (bench_raw_setup() != 0) return 1;
    if (greenlet_root(&bench_root) != GREENLET_OK) return 1;
    if (greenlet_create(echo_entry, (uintptr_t)&bench_root, 0, 0, 0, &bench_child) != GREENLET_OK)
        return 1;
    if (greenlet_create(pair_a_entry, 0, 0, 0, 0, &pair_a) != GREENLET_OK) return 1;
    if (greenlet_create(pair_b_entry, 0, 0, 0, 0, &pair_b) != GREENLET_OK) return 1;

    size_t fc_size = 64 * 1024;
    char *fc_stack = malloc(fc_size);
    fc_transfer.fctx = make_fcontext(fc_stack + fc_size, fc_size, fc_entry);
    fc_transfer.data = 0;

    size_t uc_size = 64 * 1024;
    getcontext(&uc_child);
    uc_child.uc_stack.ss_sp = malloc(uc_size);
    uc_child.uc_stack.ss_size = uc_size;
    uc_child.uc_link = 0;
    makecontext(&uc_child, uc_entry, 0);

    if (only) {
        uint32_t iterations = argc > 2 ? (uint32_t)strtoul(argv[2], NULL, 10) : ITERATIONS;
        if (iterations == 0) iterations = 1;
        for (int l = 0; l < LOOP_COUNT; l++) {
            if (strcmp(only, loops[l].name) != 0) continue;
            printf("%s: %.2f ns per round trip (%u round trips)\n", only, loops[l].run(iterations), iterations);
            return 0;
        }
        fprintf(stderr, "usage: greenlet-bench [raw|full|pair|lifecycle|callback|fcontext [iterations]]\n");
        return 2;
    }

    /* Interleaved rounds (one warm-up round, then RUNS measured): a round
     * runs every loop once, and each loop's ratio to fcontext is taken
     * within its round, so a slow phase of the shared machine weighs on
     * both sides of the ratio. */
    static double ns[LOOP_COUNT][RUNS], ratio[LOOP_COUNT][RUNS];
    for (int l = 0; l < LOOP_COUNT; l++) loops[l].run(ITERATIONS);
    for (int round = 0; round < RUNS; round++)
        for (int l = 0; l < LOOP_COUNT; l++) ns[l][round] = loops[l].run(ITERATIONS);
    for (int round = 0; round < RUNS; round++)
        for (int l = 0; l < LOOP_COUNT; l++) ratio[l][round] = ns[l][round] / ns[FCONTEXT][round];
    double swapctx = 1e9;
    /* swapcontext makes a syscall per switch: measured apart so that it does
     * not disturb the other loops' branch predictors. */
    for (int round = 0; round < 3; round++) {
        double t = run_swapcontext(ITERATIONS / 20);
        if (t < swapctx) swapctx = t;
    }

    /* Memory: 10k greenlets that touched 256 KiB each finish through the pool
     * (cap at its maximum, 500 at a time suspended at the bottom), then 10k
     * greenlets with the default stack, each started and suspended. */
    static greenlet_handle handles[MEMORY_GREENLETS];
    uint32_t old_cap = 0;
    greenlet_pool_set_cap(4096, &old_cap);
    long before = resident_bytes();
    for (uint32_t wave = 0; wave < MEMORY_GREENLETS / 500; wave++) {
        for (uint32_t i = 0; i < 500; i++) {
            if (greenlet_create(deep_entry, 256 * 1024, 0, 0, 0, &handles[i]) != GREENLET_OK) return 1;
            if (greenlet_switch(handles[i].slot, handles[i].generation, 0, NULL, NULL) != GREENLET_OK)
                return 1;
        }
        for (uint32_t i = 0; i < 500; i++) {
            greenlet_kill(handles[i].slot, handles[i].generation, 0, NULL, NULL);
            if (greenlet_destroy(handles[i].slot, handles[i].generation) != GREENLET_OK) return 1;
        }
    }
    long pooled = resident_bytes();
    for (uint32_t i = 0; i < MEMORY_GREENLETS; i++) {
        uint32_t tag = 0;
        uintptr_t v = 0;
        if (greenlet_create(echo_entry, (uintptr_t)&bench_root, 0, 0, 0, &handles[i]) != GREENLET_OK)
            return 1;
        if (greenlet_switch(handles[i].slot, handles[i].generation, i, &tag, &v) != GREENLET_OK)
            return 1;
    }
    long after = resident_bytes();
    double per_greenlet = (double)(after - before) / MEMORY_GREENLETS;
    greenlet_pool_set_cap(old_cap, NULL);
    uint64_t stats[GREENLET_STAT_COUNT];
    uint32_t count = 0;
    greenlet_stats(stats, GREENLET_STAT_COUNT, &count);
    for (uint32_t i = 0; i < MEMORY_GREENLETS; i++) {
        greenlet_kill(handles[i].slot, handles[i].generation, 0, NULL, NULL);
        greenlet_destroy(handles[i].slot, handles[i].generation);
    }

    printf("| round trip (2 switches) | median ns (quartiles) | ratio to fcontext: median of rounds | "
           "quartiles | min-max |\n");
    printf("|---|---:|---:|---:|---:|\n");
    for (int l = 0; l < LOOP_COUNT; l++) {
        spread t = spread_of(ns[l], RUNS), r = spread_of(ratio[l], RUNS);
        printf("| %s | %.2f (%.2f-%.2f) | **%.2fx** | %.2f-%.2fx | %.2f-%.2fx |\n", loops[l].label, t.median, t.q1,
               t.q3, r.median, r.q1, r.q3, r.min, r.max);
    }
    printf("| glibc `swapcontext` (best of 3) | %.0f | %.0fx | | |\n", swapctx,
           swapctx / spread_of(ns[FCONTEXT], RUNS).median);
    printf("(%d interleaved rounds of %u round trips after one warm-up round; a loop's ratio is taken "
           "per round against that round's fcontext; targets raw <= 1.0x, full <= 1.2x, lifecycle <= 10x)\n",
           RUNS, ITERATIONS);
    printf("\nresident bytes per suspended greenlet (default %llu KiB stack, %u greenlets, after %u that "
           "touched 256 KiB went through the pool): %.0f (target <= 16384)\n",
           (unsigned long long)(stats[GREENLET_STAT_DEFAULT_STACK_BYTES] / 1024), MEMORY_GREENLETS,
           MEMORY_GREENLETS, per_greenlet);
    printf("pool after the deep greenlets: %ld KiB resident more than before, %llu discards\n",
           (pooled - before) / 1024, (unsigned long long)stats[GREENLET_STAT_STACKS_DISCARDED]);
    printf("stacks in use %llu, reserved %llu MiB, guard %llu KiB\n",
           (unsigned long long)stats[GREENLET_STAT_STACKS_IN_USE],
           (unsigned long long)(stats[GREENLET_STAT_RESERVED_BYTES] >> 20),
           (unsigned long long)(stats[GREENLET_STAT_GUARD_BYTES] >> 10));
    return 0;
}
