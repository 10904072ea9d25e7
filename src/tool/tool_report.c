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

/* ================= one line ================= */

/* The members a line's table row shows, kept as they were written. */
enum rep_field {
    F_SEQ, F_LINE, F_ID, F_SYMBOL, F_SIDE, F_QUANTITY, F_PRICE, F_HTTP, F_ERROR, F_RESPONSE,
    F_TYPE, F_ORDER_ID, F_PREVIOUS, F_COUNT
};
static const char *const field_keys[F_COUNT] = {"seq",   "line",     "client_order_id", "symbol", "side",
                                                "quantity", "price", "http_status", "error",  "response",
                                                "type", "order_id", "previous"};

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

/* ================= the orders' final states ================= */

/* A member's text kept in rp->text (see rep_str_t): a string's value, or
 * a number's or an object's JSON text; null and absent are empty. */
static rep_str_t keep(tool_report_t *rp, const salvo_json_member_t *m, int has, size_t max)
{
    rep_str_t r = {0, 0};
    if (!has)
        return r;
    const char *s = m->value;
    size_t n = m->value_len;
    if (str_of(m, &rp->tmp) == 0) {
        s = rp->tmp.p ? rp->tmp.p : ""; /* "": never allocated */
        n = rp->tmp.len;
    } else if (n == 4 && memcmp(s, "null", 4) == 0) {
        return r;
    }
    int cut = n > max;
    if (cut) { /* at a character boundary */
        n = max;
        while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
            n--;
    }
    salvo_jbuf_t *b = &rp->text;
    if (b->len > UINT32_MAX - 3 * max - 8) { /* offsets are 32 bits: 4 GB of text is past any run */
        rp->oom = 1;
        return r;
    }
    r.off = (uint32_t)b->len;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        size_t len = 0;
        while (i + len < n && (unsigned char)s[i + len] >= 0x20 && (unsigned char)s[i + len] < 0x7f)
            len++; /* printable ASCII, the most of it: at once */
        if (len) {
            salvo_jbuf_raw(b, s + i, len);
            i += len - 1;
        } else if (c >= 0x80) { /* a number's or an object's raw bytes are not checked yet */
            if ((len = salvo_utf8_seq_len(s + i, n - i)) > 0) {
                salvo_jbuf_raw(b, s + i, len);
                i += len - 1;
            } else {
                salvo_jbuf_cstr(b, "\xef\xbf\xbd");
            }
        } else {
            char ch = c < 0x20 || c == 0x7f ? ' ' : (char)c;
            salvo_jbuf_raw(b, &ch, 1);
        }
    }
    if (cut)
        salvo_jbuf_cstr(b, "\xe2\x80\xa6"); /* ... */
    if (b->oom) {
        rp->oom = 1;
        return (rep_str_t){0, 0};
    }
    r.len = (uint32_t)(b->len - r.off);
    return r;
}

const char *tool_report_str(const tool_report_t *rp, rep_str_t s, size_t *len)
{
    *len = s.len;
    return s.len ? rp->text.p + s.off : "";
}

static uint32_t hash_of(const char *s, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h;
}

/* The slot for id in rp->hash: its order's, or the free one it would take. */
static size_t slot_of(const tool_report_t *rp, const char *id, size_t n)
{
    size_t i = hash_of(id, n) & (rp->hcap - 1);
    for (;; i = (i + 1) & (rp->hcap - 1)) {
        uint32_t k = rp->hash[i];
        if (k == 0)
            return i;
        const rep_order_t *o = &rp->ords[k - 1];
        if (o->s[O_ID].len == n && memcmp(rp->text.p + o->s[O_ID].off, id, n) == 0)
            return i;
    }
}

static int grow(tool_report_t *rp)
{
    if (rp->nords == rp->ocap) {
        size_t cap = rp->ocap ? rp->ocap * 2 : 1024;
        rep_order_t *p = cap < UINT32_MAX ? realloc(rp->ords, cap * sizeof *p) : NULL;
        if (p == NULL)
            return -1;
        rp->ords = p;
        rp->ocap = cap;
    }
    if ((rp->nords + 1) * 2 > rp->hcap) { /* at most half full */
        size_t cap = rp->hcap ? rp->hcap * 2 : 2048;
        uint32_t *h = calloc(cap, sizeof *h);
        if (h == NULL)
            return -1;
        free(rp->hash);
        rp->hash = h;
        rp->hcap = cap;
        for (size_t k = 0; k < rp->nords; k++) {
            const rep_order_t *o = &rp->ords[k];
            if (o->s[O_ID].len)
                rp->hash[slot_of(rp, rp->text.p + o->s[O_ID].off, o->s[O_ID].len)] = (uint32_t)k + 1;
        }
    }
    return 0;
}

/* What a later line says of an order: passive, it did not send it (the
 * earlier line stands); an earlier unknown is settled only by an answer
 * of the broker (a later failed or not_sent leaves it possibly there). */
static int replaces(int earlier, int later)
{
    int passive = later == SALVO_NOT_SENT || later == SALVO_SKIPPED || later == SALVO_DRY_RUN;
    if (passive)
        return earlier == SALVO_NOT_SENT || earlier == SALVO_SKIPPED || earlier == SALVO_DRY_RUN;
    if (earlier == SALVO_UNKNOWN)
        return later == SALVO_ACCEPTED || later == SALVO_DUPLICATE || later == SALVO_REJECTED || later == SALVO_UNKNOWN;
    return 1;
}

static void fill(tool_report_t *rp, rep_order_t *o, const rep_line_t *L, size_t run)
{
    static const struct {
        int o, f;
        size_t max; /* bytes kept */
    } fs[] = {{O_SYMBOL, F_SYMBOL, 40}, {O_SIDE, F_SIDE, 8},        {O_QTY, F_QUANTITY, 24},
              {O_PRICE, F_PRICE, 24},   {O_TYPE, F_TYPE, 12},       {O_ORDER_ID, F_ORDER_ID, 80},
              {O_SEQ, F_SEQ, 24},       {O_LINE, F_LINE, 24}};
    for (size_t i = 0; i < sizeof fs / sizeof fs[0]; i++)
        o->s[fs[i].o] = keep(rp, &L->f[fs[i].f], L->has[fs[i].f], fs[i].max);
    int why = L->has[F_ERROR] ? F_ERROR : F_RESPONSE;
    o->s[O_WHY] = keep(rp, &L->f[why], L->has[why], 300);
    o->sent_us = L->rec.sent_at_us;
    o->http = L->rec.http_status;
    o->run = (uint16_t)run;
    o->status = (uint8_t)L->rec.status;
}

/* The journal's word for an order, in a resume's line: 'a'ccepted,
 * 'r'ejected, 's'ent (or unknown: an earlier run had no outcome), 0. */
static int previous_of(const rep_line_t *L, salvo_jbuf_t *tmp)
{
    if (!L->has[F_PREVIOUS] || str_of(&L->f[F_PREVIOUS], tmp) != 0 || tmp->len == 0)
        return 0;
    if (tmp->len == 8 && memcmp(tmp->p, "accepted", 8) == 0)
        return 'a';
    if (tmp->len == 8 && memcmp(tmp->p, "rejected", 8) == 0)
        return 'r';
    if ((tmp->len == 4 && memcmp(tmp->p, "sent", 4) == 0) || (tmp->len == 7 && memcmp(tmp->p, "unknown", 7) == 0))
        return 's';
    return 0;
}

static void keep_order(tool_report_t *rp, const rep_line_t *L, size_t run)
{
    int prev = previous_of(L, &rp->tmp);
    if (grow(rp) < 0) {
        rp->oom = 1;
        return;
    }
    rep_str_t id = keep(rp, &L->f[F_ID], L->has[F_ID], 80);
    size_t slot = 0;
    rep_order_t *o = NULL;
    if (id.len) {
        slot = slot_of(rp, rp->text.p + id.off, id.len);
        if (rp->hash[slot]) {
            o = &rp->ords[rp->hash[slot] - 1];
            rp->text.len = id.off; /* known: its text once is enough */
            id = o->s[O_ID];
        }
    }
    if (o == NULL) { /* the first line of this order */
        o = &rp->ords[rp->nords];
        memset(o, 0, sizeof *o);
        o->earlier = REP_NONE;
        o->s[O_ID] = id;
        fill(rp, o, L, run);
        if (L->rec.status == SALVO_SKIPPED && (prev == 'a' || prev == 'r'))
            o->status = prev == 'a' ? SALVO_ACCEPTED : SALVO_REJECTED; /* by a run not read */
        o->cut = prev == 's' ? REP_CUT_SENT : REP_CUT_NO;
        if (id.len)
            rp->hash[slot] = (uint32_t)rp->nords + 1;
        rp->nords++;
        return;
    }
    rp->merged++;
    if (!replaces(o->status, L->rec.status))
        return;
    int earlier = o->status;
    size_t earlier_run = o->run;
    fill(rp, o, L, run);
    o->earlier = (uint8_t)earlier;
    o->earlier_run = (uint16_t)earlier_run;
    if (earlier == SALVO_NOT_SENT)
        o->cut = REP_CUT_NOT_SENT;
    else if (earlier == SALVO_UNKNOWN)
        o->cut = REP_CUT_UNKNOWN;
    else if (prev == 's')
        o->cut = REP_CUT_SENT;
    else
        o->cut = REP_CUT_NO;
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
    keep_order(rp, &L, (size_t)(run - rp->runs));
    if (!rp->want_html || rp->oom)
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
    for (size_t i = 0; rp->runs && i < rp->nruns; i++)
        free(rp->runs[i].pts);
    free(rp->runs);
    free(rp->ords);
    free(rp->hash);
    salvo_jbuf_free(&rp->text);
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
