/* salvo report's own lines, over the orders' final states (tool_report.c
 * keeps them): when the orders went, the unknown ones to call the broker
 * about, the notional, the counts by symbol and side. The page draws the
 * same from the same helpers (tool_report_html.c). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "tool_report.h"

const int tool_report_status_order[] = {SALVO_UNKNOWN,  SALVO_REJECTED, SALVO_FAILED,    SALVO_NOT_SENT, SALVO_SKIPPED,
                                        SALVO_INVALID, SALVO_DUPLICATE, SALVO_ACCEPTED, SALVO_DRY_RUN};
const int tool_report_status_order_n = sizeof tool_report_status_order / sizeof tool_report_status_order[0];

void tool_report_time(int64_t us, char out[32], char zone[8])
{
    time_t t = (time_t)(us >= 0 ? us / 1000000 : (us - 999999) / 1000000);
    int ms = (int)((us - (int64_t)t * 1000000) / 1000);
    struct tm tm;
    tzset();
    if (localtime_r(&t, &tm) == NULL) {
        snprintf(out, 32, "?");
        snprintf(zone, 8, "?");
        return;
    }
    char s[24];
    strftime(s, sizeof s, "%Y-%m-%d %H:%M:%S", &tm);
    snprintf(out, 32, "%s.%03d", s, ms);
    if (strftime(zone, 8, "%z", &tm) == 0)
        snprintf(zone, 8, "?");
}

/* ---- sorting by a comparison that needs the report: a merge sort ---- */
typedef int (*ord_cmp_t)(const tool_report_t *, size_t, size_t);

static void msort(const tool_report_t *rp, ord_cmp_t cmp, size_t *a, size_t *tmp, size_t n)
{
    if (n < 2)
        return;
    size_t h = n / 2;
    msort(rp, cmp, a, tmp, h);
    msort(rp, cmp, a + h, tmp, n - h);
    size_t i = 0, j = h, k = 0;
    while (i < h && j < n)
        tmp[k++] = cmp(rp, a[j], a[i]) < 0 ? a[j++] : a[i++]; /* stable: ties keep the first read first */
    while (i < h)
        tmp[k++] = a[i++];
    while (j < n)
        tmp[k++] = a[j++];
    memcpy(a, tmp, n * sizeof *a);
}

size_t *tool_report_sorted(const tool_report_t *rp, ord_cmp_t cmp)
{
    size_t n = rp->nords;
    size_t *a = malloc((n ? n : 1) * sizeof *a), *tmp = malloc((n ? n : 1) * sizeof *tmp);
    if (a == NULL || tmp == NULL) {
        free(a);
        free(tmp);
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        a[i] = i;
    msort(rp, cmp, a, tmp, n);
    free(tmp);
    return a;
}

/* ---- what the lines say ---- */

static void put_str(salvo_jbuf_t *b, const tool_report_t *rp, rep_str_t s, const char *none)
{
    size_t n;
    const char *p = tool_report_str(rp, s, &n);
    if (n)
        salvo_jbuf_raw(b, p, n);
    else
        salvo_jbuf_cstr(b, none);
}

static int status_rank(int st)
{
    for (int i = 0; i < tool_report_status_order_n; i++)
        if (tool_report_status_order[i] == st)
            return i;
    return tool_report_status_order_n;
}

static int str_cmp(const tool_report_t *rp, rep_str_t x, rep_str_t y)
{
    size_t n = x.len < y.len ? x.len : y.len;
    int c = n ? memcmp(rp->text.p + x.off, rp->text.p + y.off, n) : 0;
    return c ? c : (x.len > y.len) - (x.len < y.len);
}

static int by_symbol_side(const tool_report_t *rp, size_t a, size_t b)
{
    int c = str_cmp(rp, rp->ords[a].s[O_SYMBOL], rp->ords[b].s[O_SYMBOL]);
    return c ? c : str_cmp(rp, rp->ords[a].s[O_SIDE], rp->ords[b].s[O_SIDE]);
}

int tool_report_by_status(const tool_report_t *rp, size_t a, size_t b)
{
    return status_rank(rp->ords[a].status) - status_rank(rp->ords[b].status);
}

int tool_report_by_pair(const tool_report_t *rp, size_t a, size_t b) { return by_symbol_side(rp, a, b); }

/* A positive decimal of the kept string s; 0 when it is not one. The
 * digits after the point, in *dec. */
static long double decimal_of(const tool_report_t *rp, rep_str_t s, int *dec)
{
    char buf[32];
    size_t n;
    const char *p = tool_report_str(rp, s, &n);
    if (n == 0 || n >= sizeof buf)
        return 0;
    memcpy(buf, p, n);
    buf[n] = '\0';
    for (size_t i = 0; i < n; i++)
        if (!((buf[i] >= '0' && buf[i] <= '9') || buf[i] == '.'))
            return 0;
    const char *dot = strchr(buf, '.');
    *dec = dot ? (int)(n - (size_t)(dot - buf) - 1) : 0;
    long double v = strtold(buf, NULL);
    return isfinite(v) && v > 0 ? v : 0;
}

void tool_report_notional(const tool_report_t *rp, rep_notional_t *nt)
{
    memset(nt, 0, sizeof *nt);
    nt->dec = 2;
    for (size_t i = 0; i < rp->nords; i++) {
        const rep_order_t *o = &rp->ords[i];
        size_t tn;
        const char *type = tool_report_str(rp, o->s[O_TYPE], &tn);
        if (tn && !(tn == 5 && strncasecmp(type, "LIMIT", 5) == 0))
            continue; /* a MARKET order has no price to count */
        int dp = 0, dq = 0;
        long double v = decimal_of(rp, o->s[O_PRICE], &dp) * decimal_of(rp, o->s[O_QTY], &dq);
        if (!(v > 0))
            continue;
        int k = o->status == SALVO_ACCEPTED || o->status == SALVO_DUPLICATE ? 0
                : o->status == SALVO_REJECTED                              ? 1
                : o->status == SALVO_UNKNOWN                               ? 2
                                                                           : -1;
        if (k < 0)
            continue;
        nt->sum[k] += v;
        nt->n[k]++;
        nt->any = 1;
        if (dp + dq > nt->dec)
            nt->dec = dp + dq > 8 ? 8 : dp + dq;
    }
}

void tool_report_money(char *out, size_t cap, long double v, int dec)
{
    char s[80];
    snprintf(s, sizeof s, "%.*Lf", dec, v);
    const char *dot = strchr(s, '.');
    size_t ilen = dot ? (size_t)(dot - s) : strlen(s), k = 0;
    for (size_t i = 0; i < ilen && k + 2 < cap; i++) {
        if (i && (ilen - i) % 3 == 0)
            out[k++] = ',';
        out[k++] = s[i];
    }
    snprintf(out + k, cap - k, "%s", s + ilen);
}

/* ---- the lines ---- */

void tool_report_span(const tool_report_t *rp, int64_t *first_us, int64_t *last_us)
{
    int64_t first = 0, last = 0;
    for (size_t i = 0; i < rp->nruns; i++) {
        const tool_agg_t *g = &rp->runs[i].agg;
        if (!g->sent)
            continue;
        if (!first || g->first_sent_us < first)
            first = g->first_sent_us;
        if (g->last_sent_us > last)
            last = g->last_sent_us;
    }
    *first_us = first;
    *last_us = last;
}

static void when_line(salvo_jbuf_t *b, const tool_report_t *rp)
{
    uint64_t orders = rp->nords;
    int64_t first, last;
    tool_report_span(rp, &first, &last);
    salvo_jbuf_cstr(b, "salvo report: ");
    size_t named = 0;
    for (size_t i = 0; i < rp->nruns; i++)
        named += rp->runs[i].id[0] != '\0';
    if (named) {
        salvo_jbuf_cstr(b, rp->nruns == 1 ? "run " : "runs ");
        for (size_t i = 0, shown = 0; i < rp->nruns; i++) {
            if (shown == 8) {
                salvo_jbuf_printf(b, " and %zu more", rp->nruns - shown);
                break;
            }
            salvo_jbuf_printf(b, "%s%s", shown ? ", " : "", rp->runs[i].id[0] ? rp->runs[i].id : "(no run id)");
            shown++;
        }
        salvo_jbuf_cstr(b, ": ");
    }
    salvo_jbuf_printf(b, "%llu order%s", (unsigned long long)orders, orders == 1 ? "" : "s");
    if (first) {
        char t0[32], t1[32], z0[8], z1[8];
        tool_report_time(first, t0, z0);
        tool_report_time(last, t1, z1);
        if (strcmp(z0, z1) == 0)
            salvo_jbuf_printf(b, ", sent %s to %s (%s)\n", t0, t1, z0);
        else
            salvo_jbuf_printf(b, ", sent %s %s to %s %s\n", t0, z0, t1, z1);
    } else {
        salvo_jbuf_cstr(b, ", none sent\n");
    }
    uint64_t later = 0, cut = 0;
    for (size_t i = 0; i < rp->nords; i++) {
        later += rp->ords[i].earlier != REP_NONE || rp->ords[i].cut != REP_CUT_NO;
        cut += rp->ords[i].cut != REP_CUT_NO;
    }
    if (rp->merged || later)
        salvo_jbuf_printf(b,
                          "salvo report: one final state per order (by client_order_id, the later run winning): "
                          "%llu finished by a later run, %llu of them cut short by an earlier one\n",
                          (unsigned long long)later, (unsigned long long)cut);
}

static void call_line(salvo_jbuf_t *b, const tool_report_t *rp, const rep_order_t *o)
{
    salvo_jbuf_cstr(b, "salvo report:   ");
    put_str(b, rp, o->s[O_ID], "(no client_order_id)");
    salvo_jbuf_cstr(b, " (broker order id: ");
    put_str(b, rp, o->s[O_ORDER_ID], "none");
    salvo_jbuf_cstr(b, ") ");
    put_str(b, rp, o->s[O_SYMBOL], "-");
    salvo_jbuf_cstr(b, " ");
    put_str(b, rp, o->s[O_SIDE], "-");
    salvo_jbuf_cstr(b, " ");
    put_str(b, rp, o->s[O_QTY], "-");
    if (o->s[O_PRICE].len) {
        salvo_jbuf_cstr(b, " @ ");
        put_str(b, rp, o->s[O_PRICE], "");
    }
    if (o->sent_us) {
        char t[32], z[8];
        tool_report_time(o->sent_us, t, z);
        salvo_jbuf_printf(b, ", sent %s", t);
    } else {
        salvo_jbuf_cstr(b, ", not sent by this run");
    }
    if (o->http)
        salvo_jbuf_printf(b, ", HTTP %d", o->http);
    else
        salvo_jbuf_cstr(b, ", no HTTP status");
    if (rp->runs[o->run].id[0])
        salvo_jbuf_printf(b, ", run %s", rp->runs[o->run].id);
    if (o->s[O_WHY].len) {
        salvo_jbuf_cstr(b, ": ");
        put_str(b, rp, o->s[O_WHY], "");
    }
    salvo_jbuf_cstr(b, "\n");
}

static void notional_line(salvo_jbuf_t *b, const tool_report_t *rp)
{
    rep_notional_t nt;
    tool_report_notional(rp, &nt);
    if (!nt.any) {
        salvo_jbuf_cstr(b, "salvo report: notional: no LIMIT order with a price was accepted, rejected or unknown\n");
        return;
    }
    char m[3][96];
    for (int k = 0; k < 3; k++)
        tool_report_money(m[k], sizeof m[k], nt.sum[k], nt.dec);
    salvo_jbuf_printf(b,
                      "salvo report: notional (price x quantity, LIMIT orders): accepted %s (%llu order%s), "
                      "rejected %s (%llu)",
                      m[0], (unsigned long long)nt.n[0], nt.n[0] == 1 ? "" : "s", m[1], (unsigned long long)nt.n[1]);
    if (nt.n[2])
        salvo_jbuf_printf(b, ", unknown %s (%llu)", m[2], (unsigned long long)nt.n[2]);
    salvo_jbuf_cstr(b, "\n");
}

static int pairs_lines(salvo_jbuf_t *b, const tool_report_t *rp)
{
    size_t *ix = tool_report_sorted(rp, by_symbol_side);
    if (ix == NULL)
        return -ENOMEM;
    salvo_jbuf_cstr(b, "salvo report: by symbol and side:\n");
    size_t pairs = 0;
    for (size_t i = 0; i < rp->nords;) {
        uint64_t count[SALVO_STATUS_COUNT] = {0}, n = 0;
        size_t j = i;
        for (; j < rp->nords && by_symbol_side(rp, ix[i], ix[j]) == 0; j++, n++)
            count[rp->ords[ix[j]].status]++;
        if (pairs++ < REP_PAIRS_TEXT) {
            const rep_order_t *o = &rp->ords[ix[i]];
            salvo_jbuf_cstr(b, "salvo report:   ");
            put_str(b, rp, o->s[O_SYMBOL], "-");
            salvo_jbuf_cstr(b, " ");
            put_str(b, rp, o->s[O_SIDE], "-");
            salvo_jbuf_printf(b, ": %llu order%s:", (unsigned long long)n, n == 1 ? "" : "s");
            for (int st = 0, k = 0; st < SALVO_STATUS_COUNT; st++)
                if (count[st])
                    salvo_jbuf_printf(b, "%s %llu %s", k++ ? "," : "", (unsigned long long)count[st],
                                      salvo_status_name(st));
            salvo_jbuf_cstr(b, "\n");
        }
        i = j;
    }
    if (pairs > REP_PAIRS_TEXT)
        salvo_jbuf_printf(b, "salvo report:   and %zu more (symbol, side) pairs (the page lists %d)\n",
                          pairs - REP_PAIRS_TEXT, REP_PAIRS_PAGE);
    free(ix);
    return 0;
}

int tool_report_head(const tool_report_t *rp, salvo_jbuf_t *b)
{
    if (rp->nruns == 0)
        return 0;
    when_line(b, rp);
    uint64_t unknown = 0, listed = 0;
    for (size_t i = 0; i < rp->nords; i++)
        unknown += rp->ords[i].status == SALVO_UNKNOWN;
    if (unknown == 0)
        salvo_jbuf_cstr(b, "salvo report: no unknown order: none to call the broker about\n");
    else
        salvo_jbuf_printf(b, "salvo report: call the broker: %llu unknown order%s, which may be at the broker:\n",
                          (unsigned long long)unknown, unknown == 1 ? "" : "s");
    for (size_t i = 0; i < rp->nords && listed < REP_TEXT_MAX; i++)
        if (rp->ords[i].status == SALVO_UNKNOWN) {
            call_line(b, rp, &rp->ords[i]);
            listed++;
        }
    if (unknown > listed)
        salvo_jbuf_printf(b, "salvo report:   and %llu more (the page lists %d)\n",
                          (unsigned long long)(unknown - listed), REP_TABLE_MAX);
    notional_line(b, rp);
    if (pairs_lines(b, rp) < 0)
        return -ENOMEM;
    return b->oom ? -ENOMEM : 0;
}
