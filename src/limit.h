/* Rate limiters. Both take the time as a parameter (ns on any monotonic
 * clock), so tests drive them with a fake clock.
 *
 * The usual call is: wait = max(limiter waits); if wait == 0, commit to
 * every limiter and send. A wait of SALVO_WAIT_FOREVER means "until an
 * order in flight completes". */
#ifndef SALVO_LIMIT_H
#define SALVO_LIMIT_H

#include <stdint.h>

#define SALVO_WAIT_FOREVER INT64_MAX

/* Token bucket as GCRA: rate r per second, burst b. A send that comes late
 * by up to `slack` (a timer that fired late, a busy loop) still takes its
 * due slot, which is what keeps a long run within a fraction of a percent
 * of r even at rates a millisecond timer cannot space one by one. A longer
 * gap is idleness and is not made up. */
typedef struct salvo_bucket {
    double interval_ns; /* 1e9 / rate */
    double tau_ns;      /* (burst - 1) * interval */
    double tat_ns;      /* theoretical arrival time of the next send */
    int64_t slack_ns;
    int started;
} salvo_bucket_t;

#define SALVO_BUCKET_SLACK_NS (5 * 1000000LL)

void salvo_bucket_init(salvo_bucket_t *b, double rate_per_sec, uint32_t burst, int64_t slack_ns);
/* 0 if a send may go at now, else ns to wait. Changes nothing. */
int64_t salvo_bucket_wait(const salvo_bucket_t *b, int64_t now);
/* Take one send at now (after wait() said 0). */
void salvo_bucket_take(salvo_bucket_t *b, int64_t now);

/* Sliding window: at most n sends in any trailing period. A slot is held
 * from the send until `period + guard` after the moment the broker may
 * last have seen it: a send is settled with the time its request started
 * going out (after connect and TLS), known when the answer comes; until
 * then it holds its slot. That keeps the broker's own count, not only
 * salvo's, within the limit. */
typedef struct salvo_window {
    int64_t *t;       /* ring of n send times, oldest at head */
    uint8_t *open;    /* sent, not yet settled */
    uint32_t n, head, len;
    int64_t period_ns, guard_ns;
    uint64_t next_id; /* id of the next send */
} salvo_window_t;

#define SALVO_WINDOW_GUARD_NS (5 * 1000000LL) /* the broker's own queueing jitter */

/* 0 or -ENOMEM. */
int salvo_window_init(salvo_window_t *w, uint32_t n, int64_t period_ns, int64_t guard_ns);
void salvo_window_free(salvo_window_t *w);
int64_t salvo_window_wait(salvo_window_t *w, int64_t now);
/* Record a send at now; returns its id for settle(). */
uint64_t salvo_window_take(salvo_window_t *w, int64_t now);
/* The send's request went out at `sent`: its slot now expires at
 * sent + period + guard. */
void salvo_window_settle(salvo_window_t *w, uint64_t id, int64_t sent);

#endif
