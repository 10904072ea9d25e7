/* What an answer means, and how it is reported. The first bytes become a
 * transfer's outcome (CURLcode, HTTP status, connected/resent flags, the
 * clock, attempts), the rest is both a Retry-After value and the broker's
 * response body. Checked: the classification is a real status, Retry-After
 * is -1 or within its bound, and the result line is one line of JSON. */
#include <string.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "fuzz.h"
#include "retry.h"
#include "salvo/jbuf.h"
#include "salvo/order.h"
#include "salvo/result.h"

static void check_classify(int curl_code, long http, int may_have_left, int earlier, int refused, salvo_outcome_t *o)
{
    *o = salvo_classify(curl_code, http, may_have_left, earlier, refused);
    FUZZ_CHECK(o->status == SALVO_ACCEPTED || o->status == SALVO_DUPLICATE || o->status == SALVO_REJECTED ||
               o->status == SALVO_FAILED || o->status == SALVO_UNKNOWN);
    FUZZ_CHECK(o->retry >= SALVO_RETRY_NO && o->retry <= SALVO_RETRY_AMBIGUOUS);
    if (refused) {
        FUZZ_CHECK(o->status == SALVO_FAILED && o->retry == SALVO_RETRY_SAFE);
        return;
    }
    if (curl_code == CURLE_OK && http >= 200 && http < 300)
        FUZZ_CHECK(o->status == SALVO_ACCEPTED);
    else
        FUZZ_CHECK(o->status != SALVO_ACCEPTED); /* never a false "yes" */
    if (earlier) /* after a copy that may have arrived, never a "no" */
        FUZZ_CHECK(o->status != SALVO_REJECTED && o->status != SALVO_FAILED);
    if (o->status == SALVO_FAILED && curl_code != CURLE_OK) /* failed: provably never left */
        FUZZ_CHECK(!may_have_left && http <= 0 ? 1 : curl_code == CURLE_COULDNT_CONNECT ||
                   curl_code == CURLE_COULDNT_RESOLVE_HOST || curl_code == CURLE_COULDNT_RESOLVE_PROXY);
}

static void check_retry_after(const char *v, int64_t now)
{
    int64_t ns = salvo_parse_retry_after(v, now);
    FUZZ_CHECK(ns == -1 || (ns >= 0 && ns <= SALVO_RETRY_AFTER_MAX_S * 1000000000LL));
    /* the same text as a profile's rate_limit.reset, in each unit */
    for (int u = 0; u < 4; u++) {
        ns = salvo_parse_rate_reset(v, u < 2, u % 2 ? 1e-3 : 1, (double)now);
        FUZZ_CHECK(ns == -1 || (ns >= 0 && ns <= SALVO_RETRY_AFTER_MAX_S * 1000000000LL));
    }
}

static void check_result_line(const salvo_result_t *r)
{
    salvo_jbuf_t out = {0};
    salvo_result_write(&out, r, NULL);
    FUZZ_CHECK(!out.oom && out.len > 0);
    FUZZ_CHECK(out.p[out.len - 1] == '\n');
    FUZZ_CHECK(memchr(out.p, '\n', out.len) == out.p + out.len - 1); /* one line */
    FUZZ_CHECK(salvo_is_utf8(out.p, out.len));
    cJSON *doc = cJSON_ParseWithLength(out.p, out.len);
    FUZZ_CHECK(cJSON_IsObject(doc));
    FUZZ_CHECK(cJSON_GetObjectItem(doc, "status") != NULL);
    cJSON_Delete(doc);
    salvo_jbuf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_in_t in = {data, size};
    int curl_code = fuzz_byte(&in) % (CURL_LAST + 1);
    long http = (int16_t)(fuzz_byte(&in) << 8 | fuzz_byte(&in)) % 1000;
    uint8_t flags = fuzz_byte(&in);
    int64_t now = fuzz_u32(&in);
    uint32_t sent_at = fuzz_u32(&in);
    uint8_t nattempts = fuzz_byte(&in);

    salvo_outcome_t oc;
    check_classify(curl_code, http, flags & 1, (flags >> 1) & 1, (flags >> 6) & 1, &oc);

    char *text = malloc(in.n + 1); /* the rest, as a C string for Retry-After */
    FUZZ_CHECK(text != NULL);
    memcpy(text, in.p, in.n);
    text[in.n] = '\0';
    check_retry_after(text, now);

    salvo_order_t o = {.seq = 1, .line = 2, .symbol = "2330", .price = "590.5", .quantity = "10", .side = "BUY",
                       .type = "LIMIT", .client_order_id = "fz-1"};
    salvo_result_t r = {
        .order = &o,
        .status = flags & 0x80 ? (int)(flags >> 2 & 0x0f) - 1 : oc.status, /* sometimes out of range */
        .http_status = (int)http,
        .attempts = nattempts % (SALVO_MAX_ATTEMPTS + 4),
        .latency_ms = sent_at / 1000.0,
        .queued_ms = (sent_at & 0xffff) / 7.0,
        .sent_at_us = (int64_t)now * 1000000 + sent_at % 1000000,
        .response = in.n ? (const char *)in.p : NULL, /* not NUL-terminated: ASan sees an overread */
        .response_len = in.n,
        .response_truncated = (flags >> 6) & 1,
        .error = flags & 0x20 ? text : NULL,
        .transport_resent = (flags >> 1) & 1,
    };
    for (unsigned i = 0; i < SALVO_MAX_ATTEMPTS; i++)
        r.attempt[i] = (salvo_attempt_t){.http_status = (int)http, .curl_code = i % 2 ? curl_code : 0};
    check_result_line(&r);
    free(text);
    return 0;
}
