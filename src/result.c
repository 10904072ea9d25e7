#include "salvo/result.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "jsonscan.h"

const char *salvo_status_name(int status)
{
    static const char *const names[SALVO_STATUS_COUNT] = {
        "accepted", "duplicate", "rejected", "failed", "unknown", "not_sent", "skipped", "invalid", "dry_run"};
    return status >= 0 && status < SALVO_STATUS_COUNT ? names[status] : "unknown";
}

void salvo_format_rfc3339_us(int64_t us, char out[32])
{
    time_t secs = (time_t)(us / 1000000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    size_t n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out + n, 32 - n, ".%06dZ", (int)(us % 1000000));
}

static void key(salvo_jbuf_t *b, const char *k)
{
    salvo_jbuf_raw(b, ",\"", 2);
    salvo_jbuf_cstr(b, k);
    salvo_jbuf_raw(b, "\":", 2);
}

static void kv_str(salvo_jbuf_t *b, const char *k, const char *v)
{
    if (v == NULL || *v == '\0')
        return;
    key(b, k);
    salvo_jbuf_str(b, v, strlen(v));
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
        salvo_jbuf_cstr(b, "true");
    }
}

static const char *http_version_name(long v)
{
    switch (v) {
    case CURL_HTTP_VERSION_1_0: return "1.0";
    case CURL_HTTP_VERSION_1_1: return "1.1";
    case CURL_HTTP_VERSION_2_0: return "2";
    case CURL_HTTP_VERSION_3: return "3";
    }
    return "?";
}

void salvo_result_write(salvo_jbuf_t *b, const salvo_result_t *r)
{
    const salvo_order_t *o = r->order;
    salvo_jbuf_printf(b, "{\"seq\":%llu,\"line\":%llu", (unsigned long long)o->seq, (unsigned long long)o->line);
    kv_str(b, "run", r->run);
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
            salvo_jbuf_printf(b, "%d", r->http_status);
        else
            salvo_jbuf_cstr(b, "null");
        salvo_jbuf_printf(b, ",\"attempts\":%u,\"attempt_statuses\":[", r->attempts);
        for (unsigned i = 0; i < r->attempts && i < SALVO_MAX_ATTEMPTS; i++) {
            if (i)
                salvo_jbuf_raw(b, ",", 1);
            if (r->attempt[i].word)
                salvo_jbuf_printf(b, "\"%s\"", r->attempt[i].word);
            else if (r->attempt[i].curl_code == 0)
                salvo_jbuf_printf(b, "%d", r->attempt[i].http_status);
            else
                salvo_jbuf_printf(b, "\"curl:%d\"", r->attempt[i].curl_code);
        }
        if (r->latency_ms >= 0)
            salvo_jbuf_printf(b, "],\"latency_ms\":%.3f", r->latency_ms);
        else
            salvo_jbuf_cstr(b, "],\"latency_ms\":null");
        salvo_jbuf_printf(b, ",\"queued_ms\":%.3f", r->queued_ms);
        if (r->sent_at_us > 0) {
            char ts[32];
            salvo_format_rfc3339_us(r->sent_at_us, ts);
            kv_str(b, "sent_at", ts);
        }
    }
    if (r->has_at)
        salvo_jbuf_printf(b, ",\"at_offset_ms\":%.3f", r->at_offset_ms);
    if (r->reused >= 0 && r->attempts > 0)
        salvo_jbuf_cstr(b, r->reused ? ",\"connection\":\"reused\"" : ",\"connection\":\"new\"");
    if (r->has_timings)
        salvo_jbuf_printf(b, ",\"timings_ms\":{\"dns\":%.3f,\"connect\":%.3f,\"tls\":%.3f,\"ttfb\":%.3f}",
                          r->dns_ms, r->connect_ms, r->tls_ms, r->ttfb_ms);
    if (r->http_version > 0)
        salvo_jbuf_printf(b, ",\"http_version\":\"%s\"", http_version_name(r->http_version));
    if (r->worker > 0)
        salvo_jbuf_printf(b, ",\"worker\":%u", r->worker);
    if (r->transport_resent) {
        key(b, "transport_resent");
        salvo_jbuf_cstr(b, "true");
    }
    if (r->reconciled) {
        key(b, "reconciled");
        salvo_jbuf_cstr(b, "true");
    }
    kv_str(b, "order_id", r->order_id);
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
    salvo_jbuf_raw(b, "}\n", 2);
}
