/* Default client order ids from what an order is, not where it came from.
 *
 * An order without an id of its own gets PREFIX-H: H is 16 lowercase hex
 * digits of a 64-bit hash over its validated fields (symbol, side,
 * quantity, price, type, as salvo_order_from_row normalised them) and k,
 * the number of this exact content among the input's valid rows so far
 * (1 for the first, 2 for the second identical row, ...). Two ids are
 * equal exactly when prefix, fields and k are (up to a 2^-64 hash
 * collision): the same rows from a copy of the file, from stdin or in
 * another order get the same ids; two identical rows, or a changed row,
 * get different ones. Other columns (a template's extra ones) do not count.
 *
 * The counter lives in a salvo_orderid_t the caller owns, one per pass over
 * an input: 9 bytes a distinct content, in a table kept between a quarter
 * and half full (so 18 to 36 bytes), plus as much again with 8 more for
 * each content seen more than 255 times. */
#ifndef SALVO_ORDERID_H
#define SALVO_ORDERID_H

#include <stdint.h>

#include "salvo/idmap.h"
#include "salvo/order.h"

typedef struct salvo_orderid {
    salvo_idmap_t seen; /* content hash -> occurrences, saturating at 255 */
    salvo_idmap_t many; /* content hash -> occurrences past 255 */
} salvo_orderid_t;

void salvo_orderid_init(salvo_orderid_t *ids);
void salvo_orderid_free(salvo_orderid_t *ids);

/* Give a valid order without a client_order_id its content id (the id goes
 * into o->text, like the other fields). An order that has an id keeps it
 * and is not counted. 0 or -ENOMEM. */
int salvo_orderid_assign(salvo_orderid_t *ids, salvo_order_t *o, const char *prefix);

/* The hash part alone: 64 bits from the fields and k (exposed for tests). */
uint64_t salvo_orderid_hash(const salvo_order_t *o, uint64_t k);

#endif
