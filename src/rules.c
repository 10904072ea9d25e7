#include "rules.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "lookup.h"
#include "salvo/order.h"
#include "salvo/result.h"

enum { OP_EQ, OP_NE, OP_IN, OP_NOT_IN, OP_EXISTS, OP_NONEMPTY, OP_CONTAINS, OP_GT, OP_LT, OP_COUNT };
static const char *const op_names[OP_COUNT] = {"eq", "ne", "in", "not_in", "exists", "nonempty", "contains", "gt", "lt"};

static const char *const verdict_names[SALVO_V_COUNT] = {
    "accepted",  "rejected",       "duplicate", "unknown", "rate_limited",     "banned",
    "cancelled", "already_closed", "not_found", "open",    "partially_filled", "filled"};

#define V(x) (1u << SALVO_V_##x)
/* The statuses a rule may name, per enum salvo_op, and how to say so. */
static const unsigned op_verdicts[] = {
    [SALVO_OP_SEND] = V(ACCEPTED) | V(REJECTED) | V(DUPLICATE) | V(UNKNOWN) | V(RATE_LIMITED) | V(BANNED),
    [SALVO_OP_CANCEL] = V(CANCELLED) | V(ALREADY_CLOSED) | V(NOT_FOUND) | V(REJECTED) | V(UNKNOWN) |
                        V(RATE_LIMITED) | V(BANNED),
    [SALVO_OP_STATUS] = V(OPEN) | V(PARTIALLY_FILLED) | V(FILLED) | V(CANCELLED) | V(REJECTED) | V(NOT_FOUND) |
                        V(UNKNOWN) | V(RATE_LIMITED) | V(BANNED),
};
#undef V
static const char *const op_verdict_words[] = {
    [SALVO_OP_SEND] = "accepted, rejected, duplicate, unknown, rate_limited or banned",
    [SALVO_OP_CANCEL] = "cancelled, already_closed, not_found, rejected, unknown, rate_limited or banned",
    [SALVO_OP_STATUS] =
        "open, partially_filled, filled, cancelled, rejected, not_found, unknown, rate_limited or banned",
};

const char *salvo_verdict_name(int v) { return v >= 0 && v < SALVO_V_COUNT ? verdict_names[v] : "none"; }

static int verdict_of(const char *s, int op)
{
    for (int i = 0; i < SALVO_V_COUNT; i++)
        if (strcmp(s, verdict_names[i]) == 0 && (op_verdicts[op] & (1u << i)))
            return i;
    return SALVO_V_NONE;
}

/* ---------- parsing ---------- */

static int fail(char *err, size_t errlen, size_t rule, const char *what)
{
    snprintf(err, errlen, "result.rules[%zu]: %s", rule, what);
    return -EINVAL;
}

static int parse_http(salvo_rule_t *r, const cJSON *http, size_t i, char *err, size_t errlen)
{
    if (http == NULL)
        return 0;
    if (!cJSON_IsArray(http) || cJSON_GetArraySize(http) == 0)
        return fail(err, errlen, i, "\"http\" must be a list of statuses (200) and classes (\"4xx\")");
    size_t n = (size_t)cJSON_GetArraySize(http);
    if ((r->http = calloc(n, sizeof *r->http)) == NULL)
        return -ENOMEM;
    const cJSON *h;
    cJSON_ArrayForEach(h, http) {
        int code = 0;
        if (cJSON_IsNumber(h) && h->valuedouble >= 100 && h->valuedouble <= 599 && h->valuedouble == floor(h->valuedouble))
            code = (int)h->valuedouble;
        else if (cJSON_IsString(h) && strlen(h->valuestring) == 3 && h->valuestring[0] >= '1' &&
                 h->valuestring[0] <= '5' && strcmp(h->valuestring + 1, "xx") == 0)
            code = h->valuestring[0] - '0';
        else
            return fail(err, errlen, i, "\"http\" holds something that is neither a status (100-599) nor a class (\"4xx\")");
        r->http[r->nhttp++] = code;
    }
    return 0;
}

/* "{{side}}" as an eq/ne value: the order's own side. -1 when v is no such
 * mark, -2 when it names no column of the order. */
static int order_column(const cJSON *v)
{
    static const char *const cols[SALVO_COL_CANONICAL] = {"symbol", "price", "quantity", "side", "type",
                                                          "client_order_id"};
    if (!cJSON_IsString(v) || strncmp(v->valuestring, "{{", 2) != 0)
        return -1;
    size_t n = strlen(v->valuestring);
    if (n < 4 || strcmp(v->valuestring + n - 2, "}}") != 0)
        return -1;
    for (int k = 0; k < SALVO_COL_CANONICAL; k++)
        if (strlen(cols[k]) == n - 4 && strncmp(v->valuestring + 2, cols[k], n - 4) == 0)
            return k;
    return -2;
}

/* "{{order_id}}" or "{{client_order_id}}" in a pointer: the order's
 * own (Kraken keys a lookup's answer by its order id). 1 when p names only
 * those, 0 when it names something else; a pointer without "{{" is 1. */
static int pointer_names_ok(const char *p)
{
    while ((p = strstr(p, "{{")) != NULL) {
        const char *end = strstr(p, "}}");
        size_t n = end ? (size_t)(end - p - 2) : 0;
        if (end == NULL || !((n == 8 && strncmp(p + 2, "order_id", 8) == 0) ||
                             (n == 15 && strncmp(p + 2, "client_order_id", 15) == 0)))
            return 0;
        p = end + 2;
    }
    return 1;
}

static int parse_cond(salvo_cond_t *c, const cJSON *o, size_t i, char *err, size_t errlen)
{
    const cJSON *ptr = cJSON_GetObjectItemCaseSensitive(o, "pointer");
    if (!cJSON_IsString(ptr) || (ptr->valuestring[0] != '/' && ptr->valuestring[0] != '\0'))
        return fail(err, errlen, i, "a condition needs a \"pointer\" (\"/retCode\")");
    if (!pointer_names_ok(ptr->valuestring))
        return fail(err, errlen, i, "\"{{...}}\" in a pointer names {{order_id}} or {{client_order_id}}");
    if ((c->pointer = strdup(ptr->valuestring)) == NULL)
        return -ENOMEM;
    c->op = -1;
    c->column = -1;
    for (int k = 0; k < OP_COUNT; k++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, op_names[k]);
        if (v == NULL)
            continue;
        if (c->op >= 0)
            return fail(err, errlen, i,
                        "a condition has one test (eq, ne, in, not_in, exists, nonempty, contains, gt, lt)");
        c->op = k;
        if ((k == OP_IN || k == OP_NOT_IN) && !cJSON_IsArray(v))
            return fail(err, errlen, i, "\"in\" and \"not_in\" take a list");
        if ((k == OP_EXISTS || k == OP_NONEMPTY) && !cJSON_IsBool(v))
            return fail(err, errlen, i, "\"exists\" and \"nonempty\" take true or false");
        if (k == OP_CONTAINS && !cJSON_IsString(v))
            return fail(err, errlen, i, "\"contains\" takes a string");
        if ((k == OP_GT || k == OP_LT) && !cJSON_IsNumber(v))
            return fail(err, errlen, i, "\"gt\" and \"lt\" take a number");
        if ((c->value = cJSON_Duplicate(v, 1)) == NULL)
            return -ENOMEM;
        c->column = k == OP_EQ || k == OP_NE ? order_column(v) : -1;
        if (c->column == -2)
            return fail(err, errlen, i, "\"{{...}}\" in a condition names one of the order's columns: symbol, price, "
                                        "quantity, side, type, client_order_id");
    }
    if (c->op < 0)
        return fail(err, errlen, i, "a condition needs a test (eq, ne, in, not_in, exists, nonempty, contains, gt, lt)");
    return 0;
}

static int parse_rule(salvo_rule_t *r, const cJSON *o, int op, size_t i, char *err, size_t errlen)
{
    if (!cJSON_IsObject(o))
        return fail(err, errlen, i, "a rule is an object");
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(o, "status");
    if (!cJSON_IsString(st) || (r->verdict = verdict_of(st->valuestring, op)) == SALVO_V_NONE) {
        char why[160];
        snprintf(why, sizeof why, "\"status\" must be %s", op_verdict_words[op]);
        return fail(err, errlen, i, why);
    }
    int rc = parse_http(r, cJSON_GetObjectItemCaseSensitive(o, "http"), i, err, errlen);
    if (rc < 0)
        return rc;
    const cJSON *conds = cJSON_GetObjectItemCaseSensitive(o, "if");
    if (conds == NULL)
        return r->nhttp ? 0 : fail(err, errlen, i, "a rule needs \"http\" or \"if\"");
    if (!cJSON_IsArray(conds))
        return fail(err, errlen, i, "\"if\" is a list of conditions");
    size_t n = (size_t)cJSON_GetArraySize(conds);
    if (n && (r->cond = calloc(n, sizeof *r->cond)) == NULL)
        return -ENOMEM;
    const cJSON *c;
    cJSON_ArrayForEach(c, conds) {
        if ((rc = parse_cond(&r->cond[r->ncond++], c, i, err, errlen)) < 0)
            return rc;
    }
    return 0;
}

static int dup_pointer(char **out, const cJSON *v, const char *what, char *err, size_t errlen)
{
    if (!cJSON_IsString(v) || (v->valuestring[0] != '/' && v->valuestring[0] != '\0')) {
        snprintf(err, errlen, "result.%s must be a JSON pointer (\"/result/orderId\")", what);
        return -EINVAL;
    }
    /* the order's values in a pointer: a condition's and result.filled only */
    if (strcmp(what, "filled") == 0 ? !pointer_names_ok(v->valuestring) : strstr(v->valuestring, "{{") != NULL) {
        snprintf(err, errlen, "result.%s: \"{{...}}\" in a pointer names {{order_id}} or {{client_order_id}}, "
                              "in a condition's pointer or result.filled", what);
        return -EINVAL;
    }
    return (*out = strdup(v->valuestring)) ? 0 : -ENOMEM;
}

static int parse_error_pointers(salvo_rules_t *rs, const cJSON *e, char *err, size_t errlen)
{
    if (e == NULL)
        return 0;
    size_t n = cJSON_IsArray(e) ? (size_t)cJSON_GetArraySize(e) : 1;
    if ((rs->error = calloc(n, sizeof *rs->error)) == NULL)
        return -ENOMEM;
    if (!cJSON_IsArray(e))
        return rs->nerror = 1, dup_pointer(&rs->error[0], e, "error", err, errlen);
    const cJSON *p;
    cJSON_ArrayForEach(p, e) {
        int rc = dup_pointer(&rs->error[rs->nerror++], p, "error", err, errlen);
        if (rc < 0)
            return rc;
    }
    return 0;
}

static int parse_all(salvo_rules_t *rs, const cJSON *result, int op, char *err, size_t errlen)
{
    if (!cJSON_IsObject(result)) {
        snprintf(err, errlen, "\"result\" must be an object");
        return -EINVAL;
    }
    const cJSON *oid = cJSON_GetObjectItemCaseSensitive(result, "order_id");
    int rc = oid ? dup_pointer(&rs->order_id, oid, "order_id", err, errlen) : 0;
    if (rc == 0)
        rc = parse_error_pointers(rs, cJSON_GetObjectItemCaseSensitive(result, "error"), err, errlen);
    const cJSON *filled = cJSON_GetObjectItemCaseSensitive(result, "filled");
    if (rc == 0 && filled && op != SALVO_OP_STATUS) {
        snprintf(err, errlen, "result.filled belongs to a \"status\" request (an order lookup)");
        rc = -EINVAL;
    }
    if (rc == 0 && filled)
        rc = dup_pointer(&rs->filled, filled, "filled", err, errlen);
    const cJSON *rules = cJSON_GetObjectItemCaseSensitive(result, "rules");
    if (rc < 0 || rules == NULL)
        return rc;
    if (!cJSON_IsArray(rules)) {
        snprintf(err, errlen, "result.rules must be a list");
        return -EINVAL;
    }
    size_t n = (size_t)cJSON_GetArraySize(rules);
    if (n && (rs->rule = calloc(n, sizeof *rs->rule)) == NULL)
        return -ENOMEM;
    const cJSON *r;
    cJSON_ArrayForEach(r, rules) {
        if ((rc = parse_rule(&rs->rule[rs->n], r, op, rs->n, err, errlen)) < 0) {
            rs->n++;
            return rc;
        }
        rs->n++;
    }
    return 0;
}

int salvo_rules_parse(salvo_rules_t *rs, const cJSON *result, int op, char *err, size_t errlen)
{
    memset(rs, 0, sizeof *rs);
    if (op < SALVO_OP_SEND || op > SALVO_OP_STATUS) {
        snprintf(err, errlen, "no such request kind");
        return -EINVAL;
    }
    if (result == NULL)
        return 0;
    int rc = parse_all(rs, result, op, err, errlen);
    if (rc == -ENOMEM)
        snprintf(err, errlen, "out of memory");
    if (rc < 0)
        salvo_rules_free(rs);
    return rc;
}

void salvo_rules_free(salvo_rules_t *rs)
{
    for (size_t i = 0; i < rs->n; i++) {
        for (size_t k = 0; k < rs->rule[i].ncond; k++) {
            free(rs->rule[i].cond[k].pointer);
            cJSON_Delete(rs->rule[i].cond[k].value);
        }
        free(rs->rule[i].cond);
        free(rs->rule[i].http);
    }
    free(rs->rule);
    for (size_t i = 0; i < rs->nerror; i++)
        free(rs->error[i]);
    free(rs->error);
    free(rs->order_id);
    free(rs->filled);
    memset(rs, 0, sizeof *rs);
}

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
    return same_as_order(v, text) == (c->op == OP_EQ);
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
    return op == OP_GT ? x > bound : x < bound;
}

/* What pointer p finds in body, the order's values put in for its
 * {{order_id}} and {{client_order_id}} (escaped as a pointer's tokens
 * are: ~0 for '~', ~1 for '/'). An order without the value, or a pointer
 * too long, finds nothing. */
static const cJSON *find(const cJSON *body, const char *p, const salvo_order_t *o)
{
    if (body == NULL)
        return NULL;
    if (strstr(p, "{{") == NULL)
        return salvo_json_pointer(body, p);
    char buf[512];
    size_t k = 0;
    while (*p && k + 3 < sizeof buf) {
        if (strncmp(p, "{{", 2) != 0) {
            buf[k++] = *p++;
            continue;
        }
        int by_ref = strncmp(p, "{{order_id}}", 12) == 0;
        const char *v = o == NULL ? "" : by_ref ? o->ref : o->client_order_id;
        if (v == NULL || v[0] == '\0')
            return NULL;
        for (; *v && k + 3 < sizeof buf; v++) {
            if (*v == '~' || *v == '/') {
                buf[k++] = '~';
                buf[k++] = *v == '~' ? '0' : '1';
            } else {
                buf[k++] = *v;
            }
        }
        p += by_ref ? 12 : 19; /* {{order_id}}, {{client_order_id}} */
    }
    if (*p)
        return NULL;
    buf[k] = '\0';
    return salvo_json_pointer(body, buf);
}

static int cond_holds(const salvo_cond_t *c, const cJSON *body, const salvo_order_t *o)
{
    const cJSON *v = find(body, c->pointer, o);
    if (c->column >= 0)
        return order_cond_holds(c, v, o);
    if (c->op == OP_EXISTS)
        return (v != NULL) == cJSON_IsTrue(c->value);
    if (v == NULL)
        return 0;
    switch (c->op) {
    case OP_EQ: return same(v, c->value);
    case OP_NE: return !same(v, c->value);
    case OP_IN: return in_list(v, c->value);
    case OP_NOT_IN: return !in_list(v, c->value);
    case OP_NONEMPTY: return nonempty(v) == cJSON_IsTrue(c->value);
    case OP_CONTAINS: return cJSON_IsString(v) && strstr(v->valuestring, c->value->valuestring) != NULL;
    case OP_GT:
    case OP_LT: return compares(v, c->op, c->value->valuedouble);
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
    for (size_t i = 0; i < rs->n; i++) {
        const salvo_rule_t *r = &rs->rule[i];
        if (!http_applies(r, http))
            continue;
        size_t k = 0;
        while (k < r->ncond && cond_holds(&r->cond[k], body, o))
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
    out[0] = '\0';
    if (rs->order_id && body)
        scalar_text(salvo_json_pointer(body, rs->order_id), out, cap);
}

void salvo_rules_filled(const salvo_rules_t *rs, const cJSON *body, const salvo_order_t *o, char *out, size_t cap)
{
    out[0] = '\0';
    if (rs->filled && body)
        scalar_text(find(body, rs->filled, o), out, cap);
}

void salvo_rules_error(const salvo_rules_t *rs, const cJSON *body, char *out, size_t cap)
{
    size_t len = 0;
    out[0] = '\0';
    for (size_t i = 0; i < rs->nerror && body && len + 1 < cap; i++) {
        char part[160];
        if (scalar_text(salvo_json_pointer(body, rs->error[i]), part, sizeof part) <= 0)
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
