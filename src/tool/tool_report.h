/* salvo report [--rate R] [--window N/PERIOD] [--html FILE] [FILE|-]: the
 * summary of a run again, from the result lines it printed (tool_report.c),
 * and one self-contained HTML page of it with SVG charts
 * (tool_report_html.c); the verb is tool_report_main.c. */
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

#define REP_RUN_ID_LEN 40 /* a run id shown, with its NUL */

/* The results of one run (one "run" id, or every line without one). */
typedef struct rep_run {
    char id[REP_RUN_ID_LEN];
    tool_agg_t agg;
    rep_point_t *pts;
    size_t npts, cap;
    salvo_jbuf_t rows;  /* the table's <tr> rows, HTML-escaped */
    uint64_t nrows, rows_more;
    int64_t at_unix_us; /* --at's TIME, from a line's sent_at - at_offset_ms; 0: none */
} rep_run_t;

#define REP_RUNS_MAX 256

/* The results read so far: the runs they belong to. */
typedef struct tool_report {
    rep_run_t *runs;       /* REP_RUNS_MAX of them */
    size_t nruns;
    uint64_t lineno;       /* lines given, blank ones included */
    uint64_t lines, bad;   /* lines that are not blank; those that are not results */
    uint64_t first_bad;    /* the first of those, as a line number */
    uint64_t runs_over;
    double rate;           /* --rate given to report; 0: none */
    uint32_t window_n;     /* --window N/PERIOD given to report; 0: none */
    int64_t window_ns;
    int want_html;         /* keep what the page needs (points, table rows) */
    int oom;
    salvo_jbuf_t tmp, err;
} tool_report_t;

/* 0 or -ENOMEM. */
int tool_report_init(tool_report_t *rp, double rate, int want_html);
/* One line of results (no line end), blank ones too (they count for
 * line numbers). A line that is not a result is counted in bad. */
void tool_report_line(tool_report_t *rp, const char *s, size_t n);
/* Run i's summary into buf (see tool_summary_format). Its length. */
size_t tool_report_text(const tool_report_t *rp, size_t i, char *buf, size_t cap);
/* The whole page into out. 0 or -ENOMEM. source: the input's name. */
int tool_report_page(const tool_report_t *rp, const char *source, salvo_jbuf_t *out);
void tool_report_free(tool_report_t *rp);

/* The salvo command's `report` verb: argv[0] is "report". An exit code. */
int tool_report_main(int argc, char **argv);

/* Append s[0..n) with & < > " ' as entities, control bytes as spaces,
 * bytes that are not UTF-8 as U+FFFD. */
void tool_html_escape(salvo_jbuf_t *b, const char *s, size_t n);

#endif
