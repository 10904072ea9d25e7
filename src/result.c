#include "salvo/order.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "jbuf_put.h"
#include "jsonscan.h"

const char *salvo_status_name(int status)
{
    static const char *const names[SALVO_STATUS_COUNT] = {
        "accepted", "duplicate", "rejected", "failed",           "unknown",        "not_sent", "skipped",
        "invalid",  "dry_run",   "cancelled", "already_closed", "not_found", "open",     "partially_filled",
        "filled"};
    return status >= 0 && status < SALVO_STATUS_COUNT ? names[status] : "unknown";
}

const char *salvo_op_name(int op)
{
    return op == SALVO_OP_CANCEL ? "cancel" : op == SALVO_OP_STATUS ? "status" : "send";
}

/* n decimal digits of v, zero-padded, at out. */
static char *put_digits(char *out, unsigned v, int n)
{
    for (int i = n - 1; i >= 0; i--, v /= 10)
        out[i] = (char)('0' + v % 10);
    return out + n;
}

/* By hand, not strftime + snprintf: every result line has one. The date
 * from days since 1970 is Howard Hinnant's civil_from_days. Years 0 to
 * 9999 (a clock outside them is not a time salvo sends at). */
void salvo_format_rfc3339_us(int64_t us, char out[32])
{
    const int64_t day_us = 86400LL * 1000000;
    const int64_t lo = -719528LL * day_us, hi = 2932897LL * day_us; /* 0000-01-01, 10000-01-01 */
    if (us < lo || us >= hi)
        us = us < lo ? lo : hi - 1;
    int64_t days = us >= 0 ? us / day_us : -((-us + day_us - 1) / day_us);
    int64_t rest = us - days * day_us; /* 0 .. day_us - 1 */
    int64_t z = days + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
    unsigned d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9;
    unsigned y = (unsigned)(yoe + era * 400) + (m <= 2);
    unsigned secs = (unsigned)(rest / 1000000), micros = (unsigned)(rest % 1000000);
    char *p = put_digits(out, y, 4);
    *p++ = '-';
    p = put_digits(p, m, 2);
    *p++ = '-';
    p = put_digits(p, d, 2);
    *p++ = 'T';
    p = put_digits(p, secs / 3600, 2);
    *p++ = ':';
    p = put_digits(p, secs / 60 % 60, 2);
    *p++ = ':';
    p = put_digits(p, secs % 60, 2);
    *p++ = '.';
    p = put_digits(p, micros, 6);
    *p++ = 'Z';
    *p = '\0';
}

/* k: a string literal ("" k will not compile otherwise), its length known */
#define key(b, k) key_n((b), "" k, sizeof(k) - 1)
#define kv_str(b, k, v) kv_str_n((b), "" k, sizeof(k) - 1, (v))
#define kv_ms(b, k, ms) kv_ms_n((b), "" k, sizeof(k) - 1, (ms))

static void key_n(salvo_jbuf_t *b, const char *k, size_t n)
{
    SALVO_JBUF_LIT(b, ",\"");
    salvo_jbuf_put(b, k, n);
    SALVO_JBUF_LIT(b, "\":");
}

static void kv_str_n(salvo_jbuf_t *b, const char *k, size_t n, const char *v)
{
    if (v == NULL || *v == '\0')
        return;
    key_n(b, k, n);
    salvo_jbuf_str(b, v, strlen(v));
}

static void kv_ms_n(salvo_jbuf_t *b, const char *k, size_t n, double ms)
{
    key_n(b, k, n);
    salvo_jbuf_fixed3(b, ms);
}

/* Embed a JSON body byte-exact, only whitespace dropped (an NDJSON line is
 * one line): the broker's numbers keep their digits (an order id may not
 * survive a double). Anything else, or a cut-off body, is a string. */
static void write_response(salvo_jbuf_t *b, const salvo_result_t *r)
{
    key(b, "response");
    if (!r->response_truncated && salvo_json_minify(b, r->response, r->response_len) == 0)
        return;
    salvo_jbuf_str(b, r->response, r->response_len);
    if (r->response_truncated) {
        key(b, "response_truncated");
        SALVO_JBUF_LIT(b, "true");
    }
}

static const char *http_version_name(long v)
{
    switch (v) {
    case SALVO_HTTP_1_0: return "1.0";
    case SALVO_HTTP_1_1: return "1.1";
    case SALVO_HTTP_2: return "2";
    case SALVO_HTTP_3: return "3";
    }
    return "?";
}

/* run: the caller's run id, written as "run" after "line" when not NULL */
void salvo_result_write(salvo_jbuf_t *b, const salvo_result_t *r, const char *run)
{
    const salvo_order_t *o = r->order;
    SALVO_JBUF_LIT(b, "{\"seq\":");
    salvo_jbuf_u64(b, o->seq);
    SALVO_JBUF_LIT(b, ",\"line\":");
    salvo_jbuf_u64(b, o->line);
    kv_str(b, "run", run);
    if (r->op != SALVO_OP_SEND) /* a cancel or status line: what it answers */
        kv_str(b, "op", salvo_op_name(r->op));
    kv_str(b, "client_order_id", o->client_order_id);
    kv_str(b, "symbol", o->symbol);
    kv_str(b, "side", o->side);
    if (o->quantity && *o->quantity) {
        key(b, "quantity");
        salvo_jbuf_cstr(b, o->quantity); /* validated digits, no leading zeros */
    }
    kv_str(b, "price", o->price);
    kv_str(b, "type", o->type);
    kv_str(b, "status", salvo_status_name(r->status));
    if (r->attempts > 0 || r->status == SALVO_UNKNOWN || r->status == SALVO_FAILED) {
        key(b, "http_status");
        if (r->http_status > 0)
            salvo_jbuf_i64(b, r->http_status);
        else
            SALVO_JBUF_LIT(b, "null");
        SALVO_JBUF_LIT(b, ",\"attempts\":");
        salvo_jbuf_u64(b, r->attempts);
        SALVO_JBUF_LIT(b, ",\"attempt_statuses\":[");
        for (unsigned i = 0; i < r->attempts && i < SALVO_MAX_ATTEMPTS; i++) {
            if (i)
                SALVO_JBUF_LIT(b, ",");
            if (r->attempt[i].word) {
                SALVO_JBUF_LIT(b, "\"");
                salvo_jbuf_cstr(b, r->attempt[i].word);
                SALVO_JBUF_LIT(b, "\"");
            } else if (r->attempt[i].curl_code == 0) {
                salvo_jbuf_i64(b, r->attempt[i].http_status);
            } else {
                SALVO_JBUF_LIT(b, "\"curl:");
                salvo_jbuf_i64(b, r->attempt[i].curl_code);
                SALVO_JBUF_LIT(b, "\"");
            }
        }
        SALVO_JBUF_LIT(b, "],\"latency_ms\":");
        if (r->latency_ms >= 0)
            salvo_jbuf_fixed3(b, r->latency_ms);
        else
            SALVO_JBUF_LIT(b, "null");
        SALVO_JBUF_LIT(b, ",\"queued_ms\":");
        salvo_jbuf_fixed3(b, r->queued_ms);
        if (r->sent_at_us > 0) {
            char ts[32];
            salvo_format_rfc3339_us(r->sent_at_us, ts);
            kv_str(b, "sent_at", ts);
        }
    }
    if (r->has_at)
        kv_ms(b, "at_offset_ms", r->at_offset_ms);
    if (r->reused >= 0 && r->attempts > 0)
        salvo_jbuf_cstr(b, r->reused ? ",\"connection\":\"reused\"" : ",\"connection\":\"new\"");
    if (r->has_timings) {
        SALVO_JBUF_LIT(b, ",\"timings_ms\":{\"dns\":");
        salvo_jbuf_fixed3(b, r->dns_ms);
        kv_ms(b, "connect", r->connect_ms);
        kv_ms(b, "tls", r->tls_ms);
        kv_ms(b, "ttfb", r->ttfb_ms);
        SALVO_JBUF_LIT(b, "}");
    }
    if (r->http_version > 0)
        kv_str(b, "http_version", http_version_name(r->http_version));
    if (r->worker > 0) {
        key(b, "worker");
        salvo_jbuf_u64(b, r->worker);
    }
    if (r->transport_resent) {
        key(b, "transport_resent");
        SALVO_JBUF_LIT(b, "true");
    }
    if (r->reconciled) {
        key(b, "reconciled");
        SALVO_JBUF_LIT(b, "true");
    }
    kv_str(b, "order_id", r->order_id);
    kv_str(b, "filled", r->filled);
    if (r->batch_size > 1) {
        SALVO_JBUF_LIT(b, ",\"batch\":{\"size\":");
        salvo_jbuf_u64(b, r->batch_size);
        SALVO_JBUF_LIT(b, ",\"index\":");
        salvo_jbuf_u64(b, r->batch_index);
        SALVO_JBUF_LIT(b, "}");
    }
    if (r->headers) {
        key(b, "headers");
        salvo_jbuf_cstr(b, r->headers);
    }
    kv_str(b, "previous", r->previous);
    kv_str(b, "location", r->location);
    if (r->response != NULL && r->response_len > 0)
        write_response(b, r);
    kv_str(b, "error", r->error);
    if (r->request) {
        key(b, "request");
        salvo_jbuf_cstr(b, r->request);
    }
    SALVO_JBUF_LIT(b, "}\n");
}

long salvo_result_format(const salvo_result_t *r, char *out, size_t cap)
{
    salvo_jbuf_t b = {0};
    salvo_result_write(&b, r, NULL);
    if (b.oom) {
        salvo_jbuf_free(&b);
        return -1;
    }
    if (cap > 0) {
        size_t n = b.len < cap - 1 ? b.len : cap - 1;
        memcpy(out, b.p, n);
        out[n] = '\0';
    }
    long len = (long)b.len;
    salvo_jbuf_free(&b);
    return len;
}
