/* salvo report [--rate R] [--html FILE] [FILE|-]: the summary of a run
 * again, from the result lines it printed (tool_report.c), and one
 * self-contained HTML page of it with SVG charts (tool_report_html.c). */
#ifndef SALVO_TOOL_REPORT_H
#define SALVO_TOOL_REPORT_H

#include <stdint.h>

#include "salvo/jbuf.h"
#include "tool_summary.h"

/* One sent order, for the charts. */
typedef struct rep_point {
    int64_t sent_us;    /* Unix time of its (last) send */
    int64_t latency_us;
    int status;
} rep_point_t;

#define REP_TABLE_MAX 1000 /* rows of the not-accepted table; the rest are counted */

/* The results of one run (one "run" id, or every line without one). */
typedef struct rep_run {
    char id[40];
    tool_agg_t agg;
    rep_point_t *pts;
    size_t npts, cap;
    salvo_jbuf_t rows;  /* the table's <tr> rows, HTML-escaped */
    uint64_t nrows, rows_more;
    int64_t at_unix_us; /* --at's TIME, from a line's sent_at - at_offset_ms; 0: none */
} rep_run_t;

/* The salvo command's `report` verb: argv[0] is "report". An exit code. */
int tool_report_main(int argc, char **argv);

/* Write the page. 0 or a negative errno. summaries[i]: run i's text. */
int tool_report_html(const char *path, const char *source, const rep_run_t *runs, size_t nruns,
                     char *const *summaries);

/* Append s[0..n) with & < > " ' as entities, control bytes as spaces. */
void tool_html_escape(salvo_jbuf_t *b, const char *s, size_t n);

#endif
