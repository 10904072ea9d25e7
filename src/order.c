#include "salvo/order.h"
#include "util.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "jsonscan.h"
#include "utf8.h"

static const char *const canonical[SALVO_COL_CANONICAL] = {
    "symbol", "price", "quantity", "side", "type", "client_order_id"};

/* ---- layout ---- */

static const char *canonical_name(const char *name)
{
    return strcasecmp(name, "qty") == 0 ? "quantity" : name;
}

long salvo_layout_find(const salvo_layout_t *l, const char *name)
{
    name = canonical_name(name);
    for (size_t i = 0; i < l->ncols; i++)
        if (strcasecmp(l->names[i], name) == 0)
            return (long)i;
    return -1;
}

int salvo_layout_init(salvo_layout_t *l, const char *const *extra, size_t nextra)
{
    memset(l, 0, sizeof *l);
    l->names = calloc(SALVO_COL_CANONICAL + nextra, sizeof *l->names);
    l->pos = malloc((SALVO_COL_CANONICAL + nextra) * sizeof *l->pos);
    if (l->names == NULL || l->pos == NULL)
        goto nomem;
    for (size_t i = 0; i < SALVO_COL_CANONICAL + nextra; i++) {
        const char *n = i < SALVO_COL_CANONICAL ? canonical[i] : extra[i - SALVO_COL_CANONICAL];
        if (salvo_layout_find(l, n) >= 0)
            continue;
        if ((l->names[l->ncols] = strdup(canonical_name(n))) == NULL)
            goto nomem;
        l->pos[l->ncols++] = -1;
    }
    return 0;
nomem:
    salvo_layout_free(l);
    return -ENOMEM;
}

void salvo_layout_free(salvo_layout_t *l)
{
    for (size_t i = 0; l->names && i < l->ncols; i++)
        free(l->names[i]);
    free(l->names);
    free(l->pos);
    memset(l, 0, sizeof *l);
}

/* Header cells are compared without surrounding blanks. */
static int cell_is(const salvo_field_t *f, const char *name)
{
    const char *s = f->s;
    size_t n = f->len;
    while (n && (*s == ' ' || *s == '\t'))
        s++, n--;
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    return strlen(name) == n && strncasecmp(s, name, n) == 0;
}

int salvo_layout_is_header(const salvo_row_t *row)
{
    for (size_t i = 0; i < row->nfields; i++)
        if (cell_is(&row->fields[i], "symbol"))
            return 1;
    return 0;
}

void salvo_layout_from_header(salvo_layout_t *l, const salvo_row_t *row)
{
    for (size_t c = 0; c < l->ncols; c++) {
        l->pos[c] = -1;
        for (size_t i = 0; i < row->nfields && l->pos[c] < 0; i++)
            if (cell_is(&row->fields[i], l->names[c]) ||
                (c == SALVO_COL_QUANTITY && cell_is(&row->fields[i], "qty")))
                l->pos[c] = (long)i;
    }
}

void salvo_layout_positional(salvo_layout_t *l)
{
    for (size_t c = 0; c < l->ncols; c++)
        l->pos[c] = c < SALVO_COL_CLIENT_ORDER_ID ? (long)c : -1;
}

void salvo_layout_identity(salvo_layout_t *l)
{
    for (size_t c = 0; c < l->ncols; c++)
        l->pos[c] = (long)c;
}

const salvo_field_t *salvo_layout_field(const salvo_layout_t *l, const salvo_row_t *row, size_t col)
{
    long p = col < l->ncols ? l->pos[col] : -1;
    if (p < 0 || (size_t)p >= row->nfields || !row->fields[p].present)
        return NULL;
    return &row->fields[p];
}

/* ---- value checks ---- */

int salvo_is_positive_integer(const char *s, size_t n)
{
    int nonzero = 0;
    if (n == 0 || n > 18)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        nonzero |= s[i] != '0';
    }
    return nonzero;
}

int salvo_is_positive_decimal(const char *s, size_t n)
{
    size_t i = 0, int_digits = 0, frac_digits = 0;
    int nonzero = 0, dot = 0;
    if (n == 0 || n > 40)
        return 0;
    for (; i < n && s[i] >= '0' && s[i] <= '9'; i++, int_digits++)
        nonzero |= s[i] != '0';
    if (i < n && s[i] == '.') {
        dot = 1;
        for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++, frac_digits++)
            nonzero |= s[i] != '0';
    }
    return i == n && int_digits > 0 && (!dot || frac_digits > 0) && nonzero;
}

/* RFC 8259 number grammar: the scanner's, so templates and responses agree. */
int salvo_is_json_number(const char *s, size_t n)
{
    return n > 0 && salvo_json_number_len(s, n) == n;
}

int salvo_is_utf8(const char *s, size_t n) { return salvo_utf8_is_valid(s, n); }

/* ---- defaults ---- */

static int side_upper(const char *s, size_t n, const char **out)
{
    if (n == 3 && strncasecmp(s, "BUY", 3) == 0)
        return *out = "BUY", 0;
    if (n == 4 && strncasecmp(s, "SELL", 4) == 0)
        return *out = "SELL", 0;
    return -1;
}

static int type_upper(const char *s, size_t n, const char **out)
{
    if (n == 5 && strncasecmp(s, "LIMIT", 5) == 0)
        return *out = "LIMIT", 0;
    if (n == 6 && strncasecmp(s, "MARKET", 6) == 0)
        return *out = "MARKET", 0;
    return -1;
}

static int quantity_ok(const salvo_order_defaults_t *d, const char *v, size_t n)
{
    return d->decimal_quantity ? salvo_is_positive_decimal(v, n) : salvo_is_positive_integer(v, n);
}

int salvo_order_check_defaults(const salvo_order_defaults_t *d, char *err, size_t errlen)
{
    const char *u;
    if (d->side && side_upper(d->side, strlen(d->side), &u) < 0)
        return snprintf(err, errlen, "--side must be BUY or SELL, not '%s'", d->side), -EINVAL;
    if (d->type && type_upper(d->type, strlen(d->type), &u) < 0)
        return snprintf(err, errlen, "--type must be LIMIT or MARKET, not '%s'", d->type), -EINVAL;
    if (d->quantity && !quantity_ok(d, d->quantity, strlen(d->quantity)))
        return snprintf(err, errlen, "--quantity must be a positive %s, not '%s'",
                        d->decimal_quantity ? "decimal" : "integer", d->quantity), -EINVAL;
    return 0;
}

/* ---- building an order ---- */

/* Trimmed view of a column, or n = 0 when absent/empty. */
static const char *col_value(const salvo_layout_t *l, const salvo_row_t *row, size_t col, size_t *n)
{
    const salvo_field_t *f = salvo_layout_field(l, row, col);
    if (f == NULL) {
        *n = 0;
        return "";
    }
    const char *s = f->s;
    size_t len = f->len;
    while (len && (*s == ' ' || *s == '\t'))
        s++, len--;
    while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
        len--;
    *n = len;
    return s;
}

static int invalid(salvo_order_t *o, const char *fmt, ...)
{
    int k = snprintf(o->error, sizeof o->error, "line %llu: ", (unsigned long long)o->line);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(o->error + k, sizeof o->error - (size_t)k, fmt, ap);
    va_end(ap);
    return 1;
}

/* Quote at most 40 bytes of a bad value in a message. */
#define SHOWN(n) ((int)((n) > 40 ? 40 : (n)))

static int is_clean_symbol(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return 0;
    return salvo_is_utf8(s, n);
}

static int is_clean_id(const char *s, size_t n)
{
    if (n == 0 || n > 128)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] < 0x21 || s[i] > 0x7e)
            return 0;
    return 1;
}

/* Copy values into o->text; pointers are fixed up once it stops moving.
 * A column not put (an invalid row stopped before it) is "". */
struct text_builder {
    salvo_order_t *o;
    size_t len;
    size_t off[SALVO_COL_CANONICAL];
    unsigned put; /* bit c: column c was put */
};

static int tb_put(struct text_builder *b, int col, const char *s, size_t n)
{
    salvo_order_t *o = b->o;
    if (n > SIZE_MAX - b->len - 1 || salvo_grow((void **)&o->text, &o->text_cap, b->len + n + 1, 1) < 0)
        return -ENOMEM;
    memcpy(o->text + b->len, s, n);
    o->text[b->len + n] = '\0';
    b->off[col] = b->len;
    b->put |= 1u << col;
    b->len += n + 1;
    return 0;
}

static void tb_finish(struct text_builder *b)
{
    salvo_order_t *o = b->o;
    const char **slots[SALVO_COL_CANONICAL] = {&o->symbol, &o->price, &o->quantity,
                                               &o->side, &o->type, &o->client_order_id};
    for (int c = 0; c < SALVO_COL_CANONICAL; c++)
        *slots[c] = b->put & (1u << c) ? o->text + b->off[c] : "";
}

/* Validate the row's values in turn into b: 0 valid, 1 invalid at the
 * first bad one (the values before it are in b), -ENOMEM. */
static int fill(salvo_order_t *o, struct text_builder *b, const salvo_layout_t *l, const salvo_order_defaults_t *d,
                const salvo_row_t *row)
{
    size_t n;
    const char *v;

    if (row->error != SALVO_ROW_OK && row->error_detail != NULL)
        return invalid(o, "%s \"%.*s\"", salvo_row_strerror(row->error), SHOWN(strlen(row->error_detail)),
                       row->error_detail);
    if (row->error != SALVO_ROW_OK)
        return invalid(o, "%s", salvo_row_strerror(row->error));

    /* the row's own id first, so even an invalid row reports it; the
     * others get theirs from their content (salvo_orderid_assign) */
    v = col_value(l, row, SALVO_COL_CLIENT_ORDER_ID, &n);
    if (n > 0 && !is_clean_id(v, n)) {
        return invalid(o, "client_order_id \"%.*s\" must be 1 to 128 printable ASCII characters without spaces",
                       SHOWN(n), v);
    }
    if (tb_put(b, SALVO_COL_CLIENT_ORDER_ID, v, n) < 0)
        return -ENOMEM;

    v = col_value(l, row, SALVO_COL_SYMBOL, &n);
    if (n == 0)
        return invalid(o, "symbol is missing");
    if (!is_clean_symbol(v, n))
        return invalid(o, "symbol \"%.*s\" has control characters or is not valid UTF-8", SHOWN(n), v);
    if (tb_put(b, SALVO_COL_SYMBOL, v, n) < 0)
        return -ENOMEM;

    const char *side = NULL;
    v = col_value(l, row, SALVO_COL_SIDE, &n);
    if (n > 0) {
        if (side_upper(v, n, &side) < 0)
            return invalid(o, "side \"%.*s\" is not BUY or SELL", SHOWN(n), v);
        if (d->side && strcasecmp(side, d->side) != 0)
            return invalid(o, "side %s disagrees with --side %s", side, d->side);
    } else if (d->side) {
        side_upper(d->side, strlen(d->side), &side);
    } else {
        return invalid(o, "side is missing: add a side column or --side");
    }
    if (tb_put(b, SALVO_COL_SIDE, side, strlen(side)) < 0)
        return -ENOMEM;

    const char *type = "LIMIT";
    v = col_value(l, row, SALVO_COL_TYPE, &n);
    if (n > 0 && type_upper(v, n, &type) < 0)
        return invalid(o, "type \"%.*s\" is not LIMIT or MARKET", SHOWN(n), v);
    if (n == 0 && d->type)
        type_upper(d->type, strlen(d->type), &type);
    o->order_type = strcmp(type, "MARKET") == 0 ? SALVO_MARKET : SALVO_LIMIT;
    if (tb_put(b, SALVO_COL_TYPE, type, strlen(type)) < 0)
        return -ENOMEM;

    v = col_value(l, row, SALVO_COL_QUANTITY, &n);
    if (n == 0 && d->quantity)
        v = d->quantity, n = strlen(d->quantity);
    if (n == 0)
        return invalid(o, "quantity is missing: add a quantity column or --quantity");
    if (!quantity_ok(d, v, n))
        return invalid(o, "quantity \"%.*s\" is not a positive %s", SHOWN(n), v,
                       d->decimal_quantity ? "decimal" : "integer");
    while (n > 1 && *v == '0' && v[1] != '.') /* "007" is 7: JSON numbers have no leading zeros */
        v++, n--;
    if (tb_put(b, SALVO_COL_QUANTITY, v, n) < 0)
        return -ENOMEM;

    v = col_value(l, row, SALVO_COL_PRICE, &n);
    if (o->order_type == SALVO_MARKET && n > 0)
        return invalid(o, "price \"%.*s\" given for a MARKET order", SHOWN(n), v);
    if (o->order_type == SALVO_LIMIT && n == 0)
        return invalid(o, "price is missing for a LIMIT order");
    if (n > 0 && !salvo_is_positive_decimal(v, n))
        return invalid(o, "price \"%.*s\" is not a positive decimal", SHOWN(n), v);
    if (tb_put(b, SALVO_COL_PRICE, v, n) < 0)
        return -ENOMEM;
    return 0;
}

int salvo_order_from_row(salvo_order_t *o, const salvo_layout_t *l, const salvo_order_defaults_t *d,
                         const salvo_row_t *row, uint64_t seq)
{
    struct text_builder b = {.o = o};
    o->seq = seq;
    o->line = row->line;
    o->error[0] = '\0';
    o->symbol = o->price = o->quantity = o->side = o->type = o->client_order_id = "";
    int rc = fill(o, &b, l, d, row);
    if (rc >= 0)
        tb_finish(&b); /* an invalid row too: its result shows what was valid */
    return rc;
}

void salvo_order_free(salvo_order_t *o)
{
    free(o->text);
    free(o->body);
    free(o->target);
    memset(o, 0, sizeof *o);
}

const char *salvo_order_field(const salvo_order_t *o, int col)
{
    const char *v[SALVO_COL_CANONICAL] = {o->symbol, o->price, o->quantity, o->side, o->type, o->client_order_id};
    if (col < 0 || col >= SALVO_COL_CANONICAL)
        return NULL;
    return v[col] ? v[col] : "";
}

uint64_t salvo_order_seq(const salvo_order_t *o) { return o->seq; }
uint64_t salvo_order_line(const salvo_order_t *o) { return o->line; }
