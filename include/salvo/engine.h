/* The engine: one libuv loop driving libcurl's multi_socket API.
 *
 * salvo_run() reads rows from cfg->input_fd as they arrive, validates and
 * renders each, sends it when the concurrency cap and every rate limiter
 * allow, and writes one NDJSON result per order to cfg->output_fd as it
 * completes. Memory is bounded by the concurrency, not the input size. */
#ifndef SALVO_ENGINE_H
#define SALVO_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "salvo/body.h"
#include "salvo/hist.h"
#include "salvo/journal.h"
#include "salvo/order.h"
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
    const char *auth_header;        /* "Authorization: Bearer KEY": a secret, never printed */
    const char *idempotency_header; /* NULL: none */
    int64_t timeout_ns, connect_timeout_ns;
    int no_reuse, insecure, http2;
    const char *cacert;

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
    int input_fd;
    int format;          /* enum salvo_format */
    char delim;
    int no_header;
    salvo_order_defaults_t defaults;
    salvo_body_t *body;  /* borrowed */

    /* output */
    int output_fd;
    int dry_run;
    int64_t drain_timeout_ns;
    const char *const *redact; /* more header names whose values are secret */
    size_t nredact;
    /* libcurl's debug stream (kind is a curl_infotype), for a wire trace;
     * NULL: none. Header values may be secrets: see salvo/secret.h. */
    void (*on_wire)(void *ud, unsigned slot, const char *id, int kind, const char *data, size_t len);
    void *wire_ud;

    /* order safety */
    salvo_journal_t *journal;       /* borrowed; NULL: none */
    const salvo_jindex_t *resume;   /* what an earlier run did; NULL: a fresh run */
    int resend_unknown;             /* send again what may already be at the broker */
    const char *reconcile_url;      /* "http://h/orders/{{client_order_id}}": look up unknowns */
    uint64_t max_orders;            /* 0: no cap; else stop dispatching past it */
    double max_notional;            /* 0: no cap; sum of price x quantity of LIMIT orders */

    /* check mode: validate and count every row, send and print nothing;
     * each invalid row goes to on_invalid. */
    int check_only;
    void (*on_invalid)(void *ud, const salvo_order_t *o);
    void *ud;
} salvo_config_t;

enum salvo_stop_reason { SALVO_STOP_NONE, SALVO_STOP_MAX_ORDERS, SALVO_STOP_MAX_NOTIONAL, SALVO_STOP_JOURNAL };

typedef struct salvo_stats {
    uint64_t count[SALVO_STATUS_COUNT];
    uint64_t orders;   /* rows read */
    uint64_t sends;    /* HTTP attempts */
    uint64_t not_sent; /* read but never sent: the run was stopped */
    uint64_t resent;   /* libcurl resent on its own */
    int64_t wall_ns;
    int64_t first_send_ns, last_send_ns;
    int64_t last_done_ns; /* the last answer: first_send..last_done is the batch's span */
    salvo_hist_t latency; /* us */
    int signal;        /* the signal that stopped the run, or 0 */
    int output_error;  /* errno of a failed write, or 0 */
    int input_error;   /* errno of a failed read, or 0 */
    uint64_t valid;    /* valid orders read */
    double notional;   /* their LIMIT price x quantity */
    uint64_t lookups;  /* --reconcile-url requests */
    uint64_t reconciled;
    uint64_t held;     /* --resume: sent earlier, no outcome, not sent again */
    uint64_t resent_unknown; /* --resume --resend-unknown: sent again */
    int stop_reason;   /* enum salvo_stop_reason */
    int journal_error; /* negative errno of a failed journal write or fsync */
} salvo_stats_t;

/* Run to the end of input (or a signal). 0 when the run happened (look at
 * stats for outcomes); -EINVAL with err filled for a configuration the
 * input contradicts (a template column the header lacks); -ENOMEM. */
int salvo_run(const salvo_config_t *cfg, salvo_stats_t *stats, char *err, size_t errlen);

/* Print the human summary (stderr) and, when path is set, the JSON one. */
void salvo_summary_print(const salvo_stats_t *s, int fd);
int salvo_summary_write_json(const salvo_stats_t *s, const char *path);

#ifdef __cplusplus
}
#endif

#endif
