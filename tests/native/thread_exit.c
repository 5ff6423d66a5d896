/* Thread exit with glibc: 10 000 short-lived pthreads each leave a
 * suspended, a pending and a dead greenlet behind and exit WITHOUT calling
 * greenlet_thread_exit; the library frees each tree through glibc's
 * __cxa_thread_atexit_impl, so the live greenlet, stack-in-use and reserved
 * byte counts stay flat. Prints "thread_exit: ok" or why not; exit 1 on
 * failure. Built and run by `zig build test-thread-exit` (glibc hosts). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "greenlet.h"

#define THREADS 10000

static uint32_t suspend_entry(uintptr_t arg, uintptr_t value, uintptr_t *result) {
    (void)arg;
    greenlet_handle root = {0, 0};
    uint32_t tag = 0;
    if (greenlet_root(&root) != GREENLET_OK) abort();
    if (greenlet_switch(root.slot, root.generation, value, &tag, result) != GREENLET_OK) abort();
    return tag;
}

static uint32_t return_entry(uintptr_t arg, uintptr_t value, uintptr_t *result) {
    *result = arg + value;
    return GREENLET_TAG_VALUE;
}

static void *short_lived(void *unused) {
    (void)unused;
    greenlet_handle suspended = {0, 0}, pending = {0, 0}, dead = {0, 0};
    if (greenlet_create(suspend_entry, 0, 0, 0, 0, &suspended) != GREENLET_OK) abort();
    if (greenlet_switch(suspended.slot, suspended.generation, 1, NULL, NULL) != GREENLET_OK) abort();
    if (greenlet_create(suspend_entry, 0, suspended.slot, suspended.generation, 0, &pending) !=
        GREENLET_OK)
        abort();
    if (greenlet_create(return_entry, 0, 0, 0, 0, &dead) != GREENLET_OK) abort();
    if (greenlet_switch(dead.slot, dead.generation, 1, NULL, NULL) != GREENLET_OK) abort();
    return NULL;
}

static void run(int count) {
    for (int i = 0; i < count; i++) {
        pthread_t thread;
        if (pthread_create(&thread, NULL, short_lived, NULL) != 0) abort();
        if (pthread_join(thread, NULL) != 0) abort();
    }
}

static void counts(uint64_t out[3]) {
    uint64_t stats[GREENLET_STAT_COUNT];
    uint32_t count = 0;
    if (greenlet_stats(stats, GREENLET_STAT_COUNT, &count) != GREENLET_OK) abort();
    out[0] = stats[GREENLET_STAT_GREENLETS_LIVE];
    out[1] = stats[GREENLET_STAT_STACKS_IN_USE];
    out[2] = stats[GREENLET_STAT_RESERVED_BYTES];
}

int main(void) {
    uint64_t before[3], after[3];
    run(10); /* the pool holds their stacks from now on */
    counts(before);
    run(THREADS);
    counts(after);
    if (before[0] != after[0] || before[1] != after[1] || before[2] != after[2]) {
        printf("thread_exit: counts moved: live %llu -> %llu, in use %llu -> %llu, reserved %llu -> %llu\n",
               (unsigned long long)before[0], (unsigned long long)after[0], (unsigned long long)before[1],
               (unsigned long long)after[1], (unsigned long long)before[2], (unsigned long long)after[2]);
        return 1;
    }
    if (after[0] != 0) {
        printf("thread_exit: %llu greenlets live, expected none\n", (unsigned long long)after[0]);
        return 1;
    }
    printf("thread_exit: ok\n");
    return 0;
}
