/* Batches in the library: a profile's "batch" request (what it takes from
 * the profile, what it refuses), the body around the orders, the rules
 * read once per order at its {{index}}, and what a configuration gets. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <uv.h>
#include <cjson/cJSON.h>

#include "profile_int.h"
#include "rules.h"
#include "salvo/engine.h"
#include "salvo/jbuf.h"
#include "salvo/order.h"
#include "salvo/profile.h"
#include "salvo/result.h"
#include "sign.h"

#include "profile_testutil.h"

#define BASE                                                                                                           \
    "\"name\":\"desk\",\"url\":\"https://desk.example/order\",\"sandbox_url\":\"https://test.desk.example/order\","  \
    "\"encoding\":\"json\",\"body\":{\"cat\":\"spot\",\"sym\":\"{{symbol}}\",\"id\":\"{{client_order_id}}\"},"       \
    "\"headers\":[\"X-Key: {{key}}\",\"X-Sign: {{signature}}\"],\"secrets\":{\"key\":\"DK\",\"secret\":\"DS\"},"      \
    "\"sign\":{\"algo\":\"hmac-sha256\",\"string\":\"{{method}}{{path}}{{body}}\"},\"rate\":\"50/s\","               \
    "\"result\":{\"order_id\":\"/id\"}"

#define BATCH(fields) "{" BASE ",\"batch\":{" fields "}}"

/* An order's place in its batch, for the rules. */
#define AT(i) (&(salvo_rules_at_t){(i), NULL})

#define GOOD                                                                                                           \
    "\"url\":\"https://desk.example/batch\",\"sandbox_url\":\"https://test.desk.example/batch\",\"max\":20,"        \
    "\"elements\":\"/data\",\"rate\":\"5/s\""

static void fill_order(salvo_order_t *o, const char *sym, const char *body)
{
    memset(o, 0, sizeof *o);
    o->symbol = sym;
    o->side = "BUY";
    o->type = "LIMIT";
    o->client_order_id = "x";
    o->body = (char *)body;
    o->body_len = strlen(body);
}

static void test_batch_request_from_section(void **state)
{
    (void)state;
    salvo_profile_t *p = load(BATCH(GOOD ",\"group\":[\"symbol\"],\"omit\":[\"cat\"],"
                                         "\"body\":{\"category\":\"spot\",\"pair\":\"{{symbol}}\",\"list\":\"{{orders}}\"}"));
    assert_int_equal(salvo_profile_batch_max(p), 20);
    assert_string_equal(salvo_profile_batch_url(p, 0), "https://desk.example/batch");
    assert_string_equal(salvo_profile_batch_url(p, 1), "https://test.desk.example/batch");
    const salvo_batch_t *b = p->batch;
    assert_int_equal(b->group, 1u << SALVO_COL_SYMBOL);
    /* the orders' bodies as the list, less the omitted key, the first
     * order's symbol where the body names it */
    salvo_order_t a, c;
    fill_order(&a, "BTC \"x\"", "{\"cat\":\"spot\",\"sym\":\"BTC\",\"id\":\"a1\"}");
    fill_order(&c, "BTC \"x\"", "{\"cat\":\"spot\",\"sym\":\"BTC\",\"id\":\"a2\"}");
    const salvo_order_t *orders[] = {&a, &c};
    salvo_jbuf_t out = {0};
    salvo_batch_render(b, &out, orders, 2);
    assert_false(out.oom);
    assert_string_equal(out.p, "{\"category\":\"spot\",\"pair\":\"BTC \\\"x\\\"\",\"list\":[{\"sym\":\"BTC\",\"id\":\"a1\"},"
                               "{\"sym\":\"BTC\",\"id\":\"a2\"}]}");
    assert_int_equal(out.len, strlen(out.p));
    /* a placeholder's text inside another string is no placeholder */
    salvo_profile_t *e = load(BATCH(GOOD ",\"body\":{\"note\":\"x\\\"{{orders}}\",\"o\":\"{{orders}}\"}"));
    salvo_batch_render(e->batch, &out, orders, 1);
    assert_string_equal(out.p, "{\"note\":\"x\\\"{{orders}}\",\"o\":[{\"cat\":\"spot\",\"sym\":\"BTC\",\"id\":\"a1\"}]}");
    salvo_profile_free(e);
    /* without a body the request is the list alone */
    salvo_profile_t *q = load(BATCH(GOOD));
    salvo_batch_render(q->batch, &out, orders, 1);
    assert_string_equal(out.p, "[{\"cat\":\"spot\",\"sym\":\"BTC\",\"id\":\"a1\"}]");
    salvo_jbuf_free(&out);
    salvo_profile_free(q);
    salvo_profile_free(p);
}

/* Kraken's way: AddOrder's form pairs become each element (strings, the
 * pair omitted), and the nonce is a member of the JSON body, signed with it. */
static void test_form_orders_and_json_params(void **state)
{
    (void)state;
    salvo_profile_t *p = load("{\"name\":\"k\",\"url\":\"https://k.example/0/private/AddOrder\",\"encoding\":\"form\","
        "\"body\":{\"type\":\"{{side_lower}}\",\"pair\":\"{{symbol}}\"},\"secrets\":{\"key\":\"KK\",\"secret\":\"KS\"},"
        "\"headers\":[\"API-Sign: {{signature}}\"],"
        "\"sign\":{\"params\":{\"nonce\":\"{{nonce}}\"},\"params_first\":true,\"algo\":\"kraken\",\"output\":\"base64\"},"
        "\"batch\":{\"url\":\"https://k.example/0/private/AddOrderBatch\",\"max\":15,\"group\":[\"symbol\"],"
        "\"body\":{\"pair\":\"{{symbol}}\",\"orders\":\"{{orders}}\"},\"omit\":[\"pair\"],\"elements\":\"/result/orders\","
        "\"sign\":{\"params\":{\"nonce\":\"{{nonce}}\"},\"params_first\":true,\"params_in\":\"body\",\"algo\":\"kraken\","
        "\"output\":\"base64\"}}}");
    salvo_order_t a, c;
    fill_order(&a, "XBT/USD", "type=buy&pair=XBT%2FUSD&note=a%26b%3Dc");
    fill_order(&c, "XBT/USD", "type=sell&pair=XBT%2FUSD");
    const salvo_order_t *orders[] = {&a, &c};
    salvo_jbuf_t body = {0};
    salvo_batch_render(p->batch, &body, orders, 2);
    assert_string_equal(body.p, "{\"pair\":\"XBT/USD\",\"orders\":[{\"type\":\"buy\",\"note\":\"a&b=c\"},{\"type\":\"sell\"}]}");
    set_secret(p, SALVO_SECRET_KEY, "key");
    set_secret(p, SALVO_SECRET_SECRET, "c2VjcmV0");
    salvo_signer_t st = {0};
    salvo_sign_fix_clock(p, 1700000000000);
    salvo_wire_t w = {0};
    char err[200];
    assert_int_equal(salvo_sign_build(p->batch->req, &st, salvo_profile_batch_url(p, 0), body.p, body.len, 0, &w, err,
                                      sizeof err), 0);
    assert_string_equal(w.body.p, "{\"nonce\":1700000000000,\"pair\":\"XBT/USD\",\"orders\":[{\"type\":\"buy\","
                                  "\"note\":\"a&b=c\"},{\"type\":\"sell\"}]}");
    assert_string_equal(w.url.p, "https://k.example/0/private/AddOrderBatch"); /* nothing in the query */
    salvo_wire_free(&w);
    /* the order's own request keeps its form body, nonce first */
    assert_int_equal(salvo_sign_build(p, &st, "https://k.example/0/private/AddOrder", a.body, a.body_len, 0, &w, err,
                                      sizeof err), 0);
    assert_int_equal(strncmp(w.body.p, "nonce=", 6), 0);
    salvo_wire_free(&w);
    salvo_jbuf_free(&body);
    salvo_profile_free(p);
}

static void test_batch_refusals(void **state)
{
    (void)state;
    assert_refused(BATCH("\"max\":20,\"elements\":\"/data\""), "\"batch\" needs a \"url\"");
    assert_refused(BATCH("\"url\":\"https://d/b\",\"elements\":\"/data\""), "\"batch\" needs \"max\"");
    assert_refused(BATCH("\"url\":\"https://d/b\",\"max\":1,\"elements\":\"/data\""), "2 to 1000");
    assert_refused(BATCH("\"url\":\"https://d/b\",\"max\":2.5,\"elements\":\"/data\""), "2 to 1000");
    assert_refused(BATCH("\"url\":\"https://d/b\",\"max\":20"), "\"batch\" needs \"elements\"");
    assert_refused(BATCH("\"url\":\"https://d/b\",\"max\":20,\"elements\":\"/data/{{index}}\""), "needs \"elements\"");
    assert_refused(BATCH(GOOD ",\"element_id\":\"/data/0/id\""), "naming {{index}}");
    assert_refused(BATCH(GOOD ",\"body\":{\"a\":1}"), "holds the orders' list once");
    assert_refused(BATCH(GOOD ",\"body\":{\"a\":\"{{orders}}\",\"b\":\"{{orders}}\"}"), "holds the orders' list once");
    assert_refused(BATCH(GOOD ",\"body\":{\"{{orders}}\":1}"), "is a key");
    assert_refused(BATCH(GOOD ",\"body\":{\"s\":\"{{symbol}}\",\"o\":\"{{orders}}\"}"), "only when \"group\" names it");
    assert_refused(BATCH(GOOD ",\"body\":[\"{{orders}}\"]"), "is an object around the orders' list");
    assert_refused(BATCH(GOOD ",\"group\":[\"price\"]"), "names symbol, side or type");
    assert_refused(BATCH(GOOD ",\"counts\":\"bytes\""), "\"request\" or \"order\"");
    assert_refused(BATCH(GOOD ",\"omit\":[1]"), "a list of keys");
    assert_refused(BATCH(GOOD ",\"nonsense\":1"), "nonsense");
    assert_refused("{" BASE ",\"batch\":{\"url\":\"https://d/{{symbol}}\",\"max\":20,\"elements\":\"/data\"}}",
                   "names no columns");
    /* the batch's rules may name {{index}}; the order's may not */
    assert_refused(BATCH(GOOD ",\"result\":{\"rules\":[{\"if\":[{\"pointer\":\"/data/{{nope}}/s\",\"eq\":\"0\"}],"
                              "\"status\":\"accepted\"}]}"),
                   "its \"batch\" request: result.rules[0]: \"{{...}}\" in a pointer names {{index}}");
    assert_refused("{\"name\":\"d\",\"url\":\"https://d/o\",\"result\":{\"order_id\":\"/data/{{index}}/id\"}}",
                   "names {{order_id}} or {{client_order_id}}");
    /* orders sent in the query have no body to make an element of */
    assert_refused("{\"name\":\"d\",\"url\":\"https://d/o\",\"encoding\":\"query\","
                   "\"batch\":{\"url\":\"https://d/b\",\"max\":5,\"elements\":\"/r\"}}",
                   "a batch sends its orders as a JSON list");
    assert_refused("{" BASE ",\"batch\":{" GOOD ",\"sign\":{\"algo\":\"kraken\",\"params_in\":\"query\"}}}",
                   "sign.params_in is \"body\"");
}

/* OKX's shape: one element an order at /data/i, sCode "0" placed. */
static void test_rules_read_each_element(void **state)
{
    (void)state;
    salvo_profile_t *p = load(BATCH(GOOD ",\"result\":{\"order_id\":\"/data/{{index}}/ordId\","
        "\"error\":[\"/data/{{index}}/sMsg\",\"/msg\"],\"rules\":["
        "{\"if\":[{\"pointer\":\"/data/{{index}}/sCode\",\"eq\":\"0\"}],\"status\":\"accepted\"},"
        "{\"if\":[{\"pointer\":\"/data/{{index}}/sCode\",\"eq\":\"51016\"}],\"status\":\"duplicate\"},"
        "{\"if\":[{\"pointer\":\"/code\",\"eq\":\"50011\"}],\"status\":\"rate_limited\"},"
        "{\"if\":[{\"pointer\":\"/data/{{index}}/sCode\",\"ne\":\"0\"}],\"status\":\"rejected\"}]}"));
    const salvo_rules_t *rs = &p->batch->req->rules;
    const char *answer = "{\"code\":\"2\",\"msg\":\"partial\",\"data\":[{\"ordId\":\"11\",\"sCode\":\"0\",\"sMsg\":\"\"},"
                         "{\"ordId\":\"\",\"sCode\":\"51008\",\"sMsg\":\"Insufficient balance\"},"
                         "{\"ordId\":\"13\",\"sCode\":\"51016\",\"sMsg\":\"Duplicated\"}]}";
    cJSON *doc = cJSON_Parse(answer);
    assert_int_equal(salvo_rules_match_at(rs, 200, doc, NULL, AT(0)), SALVO_V_ACCEPTED);
    assert_int_equal(salvo_rules_match_at(rs, 200, doc, NULL, AT(1)), SALVO_V_REJECTED);
    assert_int_equal(salvo_rules_match_at(rs, 200, doc, NULL, AT(2)), SALVO_V_DUPLICATE);
    assert_int_equal(salvo_rules_match_at(rs, 200, doc, NULL, AT(3)), SALVO_V_NONE); /* no element: no rule holds */
    assert_int_equal(salvo_rules_match(rs, 200, doc, NULL), SALVO_V_NONE);       /* outside a batch, {{index}} finds nothing */
    char id[32], why[128];
    salvo_rules_order_id_at(rs, doc, AT(0), id, sizeof id);
    assert_string_equal(id, "11");
    salvo_rules_at_t second = {1, "/data/1"}; /* the engine's, once it has found the element */
    salvo_rules_error_at(rs, doc, &second, why, sizeof why);
    assert_string_equal(why, "Insufficient balance"); /* its own words */
    salvo_rules_error_at(rs, doc, AT(1), why, sizeof why);
    assert_string_equal(why, "partial"); /* without its element: the answer's */
    cJSON_Delete(doc);
    /* the whole request refused: a rule on the answer itself, for every order */
    doc = cJSON_Parse("{\"code\":\"50011\",\"msg\":\"Too Many Requests\",\"data\":[]}");
    for (long i = 0; i < 3; i++)
        assert_int_equal(salvo_rules_match_at(rs, 200, doc, NULL, AT(i)), SALVO_V_RATE_LIMITED);
    cJSON_Delete(doc);
    salvo_profile_free(p);
}

/* The batch's request is signed with the profile's secrets, and a
 * configuration for batches takes the section's limits and URL. */
static void test_batch_signs_and_configures(void **state)
{
    (void)state;
    salvo_profile_t *p = load(BATCH(GOOD));
    assert_true(salvo_profile_needs(p, SALVO_SECRET_KEY));
    set_secret(p, SALVO_SECRET_KEY, "k3y");
    set_secret(p, SALVO_SECRET_SECRET, "s3cret");
    assert_true(salvo_profile_ready(p));
    salvo_wire_t w = {0};
    salvo_signer_t st = {0};
    char err[200];
    const char *body = "[{\"sym\":\"BTC\"}]";
    assert_int_equal(salvo_sign_build(p->batch->req, &st, salvo_profile_batch_url(p, 0), body, strlen(body),
                                      1700000000000000LL, &w, err, sizeof err), 0);
    assert_string_equal(header(&w, "X-Key"), "k3y");
    assert_non_null(header(&w, "X-Sign"));
    const char *signed_text = "POST/batch[{\"sym\":\"BTC\"}]"; /* its own method, path and body */
    assert_int_equal(w.canon.len, strlen(signed_text));
    assert_memory_equal(w.canon.p, signed_text, w.canon.len);
    salvo_wire_free(&w);

    salvo_config_t c;
    salvo_config_init(&c);
    c.batch = 10;
    assert_int_equal(salvo_config_apply_profile(&c, p, SALVO_PROFILE_SANDBOX | SALVO_PROFILE_NO_BODY, err, sizeof err), 0);
    assert_string_equal(c.batch_url, "https://test.desk.example/batch");
    assert_true(c.rate > 4.99 && c.rate < 5.01); /* the batch endpoint's limit, not the order's 50/s */
    salvo_config_init(&c);
    assert_int_equal(salvo_config_apply_profile(&c, p, SALVO_PROFILE_NO_BODY, err, sizeof err), 0);
    assert_string_equal(c.batch_url, "https://desk.example/batch");
    assert_true(c.rate > 49.9 && c.rate < 50.1);
    salvo_profile_free(p);
}

/* Every bundled profile with a batch request loads, and its rules read
 * the broker's documented answer (the first order placed, the second
 * refused) as they should. */
static void test_bundled_batches(void **state)
{
    (void)state;
    static const struct {
        const char *name, *answer;
    } cases[] = {
        {"salvo-mock", "{\"results\":[{\"status\":\"accepted\",\"client_order_id\":\"a\",\"order_id\":\"M1\"},"
                       "{\"status\":\"rejected\",\"client_order_id\":\"b\",\"error\":\"no\"}]}"},
        {"okx", "{\"code\":\"2\",\"msg\":\"\",\"data\":[{\"clOrdId\":\"a\",\"ordId\":\"M1\",\"sCode\":\"0\",\"sMsg\":\"\"},"
                "{\"clOrdId\":\"b\",\"ordId\":\"\",\"sCode\":\"51008\",\"sMsg\":\"no\"}]}"},
        {"bybit", "{\"retCode\":0,\"retMsg\":\"OK\",\"result\":{\"list\":[{\"orderId\":\"M1\",\"orderLinkId\":\"a\"},"
                  "{\"orderId\":\"\",\"orderLinkId\":\"\"}]},\"retExtInfo\":{\"list\":[{\"code\":0,\"msg\":\"OK\"},"
                  "{\"code\":170131,\"msg\":\"no\"}]}}"},
        {"kraken", "{\"error\":[],\"result\":{\"orders\":[{\"txid\":\"M1\",\"descr\":{\"order\":\"buy\"}},"
                   "{\"error\":\"EOrder:Insufficient funds\"}]}}"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        salvo_profile_t *p = load_bundled(cases[i].name);
        if (p->batch == NULL)
            fail_msg("%s: no batch request", cases[i].name);
        const salvo_rules_t *rs = &p->batch->req->rules;
        cJSON *doc = cJSON_Parse(cases[i].answer);
        assert_non_null(doc);
        if (salvo_rules_match_at(rs, 200, doc, NULL, AT(0)) != SALVO_V_ACCEPTED ||
            salvo_rules_match_at(rs, 200, doc, NULL, AT(1)) != SALVO_V_REJECTED)
            fail_msg("%s: the answer read wrong", cases[i].name);
        char id[32];
        salvo_rules_order_id_at(rs, doc, AT(0), id, sizeof id);
        assert_string_equal(id, "M1");
        cJSON_Delete(doc);
        salvo_profile_free(p);
    }
}

/* Bitget's way: the placed and the refused orders in two lists, each
 * element found by its client order id; the rules read it at {{element}}. */
static void test_elements_found_by_id(void **state)
{
    (void)state;
    assert_refused(BATCH("\"url\":\"https://d/b\",\"max\":5,\"elements\":[\"/a\",\"/b\"]"), "need \"match\"");
    assert_refused(BATCH("\"url\":\"https://d/b\",\"max\":5,\"elements\":[\"/a\",\"/b\"],\"match\":\"id\""),
                   "\"match\" is a JSON pointer within an element");
    assert_refused(BATCH("\"url\":\"https://d/b\",\"max\":5,\"elements\":[\"/a\"],\"match\":\"/id\","
                         "\"element_id\":\"/a/{{index}}/id\""), "not both");
    assert_refused(BATCH("\"url\":\"https://d/b\",\"max\":5,\"elements\":[\"/a\",\"/b\",\"/c\",\"/d\",\"/e\"],"
                         "\"match\":\"/id\""), "up to 4 of them");
    salvo_profile_t *p = load_bundled("bitget");
    const salvo_batch_t *b = p->batch;
    assert_int_equal(b->nelements, 2);
    assert_string_equal(b->match, "/clientOid");
    const salvo_rules_t *rs = &b->req->rules;
    cJSON *doc = cJSON_Parse("{\"code\":\"00000\",\"msg\":\"success\",\"data\":{\"successList\":[{\"orderId\":\"121\","
                             "\"clientOid\":\"a\"}],\"failureList\":[{\"orderId\":\"\",\"clientOid\":\"b\",\"errorMsg\":"
                             "\"Insufficient balance\",\"errorCode\":\"43012\"},{\"orderId\":\"\",\"clientOid\":\"c\","
                             "\"errorMsg\":\"clientOrderId duplicate\",\"errorCode\":\"40786\"}]}}");
    salvo_rules_at_t placed = {2, "/data/successList/0"}, refused = {0, "/data/failureList/0"},
                     dup = {1, "/data/failureList/1"}, none = {1, NULL};
    assert_int_equal(salvo_rules_match_at(rs, 200, doc, NULL, &placed), SALVO_V_ACCEPTED);
    assert_int_equal(salvo_rules_match_at(rs, 200, doc, NULL, &refused), SALVO_V_REJECTED);
    assert_int_equal(salvo_rules_match_at(rs, 200, doc, NULL, &dup), SALVO_V_DUPLICATE);
    assert_int_equal(salvo_rules_match_at(rs, 200, doc, NULL, &none), SALVO_V_NONE); /* no element: nothing said */
    char id[32], why[128];
    salvo_rules_order_id_at(rs, doc, &placed, id, sizeof id);
    assert_string_equal(id, "121");
    salvo_rules_error_at(rs, doc, &refused, why, sizeof why);
    assert_string_equal(why, "Insufficient balance (43012)"); /* its own words, not the answer's "success" */
    salvo_rules_error_at(rs, doc, &none, why, sizeof why);
    assert_string_equal(why, "success (00000)");
    cJSON_Delete(doc);
    salvo_profile_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_batch_request_from_section),
        cmocka_unit_test(test_batch_refusals),
        cmocka_unit_test(test_form_orders_and_json_params),
        cmocka_unit_test(test_rules_read_each_element),
        cmocka_unit_test(test_batch_signs_and_configures),
        cmocka_unit_test(test_bundled_batches),
        cmocka_unit_test(test_elements_found_by_id),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
