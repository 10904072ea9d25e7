/* The engine: orders in, one result each out, on a libuv loop the caller
 * owns.
 *
 *   salvo_engine_new(&e, loop, &cfg, &callbacks, ud)   nothing happens yet
 *   salvo_engine_start(e)                               reading and sending begin
 *   uv_run(loop, UV_RUN_DEFAULT)                        on_result per order, then on_done
 *   salvo_engine_free(e)                                closes its handles; run the loop
 *                                                       once more to let them close
 *
 * The engine reads rows from cfg->input_fd as they arrive, validates and
 * renders each, sends it when the concurrency cap and every rate limiter
 * allow, and reports every order it read exactly once through on_result,
 * whatever happens: an answer, a stop, an error. Memory is bounded by the
 * concurrency, not the input size. It prints nothing and handles no
 * signals: the caller watches those and calls salvo_engine_stop().
 *
 * libcurl: the engine calls curl_global_init() itself, once per engine
 * (libcurl counts the calls; salvo_engine_free's memory release calls
 * curl_global_cleanup() to match), so a caller need not; one that uses
 * libcurl itself may call it too, as libcurl's own rules say.
 *
 * Time, in the whole API: a moment is Unix time in microseconds
 * (start_at_unix_us, salvo_result_t.sent_at_us, SALVO_STAT_*_UNIX_US), a
 * duration is nanoseconds (timeout_ns, backoff_ns), and a stats time
 * without _UNIX is nanoseconds since salvo_engine_start().
 *
 * ABI: salvo_config_t grows. salvo_config_init() is a macro that passes
 * the size of the salvo_config_t the caller was compiled with; the library
 * reads only the fields that size holds and gives the rest their defaults,
 * so a program built against an older header runs on a newer library. The
 * rule that makes this work: fields are only ever appended, never
 * removed, moved or resized. Always start from salvo_config_init(). Stats
 * are opaque, read through accessors; results are the library's, read
 * through the callback's pointer (appended to, never copied by size). */
#ifndef SALVO_ENGINE_H
#define SALVO_ENGINE_H

#include "salvo/extern.h"

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "salvo/body.h"
#include "salvo/journal.h"
#include "salvo/profile.h"
#include "salvo/result.h"

#ifdef __cplusplus
extern "C" {
#endif

/* salvo_config_t.format */
enum salvo_format { SALVO_FORMAT_CSV, SALVO_FORMAT_JSONL };

typedef struct salvo_config {
    size_t size;                    /* sizeof the caller's salvo_config_t: set by salvo_config_init() */
    /* request */
    const char *url;
    const char *method;             /* default POST */
    const char *const *headers;     /* "Name: value" */
    size_t nheaders;
    const char *auth_header;        /* "Authorization: Bearer KEY": a secret, never shown */
    const char *idempotency_header; /* NULL: none */
    int64_t timeout_ns, connect_timeout_ns;
    int no_reuse, insecure, http2;
    unsigned h2_streams;            /* HTTP/2 streams per connection; 0: salvo_h2_streams_default(),
                                     * and with a warm-up at most concurrency / warm */
    const char *cacert;
    /* A broker profile (salvo/profile.h), borrowed: each attempt is built
     * and signed from it at send time, and its rules read the answers.
     * url and method still say where to send; body must be built from the
     * profile's body template (salvo_body_set_encoding, salvo_body_set_url). */
    const salvo_profile_t *profile;

    /* pacing */
    double rate;         /* per second; 0 = unlimited */
    uint32_t burst;
    uint32_t window_n;   /* 0 = no window */
    int64_t window_ns;
    uint32_t concurrency;

    /* retries */
    unsigned retries;
    int retry_ambiguous;
    int64_t backoff_ns, max_backoff_ns;
    uint64_t seed;

    /* input */
    int input_fd;        /* read, never closed */
    int format;          /* enum salvo_format */
    char delim;
    int no_header;
    salvo_order_defaults_t defaults;
    salvo_body_t *body;  /* borrowed */

    /* what to do with each order */
    int dry_run;         /* send nothing; each result carries the request it would send */
    int check_only;      /* validate and count every row; send nothing, report only invalid rows */
    const char *const *redact; /* more secret header names, for the dry run */
    size_t nredact;

    /* market open: nothing is sent before start_at, the connections are
     * warm by then */
    int64_t start_at_unix_us;       /* Unix time, us, to fire at (read by the system clock at
                                       salvo_engine_start, then kept on the monotonic clock);
                                       0: at once. Past: at once, results still carry their
                                       at_offset_ms from it */
    unsigned warm;                  /* connections to open before start_at (0: none) */
    const char *warm_url;           /* what a warm-up GETs (a harmless URL of the broker's) */
    int timings;                    /* results carry dns/connect/tls/ttfb times */

    /* order safety */
    salvo_journal_t *journal;       /* borrowed; NULL: none */
    const salvo_jindex_t *resume;   /* what an earlier run did; NULL: a fresh run. For a
                                       cancel or status run (op): the journal of the send whose
                                       orders are read: only those it may have placed (accepted,
                                       sent, unknown) are asked about, the rest are skipped */
    int resend_unknown;             /* send again what may already be at the broker */
    const char *reconcile_url;      /* "http://h/orders/{{client_order_id}}": look up unknowns */
    const char *reconcile_pointer;  /* JSON pointer to the client order id in the lookup's answer;
                                       NULL: "/client_order_id". Found = it names the order. */
    unsigned give_up_after;         /* stop after this many orders in a row fail the same fatal way
                                       (401/403, TLS verification, connection refused); 0: never */
    uint64_t max_orders;            /* 0: no cap; else stop dispatching past it */
    double max_notional;            /* 0: no cap; sum of price x quantity of LIMIT orders */

    /* SDK-only brokers: instead of HTTP, each order goes as one JSON line
     * to one of `workers` long-lived worker processes (docs/exec-protocol.md).
     * url is then unused; timeout_ns bounds each answer. */
    const char *const *exec_argv;   /* NULL-terminated argv of a worker; NULL: HTTP */
    unsigned workers;               /* worker processes (concurrency must not exceed it) */
    int64_t exec_start_timeout_ns;  /* a worker's handshake; 0: 30 s */
    int exec_lookup;                /* look up unknown orders through the workers ("lookup" lines) */
    /* Pacing per value of some columns (--rate-per symbol=60/2s): besides
     * the limits above, at most rate_per_n orders with the same value of
     * those columns (the validated value: "BUY", not "buy") in any trailing
     * rate_per_ns, each value a sliding window of its own, counted as
     * --window counts (a slot is held until PERIOD after the answer). A
     * held value does not hold the others back: the next order that may go
     * is taken from the first SALVO_RATE_PER_LOOKAHEAD waiting. */
    unsigned rate_per_cols;         /* (1u << SALVO_COL_SYMBOL) | (1u << SALVO_COL_SIDE) | ...
                                       (symbol, side, type); 0: none */
    uint32_t rate_per_n;            /* 0: none */
    int64_t rate_per_ns;
    uint32_t rate_per_values;       /* values kept at once; 0: salvo_rate_per_values_default(n).
                                       At the cap a new value waits for the least recently
                                       used one to be idle (past its PERIOD) */
    /* enum salvo_op (salvo/result.h): SALVO_OP_SEND, or cancel (SALVO_OP_CANCEL)
     * or look up (SALVO_OP_STATUS) each order read, with a profile made by
     * salvo_profile_parse_op() (or a url naming {{client_order_id}}). Such a
     * run retries what got no definite answer (the request is idempotent),
     * never reports a 404 as a fatal endpoint error, and answers with the
     * op's statuses */
    int op;
    /* Batches (a profile with a "batch" request): up to `batch` orders in
     * one request to batch_url, each read from its own element of the
     * answer (docs/profiles.md, "Batches"). Orders that wait together are
     * grouped (those the profile's "group" columns allow); an order alone
     * goes as a single request. Concurrency counts requests; the rate
     * limits count requests, or orders when the profile says the broker
     * counts orders. Every order still gets its own journal line and
     * result: a batch that gets no answer leaves each of its orders
     * unknown, one the broker refuses whole each rejected, and only the
     * orders whose elements prove they were not placed are retried.
     * 0 or 1: no batches. */
    unsigned batch;
    const char *batch_url;          /* salvo_config_apply_profile sets it from the profile */
    /* new fields go here, at the end, and nowhere else (see the top) */
} salvo_config_t;

/* --rate-per: how many waiting orders are looked at for one whose value
 * may go, and the default count of values kept: 4096, fewer for an N over
 * 1024, so that the windows hold at most 4M slots (about 40 MB). */
#define SALVO_RATE_PER_LOOKAHEAD 256
SALVO_EXTERN uint32_t salvo_rate_per_values_default(uint32_t n);

/* Why the engine stopped sending before the input ended. */
enum salvo_stop_reason {
    SALVO_STOP_NONE,
    SALVO_STOP_MAX_ORDERS,
    SALVO_STOP_MAX_NOTIONAL,
    SALVO_STOP_JOURNAL,  /* the journal could not be written */
    SALVO_STOP_INPUT,    /* the input could not be read */
    SALVO_STOP_CALLER,   /* salvo_engine_stop() */
    SALVO_STOP_SETUP,    /* the input contradicts the configuration (see stats.setup_error) */
    SALVO_STOP_HOPELESS, /* orders kept failing the same fatal way (give_up_after) */
};

/* A run's numbers (opaque): on_done hands them over, salvo_engine_stats()
 * reads them live. Read them with the accessors below. */
typedef struct salvo_stats salvo_stats_t;

/* salvo_stats_get()'s numbers. Counts unless named otherwise. */
enum salvo_stat {
    SALVO_STAT_ORDERS,          /* rows read: each has had exactly one result */
    SALVO_STAT_SENDS,           /* attempts (HTTP requests, or worker lines; an order a batch carried: one each) */
    SALVO_STAT_IN_FLIGHT,       /* live: orders sent (or waiting to retry) without a result yet */
    SALVO_STAT_RESENT,          /* libcurl resent on its own */
    SALVO_STAT_VALID,           /* valid orders read (check mode), or admitted to be sent */
    SALVO_STAT_LOOKUPS,         /* reconcile_url lookups */
    SALVO_STAT_RECONCILED,
    SALVO_STAT_HELD,            /* resume: sent earlier, no outcome, not sent again */
    SALVO_STAT_DONE_EARLIER,    /* resume: skipped, the journal has their outcome */
    SALVO_STAT_RESENT_UNKNOWN,  /* resume + resend_unknown: sent again */
    SALVO_STAT_WORKER_RESTARTS, /* exec: workers started again after one went down */
    SALVO_STAT_WORKERS_GIVEN_UP,
    SALVO_STAT_REUSED,          /* orders that went out on a connection open before */
    SALVO_STAT_WARMED,          /* warm-up requests answered */
    SALVO_STAT_WARM_FAILED,     /* ... failed, or abandoned at start_at */
    SALVO_STAT_INPUT_LINE,      /* the input line the last row read began on */
    SALVO_STAT_INPUT_UNREAD,    /* 1: the input was not read to its end (rows after INPUT_LINE have no result) */
    SALVO_STAT_STOP_REASON,     /* enum salvo_stop_reason */
    SALVO_STAT_INPUT_ERROR,     /* errno of a failed read, or 0 */
    SALVO_STAT_JOURNAL_ERROR,   /* negative errno of a failed journal write or fsync, or 0 */
    SALVO_STAT_INVARIANT_BROKEN, /* 1: results != orders read: a bug; the caller must say so */
    SALVO_STAT_WALL_NS,         /* the run's length */
    SALVO_STAT_FIRST_SEND_NS, SALVO_STAT_LAST_SEND_NS,
    SALVO_STAT_LAST_DONE_NS,    /* the last answer: FIRST_SEND..LAST_DONE is the batch's span */
    SALVO_STAT_BURST_SPREAD_NS, /* first send to the concurrency-th */
    SALVO_STAT_FIRED_UNIX_US,   /* when the engine let the first order go (start_at) */
    SALVO_STAT_FIRST_SEND_UNIX_US,
    SALVO_STAT_BROKER_OFFSET_MS, /* broker's Date minus ours at warm-up (1 s resolution) */
    SALVO_STAT_BROKER_OFFSET_KNOWN,
    SALVO_STAT_BATCHES,         /* --batch: requests that carried several orders */
    SALVO_STAT_REQUESTS,        /* requests sent: SENDS counts each order a batch carried, this the batch once */
    /* new ones are appended here */
};

/* One of enum salvo_stat; 0 for a number this library does not know (a
 * program built against a newer header). */
SALVO_EXTERN int64_t salvo_stats_get(const salvo_stats_t *st, int what);
/* Results by status (enum salvo_status): they sum to SALVO_STAT_ORDERS. */
SALVO_EXTERN uint64_t salvo_stats_count(const salvo_stats_t *st, int status);
/* LIMIT orders' price x quantity, summed when max_notional is set. */
SALVO_EXTERN double salvo_stats_notional(const salvo_stats_t *st);
/* Why the input contradicts the configuration (SALVO_STOP_SETUP), or "". */
SALVO_EXTERN const char *salvo_stats_setup_error(const salvo_stats_t *st);

/* The timings kept as histograms: latency of each order's last attempt,
 * and (with timings) each phase of the first attempts, from the
 * transfer's start. */
enum salvo_timing { SALVO_TIMING_LATENCY, SALVO_TIMING_DNS, SALVO_TIMING_CONNECT, SALVO_TIMING_TLS, SALVO_TIMING_TTFB };
/* How many were timed. */
SALVO_EXTERN uint64_t salvo_stats_timed(const salvo_stats_t *st, int timing);
/* The value at percentile p (0..100) in ms: exact min and max at the ends,
 * within about 3% between. 0 when none was timed. */
SALVO_EXTERN double salvo_stats_percentile_ms(const salvo_stats_t *st, int timing, double p);
/* The mean, in ms; 0 when none was timed. */
SALVO_EXTERN double salvo_stats_mean_ms(const salvo_stats_t *st, int timing);

typedef struct salvo_callbacks {
    /* One call per order read, in completion order. r and what it points
     * to are valid during the call only. */
    void (*on_result)(void *ud, const salvo_result_t *r);
    /* Check mode only (optional): each valid order, as it is read. */
    void (*on_valid)(void *ud, const salvo_order_t *o);
    /* The run is over: every result has been delivered and the engine's
     * handles are idle. Called once; the engine may be freed from here. */
    void (*on_done)(void *ud, const salvo_stats_t *st);
    /* Optional: the transport's debug stream (kind: enum salvo_wire_kind), for a
     * wire trace. Header values and bodies may hold secrets. */
    void (*on_wire)(void *ud, unsigned slot, const char *id, int kind, const char *data, size_t len);
    /* Optional, exec_argv runs: a line a worker (1-based) wrote to its
     * stderr (kind SALVO_WORKER_STDERR, without its newline), or what salvo
     * saw of it (SALVO_WORKER_NOTE: died, restarted, ...). Workers are reaped
     * after on_done, so their last lines may come then, until the loop has
     * closed the engine's handles (salvo_engine_free, then uv_run). */
    void (*on_worker_log)(void *ud, unsigned worker, int kind, const char *line, size_t len);
} salvo_callbacks_t;

enum salvo_worker_log { SALVO_WORKER_STDERR, SALVO_WORKER_NOTE };

/* on_wire's kind: what the bytes are. */
enum salvo_wire_kind {
    SALVO_WIRE_TEXT,       /* the transport's own notes */
    SALVO_WIRE_HEADER_IN,  /* response headers */
    SALVO_WIRE_HEADER_OUT, /* request headers */
    SALVO_WIRE_DATA_IN,    /* response body */
    SALVO_WIRE_DATA_OUT,   /* request body */
    SALVO_WIRE_TLS_IN,     /* TLS records, as they are */
    SALVO_WIRE_TLS_OUT,
};

typedef struct salvo_engine salvo_engine_t;

/* A configuration with salvo's defaults, the salvo command's own: POST,
 * 30 s a request and 5 s to connect, concurrency 32, burst 1, no rate
 * limit, 2 retries backing off from 100 ms to 5 s, an Idempotency-Key
 * header, stop after 5 orders in a row fail the same fatal way, CSV on
 * stdin (fd 0) with ',' and a header line; c->size set. The caller then
 * sets at least url (or exec_argv) and body, or applies a profile
 * (salvo_config_apply_profile). */
#define salvo_config_init(c) salvo_config_init_size((c), sizeof(salvo_config_t))
/* What the macro calls: size is the caller's sizeof(salvo_config_t); c is
 * zeroed to that size and the fields this library knows get defaults. */
SALVO_EXTERN void salvo_config_init_size(salvo_config_t *c, size_t size);

/* 0, -EINVAL (a configuration that cannot work, or one not made by
 * salvo_config_init), -ENOTSUP (a field this library does not know is set:
 * the program was built against a newer salvo), -ENOMEM, or a
 * libuv/libcurl setup error as a negative errno. The engine keeps a copy
 * of *cfg; what it points to is borrowed for the engine's life. */
SALVO_EXTERN int salvo_engine_new(salvo_engine_t **out, uv_loop_t *loop, const salvo_config_t *cfg,
                     const salvo_callbacks_t *cb, void *ud);

/* Start reading and sending. 0 or a negative errno. */
SALVO_EXTERN int salvo_engine_start(salvo_engine_t *e);

enum salvo_stop_mode {
    SALVO_STOP_DRAIN, /* no new sends; orders in flight finish */
    SALVO_STOP_NOW,   /* and orders in flight are reported unknown at once */
};

/* Stop: every order read and not yet sent gets a not_sent result saying
 * `why` (copied), and so does every later row of a regular file input,
 * read on the loop (in slices) sending nothing; a stream is not read on
 * (stats.input_unread). Orders waiting to retry are reported with what their
 * attempts showed. Safe to call at any time, more than once (NOW after
 * DRAIN cuts the drain short). */
SALVO_EXTERN void salvo_engine_stop(salvo_engine_t *e, int mode, const char *why);

/* Backpressure from the caller (its output is backing up): while held, no
 * new order is started; answers already on the wire are still taken. */
SALVO_EXTERN void salvo_engine_hold(salvo_engine_t *e, int hold);

/* The run's numbers so far (the same on_done hands over), valid until the
 * engine's memory goes. */
SALVO_EXTERN const salvo_stats_t *salvo_engine_stats(const salvo_engine_t *e);

/* Close the engine's handles; its memory goes when the loop has run their
 * close callbacks (uv_run once more). Call after on_done, or to abandon a
 * run (results not yet delivered are then lost). */
SALVO_EXTERN void salvo_engine_free(salvo_engine_t *e);

/* HTTP/2 streams per connection when cfg->h2_streams is 0, decided by the
 * libcurl in use (curl_version_info): 100 on libcurl 8 or newer, 1 on
 * libcurl 7, whose HTTP/2 loses answers on shared connections. With a
 * warm-up (start_at_unix_us, warm), at most concurrency / warm, rounded up. */
SALVO_EXTERN unsigned salvo_h2_streams_default(void);

/* Convenience: run cfg on a private loop until done; the stats come to
 * cb->on_done. 0, or what salvo_engine_new or salvo_engine_start said. */
SALVO_EXTERN int salvo_run(const salvo_config_t *cfg, const salvo_callbacks_t *cb, void *ud);

#ifdef __cplusplus
}
#endif

#endif
