/* salvo report's reading: result lines back into one aggregate per run
 * (the summary the run printed, tool_summary.c) and what the page needs
 * (tool_report_html.c). The verb itself is tool_report_main.c. */
#include "tool_report.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jsonscan.h"
#include "parse.h"
#include "utf8.h"

/* The HTML for one byte of text (or NULL: the byte as it is). */
static const char *html_entity(unsigned char c)
{
    switch (c) {
    case '&': return "&amp;";
    case '<': return "&lt;";
    case '>': return "&gt;";
    case '"': return "&quot;";
    case '\'': return "&#39;";
    default: return c < 0x20 || c == 0x7f ? " " : NULL;
    }
}

void tool_html_escape(salvo_jbuf_t *b, const char *s, size_t n)
{
    size_t from = 0;
    for (size_t i = 0; i < n; i++) {
        const char *rep;
        if ((unsigned char)s[i] >= 0x80) {
            size_t len = salvo_utf8_seq_len(s + i, n - i);
            if (len > 0) { /* a whole character, kept */
                i += len - 1;
                continue;
            }
            rep = "\xef\xbf\xbd"; /* not UTF-8: U+FFFD, what a browser would show */
        } else if ((rep = html_entity((unsigned char)s[i])) == NULL) {
            continue;
        }
        salvo_jbuf_raw(b, s + from, i - from);
        salvo_jbuf_cstr(b, rep);
        from = i + 1;
    }
    salvo_jbuf_raw(b, s + from, n - from);
}

/* ================= one line ================= */

/* The members a line's table row shows, kept as they were written. */
enum rep_field { F_SEQ, F_LINE, F_ID, F_SYMBOL, F_SIDE, F_QUANTITY, F_PRICE, F_HTTP, F_ERROR, F_RESPONSE, F_COUNT };
static const char *const field_keys[F_COUNT] = {"seq",   "line",  "client_order_id", "symbol", "side",
                                                "quantity", "price", "http_status", "error", "response"};

/* What a line says, as spans into the line or into tmp. */
typedef struct rep_line {
    tool_rec_t rec;
    int has_status;
    const char *run;
    size_t run_len;
    salvo_json_member_t f[F_COUNT];
    unsigned char has[F_COUNT];
} rep_line_t;

static int key_is(const salvo_json_member_t *m, const char *k)
{
    return m->key_len == strlen(k) && memcmp(m->key, k, m->key_len) == 0;
}

/* Which of the kept members m is, or -1. */
static int field_of(const salvo_json_member_t *m)
{
    for (int k = 0; k < F_COUNT; k++)
        if (key_is(m, field_keys[k]))
            return k;
    return -1;
}

/* A JSON number within [lo, hi]; -1 otherwise. The ranges are what a run
 * can write, so any value kept converts to an integer type and the sums
 * made of them cannot overflow. */
static int num_in(const salvo_json_member_t *m, double lo, double hi, double *out)
{
    char buf[64];
    if (m->value_len == 0 || m->value_len >= sizeof buf || salvo_json_number_len(m->value, m->value_len) != m->value_len)
        return -1;
    memcpy(buf, m->value, m->value_len);
    buf[m->value_len] = '\0';
    *out = strtod(buf, NULL);
    return *out >= lo && *out <= hi ? 0 : -1; /* false for NaN too */
}

/* A day in ms: no latency or --at offset salvo writes comes near. */
#define REP_MS_MAX 86400e3

/* The string value unescaped into b (reset first), as UTF-8: what is not
 * (a raw byte, a lone surrogate) reads as U+FFFD, so neither the page nor
 * the summary carries it on. 0, or -1 when not a string. */
static int str_of(const salvo_json_member_t *m, salvo_jbuf_t *b)
{
    b->len = 0;
    if (m->value_len < 2 || m->value[0] != '"')
        return -1;
    salvo_json_unescape_lossy(b, m->value + 1, m->value_len - 2);
    return b->oom ? -1 : 0;
}

static int status_of(const char *s, size_t n)
{
    for (int i = 0; i < SALVO_STATUS_COUNT; i++)
        if (strlen(salvo_status_name(i)) == n && memcmp(salvo_status_name(i), s, n) == 0)
            return i;
    return -1;
}

/* 0, or -1 when the line is not a salvo result. tmp holds the error text. */
static int parse_line(const char *s, size_t n, rep_line_t *L, salvo_jbuf_t *tmp, salvo_jbuf_t *err)
{
    memset(L, 0, sizeof *L);
    L->rec.latency_us = -1; /* until a latency_ms is read (null: never answered) */
    size_t pos = 0;
    if (salvo_json_object_open(s, n, &pos) < 0)
        return -1;
    salvo_json_member_t m;
    int r, k;
    double d;
    while ((r = salvo_json_object_next(s, n, &pos, &m)) == 1) {
        if (key_is(&m, "status")) {
            if (m.value_len < 2 || m.value[0] != '"' || (L->rec.status = status_of(m.value + 1, m.value_len - 2)) < 0)
                return -1;
            L->has_status = 1;
        } else if (key_is(&m, "run") && m.value_len >= 2 && m.value[0] == '"') {
            L->run = m.value + 1;
            L->run_len = m.value_len - 2;
        } else if (key_is(&m, "attempts")) {
            if (num_in(&m, 0, 1e6, &d) == 0)
                L->rec.attempts = (unsigned)d;
        } else if (key_is(&m, "worker")) {
            L->rec.by_worker = num_in(&m, 1, 1e6, &d) == 0;
        } else if (key_is(&m, "latency_ms")) {
            if (num_in(&m, 0, REP_MS_MAX, &d) == 0)
                L->rec.latency_us = llround(d * 1000.0);
        } else if (key_is(&m, "at_offset_ms")) {
            if (num_in(&m, -REP_MS_MAX, REP_MS_MAX, &d) == 0) {
                L->rec.has_at = 1;
                L->rec.at_offset_us = llround(d * 1000.0);
            }
        } else if (key_is(&m, "sent_at")) {
            int64_t us; /* a time out of range is no time, as numbers are */
            if (str_of(&m, tmp) == 0)
                L->rec.sent_at_us = salvo_parse_utc_us(tmp->p, tmp->len, &us) == 0 ? us : 0;
        } else if ((k = field_of(&m)) >= 0) {
            L->f[k] = m;
            L->has[k] = 1;
            if (k == F_HTTP && num_in(&m, 0, 999, &d) == 0)
                L->rec.http_status = (int)d;
        }
    }
    if (r < 0 || !L->has_status || salvo_json_skip_ws(s, n, pos) != n)
        return -1;
    /* after the walk: a key given twice must not leave a pointer into a
     * buffer its second value moved */
    if (L->has[F_ERROR] && str_of(&L->f[F_ERROR], err) == 0) {
        L->rec.error = err->p;
        L->rec.error_len = err->len;
    }
    if (L->rec.attempts == 0)
        L->rec.sent_at_us = 0;
    return 0;
}

/* ================= runs ================= */


/* A line's run id as the report shows it: unescaped, UTF-8 (U+FFFD for
 * what is not), control bytes as spaces, cut whole to fit id[]. tmp is
 * scratch. */
static void run_id_of(const rep_line_t *L, salvo_jbuf_t *tmp, char id[REP_RUN_ID_LEN])
{
    tmp->len = 0;
    if (L->run)
        salvo_json_unescape_lossy(tmp, L->run, L->run_len);
    size_t n = tmp->oom ? 0 : tmp->len;
    if (n >= REP_RUN_ID_LEN) { /* at a character boundary */
        n = REP_RUN_ID_LEN - 1;
        while (n > 0 && ((unsigned char)tmp->p[n] & 0xc0) == 0x80)
            n--;
    }
    for (size_t i = 0; i < n; i++)
        id[i] = (unsigned char)tmp->p[i] < 0x20 || tmp->p[i] == 0x7f ? ' ' : tmp->p[i];
    id[n] = '\0';
}

static rep_run_t *run_for(tool_report_t *rp, const char *id)
{
    size_t len = strlen(id);
    for (size_t i = 0; i < rp->nruns; i++)
        if (strlen(rp->runs[i].id) == len && memcmp(rp->runs[i].id, id, len) == 0)
            return &rp->runs[i];
    if (rp->nruns == REP_RUNS_MAX) {
        rp->runs_over++;
        return &rp->runs[REP_RUNS_MAX - 1];
    }
    rep_run_t *r = &rp->runs[rp->nruns++];
    memset(r, 0, sizeof *r);
    memcpy(r->id, id, len);
    r->id[len] = '\0';
    tool_agg_init(&r->agg);
    r->agg.target_rate = rp->rate;
    memcpy(r->agg.run, r->id, sizeof r->agg.run);
    return r;
}

/* A cell: the string's text, or a number's, escaped; cut at max bytes. */
static void cell(salvo_jbuf_t *b, const salvo_json_member_t *m, int has, salvo_jbuf_t *tmp, size_t max)
{
    salvo_jbuf_raw(b, "<td>", 4);
    if (has) {
        const char *s = m->value;
        size_t n = m->value_len;
        if (str_of(m, tmp) == 0) {
            s = tmp->p ? tmp->p : ""; /* "": never allocated */
            n = tmp->len;
        }
        if (n > max) { /* at a character boundary */
            n = max;
            while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
                n--;
            tool_html_escape(b, s, n);
            salvo_jbuf_cstr(b, "&hellip;");
        } else {
            tool_html_escape(b, s, n);
        }
    }
    salvo_jbuf_raw(b, "</td>", 5);
}

static void add_row(rep_run_t *run, const rep_line_t *L, salvo_jbuf_t *tmp)
{
    if (run->nrows >= REP_TABLE_MAX) {
        run->rows_more++;
        return;
    }
    salvo_jbuf_t *b = &run->rows;
    salvo_jbuf_printf(b, "<tr data-status=\"%s\">", salvo_status_name(L->rec.status));
    static const struct {
        int f;
        size_t max; /* bytes shown */
    } before[] = {{F_SEQ, 24}, {F_LINE, 24}, {F_ID, 80}, {F_SYMBOL, 40}, {F_SIDE, 8}, {F_QUANTITY, 24}, {F_PRICE, 24}};
    for (size_t i = 0; i < sizeof before / sizeof before[0]; i++)
        cell(b, &L->f[before[i].f], L->has[before[i].f], tmp, before[i].max);
    salvo_jbuf_printf(b, "<td><i class=\"sw st-%s\"></i>%s</td>", salvo_status_name(L->rec.status),
                      salvo_status_name(L->rec.status));
    cell(b, &L->f[F_HTTP], L->has[F_HTTP], tmp, 8);
    int why = L->has[F_ERROR] ? F_ERROR : F_RESPONSE;
    cell(b, &L->f[why], L->has[why], tmp, 300);
    salvo_jbuf_raw(b, "</tr>\n", 6);
    run->nrows++;
}

void tool_report_line(tool_report_t *rp, const char *s, size_t n)
{
    rep_line_t L;
    salvo_jbuf_t *tmp = &rp->tmp, *err = &rp->err;
    rp->lineno++;
    if (rp->oom || n == 0 || salvo_json_skip_ws(s, n, 0) == n)
        return;
    rp->lines++;
    if (parse_line(s, n, &L, tmp, err) < 0) {
        if (tmp->oom || err->oom)
            rp->oom = 1;
        else if (rp->bad++ == 0)
            rp->first_bad = rp->lineno;
        return;
    }
    char id[REP_RUN_ID_LEN];
    run_id_of(&L, tmp, id);
    rep_run_t *run = run_for(rp, id);
    tool_agg_add(&run->agg, &L.rec);
    if (L.rec.has_at && L.rec.sent_at_us && !run->at_unix_us)
        run->at_unix_us = L.rec.sent_at_us - L.rec.at_offset_us;
    if (!rp->want_html)
        return;
    if (L.rec.sent_at_us) {
        if (run->npts == run->cap) {
            size_t cap = run->cap ? run->cap * 2 : 1024;
            rep_point_t *p = realloc(run->pts, cap * sizeof *p);
            if (p == NULL) {
                rp->oom = 1;
                return;
            }
            run->pts = p;
            run->cap = cap;
        }
        run->pts[run->npts++] = (rep_point_t){L.rec.sent_at_us, L.rec.latency_us, L.rec.status};
    }
    if (L.rec.status != SALVO_ACCEPTED && L.rec.status != SALVO_DUPLICATE && L.rec.status != SALVO_DRY_RUN) {
        add_row(run, &L, tmp);
        if (run->rows.oom)
            rp->oom = 1;
    }
}

int tool_report_init(tool_report_t *rp, double rate, int want_html)
{
    memset(rp, 0, sizeof *rp);
    rp->rate = rate;
    rp->want_html = want_html;
    rp->runs = calloc(REP_RUNS_MAX, sizeof *rp->runs);
    return rp->runs ? 0 : -ENOMEM;
}

void tool_report_free(tool_report_t *rp)
{
    for (size_t i = 0; rp->runs && i < rp->nruns; i++) {
        free(rp->runs[i].pts);
        salvo_jbuf_free(&rp->runs[i].rows);
    }
    free(rp->runs);
    salvo_jbuf_free(&rp->tmp);
    salvo_jbuf_free(&rp->err);
    memset(rp, 0, sizeof *rp);
}

size_t tool_report_text(const tool_report_t *rp, size_t i, char *buf, size_t cap)
{
    size_t n = 0;
    if (cap == 0)
        return 0;
    if (rp->nruns > 1 && !rp->runs[i].id[0]) {
        int k = snprintf(buf, cap, "salvo: lines without a run id\n");
        n = k < 0 ? 0 : (size_t)k >= cap ? cap - 1 : (size_t)k;
    }
    return n + tool_summary_format(&rp->runs[i].agg, NULL, buf + n, cap - n);
}
