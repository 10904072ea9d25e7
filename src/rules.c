/* An answer read by a profile's rules (rules_parse.c made them): which
 * rule holds, the broker's order id, words and filled quantity, and what
 * the verdict means for the order, a cancel or a lookup. */
#include "rules.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "lookup.h"
#include "salvo/order.h"
#include "salvo/result.h"

/* ---------- matching ---------- */

/* A number equals a number of the same value, a string the same string,
 * true/false/null themselves: "0" is not 0. */
static int same(const cJSON *a, const cJSON *b)
{
    if (cJSON_IsNumber(a) && cJSON_IsNumber(b))
        return a->valuedouble == b->valuedouble;
    if (cJSON_IsString(a) && cJSON_IsString(b))
        return strcmp(a->valuestring, b->valuestring) == 0;
    if (cJSON_IsBool(a) && cJSON_IsBool(b))
        return cJSON_IsTrue(a) == cJSON_IsTrue(b);
    return cJSON_IsNull(a) && cJSON_IsNull(b);
}

static int in_list(const cJSON *v, const cJSON *list)
{
    const cJSON *x;
    cJSON_ArrayForEach(x, list) {
        if (same(v, x))
            return 1;
    }
    return 0;
}

static int nonempty(const cJSON *v)
{
    if (cJSON_IsArray(v) || cJSON_IsObject(v))
        return v->child != NULL;
    return cJSON_IsString(v) && v->valuestring[0] != '\0';
}

/* A decimal number written whole ("0.0010", "-2", "1e-8"), or 0: no
 * sign '+', no hex, no inf or nan, nothing around it (strtod alone takes
 * all of those). */
static int as_number(const char *s, double *out)
{
    const char *p = s + (*s == '-');
    size_t digits = strspn(p, "0123456789");
    p += digits;
    if (*p == '.') {
        size_t frac = strspn(p + 1, "0123456789");
        digits += frac;
        p += 1 + frac;
    }
    if (digits && (*p == 'e' || *p == 'E')) {
        p += 1 + (p[1] == '+' || p[1] == '-');
        size_t exp = strspn(p, "0123456789");
        p = exp ? p + exp : s; /* "1e" is no number */
    }
    if (digits == 0 || *p != '\0')
        return 0;
    *out = strtod(s, NULL);
    return isfinite(*out);
}

/* The answer's value against the order's own text: equal as numbers when
 * both are numbers (a broker may write 0.0010 for 0.001), else as text,
 * ignoring case (it may write BTC-USD for btc-usd). So a broker's
 * rewriting of the same order is never taken for another order. */
static int same_as_order(const cJSON *v, const char *text)
{
    double a, b;
    if (cJSON_IsNumber(v))
        return as_number(text, &b) && v->valuedouble == b;
    if (as_number(v->valuestring, &a) && as_number(text, &b))
        return a == b;
    return strcasecmp(v->valuestring, text) == 0;
}

static const char *order_value(const salvo_order_t *o, int col)
{
    const char *const vals[SALVO_COL_CANONICAL] = {o->symbol, o->price, o->quantity, o->side, o->type,
                                                   o->client_order_id};
    return vals[col];
}

/* eq/ne against the order's own value: an order without that value (no
 * price for a MARKET order), or an answer whose value is no string or
 * number (null), makes the condition false, as a missing pointer does. */
static int order_cond_holds(const salvo_cond_t *c, const cJSON *v, const salvo_order_t *o)
{
    const char *text = o ? order_value(o, c->column) : NULL;
    if (text == NULL || text[0] == '\0' || !(cJSON_IsString(v) || cJSON_IsNumber(v)))
        return 0;
    return same_as_order(v, text) == (c->op == SALVO_COND_EQ);
}

/* gt/lt: the answer's number, or a string that is one ("0.00000000":
 * brokers write quantities as text); anything else makes it false. */
static int compares(const cJSON *v, int op, double bound)
{
    double x;
    if (cJSON_IsNumber(v) && isfinite(v->valuedouble)) /* 1e999 parses as inf: no number */
        x = v->valuedouble;
    else if (!cJSON_IsString(v) || !as_number(v->valuestring, &x))
        return 0;
    return op == SALVO_COND_GT ? x > bound : x < bound;
}

/* What pointer p finds in body, the order's values put in for its
 * {{order_id}} and {{client_order_id}} (escaped as a pointer's tokens
 * are: ~0 for '~', ~1 for '/'), at's for {{index}} and {{element}} (a
 * pointer already: put in as it is). An order without the value, a
 * pointer too long, or {{index}} outside a batch finds nothing. */
static const cJSON *find(const cJSON *body, const char *p, const salvo_order_t *o, const salvo_rules_at_t *at)
{
    if (body == NULL)
        return NULL;
    if (strstr(p, "{{") == NULL)
        return salvo_json_pointer(body, p);
    char buf[512], num[24];
    size_t k = 0;
    while (*p && k + 3 < sizeof buf) {
        if (strncmp(p, "{{", 2) != 0) {
            buf[k++] = *p++;
            continue;
        }
        const char *v;
        int as_is = 0;
        if (strncmp(p, "{{index}}", 9) == 0) {
            if (at == NULL || at->index < 0)
                return NULL;
            snprintf(num, sizeof num, "%ld", at->index);
            v = num;
            p += 9;
        } else if (strncmp(p, "{{element}}", 11) == 0) {
            v = at ? at->element : NULL;
            as_is = 1;
            p += 11;
        } else {
            int by_ref = strncmp(p, "{{order_id}}", 12) == 0;
            v = o == NULL ? "" : by_ref ? o->ref : o->client_order_id;
            p += by_ref ? 12 : 19; /* {{order_id}}, {{client_order_id}} */
        }
        if (v == NULL || (v[0] == '\0' && !as_is))
            return NULL;
        for (; *v && k + 3 < sizeof buf; v++) {
            if (!as_is && (*v == '~' || *v == '/')) {
                buf[k++] = '~';
                buf[k++] = *v == '~' ? '0' : '1';
            } else {
                buf[k++] = *v;
            }
        }
    }
    if (*p)
        return NULL;
    buf[k] = '\0';
    return salvo_json_pointer(body, buf);
}

const cJSON *salvo_rules_find(const cJSON *body, const char *p, const salvo_order_t *o, const salvo_rules_at_t *at)
{
    return find(body, p, o, at);
}

static int cond_holds(const salvo_cond_t *c, const cJSON *body, const salvo_order_t *o, const salvo_rules_at_t *at)
{
    const cJSON *v = find(body, c->pointer, o, at);
    if (c->column >= 0)
        return order_cond_holds(c, v, o);
    if (c->op == SALVO_COND_EXISTS)
        return (v != NULL) == cJSON_IsTrue(c->value);
    if (v == NULL)
        return 0;
    switch (c->op) {
    case SALVO_COND_EQ: return same(v, c->value);
    case SALVO_COND_NE: return !same(v, c->value);
    case SALVO_COND_IN: return in_list(v, c->value);
    case SALVO_COND_NOT_IN: return !in_list(v, c->value);
    case SALVO_COND_NONEMPTY: return nonempty(v) == cJSON_IsTrue(c->value);
    case SALVO_COND_CONTAINS: return cJSON_IsString(v) && strstr(v->valuestring, c->value->valuestring) != NULL;
    case SALVO_COND_GT:
    case SALVO_COND_LT: return compares(v, c->op, c->value->valuedouble);
    }
    return 0;
}

static int http_applies(const salvo_rule_t *r, long http)
{
    if (r->nhttp == 0)
        return http < 500;
    for (size_t i = 0; i < r->nhttp; i++)
        if (r->http[i] == http || (r->http[i] < 10 && r->http[i] == http / 100))
            return 1;
    return 0;
}

int salvo_rules_match(const salvo_rules_t *rs, long http, const cJSON *body, const salvo_order_t *o)
{
    return salvo_rules_match_at(rs, http, body, o, NULL);
}

int salvo_rules_match_at(const salvo_rules_t *rs, long http, const cJSON *body, const salvo_order_t *o,
                         const salvo_rules_at_t *at)
{
    for (size_t i = 0; i < rs->n; i++) {
        const salvo_rule_t *r = &rs->rule[i];
        if (!http_applies(r, http))
            continue;
        size_t k = 0;
        while (k < r->ncond && cond_holds(&r->cond[k], body, o, at))
            k++;
        if (k == r->ncond)
            return r->verdict;
    }
    return SALVO_V_NONE;
}

/* A scalar as text: strings as they are, numbers as written in JSON. */
static int scalar_text(const cJSON *v, char *out, size_t cap)
{
    if (cJSON_IsString(v))
        return snprintf(out, cap, "%s", v->valuestring);
    if (cJSON_IsNumber(v)) {
        double d = v->valuedouble;
        if (d == floor(d) && fabs(d) < 9e15)
            return snprintf(out, cap, "%.0f", d);
        return snprintf(out, cap, "%.17g", d);
    }
    if (cJSON_IsBool(v))
        return snprintf(out, cap, "%s", cJSON_IsTrue(v) ? "true" : "false");
    if (cJSON_IsArray(v) && v->child) /* Kraken: ["EOrder:Insufficient funds"] */
        return scalar_text(v->child, out, cap);
    return -1;
}

void salvo_rules_order_id(const salvo_rules_t *rs, const cJSON *body, char *out, size_t cap)
{
    salvo_rules_order_id_at(rs, body, NULL, out, cap);
}

void salvo_rules_order_id_at(const salvo_rules_t *rs, const cJSON *body, const salvo_rules_at_t *at, char *out,
                             size_t cap)
{
    out[0] = '\0';
    if (rs->order_id && body)
        scalar_text(find(body, rs->order_id, NULL, at), out, cap);
}

void salvo_rules_filled(const salvo_rules_t *rs, const cJSON *body, const salvo_order_t *o, char *out, size_t cap)
{
    out[0] = '\0';
    if (rs->filled && body)
        scalar_text(find(body, rs->filled, o, NULL), out, cap);
}

void salvo_rules_error(const salvo_rules_t *rs, const cJSON *body, char *out, size_t cap)
{
    salvo_rules_error_at(rs, body, NULL, out, cap);
}

void salvo_rules_error_at(const salvo_rules_t *rs, const cJSON *body, const salvo_rules_at_t *at, char *out,
                          size_t cap)
{
    size_t len = 0;
    out[0] = '\0';
    for (size_t i = 0; i < rs->nerror && body && len + 1 < cap; i++) {
        char part[160];
        /* a batch's order with its own element: its element's words (the
         * pointers naming it), not the whole answer's "success"; without
         * one, the whole answer's */
        if (at && (at->element != NULL) != (strstr(rs->error[i], "{{") != NULL))
            continue;
        if (scalar_text(find(body, rs->error[i], NULL, at), part, sizeof part) <= 0)
            continue;
        int n = snprintf(out + len, cap - len, len ? " (%s)" : "%s", part);
        if (n > 0)
            len += (size_t)n < cap - len ? (size_t)n : cap - len - 1;
    }
}

salvo_outcome_t salvo_verdict_outcome(int v, int earlier_copy, salvo_outcome_t by_status)
{
    switch (v) {
    case SALVO_V_ACCEPTED: return (salvo_outcome_t){SALVO_ACCEPTED, SALVO_RETRY_NO};
    case SALVO_V_DUPLICATE: return (salvo_outcome_t){SALVO_DUPLICATE, SALVO_RETRY_NO};
    case SALVO_V_UNKNOWN: return (salvo_outcome_t){SALVO_UNKNOWN, SALVO_RETRY_AMBIGUOUS};
    case SALVO_V_REJECTED: return (salvo_outcome_t){earlier_copy ? SALVO_UNKNOWN : SALVO_REJECTED, SALVO_RETRY_NO};
    case SALVO_V_RATE_LIMITED: return salvo_classify(0, 429, 1, earlier_copy, 0); /* not acted on, as a 429 */
    case SALVO_V_BANNED: return (salvo_outcome_t){earlier_copy ? SALVO_UNKNOWN : SALVO_FAILED, SALVO_RETRY_NO};
    /* a cancel's or a lookup's: the broker's word on the order, final */
    case SALVO_V_CANCELLED: return (salvo_outcome_t){SALVO_CANCELLED, SALVO_RETRY_NO};
    case SALVO_V_ALREADY_CLOSED: return (salvo_outcome_t){SALVO_ALREADY_CLOSED, SALVO_RETRY_NO};
    case SALVO_V_NOT_FOUND: return (salvo_outcome_t){SALVO_NOT_FOUND, SALVO_RETRY_NO};
    case SALVO_V_OPEN: return (salvo_outcome_t){SALVO_OPEN, SALVO_RETRY_NO};
    case SALVO_V_PARTIALLY_FILLED: return (salvo_outcome_t){SALVO_PARTIALLY_FILLED, SALVO_RETRY_NO};
    case SALVO_V_FILLED: return (salvo_outcome_t){SALVO_FILLED, SALVO_RETRY_NO};
    }
    return by_status;
}

salvo_outcome_t salvo_op_outcome(int op, int verdict, long http, salvo_outcome_t oc)
{
    if (oc.retry == SALVO_RETRY_AMBIGUOUS) /* a second cancel or lookup changes nothing */
        oc.retry = SALVO_RETRY_SAFE;
    if (verdict != SALVO_V_NONE) /* a rule's word stands */
        return oc;
    int definite = oc.status == SALVO_ACCEPTED || oc.status == SALVO_REJECTED || oc.status == SALVO_DUPLICATE;
    if (op == SALVO_OP_SEND || !definite)
        return oc;
    if (http == 404)
        oc.status = SALVO_NOT_FOUND;
    else if (op == SALVO_OP_CANCEL)
        oc.status = oc.status == SALVO_ACCEPTED ? SALVO_CANCELLED : SALVO_REJECTED;
    else /* a lookup answered, but with no state a rule names: the order's state is not known */
        oc.status = SALVO_UNKNOWN;
    return oc;
}
