/* The summary: one aggregate, fed the same record live and from the
 * results read back, formatted by one function. */
#include "tool_summary.h"
#include "tool_msgs.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "salvo/jbuf.h"

void tool_agg_init(tool_agg_t *g) { memset(g, 0, sizeof *g); }

void tool_rec_from_result(tool_rec_t *out, const salvo_result_t *r)
{
    memset(out, 0, sizeof *out);
    out->status = r->status;
    out->http_status = r->http_status;
    out->attempts = r->attempts;
    /* the line prints latency_ms with 3 decimals: whole microseconds */
    out->latency_us = r->latency_ms >= 0 ? llround(r->latency_ms * 1000.0) : -1;
    out->sent_at_us = r->attempts > 0 ? r->sent_at_us : 0;
    out->has_at = r->has_at;
    out->at_offset_us = r->has_at ? llround(r->at_offset_ms * 1000.0) : 0;
    out->by_worker = r->worker > 0;
    if (r->error && *r->error) {
        out->error = r->error;
        out->error_len = strlen(r->error);
    }
}

/* Does out[0..o) end with a word after which libcurl writes a measured
 * number ("after 1001 milliseconds", "with 0 out of 512 bytes")? */
static int before_a_measure(const char *out, size_t o)
{
    static const char *const words[] = {"after ", "with ", "out of "};
    for (size_t k = 0; k < sizeof words / sizeof *words; k++) {
        size_t w = strlen(words[k]);
        if (o >= w && memcmp(out + o - w, words[k], w) == 0)
            return 1;
    }
    return 0;
}

/* An error as a kind: "line 6: quantity \"1.5\" is not a positive integer"
 * is counted as 'quantity "..." is not a positive integer', and libcurl's
 * "timed out after 1001 milliseconds" as "after ... milliseconds" (one
 * timeout is one kind, whatever it measured). Control bytes become spaces;
 * a cut never splits a UTF-8 sequence. */
static void why_key(const char *e, size_t n, char out[TOOL_WHY_LEN])
{
    size_t i = 0, o = 0;
    if (n > 5 && memcmp(e, "line ", 5) == 0) {
        size_t j = 5;
        while (j < n && e[j] >= '0' && e[j] <= '9')
            j++;
        if (j > 5 && j + 1 < n && e[j] == ':' && e[j + 1] == ' ')
            i = j + 2;
    }
    while (i < n && o + 6 < TOOL_WHY_LEN) {
        if (e[i] == '"') {
            size_t j = i + 1;
            while (j < n && e[j] != '"')
                j += e[j] == '\\' && j + 1 < n ? 2 : 1;
            if (j < n) {
                memcpy(out + o, "\"...\"", 5);
                o += 5;
                i = j + 1;
                continue;
            }
        }
        if (e[i] >= '0' && e[i] <= '9' && before_a_measure(out, o)) {
            while (i < n && e[i] >= '0' && e[i] <= '9')
                i++;
            memcpy(out + o, "...", 3);
            o += 3;
            continue;
        }
        unsigned char c = (unsigned char)e[i++];
        out[o++] = c < 0x20 || c == 0x7f ? ' ' : (char)c;
    }
    /* cut inside a character (the next byte continues it): the bytes of
     * it already out were copied one for one, take them back */
    while (i < n && o > 0 && ((unsigned char)e[i] & 0xc0) == 0x80) {
        o--;
        i--;
    }
    out[o] = '\0';
}

static void add_why(tool_agg_t *g, const char *e, size_t n)
{
    char k[TOOL_WHY_LEN];
    why_key(e, n, k);
    for (unsigned i = 0; i < g->nwhy; i++)
        if (strcmp(g->why[i].text, k) == 0) {
            g->why[i].n++;
            return;
        }
    if (g->nwhy == TOOL_WHY_KINDS) {
        g->why_more++;
        return;
    }
    memcpy(g->why[g->nwhy].text, k, sizeof k);
    g->why[g->nwhy++].n = 1;
}

void tool_agg_add(tool_agg_t *g, const tool_rec_t *r)
{
    g->orders++;
    g->workers |= r->by_worker;
    if (r->status >= 0 && r->status < SALVO_STATUS_COUNT)
        g->count[r->status]++;
    if (r->attempts > 0) {
        g->requests += r->attempts;
        g->http[r->http_status >= 100 && r->http_status < TOOL_HTTP_MAX ? r->http_status : 0]++;
        if (r->latency_us >= 0) /* -1: never answered, nothing to time */
            salvo_hist_add(&g->latency, (uint64_t)r->latency_us);
    }
    if (r->sent_at_us > 0) {
        if (g->sent == 0 || r->sent_at_us < g->first_sent_us)
            g->first_sent_us = r->sent_at_us;
        if (g->sent == 0 || r->sent_at_us > g->last_sent_us)
            g->last_sent_us = r->sent_at_us;
        g->sent++;
    }
    if (r->has_at && (!g->has_at || r->at_offset_us < g->at_first_us)) {
        g->at_first_us = r->at_offset_us;
        g->has_at = 1;
    }
    if (r->error && r->error_len)
        add_why(g, r->error, r->error_len);
}

static int by_count(const void *a, const void *b)
{
    const tool_why_t *x = *(const tool_why_t *const *)a, *y = *(const tool_why_t *const *)b;
    if (x->n != y->n)
        return x->n > y->n ? -1 : 1;
    return strcmp(x->text, y->text);
}

static double ms(uint64_t us) { return (double)us / 1e3; }

/* Sends closer than this are one burst (the first sends at the
 * concurrency, a stop's last few): a "rate" over it says nothing
 * (two sends 3 us apart made 750000/s). */
#define RATE_MIN_SPAN_US 10000

/* Orders per second between the first send and the last: n sends make
 * n - 1 gaps. 0 when it cannot be told. */
static double send_rate(const tool_agg_t *g)
{
    int64_t span = g->last_sent_us - g->first_sent_us;
    return g->sent > 1 && span >= RATE_MIN_SPAN_US ? (double)(g->sent - 1) * 1e6 / (double)span : 0;
}

/* "1 order", "2 orders" */
static const char *plural(unsigned long long n) { return n == 1 ? "" : "s"; }

static size_t format_shared(const tool_agg_t *g, char *buf, size_t cap, size_t n, const tool_live_t *live)
{
    const salvo_stats_t *s = live ? live->st : NULL;
    if (g->run[0])
        n = tool_put(buf, cap, n, "salvo: run %s\n", g->run);
    n = tool_put(buf, cap, n, "salvo: %llu order%s:", (unsigned long long)g->orders, plural(g->orders));
    for (int i = 0, first = 1; i < SALVO_STATUS_COUNT; i++)
        if (g->count[i]) {
            n = tool_put(buf, cap, n, "%s %llu %s", first ? "" : ",", (unsigned long long)g->count[i],
                    salvo_status_name(i));
            first = 0;
        }
    if (g->requests && !g->workers) { /* a worker's answer has no HTTP status: "no answer" would be a lie */
        n = tool_put(buf, cap, n, "\nsalvo: by HTTP status:");
        int first = 1;
        for (int i = 100; i < TOOL_HTTP_MAX; i++)
            if (g->http[i]) {
                n = tool_put(buf, cap, n, "%s %d x%llu", first ? "" : ",", i, (unsigned long long)g->http[i]);
                first = 0;
            }
        if (g->http[0])
            n = tool_put(buf, cap, n, "%s no answer x%llu", first ? "" : ",", (unsigned long long)g->http[0]);
    }
    if (g->nwhy) {
        const tool_why_t *order[TOOL_WHY_KINDS];
        for (unsigned i = 0; i < g->nwhy; i++)
            order[i] = &g->why[i];
        qsort(order, g->nwhy, sizeof order[0], by_count);
        unsigned shown = g->nwhy < 6 ? g->nwhy : 6;
        uint64_t rest = g->why_more;
        for (unsigned i = shown; i < g->nwhy; i++)
            rest += order[i]->n;
        n = tool_put(buf, cap, n, "\nsalvo: by error:");
        for (unsigned i = 0; i < shown; i++)
            n = tool_put(buf, cap, n, "%s %llu x %s", i ? ";" : "", (unsigned long long)order[i]->n, order[i]->text);
        if (rest)
            n = tool_put(buf, cap, n, "; %llu more of other kinds", (unsigned long long)rest);
    }
    if (g->sent) {
        n = tool_put(buf, cap, n, "\nsalvo: %llu order%s sent", (unsigned long long)g->sent, plural(g->sent));
        if (s && s->batches) /* the live run counts its requests: a batch is one */
            n = tool_put(buf, cap, n, " in %llu requests (%llu batches)",
                         (unsigned long long)salvo_stats_requests(s), (unsigned long long)s->batches);
        else if (g->requests != g->sent)
            n = tool_put(buf, cap, n, " (%llu requests)", (unsigned long long)g->requests);
        double rate = send_rate(g);
        if (rate > 0)
            n = tool_put(buf, cap, n, ", first to last send %.3f s: send rate %.1f/s",
                    (double)(g->last_sent_us - g->first_sent_us) / 1e6, rate);
        else if (g->sent > 1 && g->last_sent_us > g->first_sent_us)
            n = tool_put(buf, cap, n, ", first to last send %.3f ms: one burst, no rate",
                    (double)(g->last_sent_us - g->first_sent_us) / 1e3);
        else if (g->sent > 1)
            n = tool_put(buf, cap, n, " in the same microsecond");
        if (g->target_rate > 0)
            n = tool_put(buf, cap, n, " (--rate %.6g/s)", g->target_rate);
    }
    if (s) /* only the live run knows its wall time */
        n = tool_put(buf, cap, n, "\nsalvo: wall time %.3f s, start to end", (double)s->wall_ns / 1e9);
    if (s && g->sent && s->wall_ns > 0)
        n = tool_put(buf, cap, n, ": %.1f orders/s", (double)g->orders * 1e9 / (double)s->wall_ns);
    if (s && s->resent)
        n = tool_put(buf, cap, n, "; %llu requests resent by libcurl", (unsigned long long)s->resent);
    const salvo_hist_t *h = &g->latency;
    if (h->n)
        n = tool_put(buf, cap, n, "\nsalvo: latency ms min %.3f p50 %.3f p90 %.3f p99 %.3f max %.3f", ms(h->min),
                ms(salvo_hist_percentile(h, 50)), ms(salvo_hist_percentile(h, 90)),
                ms(salvo_hist_percentile(h, 99)), ms(h->max));
    if (g->has_at)
        n = tool_put(buf, cap, n, "\nsalvo: --at: the first order left %+.3f ms from TIME", (double)g->at_first_us / 1e3);
    return n;
}

/* A stream the run stopped reading (or a file a hard stop cut short):
 * the rows after the line said have no result line. An input salvo could
 * not make sense of (a setup error) says so on its own. */
static int input_cut_short(const salvo_stats_t *s)
{
    return s->input_unread && s->stop_reason != SALVO_STOP_SETUP;
}

static size_t format_live(const tool_live_t *live, char *buf, size_t cap, size_t n)
{
    const salvo_stats_t *s = live->st;
    if (input_cut_short(s))
        n = tool_put(buf, cap, n, "\nsalvo: the input was not read past line %llu: the rows after it (if any) "
                     "have no result line and were not sent", (unsigned long long)s->input_line);
    if (s->done_earlier || s->held || s->resent_unknown) /* what the journal settled, not a cap's skips */
        n = tool_put(buf, cap, n,
                "\nsalvo: resume: %llu done earlier (skipped), %llu sent earlier without an outcome and "
                "held as unknown, %llu of those sent again",
                (unsigned long long)s->done_earlier, (unsigned long long)s->held,
                (unsigned long long)s->resent_unknown);
    if (s->lookups)
        n = tool_put(buf, cap, n, "\nsalvo: reconcile: %llu lookups, %llu orders settled", (unsigned long long)s->lookups,
                (unsigned long long)s->reconciled);
    if (s->worker_restarts || s->workers_given_up)
        n = tool_put(buf, cap, n, "\nsalvo: --exec: workers restarted %llu time%s, %llu given up",
                     (unsigned long long)s->worker_restarts, s->worker_restarts == 1 ? "" : "s",
                     (unsigned long long)s->workers_given_up);
    if (s->ttfb.n) {
        const salvo_hist_t *hs[] = {&s->dns, &s->connect, &s->tls, &s->ttfb};
        const char *names[] = {"dns", "connect", "tls", "ttfb"};
        n = tool_put(buf, cap, n, "\nsalvo: timings ms p50/p99:");
        for (int i = 0; i < 4; i++)
            n = tool_put(buf, cap, n, " %s %.3f/%.3f", names[i], ms(salvo_hist_percentile(hs[i], 50)),
                    ms(salvo_hist_percentile(hs[i], 99)));
    }
    if (live->at_unix_us && s->first_send_unix_us)
        n = tool_put(buf, cap, n,
                "\nsalvo: --at warm-up: the first burst spread over %.3f ms; %llu of %llu requests on warm "
                "connections; warm-up %llu ok, %llu failed or not back by TIME",
                (double)s->burst_spread_ns / 1e6, (unsigned long long)s->reused, (unsigned long long)s->sends,
                (unsigned long long)s->warmed, (unsigned long long)s->warm_failed);
    if (live->at_unix_us && s->broker_offset_known) {
        /* Date has whole seconds: only a second or more says anything */
        long off = s->broker_offset_ms;
        if (off > -1000 && off < 1000)
            n = tool_put(buf, cap, n, "; the broker's clock (Date) agrees with ours within 1 s");
        else
            n = tool_put(buf, cap, n, "; the broker's clock (Date) is %ld s %s ours", (off < 0 ? -off : off) / 1000,
                    off < 0 ? "behind" : "ahead of");
    }
    return n;
}

size_t tool_summary_format(const tool_agg_t *g, const tool_live_t *live, char *buf, size_t cap)
{
    if (cap == 0)
        return 0;
    buf[0] = '\0';
    size_t n = format_shared(g, buf, cap, 0, live);
    if (live)
        n = format_live(live, buf, cap, n);
    return tool_put(buf, cap, n, "\n");
}

void tool_summary_print(const tool_agg_t *g, const tool_live_t *live, int fd)
{
    char buf[8192];
    size_t n = tool_summary_format(g, live, buf, sizeof buf);
    (void)!write(fd, buf, n);
}

/* One run's summary as the members of a JSON object, its "{" and all but
 * its closing "}". */
static void put_summary(FILE *f, const tool_agg_t *g, const tool_live_t *live, int signal)
{
    const salvo_stats_t *s = live->st;
    int64_t at_unix_us = live->at_unix_us;
    fprintf(f, "{\"run\":\"%s\",\"orders\":%llu,\"counts\":{", g->run, (unsigned long long)s->orders);
    for (int i = 0; i < SALVO_STATUS_COUNT; i++)
        fprintf(f, "%s\"%s\":%llu", i ? "," : "", salvo_status_name(i), (unsigned long long)s->count[i]);
    const salvo_hist_t *h = &s->latency;
    fprintf(f,
            "},\"requests\":%llu,\"batches\":%llu,\"transport_resent\":%llu,\"wall_s\":%.6f,\"span_s\":%.6f,"
            "\"achieved_rate\":%.3f,\"latency_ms\":{\"min\":%.3f,\"p50\":%.3f,\"p90\":%.3f,\"p99\":%.3f,"
            "\"max\":%.3f,\"mean\":%.3f},\"signal\":%d,\"resume\":{\"skipped\":%llu,\"held_unknown\":%llu,"
            "\"resent_unknown\":%llu},\"reconcile\":{\"lookups\":%llu,\"settled\":%llu},"
            "\"workers\":{\"restarts\":%llu,\"given_up\":%llu}",
            (unsigned long long)salvo_stats_requests(s), (unsigned long long)s->batches,
            (unsigned long long)s->resent, (double)s->wall_ns / 1e9,
            s->sends && s->last_done_ns > s->first_send_ns ? (double)(s->last_done_ns - s->first_send_ns) / 1e9 : 0.0,
            send_rate(g), ms(h->min), ms(salvo_hist_percentile(h, 50)), ms(salvo_hist_percentile(h, 90)),
            ms(salvo_hist_percentile(h, 99)), ms(h->max), h->n ? h->sum / (double)h->n / 1e3 : 0.0, signal,
            (unsigned long long)s->done_earlier, (unsigned long long)s->held,
            (unsigned long long)s->resent_unknown, (unsigned long long)s->lookups, (unsigned long long)s->reconciled,
            (unsigned long long)s->worker_restarts, (unsigned long long)s->workers_given_up);
    fprintf(f, ",\"input\":{\"read_to_end\":%s,\"last_line\":%llu}", input_cut_short(s) ? "false" : "true",
            (unsigned long long)s->input_line);
    fputs(",\"http_status\":{", f);
    for (int i = 100, first = 1; i <= TOOL_HTTP_MAX && !g->workers; i++) {
        int k = i == TOOL_HTTP_MAX ? 0 : i;
        if (g->http[k]) {
            if (k)
                fprintf(f, "%s\"%d\":%llu", first ? "" : ",", k, (unsigned long long)g->http[k]);
            else
                fprintf(f, "%s\"none\":%llu", first ? "" : ",", (unsigned long long)g->http[k]);
            first = 0;
        }
    }
    fputs("},\"errors\":[", f);
    for (unsigned i = 0; i < g->nwhy; i++) {
        salvo_jbuf_t b = {0};
        salvo_jbuf_str(&b, g->why[i].text, strlen(g->why[i].text));
        if (!b.oom)
            fprintf(f, "%s{\"error\":%.*s,\"count\":%llu}", i ? "," : "", (int)b.len, b.p,
                    (unsigned long long)g->why[i].n);
        salvo_jbuf_free(&b);
    }
    fputs("]", f);
    if (g->why_more)
        fprintf(f, ",\"errors_more\":%llu", (unsigned long long)g->why_more);
    if (s->ttfb.n) {
        const salvo_hist_t *hs[] = {&s->dns, &s->connect, &s->tls, &s->ttfb};
        const char *names[] = {"dns", "connect", "tls", "ttfb"};
        fputs(",\"timings_ms\":{", f);
        for (int i = 0; i < 4; i++)
            fprintf(f, "%s\"%s\":{\"p50\":%.3f,\"p90\":%.3f,\"p99\":%.3f,\"max\":%.3f}", i ? "," : "", names[i],
                    ms(salvo_hist_percentile(hs[i], 50)), ms(salvo_hist_percentile(hs[i], 90)),
                    ms(salvo_hist_percentile(hs[i], 99)), ms(hs[i]->max));
        fputs("}", f);
    }
    if (at_unix_us)
        fprintf(f, ",\"at\":{\"fired_ms\":%.3f,\"first_send_ms\":%.3f,\"burst_spread_ms\":%.3f,\"reused\":%llu,"
                   "\"warmed\":%llu,\"warm_failed\":%llu}",
                s->fired_unix_us ? (double)(s->fired_unix_us - at_unix_us) / 1e3 : 0.0,
                s->first_send_unix_us ? (double)(s->first_send_unix_us - at_unix_us) / 1e3 : 0.0,
                (double)s->burst_spread_ns / 1e6, (unsigned long long)s->reused, (unsigned long long)s->warmed,
                (unsigned long long)s->warm_failed);
}

int tool_summary_write_json(const tool_agg_t *g, const tool_live_t *live, int signal, const tool_agg_t *after_g,
                            const tool_live_t *after_live, const char *path)
{
    FILE *f = fopen(path, "w");
    if (f == NULL)
        return -errno;
    put_summary(f, g, live, signal);
    if (after_g) { /* --cancel-after: the cancel's own, inside the send's */
        fputs(",\"cancel_after\":", f);
        put_summary(f, after_g, after_live, signal);
        fputs("}", f);
    }
    fputs("}\n", f);
    return fclose(f) == 0 ? 0 : -errno;
}
