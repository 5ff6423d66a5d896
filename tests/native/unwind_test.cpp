// C++ exceptions inside a greenlet: a throw caught 20 frames up on the same
// stack, and a throw nobody catches (std::terminate, not a crash).
#include <cstdint>
#include <stdexcept>

#include "greenlet.h"
#include "unwind_test.h"

namespace {

constexpr int throw_depth = 20;

int destroyed = 0;

struct Counted {
    ~Counted() { destroyed++; }
};

[[gnu::noinline]] int thrower(int remaining) {
    Counted counted;
    if (remaining <= 1) throw std::runtime_error("deep");
    volatile int keep = remaining;
    return keep + thrower(remaining - 1);
}

uint32_t catching_body(uintptr_t, uintptr_t, uintptr_t *result) {
    destroyed = 0;
    try {
        *result = static_cast<uintptr_t>(thrower(throw_depth));
    } catch (const std::runtime_error &error) {
        *result = error.what()[0] == 'd' && destroyed == throw_depth ? 1 : 2;
    }
    return GREENLET_TAG_VALUE;
}

uint32_t uncaught_body(uintptr_t, uintptr_t, uintptr_t *) {
    thrower(throw_depth);
    return GREENLET_TAG_VALUE;
}

}  // namespace

extern "C" int unwind_cxx_caught(void) {
    greenlet_handle handle{};
    if (greenlet_create(catching_body, 0, 0, 0, 0, &handle) != GREENLET_OK) return -1;
    uintptr_t verdict = 0;
    if (greenlet_switch(handle.slot, handle.generation, 0, nullptr, &verdict) != GREENLET_OK) return -1;
    if (greenlet_destroy(handle.slot, handle.generation) != GREENLET_OK) return -1;
    return verdict == 1 ? 0 : 1;
}

extern "C" void unwind_cxx_uncaught(void) {
    greenlet_handle handle{};
    if (greenlet_create(uncaught_body, 0, 0, 0, 0, &handle) != GREENLET_OK) return;
    greenlet_switch(handle.slot, handle.generation, 0, nullptr, nullptr);
}
