/* salvo report --html: one self-contained page, SVG drawn here. No
 * script, no fetch: it opens from file:// and prints as it shows.
 *
 * Every chart is an <svg class="chart KIND" id="KIND-N"> (N: the run, from
 * 1) with data-* attributes giving what it counts, for tests and tools.
 * The timeline draws every sent order as a dot; orders that fall on the
 * same pixel with the same status share one dot, so 100,000 orders cost
 * what the pixels they cover cost, and an outlier or an order not accepted
 * always has its own. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tool_report.h"
#include "tool_svg.h"

/* Drawn last, on top: the statuses a reader looks for. Every status is
 * drawn: a cancel's or a lookup's run has its own. */
static const int draw_order[] = {SALVO_OPEN,     SALVO_PARTIALLY_FILLED, SALVO_FILLED,    SALVO_NOT_FOUND,
                                 SALVO_ALREADY_CLOSED, SALVO_CANCELLED,  SALVO_ACCEPTED,  SALVO_DUPLICATE,
                                 SALVO_DRY_RUN,  SALVO_SKIPPED,          SALVO_NOT_SENT,  SALVO_INVALID,
                                 SALVO_FAILED,   SALVO_REJECTED,         SALVO_UNKNOWN};
_Static_assert(sizeof draw_order / sizeof *draw_order == SALVO_STATUS_COUNT, "every status is drawn");

static const char css[] =
    "body{font:14px/1.4 sans-serif;margin:24px;color:#222;max-width:1000px}"
    "h1{font-size:22px}h2{font-size:18px;margin-top:32px;border-bottom:1px solid #ccc}h3{font-size:15px}"
    "pre.summary{background:#f6f6f6;padding:8px;white-space:pre-wrap}"
    "table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ddd;padding:2px 6px;text-align:left;"
    "vertical-align:top}th{background:#f0f0f0}td{max-width:420px;overflow-wrap:anywhere}"
    "svg.chart{display:block;background:#fff;border:1px solid #ddd;margin:6px 0}"
    "svg text{font:11px sans-serif;fill:#444}.axis{stroke:#888;stroke-width:1}.grid{stroke:#eee;stroke-width:1}"
    ".bar{fill:#4a7ab5}.pct{stroke:#c0392b;stroke-dasharray:4 3}.pts{fill:none;stroke-width:4;"
    "stroke-linecap:round}.rate-line{fill:none;stroke:#4a7ab5;stroke-width:1.5}"
    ".limit{stroke:#c0392b;stroke-width:1.5;stroke-dasharray:6 4}.legend span{margin-right:12px}"
    ".sw{display:inline-block;width:10px;height:10px;border-radius:5px;margin-right:4px}"
    ".st-accepted{stroke:#2a9d4b;background:#2a9d4b}.st-duplicate{stroke:#1b8a8a;background:#1b8a8a}"
    ".st-rejected{stroke:#e07b00;background:#e07b00}.st-failed{stroke:#c0392b;background:#c0392b}"
    ".st-unknown{stroke:#7b2cbf;background:#7b2cbf}.st-not_sent{stroke:#777;background:#777}"
    ".st-skipped{stroke:#bbb;background:#bbb}.st-invalid{stroke:#8d5524;background:#8d5524}"
    ".st-dry_run{stroke:#4a7ab5;background:#4a7ab5}"
    ".st-cancelled{stroke:#5d6d7e;background:#5d6d7e}.st-already_closed{stroke:#95a5a6;background:#95a5a6}"
    ".st-not_found{stroke:#a0522d;background:#a0522d}.st-open{stroke:#2e86c1;background:#2e86c1}"
    ".st-partially_filled{stroke:#48c9b0;background:#48c9b0}.st-filled{stroke:#1e8449;background:#1e8449}"
    "td .sw{vertical-align:middle}td{white-space:nowrap}td:last-child{white-space:normal}";

/* The latency axis, log scale, whole decades in ms around the run's values. */
typedef struct lat_axis {
    double lo, hi; /* log10 of ms */
} lat_axis_t;

static lat_axis_t lat_axis_of(const tool_agg_t *g)
{
    double mn = g->latency.n ? (double)g->latency.min / 1e3 : 1, mx = g->latency.n ? (double)g->latency.max / 1e3 : 1;
    if (mn < 0.001)
        mn = 0.001;
    if (mx < mn)
        mx = mn;
    lat_axis_t a = {floor(log10(mn)), ceil(log10(mx))};
    if (a.hi <= a.lo)
        a.hi = a.lo + 1;
    return a;
}

static double lat_pos(const lat_axis_t *a, int64_t us, double len)
{
    double ms = (double)us / 1e3;
    double l = ms < 0.001 ? -3 : log10(ms);
    double f = (l - a->lo) / (a->hi - a->lo);
    return (f < 0 ? 0 : f > 1 ? 1 : f) * len;
}

/* The ticks of a log axis: each decade, and 2 and 5 within when there
 * are few decades. pos(f): f from 0 to 1 along the axis. */
static void lat_ticks(salvo_jbuf_t *b, const lat_axis_t *a, int vertical)
{
    char lab[32];
    for (double d = a->lo; d <= a->hi + 1e-9; d++)
        for (int m = 1; m <= 5; m += m == 1 ? 1 : 3) {
            double v = d + log10(m);
            if (v > a->hi + 1e-9 || (m > 1 && a->hi - a->lo > 2))
                continue;
            tool_svg_num(lab, sizeof lab, pow(10, v));
            double f = (v - a->lo) / (a->hi - a->lo);
            if (vertical)
                tool_svg_ytick(b, SVG_MT + SVG_PH - f * SVG_PH, lab);
            else
                tool_svg_xtick(b, SVG_ML + f * SVG_PW, lab);
        }
}

/* ---- latency histogram: log latency, log count ---- */
static void histogram(salvo_jbuf_t *b, const rep_run_t *run, size_t ri)
{
    const tool_agg_t *g = &run->agg;
    lat_axis_t a = lat_axis_of(g);
    enum { PER_DECADE = 10 };
    int nb = (int)((a.hi - a.lo) * PER_DECADE);
    if (nb > 200)
        nb = 200;
    uint64_t counts[200] = {0}, most = 0;
    for (size_t i = 0; i < run->npts; i++) {
        if (run->pts[i].latency_us < 0)
            continue; /* never answered: no latency */
        int k = (int)(lat_pos(&a, run->pts[i].latency_us, 1) * nb);
        counts[k >= nb ? nb - 1 : k]++;
    }
    for (int k = 0; k < nb; k++)
        if (counts[k] > most)
            most = counts[k];
    tool_svg_open(b, "latency-histogram", ri, "latency histogram, log scales");
    salvo_jbuf_printf(b, " data-samples=\"%zu\" data-bins=\"%d\">", run->npts, nb);
    char lab[32];
    lat_ticks(b, &a, 0);
    double ytop = log10((double)most + 1);
    if (ytop <= 0)
        ytop = 1;
    /* the tallest bar stops under a band at the top that holds the p50
     * and p99 labels, so no label is drawn over a bar */
    enum { LABEL_ROW = 15, LABEL_BAND = 2 * LABEL_ROW + 6 };
    const double hmax = SVG_PH - LABEL_BAND;
    for (double c = 1; c <= (double)most * 1.0001; c *= 10) {
        snprintf(lab, sizeof lab, "%.0f", c);
        tool_svg_ytick(b, SVG_MT + SVG_PH - log10(c + 1) / ytop * hmax, lab);
    }
    double bw = (double)SVG_PW / nb;
    for (int k = 0; k < nb; k++) {
        if (!counts[k])
            continue;
        double h = log10((double)counts[k] + 1) / ytop * hmax;
        char l1[32], l2[32];
        tool_svg_num(l1, sizeof l1, pow(10, a.lo + (a.hi - a.lo) * k / nb));
        tool_svg_num(l2, sizeof l2, pow(10, a.lo + (a.hi - a.lo) * (k + 1) / nb));
        salvo_jbuf_printf(b,
                          "<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                          "data-count=\"%llu\"><title>%s-%s ms: %llu</title></rect>",
                          SVG_ML + k * bw + 0.5, SVG_MT + SVG_PH - h, bw - 1 > 1 ? bw - 1 : 1, h,
                          (unsigned long long)counts[k], l1, l2, (unsigned long long)counts[k]);
    }
    static const double pcts[] = {50, 99};
    for (int i = 0; i < 2 && g->latency.n; i++) {
        int64_t v = (int64_t)salvo_hist_percentile(&g->latency, pcts[i]);
        double x = SVG_ML + lat_pos(&a, v, SVG_PW);
        /* each on a row of its own in the band; near the right edge, to
         * the left of its line (a label is at most 120 px wide) */
        int left = x > SVG_ML + SVG_PW - 124;
        salvo_jbuf_printf(b, "<line class=\"pct\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\"/>"
                             "<text class=\"pct-label\" x=\"%.1f\" y=\"%d\"%s>p%.0f %.3f ms</text>",
                          x, SVG_MT, x, SVG_MT + SVG_PH, left ? x - 3 : x + 3, SVG_MT + 11 + LABEL_ROW * i,
                          left ? " text-anchor=\"end\"" : "", pcts[i], (double)v / 1e3);
    }
    tool_svg_axes(b, "latency, ms (log scale)", "orders (log scale)");
    salvo_jbuf_cstr(b, "</svg>\n");
}

static void time_ticks(salvo_jbuf_t *b, double span_s)
{
    double step = tool_svg_nice(span_s / 8);
    char lab[32];
    for (double t = 0; t <= span_s * 1.000001; t += step) {
        tool_svg_num(lab, sizeof lab, t);
        tool_svg_xtick(b, SVG_ML + t / span_s * SVG_PW, lab);
    }
}

/* ---- every order: x send time, y latency (log), colour status ---- */
static int timeline(salvo_jbuf_t *b, const rep_run_t *run, size_t ri, int64_t t0, double span_s)
{
    const tool_agg_t *g = &run->agg;
    lat_axis_t a = lat_axis_of(g);
    uint16_t *seen = calloc((size_t)SVG_PW * SVG_PH, sizeof *seen);
    if (seen == NULL)
        return -ENOMEM;
    uint64_t non_accepted = 0;
    for (size_t i = 0; i < run->npts; i++)
        non_accepted += run->pts[i].status != SALVO_ACCEPTED && run->pts[i].status != SALVO_DUPLICATE;
    tool_svg_open(b, "timeline", ri, "every order: send time against latency, coloured by status");
    salvo_jbuf_printf(b, " data-orders=\"%llu\" data-sent=\"%zu\" data-non-accepted=\"%llu\">",
                      (unsigned long long)g->orders, run->npts, (unsigned long long)non_accepted);
    time_ticks(b, span_s);
    lat_ticks(b, &a, 1);
    uint64_t marks_all = 0;
    for (size_t s = 0; s < sizeof draw_order / sizeof draw_order[0]; s++) {
        int st = draw_order[s];
        uint64_t n = 0, marks = 0;
        size_t start = b->len;
        salvo_jbuf_printf(b, "<path class=\"pts st-%s\" d=\"", salvo_status_name(st));
        for (size_t i = 0; i < run->npts; i++) {
            const rep_point_t *p = &run->pts[i];
            if (p->status != st)
                continue;
            n++;
            double xf = span_s > 0 ? (double)(p->sent_us - t0) / 1e6 / span_s : 0;
            int x = (int)(xf * (SVG_PW - 1) + 0.5);
            int y = (int)(SVG_PH - 1 - lat_pos(&a, p->latency_us, SVG_PH - 1) + 0.5);
            x = x < 0 ? 0 : x >= SVG_PW ? SVG_PW - 1 : x;
            y = y < 0 ? 0 : y >= SVG_PH ? SVG_PH - 1 : y;
            uint16_t bit = (uint16_t)(1u << st);
            if (seen[(size_t)y * SVG_PW + (size_t)x] & bit)
                continue;
            seen[(size_t)y * SVG_PW + (size_t)x] |= bit;
            marks++;
            salvo_jbuf_printf(b, "M%d %dh0", SVG_ML + x, SVG_MT + y);
        }
        if (n == 0) {
            b->len = start; /* no path for a status with no orders */
            continue;
        }
        salvo_jbuf_printf(b, "\" data-orders=\"%llu\" data-marks=\"%llu\"><title>%s: %llu</title></path>",
                          (unsigned long long)n, (unsigned long long)marks, salvo_status_name(st),
                          (unsigned long long)n);
        marks_all += marks;
    }
    free(seen);
    salvo_jbuf_printf(b, "<desc data-marks=\"%llu\">orders on one pixel with one status share a dot</desc>",
                      (unsigned long long)marks_all);
    tool_svg_axes(b, "seconds since the first send", "latency, ms (log scale)");
    salvo_jbuf_cstr(b, "</svg>\n<p class=\"legend\">");
    for (int st = 0; st < SALVO_STATUS_COUNT; st++)
        if (g->count[st])
            salvo_jbuf_printf(b, "<span><i class=\"sw st-%s\"></i>%s %llu</span>", salvo_status_name(st),
                              salvo_status_name(st), (unsigned long long)g->count[st]);
    salvo_jbuf_cstr(b, "</p>\n");
    return 0;
}

static int by_time(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* The most orders sent within any period_us (a span shorter than it, as
 * --window counts), or -1 out of memory. */
static int64_t busiest_window(const rep_run_t *run, int64_t period_us)
{
    int64_t *t = malloc(run->npts * sizeof *t);
    if (t == NULL)
        return -1;
    for (size_t i = 0; i < run->npts; i++)
        t[i] = run->pts[i].sent_us;
    qsort(t, run->npts, sizeof *t, by_time);
    size_t most = 0;
    for (size_t i = 0, j = 0; i < run->npts; i++) {
        while (t[i] - t[j] >= period_us)
            j++;
        if (i - j + 1 > most)
            most = i - j + 1;
    }
    free(t);
    return (int64_t)most;
}

static void limit_line(salvo_jbuf_t *b, double per_s, double top, int row, const char *label)
{
    double y = SVG_MT + SVG_PH - per_s / top * SVG_PH;
    salvo_jbuf_printf(b, "<line class=\"limit\" x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\"/>"
                         "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>",
                      SVG_ML, y, SVG_ML + SVG_PW, y, SVG_ML + SVG_PW - 4, y - 4 - 14 * row, label);
}

/* ---- orders per second against the limit ---- */
static int rate_chart(salvo_jbuf_t *b, const rep_run_t *run, size_t ri, int64_t t0, double span_s,
                      const tool_report_t *rp)
{
    double wlimit = rp->window_n ? rp->window_n / ((double)rp->window_ns / 1e9) : 0;
    double bin;
    int64_t bin_us = 0;
    if (rp->window_n) {
        /* bins of the window's PERIOD from the first send (whole periods
         * of it past 1,000 bins): each bin is one period the window held
         * to N, so a bar over its line is a promise broken, and never an
         * artefact of a bin shorter than the period */
        int64_t per_us = rp->window_ns / 1000 > 0 ? rp->window_ns / 1000 : 1;
        int64_t k = (int64_t)(span_s * 1e6) / per_us / 1000 + 1;
        bin_us = per_us * k;
        bin = (double)bin_us / 1e6;
    } else {
        /* about 100 bins, but at least 5 orders a bin on average: fewer
         * says more about the bin's edges than about the rate */
        bin = tool_svg_nice(span_s / 100);
        double few = tool_svg_nice(5 * span_s / (double)run->npts);
        if (bin < few)
            bin = few;
        if (bin < 0.001)
            bin = 0.001;
    }
    size_t nb = (size_t)(span_s / bin) + 1;
    uint64_t *c = calloc(nb, sizeof *c);
    if (c == NULL)
        return -ENOMEM;
    for (size_t i = 0; i < run->npts; i++) {
        size_t k = bin_us ? (size_t)((run->pts[i].sent_us - t0) / bin_us)
                          : (size_t)((double)(run->pts[i].sent_us - t0) / 1e6 / bin);
        c[k < nb ? k : nb - 1]++;
    }
    double top = 0, limit = run->agg.target_rate;
    /* the last bin ends at the last send: its rate is over what it covers,
     * and one under half a bin is folded into the one before. A window's
     * bin is a whole period whatever the run did in it. */
    double last_w = bin_us ? bin : span_s - (double)(nb - 1) * bin;
    if (nb > 1 && last_w < bin / 2) {
        c[nb - 2] += c[nb - 1];
        nb--;
        last_w += bin;
    }
    if (last_w < bin / 2)
        last_w = bin / 2;
    double xspan = (double)(nb - 1) * bin + last_w;
#define BIN_W(k) ((k) + 1 == nb ? last_w : bin)
    for (size_t k = 0; k < nb; k++)
        if ((double)c[k] / BIN_W(k) > top)
            top = (double)c[k] / BIN_W(k);
    double peak = top;
    if (limit > top)
        top = limit;
    if (wlimit > top)
        top = wlimit;
    top = tool_svg_nice(top * 1.1);
    char lab[32], ylab[64];
    tool_svg_num(lab, sizeof lab, bin);
    tool_svg_open(b, "rate", ri, "orders sent per second against the limit");
    salvo_jbuf_printf(b, " data-bin-s=\"%s\" data-bins=\"%zu\" data-limit=\"%.6g\" data-peak=\"%.6g\">", lab, nb,
                      limit, peak);
    time_ticks(b, xspan);
    for (int i = 0; i <= 5; i++) {
        tool_svg_num(lab, sizeof lab, top * i / 5);
        tool_svg_ytick(b, SVG_MT + SVG_PH - (double)SVG_PH * i / 5, lab);
    }
    salvo_jbuf_cstr(b, "<path class=\"rate-line\" d=\"");
    for (size_t k = 0; k < nb; k++) {
        double y = SVG_MT + SVG_PH - (double)c[k] / BIN_W(k) / top * SVG_PH;
        double x0 = SVG_ML + (double)k * bin / xspan * SVG_PW,
               x1 = SVG_ML + ((double)k * bin + BIN_W(k)) / xspan * SVG_PW;
        salvo_jbuf_printf(b, "%s%.1f %.1fH%.1f", k ? "L" : "M", x0, y, x1);
    }
    salvo_jbuf_cstr(b, "\"/>");
#undef BIN_W
    free(c);
    char wlab[48] = "";
    if (rp->window_n)
        snprintf(wlab, sizeof wlab, "%u/%ss", rp->window_n, tool_svg_secs(lab, sizeof lab, rp->window_ns));
    if (limit > 0) {
        snprintf(ylab, sizeof ylab, "--rate %.6g/s", limit);
        limit_line(b, limit, top, 0, ylab);
    }
    if (wlimit > 0) {
        snprintf(ylab, sizeof ylab, "--window %s", wlab);
        limit_line(b, wlimit, top, limit > 0, ylab);
    }
    tool_svg_num(lab, sizeof lab, bin);
    snprintf(ylab, sizeof ylab, "orders/s (in %s s bins)", lab);
    tool_svg_axes(b, "seconds since the first send", ylab);
    salvo_jbuf_cstr(b, "</svg>\n");
    if (rp->window_n) {
        /* the window's promise is a count, not a rate: say the count */
        int64_t most = busiest_window(run, rp->window_ns / 1000);
        if (most < 0)
            return -ENOMEM;
        salvo_jbuf_printf(b, "<p class=\"window\" data-busiest=\"%lld\" data-limit=\"%u\">The busiest %ss: "
                             "%lld orders sent, against --window %s.</p>\n",
                          (long long)most, rp->window_n, tool_svg_secs(lab, sizeof lab, rp->window_ns), (long long)most,
                          wlab);
    }
    if (limit <= 0 && !rp->window_n)
        salvo_jbuf_cstr(b, "<p>No limit drawn: give <code>salvo report --rate R</code> (or <code>--window N/PERIOD</code>) "
                           "the run's limit.</p>\n");
    return 0;
}

static void counts_table(salvo_jbuf_t *b, const tool_agg_t *g, size_t ri)
{
    salvo_jbuf_printf(b, "<table class=\"counts\" id=\"counts-%zu\"><tr><th>status</th><th>orders</th></tr>", ri + 1);
    for (int st = 0; st < SALVO_STATUS_COUNT; st++)
        if (g->count[st])
            salvo_jbuf_printf(b, "<tr data-status=\"%s\" data-count=\"%llu\"><td><i class=\"sw st-%s\"></i>%s</td>"
                                 "<td>%llu</td></tr>",
                              salvo_status_name(st), (unsigned long long)g->count[st], salvo_status_name(st),
                              salvo_status_name(st), (unsigned long long)g->count[st]);
    salvo_jbuf_printf(b, "<tr><th>all</th><th data-total=\"%llu\">%llu</th></tr></table>\n",
                      (unsigned long long)g->orders, (unsigned long long)g->orders);
}

static int one_run(salvo_jbuf_t *b, const tool_report_t *rp, size_t ri, const char *summary)
{
    const rep_run_t *run = &rp->runs[ri];
    salvo_jbuf_printf(b, "<section class=\"run\" id=\"run-%zu\" data-run=\"", ri + 1);
    tool_html_str(b, run->id);
    salvo_jbuf_printf(b, "\" data-orders=\"%llu\">\n<h2>", (unsigned long long)run->agg.orders);
    if (run->id[0]) {
        salvo_jbuf_cstr(b, "Run ");
        tool_html_str(b, run->id);
    } else {
        salvo_jbuf_cstr(b, "The run");
    }
    salvo_jbuf_cstr(b, "</h2>\n");
    char wid[32];
    snprintf(wid, sizeof wid, "when-%zu", ri + 1);
    tool_report_when(b, wid, run->agg.sent ? run->agg.first_sent_us : 0, run->agg.last_sent_us);
    salvo_jbuf_cstr(b, "<pre class=\"summary\">");
    for (const char *p = summary, *nl; p && *p; p = nl + 1) { /* error kinds may carry broker text */
        nl = strchr(p, '\n');
        if (nl == NULL)
            nl = p + strlen(p) - 1;
        tool_html_escape(b, p, (size_t)(nl - p) + (*nl != '\n'));
        salvo_jbuf_cstr(b, "\n");
    }
    salvo_jbuf_cstr(b, "</pre>\n");
    counts_table(b, &run->agg, ri);
    if (run->npts) {
        int64_t t0 = run->pts[0].sent_us, t1 = t0;
        for (size_t i = 1; i < run->npts; i++) {
            if (run->pts[i].sent_us < t0)
                t0 = run->pts[i].sent_us;
            if (run->pts[i].sent_us > t1)
                t1 = run->pts[i].sent_us;
        }
        double span_s = (double)(t1 - t0) / 1e6;
        if (span_s < 0.001)
            span_s = 0.001;
        salvo_jbuf_cstr(b, "<h3>Latency</h3>\n");
        histogram(b, run, ri);
        salvo_jbuf_cstr(b, "<h3>Every order over time</h3>\n");
        if (timeline(b, run, ri, t0, span_s) < 0)
            return -ENOMEM;
        salvo_jbuf_cstr(b, "<h3>Orders sent per second</h3>\n");
        if (rate_chart(b, run, ri, t0, span_s, rp) < 0)
            return -ENOMEM;
    } else {
        salvo_jbuf_cstr(b, "<p>No order was sent: no charts.</p>\n");
    }
    salvo_jbuf_cstr(b, "</section>\n");
    return 0;
}

int tool_report_page(const tool_report_t *rp, const char *source, salvo_jbuf_t *out)
{
    salvo_jbuf_t *b = out;
    salvo_jbuf_cstr(b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                       "<meta name=\"generator\" content=\"salvo report\"><title>salvo report: ");
    tool_html_str(b, source);
    salvo_jbuf_printf(b, "</title><style>%s</style></head>\n<body>\n<h1>salvo report: ", css);
    tool_html_str(b, source);
    int64_t first, last;
    tool_report_span(rp, &first, &last);
    salvo_jbuf_printf(b, "</h1>\n<p id=\"totals\" data-runs=\"%zu\" data-orders=\"%zu\">%zu orders in %zu run%s.</p>\n",
                      rp->nruns, rp->nords, rp->nords, rp->nruns, rp->nruns == 1 ? "" : "s");
    tool_report_when(b, "when", first, last);
    int r = 0;
    if (rp->nruns) {
        r = tool_report_tables(b, rp);
    }
    for (size_t i = 0; i < rp->nruns && r == 0; i++) {
        char summary[8192];
        tool_report_text(rp, i, summary, sizeof summary);
        r = one_run(b, rp, i, summary);
    }
    salvo_jbuf_cstr(b, "</body></html>\n");
    return r == 0 && b->oom ? -ENOMEM : r;
}
