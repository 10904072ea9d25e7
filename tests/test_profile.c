/* Broker profiles: loading and its errors, and send-time signing against
 * the brokers' published examples (the answer rules: test_rules.c). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <cjson/cJSON.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>

#include "crypto.h"
#include "profile_int.h"
#include "retry.h"
#include "rules.h"
#include "salvo/result.h"
#include "salvo/order.h"
#include "salvo/profile.h"
#include "sign.h"
#include "tmpl.h"

#include "profile_testutil.h"

/* ---------- loading ---------- */

static void test_load_errors_name_the_field(void **state)
{
    (void)state;
    assert_refused("{\"name\":\"x\",\"urll\":\"https://h/\"}", "urll");
    assert_refused("{\"url\":\"https://h/\"}", "name");
    assert_refused("{\"name\":\"x\",\"encoding\":\"xml\"}", "encoding");
    assert_refused("{\"name\":\"x\",\"headers\":[\"X-Sig: {{secret}}\"]}", "secret");
    assert_refused("{\"name\":\"x\",\"headers\":[\"X-Sig: {{timestamp}}\"]}", "{{timestamp}}");
    assert_refused("{\"name\":\"x\",\"sign\":{\"algo\":\"hmac-md5\",\"string\":\"a\"}}", "sign.algo");
    assert_refused("{\"name\":\"x\",\"sign\":{\"algo\":\"hmac-sha256\"}}", "string");
    assert_refused("{\"name\":\"x\",\"result\":{\"rules\":[{\"if\":[{\"pointer\":\"/a\"}],\"status\":\"rejected\"}]}}",
                   "rules[0]");
    assert_refused("{\"name\":\"x\",\"result\":{\"rules\":[{\"http\":[200],\"status\":\"maybe\"}]}}", "status");
    assert_refused("{\"name\":\"x\",\"client_id\":{\"charset\":\"z-a\"}}", "charset");
    assert_refused("not json", "JSON");
    /* a line break in a header's value: refused at load, not at every order's send */
    assert_refused("{\"name\":\"x\",\"headers\":[\"X-Desk: a\\r\\nX-Evil: 1\"]}", "X-Desk holds a line break");
    assert_refused("{\"name\":\"x\",\"sandbox_headers\":[\"X-Sim: 1\\n\"]}", "X-Sim holds a line break");
    /* "_notes" and the like are for people */
    salvo_profile_t *p = load("{\"name\":\"x\",\"_sources\":\"docs\"}");
    salvo_profile_free(p);
}

/* What JSON parsers disagree on is refused, not read one way: text after
 * the object, a key given twice, a NUL inside a string (cJSON would cut the
 * string there), a fraction of a concurrency; and nesting too deep is said
 * as that, not as "not valid JSON". */
static void test_load_refuses_ambiguous_json(void **state)
{
    (void)state;
    assert_refused("{\"name\":\"x\"} {\"name\":\"y\"}", "text after the profile's object (line 1, column 14)");
    assert_refused("{\"name\":\"x\"}\n\ngarbage", "line 3, column 1");
    assert_refused("{\"name\":\"x\",\"url\":\"https://a/\",\"url\":\"https://b/\"}", "\"url\" given twice");
    assert_refused("{\"name\":\"x\",\"sign\":{\"algo\":\"none\",\"algo\":\"hmac-sha256\"}}", "sign: \"algo\" given twice");
    assert_refused("{\"name\":\"x\",\"body\":{\"a\":[{\"b\":1,\"b\":2}]}}", "body.a[0]: \"b\" given twice");
    assert_refused("{\"name\":\"x\\u0000y\"}", "a string holds \\u0000");
    assert_refused("{\"name\":\"x\\u0000y\"}", "(line 1, column 11)");
    assert_refused("{\"name\":\"x\",\"headers\":[\"X-A: a\\u0000b\"]}", "\\u0000");
    static const char raw_nul[] = "{\"name\":\"x\",\"url\":\"https://a/\0b\"}";
    salvo_profile_t *p = NULL;
    char err[320] = "";
    assert_int_equal(salvo_profile_parse(&p, raw_nul, sizeof raw_nul - 1, err, sizeof err), -EINVAL);
    assert_non_null(strstr(err, "(line 1, column 30)"));
    assert_refused("{\"name\":\"x\",\"concurrency\":2.5}", "concurrency");
    char deep[2100];
    size_t n = (size_t)snprintf(deep, sizeof deep, "{\"name\":\"x\",\"body\":");
    for (int i = 0; i < 1001; i++)
        deep[n++] = '[';
    for (int i = 0; i < 1001; i++)
        deep[n++] = ']';
    memcpy(deep + n, "}", 2);
    assert_refused(deep, "nested deeper than");
    /* an escaped backslash before u0000 is text, a whitespace tail is no tail */
    p = load("{\"name\":\"x\\\\u0000\",\"concurrency\":4} \n");
    assert_string_equal(salvo_profile_name(p), "x\\u0000");
    assert_string_equal(salvo_profile_default(p, "concurrency"), "4");
    salvo_profile_free(p);
}

static void test_secret_variables(void **state)
{
    (void)state;
    salvo_profile_t *p = load("{\"name\":\"okx\",\"headers\":[\"K: {{key}}\",\"P: {{passphrase}}\",\"S: {{signature}}\","
                              "\"T: {{timestamp_iso}}\"],\"sign\":{\"algo\":\"hmac-sha256\",\"string\":\"x\"}}");
    assert_true(salvo_profile_needs(p, SALVO_SECRET_KEY));
    assert_true(salvo_profile_needs(p, SALVO_SECRET_SECRET));
    assert_true(salvo_profile_needs(p, SALVO_SECRET_PASSPHRASE));
    assert_string_equal(salvo_profile_secret_var(p, SALVO_SECRET_PASSPHRASE), "OKX_PASSPHRASE");
    /* the headers holding secrets, for redaction: not the timestamp */
    assert_string_equal(salvo_profile_secret_header(p, 0), "K");
    assert_string_equal(salvo_profile_secret_header(p, 1), "P");
    assert_string_equal(salvo_profile_secret_header(p, 2), "S");
    assert_null(salvo_profile_secret_header(p, 3));
    assert_false(salvo_profile_ready(p));
    /* a key or passphrase with a line break: refused when handed over, naming its variable */
    char err[256];
    assert_int_equal(salvo_profile_set_secret(p, SALVO_SECRET_KEY, "k\r\nX-Evil: 1", 12, err, sizeof err), -EINVAL);
    assert_string_equal(err, "OKX_API_KEY holds a line break (CR or LF)");
    assert_int_equal(salvo_profile_set_secret(p, SALVO_SECRET_PASSPHRASE, "p\n", 2, err, sizeof err), -EINVAL);
    assert_string_equal(err, "OKX_PASSPHRASE holds a line break (CR or LF)");
    set_secret(p, SALVO_SECRET_KEY, "k");
    set_secret(p, SALVO_SECRET_PASSPHRASE, "p");
    set_secret(p, SALVO_SECRET_SECRET, "s\n"); /* key material: its bytes are the HMAC key */
    assert_true(salvo_profile_ready(p));
    salvo_profile_free(p);
    p = load("{\"name\":\"alpaca\",\"headers\":[\"APCA-API-KEY-ID: {{key}}\"],\"secrets\":{\"key\":\"APCA_KEY\"}}");
    assert_string_equal(salvo_profile_secret_var(p, SALVO_SECRET_KEY), "APCA_KEY");
    assert_false(salvo_profile_needs(p, SALVO_SECRET_SECRET));
    salvo_profile_free(p);
}

/* ---------- signing ---------- */

/* Binance's published HMAC example (binance-spot-api-docs, rest-api.md,
 * "SIGNED Endpoint Examples"): the params appended, then the signature,
 * over query || body exactly as sent. */
static void test_binance_published_example(void **state)
{
    (void)state;
    salvo_profile_t *p = load(
        "{\"name\":\"binance\",\"encoding\":\"form\",\"headers\":[\"X-MBX-APIKEY: {{key}}\"],"
        "\"sign\":{\"params\":{\"recvWindow\":\"5000\",\"timestamp\":\"{{timestamp_ms}}\"},"
        "\"algo\":\"hmac-sha256\",\"string\":\"{{query}}{{body}}\",\"param\":\"signature\"}}");
    set_secret(p, SALVO_SECRET_KEY, "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A");
    set_secret(p, SALVO_SECRET_SECRET, "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j");
    salvo_signer_t st = {0};
    salvo_wire_t w = {0};
    const char *body = "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1";
    char err[200];
    assert_int_equal(salvo_sign_build(p, &st, "https://api.binance.com/api/v3/order", body, strlen(body),
                                      1499827319559000LL, &w, err, sizeof err), 0);
    assert_string_equal(w.body.p, "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1"
                                  "&recvWindow=5000&timestamp=1499827319559"
                                  "&signature=c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71");
    assert_int_equal(w.body_len, strlen(w.body.p));
    assert_string_equal(w.url.p, "https://api.binance.com/api/v3/order");
    assert_string_equal(header(&w, "X-MBX-APIKEY"), "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A");
    assert_int_equal(w.secret, 1u);
    /* a dry run shows neither the key nor the signature */
    w.redact = 1;
    assert_int_equal(salvo_sign_build(p, &st, "https://api.binance.com/api/v3/order", body, strlen(body),
                                      1499827319559000LL, &w, err, sizeof err), 0);
    assert_null(strstr(w.body.p, "c8db5682"));
    assert_string_equal(header(&w, "X-MBX-APIKEY"), "***");
    salvo_wire_free(&w);
    salvo_profile_free(p);
}

/* Kraken's published API-Sign example (docs.kraken.com, REST
 * authentication): HMAC-SHA512(b64dec(secret), path || SHA256(nonce || body)). */
static void test_kraken_published_example(void **state)
{
    (void)state;
    salvo_profile_t *p = load(
        "{\"name\":\"kraken\",\"encoding\":\"form\",\"headers\":[\"API-Key: {{key}}\",\"API-Sign: {{signature}}\"],"
        "\"sign\":{\"algo\":\"kraken\",\"output\":\"base64\",\"params\":{\"nonce\":\"{{nonce}}\",\"ordertype\":\"limit\","
        "\"pair\":\"XBTUSD\",\"price\":\"37500\",\"type\":\"buy\",\"volume\":\"1.25\"}}}");
    set_secret(p, SALVO_SECRET_KEY, "k");
    set_secret(p, SALVO_SECRET_SECRET,
               "kQH5HW/8p1uGOVjbgWA7FunAmGO8lsSUXNsu3eow76sz84Q18fWxnyRzBHCd3pd5nE9qa99HAZtuZuj6F1huXg==");
    salvo_signer_t st = {0};
    salvo_wire_t w = {0};
    char err[200];
    /* the nonce is Unix microseconds: this "now" gives the example's nonce */
    assert_int_equal(salvo_sign_build(p, &st, "https://api.kraken.com/0/private/AddOrder", "", 0, 1616492376594LL, &w,
                                      err, sizeof err), 0);
    assert_string_equal(w.body.p, "nonce=1616492376594&ordertype=limit&pair=XBTUSD&price=37500&type=buy&volume=1.25");
    assert_string_equal(header(&w, "API-Sign"),
                        "4/dpxb3iT4tp/ZCVEwSnEsLxx0bqyhLpdfOpc6fn7OR8+UClSV5n9E6aSS8MPtnRfp32bAb0nmbRn6H8ndwLUQ==");
    /* the same microsecond again: the nonce still goes up */
    assert_int_equal(salvo_sign_build(p, &st, "https://api.kraken.com/0/private/AddOrder", "", 0, 1616492376594LL, &w,
                                      err, sizeof err), 0);
    assert_non_null(strstr(w.body.p, "nonce=1616492376595&"));
    salvo_wire_free(&w);
    salvo_profile_free(p);
}

/* "idempotency_header" names the header carrying the client order id
 * (none by default: brokers that never asked for one get none);
 * "dedupes_client_id" says the broker never places an id twice. Each
 * bundled profile says both, honestly (brokers.md). */
static void test_idempotency_fields(void **state)
{
    (void)state;
    salvo_profile_t *p = load("{\"name\":\"x\"}");
    assert_null(salvo_profile_idempotency_header(p));
    assert_int_equal(salvo_profile_dedupes_client_id(p), 0);
    salvo_profile_free(p);
    p = load("{\"name\":\"x\",\"idempotency_header\":\"X-Idem\",\"dedupes_client_id\":true}");
    assert_string_equal(salvo_profile_idempotency_header(p), "X-Idem");
    assert_int_equal(salvo_profile_dedupes_client_id(p), 1);
    salvo_profile_free(p);
    assert_refused("{\"name\":\"x\",\"idempotency_header\":\"X Idem\"}", "idempotency_header");
    assert_refused("{\"name\":\"x\",\"idempotency_header\":\"\"}", "idempotency_header");
    assert_refused("{\"name\":\"x\",\"idempotency_header\":7}", "idempotency_header");
    assert_refused("{\"name\":\"x\",\"idempotency_header\":\"X-"
                   "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}", "idempotency_header");
    assert_refused("{\"name\":\"x\",\"dedupes_client_id\":\"yes\"}", "dedupes_client_id");
    static const struct {
        const char *name;
        int dedupes;
    } bundled[] = {
        {"alpaca", 1}, {"binance", 0}, {"binance-ed25519", 0}, {"bitget", 0}, {"bybit", 1}, {"coinbase", 1},
        {"kraken", 0}, {"oanda", 0},   {"okx", 0},             {"okx-demo", 0}, {"tradier", 0},
        {"salvo-mock", 1},
    };
    for (size_t i = 0; i < sizeof bundled / sizeof *bundled; i++) {
        const char *text = read_bundled(bundled[i].name, NULL);
        if (strstr(text, "\"dedupes_client_id\"") == NULL) /* said, not left to the default */
            fail_msg("%s.json does not say dedupes_client_id", bundled[i].name);
        p = load_bundled(bundled[i].name);
        if (salvo_profile_dedupes_client_id(p) != bundled[i].dedupes)
            fail_msg("%s: dedupes_client_id %d, want %d", bundled[i].name, salvo_profile_dedupes_client_id(p),
                     bundled[i].dedupes);
        if (salvo_profile_idempotency_header(p)) /* no bundled broker documents one */
            fail_msg("%s sends %s", bundled[i].name, salvo_profile_idempotency_header(p));
        salvo_profile_free(p);
    }
}

/* sign.params_first: the params before the body's pairs, in a form body
 * and in a query (after the URL's own query); without it, after. */
static void test_params_first(void **state)
{
    (void)state;
    assert_refused("{\"name\":\"x\",\"sign\":{\"algo\":\"kraken\",\"params_first\":1}}", "sign.params_first");
    const char *enc[] = {"form", "query"};
    const char *want[][2] = {
        {"https://h/x?k=1", "n=7&a=1&b=2"}, /* form, params first */
        {"https://h/x?k=1&n=7&a=1&b=2", ""}, /* query, params first */
    };
    for (int i = 0; i < 2; i++) {
        char json[400];
        snprintf(json, sizeof json,
                 "{\"name\":\"x\",\"encoding\":\"%s\",\"sign\":{\"algo\":\"hmac-sha256\",\"string\":\"{{query}}{{body}}\","
                 "\"params\":{\"n\":\"7\"},\"params_first\":true}}", enc[i]);
        salvo_profile_t *p = load(json);
        set_secret(p, SALVO_SECRET_SECRET, "s");
        salvo_signer_t st = {0};
        salvo_wire_t w = {0};
        char err[200];
        assert_int_equal(salvo_sign_build(p, &st, "https://h/x?k=1", "a=1&b=2", 7, 1000, &w, err, sizeof err), 0);
        assert_string_equal(w.url.p, want[i][0]);
        assert_string_equal(w.body.p, want[i][1]);
        assert_int_equal(w.sig.len, 0); /* not a dry run on a fixed clock: no signature kept to show */
        /* an empty body: the params alone */
        assert_int_equal(salvo_sign_build(p, &st, "https://h/x", "", 0, 1000, &w, err, sizeof err), 0);
        assert_string_equal(i == 0 ? w.body.p : w.url.p, i == 0 ? "n=7" : "https://h/x?n=7");
        salvo_wire_free(&w);
        salvo_profile_free(p);
    }
}

/* --clock: the timestamps and the nonce from the fixed clock, the nonce
 * going up from it; a dry run shows the signature, never the key, and a
 * JWT (which names the key) stays ***. */
static void test_fixed_clock(void **state)
{
    (void)state;
    salvo_profile_t *p = load(
        "{\"name\":\"x\",\"encoding\":\"form\",\"headers\":[\"K: {{key}}\",\"S: {{signature}}\",\"T: {{timestamp_ms}}\"],"
        "\"sign\":{\"algo\":\"hmac-sha256\",\"string\":\"{{key}}{{body}}\",\"params\":{\"n\":\"{{nonce}}\"}}}");
    set_secret(p, SALVO_SECRET_KEY, "thekey");
    set_secret(p, SALVO_SECRET_SECRET, "s");
    salvo_sign_fix_clock(p, 1700000000123LL);
    salvo_signer_t st = {0};
    salvo_wire_t w = {0};
    char err[200];
    /* a real build (never done on a fixed clock by the tool, but the bytes are the same) */
    assert_int_equal(salvo_sign_build(p, &st, "https://h/x", "a=1", 3, 5, &w, err, sizeof err), 0);
    assert_string_equal(w.body.p, "a=1&n=1700000000123");
    assert_string_equal(header(&w, "T"), "1700000000123");
    char sig[80];
    snprintf(sig, sizeof sig, "%s", header(&w, "S"));
    assert_int_equal(salvo_sign_build(p, &st, "https://h/x", "a=1", 3, 5, &w, err, sizeof err), 0);
    assert_string_equal(w.body.p, "a=1&n=1700000000124"); /* the next nonce */
    /* the dry run of the first: the same signature (over the real key), shown */
    st = (salvo_signer_t){0};
    w.redact = 1;
    assert_int_equal(salvo_sign_build(p, &st, "https://h/x", "a=1", 3, 5, &w, err, sizeof err), 0);
    assert_string_equal(w.body.p, "a=1&n=1700000000123");
    assert_string_equal(header(&w, "K"), "***");
    assert_string_equal(header(&w, "S"), sig);
    assert_string_equal(w.sig.p, sig);
    assert_int_equal(strlen(sig), 64);
    /* what is signed, shown with the key as *** */
    assert_int_equal(w.canon.len, strlen("***a=1&n=1700000000123"));
    assert_memory_equal(w.canon.p, "***a=1&n=1700000000123", w.canon.len);
    salvo_wire_free(&w);
    salvo_profile_free(p);
}

/* OKX: ISO timestamp, METHOD + path + body, base64; a passphrase header. */
static void test_okx_shape(void **state)
{
    (void)state;
    salvo_profile_t *p = load(
        "{\"name\":\"okx\",\"headers\":[\"OK-ACCESS-KEY: {{key}}\",\"OK-ACCESS-SIGN: {{signature}}\","
        "\"OK-ACCESS-TIMESTAMP: {{timestamp_iso}}\",\"OK-ACCESS-PASSPHRASE: {{passphrase}}\"],"
        "\"sign\":{\"algo\":\"hmac-sha256\",\"string\":\"{{timestamp_iso}}{{method}}{{path_query}}{{body}}\","
        "\"output\":\"base64\"}}");
    set_secret(p, SALVO_SECRET_KEY, "key");
    set_secret(p, SALVO_SECRET_SECRET, "secret");
    set_secret(p, SALVO_SECRET_PASSPHRASE, "pass");
    salvo_signer_t st = {0};
    salvo_wire_t w = {0};
    char err[200];
    const char *body = "{\"instId\":\"BTC-USDT\"}";
    assert_int_equal(salvo_sign_build(p, &st, "https://www.okx.com/api/v5/trade/order", body, strlen(body),
                                      1607418537715123LL, &w, err, sizeof err), 0);
    assert_string_equal(header(&w, "OK-ACCESS-TIMESTAMP"), "2020-12-08T09:08:57.715Z");
    assert_string_equal(header(&w, "OK-ACCESS-PASSPHRASE"), "pass");
    /* independently: HMAC-SHA256("secret", ts + "POST" + path + body), base64 */
    const char *msg = "2020-12-08T09:08:57.715ZPOST/api/v5/trade/order{\"instId\":\"BTC-USDT\"}";
    unsigned char mac[64];
    unsigned int n = 0;
    HMAC(EVP_sha256(), "secret", 6, (const unsigned char *)msg, strlen(msg), mac, &n);
    char b64[128];
    EVP_EncodeBlock((unsigned char *)b64, mac, (int)n);
    assert_string_equal(header(&w, "OK-ACCESS-SIGN"), b64);
    assert_string_equal(w.body.p, body); /* JSON bodies are sent as rendered */
    assert_int_equal(w.secret, 0x0bu);   /* key, sign, passphrase; not the timestamp */
    salvo_wire_free(&w);
    salvo_profile_free(p);
}

/* base64url text to bytes (JWT parts have no padding). */
static size_t b64url_decode(const char *s, size_t n, unsigned char *out, size_t cap)
{
    char buf[2048];
    assert_true(n + 4 < sizeof buf);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        buf[k++] = s[i] == '-' ? '+' : s[i] == '_' ? '/' : s[i];
    while (k % 4)
        buf[k++] = '=';
    int len = salvo_b64_decode(buf, k, out, cap);
    assert_true(len >= 0);
    return (size_t)len;
}

/* Coinbase: a fresh ES256 JWT per request; the claims name the request,
 * and the signature verifies with the public key (libcrypto directly). */
static void test_coinbase_jwt(void **state)
{
    (void)state;
    EVP_PKEY *key = EVP_EC_gen("P-256");
    assert_non_null(key);
    BIO *bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL);
    char *pem;
    long pem_len = BIO_get_mem_data(bio, &pem);
    salvo_profile_t *p = load(
        "{\"name\":\"coinbase\",\"headers\":[\"Authorization: Bearer {{signature}}\"],"
        "\"sign\":{\"algo\":\"jwt-es256\","
        "\"jwt_header\":\"{\\\"alg\\\":\\\"ES256\\\",\\\"kid\\\":\\\"{{key}}\\\",\\\"nonce\\\":\\\"{{random_hex}}\\\",\\\"typ\\\":\\\"JWT\\\"}\","
        "\"jwt_claims\":\"{\\\"sub\\\":\\\"{{key}}\\\",\\\"iss\\\":\\\"cdp\\\",\\\"nbf\\\":{{timestamp_s}},\\\"exp\\\":{{expires_s}},"
        "\\\"uri\\\":\\\"{{method}} {{host}}{{path}}\\\"}\"}}");
    set_secret(p, SALVO_SECRET_KEY, "organizations/o1/apiKeys/k1");
    char err[256];
    assert_int_equal(salvo_profile_set_secret(p, SALVO_SECRET_SECRET, pem, (size_t)pem_len, err, sizeof err), 0);
    salvo_signer_t st = {0};
    salvo_wire_t w = {0};
    assert_int_equal(salvo_sign_build(p, &st, "https://api.coinbase.com/api/v3/brokerage/orders", "{}", 2,
                                      1700000000000000LL, &w, err, sizeof err), 0);
    const char *tok = header(&w, "Authorization");
    assert_non_null(tok);
    assert_memory_equal(tok, "Bearer ", 7);
    tok += 7;
    const char *dot1 = strchr(tok, '.'), *dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
    assert_non_null(dot2);
    unsigned char claims[512];
    size_t cl = b64url_decode(dot1 + 1, (size_t)(dot2 - dot1 - 1), claims, sizeof claims - 1);
    claims[cl] = '\0';
    cJSON *c = cJSON_Parse((const char *)claims);
    assert_non_null(c);
    assert_string_equal(cJSON_GetObjectItem(c, "uri")->valuestring, "POST api.coinbase.com/api/v3/brokerage/orders");
    assert_string_equal(cJSON_GetObjectItem(c, "sub")->valuestring, "organizations/o1/apiKeys/k1");
    assert_int_equal((int)cJSON_GetObjectItem(c, "exp")->valuedouble - (int)cJSON_GetObjectItem(c, "nbf")->valuedouble, 120);
    assert_int_equal((long)cJSON_GetObjectItem(c, "nbf")->valuedouble, 1700000000L);
    cJSON_Delete(c);
    /* r||s back to DER, verified over header.claims */
    unsigned char rs[128];
    assert_int_equal(b64url_decode(dot2 + 1, strlen(dot2 + 1), rs, sizeof rs), 64);
    ECDSA_SIG *sig = ECDSA_SIG_new();
    ECDSA_SIG_set0(sig, BN_bin2bn(rs, 32, NULL), BN_bin2bn(rs + 32, 32, NULL));
    unsigned char *der = NULL;
    int dlen = i2d_ECDSA_SIG(sig, &der);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    assert_int_equal(EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, key), 1);
    assert_int_equal(EVP_DigestVerify(md, der, (size_t)dlen, (const unsigned char *)tok, (size_t)(dot2 - tok)), 1);
    EVP_MD_CTX_free(md);
    OPENSSL_free(der);
    ECDSA_SIG_free(sig);
    /* a second request: a new token (new nonce) */
    char first[1024];
    snprintf(first, sizeof first, "%s", header(&w, "Authorization"));
    assert_int_equal(salvo_sign_build(p, &st, "https://api.coinbase.com/api/v3/brokerage/orders", "{}", 2,
                                      1700000000000000LL, &w, err, sizeof err), 0);
    assert_string_not_equal(first, header(&w, "Authorization"));
    salvo_wire_free(&w);
    salvo_profile_free(p);
    BIO_free(bio);
    EVP_PKEY_free(key);
}

static void test_wrong_key_kind(void **state)
{
    (void)state;
    EVP_PKEY *key = EVP_EC_gen("P-256");
    BIO *bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL);
    char *pem;
    long n = BIO_get_mem_data(bio, &pem);
    salvo_profile_t *p = load("{\"name\":\"b\",\"sign\":{\"algo\":\"ed25519\",\"string\":\"{{body}}\",\"output\":\"base64\"}}");
    char err[256];
    assert_int_equal(salvo_profile_set_secret(p, SALVO_SECRET_SECRET, pem, (size_t)n, err, sizeof err), -EINVAL);
    assert_non_null(strstr(err, "B_API_SECRET"));
    assert_null(strstr(err, "PRIVATE KEY")); /* never the key's text */
    salvo_profile_free(p);
    BIO_free(bio);
    EVP_PKEY_free(key);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_load_errors_name_the_field),
        cmocka_unit_test(test_load_refuses_ambiguous_json),
        cmocka_unit_test(test_secret_variables),
        cmocka_unit_test(test_binance_published_example),
        cmocka_unit_test(test_kraken_published_example),
        cmocka_unit_test(test_params_first),
        cmocka_unit_test(test_fixed_clock),
        cmocka_unit_test(test_idempotency_fields),
        cmocka_unit_test(test_okx_shape),
        cmocka_unit_test(test_coinbase_jwt),
        cmocka_unit_test(test_wrong_key_kind),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
