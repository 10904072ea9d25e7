/* salvo/journal.h's private half: the index's fields (for the tool and
 * the tests, which keep one on the stack), and what the engine and the
 * tool's resume check call with orders and id maps. */
#ifndef SALVO_JINDEX_H
#define SALVO_JINDEX_H
/* Private (src/include/): libsalvo, the tool and the tests use it; not installed. */

#include <stddef.h>
#include <stdint.h>

#include "salvo/idmap.h"
#include "salvo/journal.h"
#include "salvo/order.h"

#ifdef __cplusplus
extern "C" {
#endif

struct salvo_jindex {
    salvo_idmap_t states; /* id -> state; payload: first journal line and input line */
    char id_prefix[80]; /* "" when the journal named none */
    char input[256];    /* the input its first run named, or "" */
    char endpoint[256]; /* where its orders went (see salvo_jdest_t); "": no header names it */
    char profile[80];   /* the profile they went through, or "" */
    int sandbox;
    unsigned headers;   /* run headers read */
    uint64_t records;   /* order records read */
    size_t good_len;    /* bytes up to the end of the last whole record */
    int torn_tail;      /* a torn last line was dropped */
};

/* Free what an index holds, not the index (one zeroed by its owner). */
void salvo_jindex_clear(salvo_jindex_t *ix);

/* Is every order the journal records in the input? input_ids holds the
 * input's client order ids (salvo_idmap_set(id, 1) for each valid order,
 * ids assigned as the run will assign them). 0 when all are; 1 with the
 * journal line first naming the first missing one, and the input line its
 * "sent" record gave (0 if none). */
int salvo_jindex_first_missing(const salvo_jindex_t *ix, const salvo_idmap_t *input_ids, uint64_t *jline,
                               uint64_t *input_line);

/* On resume, before anything is sent: 0 when the input holds every order
 * the journal records (see salvo_jindex_first_missing); else -EINVAL, err
 * naming the journal line, the order id and its input line. An input may
 * hold more orders (rows added since are new orders), not fewer or other. */
int salvo_journal_check_input(salvo_journal_t *j, const salvo_jindex_t *ix, const salvo_idmap_t *input_ids,
                              char *err, size_t errlen);

/* Record that an order's attempt is about to be sent / its final outcome.
 * 0 or a negative errno: the caller must not send an order whose "sent"
 * record failed. */
int salvo_journal_sent(salvo_journal_t *j, const salvo_order_t *o, unsigned attempt);
int salvo_journal_outcome(salvo_journal_t *j, const salvo_result_t *r);

#ifdef __cplusplus
}
#endif

#endif
