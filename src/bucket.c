#include "limit.h"

void salvo_bucket_init(salvo_bucket_t *b, double rate, uint32_t burst, int64_t slack_ns)
{
    b->interval_ns = 1e9 / rate;
    b->tau_ns = (double)(burst ? burst - 1 : 0) * b->interval_ns;
    b->tat_ns = 0;
    b->slack_ns = slack_ns;
    b->started = 0;
}

/* The schedule as it stands at now: late by more than slack means idle. */
static double effective_tat(const salvo_bucket_t *b, int64_t now)
{
    if (!b->started || b->tat_ns < (double)(now - b->slack_ns))
        return (double)now;
    return b->tat_ns;
}

int64_t salvo_bucket_wait(const salvo_bucket_t *b, int64_t now)
{
    double due = effective_tat(b, now) - b->tau_ns;
    if (due <= (double)now)
        return 0;
    int64_t w = (int64_t)(due - (double)now);
    return w > 0 ? w : 1;
}

void salvo_bucket_take(salvo_bucket_t *b, int64_t now)
{
    double tat = effective_tat(b, now);
    b->tat_ns = tat + b->interval_ns;
    b->started = 1;
}
