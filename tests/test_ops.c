/* salvo cancel and salvo status in the library: a profile's "cancel" and
 * "status" requests (what they take from the order's, what they refuse),
 * the statuses their rules may name, how an answer no rule read is taken,
 * and what the result line says. */
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
#include "retry.h"
#include "rules.h"
#include "salvo/engine.h"
#include "salvo/jbuf.h"
#include "salvo/profile.h"
#include "salvo/order.h"
#include "salvo/result.h"
#include "sign.h"

#include "profile_testutil.h"

/* A profile with both sections, as a broker that signs nothing. */
#define BASE                                                                                                           \
    "\"name\":\"desk\",\"url\":\"https://desk.example/orders\",\"encoding\":\"json\","                                 \
    "\"body\":{\"sym\":\"{{symbol}}\",\"id\":\"{{client_order_id}}\"},\"idempotency_header\":\"Idem\","              \
    "\"headers\":[\"X-Key: {{key}}\"],\"rate\":\"50/s\",\"result\":{\"order_id\":\"/id\"}"

static int parse_op(const char *json, int op, salvo_profile_t **p, char *err, size_t errlen)
{
    return salvo_profile_parse_op(p, json, strlen(json), op, err, errlen);
}

static salvo_profile_t *load_op(const char *json, int op)
{
    salvo_profile_t *p = NULL;
    char err[512];
    if (parse_op(json, op, &p, err, sizeof err) != 0)
        fail_msg("%s request refused: %s", salvo_op_name(op), err);
    assert_int_equal(salvo_profile_op(p), op);
    return p;
}

static void assert_op_refused(const char *json, int op, int rc, const char *words)
{
    salvo_profile_t *p = NULL;
    char err[512] = "";
    assert_int_equal(parse_op(json, op, &p, err, sizeof err), rc);
    assert_null(p);
    if (strstr(err, words) == NULL)
        fail_msg("message \"%s\" does not say \"%s\"", err, words);
}

/* The section replaces the order's request; the rest (headers, secrets,
 * limits) is the profile's; what only an order has is gone. */
static void test_op_request_from_section(void **state)
{
    (void)state;
    const char *json = "{" BASE ",\"cancel\":{\"url\":\"https://desk.example/orders/{{client_order_id}}\"},"
                       "\"status\":{\"url\":\"https://desk.example/q\",\"body\":{\"id\":\"{{client_order_id}}\"},"
                       "\"encoding\":\"query\",\"rate\":\"5/s\"}}";
    salvo_profile_t *send = load(json);
    assert_int_equal(salvo_profile_op(send), SALVO_OP_SEND);
    assert_string_equal(salvo_profile_method(send), "POST");
    salvo_profile_free(send);

    salvo_profile_t *c = load_op(json, SALVO_OP_CANCEL);
    assert_string_equal(salvo_profile_url(c, 0), "https://desk.example/orders/{{client_order_id}}");
    assert_string_equal(salvo_profile_method(c), "DELETE");   /* a cancel deletes unless it says */
    assert_int_equal(salvo_profile_encoding(c), SALVO_ENC_QUERY); /* no body: nothing signed that is not sent */
    char *body = salvo_profile_body(c, 0);
    assert_string_equal(body, "{}");                          /* not the order's body */
    free(body);
    assert_null(salvo_profile_idempotency_header(c));         /* never the order's key */
    assert_string_equal(salvo_profile_default(c, "rate"), "50/s");
    assert_true(salvo_profile_needs(c, SALVO_SECRET_KEY));    /* the profile's headers still go */
    salvo_profile_free(c);

    salvo_profile_t *s = load_op(json, SALVO_OP_STATUS);
    assert_string_equal(salvo_profile_method(s), "GET");
    assert_string_equal(salvo_profile_default(s, "rate"), "5/s"); /* the section's own limit */
    body = salvo_profile_body(s, 0);
    assert_string_equal(body, "{\"id\":\"{{client_order_id}}\"}");
    free(body);
    salvo_profile_free(s);
}

static void test_op_refusals(void **state)
{
    (void)state;
    const char *none = "{" BASE "}";
    assert_op_refused(none, SALVO_OP_CANCEL, -ENOENT, "the profile has no \"cancel\" request");
    assert_op_refused(none, SALVO_OP_STATUS, -ENOENT, "the profile has no \"status\" request");
    /* a GET's fields go in the query: a JSON body would be signed and not sent */
    assert_op_refused("{" BASE ",\"status\":{\"url\":\"https://d/q\",\"body\":{\"id\":\"{{client_order_id}}\"}}}",
                      SALVO_OP_STATUS, -EINVAL, "a GET or DELETE sends no body");
    assert_op_refused("{" BASE ",\"cancel\":{\"body\":{}}}", SALVO_OP_CANCEL, -EINVAL, "needs a \"url\"");
    assert_op_refused("{" BASE ",\"cancel\":{\"url\":\"https://d/x\",\"client_id\":{}}}", SALVO_OP_CANCEL, -EINVAL,
                      "client_id");
    assert_op_refused("{" BASE ",\"cancel\":[]}", SALVO_OP_CANCEL, -EINVAL, "must be an object");
    /* a send's profile is checked whole: a bad section shows on any use */
    assert_refused("{" BASE ",\"cancel\":{\"url\":\"https://d/x\",\"result\":{\"rules\":[{\"status\":\"accepted\"}]}}}",
                   "its \"cancel\" request: ");
    assert_refused("{" BASE ",\"cancel\":{\"url\":\"https://d/x\",\"result\":{\"rules\":[{\"status\":\"accepted\"}]}}}",
                   "cancelled, already_closed, not_found, rejected");
    assert_refused("{" BASE ",\"status\":{\"url\":\"https://d/x\",\"methd\":\"GET\"}}", "methd");
    assert_refused("{" BASE ",\"cancel\":{\"url\":\"https://d/x\",\"result\":{\"filled\":\"/f\"}}}",
                   "result.filled belongs to a \"status\" request");
    /* and the order's rules may not name an op's status */
    assert_refused("{\"name\":\"x\",\"result\":{\"rules\":[{\"status\":\"cancelled\"}]}}",
                   "accepted, rejected, duplicate, unknown, rate_limited or banned");
}

static int status_verdict(const salvo_profile_t *p, long http, const char *body, char *filled, size_t cap)
{
    cJSON *doc = cJSON_Parse(body);
    int v = salvo_rules_match(salvo_profile_rules(p), http, doc, NULL);
    salvo_rules_filled(salvo_profile_rules(p), doc, NULL, filled, cap);
    cJSON_Delete(doc);
    return v;
}

/* The bundled salvo-mock profile reads the mock's answers. */
static void test_mock_profile_reads_states(void **state)
{
    (void)state;
    const char *text = read_bundled("salvo-mock", NULL);
    salvo_profile_t *s = load_op(text, SALVO_OP_STATUS);
    char filled[40];
    assert_int_equal(status_verdict(s, 200, "{\"state\":\"filled\",\"filled_quantity\":\"3\"}", filled, sizeof filled),
                     SALVO_V_FILLED);
    assert_string_equal(filled, "3");
    assert_int_equal(status_verdict(s, 200, "{\"state\":\"open\",\"filled_quantity\":\"0\"}", filled, sizeof filled),
                     SALVO_V_OPEN);
    assert_int_equal(status_verdict(s, 200, "{\"state\":\"cancelled\"}", filled, sizeof filled), SALVO_V_CANCELLED);
    assert_string_equal(filled, "");
    assert_int_equal(status_verdict(s, 200, "{\"state\":\"someday\"}", filled, sizeof filled), SALVO_V_NONE);
    assert_int_equal(status_verdict(s, 404, "{\"error\":\"no such order\"}", filled, sizeof filled), SALVO_V_NOT_FOUND);
    salvo_profile_free(s);
    salvo_profile_t *c = load_op(text, SALVO_OP_CANCEL);
    assert_int_equal(status_verdict(c, 409, "{\"error\":\"order already closed\"}", filled, sizeof filled),
                     SALVO_V_ALREADY_CLOSED);
    salvo_profile_free(c);
}

/* Every bundled profile's cancel and status requests load, as shipped;
 * where a broker's lookup cannot be expressed yet, the profile says it has
 * none (salvo status then says so, rather than guessing). */
static void test_bundled_ops_load(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        int cancel, status;
    } b[] = {{"alpaca", 1, 1},   {"binance", 1, 1}, {"binance-ed25519", 1, 1}, {"bybit", 1, 1},
             {"okx", 1, 1},      {"okx-demo", 1, 1}, {"kraken", 1, 1},         {"coinbase", 1, 1},
             {"bitget", 1, 1},   {"oanda", 1, 1},   {"tradier", 1, 1},         {"salvo-mock", 1, 1}};
    for (size_t i = 0; i < sizeof b / sizeof *b; i++) {
        char err[512];
        size_t n;
        const char *text = read_bundled(b[i].name, &n);
        const int want[] = {b[i].cancel, b[i].status}, ops[] = {SALVO_OP_CANCEL, SALVO_OP_STATUS};
        for (int k = 0; k < 2; k++) {
            salvo_profile_t *p = NULL;
            int rc = salvo_profile_parse_op(&p, text, n, ops[k], err, sizeof err);
            if (rc != (want[k] ? 0 : -ENOENT))
                fail_msg("%s %s: %d %s", b[i].name, salvo_op_name(ops[k]), rc, err);
            salvo_profile_free(p);
        }
    }
}

/* gt and lt read a number or a string that is one (a broker's
 * "0.00000000"); anything else is no match. Coinbase's partial fill is an
 * OPEN order with filled_size above 0. */
static void test_rules_compare_numbers(void **state)
{
    (void)state;
    char filled[40];
    salvo_profile_t *p = load_op("{\"name\":\"n\",\"status\":{\"url\":\"https://x/q\",\"result\":{\"rules\":["
                                 "{\"if\":[{\"pointer\":\"/f\",\"gt\":0}],\"status\":\"partially_filled\"},"
                                 "{\"if\":[{\"pointer\":\"/f\",\"lt\":-1.5}],\"status\":\"rejected\"}]}}}",
                                 SALVO_OP_STATUS);
    assert_int_equal(status_verdict(p, 200, "{\"f\":\"0.00000001\"}", filled, sizeof filled), SALVO_V_PARTIALLY_FILLED);
    assert_int_equal(status_verdict(p, 200, "{\"f\":2}", filled, sizeof filled), SALVO_V_PARTIALLY_FILLED);
    assert_int_equal(status_verdict(p, 200, "{\"f\":\"0.00000000\"}", filled, sizeof filled), SALVO_V_NONE);
    assert_int_equal(status_verdict(p, 200, "{\"f\":\"-2\"}", filled, sizeof filled), SALVO_V_REJECTED);
    assert_int_equal(status_verdict(p, 200, "{\"f\":\"1.5e-3\"}", filled, sizeof filled), SALVO_V_PARTIALLY_FILLED);
    assert_int_equal(status_verdict(p, 200, "{\"f\":\".5\"}", filled, sizeof filled), SALVO_V_PARTIALLY_FILLED);
    /* not a number: no match either way */
    const char *const odd[] = {"{\"f\":\"abc\"}", "{\"f\":\"\"}", "{\"f\":\" 5\"}", "{\"f\":\"nan\"}",
                               "{\"f\":\"inf\"}", "{\"f\":null}", "{\"f\":true}", "{\"f\":[1]}", "{}",
                               "{\"f\":\"0x10\"}", "{\"f\":\"+5\"}", "{\"f\":\"1e\"}", "{\"f\":\"2x\"}",
                               "{\"f\":\"1e999\"}", "{\"f\":1e999}", "{\"f\":\".\"}", "{\"f\":\"-\"}"};
    for (size_t i = 0; i < sizeof odd / sizeof *odd; i++)
        assert_int_equal(status_verdict(p, 200, odd[i], filled, sizeof filled), SALVO_V_NONE);
    salvo_profile_free(p);
    assert_refused("{\"name\":\"n\",\"result\":{\"rules\":[{\"if\":[{\"pointer\":\"/f\",\"gt\":\"0\"}],"
                   "\"status\":\"rejected\"}]}}",
                   "\"gt\" and \"lt\" take a number");
    salvo_profile_t *cb = load_op(read_bundled("coinbase", NULL), SALVO_OP_STATUS);
    assert_int_equal(status_verdict(cb, 200, "{\"order\":{\"status\":\"OPEN\",\"filled_size\":\"0.25\"}}", filled,
                                    sizeof filled),
                     SALVO_V_PARTIALLY_FILLED);
    assert_string_equal(filled, "0.25");
    assert_int_equal(status_verdict(cb, 200, "{\"order\":{\"status\":\"OPEN\",\"filled_size\":\"0\"}}", filled,
                                    sizeof filled),
                     SALVO_V_OPEN);
    salvo_profile_free(cb);
}

/* A pointer may name the order: Kraken keys a lookup's answer by its own
 * order id. The value is escaped as a pointer's token; an order without
 * it finds nothing; only those two names are allowed. */
static void test_pointer_names_the_order(void **state)
{
    (void)state;
    salvo_profile_t *k = load_op(read_bundled("kraken", NULL), SALVO_OP_STATUS);
    const salvo_rules_t *rs = salvo_profile_rules(k);
    salvo_order_t o = {.client_order_id = "c1", .symbol = "XBTUSD"};
    snprintf(o.ref, sizeof o.ref, "OAB/C~D");
    cJSON *doc = cJSON_Parse("{\"error\":[],\"result\":{\"OAB/C~D\":{\"status\":\"open\",\"vol_exec\":\"0.5\"},"
                             "\"OTHER\":{\"status\":\"closed\",\"vol_exec\":\"9\"}}}");
    assert_non_null(doc);
    assert_int_equal(salvo_rules_match(rs, 200, doc, &o), SALVO_V_PARTIALLY_FILLED);
    char filled[40];
    salvo_rules_filled(rs, doc, &o, filled, sizeof filled);
    assert_string_equal(filled, "0.5");
    snprintf(o.ref, sizeof o.ref, "OTHER");
    assert_int_equal(salvo_rules_match(rs, 200, doc, &o), SALVO_V_FILLED);
    o.ref[0] = '\0'; /* no id: no pointer finds anything */
    assert_int_equal(salvo_rules_match(rs, 200, doc, &o), SALVO_V_NONE);
    salvo_rules_filled(rs, doc, &o, filled, sizeof filled);
    assert_string_equal(filled, "");
    cJSON_Delete(doc);
    salvo_profile_free(k);
    assert_refused("{\"name\":\"n\",\"result\":{\"rules\":[{\"if\":[{\"pointer\":\"/r/{{symbol}}\",\"eq\":1}],"
                   "\"status\":\"rejected\"}]}}",
                   "names {{order_id}} or {{client_order_id}}");
    assert_refused("{\"name\":\"n\",\"result\":{\"order_id\":\"/r/{{order_id}}\"}}", "result.order_id");
}

/* No rule read the answer: a cancel's or lookup's outcome by HTTP status. */
static void test_op_outcomes(void **state)
{
    (void)state;
    salvo_outcome_t ok = salvo_classify(0, 200, 1, 0, 0);
    salvo_outcome_t no = salvo_classify(0, 422, 1, 0, 0);
    salvo_outcome_t gone = salvo_classify(0, 404, 1, 0, 0);
    salvo_outcome_t down = salvo_classify(0, 503, 1, 0, 0), broke = salvo_classify(0, 500, 1, 0, 0);
    salvo_outcome_t lost = salvo_classify(28 /* a timeout */, 0, 1, 0, 0);
    assert_int_equal(salvo_op_outcome(SALVO_OP_CANCEL, SALVO_V_NONE, 200, ok).status, SALVO_CANCELLED);
    assert_int_equal(salvo_op_outcome(SALVO_OP_CANCEL, SALVO_V_NONE, 422, no).status, SALVO_REJECTED);
    assert_int_equal(salvo_op_outcome(SALVO_OP_CANCEL, SALVO_V_NONE, 404, gone).status, SALVO_NOT_FOUND);
    assert_int_equal(salvo_op_outcome(SALVO_OP_STATUS, SALVO_V_NONE, 404, gone).status, SALVO_NOT_FOUND);
    /* a lookup's 200 that no rule names says no state */
    assert_int_equal(salvo_op_outcome(SALVO_OP_STATUS, SALVO_V_NONE, 200, ok).status, SALVO_UNKNOWN);
    /* no answer: unknown, and safe to ask again (it changes nothing twice) */
    salvo_outcome_t t = salvo_op_outcome(SALVO_OP_CANCEL, SALVO_V_NONE, 0, lost);
    assert_int_equal(t.status, SALVO_UNKNOWN);
    assert_int_equal(lost.retry, SALVO_RETRY_AMBIGUOUS);
    assert_int_equal(t.retry, SALVO_RETRY_SAFE);
    assert_int_equal(salvo_op_outcome(SALVO_OP_CANCEL, SALVO_V_NONE, 500, broke).status, SALVO_UNKNOWN);
    assert_int_equal(salvo_op_outcome(SALVO_OP_CANCEL, SALVO_V_NONE, 500, broke).retry, SALVO_RETRY_SAFE);
    /* the broker did not act: the cancel did not happen, and may be tried again */
    assert_int_equal(salvo_op_outcome(SALVO_OP_CANCEL, SALVO_V_NONE, 503, down).status, SALVO_FAILED);
    /* a rule's word stands: a lookup's "rejected" is the order's state */
    salvo_outcome_t r = salvo_verdict_outcome(SALVO_V_REJECTED, 0, ok);
    assert_int_equal(salvo_op_outcome(SALVO_OP_STATUS, SALVO_V_REJECTED, 200, r).status, SALVO_REJECTED);
    r = salvo_verdict_outcome(SALVO_V_PARTIALLY_FILLED, 0, ok);
    assert_int_equal(salvo_op_outcome(SALVO_OP_STATUS, SALVO_V_PARTIALLY_FILLED, 200, r).status,
                     SALVO_PARTIALLY_FILLED);
    /* a send is not changed */
    assert_int_equal(salvo_op_outcome(SALVO_OP_SEND, SALVO_V_NONE, 200, ok).status, SALVO_ACCEPTED);
    assert_int_equal(salvo_op_outcome(SALVO_OP_SEND, SALVO_V_NONE, 0, lost).retry, SALVO_RETRY_SAFE);
}

/* What a cancel's or lookup's line says beyond a send's. */
static void test_op_result_line(void **state)
{
    (void)state;
    salvo_order_t o = {.seq = 1, .line = 1, .symbol = "AAPL", .price = "10", .quantity = "3", .side = "BUY",
                       .type = "LIMIT", .client_order_id = "s-1"};
    salvo_result_t r = {.order = &o, .status = SALVO_PARTIALLY_FILLED, .http_status = 200, .attempts = 1,
                        .op = SALVO_OP_STATUS, .filled = "1.5", .order_id = "B-9"};
    salvo_jbuf_t b = {0};
    salvo_result_write(&b, &r, NULL);
    cJSON *d = cJSON_ParseWithLength(b.p, b.len);
    assert_non_null(d);
    assert_string_equal(cJSON_GetObjectItem(d, "op")->valuestring, "status");
    assert_string_equal(cJSON_GetObjectItem(d, "status")->valuestring, "partially_filled");
    assert_string_equal(cJSON_GetObjectItem(d, "filled")->valuestring, "1.5");
    assert_string_equal(cJSON_GetObjectItem(d, "order_id")->valuestring, "B-9");
    cJSON_Delete(d);
    b.len = 0;
    r.op = SALVO_OP_SEND, r.status = SALVO_ACCEPTED, r.filled = NULL;
    salvo_result_write(&b, &r, NULL);
    d = cJSON_ParseWithLength(b.p, b.len);
    assert_null(cJSON_GetObjectItem(d, "op")); /* a send's line is as it always was */
    assert_null(cJSON_GetObjectItem(d, "filled"));
    cJSON_Delete(d);
    salvo_jbuf_free(&b);
    for (int s = 0; s < SALVO_STATUS_COUNT; s++)
        assert_string_not_equal(salvo_status_name(s), "unknown_status");
    assert_string_equal(salvo_status_name(SALVO_ALREADY_CLOSED), "already_closed");
    assert_string_equal(salvo_op_name(SALVO_OP_CANCEL), "cancel");
}

/* A program built before salvo_config_t had op: a send's profile applies
 * without a byte written past its config; a cancel's is refused. */
static void test_op_older_config(void **state)
{
    (void)state;
    const char *json = "{" BASE ",\"cancel\":{\"url\":\"https://desk.example/orders/{{client_order_id}}\"}}";
    size_t old = offsetof(salvo_config_t, op);
    salvo_config_t *c = malloc(sizeof *c);
    assert_non_null(c);
    memset(c, 0xA5, sizeof *c);
    salvo_config_init_size(c, old);
    unsigned char past[sizeof *c];
    memcpy(past, (unsigned char *)c + old, sizeof *c - old);
    char err[320];
    salvo_profile_t *send = load(json), *cancel = load_op(json, SALVO_OP_CANCEL);
    assert_int_equal(salvo_config_apply_profile(c, send, SALVO_PROFILE_NO_BODY, err, sizeof err), 0);
    assert_memory_equal((unsigned char *)c + old, past, sizeof *c - old);
    assert_int_equal(salvo_config_apply_profile(c, cancel, SALVO_PROFILE_NO_BODY, err, sizeof err), -ENOTSUP);
    assert_non_null(strstr(err, "a cancel request needs"));
    assert_memory_equal((unsigned char *)c + old, past, sizeof *c - old);
    salvo_profile_free(send);
    salvo_profile_free(cancel);
    /* older still: no room for a limit per instrument (kraken.json's rate_per) */
    old = offsetof(salvo_config_t, rate_per_cols);
    memset(c, 0xA5, sizeof *c);
    salvo_config_init_size(c, old);
    memcpy(past, (unsigned char *)c + old, sizeof *c - old);
    salvo_profile_t *kraken = load_bundled("kraken");
    assert_int_equal(salvo_config_apply_profile(c, kraken, SALVO_PROFILE_NO_BODY, err, sizeof err), -ENOTSUP);
    assert_non_null(strstr(err, "rate_per"));
    assert_memory_equal((unsigned char *)c + old, past, sizeof *c - old);
    salvo_profile_free(kraken);
    free(c);
    /* and the engine refuses a cancel through --exec workers, or an op it does not know */
    uv_loop_t loop;
    assert_int_equal(uv_loop_init(&loop), 0);
    salvo_config_t full;
    salvo_config_init(&full);
    assert_int_equal(salvo_body_new_default(&full.body), 0);
    full.url = "https://x.example/{{client_order_id}}", full.op = SALVO_OP_CANCEL;
    const char *argv[] = {"/bin/true", NULL};
    full.exec_argv = argv, full.workers = 1, full.concurrency = 1;
    salvo_callbacks_t cb = {0};
    salvo_engine_t *e = NULL;
    assert_int_equal(salvo_engine_new(&e, &loop, &full, &cb, NULL), -EINVAL);
    full.exec_argv = NULL, full.op = 7;
    assert_int_equal(salvo_engine_new(&e, &loop, &full, &cb, NULL), -EINVAL);
    assert_null(e);
    salvo_body_free(full.body);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&loop), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_op_request_from_section),
        cmocka_unit_test(test_op_refusals),
        cmocka_unit_test(test_mock_profile_reads_states),
        cmocka_unit_test(test_bundled_ops_load),
        cmocka_unit_test(test_rules_compare_numbers),
        cmocka_unit_test(test_pointer_names_the_order),
        cmocka_unit_test(test_op_outcomes),
        cmocka_unit_test(test_op_result_line),
        cmocka_unit_test(test_op_older_config),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
