/* C++ halves of unwind_test.c (defined in unwind_test.cpp). */
#ifndef UNWIND_TEST_H
#define UNWIND_TEST_H

#ifdef __cplusplus
extern "C" {
#endif

/* Throws across 20 frames inside a greenlet and catches it there; 0 if the
 * exception arrived intact and every frame's destructor ran. */
int unwind_cxx_caught(void);

/* Runs a greenlet that throws and never catches: must not return (the C++
 * runtime calls std::terminate, which aborts). */
void unwind_cxx_uncaught(void);

#ifdef __cplusplus
}
#endif

#endif
