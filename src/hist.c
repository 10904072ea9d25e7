#include "salvo/hist.h"

#include <string.h>

void salvo_hist_init(salvo_hist_t *h) { memset(h, 0, sizeof *h); }

/* Values below SUB get one bucket each; above, each power of two is split
 * into SUB linear buckets. */
static unsigned bucket_of(uint64_t v)
{
    if (v < SALVO_HIST_SUB)
        return (unsigned)v;
    unsigned msb = 63u - (unsigned)__builtin_clzll(v);
    unsigned shift = msb - SALVO_HIST_SUB_BITS;
    unsigned b = (shift + 1) * SALVO_HIST_SUB + (unsigned)((v >> shift) - SALVO_HIST_SUB);
    return b < SALVO_HIST_BUCKETS ? b : SALVO_HIST_BUCKETS - 1;
}

static uint64_t bucket_low(unsigned b)
{
    if (b < SALVO_HIST_SUB)
        return b;
    unsigned shift = b / SALVO_HIST_SUB - 1;
    return ((uint64_t)(SALVO_HIST_SUB + b % SALVO_HIST_SUB)) << shift;
}

static uint64_t bucket_mid(unsigned b)
{
    if (b < SALVO_HIST_SUB)
        return b;
    unsigned shift = b / SALVO_HIST_SUB - 1;
    return bucket_low(b) + ((1ull << shift) >> 1);
}

void salvo_hist_add(salvo_hist_t *h, uint64_t us)
{
    h->counts[bucket_of(us)]++;
    if (h->n == 0 || us < h->min)
        h->min = us;
    if (us > h->max)
        h->max = us;
    h->n++;
    h->sum += (double)us;
}

uint64_t salvo_hist_percentile(const salvo_hist_t *h, double p)
{
    if (h->n == 0)
        return 0;
    if (p <= 0)
        return h->min;
    if (p >= 100)
        return h->max;
    /* the smallest value with at least p% of samples at or below it */
    uint64_t rank = (uint64_t)((p / 100.0) * (double)h->n + 0.999999);
    if (rank == 0)
        rank = 1;
    uint64_t seen = 0;
    for (unsigned b = 0; b < SALVO_HIST_BUCKETS; b++) {
        seen += h->counts[b];
        if (seen >= rank) {
            uint64_t v = bucket_mid(b);
            return v < h->min ? h->min : v > h->max ? h->max : v;
        }
    }
    return h->max;
}
