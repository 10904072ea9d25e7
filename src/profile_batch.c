/* A profile's "batch" request (docs/profiles.md, "Batches"): several
 * orders in one request (OKX batch-orders, Bybit create-batch), each
 * order's body an element of a list, each read back from its own element
 * of the answer. The request is the profile's own, signed the same way,
 * with the section's url, method, body and rules. */
#include "profile_parse.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "jsonscan.h"
#include "util.h"
#include "salvo/order.h"
#include "salvo/result.h"

static const char *const section_keys[] = {"url",      "sandbox_url", "method", "body",       "headers",
                                           "sandbox_headers", "sign", "result", "max",     "group",
                                           "counts",   "elements",    "element_id", "match", "omit",
                                           "rate",     "window",      "rate_per",   "concurrency", NULL};

/* What the batch's request takes from the section; the rest (secrets,
 * sign, headers unless the section gives its own, client_id) is the
 * profile's. */
static const char *const request_keys[] = {"url",    "sandbox_url", "method", "headers",  "sandbox_headers", "sign",
                                           "result", "rate",        "window", "rate_per", "concurrency",     NULL};

/* The order's request, which the batch's replaces. */
static const char *const order_only[] = {"url",    "sandbox_url", "method", "body",   "body_market", "refuse",
                                         "result", "cancel",      "status", "batch",  "encoding",    NULL};

#define MAX_BATCH 1000 /* the largest any broker takes is 50 (Bitget) */

int salvo_pf_batch_root(salvo_pctx_t *c, const cJSON *root, cJSON **out)
{
    *out = NULL;
    const cJSON *sec = salvo_pf_item(root, "batch");
    if (!cJSON_IsObject(sec))
        return salvo_pf_bad(c, "profile field \"%s\" must be an object (a request: url, max, elements, result)",
                           "batch");
    int rc = salvo_pf_check_keys(c, sec, "batch", section_keys);
    if (rc < 0)
        return rc;
    const cJSON *url = salvo_pf_item(sec, "url");
    if (!cJSON_IsString(url))
        return salvo_pf_bad(c, "\"%s\" needs a \"url\" (a string)", "batch");
    const cJSON *enc = salvo_pf_item(root, "encoding");
    if (enc && !(cJSON_IsString(enc) && (strcmp(enc->valuestring, "json") == 0 || strcmp(enc->valuestring, "form") == 0)))
        return salvo_pf_bad(c, "\"%s\": a batch sends its orders as a JSON list; this profile's orders go in the "
                               "query", "batch");
    cJSON *m;
    if ((rc = salvo_pf_section_root(root, order_only, sec, request_keys, &m)) < 0)
        return rc;
    if ((rc = salvo_pf_replace(m, "encoding", cJSON_CreateString("json"))) < 0) {
        cJSON_Delete(m);
        return rc;
    }
    *out = m;
    return 0;
}

/* ---------- the body around the orders ---------- */

static const char *const hole_names[] = {"\"{{orders}}\"", "\"{{symbol}}\"", "\"{{side}}\"", "\"{{type}}\"", NULL};
static const int hole_col[] = {-1, SALVO_COL_SYMBOL, SALVO_COL_SIDE, SALVO_COL_TYPE};

/* Is the quote at q escaped (an odd run of backslashes before it)? Then
 * it is inside a string ("x\"{{orders}}"), not one's start. */
static int escaped(const char *text, const char *q)
{
    size_t n = 0;
    while (q > text && q[-1] == '\\')
        q--, n++;
    return n % 2 == 1;
}

/* The next hole at or after s: its kind, or -1 when none is left. */
static int next_hole(const char *text, const char *s, const char **at)
{
    const char *best = NULL;
    int kind = -1;
    for (int k = 0; hole_names[k]; k++) {
        const char *h = s;
        while ((h = strstr(h, hole_names[k])) != NULL && escaped(text, h))
            h++;
        if (h && (best == NULL || h < best))
            best = h, kind = k;
    }
    *at = best;
    return kind;
}

/* The printed body cut at its holes. A hole's quotes can only be a whole
 * string's (cJSON escapes quotes inside one); a key is refused. */
static int cut_pieces(salvo_pctx_t *c, salvo_batch_t *b)
{
    const char *s = b->text, *at;
    int orders = 0, kind;
    while ((kind = next_hole(b->text, s, &at)) >= 0) {
        size_t n = strlen(hole_names[kind]);
        if (at[n] == ':')
            return salvo_pf_bad(c, "\"batch\": %s is a key; a placeholder is a value", hole_names[kind]);
        if (kind != SALVO_HOLE_ORDERS && !(b->group & (1u << hole_col[kind])))
            return salvo_pf_bad(c, "\"batch\": the body names %s, which one batch shares only when \"group\" names it",
                                hole_names[kind]);
        if (b->npieces + 1 >= SALVO_BATCH_MAX_PIECES)
            return salvo_pf_bad(c, "\"batch\": %s", "its body has too many placeholders");
        orders += kind == SALVO_HOLE_ORDERS;
        b->piece[b->npieces++] = (salvo_batch_piece_t){(size_t)(at - s), kind};
        s = at + n;
    }
    b->piece[b->npieces++] = (salvo_batch_piece_t){strlen(s), SALVO_HOLE_END};
    if (orders != 1)
        return salvo_pf_bad(c, "\"batch\": its body holds the orders' list once, as the value %s", "\"{{orders}}\"");
    return 0;
}

static int parse_body(salvo_pctx_t *c, const cJSON *body, salvo_batch_t *b)
{
    if (body != NULL && !cJSON_IsObject(body))
        return salvo_pf_bad(c, "\"batch\": \"%s\" is an object around the orders' list (\"{{orders}}\"); without "
                               "it the body is the list alone", "body");
    b->text = body ? cJSON_PrintUnformatted(body) : strdup("\"{{orders}}\"");
    if (b->text == NULL)
        return -ENOMEM;
    return cut_pieces(c, b);
}

/* ---------- the rest of the section ---------- */

static int parse_group(salvo_pctx_t *c, const cJSON *g, salvo_batch_t *b)
{
    static const char *const names[] = {"symbol", "side", "type", NULL};
    static const int cols[] = {SALVO_COL_SYMBOL, SALVO_COL_SIDE, SALVO_COL_TYPE};
    if (g == NULL)
        return 0;
    if (!cJSON_IsArray(g))
        return salvo_pf_bad(c, "\"batch\": \"%s\" is a list of columns (symbol, side, type)", "group");
    const cJSON *v;
    cJSON_ArrayForEach(v, g) {
        int k = 0;
        while (names[k] && !(cJSON_IsString(v) && strcmp(v->valuestring, names[k]) == 0))
            k++;
        if (names[k] == NULL)
            return salvo_pf_bad(c, "\"batch\": \"%s\" names symbol, side or type", "group");
        b->group |= 1u << cols[k];
    }
    return 0;
}

static int parse_omit(salvo_pctx_t *c, const cJSON *o, salvo_batch_t *b)
{
    if (o == NULL)
        return 0;
    if (!cJSON_IsArray(o) || cJSON_GetArraySize(o) > SALVO_BATCH_MAX_OMIT)
        return salvo_pf_bad(c, "\"batch\": \"%s\" is a list of at most 8 keys dropped from each order's body", "omit");
    const cJSON *v;
    cJSON_ArrayForEach(v, o) {
        if (!cJSON_IsString(v) || v->valuestring[0] == '\0')
            return salvo_pf_bad(c, "\"batch\": \"%s\" is a list of keys (strings)", "omit");
        b->omit[b->nomit++] = v->valuestring;
    }
    return 0;
}

static int is_plain_pointer(const cJSON *v)
{
    return cJSON_IsString(v) && v->valuestring[0] == '/' && strstr(v->valuestring, "{{") == NULL;
}

/* "elements": one list ("/data"), or several ("/data/successList",
 * "/data/failureList") when "match" finds each order's by its id. */
static int parse_lists(salvo_pctx_t *c, const cJSON *el, salvo_batch_t *b)
{
    if (is_plain_pointer(el)) {
        b->elements[b->nelements++] = el->valuestring;
        return 0;
    }
    const cJSON *v;
    if (cJSON_IsArray(el) && cJSON_GetArraySize(el) >= 1 && cJSON_GetArraySize(el) <= SALVO_BATCH_MAX_LISTS) {
        cJSON_ArrayForEach(v, el) {
            if (!is_plain_pointer(v))
                break;
            b->elements[b->nelements++] = v->valuestring;
        }
        if (v == NULL)
            return 0;
    }
    return salvo_pf_bad(c, "\"batch\" needs \"%s\": a JSON pointer to the answer's list of per-order results "
                           "(\"/data\"), or up to 4 of them with \"match\"", "elements");
}

static int parse_pointers(salvo_pctx_t *c, const cJSON *sec, salvo_batch_t *b)
{
    const cJSON *id = salvo_pf_item(sec, "element_id"), *match = salvo_pf_item(sec, "match");
    int rc = parse_lists(c, salvo_pf_item(sec, "elements"), b);
    if (rc < 0)
        return rc;
    if (id && match)
        return salvo_pf_bad(c, "\"batch\": \"element_id\" (by place, checked) or \"%s\" (found by id), not both",
                            "match");
    if (match && !is_plain_pointer(match))
        return salvo_pf_bad(c, "\"batch\": \"%s\" is a JSON pointer within an element to its client order id "
                               "(\"/clientOid\")", "match");
    if (b->nelements > 1 && match == NULL)
        return salvo_pf_bad(c, "\"batch\": several \"elements\" lists need \"%s\": an order's element is found "
                               "by its id", "match");
    b->match = match ? match->valuestring : NULL;
    if (id == NULL)
        return 0;
    if (!cJSON_IsString(id) || id->valuestring[0] != '/' || strstr(id->valuestring, "{{index}}") == NULL)
        return salvo_pf_bad(c, "\"batch\": \"%s\" is a JSON pointer naming {{index}} (\"/data/{{index}}/clOrdId\")",
                            "element_id");
    b->element_id = id->valuestring;
    return 0;
}

int salvo_pf_batch_spec(salvo_pctx_t *c, const cJSON *sec, salvo_batch_t *b)
{
    const cJSON *max = salvo_pf_item(sec, "max"), *counts = salvo_pf_item(sec, "counts");
    if (!cJSON_IsNumber(max) || max->valuedouble < 2 || max->valuedouble > MAX_BATCH ||
        max->valuedouble != (double)(int)max->valuedouble)
        return salvo_pf_bad(c, "\"batch\" needs \"%s\": the most orders one request may carry (2 to 1000)", "max");
    b->max = (unsigned)max->valuedouble;
    if (counts && !(cJSON_IsString(counts) && (strcmp(counts->valuestring, "request") == 0 ||
                                              strcmp(counts->valuestring, "order") == 0)))
        return salvo_pf_bad(c, "\"batch\": \"%s\" is \"request\" or \"order\": what the broker's rate limit counts",
                            "counts");
    b->per_order = counts && strcmp(counts->valuestring, "order") == 0;
    b->form_elements = c->p->encoding == SALVO_ENC_FORM;
    int rc = parse_group(c, salvo_pf_item(sec, "group"), b);
    if (rc == 0)
        rc = parse_omit(c, salvo_pf_item(sec, "omit"), b);
    if (rc == 0)
        rc = parse_pointers(c, sec, b);
    if (rc == 0)
        rc = parse_body(c, salvo_pf_item(sec, "body"), b);
    if (rc == 0 && strstr(b->req->url, "{{") != NULL)
        rc = salvo_pf_bad(c, "\"batch\": its \"%s\" names no columns (one request carries many orders)", "url");
    return rc;
}

/* ---------- at send time ---------- */

static const char *hole_value(const salvo_order_t *o, int hole)
{
    switch (hole) {
    case SALVO_HOLE_SYMBOL: return o->symbol;
    case SALVO_HOLE_SIDE: return o->side;
    case SALVO_HOLE_TYPE: return o->type;
    }
    return "";
}

static int omitted(const salvo_batch_t *b, const salvo_json_member_t *m)
{
    for (size_t i = 0; i < b->nomit; i++)
        if (strlen(b->omit[i]) == m->key_len && memcmp(b->omit[i], m->key, m->key_len) == 0)
            return 1;
    return 0;
}

static int omitted_key(const salvo_batch_t *b, const char *k, size_t n)
{
    salvo_json_member_t m = {.key = k, .key_len = n};
    return omitted(b, &m);
}

/* A percent-encoded name or value, decoded (salvo_jbuf_pct's inverse). */
static void pct_decoded(salvo_jbuf_t *out, const char *s, size_t n)
{
    out->len = 0;
    for (size_t i = 0; i < n; i++) {
        int h = i + 2 < n && s[i] == '%' ? salvo_hex_value(s[i + 1]) : -1;
        int l = h >= 0 ? salvo_hex_value(s[i + 2]) : -1;
        if (l >= 0) {
            char c = (char)(h * 16 + l);
            salvo_jbuf_raw(out, &c, 1);
            i += 2;
        } else {
            salvo_jbuf_raw(out, s + i, 1);
        }
    }
}

/* A form-encoded order (Kraken's AddOrder) as an element: its pairs as an
 * object of strings, less the omitted keys. */
static void put_form_element(const salvo_batch_t *b, salvo_jbuf_t *out, const salvo_order_t *o)
{
    salvo_jbuf_t k = {0}, v = {0};
    const char *p = o->body, *end = o->body + o->body_len;
    int first = 1;
    salvo_jbuf_raw(out, "{", 1);
    while (p < end) {
        const char *amp = memchr(p, '&', (size_t)(end - p)), *stop = amp ? amp : end;
        const char *eq = memchr(p, '=', (size_t)(stop - p));
        pct_decoded(&k, p, (size_t)((eq ? eq : stop) - p));
        if (eq)
            pct_decoded(&v, eq + 1, (size_t)(stop - eq - 1));
        else
            v.len = 0;
        if (k.len > 0 && !omitted_key(b, k.p, k.len)) {
            if (!first)
                salvo_jbuf_raw(out, ",", 1);
            first = 0;
            salvo_jbuf_str(out, k.p, k.len);
            salvo_jbuf_raw(out, ":", 1);
            salvo_jbuf_str(out, v.p ? v.p : "", v.len);
        }
        out->oom |= k.oom | v.oom;
        p = stop + (amp != NULL);
    }
    salvo_jbuf_raw(out, "}", 1);
    salvo_jbuf_free(&k);
    salvo_jbuf_free(&v);
}

/* An order's body as an element: as rendered, less the omitted keys. */
static void put_element(const salvo_batch_t *b, salvo_jbuf_t *out, const salvo_order_t *o)
{
    size_t pos = 0;
    salvo_json_member_t m;
    if (b->form_elements) {
        put_form_element(b, out, o);
        return;
    }
    if (b->nomit == 0 || salvo_json_object_open(o->body, o->body_len, &pos) < 0) {
        salvo_jbuf_raw(out, o->body, o->body_len);
        return;
    }
    int first = 1;
    salvo_jbuf_raw(out, "{", 1);
    while (salvo_json_object_next(o->body, o->body_len, &pos, &m) == 1) {
        if (omitted(b, &m))
            continue;
        if (!first)
            salvo_jbuf_raw(out, ",", 1);
        first = 0;
        salvo_jbuf_raw(out, "\"", 1);
        salvo_jbuf_raw(out, m.key, m.key_len);
        salvo_jbuf_raw(out, "\":", 2);
        salvo_jbuf_raw(out, m.value, m.value_len);
    }
    salvo_jbuf_raw(out, "}", 1);
}

void salvo_batch_render(const salvo_batch_t *b, salvo_jbuf_t *out, const salvo_order_t *const *orders, size_t n)
{
    const char *t = b->text;
    out->len = 0;
    for (size_t i = 0; i < b->npieces; i++) {
        const salvo_batch_piece_t *pc = &b->piece[i];
        salvo_jbuf_raw(out, t, pc->text_len);
        t += pc->text_len;
        if (pc->hole == SALVO_HOLE_END)
            break;
        t += strlen(hole_names[pc->hole]);
        if (pc->hole != SALVO_HOLE_ORDERS) {
            const char *v = hole_value(orders[0], pc->hole);
            salvo_jbuf_str(out, v, strlen(v));
            continue;
        }
        salvo_jbuf_raw(out, "[", 1);
        for (size_t k = 0; k < n; k++) {
            if (k)
                salvo_jbuf_raw(out, ",", 1);
            put_element(b, out, orders[k]);
        }
        salvo_jbuf_raw(out, "]", 1);
    }
    salvo_jbuf_raw(out, "", 1); /* NUL, not counted below */
    out->len--;
}
