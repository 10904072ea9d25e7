/* The outcome of one order, and its NDJSON line. */
#ifndef SALVO_RESULT_H
#define SALVO_RESULT_H

#include "salvo/extern.h"

#include <stdint.h>

#include "salvo/jbuf.h"
#include "salvo/order.h"

#ifdef __cplusplus
extern "C" {
#endif

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
    SALVO_STATUS_COUNT
};

SALVO_EXTERN const char *salvo_status_name(int status);

#define SALVO_MAX_ATTEMPTS 16
#define SALVO_RESPONSE_MAX 4096

typedef struct salvo_attempt {
    int http_status; /* 0 when none */
    int curl_code;   /* CURLcode, 0 when OK */
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
    long http_version;    /* CURL_HTTP_VERSION_* of the last attempt, 0 when none */
    int has_at;           /* at_offset_ms is set (a run with a start time) */
    double at_offset_ms;  /* first send, relative to the start time */
    int reused;           /* 1 reused a connection, 0 opened one, -1 unknown */
    int has_timings;
    double dns_ms, connect_ms, tls_ms, ttfb_ms; /* of the last attempt, from its start */
    const char *request;  /* --dry-run: the request as a JSON object */
    const char *order_id; /* the broker's order id (a profile's result.order_id), NULL when none */
    const char *headers;  /* a profile's captured response headers, a JSON object; NULL when none */
    unsigned worker;      /* exec runs: the worker (1-based) of the last attempt; 0: none */
    const char *run;      /* the caller's run id, written as "run" when set (the engine leaves it NULL) */
} salvo_result_t;

/* Append the result as one JSON line ending in '\n'. A response that is
 * JSON is embedded as JSON, else as a string. */
SALVO_EXTERN void salvo_result_write(salvo_jbuf_t *out, const salvo_result_t *r);

/* "2026-11-24T08:30:00.123456Z" */
SALVO_EXTERN void salvo_format_rfc3339_us(int64_t unix_us, char out[32]);

#ifdef __cplusplus
}
#endif

#endif
