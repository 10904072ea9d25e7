/* Orders and their outcomes: what a result callback is handed, and its
 * NDJSON line.
 *
 * A salvo_result_t is the library's: it is handed to on_result and read
 * there, never allocated or copied by size by the caller, so a later
 * version may append fields to it. The order it is about is opaque: read it
 * through salvo_order_field() and its neighbours. */
#ifndef SALVO_RESULT_H
#define SALVO_RESULT_H

#include "salvo/extern.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* One input row made an order (valid or not): opaque outside the library. */
typedef struct salvo_order salvo_order_t;

/* The canonical columns, in the order salvo_order_field() takes them. */
enum salvo_col {
    SALVO_COL_SYMBOL,
    SALVO_COL_PRICE,
    SALVO_COL_QUANTITY,
    SALVO_COL_SIDE,
    SALVO_COL_TYPE,
    SALVO_COL_CLIENT_ORDER_ID,
    SALVO_COL_CANONICAL /* number of canonical columns */
};

/* A canonical column's validated value ("BUY", "590", the client order id
 * given or made), "" when the row had none, NULL for a col out of range. */
SALVO_EXTERN const char *salvo_order_field(const salvo_order_t *o, int col);
/* 1-based among data rows (invalid ones counted); the input line it began on. */
SALVO_EXTERN uint64_t salvo_order_seq(const salvo_order_t *o);
SALVO_EXTERN uint64_t salvo_order_line(const salvo_order_t *o);

/* What fills a column the input lacks (salvo_config_t.defaults). NULL:
 * nothing (a row without it is invalid, except type, which defaults to
 * LIMIT). */
typedef struct salvo_order_defaults {
    const char *quantity, *side, *type;
    const char *id_prefix; /* ids made for orders without one are PREFIX-HASH */
    int decimal_quantity;  /* quantity may be a positive decimal (crypto: 0.001), not only an integer */
} salvo_order_defaults_t;

/* What became of an order. Each order read gets exactly one. */
enum salvo_status {
    SALVO_ACCEPTED,  /* the broker took it (2xx) */
    SALVO_DUPLICATE, /* the broker already holds this client order id: delivered earlier */
    SALVO_REJECTED,  /* the broker said no (4xx, a 3xx never followed); not after an earlier copy */
    SALVO_FAILED,    /* provably not executed: never left, or 503/501/refused stream */
    SALVO_UNKNOWN,   /* may be at the broker: no definite answer */
    SALVO_NOT_SENT,  /* read, never sent: the run stopped first (the error says why) */
    SALVO_SKIPPED,   /* not sent: --resume found its outcome, or a --max-* cap */
    SALVO_INVALID,   /* a bad row, never sent */
    SALVO_DRY_RUN,
    /* a cancel run (SALVO_OP_CANCEL) */
    SALVO_CANCELLED,      /* the broker took the cancel (status runs: the order is cancelled or expired) */
    SALVO_ALREADY_CLOSED, /* nothing to cancel: the order was already filled or cancelled */
    SALVO_NOT_FOUND,      /* the broker has no order with this id */
    /* a status run (SALVO_OP_STATUS): the order's state at the broker now */
    SALVO_OPEN,
    SALVO_PARTIALLY_FILLED,
    SALVO_FILLED,
    SALVO_STATUS_COUNT
};

/* What a run does with each order (salvo_config_t.op): send it, cancel it,
 * or read its state. A cancel or status run reads the orders of an earlier
 * run and answers with the statuses above; REJECTED then means the broker
 * refused the cancel (cancel) or rejected the order (status), UNKNOWN that
 * no definite answer came. */
enum salvo_op { SALVO_OP_SEND, SALVO_OP_CANCEL, SALVO_OP_STATUS };
SALVO_EXTERN const char *salvo_op_name(int op); /* "send", "cancel", "status" */

SALVO_EXTERN const char *salvo_status_name(int status);

/* salvo_result_t.http_version */
enum salvo_http_version { SALVO_HTTP_1_0 = 10, SALVO_HTTP_1_1 = 11, SALVO_HTTP_2 = 20, SALVO_HTTP_3 = 30 };

#define SALVO_MAX_ATTEMPTS 16
#define SALVO_RESPONSE_MAX 4096

typedef struct salvo_attempt {
    int http_status; /* 0 when none */
    int curl_code;   /* the transport's error number (libcurl's), for diagnostics; 0 when OK;
                      * error says it in words */
    const char *word; /* a worker's attempt (exec runs): "accepted", "timeout", ...; NULL: HTTP */
} salvo_attempt_t;

typedef struct salvo_result {
    const salvo_order_t *order;
    int status;
    int http_status;
    unsigned attempts;
    salvo_attempt_t attempt[SALVO_MAX_ATTEMPTS];
    double latency_ms, queued_ms; /* latency_ms < 0: the last attempt had no answer to time (the run stopped
                                   * without waiting for it) */
    int64_t sent_at_us; /* Unix time, 0 when never sent */
    const char *response; /* broker's body, NULL when none */
    size_t response_len;
    int response_truncated; /* the body was longer than SALVO_RESPONSE_MAX */
    const char *error;    /* libcurl's or salvo's message */
    const char *location; /* 3xx Location */
    int transport_resent; /* libcurl resent the request on its own */
    int reconciled;
    const char *previous; /* --resume: the earlier outcome */
    long http_version;    /* SALVO_HTTP_* of the last attempt (major * 10 + minor), 0 when none */
    int has_at;           /* at_offset_ms is set (a run with a start time) */
    double at_offset_ms;  /* first send, relative to the start time */
    int reused;           /* 1 reused a connection, 0 opened one, -1 unknown */
    int has_timings;
    double dns_ms, connect_ms, tls_ms, ttfb_ms; /* of the last attempt, from its start */
    const char *request;  /* --dry-run: the request as a JSON object */
    const char *order_id; /* the broker's order id (a profile's result.order_id), NULL when none */
    const char *headers;  /* a profile's captured response headers, a JSON object; NULL when none */
    unsigned worker;      /* exec runs: the worker (1-based) of the last attempt; 0: none */
    int op;               /* enum salvo_op of the run */
    const char *filled;   /* a status run: the quantity filled, as the broker wrote it; NULL when none */
    unsigned batch_size;  /* --batch: the last attempt went in a request of this many orders (0: alone) */
    unsigned batch_index; /* ... this order the (0-based) batch_index-th of them */
} salvo_result_t;

/* The result as one JSON line ending in '\n' (the salvo command's output
 * line; a response that is JSON is embedded as JSON, else as a string),
 * into out[0..cap), always NUL-terminated when cap > 0. Returns the whole
 * line's length as snprintf does (call again with more room when it is
 * >= cap), or -1 when out of memory. */
SALVO_EXTERN long salvo_result_format(const salvo_result_t *r, char *out, size_t cap);

/* "2026-11-24T08:30:00.123456Z" */
SALVO_EXTERN void salvo_format_rfc3339_us(int64_t unix_us, char out[32]);

#ifdef __cplusplus
}
#endif

#endif
