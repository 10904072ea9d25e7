#define _GNU_SOURCE /* strptime, timegm */
#include "retry.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "salvo/result.h"

salvo_outcome_t salvo_classify(int curl_code, long http, int connected, int resent)
{
    salvo_outcome_t o = {SALVO_UNKNOWN, SALVO_RETRY_NO};
    if (curl_code == CURLE_OK) {
        if (http >= 200 && http < 300)
            o.status = SALVO_ACCEPTED;
        else if (http == 429)
            o = (salvo_outcome_t){SALVO_REJECTED, SALVO_RETRY_SAFE};
        else if (http == 503)
            o = (salvo_outcome_t){SALVO_FAILED, SALVO_RETRY_SAFE};
        else if (http == 500 || http == 502 || http == 504)
            o = (salvo_outcome_t){SALVO_UNKNOWN, SALVO_RETRY_AMBIGUOUS};
        else if (http >= 500)
            o.status = SALVO_FAILED;
        else if (http >= 300)
            o.status = SALVO_REJECTED;
        else
            o.status = SALVO_UNKNOWN; /* 1xx as final: nonsense, not provable */
        /* A request libcurl sent twice may have been taken the first time:
         * a "no" to the second copy proves nothing about the first. */
        if (resent && o.status != SALVO_ACCEPTED)
            o.status = SALVO_UNKNOWN;
        return o;
    }
    switch (curl_code) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
        return (salvo_outcome_t){SALVO_FAILED, SALVO_RETRY_SAFE};
    case CURLE_OPERATION_TIMEDOUT:
        return connected ? (salvo_outcome_t){SALVO_UNKNOWN, SALVO_RETRY_AMBIGUOUS}
                         : (salvo_outcome_t){SALVO_FAILED, SALVO_RETRY_SAFE};
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_OUT_OF_MEMORY:
        return (salvo_outcome_t){SALVO_FAILED, SALVO_RETRY_NO}; /* nothing was sent; retrying won't help */
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
        return (salvo_outcome_t){SALVO_UNKNOWN, SALVO_RETRY_AMBIGUOUS};
    default:
        return connected ? (salvo_outcome_t){SALVO_UNKNOWN, SALVO_RETRY_NO}
                         : (salvo_outcome_t){SALVO_FAILED, SALVO_RETRY_NO};
    }
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
