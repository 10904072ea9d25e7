/* From input rows to validated orders.
 *
 * A layout maps column names to row positions: the six canonical columns
 * first (symbol, price, quantity, side, type, client_order_id), then any
 * other column a body template names. An order owns copies of its values,
 * so it outlives the row it came from; its buffers are reused from one
 * order to the next. */
#ifndef SALVO_ORDER_H
#define SALVO_ORDER_H

/* Private (src/include/): libsalvo, the tool and the tests use it; not installed. */

#include <stddef.h>
#include <stdint.h>

#include "salvo/body.h"
#include "salvo/jbuf.h"
#include "salvo/profile.h"
#include "salvo/reader.h"
#include "salvo/result.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct salvo_layout {
    char **names; /* canonical, then extra columns */
    size_t ncols;
    long *pos;    /* row position of each column, -1 when absent */
} salvo_layout_t;

/* 0 or -ENOMEM. extra: further column names (copied); duplicates of
 * canonical names (or of each other) are folded. */
int salvo_layout_init(salvo_layout_t *l, const char *const *extra, size_t nextra);
void salvo_layout_free(salvo_layout_t *l);

/* Index of a column name (case-insensitive; "qty" is "quantity"), or -1. */
long salvo_layout_find(const salvo_layout_t *l, const char *name);

/* Is this first CSV row a header? It is when it names a symbol column. */
int salvo_layout_is_header(const salvo_row_t *row);
/* Map columns from a header row. */
void salvo_layout_from_header(salvo_layout_t *l, const salvo_row_t *row);
/* Positional: symbol,price[,quantity[,side[,type]]] (the seed's tuples). */
void salvo_layout_positional(salvo_layout_t *l);
/* Column i is field i (JSONL rows, extracted in layout order). */
void salvo_layout_identity(salvo_layout_t *l);

/* salvo_order_defaults_t: salvo/result.h. */
/* Check the defaults themselves; 0, or -EINVAL with a message. */
int salvo_order_check_defaults(const salvo_order_defaults_t *d, char *err, size_t errlen);

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
    char ref[96];      /* a cancel's or lookup's: the broker's order id the input names ("" when none) */
} salvo_order_t;

void salvo_order_free(salvo_order_t *o);

/* Fill o from a row. 0 valid; 1 invalid (o->error says why, with the line);
 * -ENOMEM. o->seq and o->line are set in both cases. o->client_order_id is
 * the row's own id, or "" for salvo_orderid_assign() to fill in. */
int salvo_order_from_row(salvo_order_t *o, const salvo_layout_t *l, const salvo_order_defaults_t *d,
                         const salvo_row_t *row, uint64_t seq);

/* Field value of column col in a row, or NULL when absent. */
const salvo_field_t *salvo_layout_field(const salvo_layout_t *l, const salvo_row_t *row, size_t col);

/* Validators, exposed for tests and the body renderer. */
int salvo_is_positive_integer(const char *s, size_t n);
int salvo_is_positive_decimal(const char *s, size_t n);
int salvo_is_json_number(const char *s, size_t n);
int salvo_is_utf8(const char *s, size_t n);

/* salvo/body.h's half that needs an order: */
/* Is name one of the derived columns (side_lower, ...)? */
int salvo_body_is_pseudo(const char *name);
/* Resolve the named columns against a layout (after its header is known):
 * 0, or -ENOENT with the first unknown column named in err. */
int salvo_body_bind(salvo_body_t *b, const salvo_layout_t *l, char *err, size_t errlen);
/* Render into o->body. 0; 1 when a value cannot be rendered (o->error says
 * which); -ENOMEM. */
int salvo_body_render(salvo_body_t *b, salvo_order_t *o, const salvo_layout_t *l, const salvo_row_t *row);

/* salvo/profile.h's: why the profile's body cannot send this order
 * ("refuse"), or NULL when it can. */
const char *salvo_profile_refusal(const salvo_profile_t *p, const salvo_order_t *o);

/* salvo/result.h's: append the result as one JSON line ending in '\n'. */
void salvo_result_write(salvo_jbuf_t *out, const salvo_result_t *r, const char *run);

#ifdef __cplusplus
}
#endif

#endif
