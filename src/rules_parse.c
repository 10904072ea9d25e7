/* A profile's "result" object read into rules (docs/profiles.md,
 * "Reading the answer"): each rule's statuses, conditions and pointers
 * checked once, with a message naming the rule. Reading an answer with
 * them is rules.c's. */
#include "rules.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "salvo/order.h"
#include "salvo/result.h"

static const char *const op_names[SALVO_COND_COUNT] = {"eq",       "ne",       "in", "not_in", "exists",
                                                       "nonempty", "contains", "gt", "lt"};

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
 * own (Kraken keys a lookup's answer by its order id); in a batch's rules
 * (indexed) also "{{index}}", the order's place in its batch (OKX's
 * /data/{{index}}/sCode), and "{{element}}", its element's pointer. 1
 * when p names only those, 0 when it names
 * something else; a pointer without "{{" is 1. */
static int pointer_names_ok(const char *p, int indexed)
{
    while ((p = strstr(p, "{{")) != NULL) {
        const char *end = strstr(p, "}}");
        size_t n = end ? (size_t)(end - p - 2) : 0;
        if (end == NULL || !((n == 8 && strncmp(p + 2, "order_id", 8) == 0) ||
                             (n == 15 && strncmp(p + 2, "client_order_id", 15) == 0) ||
                             (indexed && n == 5 && strncmp(p + 2, "index", 5) == 0) ||
                             (indexed && n == 7 && strncmp(p + 2, "element", 7) == 0)))
            return 0;
        p = end + 2;
    }
    return 1;
}

/* A JSON pointer ("" or "/..."), or in a batch's rules one starting at
 * the order's element ("{{element}}/sCode"). */
static int is_pointer(const cJSON *v, int indexed)
{
    if (!cJSON_IsString(v))
        return 0;
    const char *p = v->valuestring;
    return p[0] == '/' || p[0] == '\0' || (indexed && strncmp(p, "{{element}}", 11) == 0);
}

static const char *pointer_names_msg(int indexed)
{
    return indexed ? "\"{{...}}\" in a pointer names {{index}}, {{element}}, {{order_id}} or {{client_order_id}}"
                   : "\"{{...}}\" in a pointer names {{order_id}} or {{client_order_id}}";
}

static int parse_cond(salvo_cond_t *c, const cJSON *o, size_t i, int indexed, char *err, size_t errlen)
{
    const cJSON *ptr = cJSON_GetObjectItemCaseSensitive(o, "pointer");
    if (!is_pointer(ptr, indexed))
        return fail(err, errlen, i, "a condition needs a \"pointer\" (\"/retCode\")");
    if (!pointer_names_ok(ptr->valuestring, indexed))
        return fail(err, errlen, i, pointer_names_msg(indexed));
    if ((c->pointer = strdup(ptr->valuestring)) == NULL)
        return -ENOMEM;
    c->op = -1;
    c->column = -1;
    for (int k = 0; k < SALVO_COND_COUNT; k++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, op_names[k]);
        if (v == NULL)
            continue;
        if (c->op >= 0)
            return fail(err, errlen, i,
                        "a condition has one test (eq, ne, in, not_in, exists, nonempty, contains, gt, lt)");
        c->op = k;
        if ((k == SALVO_COND_IN || k == SALVO_COND_NOT_IN) && !cJSON_IsArray(v))
            return fail(err, errlen, i, "\"in\" and \"not_in\" take a list");
        if ((k == SALVO_COND_EXISTS || k == SALVO_COND_NONEMPTY) && !cJSON_IsBool(v))
            return fail(err, errlen, i, "\"exists\" and \"nonempty\" take true or false");
        if (k == SALVO_COND_CONTAINS && !cJSON_IsString(v))
            return fail(err, errlen, i, "\"contains\" takes a string");
        if ((k == SALVO_COND_GT || k == SALVO_COND_LT) && !cJSON_IsNumber(v))
            return fail(err, errlen, i, "\"gt\" and \"lt\" take a number");
        if ((c->value = cJSON_Duplicate(v, 1)) == NULL)
            return -ENOMEM;
        c->column = k == SALVO_COND_EQ || k == SALVO_COND_NE ? order_column(v) : -1;
        if (c->column == -2)
            return fail(err, errlen, i, "\"{{...}}\" in a condition names one of the order's columns: symbol, price, "
                                        "quantity, side, type, client_order_id");
    }
    if (c->op < 0)
        return fail(err, errlen, i, "a condition needs a test (eq, ne, in, not_in, exists, nonempty, contains, gt, lt)");
    return 0;
}

static int parse_rule(salvo_rule_t *r, const cJSON *o, int op, size_t i, int indexed, char *err, size_t errlen)
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
        if ((rc = parse_cond(&r->cond[r->ncond++], c, i, indexed, err, errlen)) < 0)
            return rc;
    }
    return 0;
}

static int dup_pointer(char **out, const cJSON *v, const char *what, int indexed, char *err, size_t errlen)
{
    if (!is_pointer(v, indexed)) {
        snprintf(err, errlen, "result.%s must be a JSON pointer (\"/result/orderId\")", what);
        return -EINVAL;
    }
    /* the order's values in a pointer: a condition's and result.filled
     * only; a batch's {{index}} anywhere */
    int ok = indexed || strcmp(what, "filled") == 0 ? pointer_names_ok(v->valuestring, indexed)
                                                    : strstr(v->valuestring, "{{") == NULL;
    if (!ok) {
        snprintf(err, errlen, "result.%s: %s%s", what, pointer_names_msg(indexed),
                 indexed ? "" : ", in a condition's pointer or result.filled");
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
        return rs->nerror = 1, dup_pointer(&rs->error[0], e, "error", rs->indexed, err, errlen);
    const cJSON *p;
    cJSON_ArrayForEach(p, e) {
        int rc = dup_pointer(&rs->error[rs->nerror++], p, "error", rs->indexed, err, errlen);
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
    int rc = oid ? dup_pointer(&rs->order_id, oid, "order_id", rs->indexed, err, errlen) : 0;
    if (rc == 0)
        rc = parse_error_pointers(rs, cJSON_GetObjectItemCaseSensitive(result, "error"), err, errlen);
    const cJSON *filled = cJSON_GetObjectItemCaseSensitive(result, "filled");
    if (rc == 0 && filled && op != SALVO_OP_STATUS) {
        snprintf(err, errlen, "result.filled belongs to a \"status\" request (an order lookup)");
        rc = -EINVAL;
    }
    if (rc == 0 && filled)
        rc = dup_pointer(&rs->filled, filled, "filled", rs->indexed, err, errlen);
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
        if ((rc = parse_rule(&rs->rule[rs->n], r, op, rs->n, rs->indexed, err, errlen)) < 0) {
            rs->n++;
            return rc;
        }
        rs->n++;
    }
    return 0;
}

static int parse_rules(salvo_rules_t *rs, const cJSON *result, int op, int indexed, char *err, size_t errlen)
{
    memset(rs, 0, sizeof *rs);
    rs->indexed = indexed;
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

int salvo_rules_parse(salvo_rules_t *rs, const cJSON *result, int op, char *err, size_t errlen)
{
    return parse_rules(rs, result, op, 0, err, errlen);
}

int salvo_rules_parse_indexed(salvo_rules_t *rs, const cJSON *result, char *err, size_t errlen)
{
    return parse_rules(rs, result, SALVO_OP_SEND, 1, err, errlen);
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

