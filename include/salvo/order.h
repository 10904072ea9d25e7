/* From input rows to validated orders.
 *
 * A layout maps column names to row positions: the six canonical columns
 * first (symbol, price, quantity, side, type, client_order_id), then any
 * other column a body template names. An order owns copies of its values,
 * so it outlives the row it came from; its buffers are reused from one
 * order to the next. */
#ifndef SALVO_ORDER_H
#define SALVO_ORDER_H

#include "salvo/extern.h"

#include <stddef.h>
#include <stdint.h>

#include "salvo/reader.h"

#ifdef __cplusplus
extern "C" {
#endif

enum salvo_col {
    SALVO_COL_SYMBOL,
    SALVO_COL_PRICE,
    SALVO_COL_QUANTITY,
    SALVO_COL_SIDE,
    SALVO_COL_TYPE,
    SALVO_COL_CLIENT_ORDER_ID,
    SALVO_COL_CANONICAL /* number of canonical columns */
};

typedef struct salvo_layout {
    char **names; /* canonical, then extra columns */
    size_t ncols;
    long *pos;    /* row position of each column, -1 when absent */
} salvo_layout_t;

/* 0 or -ENOMEM. extra: further column names (copied); duplicates of
 * canonical names (or of each other) are folded. */
SALVO_EXTERN int salvo_layout_init(salvo_layout_t *l, const char *const *extra, size_t nextra);
SALVO_EXTERN void salvo_layout_free(salvo_layout_t *l);

/* Index of a column name (case-insensitive; "qty" is "quantity"), or -1. */
SALVO_EXTERN long salvo_layout_find(const salvo_layout_t *l, const char *name);

/* Is this first CSV row a header? It is when it names a symbol column. */
SALVO_EXTERN int salvo_layout_is_header(const salvo_row_t *row);
/* Map columns from a header row. */
SALVO_EXTERN void salvo_layout_from_header(salvo_layout_t *l, const salvo_row_t *row);
/* Positional: symbol,price[,quantity[,side[,type]]] (the seed's tuples). */
SALVO_EXTERN void salvo_layout_positional(salvo_layout_t *l);
/* Column i is field i (JSONL rows, extracted in layout order). */
SALVO_EXTERN void salvo_layout_identity(salvo_layout_t *l);

/* What fills a missing column. NULL: nothing (a row without it is invalid,
 * except type, which defaults to LIMIT). */
typedef struct salvo_order_defaults {
    const char *quantity, *side, *type;
    const char *id_prefix; /* ids made for orders without one are PREFIX-HASH (src/orderid.h) */
    int decimal_quantity;  /* quantity may be a positive decimal (crypto: 0.001), not only an integer */
} salvo_order_defaults_t;

/* Check the defaults themselves; 0, or -EINVAL with a message. */
SALVO_EXTERN int salvo_order_check_defaults(const salvo_order_defaults_t *d, char *err, size_t errlen);

enum salvo_order_type { SALVO_LIMIT, SALVO_MARKET };

typedef struct salvo_order {
    uint64_t seq;  /* 1-based among data rows, invalid ones included */
    uint64_t line; /* input line */
    const char *symbol, *price, *quantity, *side, *type, *client_order_id; /* into text */
    int order_type;
    char *text;    /* owned */
    size_t text_cap;
    char *body;    /* rendered request body, owned */
    size_t body_len, body_cap;
    char *target;  /* its own URL when the URL names columns, owned; NULL or "": the configured one */
    size_t target_cap;
    char error[320]; /* "line 7: quantity \"1.5\" is not a positive integer" */
    char made_id[160]; /* a content id (src/orderid.h), when the input gave none */
} salvo_order_t;

SALVO_EXTERN void salvo_order_free(salvo_order_t *o);

/* Fill o from a row. 0 valid; 1 invalid (o->error says why, with the line);
 * -ENOMEM. o->seq and o->line are set in both cases. o->client_order_id is
 * the row's own id, or "" for salvo_orderid_assign() to fill in. */
SALVO_EXTERN int salvo_order_from_row(salvo_order_t *o, const salvo_layout_t *l, const salvo_order_defaults_t *d,
                         const salvo_row_t *row, uint64_t seq);

/* Field value of column col in a row, or NULL when absent. */
SALVO_EXTERN const salvo_field_t *salvo_layout_field(const salvo_layout_t *l, const salvo_row_t *row, size_t col);

/* Validators, exposed for tests and the body renderer. */
SALVO_EXTERN int salvo_is_positive_integer(const char *s, size_t n);
SALVO_EXTERN int salvo_is_positive_decimal(const char *s, size_t n);
SALVO_EXTERN int salvo_is_json_number(const char *s, size_t n);
SALVO_EXTERN int salvo_is_utf8(const char *s, size_t n);

#ifdef __cplusplus
}
#endif

#endif
