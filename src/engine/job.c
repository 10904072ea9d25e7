/* A job's beginning and end: taking it from the pool, preparing each
 * attempt (tokens, the journal's "sent" line, the idempotency header),
 * and its one result (the journal's outcome line, the caller's callback). */
#include "parts.h"
#include "util.h"

salvo_job_t *salvo_job_alloc(struct salvo_engine *e)
{
    salvo_queue_t *q = salvo_queue_pop_head(&e->free_jobs);
    if (q == NULL)
        return NULL;
    salvo_job_t *j = SALVO_QUEUE_DATA(q, salvo_job_t, qlink);
    j->state = JOB_READY; /* not on a queue yet: the caller decides */
    j->journal_state = 0;
    j->lookup_first = 0;
    return j;
}

void salvo_job_release(struct salvo_engine *e, salvo_job_t *j)
{
    salvo_queue_remove(&j->qlink);
    free(j->lookup_url);
    j->lookup_url = NULL;
    j->state = JOB_FREE;
    salvo_queue_insert_head(&e->free_jobs, &j->qlink);
}

static void emit(struct salvo_engine *e, const salvo_result_t *r)
{
    e->st.count[r->status]++;
    if (e->cb.on_result)
        e->cb.on_result(e->ud, r);
}

/* An order that never started: invalid, skipped, held, not sent, dry run. */
void salvo_job_report(struct salvo_engine *e, salvo_job_t *j, int status, const char *previous, const char *error)
{
    salvo_result_t r = {.order = &j->order, .status = status, .previous = previous, .error = error};
    if (status == SALVO_DRY_RUN)
        r.request = j->request;
    emit(e, &r);
    salvo_job_release(e, j);
}

void salvo_job_start(struct salvo_engine *e, salvo_job_t *j)
{
    salvo_queue_remove(&j->qlink);
    salvo_queue_insert_tail(&e->busy, &j->busy_link);
    e->active++;
    e->st.in_flight = e->active;
    memset(&j->res, 0, sizeof j->res);
    j->res.order = &j->order;
    j->res.reused = -1;
    j->lookups = 0;
    j->order_id[0] = '\0';
    j->filled[0] = '\0';
    j->res.op = e->cfg->op;
    j->captured.len = 0;
    j->has_wire = 0;
    j->resp_len = 0;
    j->resp_over = 0;
    j->ticket.taken = 0;
    j->ticket.per_taken = 0;
    /* a resend's copy may be at the broker; a cancel's order is another request */
    j->maybe_delivered = e->cfg->op == SALVO_OP_SEND &&
                         (j->journal_state == SALVO_J_SENT || j->journal_state == SALVO_J_UNKNOWN);
    if (j->maybe_delivered) {
        j->res.previous = salvo_jstate_name(j->journal_state);
        j->res.status = SALVO_UNKNOWN;
    } else {
        j->res.status = SALVO_NOT_SENT;
        if (e->cfg->op != SALVO_OP_SEND && j->journal_state != SALVO_J_NONE) /* what the send's journal said */
            j->res.previous = salvo_jstate_name(j->journal_state);
    }
    j->mode = JOB_POST;
}

/* "Name: id", sized from the data: a long name or id never truncates the
 * key (three orders must never share one). */
static int set_idempotency(struct salvo_engine *e, salvo_job_t *j)
{
    const char *name = e->cfg->idempotency_header;
    j->idem_node.data = NULL;
    /* a cancel or lookup must not carry the order's key: a broker could
     * answer it with the order's own stored answer */
    if (name == NULL || !j->order.client_order_id[0] || j->mode != JOB_POST || e->cfg->op != SALVO_OP_SEND)
        return 0;
    size_t nn = strlen(name), ni = strlen(j->order.client_order_id);
    if (salvo_grow((void **)&j->idem, &j->idem_cap, nn + 2 + ni + 1, 1) < 0)
        return -ENOMEM;
    memcpy(j->idem, name, nn); /* "%s: %s", without printf: one an order */
    memcpy(j->idem + nn, ": ", 2);
    memcpy(j->idem + nn + 2, j->order.client_order_id, ni + 1);
    j->idem_node.data = j->idem;
    j->idem_node.next = e->shared_headers;
    return 0;
}

/* A profile's request for j, signed now: after the limiter and any
 * backoff, so its timestamp is fresh (redact: a dry run's, secrets as ***).
 * The header lines go before the shared ones. 0, or a negative errno with
 * j->errbuf saying why. */
int salvo_job_build_wire(struct salvo_engine *e, salvo_job_t *j, int redact)
{
    const salvo_order_t *o = &j->order;
    const char *url = o->target && o->target[0] ? o->target : e->cfg->url;
    return salvo_job_sign(e, j, e->cfg->profile, url, o->body, o->body_len, redact, e->shared_headers);
}

int salvo_job_sign(struct salvo_engine *e, salvo_job_t *j, const salvo_profile_t *p, const char *url, const char *body,
                   size_t len, int redact, struct curl_slist *shared)
{
    char err[200];
    j->has_wire = 0;
    j->wire.redact = redact;
    int rc = salvo_sign_build(p, &e->signer, url, body, len, salvo_unix_us(), &j->wire, err, sizeof err);
    j->wire.redact = 0;
    if (rc < 0) {
        snprintf(j->errbuf, sizeof j->errbuf, "%s", err);
        return rc;
    }
    /* the wire's header lines, then the idempotency header, then the shared ones */
    struct curl_slist *next = j->idem_node.data ? &j->idem_node : shared;
    for (size_t i = j->wire.nh; i-- > 0;) {
        j->hnodes[i].data = (char *)salvo_wire_header(&j->wire, i);
        j->hnodes[i].next = next;
        next = &j->hnodes[i];
    }
    j->has_wire = 1;
    return 0;
}

/* Take the limiters' tokens, write the journal's "sent" line and queue the
 * attempt for launch: every attempt and lookup counts against the broker's
 * limits. 0, or -1 when it cannot go (the job has been finished). */
long salvo_job_pace_key(struct salvo_engine *e, const salvo_job_t *j, char *buf)
{
    if (e->pace.per == NULL)
        return -1;
    /* waiting (JOB_READY), a lookup comes first when lookup_first says so;
     * started, mode says what the next attempt is */
    int lookup = j->state == JOB_READY ? j->lookup_first : j->mode != JOB_POST;
    return lookup ? -1 : (long)salvo_pace_key(&e->pace, &j->order, buf, SALVO_PACE_KEY_MAX);
}

int salvo_job_prepare(struct salvo_engine *e, salvo_job_t *j, int64_t now)
{
    char key[SALVO_PACE_KEY_MAX];
    long klen = salvo_job_pace_key(e, j, key);
    int pr = salvo_pace_take(&e->pace, now, klen < 0 ? NULL : key, klen < 0 ? 0 : (size_t)klen, &j->ticket);
    if (pr < 0) {
        salvo_job_not_sent(e, j, pr == -ENOMEM ? "out of memory" : "--rate-per: no slot for its value");
        return -1;
    }
    return salvo_job_prepare_paced(e, j, now);
}

int salvo_job_prepare_paced(struct salvo_engine *e, salvo_job_t *j, int64_t now)
{
    if (set_idempotency(e, j) < 0) {
        salvo_job_not_sent(e, j, "out of memory");
        return -1;
    }
    if (j->mode == JOB_POST && e->cfg->profile && salvo_job_build_wire(e, j, 0) < 0) {
        char why[sizeof j->errbuf];
        salvo_join_text(why, sizeof why, j->errbuf, NULL);
        salvo_job_not_sent(e, j, why);
        return -1;
    }
    if (salvo_job_journal_sent(e, j) < 0)
        return -1;
    salvo_job_count_send(e, j, now);
    j->state = JOB_LAUNCH;
    salvo_queue_insert_tail(&e->launch, &j->qlink);
    return 0;
}

/* The journal's "sent" line for a POST. 0, or -1: the job has been
 * finished not sent and the run stops. */
int salvo_job_journal_sent(struct salvo_engine *e, salvo_job_t *j)
{
    if (j->mode != JOB_POST || e->cfg->journal == NULL)
        return 0;
    int r = salvo_journal_sent(e->cfg->journal, &j->order, j->res.attempts + 1);
    if (r < 0) {
        e->st.journal_error = r;
        salvo_job_not_sent(e, j, "the journal could not be written");
        salvo_engine_raise(e, SALVO_STOP_JOURNAL, "the journal could not be written");
        return -1;
    }
    return 0;
}

/* An attempt is going: its moments, and the run's counts of sends. */
void salvo_job_count_send(struct salvo_engine *e, salvo_job_t *j, int64_t now)
{
    if (j->mode == JOB_LOOKUP) {
        e->st.lookups++;
        return;
    }
    if (j->res.attempts == 0) {
        j->res.queued_ms = (double)(now - j->read_ns) / 1e6;
        j->send_index = e->st.sends;
    }
    j->res.sent_at_us = salvo_unix_us();
    if (j->res.attempts == 0 && e->cfg->start_at_unix_us) {
        j->res.has_at = 1;
        j->res.at_offset_ms = (double)(j->res.sent_at_us - e->cfg->start_at_unix_us) / 1e3;
    }
    if (e->st.sends == 0) {
        e->st.first_send_ns = now;
        e->st.first_send_unix_us = j->res.sent_at_us;
    }
    e->st.last_send_ns = now;
    e->st.sends++;
    if (e->st.sends == e->cfg->concurrency)
        e->st.burst_spread_ns = now - e->st.first_send_ns;
}

/* An attempt that never reached the transport: keep what an earlier
 * attempt learnt, else the order was not sent. */
void salvo_job_not_sent(struct salvo_engine *e, salvo_job_t *j, const char *why)
{
    salvo_pace_settle(&e->pace, &j->ticket, -1, salvo_engine_now(e));
    if (j->res.attempts == 0 && j->mode == JOB_POST)
        j->res.status = j->maybe_delivered ? SALVO_UNKNOWN : SALVO_NOT_SENT;
    salvo_join_text(j->errbuf, sizeof j->errbuf, "not sent: ", why); /* why is never j->errbuf: callers copy it */
    j->res.error = j->errbuf;
    salvo_job_finish(e, j);
}

/* --batch: j leaves its batch (finished, or going on its own); the lead
 * keeps the list of those still with it, in their places. */
void salvo_job_detach(struct salvo_engine *e, salvo_job_t *j)
{
    salvo_job_t *lead = j->lead;
    if (lead == NULL)
        return;
    j->lead = NULL;
    if (j != lead)
        e->riders--;
    unsigned k = 0;
    for (unsigned i = 0; i < lead->nmembers; i++)
        if (lead->members[i] != j)
            lead->members[k++] = lead->members[i];
    lead->nmembers = k;
}

void salvo_job_finish(struct salvo_engine *e, salvo_job_t *j)
{
    salvo_result_t *r = &j->res;
    salvo_job_detach(e, j);
    uv_timer_stop(&j->backoff);
    r->response = j->resp_len ? j->resp : NULL;
    r->response_len = j->resp_len;
    r->response_truncated = j->resp_over;
    if (r->attempts > 0 && r->latency_ms >= 0) /* < 0: never answered */
        salvo_hist_add(&e->st.latency, (uint64_t)(r->latency_ms * 1000.0));
    if (r->attempts > 0)
        e->st.last_done_ns = salvo_engine_now(e);
    if (r->reconciled)
        e->st.reconciled++;
    if (e->cfg->journal && (r->attempts > 0 || r->reconciled || r->status == SALVO_NOT_SENT)) {
        int jr = salvo_journal_outcome(e->cfg->journal, r);
        if (jr < 0 && !e->st.journal_error) {
            e->st.journal_error = jr;
            salvo_engine_raise(e, SALVO_STOP_JOURNAL, "the journal could not be written");
        }
    }
    salvo_queue_remove(&j->busy_link);
    e->active--;
    e->st.in_flight = e->active;
    emit(e, r);
    salvo_job_release(e, j);
}
