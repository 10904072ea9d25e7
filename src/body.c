#include "salvo/body.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "jbuf_put.h"
#include "salvo/jbuf.h"
#include "salvo/profile.h"
#include "util.h"

struct slot {
    const cJSON *node; /* its string in the template tree, to find it when compiling */
    int number;        /* {{col:number}} */
    long col;          /* layout column, after bind */
};

/* The template compiled once into a program of literal text and slots, so
 * that rendering an order is appends into its buffer: no tree to edit and
 * print per order. A container holding a slot that an empty value drops
 * (an object member) places its commas at run time (OP_SEP, OP_MEMBER);
 * every other comma, key and value is literal text. */
enum op_kind {
    OP_LIT,    /* text */
    OP_OPEN,   /* text ("{" or "["; "" for form pairs), and nothing written in it yet */
    OP_SEP,    /* a separator unless it is the first element */
    OP_MEMBER, /* text (the key and ':' or '=') and the slot's value; nothing when the value is empty */
    OP_ELEM,   /* an array element: the slot's value, or null when empty */
};

struct op {
    unsigned char kind;
    unsigned depth; /* OP_OPEN, OP_SEP, OP_MEMBER, OP_ELEM: the container */
    size_t off, len; /* text in the program's literal buffer */
    size_t slot;
};

struct program {
    struct op *ops;
    size_t nops, cap;
    salvo_jbuf_t text;     /* the literals */
    unsigned char *first;  /* per depth: nothing written in the container yet */
    unsigned max_depth;
    char sep;              /* ',' (JSON) or '&' (form pairs) */
};

/* A piece of the URL template: literal text, or a column's value. */
struct url_part {
    const char *lit; /* NULL: a column */
    size_t len;
    long col;        /* after bind */
    const char *name;
};

struct salvo_body {
    cJSON *root;       /* the parsed template, kept to compile another encoding */
    struct program prog;
    struct slot *slots;
    size_t nslots, cap;
    const char **names; /* column name of each slot */
    int encoding;       /* enum salvo_encoding */
    char *url;          /* the URL template's own copy, cut into parts; NULL: none */
    struct url_part *parts;
    size_t nparts;
    unsigned path_slash; /* the URL's path starts at its Nth '/': 3 after "scheme://", else 1 */
    const char **columns; /* names of the slots, then of the URL's columns */
    size_t ncolumns;
    char derived[5][72]; /* the pseudo-columns of the order being rendered */
    salvo_body_t *market; /* the template for MARKET orders, owned; NULL: this one */
};

/* Pseudo-columns, from the validated order: side and type in lower case
 * (Deribit's /private/buy, Tradier's side=buy) and in title case (Bybit's
 * Buy, Limit), and the quantity negative for a SELL (OANDA's units). */
enum { COL_SIDE_LOWER = -10, COL_TYPE_LOWER = -11, COL_SIDE_TITLE = -12, COL_TYPE_TITLE = -13, COL_SIGNED_QTY = -14 };
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

/* ---------- compiling the template ---------- */

static void program_free(struct program *p)
{
    free(p->ops);
    free(p->text.p);
    free(p->first);
    *p = (struct program){0};
}

static int emit(struct program *p, enum op_kind kind, unsigned depth, const char *text, size_t len, size_t slot)
{
    size_t off = p->text.len;
    salvo_jbuf_raw(&p->text, text, len);
    if (p->text.oom)
        return -ENOMEM;
    if (kind == OP_LIT && p->nops && p->ops[p->nops - 1].kind == OP_LIT) {
        p->ops[p->nops - 1].len += len; /* texts are appended in order: contiguous */
        return 0;
    }
    if (p->nops == p->cap) {
        size_t ncap = p->cap ? p->cap * 2 : 16;
        struct op *o = realloc(p->ops, ncap * sizeof *o);
        if (o == NULL)
            return -ENOMEM;
        p->ops = o;
        p->cap = ncap;
    }
    p->ops[p->nops++] = (struct op){.kind = (unsigned char)kind, .depth = depth, .off = off, .len = len,
                                    .slot = slot};
    if (depth > p->max_depth)
        p->max_depth = depth;
    return 0;
}

/* A slot's index, or -1 (see collect). */
static long slot_index(const cJSON *c) { return cJSON_IsString(c) && c->valueint > 0 ? c->valueint - 1 : -1; }

/* "key": as cJSON prints it. */
static int member_key(salvo_jbuf_t *k, const char *key)
{
    k->len = 0;
    salvo_jbuf_str(k, key, strlen(key));
    salvo_jbuf_raw(k, ":", 1);
    return k->oom ? -ENOMEM : 0;
}

static int compile_json(struct program *p, const cJSON *node, unsigned depth, salvo_jbuf_t *key);

static int compile_literal(struct program *p, const cJSON *node)
{
    char *t = cJSON_PrintUnformatted(node);
    int rc = t ? emit(p, OP_LIT, 0, t, strlen(t), 0) : -ENOMEM;
    cJSON_free(t);
    return rc;
}

static int compile_child(struct program *p, const cJSON *c, int obj, int dynamic, int n, unsigned depth,
                         salvo_jbuf_t *key)
{
    long slot = slot_index(c);
    if (obj && member_key(key, c->string) < 0)
        return -ENOMEM;
    if (slot >= 0 && obj)
        return emit(p, OP_MEMBER, depth, key->p, key->len, (size_t)slot);
    int rc = dynamic ? emit(p, OP_SEP, depth, "", 0, 0) : n ? emit(p, OP_LIT, 0, ",", 1, 0) : 0;
    if (rc == 0 && obj)
        rc = emit(p, OP_LIT, 0, key->p, key->len, 0);
    if (rc < 0)
        return rc;
    return slot >= 0 ? emit(p, OP_ELEM, depth, "", 0, (size_t)slot) : compile_json(p, c, depth + 1, key);
}

/* JSON text identical to cJSON_PrintUnformatted of the tree with each
 * slot's value in place (test_body checks it against cJSON). */
static int compile_json(struct program *p, const cJSON *node, unsigned depth, salvo_jbuf_t *key)
{
    int obj = cJSON_IsObject(node);
    if (!node->valueint || !(obj || cJSON_IsArray(node)))
        return compile_literal(p, node);
    int dynamic = 0; /* a member an empty value drops: commas at run time */
    for (const cJSON *c = node->child; c && obj; c = c->next)
        dynamic |= slot_index(c) >= 0;
    int rc = emit(p, dynamic ? OP_OPEN : OP_LIT, depth, obj ? "{" : "[", 1, 0);
    int n = 0;
    for (const cJSON *c = node->child; c && rc == 0; c = c->next, n++)
        rc = compile_child(p, c, obj, dynamic, n, depth, key);
    return rc < 0 ? rc : emit(p, OP_LIT, 0, obj ? "}" : "]", 1, 0);
}

/* A literal of a form template as text: "GTC", 5000, true. */
static int scalar(const cJSON *c, char *buf, size_t cap, const char **out)
{
    if (cJSON_IsString(c) || cJSON_IsRaw(c))
        return *out = c->valuestring, 0;
    if (cJSON_IsBool(c))
        return *out = cJSON_IsTrue(c) ? "true" : "false", 0;
    if (cJSON_IsNumber(c)) {
        double d = c->valuedouble;
        /* whole and within 2^53: digits; else the shortest of %.15g and
         * %.17g that reads back as d, as cJSON prints (a cast of 1e300 to an
         * integer type, to tell whole numbers, was UB) */
        if (d == floor(d) && fabs(d) < 9007199254740992.0)
            snprintf(buf, cap, "%.0f", d);
        else if (snprintf(buf, cap, "%.15g", d) > 0 && strtod(buf, NULL) != d)
            snprintf(buf, cap, "%.17g", d);
        return *out = buf, 0;
    }
    return -1; /* null: no pair */
}

/* name=value&... in the template's order, each percent-encoded. */
static int compile_pairs(struct program *p, const cJSON *root, salvo_jbuf_t *key)
{
    char num[40];
    int rc = emit(p, OP_OPEN, 0, "", 0, 0);
    for (const cJSON *c = root->child; c && rc == 0; c = c->next) {
        long slot = slot_index(c);
        const char *v;
        if (slot < 0 && scalar(c, num, sizeof num, &v) < 0)
            continue; /* null: no pair */
        key->len = 0;
        salvo_jbuf_pct(key, c->string, strlen(c->string));
        salvo_jbuf_raw(key, "=", 1);
        if (slot >= 0) {
            rc = key->oom ? -ENOMEM : emit(p, OP_MEMBER, 0, key->p, key->len, (size_t)slot);
            continue;
        }
        salvo_jbuf_pct(key, v, strlen(v));
        rc = key->oom ? -ENOMEM : emit(p, OP_SEP, 0, "", 0, 0);
        if (rc == 0)
            rc = emit(p, OP_LIT, 0, key->p, key->len, 0);
    }
    return rc;
}

static int compile(salvo_body_t *b)
{
    program_free(&b->prog);
    salvo_jbuf_t key = {0};
    int form = b->encoding != SALVO_ENC_JSON;
    b->prog.sep = form ? '&' : ',';
    int rc = form ? compile_pairs(&b->prog, b->root, &key) : compile_json(&b->prog, b->root, 0, &key);
    free(key.p);
    if (rc == 0 && (b->prog.first = calloc(b->prog.max_depth + 1, 1)) == NULL)
        rc = -ENOMEM;
    return rc;
}

salvo_body_t *salvo_body_new_template(const char *text, size_t len, char *err, size_t errlen)
{
    salvo_body_t *b = calloc(1, sizeof *b);
    if (b == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    /* A body on the wire is JSON text: UTF-8 (RFC 8259), one value. */
    if (!salvo_is_utf8(text, len)) {
        snprintf(err, errlen, "template is not valid UTF-8");
        salvo_body_free(b);
        return NULL;
    }
    const char *end = NULL;
    b->root = cJSON_ParseWithLengthOpts(text, len, &end, 0);
    if (b->root == NULL) {
        const char *at = cJSON_GetErrorPtr();
        snprintf(err, errlen, "template is not valid JSON (near byte %ld)",
                 at && at >= text && at <= text + len ? (long)(at - text) : 0L);
        salvo_body_free(b);
        return NULL;
    }
    while (end < text + len && (*end == ' ' || *end == '\t' || *end == '\r' || *end == '\n'))
        end++;
    if (end != text + len) { /* cJSON stops after the first value */
        snprintf(err, errlen, "template has more after its JSON value (byte %ld)", (long)(end - text));
        salvo_body_free(b);
        return NULL;
    }
    int rc = collect(b, b->root, err, errlen);
    if (rc == 0 && (rc = compile(b)) < 0)
        snprintf(err, errlen, "out of memory");
    if (rc < 0) {
        salvo_body_free(b);
        return NULL;
    }
    return b;
}

salvo_body_t *salvo_body_new_default(void)
{
    char err[128];
    return salvo_body_new_template(default_template, sizeof default_template - 1, err, sizeof err);
}

void salvo_body_free(salvo_body_t *b)
{
    if (b == NULL)
        return;
    salvo_body_free(b->market);
    free(b->url);
    free(b->parts);
    free(b->columns);
    program_free(&b->prog);
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
    for (size_t i = 0; i < b->nparts; i++) {
        if (b->parts[i].lit == NULL && (b->parts[i].col = bind_one(l, b->parts[i].name)) == -1) {
            snprintf(err, errlen, "the URL names column '%s', which the input does not have", b->parts[i].name);
            return -ENOENT;
        }
    }
    return 0;
}

/* ---------- the URL template ---------- */

static int add_url_part(salvo_body_t *b, const char *lit, size_t len, const char *name)
{
    struct url_part *p = realloc(b->parts, (b->nparts + 1) * sizeof *p);
    if (p == NULL)
        return -ENOMEM;
    b->parts = p;
    p[b->nparts++] = (struct url_part){.lit = lit, .len = len, .col = -1, .name = name};
    return 0;
}

/* The body's columns, the MARKET body's and the URL's, for the layout. */
static int list_columns(salvo_body_t *b)
{
    size_t n = b->nslots + (b->market ? b->market->nslots : 0);
    for (size_t i = 0; i < b->nparts; i++)
        n += b->parts[i].lit == NULL;
    free(b->columns);
    b->ncolumns = 0;
    if ((b->columns = calloc(n ? n : 1, sizeof *b->columns)) == NULL)
        return -ENOMEM;
    for (size_t i = 0; i < b->nslots; i++)
        b->columns[b->ncolumns++] = b->names[i];
    for (size_t i = 0; b->market && i < b->market->nslots; i++)
        b->columns[b->ncolumns++] = b->market->names[i];
    for (size_t i = 0; i < b->nparts; i++)
        if (b->parts[i].lit == NULL)
            b->columns[b->ncolumns++] = b->parts[i].name;
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
    if ((b->url = strdup(url)) == NULL)
        return -ENOMEM;
    b->path_slash = strstr(url, "://") ? 3 : 1;
    char *s = b->url;
    while (*s) {
        char *open = strstr(s, "{{");
        if (open == NULL)
            return add_url_part(b, s, strlen(s), NULL) < 0 ? -ENOMEM : list_columns(b);
        char *close = strstr(open + 2, "}}");
        if (close == NULL || close == open + 2) {
            snprintf(err, errlen, "URL \"%.80s\": a {{ without a column name and }}", url);
            return -EINVAL;
        }
        if ((open > s && add_url_part(b, s, (size_t)(open - s), NULL) < 0) ||
            add_url_part(b, NULL, 0, open + 2) < 0)
            return -ENOMEM;
        *close = '\0';
        s = close + 2;
    }
    return list_columns(b);
}

int salvo_body_set_encoding(salvo_body_t *b, int encoding, char *err, size_t errlen)
{
    if (b->market && salvo_body_set_encoding(b->market, encoding, err, errlen) < 0)
        return -EINVAL;
    b->encoding = encoding;
    if (encoding == SALVO_ENC_JSON)
        return compile(b) < 0 ? (snprintf(err, errlen, "out of memory"), -ENOMEM) : 0;
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
    if (compile(b) < 0) {
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

/* A path segment that is "." or "..", a dot also as %2E (servers decode it
 * before they remove dot segments). */
static int is_dot_segment(const char *s, size_t n)
{
    size_t dots = 0, i = 0;
    while (i < n && dots < 3) {
        if (s[i] == '.')
            i += 1;
        else if (n - i >= 3 && s[i] == '%' && s[i + 1] == '2' && (s[i + 2] == 'E' || s[i + 2] == 'e'))
            i += 3;
        else
            return 0;
        dots++;
    }
    return i == n && (dots == 1 || dots == 2);
}

/* The URL as render_url builds it, walked for a dot segment a column's
 * value helped make: libcurl, or else the server, would drop it with the
 * segment before it, so the value would change the path. A value's '/',
 * '?' and '#' are percent-encoded: only the template's text has them. */
struct url_walk {
    unsigned slashes;  /* '/' seen, up to the query */
    unsigned path_at;  /* the path starts at this '/' */
    int query;         /* past the path: a '?' or '#' was seen */
    size_t seg;        /* where the current segment starts */
    const char *col;   /* the last column whose value is in it; NULL: none */
    const char *value;
};

/* The segment ending at end: 1 when a value made it a dot segment (col
 * and value still name it), else 0 and the next segment starts. */
static int walk_segment_end(struct url_walk *w, const char *p, size_t end)
{
    if (w->col && !w->query && w->slashes >= w->path_at && is_dot_segment(p + w->seg, end - w->seg))
        return 1;
    w->seg = end + 1;
    w->col = w->value = NULL;
    return 0;
}

/* The template's text just added, p[from..to). */
static int walk_literal(struct url_walk *w, const char *p, size_t from, size_t to)
{
    for (size_t i = from; i < to && !w->query; i++) {
        if (p[i] != '/' && p[i] != '?' && p[i] != '#')
            continue;
        if (walk_segment_end(w, p, i))
            return 1;
        if (p[i] == '/')
            w->slashes++;
        else
            w->query = 1;
    }
    return 0;
}

/* The order's URL: the template with each column's value percent-encoded.
 * 1 (o->error says why) when a value is empty or would change the path. */
static int render_url(salvo_body_t *b, salvo_order_t *o, const salvo_layout_t *l, const salvo_row_t *row)
{
    salvo_jbuf_t jb = as_jbuf(o->target, o->target_cap);
    struct url_walk w = {.path_at = b->path_slash};
    int dot = 0;
    for (size_t i = 0; i < b->nparts && !dot; i++) {
        const struct url_part *p = &b->parts[i];
        size_t from = jb.len;
        if (p->lit) {
            salvo_jbuf_put(&jb, p->lit, p->len);
            dot = !jb.oom && walk_literal(&w, jb.p, from, jb.len);
            continue;
        }
        const char *v = col_value(b, p->col, o, l, row);
        if (*v == '\0') {
            snprintf(o->error, sizeof o->error, "line %llu: the URL needs column %s, which is empty",
                     (unsigned long long)o->line, p->name);
            end_jbuf(&jb, &o->target, &o->target_cap, NULL);
            return 1;
        }
        salvo_jbuf_pct(&jb, v, strlen(v));
        w.col = p->name, w.value = v;
    }
    if (!dot && !jb.oom)
        dot = walk_segment_end(&w, jb.p, jb.len);
    int rc = end_jbuf(&jb, &o->target, &o->target_cap, NULL);
    if (rc == 0 && dot) {
        snprintf(o->error, sizeof o->error,
                 "line %llu: column %s value \"%.40s\" would change the URL's path (a \".\" or \"..\" segment); "
                 "not sent",
                 (unsigned long long)o->line, w.col, w.value);
        return 1;
    }
    return rc;
}

/* Slot i's value for this order: 0 and *v ("" drops it), or 1 with
 * o->error when it cannot be sent. */
static int slot_value(salvo_body_t *b, size_t i, salvo_order_t *o, const salvo_layout_t *l,
                      const salvo_row_t *row, const char **v)
{
    const struct slot *s = &b->slots[i];
    *v = col_value(b, s->col, o, l, row);
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
        const char *text = p->text.p + op->off, *v = "";
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

int salvo_body_render(salvo_body_t *b, salvo_order_t *o, const salvo_layout_t *l, const salvo_row_t *row)
{
    int rc = render_body(o->order_type == SALVO_MARKET && b->market ? b->market : b, o, l, row);
    if (rc == 0 && b->url)
        rc = render_url(b, o, l, row);
    return rc;
}
