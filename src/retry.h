/* What a transfer's outcome means, and whether another attempt is safe. */
#ifndef SALVO_RETRY_H
#define SALVO_RETRY_H

#include <stdint.h>

enum salvo_retry {
    SALVO_RETRY_NO,        /* final */
    SALVO_RETRY_SAFE,      /* the broker provably did not act: DNS, connect, 429, 503 */
    SALVO_RETRY_AMBIGUOUS, /* the broker may have acted: only with --retry-ambiguous */
};

typedef struct salvo_outcome {
    int status; /* enum salvo_status */
    int retry;  /* enum salvo_retry */
} salvo_outcome_t;

/* curl_code: the transfer's CURLcode; http: response code (0 if none);
 * connected: a connection was made (so the request may have gone out);
 * resent: libcurl sent the request more than once on its own. */
salvo_outcome_t salvo_classify(int curl_code, long http, int connected, int resent);

/* Full-jitter exponential backoff: uniform in [0, min(cap, base * 2^(attempt-1))].
 * rnd is a uniform draw in [0, 1). */
int64_t salvo_backoff_ns(unsigned attempt, int64_t base_ns, int64_t cap_ns, double rnd);

/* The longest Retry-After honoured: anything later is clamped to it. */
#define SALVO_RETRY_AFTER_MAX_S (365LL * 24 * 3600)

/* Retry-After as seconds or an HTTP date, relative to now (Unix seconds):
 * ns to wait, at most SALVO_RETRY_AFTER_MAX_S seconds' worth, or -1 when
 * unparseable or negative. */
int64_t salvo_parse_retry_after(const char *value, int64_t now_unix);

#endif
