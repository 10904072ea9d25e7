/* --batch: several orders in one request to a broker's batch endpoint
 * (a profile's "batch", docs/profiles.md "Batches"). Each order is still
 * a job of its own, with its own journal line and result; its attempt
 * rides on the lead's request, and the answer is read once per order from
 * the order's own element (complete.c). */
#include <cjson/cJSON.h>

#include "parts.h"
#include "profile_int.h"

/* Can j share a request with the lead: a placing attempt (not a lookup),
 * with the values of the profile's "group" columns the lead has? */
int salvo_batch_may_ride(const salvo_batch_t *b, const salvo_job_t *lead, const salvo_job_t *j)
{
    int lookup = j->state == JOB_READY ? j->lookup_first : j->mode != JOB_POST;
    if (lookup)
        return 0;
    const salvo_order_t *a = &lead->order, *o = &j->order;
    return (!(b->group & (1u << SALVO_COL_SYMBOL)) || strcmp(a->symbol, o->symbol) == 0) &&
           (!(b->group & (1u << SALVO_COL_SIDE)) || strcmp(a->side, o->side) == 0) &&
           (!(b->group & (1u << SALVO_COL_TYPE)) || strcmp(a->type, o->type) == 0);
}

/* Up to max orders that may go with lead, lead first: retries first (they
 * waited longest), then orders read. */
static unsigned collect(struct salvo_engine *e, salvo_job_t *lead, salvo_job_t **out, unsigned max)
{
    const salvo_batch_t *b = e->cfg->profile->batch;
    salvo_queue_t *qs[2] = {&e->retry, e->held ? NULL : &e->ready};
    unsigned n = 0;
    out[n++] = lead;
    for (int k = 0; k < 2 && qs[k] && n < max; k++) {
        for (salvo_queue_t *q = salvo_queue_head(qs[k]); q != qs[k] && n < max; q = q->next) {
            salvo_job_t *j = SALVO_QUEUE_DATA(q, salvo_job_t, qlink);
            if (j != lead && salvo_batch_may_ride(b, lead, j))
                out[n++] = j;
        }
    }
    return n;
}

/* Take j's tokens (its --rate-per value's slot too) if every limiter
 * allows it now: 0, or -1 with nothing taken. */
static int take_if_free(struct salvo_engine *e, salvo_job_t *j, int64_t now, int check)
{
    char key[SALVO_PACE_KEY_MAX];
    long len = salvo_job_pace_key(e, j, key);
    if (check && (salvo_pace_wait(&e->pace, now) != 0 ||
                  (len >= 0 && salvo_pace_wait_key(&e->pace, key, (size_t)len, now) != 0)))
        return -1;
    return salvo_pace_take(&e->pace, now, len < 0 ? NULL : key, len < 0 ? 0 : (size_t)len, &j->ticket) < 0 ? -1 : 0;
}

/* The tokens: the request's (the lead's, which the pump saw free), and,
 * when the broker counts orders, one for each further order, as far as
 * the limiters allow now. With --rate-per every order takes its value's
 * slot too, whatever the broker counts: a batch of several values must
 * not pass one's limit riding on another's. How many orders go (1: the
 * lead alone, its token taken; 0: none, nothing taken). */
static unsigned take_tokens(struct salvo_engine *e, salvo_job_t **m, unsigned n, int64_t now)
{
    int per_order = e->cfg->profile->batch->per_order || e->pace.per != NULL;
    if (take_if_free(e, m[0], now, 0) < 0)
        return 0;
    for (unsigned i = 1; i < n; i++) {
        m[i]->ticket.taken = m[i]->ticket.per_taken = 0; /* an earlier attempt's was settled */
        if (per_order && take_if_free(e, m[i], now, 1) < 0)
            return i;
    }
    return n;
}

/* Take j off its queue and start it, as the pump would. */
static void begin(struct salvo_engine *e, salvo_job_t *j)
{
    if (j->state == JOB_READY) {
        salvo_pace_ticket_t t = j->ticket; /* taken in take_tokens() */
        salvo_job_start(e, j);
        j->ticket = t;
    } else {
        salvo_queue_remove(&j->qlink);
    }
}

int salvo_batch_build(struct salvo_engine *e, salvo_job_t *lead, int redact)
{
    const salvo_batch_t *b = e->cfg->profile->batch;
    const salvo_order_t *orders[lead->nmembers];
    for (unsigned i = 0; i < lead->nmembers; i++)
        orders[i] = &lead->members[i]->order;
    salvo_batch_render(b, &lead->batch_body, orders, lead->nmembers);
    if (lead->batch_body.oom) {
        snprintf(lead->errbuf, sizeof lead->errbuf, "out of memory");
        return -ENOMEM;
    }
    lead->idem_node.data = NULL; /* one order's key would dedupe the whole batch against it */
    return salvo_job_sign(e, lead, b->req, e->cfg->batch_url, lead->batch_body.p, lead->batch_body.len, redact,
                          e->batch_shared);
}

static void not_sent_all(struct salvo_engine *e, salvo_job_t *lead, const char *why)
{
    char copy[sizeof lead->errbuf]; /* why may be the lead's errbuf, which finishing it rewrites */
    salvo_join_text(copy, sizeof copy, why, NULL);
    while (lead->nmembers > 0)
        salvo_job_not_sent(e, lead->members[lead->nmembers - 1], copy); /* finishing detaches it */
}

int salvo_batch_gather(struct salvo_engine *e, salvo_job_t *j, int64_t now)
{
    unsigned max = e->cfg->batch;
    if (max < 2 || e->cfg->profile == NULL || e->cfg->profile->batch == NULL || !salvo_batch_may_ride(e->cfg->profile->batch, j, j))
        return 0;
    if (j->members == NULL && (j->members = calloc(max, sizeof *j->members)) == NULL)
        return 0; /* it goes alone */
    salvo_job_t **m = j->members;
    unsigned n = collect(e, j, m, max);
    if (n < 2)
        return 0;
    n = take_tokens(e, m, n, now);
    if (n < 2) { /* the broker's limit leaves room for the lead alone */
        begin(e, j);
        if (n == 1)
            salvo_job_prepare_paced(e, j, now);
        else
            salvo_job_not_sent(e, j, "out of memory");
        return 1;
    }
    for (unsigned i = 0; i < n; i++) {
        begin(e, m[i]);
        m[i]->lead = j;
        m[i]->index = i;
        m[i]->state = JOB_LAUNCH; /* on no queue: it goes with the lead */
        if (i > 0)
            e->riders++;
    }
    j->nmembers = n;
    for (unsigned i = 0; i < n; i++)
        if (salvo_job_journal_sent(e, m[i]) < 0) { /* it was finished; the batch does not go */
            not_sent_all(e, j, "the journal could not be written");
            return 1;
        }
    if (salvo_batch_build(e, j, 0) < 0) {
        not_sent_all(e, j, j->errbuf);
        return 1;
    }
    for (unsigned i = 0; i < n; i++)
        salvo_job_count_send(e, m[i], now);
    salvo_queue_insert_tail(&e->launch, &j->qlink);
    return 1;
}

void salvo_batch_undo(struct salvo_engine *e, salvo_job_t *lead, const char *why,
                      void (*wait)(struct salvo_engine *, salvo_job_t *))
{
    if (why) {
        not_sent_all(e, lead, why);
        return;
    }
    while (lead->nmembers > 0) {
        salvo_job_t *j = lead->members[lead->nmembers - 1];
        salvo_job_detach(e, j);
        salvo_pace_settle(&e->pace, &j->ticket, -1, salvo_engine_now(e));
        wait(e, j);
    }
}

void salvo_batch_complete(struct salvo_engine *e, salvo_job_t *lead, const salvo_reply_t *r,
                          void (*wait)(struct salvo_engine *, salvo_job_t *))
{
    cJSON *doc = NULL;
    if (r->code == CURLE_OK && r->http >= 100 && !r->body_over && r->body_len > 0)
        doc = cJSON_ParseWithLength(r->body, r->body_len);
    unsigned n = lead->nmembers;
    salvo_job_t *m[n];
    memcpy(m, lead->members, n * sizeof *m);
    for (unsigned i = 0; i < n; i++) { /* each leaves the batch before its reading may finish or requeue it */
        salvo_job_detach(e, m[i]);
        m[i]->state = JOB_FLIGHT;
    }
    int64_t delay = 0;
    for (unsigned i = 0; i < n; i++) {
        salvo_complete_member(e, m[i], r, doc, i, n);
        if (m[i]->state == JOB_BACKOFF && m[i]->mode == JOB_POST && m[i]->delay_ns > delay)
            delay = m[i]->delay_ns;
    }
    for (unsigned i = 0; i < n; i++) {
        /* those that go again together wait as long as the longest: they
         * come back at once, and go as one batch again */
        if (m[i]->state == JOB_BACKOFF && m[i]->mode == JOB_POST)
            m[i]->delay_ns = delay;
        if (m[i]->state == JOB_BACKOFF || m[i]->state == JOB_RETRY)
            wait(e, m[i]);
    }
    cJSON_Delete(doc);
}
