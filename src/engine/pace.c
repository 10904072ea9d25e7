/* The pacing gate: the token bucket and the windows, asked together.
 * Knows nothing of orders or the loop: times come in as arguments. */
#include <math.h>

#include "parts.h"
#include "parse.h"

int salvo_pace_init(salvo_pace_t *p, const salvo_config_t *c)
{
    memset(p, 0, sizeof *p);
    if (c->rate > 0) {
        salvo_bucket_init(&p->bucket, c->rate, c->burst ? c->burst : 1, SALVO_BUCKET_SLACK_NS);
        p->has_bucket = 1;
        /* The bucket may catch up a few late sends at once; this window
         * keeps any one second at or under rate (+ burst - 1) regardless. */
        if (c->rate >= 1) {
            uint32_t n = (uint32_t)ceil(c->rate) + (c->burst ? c->burst - 1 : 0);
            if (salvo_window_init(&p->rate_window, n, SALVO_NS_PER_SEC, SALVO_WINDOW_GUARD_NS) < 0)
                return -ENOMEM;
            p->has_rate_window = 1;
        }
    }
    if (c->window_n > 0) {
        if (salvo_window_init(&p->window, c->window_n, c->window_ns, SALVO_WINDOW_GUARD_NS) < 0)
            return -ENOMEM;
        p->has_window = 1;
    }
    if (c->rate_per_n > 0 && c->rate_per_cols) {
        uint32_t values = c->rate_per_values ? c->rate_per_values : salvo_rate_per_values_default(c->rate_per_n);
        if (salvo_rateper_new(&p->per, c->rate_per_n, c->rate_per_ns, SALVO_WINDOW_GUARD_NS, values) < 0)
            return -ENOMEM;
        p->per_cols = c->rate_per_cols;
    }
    return 0;
}

uint32_t salvo_rate_per_values_default(uint32_t n)
{
    const uint32_t most = 4096, slots = 1u << 22;
    return n == 0 || n <= slots / most ? most : slots / n > 16 ? slots / n : 16;
}

size_t salvo_pace_key(const salvo_pace_t *p, const salvo_order_t *o, char *buf, size_t cap)
{
    static const int cols[] = {SALVO_COL_SYMBOL, SALVO_COL_SIDE, SALVO_COL_TYPE};
    size_t len = 0;
    if (p->per == NULL || cap == 0)
        return 0;
    for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++) {
        if (!(p->per_cols & (1u << cols[i])))
            continue;
        const char *v = salvo_order_field(o, cols[i]);
        if (len > 0 && len < cap)
            buf[len++] = '\0';
        for (; v && *v && len < cap; v++)
            buf[len++] = *v;
    }
    return len;
}

int64_t salvo_pace_wait_key(salvo_pace_t *p, const char *key, size_t len, int64_t now)
{
    return p->per && key ? salvo_rateper_wait(p->per, key, len, now) : 0;
}

void salvo_pace_free(salvo_pace_t *p)
{
    salvo_window_free(&p->window);
    salvo_window_free(&p->rate_window);
    salvo_rateper_free(p->per);
    p->per = NULL;
}

/* The broker said to slow down (429, Retry-After, a spent budget): nothing
 * leaves before `until`. A later pause extends it, an earlier one does not
 * shorten it. */
void salvo_pace_pause(salvo_pace_t *p, int64_t until)
{
    if (until > p->paused_until)
        p->paused_until = until;
}

int64_t salvo_pace_wait(salvo_pace_t *p, int64_t now)
{
    int64_t w = p->paused_until > now ? p->paused_until - now : 0, v;
    if (p->has_window && (v = salvo_window_wait(&p->window, now)) > w)
        w = v;
    if (p->has_rate_window && (v = salvo_window_wait(&p->rate_window, now)) > w)
        w = v;
    if (p->has_bucket && (v = salvo_bucket_wait(&p->bucket, now)) > w)
        w = v;
    return w;
}

int salvo_pace_take(salvo_pace_t *p, int64_t now, const char *key, size_t len, salvo_pace_ticket_t *t)
{
    if (p->per && key) {
        int r = salvo_rateper_take(p->per, key, len, now, &t->per_slot, &t->per_id);
        if (r < 0)
            return r;
        t->per_taken = 1;
    }
    if (p->has_bucket)
        salvo_bucket_take(&p->bucket, now);
    if (p->has_window)
        t->window_id = salvo_window_take(&p->window, now);
    if (p->has_rate_window)
        t->rate_window_id = salvo_window_take(&p->rate_window, now);
    t->taken = 1;
    return 0;
}

void salvo_pace_settle(salvo_pace_t *p, salvo_pace_ticket_t *t, int64_t sent, int64_t now)
{
    if (!t->taken)
        return;
    if (sent < 0 || sent > now)
        sent = now; /* never left, or a clock quirk: hold the slot from now, the safe side */
    /* --window is the broker's own limit, counted by arrival: the request
     * arrived by the time its answer came (now), so holding the slot
     * PERIOD past the answer keeps the broker's count within N however
     * late the request got there. It costs a latency per PERIOD. */
    if (p->has_window)
        salvo_window_settle(&p->window, t->window_id, now);
    if (p->has_rate_window)
        salvo_window_settle(&p->rate_window, t->rate_window_id, sent);
    /* --rate-per is a broker's limit too, counted as --window is */
    if (t->per_taken && p->per)
        salvo_rateper_settle(p->per, t->per_slot, t->per_id, now);
    t->per_taken = 0;
    t->taken = 0;
}
