/* salvo_stats_t's fields (salvo/engine.h keeps it opaque): the engine
 * fills them, the tool and the tests read them directly. */
#ifndef SALVO_STATS_H
#define SALVO_STATS_H
/* Private (src/include/): libsalvo, the tool and the tests use it; not installed. */

#include <stdint.h>

#include "salvo/engine.h"
#include "salvo/hist.h"
#include "salvo/result.h"

struct salvo_stats {
    uint64_t count[SALVO_STATUS_COUNT]; /* results by status: they sum to `orders` */
    uint64_t orders;   /* rows read: each has had exactly one result */
    uint64_t sends;    /* HTTP attempts */
    uint64_t in_flight; /* live, during a run: orders sent (or waiting to retry) without a result yet */
    uint64_t resent;   /* libcurl resent on its own */
    int64_t wall_ns;
    int64_t first_send_ns, last_send_ns;
    int64_t last_done_ns; /* the last answer: first_send..last_done is the batch's span */
    salvo_hist_t latency; /* us */
    int input_error;   /* errno of a failed read, or 0 */
    uint64_t valid;    /* valid orders read (check mode), or admitted to be sent */
    double notional;   /* their LIMIT price x quantity, summed when max_notional is set */
    uint64_t lookups;  /* --reconcile-url requests */
    uint64_t reconciled;
    uint64_t held;     /* --resume: sent earlier, no outcome, not sent again */
    uint64_t done_earlier; /* --resume: skipped, the journal has their outcome (a cap's skips are not) */
    uint64_t resent_unknown; /* --resume --resend-unknown: sent again */
    uint64_t batches;        /* --batch: requests that carried several orders */
    uint64_t batched;        /* ... and the order attempts (sends) they carried */
    uint64_t worker_restarts; /* --exec: workers started again after one went down */
    uint64_t workers_given_up; /* --exec: workers not started again (8 starts in a row answered nothing) */
    int stop_reason;   /* enum salvo_stop_reason */
    int journal_error; /* negative errno of a failed journal write or fsync */
    int invariant_broken; /* results != orders read: a bug; the caller must say so */
    /* The input was not read to its end: a stream when the run stopped early
     * (a regular file's rest is read and reported not sent, unless a
     * SALVO_STOP_NOW cut that short). Rows after input_line have no result. */
    int input_unread;
    uint64_t input_line; /* the input line the last row read began on */
    /* market open (start_at_unix_us) */
    int64_t fired_unix_us;     /* when the engine let the first order go */
    int64_t first_send_unix_us;
    int64_t burst_spread_ns;   /* first send to the concurrency-th */
    uint64_t reused;           /* orders that went out on a connection open before */
    uint64_t warmed, warm_failed; /* warm-up requests answered / failed or abandoned at start_at */
    long broker_offset_ms;     /* broker's Date minus ours at warm-up (1 s resolution); 0: unknown */
    int broker_offset_known;
    /* --timings: each phase of the first attempts, us from the transfer's start */
    salvo_hist_t dns, connect, tls, ttfb;
    char setup_error[256];
};

/* Requests sent: sends count each order a batch carried, this the batch once. */
static inline uint64_t salvo_stats_requests(const salvo_stats_t *st) { return st->sends - st->batched + st->batches; }

#endif
