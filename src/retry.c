#define _GNU_SOURCE /* strptime, timegm */
#include "retry.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "salvo/result.h"

static salvo_outcome_t classify_status(long http)
{
    if (http >= 200 && http < 300)
        return (salvo_outcome_t){SALVO_ACCEPTED, SALVO_RETRY_NO};
    if (http == 409) /* the broker holds this client order id already */
        return (salvo_outcome_t){SALVO_DUPLICATE, SALVO_RETRY_NO};
    if (http == 429)
        return (salvo_outcome_t){SALVO_REJECTED, SALVO_RETRY_SAFE};
    if (http == 503)
        return (salvo_outcome_t){SALVO_FAILED, SALVO_RETRY_SAFE};
    if (http == 501) /* the method is not implemented: nothing was done */
        return (salvo_outcome_t){SALVO_FAILED, SALVO_RETRY_NO};
    if (http == 500 || http == 502 || http == 504)
        return (salvo_outcome_t){SALVO_UNKNOWN, SALVO_RETRY_AMBIGUOUS};
    if (http >= 300 && http < 500)
        return (salvo_outcome_t){SALVO_REJECTED, SALVO_RETRY_NO}; /* 3xx: never followed */
    return (salvo_outcome_t){SALVO_UNKNOWN, SALVO_RETRY_NO}; /* other 5xx, 1xx as final: proves nothing */
}

/* A transfer error: did the request provably never leave? */
static salvo_outcome_t classify_error(int curl_code, long http, int may_have_left)
{
    switch (curl_code) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
        return (salvo_outcome_t){SALVO_FAILED, SALVO_RETRY_SAFE};
    default:
        break;
    }
    if (http > 0 || may_have_left) {
        /* A status line came, or bytes may have gone: the broker may have it. */
        switch (curl_code) {
        case CURLE_OPERATION_TIMEDOUT:
        case CURLE_SEND_ERROR:
        case CURLE_RECV_ERROR:
        case CURLE_GOT_NOTHING:
        case CURLE_PARTIAL_FILE:
        case CURLE_HTTP2:
        case CURLE_HTTP2_STREAM:
            return (salvo_outcome_t){SALVO_UNKNOWN, SALVO_RETRY_AMBIGUOUS};
        default:
            return (salvo_outcome_t){SALVO_UNKNOWN, SALVO_RETRY_NO};
        }
    }
    switch (curl_code) {
    case CURLE_OPERATION_TIMEDOUT: /* before the request could leave */
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
        return (salvo_outcome_t){SALVO_FAILED, SALVO_RETRY_SAFE};
    default: /* TLS, certificates, a malformed URL: retrying will not help */
        return (salvo_outcome_t){SALVO_FAILED, SALVO_RETRY_NO};
    }
}

salvo_outcome_t salvo_classify(int curl_code, long http, int may_have_left, int earlier_copy, int refused)
{
    if (refused) /* REFUSED_STREAM: the server says it never processed it */
        return (salvo_outcome_t){SALVO_FAILED, SALVO_RETRY_SAFE};
    salvo_outcome_t o = curl_code == CURLE_OK ? classify_status(http) : classify_error(curl_code, http, may_have_left);
    /* A "no" to this copy proves nothing about an earlier one. */
    if (earlier_copy && o.status != SALVO_ACCEPTED && o.status != SALVO_DUPLICATE)
        o.status = SALVO_UNKNOWN;
    return o;
}

int salvo_effective_code(int curl_code, long http_version, long http, int64_t content_length, int64_t received)
{
    if (curl_code != CURLE_HTTP2_STREAM && curl_code != CURLE_PARTIAL_FILE)
        return curl_code;
    /* Only HTTP/2 has a way to end a stream cleanly after an early answer;
     * an HTTP/1.1 partial body is a cut connection. */
    if (http_version != CURL_HTTP_VERSION_2_0 || http < 200)
        return curl_code;
    if (content_length < 0 || received != content_length)
        return curl_code;
    return CURLE_OK;
}

int64_t salvo_backoff_ns(unsigned attempt, int64_t base_ns, int64_t cap_ns, double rnd)
{
    double ceil_ns = (double)base_ns;
    for (unsigned i = 1; i < attempt && ceil_ns < (double)cap_ns; i++)
        ceil_ns *= 2;
    if (ceil_ns > (double)cap_ns)
        ceil_ns = (double)cap_ns;
    return (int64_t)(rnd * ceil_ns);
}

int64_t salvo_parse_retry_after(const char *v, int64_t now_unix)
{
    if (v == NULL)
        return -1;
    while (*v == ' ')
        v++;
    char *end;
    long secs = strtol(v, &end, 10);
    if (end != v && (*end == '\0' || *end == ' ' || *end == '\r')) {
        if (secs < 0)
            return -1;
        /* Clamp before multiplying: 99999999999 s in ns overflows int64. */
        return (secs < SALVO_RETRY_AFTER_MAX_S ? (int64_t)secs : SALVO_RETRY_AFTER_MAX_S) * 1000000000LL;
    }
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    if (strptime(v, "%a, %d %b %Y %H:%M:%S GMT", &tm) == NULL)
        return -1;
    int64_t at = (int64_t)timegm(&tm); /* years 0..9999: far from int64's ends */
    if (now_unix < at - SALVO_RETRY_AFTER_MAX_S)
        return SALVO_RETRY_AFTER_MAX_S * 1000000000LL; /* a date in 9999 */
    return at > now_unix ? (at - now_unix) * 1000000000LL : 0;
}

int64_t salvo_retry_after_ns(int64_t secs, int64_t cap_ns)
{
    if (secs < 0)
        return -1;
    return secs >= cap_ns / 1000000000LL ? cap_ns : secs * 1000000000LL;
}

int64_t salvo_parse_rate_reset(const char *v, int epoch, double unit_s, double now_s)
{
    char *end;
    double x = v ? strtod(v, &end) : -1;
    if (v == NULL || end == v || !(x >= 0) || isinf(x)) /* !(x >= 0): NaN too */
        return -1;
    double secs = x * unit_s - (epoch ? now_s : 0);
    if (secs <= 0)
        return 0;
    /* clamp before converting: 1e300 s is no int64 */
    return secs < (double)SALVO_RETRY_AFTER_MAX_S ? (int64_t)(secs * 1e9) : SALVO_RETRY_AFTER_MAX_S * 1000000000LL;
}
