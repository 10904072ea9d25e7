/* Log-linear latency histogram (HDR-style): fixed size, O(1) record,
 * percentiles within 1/SALVO_HIST_SUB (about 3%) of the true value.
 * Values are microseconds, from 1 us to about 2^40 us. */
#ifndef SALVO_HIST_H
#define SALVO_HIST_H

/* Private (src/include/): libsalvo, the tool and the tests use it; not installed. */

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SALVO_HIST_SUB_BITS 5
#define SALVO_HIST_SUB (1 << SALVO_HIST_SUB_BITS)
#define SALVO_HIST_BUCKETS ((40 - SALVO_HIST_SUB_BITS + 1) * SALVO_HIST_SUB)

typedef struct salvo_hist {
    uint64_t counts[SALVO_HIST_BUCKETS];
    uint64_t n;
    uint64_t min, max; /* exact */
    double sum;
} salvo_hist_t;

void salvo_hist_init(salvo_hist_t *h);
void salvo_hist_add(salvo_hist_t *h, uint64_t us);
/* The value at percentile p (0..100): exact min/max at the ends, else the
 * midpoint of the bucket that holds it. 0 when empty. */
uint64_t salvo_hist_percentile(const salvo_hist_t *h, double p);

#ifdef __cplusplus
}
#endif

#endif
