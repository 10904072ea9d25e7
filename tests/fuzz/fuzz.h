/* Shared by the libFuzzer targets: a cursor that hands out the input's
 * leading bytes as decisions, a small PRNG for chunk sizes, and a check
 * that aborts (so libFuzzer keeps the input) when an invariant fails. */
#ifndef SALVO_FUZZ_H
#define SALVO_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <sanitizer/common_interface_defs.h>

typedef struct fuzz_in {
    const uint8_t *p;
    size_t n;
} fuzz_in_t;

/* The next input byte, or 0 once the input is used up. */
static inline uint8_t fuzz_byte(fuzz_in_t *in)
{
    if (in->n == 0)
        return 0;
    in->n--;
    return *in->p++;
}

static inline uint32_t fuzz_u32(fuzz_in_t *in)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++)
        v = v << 8 | fuzz_byte(in);
    return v;
}

/* xorshift32: chunk sizes that depend on the input, so libFuzzer can steer them. */
static inline uint32_t fuzz_rand(uint32_t *s)
{
    uint32_t x = *s ? *s : 0x9e3779b9u;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *s = x;
}

/* The message goes where sanitizer reports go: libFuzzer's -close_fd_mask
 * closes stderr but keeps that one. */
#define FUZZ_STR2(x) #x
#define FUZZ_STR(x) FUZZ_STR2(x)
#define FUZZ_CHECK(cond)                                                                             \
    do {                                                                                             \
        if (!(cond)) {                                                                               \
            __sanitizer_report_error_summary(__FILE__ ":" FUZZ_STR(__LINE__) ": invariant failed: " #cond); \
            abort();                                                                                 \
        }                                                                                            \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
