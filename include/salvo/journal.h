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

/* What an earlier run left: each order's last state (opaque). */
typedef struct salvo_jindex salvo_jindex_t;

/* An empty index into *out, for salvo_journal_open(SALVO_JOURNAL_RESUME)
 * or salvo_jindex_parse() to fill: 0 or -ENOMEM (*out NULL). Free it after
 * the engine that was given it (salvo_config_t.resume). */
SALVO_EXTERN int salvo_jindex_new(salvo_jindex_t **out);
SALVO_EXTERN void salvo_jindex_free(salvo_jindex_t *ix);

/* Parse a journal's text into an empty index. 0; -EINVAL with err naming
 * the line for corruption anywhere but the last line after a header (a
 * crash mid-write is tolerated there; a first line that is not a whole
 * header means the file is no journal), or for a record whose id is
 * neither given nor the header's PREFIX-...; -ENOMEM. Memory: 17 bytes a
 * distinct id, in a table at most half full. */
SALVO_EXTERN int salvo_jindex_parse(salvo_jindex_t *ix, const char *text, size_t len, char *err, size_t errlen);
/* An order's last state (enum salvo_jstate). */
SALVO_EXTERN int salvo_jindex_get(const salvo_jindex_t *ix, const char *id);
/* The id prefix the journal's runs used ("" when none named one): a resumed
 * run must make its ids with the same one (salvo_order_defaults_t.id_prefix). */
SALVO_EXTERN const char *salvo_jindex_id_prefix(const salvo_jindex_t *ix);
/* Order records read; whether a torn last line was dropped. */
SALVO_EXTERN uint64_t salvo_jindex_records(const salvo_jindex_t *ix);
SALVO_EXTERN int salvo_jindex_torn(const salvo_jindex_t *ix);

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
 * SALVO_JOURNAL_RESUME an existing journal is read into ix (from
 * salvo_jindex_new()) and a torn last line cut off; without it an existing non-empty
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
