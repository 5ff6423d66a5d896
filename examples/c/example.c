/* A generator written as a greenlet, driven from the thread's root: built
 * against include/greenlet.h and linked to the shared library. */
#include <stdint.h>
#include <stdio.h>

#include "greenlet.h"

#define CHECK(call)                                                              \
    do {                                                                         \
        greenlet_status status_ = (call);                                        \
        if (status_ != GREENLET_OK) {                                            \
            fprintf(stderr, "%s failed: %s\n", #call, greenlet_status_name(status_)); \
            return 1;                                                            \
        }                                                                        \
    } while (0)

/* Yields arg, arg+1, ... to its parent until it is killed. */
static uint32_t counter(uintptr_t arg, uintptr_t value, uintptr_t *result) {
    (void)value;
    greenlet_handle parent = {0, 0};
    greenlet_handle self = {0, 0};
    greenlet_current(&self);
    greenlet_parent(self.slot, self.generation, &parent);
    for (uintptr_t next = arg;; next++) {
        uint32_t tag = 0;
        uintptr_t reply = 0;
        greenlet_switch(parent.slot, parent.generation, next, &tag, &reply);
        if (tag == GREENLET_TAG_KILL) {
            *result = next; /* obey: the parent receives the last number */
            return GREENLET_TAG_KILL;
        }
    }
}

int main(void) {
    if (greenlet_abi_version() != GREENLET_ABI_VERSION) {
        fprintf(stderr, "ABI version mismatch\n");
        return 1;
    }
    greenlet_handle gen = {0, 0};
    CHECK(greenlet_create(counter, 10, 0, 0, 0, &gen));
    uintptr_t sum = 0;
    for (int i = 0; i < 5; i++) {
        uint32_t tag = 0;
        uintptr_t value = 0;
        CHECK(greenlet_switch(gen.slot, gen.generation, 0, &tag, &value));
        if (tag != GREENLET_TAG_VALUE) return 1;
        sum += value;
    }
    uint32_t tag = 0;
    uintptr_t last = 0;
    CHECK(greenlet_kill(gen.slot, gen.generation, 0, &tag, &last));
    uint32_t flags = 0;
    CHECK(greenlet_state(gen.slot, gen.generation, &flags));
    if (sum != 10 + 11 + 12 + 13 + 14 || last != 14 || !(flags & GREENLET_FLAG_DEAD)) {
        fprintf(stderr, "unexpected: sum=%lu last=%lu flags=%u\n", (unsigned long)sum,
                (unsigned long)last, flags);
        return 1;
    }
    CHECK(greenlet_destroy(gen.slot, gen.generation));
    uint64_t stats[GREENLET_STAT_COUNT];
    uint32_t count = 0;
    CHECK(greenlet_stats(stats, GREENLET_STAT_COUNT, &count));
    if (count != GREENLET_STAT_COUNT || stats[GREENLET_STAT_GREENLETS_LIVE] != 1) return 1;
    printf("example: ok\n");
    return 0;
}
