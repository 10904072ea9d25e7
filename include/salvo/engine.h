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
 * signals: the caller watches those and calls salvo_engine_stop(). */
#ifndef SALVO_ENGINE_H
#define SALVO_ENGINE_H

#include "salvo/extern.h"

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "salvo/body.h"
#include "salvo/hist.h"
#include "salvo/journal.h"
#include "salvo/order.h"
#include "salvo/profile.h"
#include "salvo/result.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct salvo_config {
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
    int64_t start_at_ns;            /* uv_hrtime() value to fire at; 0: at once */
    int64_t at_unix_us;             /* the same moment in Unix time, for offsets; 0: none */
    unsigned warm;                  /* connections to open before start_at (0: none) */
    const char *warm_url;           /* what a warm-up GETs (a harmless URL of the broker's) */
    int timings;                    /* results carry dns/connect/tls/ttfb times */

    /* order safety */
    salvo_journal_t *journal;       /* borrowed; NULL: none */
    const salvo_jindex_t *resume;   /* what an earlier run did; NULL: a fresh run */
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
} salvo_config_t;

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

typedef struct salvo_stats {
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
    /* market open (start_at_ns) */
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
} salvo_stats_t;

typedef struct salvo_callbacks {
    /* One call per order read, in completion order. r and what it points
     * to are valid during the call only. */
    void (*on_result)(void *ud, const salvo_result_t *r);
    /* Check mode only (optional): each valid order, as it is read. */
    void (*on_valid)(void *ud, const salvo_order_t *o);
    /* The run is over: every result has been delivered and the engine's
     * handles are idle. Called once; the engine may be freed from here. */
    void (*on_done)(void *ud, const salvo_stats_t *st);
    /* Optional: libcurl's debug stream (kind is a curl_infotype), for a
     * wire trace. Header values may be secrets: see salvo/secret.h. */
    void (*on_wire)(void *ud, unsigned slot, const char *id, int kind, const char *data, size_t len);
    /* Optional, exec_argv runs: a line a worker (1-based) wrote to its
     * stderr (kind SALVO_WORKER_STDERR, without its newline), or what salvo
     * saw of it (SALVO_WORKER_NOTE: died, restarted, ...). Workers are reaped
     * after on_done, so their last lines may come then, until the loop has
     * closed the engine's handles (salvo_engine_free, then uv_run). */
    void (*on_worker_log)(void *ud, unsigned worker, int kind, const char *line, size_t len);
} salvo_callbacks_t;

enum salvo_worker_log { SALVO_WORKER_STDERR, SALVO_WORKER_NOTE };

typedef struct salvo_engine salvo_engine_t;

/* A configuration with salvo's defaults, the salvo command's own: POST,
 * 30 s a request and 5 s to connect, concurrency 32, burst 1, no rate
 * limit, 2 retries backing off from 100 ms to 5 s, an Idempotency-Key
 * header, stop after 5 orders in a row fail the same fatal way, CSV on
 * stdin (fd 0) with ',' and a header line. The caller then sets at least
 * url (or exec_argv) and body. */
SALVO_EXTERN void salvo_config_init(salvo_config_t *c);

/* 0, -EINVAL (a configuration that cannot work), -ENOMEM, or a libuv/libcurl
 * setup error as a negative errno. cfg and what it points to are borrowed
 * for the engine's life. */
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

SALVO_EXTERN const salvo_stats_t *salvo_engine_stats(const salvo_engine_t *e);

/* Close the engine's handles; its memory goes when the loop has run their
 * close callbacks (uv_run once more). Call after on_done, or to abandon a
 * run (results not yet delivered are then lost). */
SALVO_EXTERN void salvo_engine_free(salvo_engine_t *e);

/* HTTP/2 streams per connection when cfg->h2_streams is 0, decided by the
 * libcurl in use (curl_version_info): 100 on libcurl 8 or newer, 1 on
 * libcurl 7, whose HTTP/2 loses answers on shared connections. With a
 * warm-up (start_at_ns, warm), at most concurrency / warm, rounded up. */
SALVO_EXTERN unsigned salvo_h2_streams_default(void);

/* Convenience: run cfg on a private loop until done. stats filled. */
SALVO_EXTERN int salvo_run(const salvo_config_t *cfg, const salvo_callbacks_t *cb, void *ud, salvo_stats_t *stats);

#ifdef __cplusplus
}
#endif

#endif
