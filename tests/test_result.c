/* The result line (the JSON each order gets, the broker's answer inside
 * it) and outcome classification. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>

#include <cmocka.h>
#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "salvo/hist.h"
#include "parse.h"
#include "salvo/jbuf.h"
#include "salvo/result.h"
#include "retry.h"
#include "utf8.h"
#include "tool_args.h"

static cJSON *write_and_parse(const salvo_result_t *r)
{
    salvo_jbuf_t b = {0};
    salvo_result_write(&b, r, NULL);
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

/* The "response" member as written into the line (the line ends with it). */
static void response_text(const char *body, size_t len, int truncated, salvo_jbuf_t *line, const char **v,
                          size_t *vlen)
{
    salvo_order_t o = {.seq = 1, .line = 2, .symbol = "X", .price = "1", .quantity = "1", .side = "BUY",
                       .type = "LIMIT", .client_order_id = "p-1"};
    salvo_result_t r = {.order = &o, .status = SALVO_ACCEPTED, .http_status = 200, .attempts = 1,
                        .response = body, .response_len = len, .response_truncated = truncated};
    salvo_result_write(line, &r, NULL);
    assert_false(line->oom);
    assert_null(memchr(line->p, '\n', line->len - 1)); /* one line */
    cJSON *doc = cJSON_ParseWithLength(line->p, line->len); /* valid JSON, whatever the body */
    if (doc == NULL)
        fail_msg("not JSON: %.*s", (int)(line->len > 200 ? 200 : line->len), line->p);
    cJSON_Delete(doc);
    const char *k = strstr(line->p, ",\"response\":");
    assert_non_null(k);
    *v = k + 12;
    *vlen = (size_t)(line->p + line->len - 2 - *v); /* up to "}\n" */
}

/* A broker's body is embedded byte-exact when it is one JSON value (only
 * whitespace dropped), as a string otherwise. */
static const struct {
    const char *name, *body, *want;
} response_cases[] = {
    {"big integers stay exact", "{\"orderId\":1234567890123456789,\"clientId\":9007199254740993}",
     "{\"orderId\":1234567890123456789,\"clientId\":9007199254740993}"},
    {"pretty-printed: one line, same tokens",
     "{\n  \"orderId\" : 1234567890123456789 ,\n\t\"px\": [ 1.50, -0e+00, 2E-7, true, false, null ],\r\n"
     "  \"s\": \"a b\\n\\u00e9\\ud83d\\ude00 \xc3\xa9\", \"o\": { }, \"a\": [ ]\n}\n",
     "{\"orderId\":1234567890123456789,\"px\":[1.50,-0e+00,2E-7,true,false,null],"
     "\"s\":\"a b\\n\\u00e9\\ud83d\\ude00 \xc3\xa9\",\"o\":{},\"a\":[]}"},
    {"invalid UTF-8 in a string becomes U+FFFD", "{\"msg\":\"bad \xff here \xc3\",\"k\xed\xa0\x80\":1}",
     "{\"msg\":\"bad \\ufffd here \\ufffd\",\"k\\ufffd\\ufffd\\ufffd\":1}"},
    {"lone surrogate escapes become U+FFFD", "[\"\\ud800\",\"\\udc00x\",\"\\ud83d\\ude00\",\"\\uD800\\u0041\"]",
     "[\"\\ufffd\",\"\\ufffdx\",\"\\ud83d\\ude00\",\"\\ufffd\\u0041\"]"},
    {"scalar", " 42 ", "42"},
    {"string", "\"ok\"", "\"ok\""},
    {"not JSON", "not json", "\"not json\""},
    {"trailing text", "{\"a\":1} x", "\"{\\\"a\\\":1} x\""},
    {"two values", "1 2", "\"1 2\""},
    {"raw tab in a string", "{\"a\":\"x\ty\"}", "\"{\\\"a\\\":\\\"x\\ty\\\"}\""},
    {"leading zero", "[01]", "\"[01]\""},
    {"bare dot", "[1.]", "\"[1.]\""},
    {"plus sign", "[+1]", "\"[+1]\""},
    {"bad escape", "[\"\\x\"]", "\"[\\\"\\\\x\\\"]\""},
    {"short unicode escape", "[\"\\u12g4\"]", "\"[\\\"\\\\u12g4\\\"]\""},
    {"unterminated", "{\"a\":[1,2}", "\"{\\\"a\\\":[1,2}\""},
    {"trailing comma", "[1,]", "\"[1,]\""},
    {"missing colon", "{\"a\" 1}", "\"{\\\"a\\\" 1}\""},
    {"non-string key", "{1:2}", "\"{1:2}\""},
    {"misspelt literal", "[tru]", "\"[tru]\""},
    {"empty after whitespace", " \n", "\" \\n\""},
};

static void test_result_response_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof response_cases / sizeof response_cases[0]; i++) {
        salvo_jbuf_t line = {0};
        const char *v;
        size_t n;
        response_text(response_cases[i].body, strlen(response_cases[i].body), 0, &line, &v, &n);
        if (n != strlen(response_cases[i].want) || memcmp(v, response_cases[i].want, n) != 0)
            fail_msg("case '%s': got '%.*s', want '%s'", response_cases[i].name, (int)n, v, response_cases[i].want);
        salvo_jbuf_free(&line);
    }
}

/* Nesting: 64 levels are JSON, deeper is a string; a 100k-deep bomb must
 * not blow the stack. */
static void test_result_response_depth(void **state)
{
    (void)state;
    static const struct { size_t depth; int closed, json; } t[] = {
        {64, 1, 1}, {65, 1, 0}, {100000, 0, 0}, {100000, 1, 0}};
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        size_t d = t[i].depth, len = t[i].closed ? 2 * d : d;
        char *body = malloc(len);
        assert_non_null(body);
        memset(body, '[', d);
        memset(body + d, ']', len - d);
        salvo_jbuf_t line = {0};
        const char *v;
        size_t n;
        response_text(body, len, 0, &line, &v, &n);
        if (t[i].json && (n != len || memcmp(v, body, len) != 0))
            fail_msg("depth %zu: not embedded as JSON", d);
        if (!t[i].json && v[0] != '"')
            fail_msg("depth %zu (closed %d): not a string", d, t[i].closed);
        salvo_jbuf_free(&line);
        free(body);
    }
}

/* A truncated body is never JSON: a string, flagged. */
static void test_result_response_truncated(void **state)
{
    (void)state;
    salvo_jbuf_t line = {0};
    const char *v;
    size_t n;
    response_text("{\"a\":1}", 7, 1, &line, &v, &n);
    const char want[] = "\"{\\\"a\\\":1}\",\"response_truncated\":true";
    assert_int_equal(n, sizeof want - 1);
    assert_memory_equal(v, want, n);
    salvo_jbuf_free(&line);
}

/* A body is embedded as JSON only when all of it is one JSON value (found by
 * fuzz_classify: cJSON took a first value and dropped what followed); invalid
 * UTF-8 inside one of its strings is never copied raw into the line: it is
 * replaced, the value kept. */
static void test_result_response_not_quite_json(void **state)
{
    (void)state;
    salvo_order_t o = {.seq = 1, .line = 2, .symbol = "X", .price = "1", .quantity = "1", .side = "BUY",
                       .type = "LIMIT", .client_order_id = "p-1"};
    salvo_result_t r = {.order = &o, .status = SALVO_REJECTED, .http_status = 400, .attempts = 1};
    const char *const bodies[] = {"{\"a\":1} and more", "\"ok\" \"no\"", "[1]]"};
    const char *const shown[] = {"{\"a\":1} and more", "\"ok\" \"no\"", "[1]]"};
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        r.response = bodies[i];
        r.response_len = strlen(bodies[i]);
        salvo_jbuf_t b = {0};
        salvo_result_write(&b, &r, NULL);
        assert_true(salvo_is_utf8(b.p, b.len));
        salvo_jbuf_free(&b);
        cJSON *d = write_and_parse(&r);
        const cJSON *resp = cJSON_GetObjectItem(d, "response");
        if (!cJSON_IsString(resp) || strcmp(resp->valuestring, shown[i]) != 0)
            fail_msg("body %zu: response shown as %s", i, cJSON_PrintUnformatted(resp));
        cJSON_Delete(d);
    }
    /* invalid UTF-8 in a string: the object stays, the bytes become U+FFFD */
    r.response = "{\"a\":\"\xff\xfe\"}";
    r.response_len = strlen(r.response);
    cJSON *u = write_and_parse(&r);
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(u, "response"), "a")->valuestring,
                        "\xef\xbf\xbd\xef\xbf\xbd");
    cJSON_Delete(u);
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
    static const struct { int curl; long http; int left, earlier, refused, status, retry; } t[] = {
        {CURLE_OK, 200, 1, 0, 0, SALVO_ACCEPTED, SALVO_RETRY_NO},
        {CURLE_OK, 201, 1, 1, 0, SALVO_ACCEPTED, SALVO_RETRY_NO},
        {CURLE_OK, 302, 1, 0, 0, SALVO_REJECTED, SALVO_RETRY_NO},
        {CURLE_OK, 400, 1, 0, 0, SALVO_REJECTED, SALVO_RETRY_NO},
        {CURLE_OK, 409, 1, 0, 0, SALVO_DUPLICATE, SALVO_RETRY_NO}, /* the broker holds the id: delivered */
        {CURLE_OK, 409, 1, 1, 0, SALVO_DUPLICATE, SALVO_RETRY_NO}, /* resent: the first copy was taken */
        {CURLE_OK, 422, 1, 0, 0, SALVO_REJECTED, SALVO_RETRY_NO},
        {CURLE_OK, 422, 1, 1, 0, SALVO_UNKNOWN, SALVO_RETRY_NO},   /* a no to a second copy proves nothing */
        {CURLE_OK, 429, 1, 0, 0, SALVO_REJECTED, SALVO_RETRY_SAFE},
        {CURLE_OK, 500, 1, 0, 0, SALVO_UNKNOWN, SALVO_RETRY_AMBIGUOUS},
        {CURLE_OK, 501, 1, 0, 0, SALVO_FAILED, SALVO_RETRY_NO},
        {CURLE_OK, 502, 1, 0, 0, SALVO_UNKNOWN, SALVO_RETRY_AMBIGUOUS},
        {CURLE_OK, 503, 1, 0, 0, SALVO_FAILED, SALVO_RETRY_SAFE},
        {CURLE_OK, 503, 1, 1, 0, SALVO_UNKNOWN, SALVO_RETRY_SAFE},
        {CURLE_OK, 504, 1, 0, 0, SALVO_UNKNOWN, SALVO_RETRY_AMBIGUOUS},
        {CURLE_OK, 507, 1, 0, 0, SALVO_UNKNOWN, SALVO_RETRY_NO},   /* other 5xx prove nothing */
        {CURLE_OK, 100, 1, 0, 0, SALVO_UNKNOWN, SALVO_RETRY_NO},
        {CURLE_COULDNT_RESOLVE_HOST, 0, 0, 0, 0, SALVO_FAILED, SALVO_RETRY_SAFE},
        {CURLE_COULDNT_CONNECT, 0, 0, 0, 0, SALVO_FAILED, SALVO_RETRY_SAFE},
        {CURLE_OPERATION_TIMEDOUT, 0, 0, 0, 0, SALVO_FAILED, SALVO_RETRY_SAFE},
        {CURLE_OPERATION_TIMEDOUT, 0, 1, 0, 0, SALVO_UNKNOWN, SALVO_RETRY_AMBIGUOUS},
        {CURLE_GOT_NOTHING, 0, 1, 0, 0, SALVO_UNKNOWN, SALVO_RETRY_AMBIGUOUS},
        {CURLE_RECV_ERROR, 0, 1, 0, 0, SALVO_UNKNOWN, SALVO_RETRY_AMBIGUOUS},
        {CURLE_SEND_ERROR, 0, 1, 0, 0, SALVO_UNKNOWN, SALVO_RETRY_AMBIGUOUS},
        {CURLE_PARTIAL_FILE, 200, 1, 0, 0, SALVO_UNKNOWN, SALVO_RETRY_AMBIGUOUS},
        {CURLE_PEER_FAILED_VERIFICATION, 0, 0, 0, 0, SALVO_FAILED, SALVO_RETRY_NO},
        /* answered, then the transfer broke (a 200 KB header past libcurl's
         * limit, a garbage status line): the broker may have it */
        {CURLE_OUT_OF_MEMORY, 200, 1, 0, 0, SALVO_UNKNOWN, SALVO_RETRY_NO},
        {CURLE_WEIRD_SERVER_REPLY, 0, 1, 0, 0, SALVO_UNKNOWN, SALVO_RETRY_NO},
        {CURLE_OUT_OF_MEMORY, 0, 0, 0, 0, SALVO_FAILED, SALVO_RETRY_NO},
        /* HTTP/2 REFUSED_STREAM: never processed */
        {CURLE_HTTP2_STREAM, 0, 1, 0, 1, SALVO_FAILED, SALVO_RETRY_SAFE},
        {CURLE_HTTP2_STREAM, 0, 1, 0, 0, SALVO_UNKNOWN, SALVO_RETRY_AMBIGUOUS},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        salvo_outcome_t o = salvo_classify(t[i].curl, t[i].http, t[i].left, t[i].earlier, t[i].refused);
        if (o.status != t[i].status || o.retry != t[i].retry)
            fail_msg("row %zu (curl %d, http %ld): got %s/%d", i, t[i].curl, t[i].http,
                     salvo_status_name(o.status), o.retry);
    }
}

/* An HTTP/2 stream torn down after a whole answer is that answer; anything
 * short of provably whole stays the transport error. */
static void test_effective_code(void **state)
{
    (void)state;
    const long h2 = CURL_HTTP_VERSION_2_0, h11 = CURL_HTTP_VERSION_1_1;
    static const int curl_ok = CURLE_OK;
    assert_int_equal(salvo_effective_code(CURLE_HTTP2_STREAM, h2, 200, 21, 21), curl_ok);
    assert_int_equal(salvo_effective_code(CURLE_PARTIAL_FILE, h2, 200, 21, 21), curl_ok);
    assert_int_equal(salvo_effective_code(CURLE_HTTP2_STREAM, h2, 422, 40, 40), curl_ok);
    assert_int_equal(salvo_effective_code(CURLE_HTTP2_STREAM, h2, 200, 0, 0), curl_ok); /* empty body, declared */
    /* The body was cut short, or its length is unknown. */
    assert_int_equal(salvo_effective_code(CURLE_HTTP2_STREAM, h2, 200, 21, 20), CURLE_HTTP2_STREAM);
    assert_int_equal(salvo_effective_code(CURLE_PARTIAL_FILE, h2, 200, 21, 3), CURLE_PARTIAL_FILE);
    assert_int_equal(salvo_effective_code(CURLE_HTTP2_STREAM, h2, 200, -1, 21), CURLE_HTTP2_STREAM);
    /* No final status. */
    assert_int_equal(salvo_effective_code(CURLE_HTTP2_STREAM, h2, 0, -1, 0), CURLE_HTTP2_STREAM);
    assert_int_equal(salvo_effective_code(CURLE_HTTP2_STREAM, h2, 100, 0, 0), CURLE_HTTP2_STREAM);
    /* HTTP/1.1: a partial file is a cut connection. */
    assert_int_equal(salvo_effective_code(CURLE_PARTIAL_FILE, h11, 200, 21, 21), CURLE_PARTIAL_FILE);
    /* Other errors are never an answer, whatever came before them. */
    assert_int_equal(salvo_effective_code(CURLE_HTTP2, h2, 200, 21, 21), CURLE_HTTP2);
    assert_int_equal(salvo_effective_code(CURLE_RECV_ERROR, h2, 200, 21, 21), CURLE_RECV_ERROR);
    assert_int_equal(salvo_effective_code(CURLE_OPERATION_TIMEDOUT, h2, 200, 21, 21), CURLE_OPERATION_TIMEDOUT);
    assert_int_equal(salvo_effective_code(CURLE_SEND_ERROR, h2, 200, 21, 21), CURLE_SEND_ERROR);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_result_json),
        cmocka_unit_test(test_result_invalid),
        cmocka_unit_test(test_result_response_cases),
        cmocka_unit_test(test_result_response_depth),
        cmocka_unit_test(test_result_response_truncated),
        cmocka_unit_test(test_result_response_not_quite_json),
        cmocka_unit_test(test_classify_table),
        cmocka_unit_test(test_effective_code),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
