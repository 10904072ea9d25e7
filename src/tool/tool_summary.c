/* The end-of-run summary: a few lines for people, a JSON file for tools. */
#include "tool_summary.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static double achieved_rate(const salvo_stats_t *s)
{
    int64_t span = s->last_send_ns - s->first_send_ns;
    return s->sends > 1 && span > 0 ? (double)(s->sends - 1) * 1e9 / (double)span : 0;
}

/* Append to buf, never past its end: n stays within the buffer. */
static int put(char *buf, size_t cap, int n, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int put(char *buf, size_t cap, int n, const char *fmt, ...)
{
    if (n < 0 || (size_t)n >= cap - 1)
        return n;
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(buf + n, cap - (size_t)n, fmt, ap);
    va_end(ap);
    if (k < 0)
        return n;
    return (size_t)n + (size_t)k >= cap ? (int)cap - 1 : n + k;
}

void tool_summary_print(const salvo_stats_t *s, int64_t at_unix_us, int fd)
{
    char buf[4096];
    int n = 0;
    n = put(buf, sizeof buf, n, "salvo: %llu orders:", (unsigned long long)s->orders);
    for (int i = 0; i < SALVO_STATUS_COUNT; i++)
        if (s->count[i])
            n = put(buf, sizeof buf, n, " %llu %s", (unsigned long long)s->count[i],
                          salvo_status_name(i));
    n = put(buf, sizeof buf, n, "\nsalvo: %llu requests in %.3f s (%.1f/s)",
                  (unsigned long long)s->sends, (double)s->wall_ns / 1e9, achieved_rate(s));
    if (s->resent)
        n = put(buf, sizeof buf, n, ", %llu resent by libcurl", (unsigned long long)s->resent);
    if (s->latency.n)
        n = put(buf, sizeof buf, n,
                      "\nsalvo: latency ms min %.3f p50 %.3f p90 %.3f p99 %.3f max %.3f",
                      (double)s->latency.min / 1e3, (double)salvo_hist_percentile(&s->latency, 50) / 1e3,
                      (double)salvo_hist_percentile(&s->latency, 90) / 1e3,
                      (double)salvo_hist_percentile(&s->latency, 99) / 1e3, (double)s->latency.max / 1e3);
    if (s->done_earlier || s->held || s->resent_unknown)
        n = put(buf, sizeof buf, n,
                      "\nsalvo: resume: %llu done earlier (skipped), %llu sent earlier without an outcome and "
                      "held as unknown, %llu of those sent again",
                      (unsigned long long)s->done_earlier, (unsigned long long)s->held,
                      (unsigned long long)s->resent_unknown);
    if (s->lookups)
        n = put(buf, sizeof buf, n, "\nsalvo: reconcile: %llu lookups, %llu orders settled",
                      (unsigned long long)s->lookups, (unsigned long long)s->reconciled);
    if (s->ttfb.n) {
        const salvo_hist_t *hs[] = {&s->dns, &s->connect, &s->tls, &s->ttfb};
        const char *names[] = {"dns", "connect", "tls", "ttfb"};
        n = put(buf, sizeof buf, n, "\nsalvo: timings ms p50/p99:");
        for (int i = 0; i < 4; i++)
            n = put(buf, sizeof buf, n, " %s %.3f/%.3f", names[i],
                          (double)salvo_hist_percentile(hs[i], 50) / 1e3, (double)salvo_hist_percentile(hs[i], 99) / 1e3);
    }
    if (at_unix_us && s->first_send_unix_us)
        n = put(buf, sizeof buf, n,
                      "\nsalvo: --at: first order left %+.3f ms from TIME; the first burst spread over %.3f ms; "
                      "%llu of %llu orders on warm connections; warm-up %llu ok, %llu failed",
                      (double)(s->first_send_unix_us - at_unix_us) / 1e3, (double)s->burst_spread_ns / 1e6,
                      (unsigned long long)s->reused, (unsigned long long)s->sends, (unsigned long long)s->warmed,
                      (unsigned long long)s->warm_failed);
    if (at_unix_us && s->broker_offset_known) {
        /* Date has whole seconds: only a second or more says anything */
        long off = s->broker_offset_ms;
        if (off > -1000 && off < 1000)
            n = put(buf, sizeof buf, n, "; the broker's clock (Date) agrees with ours within 1 s");
        else
            n = put(buf, sizeof buf, n, "; the broker's clock (Date) is %ld s %s ours",
                          (off < 0 ? -off : off) / 1000, off < 0 ? "behind" : "ahead of");
    }
    n = put(buf, sizeof buf, n, "\n");
    if (n > (int)sizeof buf - 1)
        n = (int)sizeof buf - 1;
    (void)!write(fd, buf, (size_t)n);
}

int tool_summary_write_json(const salvo_stats_t *s, int signal, int64_t at_unix_us, const char *path)
{
    FILE *f = fopen(path, "w");
    if (f == NULL)
        return -errno;
    fprintf(f, "{\"orders\":%llu,\"counts\":{", (unsigned long long)s->orders);
    for (int i = 0; i < SALVO_STATUS_COUNT; i++)
        fprintf(f, "%s\"%s\":%llu", i ? "," : "", salvo_status_name(i), (unsigned long long)s->count[i]);
    const salvo_hist_t *h = &s->latency;
    fprintf(f,
            "},\"requests\":%llu,\"transport_resent\":%llu,\"wall_s\":%.6f,\"span_s\":%.6f,"
            "\"achieved_rate\":%.3f,\"latency_ms\":{\"min\":%.3f,\"p50\":%.3f,\"p90\":%.3f,\"p99\":%.3f,"
            "\"max\":%.3f,\"mean\":%.3f},\"signal\":%d,\"resume\":{\"skipped\":%llu,\"held_unknown\":%llu,"
            "\"resent_unknown\":%llu},\"reconcile\":{\"lookups\":%llu,\"settled\":%llu}",
            (unsigned long long)s->sends, (unsigned long long)s->resent,
            (double)s->wall_ns / 1e9,
            s->sends && s->last_done_ns > s->first_send_ns ? (double)(s->last_done_ns - s->first_send_ns) / 1e9 : 0.0,
            achieved_rate(s), (double)h->min / 1e3,
            (double)salvo_hist_percentile(h, 50) / 1e3, (double)salvo_hist_percentile(h, 90) / 1e3,
            (double)salvo_hist_percentile(h, 99) / 1e3, (double)h->max / 1e3,
            h->n ? h->sum / (double)h->n / 1e3 : 0.0, signal, (unsigned long long)s->done_earlier,
            (unsigned long long)s->held, (unsigned long long)s->resent_unknown, (unsigned long long)s->lookups,
            (unsigned long long)s->reconciled);
    if (s->ttfb.n) {
        const salvo_hist_t *hs[] = {&s->dns, &s->connect, &s->tls, &s->ttfb};
        const char *names[] = {"dns", "connect", "tls", "ttfb"};
        fputs(",\"timings_ms\":{", f);
        for (int i = 0; i < 4; i++)
            fprintf(f, "%s\"%s\":{\"p50\":%.3f,\"p90\":%.3f,\"p99\":%.3f,\"max\":%.3f}", i ? "," : "", names[i],
                    (double)salvo_hist_percentile(hs[i], 50) / 1e3, (double)salvo_hist_percentile(hs[i], 90) / 1e3,
                    (double)salvo_hist_percentile(hs[i], 99) / 1e3, (double)hs[i]->max / 1e3);
        fputs("}", f);
    }
    if (at_unix_us)
        fprintf(f, ",\"at\":{\"fired_ms\":%.3f,\"first_send_ms\":%.3f,\"burst_spread_ms\":%.3f,\"reused\":%llu,"
                   "\"warmed\":%llu,\"warm_failed\":%llu}",
                s->fired_unix_us ? (double)(s->fired_unix_us - at_unix_us) / 1e3 : 0.0,
                s->first_send_unix_us ? (double)(s->first_send_unix_us - at_unix_us) / 1e3 : 0.0,
                (double)s->burst_spread_ns / 1e6, (unsigned long long)s->reused, (unsigned long long)s->warmed,
                (unsigned long long)s->warm_failed);
    fputs("}\n", f);
    return fclose(f) == 0 ? 0 : -errno;
}
