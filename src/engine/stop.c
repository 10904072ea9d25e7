/* Stopping: whatever the reason (the caller, a journal that cannot be
 * written, a cap), every order the engine holds gets its result now or,
 * for requests in flight, when their answers come (or at once with
 * SALVO_STOP_NOW). Walks take each job off its queue before acting, so
 * finishing one never disturbs the walk. */
#include "parts.h"

/* Read, never started: not sent by this run. One an earlier run sent
 * (--resume, queued to be looked up or sent again) may be at the broker:
 * unknown, as the journal left it, never a "no". */
static void report_ready(struct salvo_engine *e)
{
    salvo_queue_t *q;
    while ((q = salvo_queue_pop_head(&e->ready)) != NULL) {
        salvo_job_t *j = SALVO_QUEUE_DATA(q, salvo_job_t, qlink);
        if (j->journal_state == SALVO_J_SENT || j->journal_state == SALVO_J_UNKNOWN) {
            e->st.held++;
            if (!j->lookup_first && e->st.resent_unknown > 0)
                e->st.resent_unknown--; /* admit.c counted it to be sent again: it was not */
            snprintf(j->errbuf, sizeof j->errbuf, "sent by an earlier run with no outcome recorded; not sent "
                     "again: %s", e->stop_why);
            salvo_job_report(e, j, SALVO_UNKNOWN, salvo_jstate_name(j->journal_state), j->errbuf);
            continue;
        }
        snprintf(j->errbuf, sizeof j->errbuf, "not sent: %s", e->stop_why);
        salvo_job_report(e, j, SALVO_NOT_SENT, NULL, j->errbuf);
    }
}

/* Apply act to every started job. The walk saves the next job before
 * acting, since acting finishes (and unlinks) the job. */
static void walk_busy(struct salvo_engine *e, void (*act)(struct salvo_engine *, salvo_job_t *))
{
    salvo_queue_t *q = salvo_queue_head(&e->busy);
    while (q != &e->busy) {
        salvo_queue_t *next = q->next;
        act(e, SALVO_QUEUE_DATA(q, salvo_job_t, busy_link));
        q = next;
    }
}

/* Started, waiting to launch, retry or be looked up: report what the
 * attempts so far showed. */
static void finish_waiting(struct salvo_engine *e, salvo_job_t *j)
{
    if (j->state == JOB_LAUNCH) {
        salvo_job_not_sent(e, j, e->stop_why); /* its journal line says sent; the request never left */
    } else if (j->state == JOB_BACKOFF || j->state == JOB_RETRY) {
        if (j->res.attempts == 0 && !j->maybe_delivered) {
            snprintf(j->errbuf, sizeof j->errbuf, "not sent: %s", e->stop_why);
            j->res.error = j->errbuf;
        }
        salvo_job_finish(e, j);
    }
}

/* In flight: the answer will not be waited for. It may have arrived. */
static void abort_in_flight(struct salvo_engine *e, salvo_job_t *j)
{
    if (j->state != JOB_FLIGHT)
        return;
    e->tops->cancel(e->transport, j);
    salvo_pace_settle(&e->pace, &j->ticket, -1, salvo_engine_now(e));
    salvo_result_t *r = &j->res;
    if (j->mode == JOB_POST) {
        if (r->attempts < SALVO_MAX_ATTEMPTS)
            r->attempt[r->attempts] = (salvo_attempt_t){0, CURLE_ABORTED_BY_CALLBACK};
        r->attempts++;
        r->latency_ms = -1; /* no answer: nothing to time, nothing for the latency percentiles */
    }
    r->status = SALVO_UNKNOWN;
    snprintf(j->errbuf, sizeof j->errbuf, "no answer waited for (%s); it may have reached the broker", e->stop_why);
    r->error = j->errbuf;
    salvo_job_finish(e, j);
}

/* A result handed to the caller may make it stop us again (its output
 * failed): such a nested call only raises the mode; the outer one acts. */
void salvo_stop_all(struct salvo_engine *e, int mode)
{
    if (mode == SALVO_STOP_NOW)
        e->aborting = 1;
    if (e->in_stop)
        return;
    e->in_stop = 1;
    salvo_intake_stop(&e->in);
    salvo_admit_dry_flush(e); /* read before the stop: shown */
    report_ready(e);
    walk_busy(e, finish_waiting);
    if (e->aborting)
        walk_busy(e, abort_in_flight);
    e->in_stop = 0;
}
