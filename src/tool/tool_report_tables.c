/* salvo report --html: the tables that open the page, from the orders'
 * final states (tool_report_orders.c): the orders to call the broker
 * about, those a later run finished, notional, symbol and side, and the
 * orders not accepted. Split from tool_report_html.c, which draws the charts. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tool_report.h"
#include "tool_svg.h"

/* ---- the orders' final states: the tables first on the page ---- */

#define DASH "\xe2\x80\x94" /* an absent value */

static void td_str(salvo_jbuf_t *b, const tool_report_t *rp, rep_str_t v)
{
    size_t n;
    const char *p = tool_report_str(rp, v, &n);
    salvo_jbuf_cstr(b, "<td>");
    if (n)
        tool_html_escape(b, p, n);
    else
        salvo_jbuf_cstr(b, DASH);
    salvo_jbuf_cstr(b, "</td>");
}

static void td_status(salvo_jbuf_t *b, int st)
{
    salvo_jbuf_printf(b, "<td><i class=\"sw st-%s\"></i>%s</td>", salvo_status_name(st), salvo_status_name(st));
}

static void td_http(salvo_jbuf_t *b, const rep_order_t *o)
{
    if (o->http)
        salvo_jbuf_printf(b, "<td>%d</td>", o->http);
    else
        salvo_jbuf_cstr(b, "<td>" DASH "</td>");
}

static void td_run(salvo_jbuf_t *b, const tool_report_t *rp, size_t run)
{
    salvo_jbuf_cstr(b, "<td>");
    if (rp->runs[run].id[0])
        tool_html_str(b, rp->runs[run].id);
    else
        salvo_jbuf_cstr(b, DASH);
    salvo_jbuf_cstr(b, "</td>");
}

static void td_time(salvo_jbuf_t *b, int64_t us)
{
    char t[32], z[8];
    if (us == 0) {
        salvo_jbuf_cstr(b, "<td>" DASH "</td>");
        return;
    }
    tool_report_time(us, t, z);
    salvo_jbuf_printf(b, "<td>%s</td>", t);
}

/* "Name (N)", then the table's opening, or a sentence when it would have no rows. */
static void table_open(salvo_jbuf_t *b, const char *id, uint64_t rows, uint64_t total, const char *heads)
{
    salvo_jbuf_printf(b, "<table class=\"orders\" id=\"%s\" data-rows=\"%llu\" data-total=\"%llu\"><tr>%s</tr>\n", id,
                      (unsigned long long)rows, (unsigned long long)total, heads);
}

static void more_rows(salvo_jbuf_t *b, uint64_t more, const char *jq)
{
    if (more)
        salvo_jbuf_printf(b, "<p>%llu more not shown; <code>%s</code> lists them all.</p>\n", (unsigned long long)more,
                          jq);
}

void tool_report_when(salvo_jbuf_t *b, const char *id, int64_t first, int64_t last)
{
    char t0[32], t1[32], z0[8], z1[8];
    if (!first) {
        salvo_jbuf_printf(b, "<p class=\"when\" id=\"%s\">No order was sent.</p>\n", id);
        return;
    }
    tool_report_time(first, t0, z0);
    tool_report_time(last, t1, z1);
    salvo_jbuf_printf(b, "<p class=\"when\" id=\"%s\" data-first-us=\"%lld\" data-last-us=\"%lld\">", id,
                      (long long)first, (long long)last);
    if (strcmp(z0, z1) == 0)
        salvo_jbuf_printf(b, "Sent <b>%s</b> to %s (UTC%s)</p>\n", t0, t1, z0);
    else
        salvo_jbuf_printf(b, "Sent <b>%s UTC%s</b> to %s UTC%s</p>\n", t0, z0, t1, z1);
}

static void call_broker(salvo_jbuf_t *b, const tool_report_t *rp)
{
    uint64_t unknown = 0, rows = 0;
    for (size_t i = 0; i < rp->nords; i++)
        unknown += rp->ords[i].status == SALVO_UNKNOWN;
    if (unknown == 0) {
        salvo_jbuf_cstr(b, "<h2>Call the broker</h2>\n<p id=\"call-broker\" data-rows=\"0\">No order is unknown: "
                           "none to call the broker about.</p>\n");
        return;
    }
    salvo_jbuf_printf(b, "<h2>Call the broker: %llu unknown order%s</h2>\n<p>Each may be at the broker: no definite "
                         "answer came back. Ask the broker for each by its client order id.</p>\n",
                      (unsigned long long)unknown, unknown == 1 ? "" : "s");
    table_open(b, "call-broker", unknown < REP_TABLE_MAX ? unknown : REP_TABLE_MAX, unknown,
               "<th>client_order_id</th><th>broker order_id</th><th>symbol</th><th>side</th><th>quantity</th>"
               "<th>price</th><th>sent</th><th>HTTP</th><th>run</th><th>error or broker's answer</th>");
    for (size_t i = 0; i < rp->nords && rows < REP_TABLE_MAX; i++) {
        const rep_order_t *o = &rp->ords[i];
        if (o->status != SALVO_UNKNOWN)
            continue;
        salvo_jbuf_cstr(b, "<tr data-status=\"unknown\">");
        static const int cols[] = {O_ID, O_ORDER_ID, O_SYMBOL, O_SIDE, O_QTY, O_PRICE};
        for (size_t c = 0; c < sizeof cols / sizeof cols[0]; c++)
            td_str(b, rp, o->s[cols[c]]);
        td_time(b, o->sent_us);
        td_http(b, o);
        td_run(b, rp, o->run);
        td_str(b, rp, o->s[O_WHY]);
        salvo_jbuf_cstr(b, "</tr>\n");
        rows++;
    }
    salvo_jbuf_cstr(b, "</table>\n");
    more_rows(b, unknown - rows, "jq -c 'select(.status == \"unknown\")'");
}

static void notional(salvo_jbuf_t *b, const tool_report_t *rp)
{
    rep_notional_t nt;
    tool_report_notional(rp, &nt);
    salvo_jbuf_cstr(b, "<h2>Notional</h2>\n");
    if (!nt.any) {
        salvo_jbuf_cstr(b, "<p id=\"notional\">No LIMIT order with a price was accepted, rejected or unknown.</p>\n");
        return;
    }
    salvo_jbuf_cstr(b, "<p>Price &times; quantity of the LIMIT orders, by final state (accepted counts duplicate: "
                       "the broker holds it).</p>\n<table id=\"notional\"><tr><th>status</th><th>orders</th>"
                       "<th>notional</th></tr>");
    static const char *const names[3] = {"accepted", "rejected", "unknown"};
    for (int k = 0; k < 3; k++) {
        if (!nt.n[k] && k == 2)
            continue;
        char m[96];
        tool_report_money(m, sizeof m, nt.sum[k], nt.dec);
        salvo_jbuf_printf(b, "<tr data-status=\"%s\" data-orders=\"%llu\" data-notional=\"%s\"><td><i class=\"sw "
                             "st-%s\"></i>%s</td><td>%llu</td><td>%s</td></tr>",
                          names[k], (unsigned long long)nt.n[k], m, names[k], names[k], (unsigned long long)nt.n[k], m);
    }
    salvo_jbuf_cstr(b, "</table>\n");
}

static int by_pair(salvo_jbuf_t *b, const tool_report_t *rp)
{
    size_t *ix = tool_report_sorted(rp, tool_report_by_pair);
    if (ix == NULL)
        return -ENOMEM;
    uint64_t any[SALVO_STATUS_COUNT] = {0};
    size_t pairs = 0;
    for (size_t i = 0; i < rp->nords; i++)
        any[rp->ords[i].status]++;
    for (size_t i = 0; i < rp->nords; i++)
        pairs += i == 0 || tool_report_by_pair(rp, ix[i - 1], ix[i]) != 0;
    salvo_jbuf_cstr(b, "<h2>By symbol and side</h2>\n");
    salvo_jbuf_printf(b, "<table id=\"by-symbol\" data-rows=\"%zu\" data-total=\"%zu\"><tr><th>symbol</th><th>side</th>"
                         "<th>orders</th>",
                      pairs < REP_PAIRS_PAGE ? pairs : REP_PAIRS_PAGE, pairs);
    for (int st = 0; st < SALVO_STATUS_COUNT; st++) /* a column for each status there is */
        if (any[st])
            salvo_jbuf_printf(b, "<th>%s</th>", salvo_status_name(st));
    salvo_jbuf_cstr(b, "</tr>\n");
    size_t shown = 0;
    for (size_t i = 0; i < rp->nords && shown < REP_PAIRS_PAGE; shown++) {
        uint64_t count[SALVO_STATUS_COUNT] = {0}, n = 0;
        size_t j = i;
        for (; j < rp->nords && tool_report_by_pair(rp, ix[i], ix[j]) == 0; j++, n++)
            count[rp->ords[ix[j]].status]++;
        const rep_order_t *o = &rp->ords[ix[i]];
        salvo_jbuf_printf(b, "<tr data-orders=\"%llu\">", (unsigned long long)n);
        td_str(b, rp, o->s[O_SYMBOL]);
        td_str(b, rp, o->s[O_SIDE]);
        salvo_jbuf_printf(b, "<td>%llu</td>", (unsigned long long)n);
        for (int st = 0; st < SALVO_STATUS_COUNT; st++)
            if (any[st])
                salvo_jbuf_printf(b, "<td>%llu</td>", (unsigned long long)count[st]);
        salvo_jbuf_cstr(b, "</tr>\n");
        i = j;
    }
    salvo_jbuf_cstr(b, "</table>\n");
    if (pairs > shown)
        salvo_jbuf_printf(b, "<p>%zu more (symbol, side) pairs not shown; <code>jq -r '[.symbol, .side] | @tsv' | "
                             "sort | uniq -c</code> counts them all.</p>\n",
                          pairs - shown);
    free(ix);
    return 0;
}

static void finished_later(salvo_jbuf_t *b, const tool_report_t *rp)
{
    uint64_t later = 0, cut = 0, rows = 0;
    for (size_t i = 0; i < rp->nords; i++) {
        later += rp->ords[i].earlier != REP_NONE || rp->ords[i].cut != REP_CUT_NO;
        cut += rp->ords[i].cut != REP_CUT_NO;
    }
    if (later == 0)
        return;
    salvo_jbuf_printf(b, "<h2>Finished by a later run: %llu order%s, %llu cut short</h2>\n<p>One final state per order "
                         "(by client_order_id): a later run's outcome wins, but a line that did not send the order "
                         "(not_sent, skipped, dry_run) leaves the earlier one standing, and an unknown order stays "
                         "unknown until the broker answers for it.</p>\n",
                      (unsigned long long)later, later == 1 ? "" : "s", (unsigned long long)cut);
    table_open(b, "finished-later", later < REP_TABLE_MAX ? later : REP_TABLE_MAX, later,
               "<th>client_order_id</th><th>symbol</th><th>side</th><th>quantity</th><th>price</th>"
               "<th>earlier</th><th>earlier run</th><th>cut short</th><th>final</th><th>run</th>"
               "<th>broker order_id</th>");
    static const char *const cut_text[] = {"", "not sent", "no answer", "no outcome (journal)"};
    for (size_t i = 0; i < rp->nords && rows < REP_TABLE_MAX; i++) {
        const rep_order_t *o = &rp->ords[i];
        if (o->earlier == REP_NONE && o->cut == REP_CUT_NO)
            continue;
        salvo_jbuf_printf(b, "<tr data-status=\"%s\" data-earlier=\"%s\" data-cut=\"%d\">", salvo_status_name(o->status),
                          o->earlier == REP_NONE ? "" : salvo_status_name(o->earlier), o->cut != REP_CUT_NO);
        static const int cols[] = {O_ID, O_SYMBOL, O_SIDE, O_QTY, O_PRICE};
        for (size_t c = 0; c < sizeof cols / sizeof cols[0]; c++)
            td_str(b, rp, o->s[cols[c]]);
        if (o->earlier == REP_NONE) {
            salvo_jbuf_cstr(b, "<td>no line</td><td>" DASH "</td>");
        } else {
            td_status(b, o->earlier);
            td_run(b, rp, o->earlier_run);
        }
        salvo_jbuf_printf(b, "<td>%s</td>", o->cut != REP_CUT_NO ? cut_text[o->cut] : DASH);
        td_status(b, o->status);
        td_run(b, rp, o->run);
        td_str(b, rp, o->s[O_ORDER_ID]);
        salvo_jbuf_cstr(b, "</tr>\n");
        rows++;
    }
    salvo_jbuf_cstr(b, "</table>\n");
    more_rows(b, later - rows, "jq -c 'select(.previous)'");
}

static int not_accepted(salvo_jbuf_t *b, const tool_report_t *rp)
{
    uint64_t total = 0, rows = 0;
    for (size_t i = 0; i < rp->nords; i++) {
        int st = rp->ords[i].status;
        total += st != SALVO_ACCEPTED && st != SALVO_DUPLICATE && st != SALVO_DRY_RUN;
    }
    if (total == 0) {
        salvo_jbuf_cstr(b, "<h2>Orders not accepted</h2>\n<p id=\"not-accepted\" data-rows=\"0\">Every order was "
                           "accepted.</p>\n");
        return 0;
    }
    size_t *ix = tool_report_sorted(rp, tool_report_by_status);
    if (ix == NULL)
        return -ENOMEM;
    salvo_jbuf_printf(b, "<h2>Orders not accepted (%llu)</h2>\n<p>By status: unknown, rejected, failed, not_sent, "
                         "skipped, invalid; each in the order read.</p>\n",
                      (unsigned long long)total);
    table_open(b, "not-accepted", total < REP_TABLE_MAX ? total : REP_TABLE_MAX, total,
               "<th>seq</th><th>line</th><th>client_order_id</th><th>symbol</th><th>side</th><th>quantity</th>"
               "<th>price</th><th>status</th><th>HTTP</th><th>run</th><th>error or broker's answer</th>");
    for (size_t i = 0; i < rp->nords && rows < REP_TABLE_MAX; i++) {
        const rep_order_t *o = &rp->ords[ix[i]];
        if (o->status == SALVO_ACCEPTED || o->status == SALVO_DUPLICATE || o->status == SALVO_DRY_RUN)
            continue;
        salvo_jbuf_printf(b, "<tr data-status=\"%s\">", salvo_status_name(o->status));
        static const int cols[] = {O_SEQ, O_LINE, O_ID, O_SYMBOL, O_SIDE, O_QTY, O_PRICE};
        for (size_t c = 0; c < sizeof cols / sizeof cols[0]; c++)
            td_str(b, rp, o->s[cols[c]]);
        td_status(b, o->status);
        td_http(b, o);
        td_run(b, rp, o->run);
        td_str(b, rp, o->s[O_WHY]);
        salvo_jbuf_cstr(b, "</tr>\n");
        rows++;
    }
    free(ix);
    salvo_jbuf_cstr(b, "</table>\n");
    more_rows(b, total - rows, "jq -c 'select(.status != \"accepted\" and .status != \"duplicate\")'");
    return 0;
}

int tool_report_tables(salvo_jbuf_t *b, const tool_report_t *rp)
{
    call_broker(b, rp);
    finished_later(b, rp); /* a killed run and its resume: where its orders ended */
    notional(b, rp);
    int r = by_pair(b, rp);
    return r == 0 ? not_accepted(b, rp) : r;
}
