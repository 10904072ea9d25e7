/* Broker profiles' rules: how an answer is read (HTTP-200 rejects,
 * unknowns, rate limits) and which orders a profile refuses. */
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

/* ---------- reading answers ---------- */

static int verdict(const salvo_profile_t *p, long http, const char *body)
{
    const salvo_rules_t *rs = salvo_profile_rules(p);
    cJSON *doc = cJSON_Parse(body);
    int v = salvo_rules_match(rs, http, doc, NULL);
    cJSON_Delete(doc);
    return v;
}

static void test_rules_http_200_rejects(void **state)
{
    (void)state;
    salvo_profile_t *bybit = load(
        "{\"name\":\"bybit\",\"result\":{\"order_id\":\"/result/orderId\",\"error\":[\"/retMsg\",\"/retCode\"],\"rules\":["
        "{\"if\":[{\"pointer\":\"/retCode\",\"in\":[110072,170141]}],\"status\":\"duplicate\"},"
        "{\"if\":[{\"pointer\":\"/retCode\",\"in\":[10006]}],\"status\":\"rate_limited\"},"
        "{\"http\":[403],\"status\":\"banned\"},"
        "{\"if\":[{\"pointer\":\"/retCode\",\"ne\":0}],\"status\":\"rejected\"}]}}");
    assert_int_equal(verdict(bybit, 200, "{\"retCode\":0,\"result\":{\"orderId\":\"1\"}}"), SALVO_V_NONE);
    assert_int_equal(verdict(bybit, 200, "{\"retCode\":110007,\"retMsg\":\"ab not enough\"}"), SALVO_V_REJECTED);
    assert_int_equal(verdict(bybit, 200, "{\"retCode\":170141,\"retMsg\":\"Duplicate clientOrderId\"}"), SALVO_V_DUPLICATE);
    assert_int_equal(verdict(bybit, 200, "{\"retCode\":10006}"), SALVO_V_RATE_LIMITED);
    assert_int_equal(verdict(bybit, 403, "access too frequent"), SALVO_V_BANNED);
    /* a 5xx is not read by a rule that does not name it: it stays unknown */
    assert_int_equal(verdict(bybit, 502, "{\"retCode\":10001}"), SALVO_V_NONE);
    /* no retCode at all: no rule holds */
    assert_int_equal(verdict(bybit, 200, "<html>"), SALVO_V_NONE);
    char words[200], id[64];
    cJSON *doc = cJSON_Parse("{\"retCode\":110007,\"retMsg\":\"ab not enough\",\"result\":{\"orderId\":12345678901234}}");
    salvo_rules_error(salvo_profile_rules(bybit), doc, words, sizeof words);
    salvo_rules_order_id(salvo_profile_rules(bybit), doc, id, sizeof id);
    cJSON_Delete(doc);
    assert_string_equal(words, "ab not enough (110007)");
    assert_string_equal(id, "12345678901234");
    salvo_profile_free(bybit);

    /* OKX's codes are strings: "0" is success, 0 would not be */
    salvo_profile_t *okx = load(
        "{\"name\":\"okx\",\"result\":{\"rules\":["
        "{\"if\":[{\"pointer\":\"/data/0/sCode\",\"eq\":\"51016\"}],\"status\":\"duplicate\"},"
        "{\"if\":[{\"pointer\":\"/code\",\"ne\":\"0\"}],\"status\":\"rejected\"}]}}");
    assert_int_equal(verdict(okx, 200, "{\"code\":\"0\",\"data\":[{\"sCode\":\"0\"}]}"), SALVO_V_NONE);
    assert_int_equal(verdict(okx, 200, "{\"code\":\"1\",\"data\":[{\"sCode\":\"51016\"}]}"), SALVO_V_DUPLICATE);
    assert_int_equal(verdict(okx, 200, "{\"code\":\"1\",\"data\":[{\"sCode\":\"51008\"}]}"), SALVO_V_REJECTED);
    assert_int_equal(verdict(okx, 200, "{\"code\":0}"), SALVO_V_REJECTED);
    salvo_profile_free(okx);

    /* Kraken: a non-empty error list; classes of statuses */
    salvo_profile_t *kraken = load(
        "{\"name\":\"kraken\",\"result\":{\"error\":\"/error\",\"rules\":["
        "{\"http\":[\"2xx\"],\"if\":[{\"pointer\":\"/error\",\"nonempty\":true}],\"status\":\"rejected\"}]}}");
    assert_int_equal(verdict(kraken, 200, "{\"error\":[],\"result\":{}}"), SALVO_V_NONE);
    assert_int_equal(verdict(kraken, 200, "{\"error\":[\"EOrder:Insufficient funds\"]}"), SALVO_V_REJECTED);
    assert_int_equal(verdict(kraken, 400, "{\"error\":[\"EGeneral:Invalid arguments\"]}"), SALVO_V_NONE);
    doc = cJSON_Parse("{\"error\":[\"EOrder:Insufficient funds\"]}");
    salvo_rules_error(salvo_profile_rules(kraken), doc, words, sizeof words);
    cJSON_Delete(doc);
    assert_string_equal(words, "EOrder:Insufficient funds");
    salvo_profile_free(kraken);
}

/* What the order becomes when the bundled profile reads this answer (no
 * earlier copy): the rules' verdict, else the HTTP status alone. */
static int outcome_of(const salvo_profile_t *p, long http, const char *body)
{
    salvo_outcome_t by_status = salvo_classify(0, http, 1, 0, 0);
    return (int)salvo_verdict_outcome(verdict(p, http, body), 0, by_status).status;
}

/* Binance: -1006 UNEXPECTED_RESP says "Execution status unknown" (errors.md),
 * like -1007 and -1000: never a reject. 403 is its WAF (a rate-limit
 * violation or a security block, rest-api.md): the run stops rather than
 * rejecting every order after it one by one. */
static void binance_unknowns_and_waf(const char *name)
{
    salvo_profile_t *p = load_bundled(name);
    assert_int_equal(outcome_of(p, 400, "{\"code\":-1006,\"msg\":\"An unexpected response was received from the "
                                        "message bus. Execution status unknown.\"}"), SALVO_UNKNOWN);
    assert_int_equal(outcome_of(p, 400, "{\"code\":-1007,\"msg\":\"Timeout waiting for response from backend "
                                        "server. Send status unknown; execution status unknown.\"}"), SALVO_UNKNOWN);
    assert_int_equal(outcome_of(p, 400, "{\"code\":-1000,\"msg\":\"An unknown error occurred while processing "
                                        "the request.\"}"), SALVO_UNKNOWN);
    assert_int_equal(verdict(p, 403, "<html><body>403 Forbidden</body></html>"), SALVO_V_BANNED);
    assert_int_equal(verdict(p, 403, "{\"code\":-1003,\"msg\":\"Too many requests\"}"), SALVO_V_BANNED);
    /* a plain business reject stays a reject */
    assert_int_equal(outcome_of(p, 400, "{\"code\":-2010,\"msg\":\"Account has insufficient balance for "
                                        "requested action.\"}"), SALVO_REJECTED);
    salvo_profile_free(p);
}

static void test_bundled_binance_unknowns_and_waf(void **state)
{
    (void)state;
    binance_unknowns_and_waf("binance");
    binance_unknowns_and_waf("binance-ed25519"); /* the same API, another key type */
}

/* Bybit: retCode 10429 "System level frequency protection" and the UTA
 * body code 429 "high server load. Please retry" (docs/v5/error.mdx) are
 * rate limits: paused and retried, never a reject. */
static void test_bundled_bybit_rate_limits(void **state)
{
    (void)state;
    salvo_profile_t *p = load_bundled("bybit");
    assert_int_equal(verdict(p, 200, "{\"retCode\":10429,\"retMsg\":\"System level frequency protection\"}"),
                     SALVO_V_RATE_LIMITED);
    assert_int_equal(verdict(p, 200, "{\"retCode\":429,\"retMsg\":\"The trading service is experiencing a high "
                                     "server load. Please retry if you encounter this issue.\"}"), SALVO_V_RATE_LIMITED);
    assert_int_equal(verdict(p, 200, "{\"retCode\":10006,\"retMsg\":\"Too many visits!\"}"), SALVO_V_RATE_LIMITED);
    assert_int_equal(verdict(p, 429, "{}"), SALVO_V_RATE_LIMITED);
    assert_int_equal(verdict(p, 200, "{\"retCode\":170131,\"retMsg\":\"Balance insufficient\"}"), SALVO_V_REJECTED);
    salvo_profile_free(p);
}

/* Bitget sizes a spot MARKET BUY in the quote coin: the bundled profile
 * refuses such rows (its body would send the base quantity as USDT); other
 * rows, and a body of the user's own, go. */
static int refused(const salvo_profile_t *p, const char *side, const char *type)
{
    salvo_order_t o = {.symbol = "DOGEUSDT", .side = side, .type = type};
    return salvo_profile_refusal(p, &o) != NULL;
}

static void test_bundled_bitget_refuses_market_buy(void **state)
{
    (void)state;
    salvo_profile_t *p = load_bundled("bitget");
    assert_true(refused(p, "BUY", "MARKET"));
    const char *why = salvo_profile_refusal(p, &(salvo_order_t){.symbol = "X", .side = "BUY", .type = "MARKET"});
    assert_non_null(strstr(why, "quote coin"));
    assert_false(refused(p, "SELL", "MARKET"));
    assert_false(refused(p, "BUY", "LIMIT"));
    salvo_profile_replace_body(p); /* --body-template: the user's own body decides */
    assert_false(refused(p, "BUY", "MARKET"));
    salvo_profile_free(p);
    /* the other bundled profiles send MARKET BUYs in the base coin */
    const char *const base[] = {"binance", "bybit", "okx", "coinbase", "kraken"};
    for (size_t i = 0; i < sizeof base / sizeof *base; i++) {
        p = load_bundled(base[i]);
        assert_false(refused(p, "BUY", "MARKET"));
        salvo_profile_free(p);
    }
}

static void test_refuse_field(void **state)
{
    (void)state;
    assert_refused("{\"name\":\"x\",\"refuse\":{\"side\":\"BUY\"}}", "refuse");
    assert_refused("{\"name\":\"x\",\"refuse\":[{\"side\":\"BUY\"}]}", "why");
    assert_refused("{\"name\":\"x\",\"refuse\":[{\"why\":\"w\"}]}", "symbol, side, type");
    assert_refused("{\"name\":\"x\",\"refuse\":[{\"quantity\":\"1\",\"why\":\"w\"}]}", "quantity");
    assert_refused("{\"name\":\"x\",\"refuse\":[{\"side\":1,\"why\":\"w\"}]}", "side");
    /* every column named must match, case-insensitively */
    salvo_profile_t *p = load("{\"name\":\"x\",\"refuse\":[{\"symbol\":\"btc-usd\",\"type\":\"market\",\"why\":\"w\"}]}");
    assert_true(salvo_profile_refusal(p, &(salvo_order_t){.symbol = "BTC-USD", .side = "SELL", .type = "MARKET"}) != NULL);
    assert_null(salvo_profile_refusal(p, &(salvo_order_t){.symbol = "ETH-USD", .side = "SELL", .type = "MARKET"}));
    assert_null(salvo_profile_refusal(p, &(salvo_order_t){.symbol = "BTC-USD", .side = "SELL", .type = "LIMIT"}));
    salvo_profile_free(p);
}

/* Coinbase answers a repeated client_order_id with the existing order and
 * success true. When that order is another than the one sent (its side,
 * product, size or price differ), this send placed nothing: duplicate. The
 * same order written another way (0.50 for 0.5, btc-usd) is not another. */
static int coinbase_verdict(const salvo_profile_t *p, const salvo_order_t *o, const char *side, const char *product,
                            const char *conf)
{
    char body[1024];
    snprintf(body, sizeof body, "{\"success\":true,\"success_response\":{\"order_id\":\"11111111-2222\","
             "\"product_id\":\"%s\",\"side\":\"%s\",\"client_order_id\":\"c1\"},\"order_configuration\":%s}",
             product, side, conf);
    cJSON *doc = cJSON_Parse(body);
    assert_non_null(doc);
    int v = salvo_rules_match(salvo_profile_rules(p), 200, doc, o);
    cJSON_Delete(doc);
    return v;
}

static void test_bundled_coinbase_earlier_order(void **state)
{
    (void)state;
    salvo_profile_t *p = load_bundled("coinbase");
    salvo_order_t lim = {.symbol = "BTC-USD", .price = "100", .quantity = "0.5", .side = "BUY", .type = "LIMIT",
                         .client_order_id = "c1"};
    const char *same = "{\"limit_limit_gtc\":{\"base_size\":\"0.50\",\"limit_price\":\"100.00\",\"post_only\":false}}";
    assert_int_equal(coinbase_verdict(p, &lim, "BUY", "BTC-USD", same), SALVO_V_NONE); /* accepted */
    assert_int_equal(coinbase_verdict(p, &lim, "buy", "btc-usd", same), SALVO_V_NONE);
    assert_int_equal(coinbase_verdict(p, &lim, "SELL", "BTC-USD", same), SALVO_V_DUPLICATE);
    assert_int_equal(coinbase_verdict(p, &lim, "BUY", "ETH-USD", same), SALVO_V_DUPLICATE);
    assert_int_equal(coinbase_verdict(p, &lim, "BUY", "BTC-USD",
                                      "{\"limit_limit_gtc\":{\"base_size\":\"0.7\",\"limit_price\":\"100\"}}"),
                     SALVO_V_DUPLICATE);
    assert_int_equal(coinbase_verdict(p, &lim, "BUY", "BTC-USD",
                                      "{\"limit_limit_gtc\":{\"base_size\":\"0.5\",\"limit_price\":\"99\"}}"),
                     SALVO_V_DUPLICATE);
    salvo_order_t mkt = {.symbol = "BTC-USD", .price = "", .quantity = "0.5", .side = "BUY", .type = "MARKET",
                         .client_order_id = "c1"};
    assert_int_equal(coinbase_verdict(p, &mkt, "BUY", "BTC-USD", "{\"market_market_ioc\":{\"base_size\":\"0.5\"}}"),
                     SALVO_V_NONE);
    assert_int_equal(coinbase_verdict(p, &mkt, "BUY", "BTC-USD", "{\"market_market_ioc\":{\"base_size\":\"2\"}}"),
                     SALVO_V_DUPLICATE);
    /* without the order (or an answer without the echo) nothing is told */
    assert_int_equal(coinbase_verdict(p, NULL, "SELL", "ETH-USD", same), SALVO_V_NONE);
    assert_int_equal(coinbase_verdict(p, &lim, "BUY", "BTC-USD", "{}"), SALVO_V_NONE);
    assert_int_equal(verdict(p, 200, "{\"success\":false,\"error_response\":{\"error\":\"INSUFFICIENT_FUND\"}}"),
                     SALVO_V_REJECTED);
    salvo_profile_free(p);
}

/* The general form: an eq/ne value "{{column}}" is the order's own value. */
static void test_rules_order_values(void **state)
{
    (void)state;
    assert_refused("{\"name\":\"x\",\"result\":{\"rules\":[{\"if\":[{\"pointer\":\"/s\",\"ne\":\"{{sidee}}\"}],"
                   "\"status\":\"duplicate\"}]}}", "names one of the order's columns");
    salvo_profile_t *p = load("{\"name\":\"x\",\"result\":{\"rules\":["
                              "{\"if\":[{\"pointer\":\"/qty\",\"eq\":\"{{quantity}}\"}],\"status\":\"accepted\"},"
                              "{\"if\":[{\"pointer\":\"/id\",\"ne\":\"{{client_order_id}}\"}],\"status\":\"duplicate\"}]}}");
    salvo_order_t o = {.symbol = "A", .price = "", .quantity = "3", .side = "BUY", .type = "MARKET",
                       .client_order_id = "k1"};
    const salvo_rules_t *rs = salvo_profile_rules(p);
    cJSON *doc = cJSON_Parse("{\"qty\":3.0,\"id\":\"k1\"}");
    assert_int_equal(salvo_rules_match(rs, 200, doc, &o), SALVO_V_ACCEPTED); /* a JSON number against "3" */
    cJSON_Delete(doc);
    doc = cJSON_Parse("{\"qty\":\"4\",\"id\":\"k2\"}");
    assert_int_equal(salvo_rules_match(rs, 200, doc, &o), SALVO_V_DUPLICATE);
    cJSON_Delete(doc);
    doc = cJSON_Parse("{\"qty\":null,\"id\":null}"); /* no value to compare: nothing is told */
    assert_int_equal(salvo_rules_match(rs, 200, doc, &o), SALVO_V_NONE);
    cJSON_Delete(doc);
    doc = cJSON_Parse("{\"qty\":\"{{quantity}}\"}"); /* the mark itself in an answer is only text */
    assert_int_equal(salvo_rules_match(rs, 200, doc, &o), SALVO_V_NONE);
    cJSON_Delete(doc);
    salvo_profile_free(p);
}

/* The promise holds under rules too: a "no" is only believed when no
 * earlier copy may have reached the broker. */
static void test_verdict_outcomes(void **state)
{
    (void)state;
    salvo_outcome_t ok = {SALVO_ACCEPTED, SALVO_RETRY_NO};
    assert_int_equal(salvo_verdict_outcome(SALVO_V_REJECTED, 0, ok).status, SALVO_REJECTED);
    assert_int_equal(salvo_verdict_outcome(SALVO_V_REJECTED, 1, ok).status, SALVO_UNKNOWN);
    assert_int_equal(salvo_verdict_outcome(SALVO_V_BANNED, 0, ok).status, SALVO_FAILED);
    assert_int_equal(salvo_verdict_outcome(SALVO_V_BANNED, 1, ok).status, SALVO_UNKNOWN);
    assert_int_equal(salvo_verdict_outcome(SALVO_V_DUPLICATE, 1, ok).status, SALVO_DUPLICATE);
    salvo_outcome_t rl = salvo_verdict_outcome(SALVO_V_RATE_LIMITED, 0, ok);
    assert_int_equal(rl.retry, SALVO_RETRY_SAFE); /* the broker did not act: another attempt is safe */
    assert_int_equal(salvo_verdict_outcome(SALVO_V_RATE_LIMITED, 1, ok).status, SALVO_UNKNOWN);
    assert_int_equal(salvo_verdict_outcome(SALVO_V_UNKNOWN, 0, ok).status, SALVO_UNKNOWN);
    assert_int_equal(salvo_verdict_outcome(SALVO_V_NONE, 0, ok).status, SALVO_ACCEPTED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rules_http_200_rejects),
        cmocka_unit_test(test_verdict_outcomes),
        cmocka_unit_test(test_bundled_binance_unknowns_and_waf),
        cmocka_unit_test(test_bundled_bybit_rate_limits),
        cmocka_unit_test(test_bundled_bitget_refuses_market_buy),
        cmocka_unit_test(test_refuse_field),
        cmocka_unit_test(test_bundled_coinbase_earlier_order),
        cmocka_unit_test(test_rules_order_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
