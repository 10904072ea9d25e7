#include "salvo/body.h"
#include "salvo/order.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "body_int.h"
#include "jbuf_put.h"
#include "salvo/jbuf.h"
#include "salvo/profile.h"
#include "util.h"

/* Pseudo-columns, from the validated order: side and type in lower case
 * (Deribit's /private/buy, Tradier's side=buy) and in title case (Bybit's
 * Buy, Limit), and the quantity negative for a SELL (OANDA's units). */
static const struct { const char *name; long col; } pseudo[] = {
    {"side_lower", COL_SIDE_LOWER}, {"type_lower", COL_TYPE_LOWER}, {"side_title", COL_SIDE_TITLE},
    {"type_title", COL_TYPE_TITLE}, {"signed_quantity", COL_SIGNED_QTY},
};

static const char default_template[] =
    "{\"symbol\":\"{{symbol}}\",\"price\":\"{{price}}\",\"quantity\":\"{{quantity:number}}\","
    "\"side\":\"{{side}}\",\"type\":\"{{type}}\",\"client_order_id\":\"{{client_order_id}}\"}";

/* "{{name}}" or "{{name:number}}" as the whole string: 1 and the name's span. */
static int placeholder(const char *s, size_t *name_len, int *number)
{
    size_t n = strlen(s);
    if (n < 5 || strncmp(s, "{{", 2) != 0 || strcmp(s + n - 2, "}}") != 0)
        return 0;
    size_t inner = n - 4;
    *number = inner > 7 && strncmp(s + 2 + inner - 7, ":number", 7) == 0;
    *name_len = *number ? inner - 7 : inner;
    return *name_len > 0 && memchr(s + 2, '{', *name_len) == NULL && memchr(s + 2, '}', *name_len) == NULL;
}

static int add_slot(salvo_body_t *b, cJSON *node, size_t name_len, int number)
{
    if (b->nslots == b->cap) {
        size_t ncap = b->cap ? b->cap * 2 : 8;
        struct slot *s = realloc(b->slots, ncap * sizeof *s);
        if (s == NULL)
            return -ENOMEM;
        b->slots = s;
        const char **nm = realloc(b->names, ncap * sizeof *nm);
        if (nm == NULL)
            return -ENOMEM;
        b->names = nm;
        b->cap = ncap;
    }
    /* The column name lives in the node's string: cut it out in place. */
    char *name = node->valuestring + 2;
    name[name_len] = '\0';
    b->slots[b->nslots] = (struct slot){.node = node, .number = number, .col = -1};
    b->names[b->nslots] = name;
    b->nslots++;
    return 0;
}

/* Find the slots, in document order. cJSON leaves valueint unused on
 * strings and containers: it marks them here for the compiler (a slot's
 * index + 1; 1 on a container that holds a slot). */
static int collect(salvo_body_t *b, cJSON *node, char *err, size_t errlen)
{
    for (cJSON *c = node->child; c; c = c->next) {
        if (cJSON_IsString(c)) {
            size_t nlen;
            int number;
            if (placeholder(c->valuestring, &nlen, &number)) {
                if (add_slot(b, c, nlen, number) < 0)
                    return -ENOMEM;
                c->valueint = (int)b->nslots;
                node->valueint = 1;
            } else if (strstr(c->valuestring, "{{") != NULL) {
                snprintf(err, errlen, "template value \"%.60s\": a placeholder must be the whole string",
                         c->valuestring);
                return -EINVAL;
            }
        } else if (c->child) {
            int e = collect(b, c, err, errlen);
            if (e < 0)
                return e;
            if (c->valueint)
                node->valueint = 1;
        }
    }
    return 0;
}

int salvo_body_new_template(salvo_body_t **out, const char *text, size_t len, char *err, size_t errlen)
{
    *out = NULL;
    salvo_body_t *b = calloc(1, sizeof *b);
    if (b == NULL) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    /* A body on the wire is JSON text: UTF-8 (RFC 8259), one value. */
    if (!salvo_is_utf8(text, len)) {
        snprintf(err, errlen, "template is not valid UTF-8");
        salvo_body_free(b);
        return -EINVAL;
    }
    const char *end = NULL;
    b->root = cJSON_ParseWithLengthOpts(text, len, &end, 0);
    if (b->root == NULL) {
        const char *at = cJSON_GetErrorPtr();
        snprintf(err, errlen, "template is not valid JSON (near byte %ld)",
                 at && at >= text && at <= text + len ? (long)(at - text) : 0L);
        salvo_body_free(b);
        return -EINVAL;
    }
    while (end < text + len && (*end == ' ' || *end == '\t' || *end == '\r' || *end == '\n'))
        end++;
    if (end != text + len) { /* cJSON stops after the first value */
        snprintf(err, errlen, "template has more after its JSON value (byte %ld)", (long)(end - text));
        salvo_body_free(b);
        return -EINVAL;
    }
    int rc = collect(b, b->root, err, errlen);
    if (rc == 0 && (rc = salvo__body_compile(b)) < 0)
        snprintf(err, errlen, "out of memory");
    if (rc < 0) {
        salvo_body_free(b);
        return rc;
    }
    *out = b;
    return 0;
}

int salvo_body_new_default(salvo_body_t **out)
{
    char err[128];
    return salvo_body_new_template(out, default_template, sizeof default_template - 1, err, sizeof err);
}

void salvo_body_free(salvo_body_t *b)
{
    if (b == NULL)
        return;
    salvo_body_free(b->market);
    salvo__url_free(&b->url);
    free(b->columns);
    salvo__body_program_free(&b->prog);
    cJSON_Delete(b->root);
    free(b->slots);
    free(b->names);
    free(b);
}

size_t salvo_body_columns(const salvo_body_t *b, const char *const **names)
{
    if (b->columns) {
        *names = b->columns;
        return b->ncolumns;
    }
    *names = b->names;
    return b->nslots;
}

int salvo_body_is_pseudo(const char *name)
{
    for (size_t i = 0; i < sizeof pseudo / sizeof *pseudo; i++)
        if (strcmp(name, pseudo[i].name) == 0)
            return 1;
    return 0;
}

static long bind_one(const salvo_layout_t *l, const char *name)
{
    for (size_t i = 0; i < sizeof pseudo / sizeof *pseudo; i++)
        if (strcmp(name, pseudo[i].name) == 0)
            return pseudo[i].col;
    long col = salvo_layout_find(l, name);
    return col < 0 || (col >= SALVO_COL_CANONICAL && l->pos[col] < 0) ? -1 : col;
}

int salvo_body_bind(salvo_body_t *b, const salvo_layout_t *l, char *err, size_t errlen)
{
    if (b->market && salvo_body_bind(b->market, l, err, errlen) < 0)
        return -ENOENT;
    for (size_t i = 0; i < b->nslots; i++) {
        if ((b->slots[i].col = bind_one(l, b->names[i])) == -1) {
            snprintf(err, errlen, "body template names column '%s', which the input does not have", b->names[i]);
            return -ENOENT;
        }
    }
    for (size_t i = 0; i < b->url.nparts; i++) {
        struct url_part *p = &b->url.parts[i];
        if (p->lit == NULL && (p->col = bind_one(l, p->name)) == -1) {
            snprintf(err, errlen, "the URL names column '%s', which the input does not have", p->name);
            return -ENOENT;
        }
    }
    return 0;
}

/* The body's columns, the MARKET body's and the URL's, for the layout. */
static int list_columns(salvo_body_t *b)
{
    size_t n = b->nslots + (b->market ? b->market->nslots : 0);
    for (size_t i = 0; i < b->url.nparts; i++)
        n += b->url.parts[i].lit == NULL;
    free(b->columns);
    b->ncolumns = 0;
    if ((b->columns = calloc(n ? n : 1, sizeof *b->columns)) == NULL)
        return -ENOMEM;
    for (size_t i = 0; i < b->nslots; i++)
        b->columns[b->ncolumns++] = b->names[i];
    for (size_t i = 0; b->market && i < b->market->nslots; i++)
        b->columns[b->ncolumns++] = b->market->names[i];
    for (size_t i = 0; i < b->url.nparts; i++)
        if (b->url.parts[i].lit == NULL)
            b->columns[b->ncolumns++] = b->url.parts[i].name;
    return 0;
}

int salvo_body_set_market(salvo_body_t *b, salvo_body_t *market)
{
    salvo_body_free(b->market);
    b->market = market;
    return list_columns(b);
}

int salvo_body_set_url(salvo_body_t *b, const char *url, char *err, size_t errlen)
{
    if (strstr(url, "{{") == NULL)
        return 0;
    int rc = salvo__url_parse(&b->url, url, err, errlen);
    return rc < 0 ? rc : list_columns(b);
}

int salvo_body_set_encoding(salvo_body_t *b, int encoding, char *err, size_t errlen)
{
    if (b->market && salvo_body_set_encoding(b->market, encoding, err, errlen) < 0)
        return -EINVAL;
    b->encoding = encoding;
    if (encoding == SALVO_ENC_JSON)
        return salvo__body_compile(b) < 0 ? (snprintf(err, errlen, "out of memory"), -ENOMEM) : 0;
    if (!cJSON_IsObject(b->root)) {
        snprintf(err, errlen, "a form or query body template is one flat JSON object");
        return -EINVAL;
    }
    for (const cJSON *c = b->root->child; c; c = c->next) {
        if (cJSON_IsObject(c) || cJSON_IsArray(c)) {
            snprintf(err, errlen, "form/query template: \"%.60s\" holds an object or a list; form pairs are flat",
                     c->string);
            return -EINVAL;
        }
    }
    if (salvo__body_compile(b) < 0) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    return 0;
}

/* "SELL" as "sell" (title 0) or "Sell" (title 1). */
static const char *recased(char out[72], const char *v, int title)
{
    size_t i = 0;
    for (; v[i] && i < 71; i++)
        out[i] = (char)((i > 0 || !title) && v[i] >= 'A' && v[i] <= 'Z' ? v[i] + 32 : v[i]);
    out[i] = '\0';
    return out;
}

static const char *signed_quantity(char out[72], const salvo_order_t *o)
{
    snprintf(out, 72, "%s%s", strcmp(o->side, "SELL") == 0 ? "-" : "", o->quantity);
    return out;
}

static const char *col_value(salvo_body_t *b, long col, const salvo_order_t *o, const salvo_layout_t *l,
                             const salvo_row_t *row)
{
    switch (col) {
    case COL_SIDE_LOWER: return recased(b->derived[0], o->side, 0);
    case COL_TYPE_LOWER: return recased(b->derived[1], o->type, 0);
    case COL_SIDE_TITLE: return recased(b->derived[2], o->side, 1);
    case COL_TYPE_TITLE: return recased(b->derived[3], o->type, 1);
    case COL_SIGNED_QTY: return signed_quantity(b->derived[4], o);
    case SALVO_COL_SYMBOL: return o->symbol;
    case SALVO_COL_PRICE: return o->price;
    case SALVO_COL_QUANTITY: return o->quantity;
    case SALVO_COL_SIDE: return o->side;
    case SALVO_COL_TYPE: return o->type;
    case SALVO_COL_CLIENT_ORDER_ID: return o->client_order_id;
    }
    const salvo_field_t *f = salvo_layout_field(l, row, (size_t)col);
    return f ? f->s : "";
}

/* The order's buffer as a jbuf, and back. */
static salvo_jbuf_t as_jbuf(char *p, size_t cap) { return (salvo_jbuf_t){.p = p, .cap = cap}; }

static int end_jbuf(salvo_jbuf_t *jb, char **p, size_t *cap, size_t *len)
{
    salvo_jbuf_raw(jb, "", 1);
    *p = jb->p;
    *cap = jb->cap;
    if (jb->oom)
        return -ENOMEM;
    if (len)
        *len = jb->len - 1;
    return 0;
}

/* Slot i's value for this order: 0 and *v ("" drops it), or 1 with
 * o->error when it cannot be sent. */
static int slot_value(salvo_body_t *b, size_t i, salvo_order_t *o, const salvo_layout_t *l,
                      const salvo_row_t *row, const char **v)
{
    const struct slot *s = &b->slots[i];
    *v = col_value(b, s->col, o, l, row);
    if (**v == '\0' && b->need_all) {
        snprintf(o->error, sizeof o->error, "line %llu: the request needs column %s, which is empty",
                 (unsigned long long)o->line, b->names[i]);
        return 1;
    }
    if (**v == '\0')
        return 0;
    if ((s->col >= SALVO_COL_CANONICAL || s->col < 0) && !salvo_is_utf8(*v, strlen(*v))) { /* raw input bytes */
        snprintf(o->error, sizeof o->error, "line %llu: column %s is not valid UTF-8", (unsigned long long)o->line,
                 b->names[i]);
        return 1;
    }
    if (s->number && !salvo_is_json_number(*v, strlen(*v))) {
        snprintf(o->error, sizeof o->error, "line %llu: column %s value \"%.40s\" is not a number",
                 (unsigned long long)o->line, b->names[i], *v);
        return 1;
    }
    return 0;
}

static void put_value(const salvo_body_t *b, salvo_jbuf_t *jb, size_t slot, const char *v)
{
    size_t n = strlen(v);
    if (b->encoding != SALVO_ENC_JSON)
        salvo_jbuf_pct(jb, v, n);
    else if (b->slots[slot].number)
        salvo_jbuf_put(jb, v, n); /* checked: a JSON number */
    else
        salvo_jbuf_str(jb, v, n);
}

static void put_sep(struct program *p, salvo_jbuf_t *jb, unsigned depth)
{
    if (!p->first[depth])
        salvo_jbuf_put(jb, &p->sep, 1);
    p->first[depth] = 0;
}

static int render_body(salvo_body_t *b, salvo_order_t *o, const salvo_layout_t *l, const salvo_row_t *row)
{
    struct program *p = &b->prog;
    salvo_jbuf_t jb = as_jbuf(o->body, o->body_cap);
    for (size_t i = 0; i < p->nops; i++) {
        const struct op *op = &p->ops[i];
        /* a template with no text (a lookup's "{}" in the query) has no buffer at all */
        const char *text = p->text.p ? p->text.p + op->off : "", *v = "";
        if ((op->kind == OP_MEMBER || op->kind == OP_ELEM) && slot_value(b, op->slot, o, l, row, &v) != 0) {
            end_jbuf(&jb, &o->body, &o->body_cap, NULL);
            o->body_len = 0;
            return 1;
        }
        switch ((enum op_kind)op->kind) {
        case OP_OPEN:
            p->first[op->depth] = 1;
            /* fall through */
        case OP_LIT:
            salvo_jbuf_put(&jb, text, op->len);
            break;
        case OP_SEP:
            put_sep(p, &jb, op->depth);
            break;
        case OP_MEMBER:
            if (*v == '\0')
                break; /* an empty value drops its key */
            put_sep(p, &jb, op->depth);
            salvo_jbuf_put(&jb, text, op->len);
            put_value(b, &jb, op->slot, v);
            break;
        case OP_ELEM:
            if (*v == '\0')
                salvo_jbuf_put(&jb, "null", 4);
            else
                put_value(b, &jb, op->slot, v);
            break;
        }
    }
    return end_jbuf(&jb, &o->body, &o->body_cap, &o->body_len);
}

/* The URL's columns read the order being rendered. */
struct url_ctx {
    salvo_body_t *b;
    const salvo_order_t *o;
    const salvo_layout_t *l;
    const salvo_row_t *row;
};

static const char *url_value(void *ctx, long col)
{
    struct url_ctx *c = ctx;
    return col_value(c->b, col, c->o, c->l, c->row);
}

/* The order's URL: 0, 1 (o->error says why: a value is empty or would
 * change the path), or -ENOMEM. */
static int render_url(salvo_body_t *b, salvo_order_t *o, const salvo_layout_t *l, const salvo_row_t *row)
{
    salvo_jbuf_t jb = as_jbuf(o->target, o->target_cap);
    struct url_ctx ctx = {b, o, l, row};
    const char *col = NULL, *value = NULL;
    int rc = salvo__url_render(&b->url, &jb, url_value, &ctx, &col, &value);
    int mem = end_jbuf(&jb, &o->target, &o->target_cap, NULL);
    if (rc == SALVO__URL_EMPTY)
        snprintf(o->error, sizeof o->error, "line %llu: the URL needs column %s, which is empty",
                 (unsigned long long)o->line, col);
    else if (rc == SALVO__URL_DOT)
        snprintf(o->error, sizeof o->error,
                 "line %llu: column %s value \"%.40s\" would change the URL's path (a \".\" or \"..\" segment); "
                 "not sent",
                 (unsigned long long)o->line, col, value);
    return rc > 0 ? 1 : rc < 0 ? rc : mem;
}

void salvo__body_need_all(salvo_body_t *b)
{
    b->need_all = 1;
    if (b->market)
        b->market->need_all = 1;
}

int salvo_body_render(salvo_body_t *b, salvo_order_t *o, const salvo_layout_t *l, const salvo_row_t *row)
{
    int rc = render_body(o->order_type == SALVO_MARKET && b->market ? b->market : b, o, l, row);
    if (rc == 0 && b->url.text)
        rc = render_url(b, o, l, row);
    return rc;
}
