/* The journal: an append-only record of what this run did to each order,
 * so a crashed or stopped run can be resumed without sending an order twice.
 *
 * One JSON object a line, each line written with one write(2):
 *   {"salvo_journal":1,"id_prefix":"s261127","input":"orders.csv","endpoint":"https://api.example.com",
 *    "profile":null,"sandbox":false,"started":"2026-11-27T08:29:59.5Z"}
 *   {"sent":"s261127-3fa9c0d2e1b4a5f6","line":2,"attempt":1}     before libcurl has it
 *   {"id":"s261127-3fa9c0d2e1b4a5f6","status":"accepted","http":200}   its final outcome
 * Each run (the first and every resume) starts with a header naming the id
 * prefix and the input it read ("-" for stdin; informational: what decides
 * whether an input is the same is its orders, see salvo_journal_check_input)
 * and where its orders go: the endpoint's origin (or the --exec command),
 * the broker profile and --sandbox; a resume must send to the same place
 * (salvo_jindex_check_dest), or it would skip orders the other never had.
 * A record whose id came from the input's client_order_id column says
 * "given":true; every other id must carry the header's prefix.
 * The last line of an order decides its state. A kill -9 loses nothing the
 * process already did; --fsync makes the lines survive power loss too.
 * An open journal is locked: a second run on it is refused (-EBUSY). */
#ifndef SALVO_JOURNAL_H
#define SALVO_JOURNAL_H

#include "salvo/extern.h"

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

SALVO_EXTERN const char *salvo_jstate_name(int state);

/* What an earlier run left: each order's last state. */
typedef struct salvo_jindex {
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
} salvo_jindex_t;

/* Parse a journal's text. 0; -EINVAL with err naming the line for
 * corruption anywhere but the last line after a header (a crash mid-write
 * is tolerated there; a first line that is not a whole header means the
 * file is no journal), or for a record whose id is neither given nor the
 * header's PREFIX-...; -ENOMEM. Memory: 17 bytes a distinct id, in a table at most
 * half full. */
SALVO_EXTERN int salvo_jindex_parse(salvo_jindex_t *ix, const char *text, size_t len, char *err, size_t errlen);
SALVO_EXTERN int salvo_jindex_get(const salvo_jindex_t *ix, const char *id);
/* Is every order the journal records in the input? input_ids holds the
 * input's client order ids (salvo_idmap_set(id, 1) for each valid order,
 * ids assigned as the run will assign them). 0 when all are; 1 with the
 * journal line first naming the first missing one, and the input line its
 * "sent" record gave (0 if none). */
SALVO_EXTERN int salvo_jindex_first_missing(const salvo_jindex_t *ix, const salvo_idmap_t *input_ids, uint64_t *jline,
                               uint64_t *input_line);
SALVO_EXTERN void salvo_jindex_free(salvo_jindex_t *ix);

/* Where a run sends its orders. The journal keeps the URL's origin only
 * (scheme://host[:port], lower case, no user:password, no default port). */
typedef struct salvo_jdest {
    const char *url;     /* the order URL (a template's {{column}} may be in it) */
    const char *exec;    /* or the --exec command, when url is NULL */
    const char *profile; /* the broker profile's name; NULL: none */
    int sandbox;         /* its sandbox endpoint */
} salvo_jdest_t;

/* On resume: does this run send where the journal's orders went? 0 when it
 * does (or the journal is empty); -EINVAL, err naming both, when it does
 * not; -ENOENT when no header names a destination (a journal written
 * before salvo recorded one): the caller decides. */
SALVO_EXTERN int salvo_jindex_check_dest(const salvo_jindex_t *ix, const salvo_jdest_t *dest, char *err, size_t errlen);

typedef struct salvo_journal salvo_journal_t;

enum { SALVO_JOURNAL_RESUME = 1, SALVO_JOURNAL_FSYNC = 2 };

/* Open path for appending and lock it for as long as it is open (a POSIX
 * record lock: another process opening it gets -EBUSY, err naming the
 * holder's pid; the same process must not open it twice). With
 * SALVO_JOURNAL_RESUME an existing journal is read into ix (zeroed by the
 * caller) and a torn last line cut off; without it an existing non-empty
 * journal is refused (-EEXIST). Then salvo_journal_begin() starts this
 * run's part. 0, or a negative errno with err filled. */
SALVO_EXTERN int salvo_journal_open(salvo_journal_t **out, const char *path, int flags, salvo_jindex_t *ix, char *err,
                       size_t errlen);

/* Write this run's header line naming the id prefix (and, with
 * SALVO_JOURNAL_FSYNC, sync it and, for a new file, its directory). */
SALVO_EXTERN int salvo_journal_begin(salvo_journal_t *j, const char *id_prefix);
/* The same, naming the input in the header (a path as given, "-" for stdin). */
SALVO_EXTERN int salvo_journal_begin_input(salvo_journal_t *j, const char *id_prefix, const char *input);
/* The same, naming where the orders go too (dest may be NULL: not named). */
SALVO_EXTERN int salvo_journal_begin_dest(salvo_journal_t *j, const char *id_prefix, const char *input,
                             const salvo_jdest_t *dest);

/* On resume, before anything is sent: 0 when the input holds every order
 * the journal records (see salvo_jindex_first_missing); else -EINVAL, err
 * naming the journal line, the order id and its input line. An input may
 * hold more orders (rows added since are new orders), not fewer or other. */
SALVO_EXTERN int salvo_journal_check_input(salvo_journal_t *j, const salvo_jindex_t *ix, const salvo_idmap_t *input_ids,
                              char *err, size_t errlen);

/* Record that an order's attempt is about to be sent / its final outcome.
 * 0 or a negative errno: the caller must not send an order whose "sent"
 * record failed. */
SALVO_EXTERN int salvo_journal_sent(salvo_journal_t *j, const salvo_order_t *o, unsigned attempt);
SALVO_EXTERN int salvo_journal_outcome(salvo_journal_t *j, const salvo_result_t *r);

/* With SALVO_JOURNAL_FSYNC, fsync what was written since the last call.
 * An error is sticky: after one, every later call fails (a retried fsync
 * can report success for data that was lost). */
SALVO_EXTERN int salvo_journal_sync(salvo_journal_t *j);
SALVO_EXTERN int salvo_journal_wants_sync(const salvo_journal_t *j);

/* Sync (when asked) and close. 0 or the first error seen. */
SALVO_EXTERN int salvo_journal_close(salvo_journal_t *j);

#ifdef __cplusplus
}
#endif

#endif
