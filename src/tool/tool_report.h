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

#define REP_TABLE_MAX 1000 /* rows of a table of orders on the page; the rest are counted */
#define REP_TEXT_MAX 100   /* orders listed in the text (the call-the-broker list) */
#define REP_PAIRS_TEXT 20  /* (symbol, side) lines in the text; the page: REP_PAIRS_PAGE */
#define REP_PAIRS_PAGE 200

#define REP_RUN_ID_LEN 40 /* a run id shown, with its NUL */

/* A string kept from a line, in tool_report_t.text: unescaped, UTF-8
 * (U+FFFD for what is not), control bytes as spaces, cut whole. */
typedef struct rep_str {
    uint32_t off, len;
} rep_str_t;

enum rep_ofield { O_ID, O_SYMBOL, O_SIDE, O_QTY, O_PRICE, O_TYPE, O_ORDER_ID, O_WHY, O_SEQ, O_LINE, O_COUNT };

/* One order's final state: its last line that says something, over every
 * run read (by client_order_id; an order without one is its own). */
typedef struct rep_order {
    rep_str_t s[O_COUNT];
    int64_t sent_us;       /* 0: not sent (by the line kept) */
    int http;              /* 0: none */
    uint16_t run;          /* the run of the line kept */
    uint16_t earlier_run;  /* with earlier != REP_NONE */
    uint8_t status;        /* final; a skipped line's "previous" accepted/rejected when it is all there is */
    uint8_t earlier;       /* the status the kept line replaced, or REP_NONE */
    uint8_t cut;           /* REP_CUT_*: an earlier run left it without an outcome */
    uint8_t pad;
} rep_order_t;

#define REP_NONE 0xff
enum { REP_CUT_NO, REP_CUT_NOT_SENT, REP_CUT_UNKNOWN, REP_CUT_SENT };

/* The results of one run (one "run" id, or every line without one). */
typedef struct rep_run {
    char id[REP_RUN_ID_LEN];
    tool_agg_t agg;
    rep_point_t *pts;
    size_t npts, cap;
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
    int want_html;         /* keep what the page needs (the points) */
    int oom;
    salvo_jbuf_t tmp, err;
    rep_order_t *ords;     /* the final state of every order, in the order first read */
    size_t nords, ocap;
    uint32_t *hash;        /* client_order_id -> ords index + 1; 0: free */
    size_t hcap;
    salvo_jbuf_t text;     /* the orders' strings */
    uint64_t merged;       /* lines of an order already read (a resume's, a rerun's) */
} tool_report_t;

/* 0 or -ENOMEM. */
int tool_report_init(tool_report_t *rp, double rate, int want_html);
/* One line of results (no line end), blank ones too (they count for
 * line numbers). A line that is not a result is counted in bad. */
void tool_report_line(tool_report_t *rp, const char *s, size_t n);
/* The report's own lines, before the runs' summaries: the date and time,
 * the unknown orders (call the broker), the notional, the counts by
 * symbol and side, over the orders' final states. Each line begins
 * "salvo report: ". Appended to out; 0 or -ENOMEM. */
int tool_report_head(const tool_report_t *rp, salvo_jbuf_t *out);
/* A kept string, and its length (NULL/0 when absent). */
const char *tool_report_str(const tool_report_t *rp, rep_str_t s, size_t *len);
/* Local time (TZ) of a Unix time in us: "2026-11-27 09:00:00.000", and the
 * zone's offset "+0800" into zone (6 bytes). */
void tool_report_time(int64_t us, char out[32], char zone[8]);
/* The indices of the orders, sorted by cmp. NULL out of memory. */
size_t *tool_report_sorted(const tool_report_t *rp, int (*cmp)(const tool_report_t *, size_t, size_t));
/* Comparisons for tool_report_sorted: by status (as
 * tool_report_status_order lists them), by symbol then side. */
int tool_report_by_status(const tool_report_t *rp, size_t a, size_t b);
int tool_report_by_pair(const tool_report_t *rp, size_t a, size_t b);
/* price x quantity of the LIMIT orders (and those of no type with a
 * price): [0] accepted (duplicate too: the broker holds it), [1] rejected,
 * [2] unknown. dec: the decimals to show them with. */
typedef struct rep_notional {
    long double sum[3];
    uint64_t n[3];
    int dec, any;
} rep_notional_t;
void tool_report_notional(const tool_report_t *rp, rep_notional_t *nt);
/* v with dec decimals and thousands separated: 2,016.50 */
void tool_report_money(char *out, size_t cap, long double v, int dec);
/* Status names in the order the report lists them: the ones to act on first. */
extern const int tool_report_status_order[];
extern const int tool_report_status_order_n;
/* Run i's summary into buf (see tool_summary_format). Its length. */
size_t tool_report_text(const tool_report_t *rp, size_t i, char *buf, size_t cap);
/* The whole page into out. 0 or -ENOMEM. source: the input's name. */
int tool_report_page(const tool_report_t *rp, const char *source, salvo_jbuf_t *out);

/* The first and last send over every run (Unix us; 0, 0 when none was sent). */
void tool_report_span(const tool_report_t *rp, int64_t *first_us, int64_t *last_us);
/* The page's opening tables (tool_report_tables.c): 0 or -ENOMEM. */
int tool_report_tables(salvo_jbuf_t *b, const tool_report_t *rp);
/* <p id=ID> the first and last send, in local time; nothing when first is 0. */
void tool_report_when(salvo_jbuf_t *b, const char *id, int64_t first, int64_t last);
void tool_report_free(tool_report_t *rp);

/* The salvo command's `report` verb: argv[0] is "report". An exit code. */
int tool_report_main(int argc, char **argv);


#endif
