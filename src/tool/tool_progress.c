/* The live progress line: see tool_progress.h. No colour is used, so
 * NO_COLOR has nothing to turn off. */
#include "tool_progress.h"
#include "tool_msgs.h"
#include "util.h"

#include "salvo/order.h"
#include "salvo/reader.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#define TICK_MS 250
#define RING (sizeof ((tool_progress_t *)0)->ring_ns / sizeof ((tool_progress_t *)0)->ring_ns[0])

int tool_progress_wanted(int quiet, int out_fd, int in_fd)
{
    const char *term = getenv("TERM");
    if (quiet || !isatty(2) || isatty(out_fd) || isatty(in_fd))
        return 0;
    return term == NULL || strcmp(term, "dumb") != 0;
}

/* The line, as segments in a fixed order: a segment that does not fit in
 * the width is left out whole, never cut (a wrapped line could not be
 * taken back with \r). */
struct line {
    char *buf;
    size_t cap, n, width;
    int dropped; /* segments left out for want of room */
};

static void segment(struct line *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void segment(struct line *l, const char *fmt, ...)
{
    char seg[256];
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(seg, sizeof seg, fmt, ap);
    va_end(ap);
    if (k <= 0)
        return;
    size_t add = (size_t)k < sizeof seg ? (size_t)k : sizeof seg - 1;
    const char *sep = l->n ? " | " : "";
    size_t need = l->n + strlen(sep) + add;
    if ((l->width && need > l->width) || need + 1 > l->cap) {
        l->dropped++;
        return;
    }
    l->n = tool_put(l->buf, l->cap, l->n, "%s%s", sep, seg);
}

static void duration(char *out, size_t cap, double s)
{
    long t = (long)(s + 0.5);
    if (t < 60)
        snprintf(out, cap, "%lds", t);
    else if (t < 3600)
        snprintf(out, cap, "%ldm%02lds", t / 60, t % 60);
    else
        snprintf(out, cap, "%ldh%02ldm", t / 3600, t % 3600 / 60);
}

/* The running line; compact: the shorter words, the counts and the rate
 * first, p99 alone, in flight last (an 80-column terminal keeps the rate
 * and the latency instead of losing them). */
static void format_running(struct line *l, int compact, const salvo_stats_t *st, uint64_t total, double fraction,
                           double rate_now, double rate_limit, double elapsed_s)
{
    char d[32], head[128];
    uint64_t done = 0;
    for (int i = 0; i < SALVO_STATUS_COUNT; i++)
        done += st->count[i];
    if (total)
        fraction = (double)done / (double)total;
    int n = snprintf(head, sizeof head, compact ? "salvo %llu" : "salvo: %llu", (unsigned long long)done);
    if (total)
        n += snprintf(head + n, sizeof head - (size_t)n, "/%llu", (unsigned long long)total);
    if (!compact)
        n += snprintf(head + n, sizeof head - (size_t)n, " done");
    if (fraction > 0)
        n += snprintf(head + n, sizeof head - (size_t)n, compact ? " %.0f%%" : " (%.0f%%)",
                      fraction > 1 ? 100.0 : 100 * fraction);
    if (fraction > 0 && fraction < 1 && elapsed_s > 0.5) {
        duration(d, sizeof d, elapsed_s * (1 - fraction) / fraction);
        snprintf(head + n, sizeof head - (size_t)n, compact ? " ETA %s" : ", ETA %s", d);
    }
    segment(l, "%s", head);
    if (!compact)
        segment(l, "%llu in flight", (unsigned long long)st->in_flight);
    uint64_t ok = st->count[SALVO_ACCEPTED] + st->count[SALVO_DUPLICATE];
    uint64_t other = done - ok - st->count[SALVO_REJECTED] - st->count[SALVO_UNKNOWN];
    if (other)
        segment(l, "ok %llu rej %llu unk %llu other %llu", (unsigned long long)ok,
                (unsigned long long)st->count[SALVO_REJECTED], (unsigned long long)st->count[SALVO_UNKNOWN],
                (unsigned long long)other);
    else
        segment(l, "ok %llu rej %llu unk %llu", (unsigned long long)ok, (unsigned long long)st->count[SALVO_REJECTED],
                (unsigned long long)st->count[SALVO_UNKNOWN]);
    if (rate_now >= 0 && rate_limit > 0) /* < 0: not measured yet (the first draw) */
        segment(l, "%.1f/s of %.4g/s", rate_now, rate_limit);
    else if (rate_now >= 0)
        segment(l, "%.1f/s", rate_now);
    if (st->latency.n && compact)
        segment(l, "p99 %.1fms", (double)salvo_hist_percentile(&st->latency, 99) / 1e3);
    else if (st->latency.n)
        segment(l, "p50/p99 %.1f/%.1f ms", (double)salvo_hist_percentile(&st->latency, 50) / 1e3,
                (double)salvo_hist_percentile(&st->latency, 99) / 1e3);
    if (compact)
        segment(l, "%llu in flight", (unsigned long long)st->in_flight);
}

void tool_progress_format(char *buf, size_t cap, unsigned width, const salvo_stats_t *st, uint64_t total,
                          double fraction, double rate_now, double rate_limit, double elapsed_s, double wait_s)
{
    struct line l = {.buf = buf, .cap = cap, .width = width > 1 ? width - 1 : 0};
    char d[32];
    buf[0] = '\0';
    if (wait_s > 0) {
        if (wait_s < 10)
            snprintf(d, sizeof d, "%.1fs", wait_s);
        else
            duration(d, sizeof d, wait_s);
        segment(&l, "salvo: --at in %s", d);
        segment(&l, "%llu orders read", (unsigned long long)st->orders);
        segment(&l, "%llu connections warm", (unsigned long long)st->warmed);
        return;
    }
    format_running(&l, 0, st, total, fraction, rate_now, rate_limit, elapsed_s);
    if (l.dropped && l.width) { /* too narrow for the whole line: the shorter one */
        l.n = 0;
        l.dropped = 0;
        buf[0] = '\0';
        format_running(&l, 1, st, total, fraction, rate_now, rate_limit, elapsed_s);
    }
}

static unsigned term_width(int fd)
{
    struct winsize ws;
    if (ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        return ws.ws_col;
    return 80;
}

static void write_all(int fd, const char *s, size_t n)
{
    while (n > 0) {
        ssize_t k = write(fd, s, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return;
        s += k;
        n -= (size_t)k;
    }
}

/* The current send rate: sends over the last ticks (up to 1 s). */
static double rate_now(tool_progress_t *p, int64_t now, uint64_t sends)
{
    unsigned i = p->ring_n % RING;
    p->ring_ns[i] = now;
    p->ring_sends[i] = sends;
    p->ring_n++;
    unsigned oldest = p->ring_n > RING ? p->ring_n % RING : 0;
    int64_t dt = now - p->ring_ns[oldest];
    return dt > 0 ? (double)(sends - p->ring_sends[oldest]) * 1e9 / (double)dt : -1; /* -1: one sample, no rate yet */
}

static double bytes_fraction(const tool_progress_t *p)
{
    if (p->input_fd < 0 || p->input_size <= 0)
        return 0;
    off_t at = lseek(p->input_fd, 0, SEEK_CUR);
    return at > 0 ? (double)at / (double)p->input_size : 0;
}

static void on_tick(uv_timer_t *t)
{
    tool_progress_t *p = t->data;
    const salvo_engine_t *e = *p->engine;
    if (e == NULL)
        return;
    const salvo_stats_t *st = salvo_engine_stats(e);
    int64_t now = (int64_t)uv_hrtime();
    if (p->start_at_ns > now && p->start_at_ns - now < 100 * 1000000LL)
        return; /* --at fires soon: not a microsecond of its time for the line */
    double wait_s = p->start_at_ns > now ? (double)(p->start_at_ns - now) / 1e9 : 0;
    int64_t from = p->start_at_ns > p->start_ns ? p->start_at_ns : p->start_ns;
    if (wait_s <= 0 && st->orders == 0)
        return; /* nothing read yet: nothing to say */
    if (wait_s > 0)
        p->ring_n = 0; /* the rate counts from the start */
    char line[1024];
    tool_progress_format(line, sizeof line, term_width(p->fd), st, p->total, bytes_fraction(p),
                         rate_now(p, now, st->sends), p->rate, (double)(now - from) / 1e9, wait_s);
    char out[1100];
    int n = snprintf(out, sizeof out, "\r%s\033[K", line);
    if (n > 0)
        write_all(p->fd, out, (size_t)n < sizeof out ? (size_t)n : sizeof out - 1);
    p->drawn = 1;
}

#define COUNT_MAX_BYTES (256 << 20)
#define COUNT_CHUNK (1 << 20)

/* Lines, not rows: a newline inside quotes or a blank line makes the
 * total a little high, never low, and counting stays at memchr's speed
 * (the reader itself would take a second or more on a large file). */
uint64_t tool_progress_count(int fd, const salvo_config_t *cfg)
{
    char *chunk = malloc(COUNT_CHUNK);
    uint64_t lines = 0;
    off_t at = 0;
    char last = '\n';
    int header = -1; /* unknown yet */
    if (chunk == NULL)
        return 0;
    for (;;) {
        ssize_t n = pread(fd, chunk, COUNT_CHUNK, at);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            free(chunk);
            return 0;
        }
        if (n == 0)
            break;
        if (header < 0) { /* the first row, read as the engine will */
            salvo_reader_t *r = salvo_reader_new(cfg->format, cfg->delim, SALVO_MAX_LINE_DEFAULT);
            salvo_row_t row;
            header = r && cfg->format == SALVO_FORMAT_CSV && !cfg->no_header &&
                     salvo_reader_push(r, chunk, (size_t)n) == 0 && (salvo_reader_finish(r), 1) &&
                     salvo_reader_next(r, &row) == 1 && salvo_layout_is_header(&row);
            salvo_reader_free(r);
        }
        for (const char *p = chunk, *end = chunk + n; (p = memchr(p, '\n', (size_t)(end - p))) != NULL; p++)
            lines++;
        last = chunk[n - 1];
        at += n;
    }
    free(chunk);
    if (last != '\n')
        lines++; /* a last line without a newline */
    return header > 0 && lines > 0 ? lines - 1 : lines;
}

int tool_progress_start(tool_progress_t *p, uv_loop_t *loop, const salvo_engine_t *const *engine,
                        uint64_t total, const salvo_config_t *cfg)
{
    memset(p, 0, sizeof *p);
    p->fd = 2;
    p->engine = engine;
    p->total = total;
    p->rate = cfg->rate;
    p->start_at_ns = cfg->start_at_unix_us
                         ? (int64_t)uv_hrtime() + (cfg->start_at_unix_us - salvo_unix_us()) * 1000
                         : 0;
    p->start_ns = (int64_t)uv_hrtime();
    p->input_fd = -1;
    struct stat sb;
    if (total == 0 && fstat(cfg->input_fd, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size > 0) {
        if (sb.st_size <= COUNT_MAX_BYTES)
            p->total = tool_progress_count(cfg->input_fd, cfg);
        p->input_fd = cfg->input_fd;
        p->input_size = (int64_t)sb.st_size;
    }
    int r = uv_timer_init(loop, &p->timer);
    if (r < 0)
        return r;
    p->timer.data = p;
    p->started = 1;
    uv_unref((uv_handle_t *)&p->timer); /* the run ends when the engine does */
    return uv_timer_start(&p->timer, on_tick, TICK_MS, TICK_MS);
}

void tool_progress_erase(tool_progress_t *p)
{
    if (p->drawn)
        write_all(p->fd, "\r\033[K", 4);
    p->drawn = 0;
}

void tool_progress_stop(tool_progress_t *p)
{
    tool_progress_erase(p);
    if (!p->started)
        return;
    p->started = 0;
    uv_close((uv_handle_t *)&p->timer, NULL);
}
