/* salvo_stats_t's accessors (salvo/engine.h): the struct is private
 * (salvo/stats.h), so it can grow without breaking a caller. */
#include "salvo/stats.h"

int64_t salvo_stats_get(const salvo_stats_t *st, int what)
{
    switch (what) {
    case SALVO_STAT_ORDERS: return (int64_t)st->orders;
    case SALVO_STAT_SENDS: return (int64_t)st->sends;
    case SALVO_STAT_IN_FLIGHT: return (int64_t)st->in_flight;
    case SALVO_STAT_RESENT: return (int64_t)st->resent;
    case SALVO_STAT_VALID: return (int64_t)st->valid;
    case SALVO_STAT_LOOKUPS: return (int64_t)st->lookups;
    case SALVO_STAT_RECONCILED: return (int64_t)st->reconciled;
    case SALVO_STAT_HELD: return (int64_t)st->held;
    case SALVO_STAT_DONE_EARLIER: return (int64_t)st->done_earlier;
    case SALVO_STAT_RESENT_UNKNOWN: return (int64_t)st->resent_unknown;
    case SALVO_STAT_WORKER_RESTARTS: return (int64_t)st->worker_restarts;
    case SALVO_STAT_WORKERS_GIVEN_UP: return (int64_t)st->workers_given_up;
    case SALVO_STAT_REUSED: return (int64_t)st->reused;
    case SALVO_STAT_WARMED: return (int64_t)st->warmed;
    case SALVO_STAT_WARM_FAILED: return (int64_t)st->warm_failed;
    case SALVO_STAT_INPUT_LINE: return (int64_t)st->input_line;
    case SALVO_STAT_INPUT_UNREAD: return st->input_unread;
    case SALVO_STAT_STOP_REASON: return st->stop_reason;
    case SALVO_STAT_INPUT_ERROR: return st->input_error;
    case SALVO_STAT_JOURNAL_ERROR: return st->journal_error;
    case SALVO_STAT_INVARIANT_BROKEN: return st->invariant_broken;
    case SALVO_STAT_WALL_NS: return st->wall_ns;
    case SALVO_STAT_FIRST_SEND_NS: return st->first_send_ns;
    case SALVO_STAT_LAST_SEND_NS: return st->last_send_ns;
    case SALVO_STAT_LAST_DONE_NS: return st->last_done_ns;
    case SALVO_STAT_BURST_SPREAD_NS: return st->burst_spread_ns;
    case SALVO_STAT_FIRED_UNIX_US: return st->fired_unix_us;
    case SALVO_STAT_FIRST_SEND_UNIX_US: return st->first_send_unix_us;
    case SALVO_STAT_BROKER_OFFSET_MS: return st->broker_offset_ms;
    case SALVO_STAT_BROKER_OFFSET_KNOWN: return st->broker_offset_known;
    case SALVO_STAT_BATCHES: return (int64_t)st->batches;
    case SALVO_STAT_REQUESTS: return (int64_t)salvo_stats_requests(st);
    default: return 0;
    }
}

uint64_t salvo_stats_count(const salvo_stats_t *st, int status)
{
    return status >= 0 && status < SALVO_STATUS_COUNT ? st->count[status] : 0;
}

double salvo_stats_notional(const salvo_stats_t *st) { return st->notional; }

const char *salvo_stats_setup_error(const salvo_stats_t *st) { return st->setup_error; }

static const salvo_hist_t *timing(const salvo_stats_t *st, int which)
{
    switch (which) {
    case SALVO_TIMING_LATENCY: return &st->latency;
    case SALVO_TIMING_DNS: return &st->dns;
    case SALVO_TIMING_CONNECT: return &st->connect;
    case SALVO_TIMING_TLS: return &st->tls;
    case SALVO_TIMING_TTFB: return &st->ttfb;
    default: return NULL;
    }
}

uint64_t salvo_stats_timed(const salvo_stats_t *st, int which)
{
    const salvo_hist_t *h = timing(st, which);
    return h ? h->n : 0;
}

double salvo_stats_percentile_ms(const salvo_stats_t *st, int which, double p)
{
    const salvo_hist_t *h = timing(st, which);
    return h && h->n ? (double)salvo_hist_percentile(h, p) / 1e3 : 0;
}

double salvo_stats_mean_ms(const salvo_stats_t *st, int which)
{
    const salvo_hist_t *h = timing(st, which);
    return h && h->n ? h->sum / (double)h->n / 1e3 : 0;
}
