#include "limit.h"

#include <errno.h>
#include <stdlib.h>

int salvo_window_init(salvo_window_t *w, uint32_t n, int64_t period_ns, int64_t guard_ns)
{
    *w = (salvo_window_t){.n = n, .period_ns = period_ns, .guard_ns = guard_ns};
    w->t = malloc((size_t)n * sizeof *w->t);
    w->open = calloc(n, 1);
    if (w->t == NULL || w->open == NULL) {
        salvo_window_free(w);
        return -ENOMEM;
    }
    return 0;
}

void salvo_window_free(salvo_window_t *w)
{
    free(w->t);
    free(w->open);
    w->t = NULL;
    w->open = NULL;
}

/* Drop settled sends older than the period. Only the head is looked at:
 * an entry settled later than one behind it only makes us wait longer,
 * which is the safe side. */
static void expire(salvo_window_t *w, int64_t now)
{
    while (w->len > 0 && !w->open[w->head] && w->t[w->head] + w->period_ns + w->guard_ns <= now) {
        w->head = (w->head + 1) % w->n;
        w->len--;
    }
}

int64_t salvo_window_wait(salvo_window_t *w, int64_t now)
{
    expire(w, now);
    if (w->len < w->n)
        return 0;
    if (w->open[w->head])
        return SALVO_WAIT_FOREVER;
    return w->t[w->head] + w->period_ns + w->guard_ns - now;
}

uint64_t salvo_window_take(salvo_window_t *w, int64_t now)
{
    uint32_t at = (w->head + w->len) % w->n;
    w->t[at] = now;
    w->open[at] = 1;
    w->len++;
    return w->next_id++;
}

void salvo_window_settle(salvo_window_t *w, uint64_t id, int64_t sent)
{
    /* id's slot: the window holds the last len ids, ending at next_id - 1. */
    uint64_t oldest = w->next_id - w->len;
    if (id < oldest || id >= w->next_id)
        return; /* already expired */
    uint32_t at = (uint32_t)((w->head + (id - oldest)) % w->n);
    if (sent > w->t[at])
        w->t[at] = sent;
    w->open[at] = 0;
}
