/* The summary: a few lines for people (stderr at the end of a run, and
 * `salvo report` later), a JSON file for tools.
 *
 * Both texts come from one aggregate, fed one record per result: the live
 * run makes the record from the result it is about to write, `salvo
 * report` from the line it reads back, and the two records are equal (every
 * number in a line is exact to the microsecond it was measured in). So a
 * run's summary and the report of its output agree, but for what only the
 * live run knows (tool_live_t), which is printed on lines of its own. */
#ifndef SALVO_TOOL_SUMMARY_H
#define SALVO_TOOL_SUMMARY_H

#include <stddef.h>
#include <stdint.h>

#include "salvo/engine.h"
#include "salvo/stats.h"

/* One result, as the summary counts it. Strings are borrowed. */
typedef struct tool_rec {
    int status;            /* enum salvo_status */
    int http_status;       /* 0: none */
    unsigned attempts;     /* 0: never sent */
    int64_t latency_us;    /* with attempts > 0; -1: no answer to time */
    int64_t sent_at_us;    /* Unix time of the last attempt; 0: never sent */
    int has_at;
    int64_t at_offset_us;  /* first send from --at's TIME */
    const char *error;     /* NULL: none */
    size_t error_len;
    int by_worker;         /* --exec: a worker answered, not HTTP (no HTTP status to count) */
} tool_rec_t;

#define TOOL_HTTP_MAX 600   /* statuses 100..599; [0]: sent, no status */
#define TOOL_WHY_KINDS 32   /* distinct errors kept; the rest are counted together */
#define TOOL_WHY_LEN 160

typedef struct tool_why {
    char text[TOOL_WHY_LEN]; /* the error, line numbers and quoted values taken out */
    uint64_t n;
} tool_why_t;

typedef struct tool_agg {
    uint64_t orders;
    uint64_t count[SALVO_STATUS_COUNT];
    uint64_t requests;         /* attempts, retries included */
    uint64_t sent;             /* orders with a send time */
    uint64_t http[TOOL_HTTP_MAX];
    tool_why_t why[TOOL_WHY_KINDS];
    unsigned nwhy;
    uint64_t why_more;         /* errors of kinds past TOOL_WHY_KINDS */
    salvo_hist_t latency;      /* us, of sent orders */
    int64_t first_sent_us, last_sent_us;
    int has_at;
    int64_t at_first_us;       /* the smallest at_offset: the first send from TIME */
    double target_rate;        /* --rate, per second; 0: none given */
    char run[40];              /* the run id, "": none */
    int workers;               /* --exec (or a result named its worker): no HTTP status breakdown */
} tool_agg_t;

void tool_agg_init(tool_agg_t *g);
void tool_agg_add(tool_agg_t *g, const tool_rec_t *r);
/* The record of a result about to be written as a line. */
void tool_rec_from_result(tool_rec_t *out, const salvo_result_t *r);

/* What only the live run knows. */
typedef struct tool_live {
    const salvo_stats_t *st;
    int64_t at_unix_us;        /* --at's moment, or 0 */
} tool_live_t;

/* The text, "salvo: ..." lines each ending in '\n', into buf (always
 * terminated, cut at cap). live: NULL for a report. Its length. */
size_t tool_summary_format(const tool_agg_t *g, const tool_live_t *live, char *buf, size_t cap);
void tool_summary_print(const tool_agg_t *g, const tool_live_t *live, int fd);
/* --summary-json: 0 or a negative errno. signal: the one that stopped the
 * run, or 0. after_g, after_live: --cancel-after's cancel, written inside
 * as "cancel_after" (NULL: none ran). */
int tool_summary_write_json(const tool_agg_t *g, const tool_live_t *live, int signal, const tool_agg_t *after_g,
                            const tool_live_t *after_live, const char *path);

#endif
