/* Market open (--at): nothing leaves before start_at; until then the
 * connections are warmed (and kept warm), and the last milliseconds are
 * waited precisely. The engine owns the timer; this decides what is due. */
#include <cjson/cJSON.h>

#include "lookup.h"
#include "parse.h"
#include "parts.h"
#include "util.h"

#define AT_SPIN_NS (10 * 1000000LL) /* wake this early (a VM's timers overshoot by ms), then wait precisely */
/* A last warm-up this long before: under a second, so libcurl's
 * once-a-second check of idle connections (a peek at each) runs then, not
 * on the first order (0.15 ms at 64 connections, over 1 ms past 1,000). */
#define REWARM_BEFORE_NS (800 * 1000000LL)
#define REWARM_MARGIN_NS (500 * 1000000LL) /* the warm-up itself has just finished: no re-warm needed */
#define REWARM_EVERY_NS (45 * SALVO_NS_PER_SEC) /* and this often before that */

/* A warm-up round trip this many times as long as the slowest seen must
 * fit before TIME, or the re-warm is skipped: one still out at TIME holds
 * the slot an order wants (and is abandoned then, its connection lost). */
#define REWARM_FIT 2

static void send_warm(struct salvo_engine *e)
{
    for (unsigned i = 0; i < e->nwarm && !e->stopping; i++) {
        salvo_job_t *w = &e->warm_jobs[i];
        if (w->state == JOB_FLIGHT)
            continue; /* still warming from last time */
        w->state = JOB_FLIGHT;
        if (e->tops->send(e->transport, w) < 0) {
            w->state = JOB_FREE;
            e->st.warm_failed++;
        } else {
            e->warm_busy++;
        }
    }
}

/* The next moment the at-timer has work: a re-warm, or the start. The
 * loop's timers can fire a little early (its clock is read once a turn),
 * so each callback checks what is due rather than trusting the wake-up. */
void salvo_at_schedule(struct salvo_engine *e, uv_timer_cb cb)
{
    int64_t now = (int64_t)uv_hrtime(), start = e->start_at_ns;
    int64_t next = start - AT_SPIN_NS;
    if (e->rewarm_at == 0 && e->nwarm && start - now > REWARM_BEFORE_NS + REWARM_MARGIN_NS) {
        e->rewarm_at = start - REWARM_BEFORE_NS;
        if (e->rewarm_at - now > REWARM_EVERY_NS)
            e->rewarm_at = now + REWARM_EVERY_NS; /* servers drop idle connections: keep them busy */
    }
    if (e->rewarm_at && e->rewarm_at < next)
        next = e->rewarm_at;
    uv_timer_start(&e->at_timer, cb, salvo_ns_to_timer_ms(next - now), 0);
}

/* At TIME every slot is the orders': a warm-up still out (a slow or
 * stalled warm-up endpoint) is given up, its connection with it, rather
 * than have the first orders wait for its answer or its --timeout. */
static void abandon_warm(struct salvo_engine *e)
{
    for (unsigned i = 0; i < e->nwarm; i++) {
        salvo_job_t *w = &e->warm_jobs[i];
        if (w->state != JOB_FLIGHT)
            continue;
        e->tops->cancel(e->transport, w);
        w->state = JOB_FREE;
        e->warm_busy--;
        e->st.warm_failed++;
    }
}

/* Until start_at: keep warm, then wait the last stretch (at most
 * AT_SPIN_NS: the loop's timers are whole milliseconds and a VM's overshoot)
 * by spinning on the clock, and let the orders go. 1 when fired. */
int salvo_at_reached(struct salvo_engine *e)
{
    if (e->fired)
        return 1;
    int64_t start = e->start_at_ns;
    if ((int64_t)uv_hrtime() < start - AT_SPIN_NS)
        return 0;
    while ((int64_t)uv_hrtime() < start)
        ; /* at most AT_SPIN_NS, once a run */
    e->fired = 1;
    e->st.fired_unix_us = salvo_unix_us();
    uv_timer_stop(&e->at_timer);
    abandon_warm(e);
    return 1;
}

/* The at-timer fired: 1 when the start is near (the engine pumps), else
 * a re-warm if one is due (the engine schedules the next wake-up). */
int salvo_at_tick(struct salvo_engine *e)
{
    int64_t now = (int64_t)uv_hrtime();
    if (now >= e->start_at_ns - AT_SPIN_NS)
        return 1;
    if (e->rewarm_at && now >= e->rewarm_at) {
        e->rewarm_at = 0;
        if (now + REWARM_FIT * e->warm_slowest_ns < e->start_at_ns - AT_SPIN_NS)
            send_warm(e);
    }
    return 0;
}

/* A profile's server_time pointer into the warm-up answer (Binance
 * /serverTime, OKX /data/0/ts): the broker's clock to the millisecond, not
 * the Date header's second. Seconds, ms or us, told apart by size; the
 * answer was made about half the round trip ago. 1 when it was read. */
static int server_time_offset(struct salvo_engine *e, const salvo_reply_t *r)
{
    const char *ptr = e->cfg->profile ? salvo_profile_server_time(e->cfg->profile) : NULL;
    if (ptr == NULL || r->code != CURLE_OK || r->body_len == 0)
        return 0;
    cJSON *doc = cJSON_ParseWithLength(r->body, r->body_len);
    const cJSON *v = salvo_json_pointer(doc, ptr);
    double t = cJSON_IsNumber(v) ? v->valuedouble : cJSON_IsString(v) ? strtod(v->valuestring, NULL) : 0;
    cJSON_Delete(doc);
    double ms;
    if (salvo_parse_clock_ms(t, &ms) < 0)
        return 0;
    double ours = (double)salvo_unix_us() / 1e3 - (double)r->total_us / 2e3;
    e->st.broker_offset_ms = (long)(ms - ours);
    e->st.broker_offset_known = 1;
    return 1;
}

/* A warm-up answered: note it (and the broker's clock), nothing else. */
void salvo_at_warm_done(struct salvo_engine *e, salvo_job_t *w, const salvo_reply_t *r)
{
    w->state = JOB_FREE;
    e->warm_busy--;
    if (r->total_us * SALVO_NS_PER_US > e->warm_slowest_ns)
        e->warm_slowest_ns = r->total_us * SALVO_NS_PER_US;
    if (r->code == CURLE_OK)
        e->st.warmed++;
    else
        e->st.warm_failed++;
    if (!e->st.broker_offset_known && server_time_offset(e, r))
        return;
    /* a Date past 2^40 s (year 36812) is the broker's garbage: x 1000 must not overflow */
    if (r->date_unix > 0 && r->date_unix < (int64_t)1 << 40 && !e->st.broker_offset_known) {
        e->st.broker_offset_ms = (long)(r->date_unix * 1000 - salvo_unix_us() / 1000);
        e->st.broker_offset_known = 1;
    }
}

int salvo_at_start_warm(struct salvo_engine *e)
{
    const salvo_config_t *c = e->cfg;
    e->nwarm = c->warm < c->concurrency ? c->warm : c->concurrency;
    if ((e->warm_jobs = calloc(e->nwarm, sizeof *e->warm_jobs)) == NULL)
        return -ENOMEM;
    for (unsigned i = 0; i < e->nwarm; i++) {
        salvo_job_t *w = &e->warm_jobs[i];
        w->e = e;
        w->mode = JOB_WARM;
        w->state = JOB_FREE;
        salvo_queue_init(&w->qlink);
        salvo_queue_init(&w->busy_link);
        if ((w->lookup_url = strdup(c->warm_url)) == NULL)
            return -ENOMEM;
    }
    send_warm(e);
    return 0;
}

