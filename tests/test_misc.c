/* Histogram, result JSON, outcome classification, value parsing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "salvo/hist.h"
#include "parse.h"
#include "salvo/result.h"
#include "retry.h"

static void test_hist_percentiles(void **state)
{
    (void)state;
    salvo_hist_t h;
    salvo_hist_init(&h);
    assert_int_equal(salvo_hist_percentile(&h, 50), 0);
    for (uint64_t v = 1; v <= 100000; v++)
        salvo_hist_add(&h, v);
    const double ps[] = {50, 90, 99, 99.9};
    for (size_t i = 0; i < 4; i++) {
        double want = ps[i] * 1000;
        double got = (double)salvo_hist_percentile(&h, ps[i]);
        if (got < want * 0.97 || got > want * 1.03)
            fail_msg("p%.1f: got %.0f want %.0f", ps[i], got, want);
    }
    assert_int_equal(salvo_hist_percentile(&h, 0), 1);
    assert_int_equal(salvo_hist_percentile(&h, 100), 100000);
    salvo_hist_add(&h, 1ull << 50); /* beyond the top bucket: clamped, max exact */
    assert_int_equal(salvo_hist_percentile(&h, 100), 1ull << 50);
}

static void test_hist_small_values_exact(void **state)
{
    (void)state;
    salvo_hist_t h;
    salvo_hist_init(&h);
    for (int i = 0; i < 10; i++)
        salvo_hist_add(&h, 7);
    salvo_hist_add(&h, 20);
    assert_int_equal(salvo_hist_percentile(&h, 50), 7);
    assert_int_equal(salvo_hist_percentile(&h, 99), 20);
}

static cJSON *write_and_parse(const salvo_result_t *r)
{
    salvo_jbuf_t b = {0};
    salvo_result_write(&b, r);
    assert_true(b.len > 2 && b.p[b.len - 1] == '\n');
    assert_null(memchr(b.p, '\n', b.len - 1)); /* one line */
    cJSON *doc = cJSON_ParseWithLength(b.p, b.len);
    assert_non_null(doc);
    salvo_jbuf_free(&b);
    return doc;
}

static void test_result_json(void **state)
{
    (void)state;
    salvo_order_t o = {.seq = 3, .line = 4, .symbol = "23\"30", .price = "590.10", .quantity = "20",
                       .side = "BUY", .type = "LIMIT", .client_order_id = "p-3"};
    const char body[] = "{\n  \"order_id\": \"A1\"\n}";
    salvo_result_t r = {.order = &o, .status = SALVO_ACCEPTED, .http_status = 200, .attempts = 1,
                        .latency_ms = 1.25, .sent_at_us = 1700000000123456LL, .response = body,
                        .response_len = sizeof body - 1};
    r.attempt[0].http_status = 200;
    cJSON *d = write_and_parse(&r);
    assert_string_equal(cJSON_GetObjectItem(d, "symbol")->valuestring, "23\"30");
    assert_string_equal(cJSON_GetObjectItem(d, "price")->valuestring, "590.10");
    assert_int_equal(cJSON_GetObjectItem(d, "quantity")->valueint, 20);
    assert_string_equal(cJSON_GetObjectItem(d, "status")->valuestring, "accepted");
    assert_string_equal(cJSON_GetObjectItem(d, "sent_at")->valuestring, "2023-11-14T22:13:20.123456Z");
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(d, "response"), "order_id")->valuestring, "A1");
    cJSON_Delete(d);

    /* not JSON, with invalid UTF-8 and a control byte: still a valid line */
    const char junk[] = "bad \xff\x01 body\n";
    r.response = junk;
    r.response_len = sizeof junk - 1;
    d = write_and_parse(&r);
    assert_string_equal(cJSON_GetObjectItem(d, "response")->valuestring, "bad \xef\xbf\xbd\x01 body\n");
    cJSON_Delete(d);
}

/* A body is embedded as JSON only when all of it is JSON in UTF-8 (found by
 * fuzz_classify): cJSON took a first value and dropped what followed, and
 * passed invalid UTF-8 inside a string straight into the result line. */
static void test_result_response_not_quite_json(void **state)
{
    (void)state;
    salvo_order_t o = {.seq = 1, .line = 2, .symbol = "X", .price = "1", .quantity = "1", .side = "BUY",
                       .type = "LIMIT", .client_order_id = "p-1"};
    salvo_result_t r = {.order = &o, .status = SALVO_REJECTED, .http_status = 400, .attempts = 1};
    const char *const bodies[] = {"{\"a\":1} and more", "\"ok\" \"no\"", "{\"a\":\"\xff\xfe\"}", "[1]]"};
    const char *const shown[] = {"{\"a\":1} and more", "\"ok\" \"no\"", "{\"a\":\"\xef\xbf\xbd\xef\xbf\xbd\"}", "[1]]"};
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        r.response = bodies[i];
        r.response_len = strlen(bodies[i]);
        salvo_jbuf_t b = {0};
        salvo_result_write(&b, &r);
        assert_true(salvo_is_utf8(b.p, b.len));
        salvo_jbuf_free(&b);
        cJSON *d = write_and_parse(&r);
        const cJSON *resp = cJSON_GetObjectItem(d, "response");
        if (!cJSON_IsString(resp) || strcmp(resp->valuestring, shown[i]) != 0)
            fail_msg("body %zu: response shown as %s", i, cJSON_PrintUnformatted(resp));
        cJSON_Delete(d);
    }
    /* JSON with blanks around it is still JSON */
    r.response = " {\"a\": [1, 2]}\r\n";
    r.response_len = strlen(r.response);
    cJSON *d = write_and_parse(&r);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(cJSON_GetObjectItem(d, "response"), "a")), 2);
    cJSON_Delete(d);
}

static void test_result_invalid(void **state)
{
    (void)state;
    salvo_order_t o = {.seq = 1, .line = 7, .symbol = "", .price = "", .quantity = "", .side = "", .type = "",
                       .client_order_id = ""};
    salvo_result_t r = {.order = &o, .status = SALVO_INVALID,
                        .error = "line 7: quantity \"1.5\" is not a positive integer"};
    cJSON *d = write_and_parse(&r);
    assert_string_equal(cJSON_GetObjectItem(d, "status")->valuestring, "invalid");
    assert_int_equal(cJSON_GetObjectItem(d, "line")->valueint, 7);
    assert_null(cJSON_GetObjectItem(d, "http_status"));
    assert_string_equal(cJSON_GetObjectItem(d, "error")->valuestring, r.error);
    cJSON_Delete(d);
}

/* The classification table, as data. */
static void test_classify_table(void **state)
{
    (void)state;
    static const struct { int curl; long http; int connected, resent, status, retry; } t[] = {
        {CURLE_OK, 200, 1, 0, SALVO_ACCEPTED, SALVO_RETRY_NO},
        {CURLE_OK, 201, 1, 1, SALVO_ACCEPTED, SALVO_RETRY_NO},
        {CURLE_OK, 302, 1, 0, SALVO_REJECTED, SALVO_RETRY_NO},
        {CURLE_OK, 400, 1, 0, SALVO_REJECTED, SALVO_RETRY_NO},
        {CURLE_OK, 409, 1, 1, SALVO_UNKNOWN, SALVO_RETRY_NO}, /* resent: the first copy may be the order */
        {CURLE_OK, 422, 1, 0, SALVO_REJECTED, SALVO_RETRY_NO},
        {CURLE_OK, 429, 1, 0, SALVO_REJECTED, SALVO_RETRY_SAFE},
        {CURLE_OK, 500, 1, 0, SALVO_UNKNOWN, SALVO_RETRY_AMBIGUOUS},
        {CURLE_OK, 501, 1, 0, SALVO_FAILED, SALVO_RETRY_NO},
        {CURLE_OK, 502, 1, 0, SALVO_UNKNOWN, SALVO_RETRY_AMBIGUOUS},
        {CURLE_OK, 503, 1, 0, SALVO_FAILED, SALVO_RETRY_SAFE},
        {CURLE_OK, 504, 1, 0, SALVO_UNKNOWN, SALVO_RETRY_AMBIGUOUS},
        {CURLE_COULDNT_RESOLVE_HOST, 0, 0, 0, SALVO_FAILED, SALVO_RETRY_SAFE},
        {CURLE_COULDNT_CONNECT, 0, 0, 0, SALVO_FAILED, SALVO_RETRY_SAFE},
        {CURLE_OPERATION_TIMEDOUT, 0, 0, 0, SALVO_FAILED, SALVO_RETRY_SAFE},
        {CURLE_OPERATION_TIMEDOUT, 0, 1, 0, SALVO_UNKNOWN, SALVO_RETRY_AMBIGUOUS},
        {CURLE_GOT_NOTHING, 0, 1, 0, SALVO_UNKNOWN, SALVO_RETRY_AMBIGUOUS},
        {CURLE_RECV_ERROR, 0, 1, 0, SALVO_UNKNOWN, SALVO_RETRY_AMBIGUOUS},
        {CURLE_SEND_ERROR, 0, 1, 0, SALVO_UNKNOWN, SALVO_RETRY_AMBIGUOUS},
        {CURLE_PARTIAL_FILE, 200, 1, 0, SALVO_UNKNOWN, SALVO_RETRY_AMBIGUOUS},
        {CURLE_PEER_FAILED_VERIFICATION, 0, 0, 0, SALVO_FAILED, SALVO_RETRY_NO},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        salvo_outcome_t o = salvo_classify(t[i].curl, t[i].http, t[i].connected, t[i].resent);
        if (o.status != t[i].status || o.retry != t[i].retry)
            fail_msg("row %zu (curl %d, http %ld): got %s/%d", i, t[i].curl, t[i].http,
                     salvo_status_name(o.status), o.retry);
    }
}

static void test_backoff_and_retry_after(void **state)
{
    (void)state;
    const int64_t ms = 1000000;
    assert_int_equal(salvo_backoff_ns(1, 100 * ms, 5000 * ms, 0.5), 50 * ms);
    assert_int_equal(salvo_backoff_ns(3, 100 * ms, 5000 * ms, 0.5), 200 * ms);
    assert_int_equal(salvo_backoff_ns(20, 100 * ms, 5000 * ms, 0.999999), 4999995LL * 1000);
    assert_int_equal(salvo_parse_retry_after("3", 0), 3000 * ms);
    assert_int_equal(salvo_parse_retry_after("Wed, 21 Oct 2015 07:28:10 GMT", 1445412480), 10000 * ms);
    assert_int_equal(salvo_parse_retry_after("soon", 0), -1);
}

/* Retry-After: 99999999999 (or a date in 9999) times 1e9 overflowed int64
 * (UBSan). Beyond a year it is clamped; negative or garbage is -1. */
static void test_retry_after_bounds(void **state)
{
    (void)state;
    const int64_t year = 365LL * 24 * 3600 * 1000000000LL;
    assert_int_equal(salvo_parse_retry_after("99999999999", 0), year);
    assert_int_equal(salvo_parse_retry_after("999999999999999999999999", 0), year);
    assert_int_equal(salvo_parse_retry_after("Fri, 31 Dec 9999 23:59:59 GMT", 1700000000), year);
    assert_int_equal(salvo_parse_retry_after("31536000", 0), year);
    assert_int_equal(salvo_parse_retry_after("31535999", 0), year - 1000000000LL);
    assert_int_equal(salvo_parse_retry_after("0", 0), 0);
    assert_int_equal(salvo_parse_retry_after("Wed, 21 Oct 2015 07:28:10 GMT", 1700000000), 0);
    assert_int_equal(salvo_parse_retry_after("-5", 0), -1);
    assert_int_equal(salvo_parse_retry_after("-999999999999999999999999", 0), -1);
    assert_int_equal(salvo_parse_retry_after("", 0), -1);
    assert_int_equal(salvo_parse_retry_after("5x", 0), -1);
}

static void test_parse_values(void **state)
{
    (void)state;
    double r;
    int64_t ns;
    uint32_t n;
    assert_int_equal(salvo_parse_rate("100", &r), 0);
    assert_true(r == 100);
    assert_int_equal(salvo_parse_rate("6000/m", &r), 0);
    assert_true(r == 100);
    assert_int_equal(salvo_parse_rate("0.5/s", &r), 0);
    assert_true(r == 0.5);
    assert_int_equal(salvo_parse_rate("-1", &r), -22);
    assert_int_equal(salvo_parse_rate("10/x", &r), -22);
    assert_int_equal(salvo_parse_rate("0", &r), -22);
    assert_int_equal(salvo_parse_duration("100ms", &ns), 0);
    assert_int_equal(ns, 100000000);
    assert_int_equal(salvo_parse_duration("2", &ns), 0);
    assert_int_equal(ns, 2000000000);
    assert_int_equal(salvo_parse_duration("5 s", &ns), -22);
    assert_int_equal(salvo_parse_window("250/10s", &n, &ns), 0);
    assert_int_equal(n, 250);
    assert_int_equal(ns, 10000000000LL);
    assert_int_equal(salvo_parse_window("200/1m", &n, &ns), 0);
    assert_int_equal(ns, 60000000000LL);
    assert_int_equal(salvo_parse_window("50/s", &n, &ns), 0);
    assert_int_equal(ns, 1000000000);
    assert_int_equal(salvo_parse_window("0/1s", &n, &ns), -22);
    assert_int_equal(salvo_parse_window("/1s", &n, &ns), -22);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hist_percentiles), cmocka_unit_test(test_hist_small_values_exact),
        cmocka_unit_test(test_result_json), cmocka_unit_test(test_result_invalid),
        cmocka_unit_test(test_result_response_not_quite_json),
        cmocka_unit_test(test_classify_table), cmocka_unit_test(test_backoff_and_retry_after),
        cmocka_unit_test(test_parse_values), cmocka_unit_test(test_retry_after_bounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
