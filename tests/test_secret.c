/* Secrets, in one place: which header names are secret, where a held
 * value sits in a line in every form salvo writes it, the trace's
 * blanking of every kind of line, and a result line's. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "crypto.h"
#include "salvo/order.h"
#include "salvo/secret.h"
#include "tool_redact.h"
#include "tool_trace.h"
#include "testutil.h"

/* ---- secret header names: built-in names and prefixes, any case ---- */

static void test_secret_names(void **state)
{
    (void)state;
    const char *extra[] = {"X-Desk-Token", "X-Firm-*"};
    struct {
        const char *name;
        int secret;
    } cases[] = {
        {"Authorization", 1},      {"authorization", 1},       {"Proxy-Authorization", 1}, {"Cookie", 1},
        {"set-cookie", 1},         {"X-API-KEY", 1},           {"x-api-key", 1},           {"API-Key", 1},
        {"API-Sign", 1},           {"X-MBX-APIKEY", 1},        {"APCA-API-KEY-ID", 1},     {"apca-api-secret-key", 1},
        {"CB-ACCESS-KEY", 1},      {"cb-access-sign", 1},      {"CB-ACCESS-PASSPHRASE", 1}, {"KC-API-KEY", 1},
        {"kc-api-passphrase", 1},  {"OK-ACCESS-SIGN", 1},      {"X-BAPI-API-KEY", 1},      {"x-bapi-sign", 1},
        {"ACCESS-KEY", 1},         {"access-token", 1},        {"X-GEMINI-APIKEY", 1},     {"X-Desk-Token", 1},
        {"x-firm-anything", 1},    {"X-Firm-", 1},
        /* not secret */
        {"Content-Type", 0},       {"Authorizations", 0},      {"X-API-KEYS", 0},          {"CB-ACCESS", 0},
        {"Access-Control-Allow-Origin", 0}, {"Idempotency-Key", 0}, {"X-Firm", 0},         {"Host", 0},
        {"API", 0},                {"", 0},
        /* public members of secret families: timestamps, windows, rate limits */
        {"OK-ACCESS-TIMESTAMP", 0}, {"x-bapi-timestamp", 0},    {"X-BAPI-RECV-WINDOW", 0},  {"X-Bapi-Limit-Status", 0},
        {"X-Bapi-Limit", 0},       {"KC-API-TIMESTAMP", 0},    {"CB-ACCESS-TIMESTAMP", 0}, {"ACCESS-TIMESTAMP", 0},
        {"OK-ACCESS-PASSPHRASE", 1}, {"X-BAPI-SIGN-TYPE", 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        int got = salvo_secret_name(cases[i].name, strlen(cases[i].name), extra, 2);
        if (got != cases[i].secret)
            fail_msg("%s: %d, want %d", cases[i].name, got, cases[i].secret);
    }
}

/* ---- secrets anywhere in a line, of every kind libcurl writes ---- */

static void test_secret_redact_lines(void **state)
{
    (void)state;
    const char *names[] = {"X-Desk-Token"};
    const char *values[] = {"k3y-SeCrEt", "d3sk"};
    salvo_secrets_t s = {names, 1, values, 2};
    struct {
        const char *in, *out;
    } cases[] = {
        /* header lines, HTTP/1.1 */
        {"Authorization: Bearer abc", "Authorization: ***"},
        {"authorization:Bearer abc", "authorization:***"},
        {"X-Desk-Token : t", "X-Desk-Token : ***"},
        {"CB-ACCESS-SIGN: xyz", "CB-ACCESS-SIGN: ***"},
        {"Content-Type: application/json", "Content-Type: application/json"},
        {"Host: h:8080", "Host: h:8080"},
        {"Authorization:", "Authorization:"},
        /* libcurl 7.88's HTTP/2 text lines, and 8.x's */
        {"h2h3 [authorization: Bearer abc]", "h2h3 [authorization: ***]"},
        {"h2h3 [apca-api-secret-key: s3]", "h2h3 [apca-api-secret-key: ***]"},
        {"[HTTP/2] [1] [authorization: Bearer abc]", "[HTTP/2] [1] [authorization: ***]"},
        {"h2h3 [:authority: 127.0.0.1:8080]", "h2h3 [:authority: 127.0.0.1:8080]"},
        {"h2h3 [ok-access-key: a]b]", "h2h3 [ok-access-key: ***]"},
        /* a body echoing a header */
        {"{\"headers\":{\"Authorization\":\"Bearer abc\",\"n\":1}}", "{\"headers\":{\"Authorization\":\"***\",\"n\":1}}"},
        {"{\"x-api-key\": \"a\\\"b\", \"k\":2}", "{\"x-api-key\": \"***\", \"k\":2}"},
        /* a multi-line header block: each value to its own line end */
        {"POST / HTTP/1.1\r\nAuthorization: Bearer abc\r\nHost: h\r\n", "POST / HTTP/1.1\r\nAuthorization: ***\r\nHost: h\r\n"},
        /* the values the process holds, whatever the line */
        {"* sending k3y-SeCrEt now", "* sending *** now"},
        {"k3y-SeCrEtk3y-SeCrEt", "***"},
        {"X-Whatever: pre-d3sk-post", "X-Whatever: pre-***-post"},
        {"Authorization: Bearer k3y-SeCrEt", "Authorization: ***"},
        /* a name must be a whole token */
        {"NotAuthorization: x", "NotAuthorization: x"},
        {"my-authorization: x", "my-authorization: x"},
        {"", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char out[256];
        long n = salvo_secret_redact(cases[i].in, strlen(cases[i].in), &s, out, sizeof out);
        if (n != (long)strlen(cases[i].out) || strcmp(out, cases[i].out) != 0)
            fail_msg("\"%s\": \"%s\" (%ld), want \"%s\"", cases[i].in, out, n, cases[i].out);
    }
    /* Cut to the buffer like snprintf, never past a secret's start. */
    char small[12];
    assert_int_equal(salvo_secret_redact("Authorization: Bearer abc", 25, &s, small, sizeof small), 18);
    assert_string_equal(small, "Authorizati");
    assert_int_equal(salvo_secret_redact("ab k3y-SeCrEt", 13, NULL, small, sizeof small), 13); /* no secrets given */
}

/* ---- the trace: every kind of line goes through the redaction ---- */

static void test_trace_every_kind(void **state)
{
    (void)state;
    char path[256], buf[8192];
    temp_path(path, sizeof path, "trace");
    const char *values[] = {"k3y-SeCrEt"};
    salvo_secrets_t s = {NULL, 0, values, 1};
    salvo_trace_t *t;
    assert_int_equal(salvo_trace_open(&t, path, &s), 0);
    const char text[] = "h2h3 [authorization: Bearer k3y-SeCrEt]\n";
    salvo_trace_event(t, 1, "p-1", CURLINFO_TEXT, text, sizeof text - 1);
    salvo_trace_event(t, 1, "p-1", CURLINFO_TEXT, "h2h3 [x-bapi-sign: S1GN]\n", 25);
    salvo_trace_event(t, 1, "p-1", CURLINFO_HEADER_IN, "X-Echo: k3y-SeCrEt\r\n", 20);
    const char body[] = "{\"echo\":{\"authorization\":\"Bearer k3y-SeCrEt\"},\"why\":\"k3y-SeCrEt\"}";
    salvo_trace_event(t, 1, "p-1", CURLINFO_DATA_IN, body, sizeof body - 1);
    /* A secret across the 2,048-byte cut of a shown body: no part of it shows. */
    char big[2100];
    memset(big, 'x', sizeof big);
    memcpy(big + 2044, "k3y-SeCrEt", 10);
    salvo_trace_event(t, 1, "p-1", CURLINFO_DATA_OUT, big, sizeof big);
    assert_int_equal(salvo_trace_close(t), 0);
    slurp(path, buf, sizeof buf);
    assert_null(strstr(buf, "k3y-"));
    assert_null(strstr(buf, "S1GN"));
    assert_non_null(strstr(buf, "[1 p-1] * h2h3 [authorization: ***]\n"));
    assert_non_null(strstr(buf, "* h2h3 [x-bapi-sign: ***]\n"));
    assert_non_null(strstr(buf, "< X-Echo: ***\n"));
    assert_non_null(strstr(buf, "< [65 bytes] {\"echo\":{\"authorization\":\"***\"},\"why\":\"***\"}\n"));
    assert_non_null(strstr(buf, "> [2100 bytes] xxxx"));
    assert_non_null(strstr(buf, "xxx***...\n"));
    unlink(path);
}

/* ---- secrets ---- */

static void test_secret_headers(void **state)
{
    (void)state;
    const char *extra[] = {"X-Desk-Token"};
    struct {
        const char *line;
        size_t at;
    } cases[] = {
        {"Authorization: Bearer abc", 14}, {"authorization:Bearer abc", 14}, {"APCA-API-SECRET-KEY: s", 20},
        {"apca-api-key-id: k", 16},        {"X-MBX-APIKEY: k", 13},          {"Cookie: a=b", 7},
        {"X-Desk-Token : t", 14},          {"Content-Type: x", 0},           {"Authorizations: x", 0},
        {"POST /orders HTTP/1.1", 0},      {"Host: h:8080", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        size_t at = salvo_header_secret_at(cases[i].line, strlen(cases[i].line), extra, 1);
        if (at != cases[i].at)
            fail_msg("%s: %zu, want %zu", cases[i].line, at, cases[i].at);
    }
}

static void test_trace_blanks_secrets(void **state)
{
    (void)state;
    char path[256];
    temp_path(path, sizeof path, "trace");
    const char *extra[] = {"X-Desk-Token"};
    salvo_trace_t *t;
    salvo_secrets_t s = {extra, 1, NULL, 0};
    assert_int_equal(salvo_trace_open(&t, path, &s), 0);
    const char out[] = "POST /orders HTTP/1.1\r\nHost: h\r\nAuthorization: Bearer SEKRIT1\r\n"
                       "X-Desk-Token: SEKRIT2\r\nAPCA-API-SECRET-KEY: SEKRIT3\r\n\r\n";
    salvo_trace_event(t, 3, "p-1", CURLINFO_HEADER_OUT, out, sizeof out - 1);
    salvo_trace_event(t, 3, "p-1", CURLINFO_HEADER_IN, "Set-Cookie: s=SEKRIT4\r\n", 23);
    salvo_trace_event(t, 3, "p-1", CURLINFO_DATA_OUT, "{\"symbol\":\"AAPL\"}", 17);
    assert_int_equal(salvo_trace_close(t), 0);
    FILE *f = fopen(path, "r");
    char buf[4096];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    assert_null(strstr(buf, "SEKRIT"));
    assert_non_null(strstr(buf, "[3 p-1] > Authorization: ***\n"));
    assert_non_null(strstr(buf, "> X-Desk-Token: ***\n"));
    assert_non_null(strstr(buf, "< Set-Cookie: ***\n"));
    assert_non_null(strstr(buf, "> Host: h\n"));
    assert_non_null(strstr(buf, "> [17 bytes] {\"symbol\":\"AAPL\"}\n"));
    unlink(path);
}

/* A held value is found in every form salvo writes it in. */
static void test_secret_forms(void **state)
{
    (void)state;
    const char key[] = "KEY/K+E=Y x\"q";
    salvo_secret_forms_t f = {0};
    assert_int_equal(salvo_secret_forms_add(&f, key, strlen(key)), 0);
    assert_int_equal(salvo_secret_forms_add(&f, key, strlen(key)), 0); /* each form once */
    size_t n = f.n;
    assert_null(f.forms[n]);
    salvo_secrets_t s = {NULL, 0, (const char *const *)f.forms, f.n};
    const char *forms[] = {
        "KEY/K+E=Y x\"q",             /* raw */
        "KEY%2FK%2BE%3DY%20x%22q",   /* a query or form value, as salvo writes it */
        "KEY%2FK%2BE%3DY+x%22q",     /* a form's '+' for the space */
        "KEY/K+E=Y x\\\"q",          /* in a JSON string */
        "KEY\\/K+E=Y x\\\"q",        /* in a JSON string, '/' escaped */
    };
    for (size_t i = 0; i < sizeof forms / sizeof *forms; i++) {
        char text[256], out[256];
        snprintf(text, sizeof text, "a=%s&b=1", forms[i]);
        long len = salvo_secret_redact(text, strlen(text), &s, out, sizeof out);
        if (len < 0 || strcmp(out, "a=***&b=1") != 0)
            fail_msg("form %zu (%s): \"%s\"", i, forms[i], out);
    }
    /* in base64url (a JWT's claims) at each offset mod 3: every character
     * whose bits are all the key's is blanked */
    for (size_t at = 0; at < 3; at++) {
        unsigned char claims[64] = "{\"sub\":\"";
        memcpy(claims + at, key, sizeof key - 1);
        memcpy(claims + at + sizeof key - 1, "\"}", 2);
        size_t clen = at + sizeof key - 1 + 2;
        char b64[128];
        int blen = salvo_b64_encode(claims, clen, 1, b64, sizeof b64);
        assert_true(blen > 0);
        unsigned char mask[128] = {0};
        salvo_secret_mask(b64, (size_t)blen, &s, mask);
        for (size_t c = (8 * at + 5) / 6; c < 8 * (at + sizeof key - 1) / 6; c++)
            if (!mask[c])
                fail_msg("base64url at offset %zu: character %zu shown", at, c);
    }
    salvo_secret_forms_free(&f);
    assert_null(f.forms);
}

/* A text cut inside a secret (a response kept to its first 4096 bytes)
 * shows no part of it; a name in an echo's JSON string is found after its
 * escaped line end, and its value ends at the next one. */
static void test_secret_cut_and_echo(void **state)
{
    (void)state;
    const char *values[] = {"s3cr3t-KEY-value"};
    salvo_secrets_t s = {NULL, 0, values, 1};
    const char cut[] = "apiKey=s3cr3t-KE";
    unsigned char mask[64] = {0};
    assert_int_equal(salvo_secret_mask(cut, strlen(cut), &s, mask), 0);
    assert_int_equal(salvo_secret_mask_cut(cut, strlen(cut), &s, mask), 9);
    assert_int_equal(mask[6], 0);
    assert_int_equal(mask[7], 1);
    const char whole[] = "apiKey=s3cr3t-KEY-value&x=s";
    memset(mask, 0, sizeof mask);
    assert_int_equal(salvo_secret_mask_cut(whole, strlen(whole), &s, mask), 1); /* an 's' at the end: harmless */

    const char echo[] = "{\"msg\":\"POST / HTTP/1.1\\r\\nAuthorization: Bearer SIG\\r\\nHost: h\\u000d\\u000a"
                        "X-MBX-APIKEY: K2\\u000d\\u000aAccept: */*\"}";
    char out[256];
    salvo_secret_redact(echo, strlen(echo), NULL, out, sizeof out);
    assert_string_equal(out, "{\"msg\":\"POST / HTTP/1.1\\r\\nAuthorization: ***\\r\\nHost: h\\u000d\\u000a"
                             "X-MBX-APIKEY: ***\\u000d\\u000aAccept: */*\"}");
    /* header lines as JSON strings (a dry run's request), nested too: each
     * value ends with its string, the JSON around it stays */
    const char lines[] = "{\"headers\":[\"Authorization: ***\",\"X-API-KEY: k\\\"2\",\"Accept: */*\"],"
                         "\"m\":\"[\\\"Cookie: c=1\\\",\\\"Host: h\\\"]\"}";
    salvo_secret_redact(lines, strlen(lines), NULL, out, sizeof out);
    assert_string_equal(out, "{\"headers\":[\"Authorization: ***\",\"X-API-KEY: ***\",\"Accept: */*\"],"
                             "\"m\":\"[\\\"Cookie: ***\\\",\\\"Host: h\\\"]\"}");
    /* a JSON object echoed inside a JSON string: its names' quotes are \" */
    const char nested[] = "{\"req\":\"{\\\"Authorization\\\": \\\"Bearer SIG\\\"}\"}";
    salvo_secret_redact(nested, strlen(nested), NULL, out, sizeof out);
    assert_string_equal(out, "{\"req\":\"{\\\"Authorization\\\": ***");
}

/* A result's text from outside: blanked where a secret is, untouched (the
 * same pointer, no copy) where none is; embedded JSON stays JSON. */
static void test_redact_result(void **state)
{
    (void)state;
    salvo_secret_forms_t f = {0};
    assert_int_equal(salvo_secret_forms_add(&f, "k/e y", 5), 0);
    salvo_secrets_t s = {NULL, 0, (const char *const *)f.forms, f.n};
    tool_redact_t rd;
    tool_redact_init(&rd, &s);
    salvo_order_t o = {.client_order_id = "p-1"};
    const char resp[] = "{\"msg\":\"bad key k%2Fe%20y\",\"h\":\"X-API-KEY: k/e y\"}";
    const char *clean = "{\"ok\":true}";
    salvo_result_t r = {.order = &o, .response = resp, .response_len = sizeof resp - 1, .error = "broker: k/e y",
                        .headers = "{\"X-Echo\":\"k/e y\"}", .order_id = "42", .location = NULL};
    tool_redact_result(&rd, &r);
    /* a header line in a JSON string: its value ends with the string */
    assert_string_equal(r.response, "{\"msg\":\"bad key ***\",\"h\":\"X-API-KEY: ***\"}");
    assert_int_equal(r.response_len, strlen(r.response));
    assert_string_equal(r.error, "broker: ***");
    assert_string_equal(r.headers, "{\"X-Echo\":\"***\"}");
    assert_string_equal(r.order_id, "42");
    assert_null(r.location);
    salvo_result_t c = {.order = &o, .response = clean, .response_len = strlen(clean), .error = "timeout"};
    const char *err = c.error;
    tool_redact_result(&rd, &c);
    assert_ptr_equal(c.response, clean);
    assert_ptr_equal(c.error, err);
    /* cut inside the key */
    salvo_result_t t = {.order = &o, .response = "{\"msg\":\"k/e", .response_len = 11, .response_truncated = 1};
    tool_redact_result(&rd, &t);
    assert_string_equal(t.response, "{\"msg\":\"***");
    /* a blank that leaves captured headers no longer JSON: withheld whole */
    const char *values[] = {"\"X"};
    salvo_secrets_t odd = {NULL, 0, values, 1};
    rd.secrets = &odd;
    salvo_result_t h = {.order = &o, .headers = "{\"X\":1}"};
    tool_redact_result(&rd, &h);
    assert_string_equal(h.headers, "\"[withheld: its secrets could not be blanked]\"");
    tool_redact_free(&rd);
    salvo_secret_forms_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_secret_names),
        cmocka_unit_test(test_secret_redact_lines),
        cmocka_unit_test(test_trace_every_kind),
        cmocka_unit_test(test_secret_headers),
        cmocka_unit_test(test_trace_blanks_secrets),
        cmocka_unit_test(test_secret_forms),
        cmocka_unit_test(test_secret_cut_and_echo),
        cmocka_unit_test(test_redact_result),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
