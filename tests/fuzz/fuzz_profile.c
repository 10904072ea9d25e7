/* A broker profile (a user's --broker FILE) and a broker's answer read by
 * its rules. Input: two bytes (the answer's HTTP status, the clock), the
 * profile's JSON up to the first NUL, then the answer's body. Checked: a
 * refused profile says why; an accepted one builds a request whose header
 * lines hold no CR or LF (no header injection, whatever the profile says)
 * and whose dry run shows no secret; any answer reads as a verdict salvo
 * knows, with an order id and error text that fit their buffers. Its
 * cancel and status requests, when it has them, the same; and no answer
 * to one reads as an order accepted, or as a cancel to send again blind.
 * Its batch request, when it has one: built and signed around a body of
 * two orders, and each order's element read at its index. */
#include <errno.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "fuzz.h"
#include "profile_int.h"
#include "rules.h"
#include "salvo/order.h"
#include "salvo/profile.h"
#include "salvo/result.h"
#include "sign.h"

#define SECRET "c2VjcmV0LXNlY3JldC1zZWNyZXQ="

/* redact: a dry run, checked for the secret unless the profile's own
 * text holds it (then it is no secret) */
static void build(const salvo_profile_t *p, int64_t now_us, int redact)
{
    const char *url = salvo_profile_url(p, 0);
    char *body = salvo_profile_body(p, 0);
    const char *b = body ? body : "symbol=AAPL&side=BUY&quantity=1";
    salvo_signer_t st = {0};
    salvo_wire_t w = {0};
    w.redact = redact;
    char err[320] = "";
    int rc = salvo_sign_build(p, &st, url ? url : "https://broker.example/orders", b, strlen(b), now_us, &w, err,
                              sizeof err);
    FUZZ_CHECK(rc == 0 || rc == -EINVAL || rc == -ENOMEM);
    if (rc == 0) {
        FUZZ_CHECK(w.nh <= SALVO_WIRE_MAX_HEADERS && w.url.p != NULL);
        for (size_t i = 0; i < w.nh; i++) {
            const char *h = salvo_wire_header(&w, i);
            FUZZ_CHECK(strpbrk(h, "\r\n") == NULL);
            FUZZ_CHECK(!redact || strstr(h, SECRET) == NULL);
        }
        FUZZ_CHECK(!redact || w.body.p == NULL || strstr(w.body.p, SECRET) == NULL);
    } else if (rc == -EINVAL) {
        FUZZ_CHECK(err[0] != '\0');
    }
    salvo_wire_free(&w);
    free(body);
}

/* An order for the rules holding "{{column}}" and for "refuse": a MARKET
 * order has no price. */
static const salvo_order_t a_market_buy = {.symbol = "BTC-USD", .price = "", .quantity = "0.5", .side = "BUY",
                                           .type = "MARKET", .client_order_id = "c1"};

static void answer(const salvo_profile_t *p, long http, const char *s, size_t n)
{
    const salvo_rules_t *rs = salvo_profile_rules(p);
    cJSON *doc = cJSON_ParseWithLength(s, n);
    int v = salvo_rules_match(rs, http, doc, NULL);
    FUZZ_CHECK(v >= SALVO_V_NONE && v <= SALVO_V_BANNED && salvo_verdict_name(v) != NULL);
    int vo = salvo_rules_match(rs, http, doc, &a_market_buy);
    FUZZ_CHECK(vo >= SALVO_V_NONE && vo <= SALVO_V_BANNED);
    char id[64], why[200];
    memset(id, 'x', sizeof id);
    memset(why, 'x', sizeof why);
    salvo_rules_order_id(rs, doc, id, sizeof id);
    salvo_rules_error(rs, doc, why, sizeof why);
    FUZZ_CHECK(memchr(id, '\0', sizeof id) != NULL && memchr(why, '\0', sizeof why) != NULL);
    for (int earlier = 0; earlier < 2; earlier++) {
        salvo_outcome_t by = salvo_classify(0 /* CURLE_OK */, http, 1, earlier, 0);
        salvo_outcome_t o = salvo_verdict_outcome(v, earlier, by);
        FUZZ_CHECK(o.status >= SALVO_ACCEPTED && o.status <= SALVO_UNKNOWN);
        /* a "no" after an earlier copy may have reached the broker is never believed */
        FUZZ_CHECK(!earlier || o.status != SALVO_REJECTED);
    }
    cJSON_Delete(doc);
}

/* A cancel's or lookup's answer: one of the op's statuses, never an
 * order's "accepted", and whatever got no answer is safe to ask again. */
static void answer_op(const salvo_profile_t *p, int op, long http, const char *s, size_t n)
{
    const salvo_rules_t *rs = salvo_profile_rules(p);
    cJSON *doc = cJSON_ParseWithLength(s, n);
    int v = salvo_rules_match(rs, http, doc, NULL);
    FUZZ_CHECK(v >= SALVO_V_NONE && v < SALVO_V_COUNT && salvo_verdict_name(v) != NULL);
    char filled[40];
    memset(filled, 'x', sizeof filled);
    salvo_rules_filled(rs, doc, &a_market_buy, filled, sizeof filled);
    FUZZ_CHECK(memchr(filled, '\0', sizeof filled) != NULL);
    FUZZ_CHECK(op == SALVO_OP_STATUS || filled[0] == '\0'); /* only a lookup reads one */
    salvo_outcome_t by = salvo_classify(0 /* CURLE_OK */, http, 1, 0, 0);
    salvo_outcome_t o = salvo_op_outcome(op, v, http, salvo_verdict_outcome(v, 0, by));
    FUZZ_CHECK(o.status != SALVO_ACCEPTED && o.status != SALVO_DUPLICATE && o.status >= 0 &&
               o.status < SALVO_STATUS_COUNT);
    FUZZ_CHECK(o.retry != SALVO_RETRY_AMBIGUOUS);
    FUZZ_CHECK(op == SALVO_OP_STATUS || (o.status != SALVO_OPEN && o.status != SALVO_FILLED &&
                                         o.status != SALVO_PARTIALLY_FILLED));
    cJSON_Delete(doc);
}

/* The profile's cancel and status requests, parsed on their own. */
static void ops(const char *s, size_t plen, const char *nul, size_t rest, long http, int64_t now_us, int literal)
{
    static const int op[] = {SALVO_OP_CANCEL, SALVO_OP_STATUS};
    for (size_t i = 0; i < 2; i++) {
        salvo_profile_t *q = NULL;
        char err[320] = "";
        int rc = salvo_profile_parse_op(&q, s, plen, op[i], err, sizeof err);
        /* the send's parse checked the sections: only a missing one, or memory, fails now */
        FUZZ_CHECK(rc == 0 || rc == -ENOENT || rc == -ENOMEM);
        if (rc != 0) {
            FUZZ_CHECK(q == NULL);
            continue;
        }
        FUZZ_CHECK(salvo_profile_op(q) == op[i] && salvo_profile_idempotency_header(q) == NULL);
        for (int slot = 0; slot < SALVO_SECRET_COUNT; slot++)
            if (salvo_profile_needs(q, slot))
                salvo_profile_set_secret(q, slot, SECRET, strlen(SECRET), err, sizeof err);
        build(q, now_us, !literal);
        if (nul)
            answer_op(q, op[i], http, nul + 1, rest);
        salvo_profile_free(q);
    }
}

/* The batch request: a body of two orders around their elements, signed;
 * each order read from its index of the answer (and one past the end). */
static void batch(const salvo_profile_t *p, long http, const char *s, size_t n, int64_t now_us, int literal)
{
    const salvo_batch_t *b = p->batch;
    if (b == NULL)
        return;
    FUZZ_CHECK(b->max >= 2 && b->req != NULL && b->elements != NULL);
    salvo_order_t o1 = a_market_buy, o2 = a_market_buy;
    o1.body = "{\"a\":1,\"b\":\"x\"}";
    o1.body_len = strlen(o1.body);
    o2.body = "{\"b\":[1,2],\"a\":null}";
    o2.body_len = strlen(o2.body);
    const salvo_order_t *two[] = {&o1, &o2};
    salvo_jbuf_t body = {0};
    salvo_batch_render(b, &body, two, 2);
    FUZZ_CHECK(body.oom || (body.p && strlen(body.p) == body.len));
    if (!body.oom) {
        cJSON *doc = cJSON_ParseWithLength(body.p, body.len); /* a JSON text, or the profile's fault: never ours */
        FUZZ_CHECK(doc != NULL);
        cJSON_Delete(doc);
    }
    salvo_jbuf_free(&body);
    build(b->req, now_us, !literal);
    if (s == NULL)
        return;
    cJSON *doc = cJSON_ParseWithLength(s, n);
    for (long i = 0; i < 3; i++) {
        salvo_rules_at_t at = {i, i == 1 ? "/data/1" : i == 2 ? "" : NULL};
        int v = salvo_rules_match_at(&b->req->rules, http, doc, &a_market_buy, &at);
        FUZZ_CHECK(v >= SALVO_V_NONE && v <= SALVO_V_BANNED);
        char id[64], why[200];
        salvo_rules_order_id_at(&b->req->rules, doc, &at, id, sizeof id);
        salvo_rules_error_at(&b->req->rules, doc, &at, why, sizeof why);
        FUZZ_CHECK(memchr(id, '\0', sizeof id) != NULL && memchr(why, '\0', sizeof why) != NULL);
    }
    cJSON_Delete(doc);
}

static int holds(const char *s, size_t n, const char *w)
{
    size_t k = strlen(w);
    for (size_t i = 0; i + k <= n; i++)
        if (memcmp(s + i, w, k) == 0)
            return 1;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_in_t in = {data, size};
    static const long codes[] = {200, 201, 400, 401, 403, 409, 418, 422, 429, 500, 503, 302};
    long http = codes[fuzz_byte(&in) % (sizeof codes / sizeof codes[0])];
    int64_t now_us = 1764234000000000 + (int64_t)fuzz_byte(&in) * 999999;
    const char *s = (const char *)in.p;
    const char *nul = memchr(s, '\0', in.n);
    size_t plen = nul ? (size_t)(nul - s) : in.n;
    salvo_profile_t *p = NULL;
    char err[320] = "";
    int rc = salvo_profile_parse(&p, s, plen, err, sizeof err);
    FUZZ_CHECK(rc == 0 || rc == -EINVAL || rc == -ENOMEM);
    if (rc != 0) {
        FUZZ_CHECK(p == NULL && (rc == -ENOMEM || err[0] != '\0'));
        return 0;
    }
    const char *why = salvo_profile_refusal(p, &a_market_buy);
    FUZZ_CHECK(why == NULL || why[0] != '\0');
    int literal = holds(s, plen, SECRET);
    build(p, now_us, !literal); /* a dry run: secrets not there yet */
    for (int slot = 0; slot < SALVO_SECRET_COUNT; slot++)
        if (salvo_profile_needs(p, slot))
            salvo_profile_set_secret(p, slot, SECRET, strlen(SECRET), err, sizeof err);
    build(p, now_us, !literal);
    if (salvo_profile_ready(p))
        build(p, now_us, 0);
    if (nul)
        answer(p, http, nul + 1, in.n - plen - 1);
    batch(p, http, nul ? nul + 1 : NULL, nul ? in.n - plen - 1 : 0, now_us, literal);
    salvo_profile_free(p);
    ops(s, plen, nul, nul ? in.n - plen - 1 : 0, http, now_us, literal);
    return 0;
}
