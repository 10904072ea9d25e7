/* Rate limiters. Both take the time as a parameter (ns on any monotonic
 * clock), so tests drive them with a fake clock.
 *
 * The usual call is: wait = max(limiter waits); if wait == 0, commit to
 * every limiter and send. A wait of SALVO_WAIT_FOREVER means "until an
 * order in flight completes". */
#ifndef SALVO_LIMIT_H
#define SALVO_LIMIT_H

#include <stddef.h>
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

/* One sliding window per value of a key (--rate-per: per symbol, per
 * symbol and side): at most n sends of any one value in any trailing
 * period, each window as salvo_window_t. At most max_values windows are
 * kept, so memory is bounded however many values the input has: about
 * max_values * (9 n + the key + 120) bytes. A value not held takes a new
 * window while there is room, else the least recently used window (by
 * take and settle), but only once that window is idle: every send of it
 * settled and past period + guard, when forgetting it changes no answer.
 * Until then the new value waits (SALVO_WAIT_FOREVER while one of its
 * sends is still open). The table is the caller's; keys are copied. */
typedef struct salvo_rateper salvo_rateper_t;

/* 0 or -ENOMEM (-EINVAL for n or max_values 0). */
int salvo_rateper_new(salvo_rateper_t **out, uint32_t n, int64_t period_ns, int64_t guard_ns, uint32_t max_values);
void salvo_rateper_free(salvo_rateper_t *r);
/* 0 if a send of key may go at now, else ns to wait. */
int64_t salvo_rateper_wait(salvo_rateper_t *r, const char *key, size_t len, int64_t now);
/* Record a send of key at now (after wait() said 0): 0 and its slot for
 * settle(), -ENOMEM, or -EBUSY (wait() did not say 0). */
int salvo_rateper_take(salvo_rateper_t *r, const char *key, size_t len, int64_t now, uint32_t *slot, uint64_t *id);
/* As salvo_window_settle; a slot whose window went to another value since
 * (it cannot while the send is open) is ignored. */
void salvo_rateper_settle(salvo_rateper_t *r, uint32_t slot, uint64_t id, int64_t sent);
/* Windows held now (at most max_values). */
uint32_t salvo_rateper_values(const salvo_rateper_t *r);

#endif
