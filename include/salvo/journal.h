/* The journal: an append-only record of what this run did to each order,
 * so a crashed or stopped run can be resumed without sending an order twice.
 *
 * One JSON object a line, each line written with one write(2):
 *   {"salvo_journal":1,"id_prefix":"s1a2b3c4d","started":"2026-11-24T08:29:59.5Z"}
 *   {"sent":"s1a2b3c4d-1","line":2,"attempt":1}     before libcurl has it
 *   {"id":"s1a2b3c4d-1","status":"accepted","http":200}   its final outcome
 * The last line of an order decides its state. A kill -9 loses nothing the
 * process already did; --fsync makes the lines survive power loss too. */
#ifndef SALVO_JOURNAL_H
#define SALVO_JOURNAL_H

#include <stddef.h>
#include <stdint.h>

#include "salvo/idmap.h"
#include "salvo/order.h"
#include "salvo/result.h"

#ifdef __cplusplus
extern "C" {
#endif

enum salvo_jstate {
    SALVO_J_NONE,     /* not in the journal: never sent */
    SALVO_J_SENT,     /* handed to libcurl, no outcome recorded: may be at the broker */
    SALVO_J_ACCEPTED,
    SALVO_J_REJECTED,
    SALVO_J_FAILED,   /* definitely not executed: safe to send again */
    SALVO_J_UNKNOWN,  /* may be at the broker */
};

const char *salvo_jstate_name(int state);

/* What an earlier run left: each order's last state. */
typedef struct salvo_jindex {
    salvo_idmap_t states;
    char id_prefix[80]; /* "" when the journal named none */
    uint64_t records;   /* order records read */
    size_t good_len;    /* bytes up to the end of the last whole record */
    int torn_tail;      /* a torn last line was dropped */
} salvo_jindex_t;

/* Parse a journal's text. 0; -EINVAL with err naming the line for
 * corruption anywhere but the last line (a crash mid-write is tolerated
 * there); -ENOMEM. */
int salvo_jindex_parse(salvo_jindex_t *ix, const char *text, size_t len, char *err, size_t errlen);
int salvo_jindex_get(const salvo_jindex_t *ix, const char *id);
void salvo_jindex_free(salvo_jindex_t *ix);

typedef struct salvo_journal salvo_journal_t;

enum { SALVO_JOURNAL_RESUME = 1, SALVO_JOURNAL_FSYNC = 2 };

/* Open path for appending. With SALVO_JOURNAL_RESUME an existing journal
 * is read into ix (zeroed by the caller) and a torn last line cut off;
 * without it an existing non-empty journal is refused. Then
 * salvo_journal_begin() starts this run's part. 0, or a negative errno
 * with err filled. */
int salvo_journal_open(salvo_journal_t **out, const char *path, int flags, salvo_jindex_t *ix, char *err,
                       size_t errlen);

/* Write this run's header line naming the id prefix (and, with
 * SALVO_JOURNAL_FSYNC, sync it and, for a new file, its directory). */
int salvo_journal_begin(salvo_journal_t *j, const char *id_prefix);

/* Record that an order's attempt is about to be sent / its final outcome.
 * 0 or a negative errno: the caller must not send an order whose "sent"
 * record failed. */
int salvo_journal_sent(salvo_journal_t *j, const salvo_order_t *o, unsigned attempt);
int salvo_journal_outcome(salvo_journal_t *j, const salvo_result_t *r);

/* With SALVO_JOURNAL_FSYNC, fsync what was written since the last call.
 * An error is sticky: after one, every later call fails (a retried fsync
 * can report success for data that was lost). */
int salvo_journal_sync(salvo_journal_t *j);
int salvo_journal_wants_sync(const salvo_journal_t *j);

/* Sync (when asked) and close. 0 or the first error seen. */
int salvo_journal_close(salvo_journal_t *j);

#ifdef __cplusplus
}
#endif

#endif
