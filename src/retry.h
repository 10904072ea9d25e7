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
 * may_have_left: the request may have gone out (bytes were written, or
 * the connection was reused); earlier_copy: a copy of this order may have
 * reached the broker before (libcurl resent it, an ambiguous earlier
 * attempt, an earlier run); refused: the server refused the stream
 * unprocessed (HTTP/2 REFUSED_STREAM).
 *
 * `failed` means provably not executed: the request never left, or the
 * server said so (503, 501, a refused stream). Anything else that is not a
 * definite answer is `unknown`. After an earlier copy, only "yes" and
 * "duplicate" are believed. */
salvo_outcome_t salvo_classify(int curl_code, long http, int may_have_left, int earlier_copy, int refused);

/* The CURLcode to classify a transfer by. On HTTP/2 a server may answer
 * before it has read the request body and then end the stream with
 * RST_STREAM(NO_ERROR); RFC 9113 8.1 says the client must not discard that
 * answer. libcurl 7.88 does: when the upload is still pending it fails the
 * transfer with CURLE_HTTP2_STREAM ("stream N closed"), or CURLE_PARTIAL_FILE
 * when a GOAWAY left nothing else on the connection, after it has delivered
 * the whole answer. When the answer is provably whole (HTTP/2, a final status,
 * a Content-Length and exactly that many body bytes), this returns CURLE_OK:
 * the status is the broker's word, as if the upload had finished first.
 * Anything else keeps curl_code. http_version: CURLINFO_HTTP_VERSION;
 * content_length: CURLINFO_CONTENT_LENGTH_DOWNLOAD_T (-1 if none);
 * received: CURLINFO_SIZE_DOWNLOAD_T. */
int salvo_effective_code(int curl_code, long http_version, long http, int64_t content_length, int64_t received);

/* Full-jitter exponential backoff: uniform in [0, min(cap, base * 2^(attempt-1))].
 * rnd is a uniform draw in [0, 1). */
int64_t salvo_backoff_ns(unsigned attempt, int64_t base_ns, int64_t cap_ns, double rnd);

/* The longest Retry-After honoured: anything later is clamped to it. */
#define SALVO_RETRY_AFTER_MAX_S (365LL * 24 * 3600)

/* Retry-After as seconds or an HTTP date, relative to now (Unix seconds):
 * ns to wait, at most SALVO_RETRY_AFTER_MAX_S seconds' worth, or -1 when
 * unparseable or negative. */
int64_t salvo_parse_retry_after(const char *value, int64_t now_unix);

/* A Retry-After of secs seconds as ns, at most cap_ns (>= 0); -1 when
 * secs < 0 (none). Clamped before multiplying: a broker's 99999999999 s
 * must not overflow int64. */
int64_t salvo_retry_after_ns(int64_t secs, int64_t cap_ns);

/* A profile's rate_limit.reset value: an instant (epoch) or a delay, in
 * units of unit_s seconds (1, 1e-3); now_s: Unix seconds. ns to wait,
 * clamped like Retry-After, 0 when passed, or -1 when it is no number. */
int64_t salvo_parse_rate_reset(const char *value, int epoch, double unit_s, double now_s);

#endif
