/* Request bodies: a JSON template parsed and checked once, rendered per
 * order into the order's own reusable buffer (no allocation per order once
 * the buffer has grown).
 *
 * In a template, a string value that is exactly "{{column}}" becomes that
 * column's value as a JSON string, "{{column:number}}" becomes it as a JSON
 * number. The canonical columns (symbol, price, quantity, side, type,
 * client_order_id) give their validated values (side upper-cased, ...);
 * side_lower and type_lower are side and type in lower case, side_title
 * and type_title in title case (Buy, Limit), signed_quantity the quantity
 * with a - for a SELL; any other name is a raw input column. An empty value drops its key from
 * the object (a MARKET order has no price), or is null inside an array. */
#ifndef SALVO_BODY_H
#define SALVO_BODY_H

#include "salvo/extern.h"

#include <stddef.h>


#ifdef __cplusplus
extern "C" {
#endif

typedef struct salvo_body salvo_body_t;

/* {"symbol","price","quantity","side","type","client_order_id"}, price as a
 * string exactly as written, quantity as a number, into *out. 0 or -ENOMEM
 * (*out NULL). */
SALVO_EXTERN int salvo_body_new_default(salvo_body_t **out);

/* Parse a template into *out. 0; -EINVAL with a message in err when it is
 * not JSON, or when a string holds a placeholder that is not the whole
 * string; -ENOMEM. *out is NULL on failure. */
SALVO_EXTERN int salvo_body_new_template(salvo_body_t **out, const char *text, size_t len, char *err, size_t errlen);

SALVO_EXTERN void salvo_body_free(salvo_body_t *b);

/* The columns the template names, in order (borrowed, valid while b lives). */
SALVO_EXTERN size_t salvo_body_columns(const salvo_body_t *b, const char *const **names);

/* Encode the body as JSON (SALVO_ENC_JSON, the default) or as form pairs
 * name=value&... (SALVO_ENC_FORM, SALVO_ENC_QUERY: the same text, which the
 * sender puts in the URL), percent-encoded, in the template's key order;
 * form templates are one flat object. 0 or -EINVAL with err. */
SALVO_EXTERN int salvo_body_set_encoding(salvo_body_t *b, int encoding, char *err, size_t errlen);

/* A URL with {{column}} in it (OANDA's /v3/accounts/{{account_id}}/orders):
 * each order's URL is rendered into o->target, values percent-encoded. A
 * URL without placeholders changes nothing (o->target stays empty). 0,
 * -EINVAL with err, or -ENOMEM. */
SALVO_EXTERN int salvo_body_set_url(salvo_body_t *b, const char *url, char *err, size_t errlen);

/* A second template for MARKET orders (Binance refuses timeInForce on
 * them; Coinbase names the order kind in a key); b owns it from here.
 * Encoding and URL are b's. 0 or -ENOMEM. */
SALVO_EXTERN int salvo_body_set_market(salvo_body_t *b, salvo_body_t *market);


#ifdef __cplusplus
}
#endif

#endif
