/* The engine's dispatch loop, and its start and stop. See salvo/engine.h
 * for the contract, parts.h for the parts, life.c for its making and
 * freeing (which registers the callbacks here: calls go from life.c down
 * to this file, never back). */
#include "parts.h"
#include "parse.h"
#include "util.h"

/* ================= dispatch ================= */

static void on_pace(uv_timer_t *t) { salvo_engine_pump(t->data); }

static void finish_run(struct salvo_engine *e);

/* The next loop turn: pump, or end the run outside any callback of the
 * transport's or the caller's. */
static void on_later(uv_idle_t *h)
{
    struct salvo_engine *e = h->data;
    uv_idle_stop(h);
    if (e->done)
        finish_run(e);
    else
        salvo_engine_pump(e);
}

static void pump_later(struct salvo_engine *e)
{
    if (!e->done && !e->freed)
        uv_idle_start(&e->later, on_later);
}

static void arm_pace_timer(struct salvo_engine *e, int64_t wait_ns)
{
    if (wait_ns == SALVO_WAIT_FOREVER)
        return; /* an answer will settle a slot and pump */
    uv_timer_start(&e->pace_timer, on_pace, salvo_ns_to_timer_ms(wait_ns), 0);
}

static void retry_push(struct salvo_engine *e, salvo_job_t *j)
{
    j->state = JOB_RETRY;
    salvo_queue_insert_tail(&e->retry, &j->qlink);
}

static void on_backoff_done(uv_timer_t *t);

/* An answered job waits: for its backoff timer, or for a token. */
static void wait_again(struct salvo_engine *e, salvo_job_t *j)
{
    if (j->state == JOB_BACKOFF)
        uv_timer_start(&j->backoff, on_backoff_done, salvo_ns_to_timer_ms(j->delay_ns), 0);
    else if (j->state == JOB_RETRY)
        retry_push(e, j);
}

static void on_backoff_done(uv_timer_t *t)
{
    salvo_job_t *j = t->data;
    retry_push(j->e, j);
    /* --batch: the orders of one batch come back together (one delay,
     * batch.c): pump once they all have, on the next turn, to batch them
     * again rather than send the first alone */
    if (j->e->cfg->batch > 1)
        pump_later(j->e);
    else
        salvo_engine_pump(j->e);
}

/* Stop for a reason of the engine's own (journal, input, setup). */
static void fail(struct salvo_engine *e, int reason, const char *why)
{
    if (e->st.stop_reason == SALVO_STOP_NONE)
        e->st.stop_reason = reason;
    salvo_engine_stop(e, SALVO_STOP_DRAIN, why);
}

/* A part raised a stop: act on it now. 1 when the run is stopping. */
static int apply_raised(struct salvo_engine *e)
{
    if (e->fail_reason && !e->stopping)
        fail(e, e->fail_reason, e->fail_why);
    return e->stopping;
}

/* The run stopped (or hit a cap) before the end of a regular file: its
 * other rows are read, cheaply, sending nothing, so each has its line. Not
 * a stream (it may never end), nor after a hard stop (it is cut short),
 * nor when the input itself failed (a read error, out of memory, rows that
 * cannot be orders), nor in a check pass, nor in a dry run a cap ended
 * (nothing was sent: a preview of the first N rows, --check-profile's
 * first row). */
static int reading_rest(const struct salvo_engine *e)
{
    return (e->stopping || e->capped) && !e->input_done && e->in.stream == NULL && !e->aborting &&
           !e->cfg->check_only && !(e->cfg->dry_run && e->capped) && !e->st.input_error && !e->in.setup_err[0];
}

static void fill_orders(struct salvo_engine *e);

/* Read orders while there is room: invalid ones are reported at once,
 * valid ones admitted (queued, or settled); after a stop, the rest of a
 * file is reported not sent (salvo_admit_unsent). A batch dry run shows
 * the orders of this pass together. */
static void fill(struct salvo_engine *e)
{
    fill_orders(e);
    if (e->ndry)
        salvo_admit_dry_flush(e);
}

static void fill_orders(struct salvo_engine *e)
{
    /* A regular file is read without waiting: yield to the loop now and
     * then, so a signal (or a stop) is heard in a long pass too. */
    unsigned budget = 4096;
    for (;;) {
        int rest = reading_rest(e);
        if (rest ? e->held : e->stopping || e->capped || e->input_done)
            return; /* the rest waits while the output drains (hold) */
        if (budget-- == 0) {
            pump_later(e);
            return;
        }
        salvo_job_t *j = salvo_job_alloc(e);
        if (j == NULL)
            return;
        int rc = salvo_intake_next(&e->in, &j->order);
        if (rc == INTAKE_WAIT || rc == INTAKE_END || rc < 0) {
            salvo_job_release(e, j);
            if (rc == INTAKE_END) {
                e->input_done = 1;
            } else if (rc == -EINVAL) {
                snprintf(e->st.setup_error, sizeof e->st.setup_error, "%s", e->in.setup_err);
                fail(e, SALVO_STOP_SETUP, e->in.setup_err);
            } else if (rc < 0) {
                e->st.input_error = rc == -EIO ? e->in.error : -rc;
                fail(e, SALVO_STOP_INPUT, "the input could not be read");
            }
            return;
        }
        e->st.orders++;
        e->st.input_line = j->order.line;
        if (rc == INTAKE_INVALID)
            salvo_job_report(e, j, SALVO_INVALID, NULL, j->order.error);
        else if (rest)
            salvo_admit_unsent(e, j);
        else
            salvo_admit(e, j);
    }
}

/* Hand this turn's attempts to the transport, once the journal says they
 * are going (and, with --fsync, has it on disk). */
static void launch(struct salvo_engine *e)
{
    if (salvo_queue_empty(&e->launch))
        return;
    salvo_journal_t *jn = e->cfg->journal;
    int r = jn && salvo_journal_wants_sync(jn) ? salvo_journal_sync(jn) : 0;
    if (r < 0) {
        e->st.journal_error = r;
        fail(e, SALVO_STOP_JOURNAL, "the journal could not be synced to disk");
        return; /* the stop reported every job on launch as not sent */
    }
    salvo_queue_t *q;
    int freed = 0;
    while ((q = salvo_queue_pop_head(&e->launch)) != NULL) {
        salvo_job_t *j = SALVO_QUEUE_DATA(q, salvo_job_t, qlink);
        j->state = JOB_FLIGHT;
        for (unsigned i = 0; i < j->nmembers; i++)
            j->members[i]->state = JOB_FLIGHT;
        int sr = e->tops->send(e->transport, j);
        if (sr == 0 && j->nmembers > 0) {
            e->st.batches++;
            e->st.batched += j->nmembers;
        }
        if (sr < 0 && j->nmembers > 0) { /* a batch: each of its orders goes again, or ends */
            salvo_batch_undo(e, j, sr == -EBUSY ? NULL : sr == -ENOMEM ? "out of memory" : "the request could not be set up",
                             retry_push);
            freed |= sr != -EBUSY; /* no free connection: an answer will pump, as for a single order */
        } else if (sr == -EBUSY) {
            /* No free connection slot yet (the dispatch counts slots, so only
             * a transport with slots of its own gets here): its window slots are
             * settled as if it left now (the safe side, never left open), and it
             * goes again with the next token. Its journal line says "sent": on --resume it is looked up
             * or held, never sent twice. */
            salvo_pace_settle(&e->pace, &j->ticket, -1, salvo_engine_now(e));
            retry_push(e, j);
        } else if (sr < 0) {
            salvo_job_not_sent(e, j, sr == -ENOMEM    ? "out of memory"
                                     : sr == -ENOTCONN ? "no worker is running (--exec)"
                                                       : "the request could not be set up");
            freed = 1;
        }
    }
    /* A send that failed here freed its slot, and no answer will come to
     * pump for the orders still waiting: pump on the next turn. */
    if (freed)
        pump_later(e);
}

static void maybe_done(struct salvo_engine *e);

/* Start an order from the ready queue: a lookup first (--resume of an
 * order sent earlier), else its first attempt. */
static void start_ready(struct salvo_engine *e, salvo_job_t *j, int64_t now)
{
    salvo_job_start(e, j);
    if (j->lookup_first && salvo_job_set_lookup(e, j) < 0) {
        salvo_job_not_sent(e, j, "out of memory");
        return;
    }
    salvo_job_prepare(e, j, now);
}

/* ================= market open (at.c does the work) ================= */

static void on_at_timer(uv_timer_t *t)
{
    struct salvo_engine *e = t->data;
    if (e->stopping || e->done)
        return;
    if (salvo_at_tick(e))
        salvo_engine_pump(e);
    else
        salvo_at_schedule(e, on_at_timer);
}

/* The job that may go next as far as --rate-per goes: the first retry
 * whose value may go, else (when ready may start one) the first of the
 * ready orders, looking at most SALVO_RATE_PER_LOOKAHEAD orders past held
 * values; NULL with *wait the shortest wait among those looked at. Without
 * --rate-per it is the head, as it always was: FIFO. */
static salvo_job_t *pick(struct salvo_engine *e, int ready, int64_t now, int64_t *wait)
{
    salvo_queue_t *qs[2] = {&e->retry, ready ? &e->ready : NULL};
    char key[SALVO_PACE_KEY_MAX];
    unsigned looked = 0;
    *wait = SALVO_WAIT_FOREVER;
    for (int k = 0; k < 2 && qs[k]; k++) {
        for (salvo_queue_t *q = salvo_queue_head(qs[k]); q != qs[k] && looked < SALVO_RATE_PER_LOOKAHEAD;
             q = q->next, looked++) {
            salvo_job_t *j = SALVO_QUEUE_DATA(q, salvo_job_t, qlink);
            long len = salvo_job_pace_key(e, j, key);
            int64_t w = len < 0 ? 0 : salvo_pace_wait_key(&e->pace, key, (size_t)len, now);
            if (w == 0)
                return j;
            if (w < *wait)
                *wait = w;
        }
    }
    return NULL;
}

/* Send whatever the cap and the limiters allow now. */
void salvo_engine_pump(struct salvo_engine *e)
{
    if (e->done || !e->started)
        return;
    fill(e);
    if (e->waiting_transport || !salvo_at_reached(e)) {
        apply_raised(e);
        maybe_done(e);
        return;
    }
    while (!apply_raised(e)) {
        int retry = !salvo_queue_empty(&e->retry);
        /* the cap counts requests: a batch's orders ride on one */
        int ready = !salvo_queue_empty(&e->ready) && !e->held &&
                    e->active - e->riders + e->warm_busy < e->cfg->concurrency;
        if (!retry && !ready)
            break;
        int64_t now = salvo_engine_now(e);
        int64_t wait = salvo_pace_wait(&e->pace, now);
        if (wait > 0) {
            arm_pace_timer(e, wait);
            break;
        }
        salvo_job_t *j = pick(e, ready, now, &wait);
        if (j == NULL) { /* every value looked at is held */
            arm_pace_timer(e, wait);
            break;
        }
        if (salvo_batch_gather(e, j, now)) {
            fill(e);
            continue;
        }
        if (j->state == JOB_RETRY) {
            salvo_queue_remove(&j->qlink);
            salvo_job_prepare(e, j, now);
            continue;
        }
        start_ready(e, j, now);
        fill(e);
    }
    launch(e);
    apply_raised(e);
    maybe_done(e);
}

/* ================= the end ================= */

/* Every order read has had its result: the count says so, or it is a bug
 * the caller must hear of. */
static void check_invariant(struct salvo_engine *e)
{
    uint64_t results = 0;
    for (int i = 0; i < SALVO_STATUS_COUNT; i++)
        results += e->st.count[i];
    if (e->cfg->check_only)
        results += e->st.valid;
    e->st.invariant_broken = results != e->st.orders;
}

static void maybe_done(struct salvo_engine *e)
{
    if (e->done || e->active > 0)
        return;
    int input_over = e->input_done || ((e->capped || e->stopping) && !reading_rest(e));
    if (!input_over || !salvo_queue_empty(&e->ready) || !salvo_queue_empty(&e->retry))
        return;
    e->done = 1;
    e->st.input_unread = !e->input_done;
    e->st.wall_ns = salvo_engine_now(e);
    if (e->st.burst_spread_ns == 0 && e->st.sends > 1)
        e->st.burst_spread_ns = e->st.last_send_ns - e->st.first_send_ns;
    if (e->wire_first_us) { /* what the wire saw, where the transport could tell */
        e->st.first_send_unix_us = e->wire_first_us;
        if (e->wire_burst_last_us >= e->wire_first_us)
            e->st.burst_spread_ns = (e->wire_burst_last_us - e->wire_first_us) * SALVO_NS_PER_US;
    }
    uv_timer_stop(&e->pace_timer);
    uv_timer_stop(&e->at_timer);
    salvo_intake_stop(&e->in);
    check_invariant(e);
    /* We may be deep in a transport callback: close it on the next turn. */
    uv_idle_start(&e->later, on_later);
}

static void finish_run(struct salvo_engine *e)
{
    if (e->transport && e->tops->stats)
        e->tops->stats(e->transport, &e->st);
    if (e->transport) { /* its connections close: the loop can end */
        e->tops->close(e->transport);
        e->transport = NULL;
    }
    if (e->cb.on_done && !e->freed)
        e->cb.on_done(e->ud, &e->st);
}

/* ================= the engine's transport callbacks ================= */

void salvo_engine_on_reply(void *ud, salvo_job_t *j, const salvo_reply_t *r)
{
    struct salvo_engine *e = ud;
    if (j->mode == JOB_WARM) {
        salvo_at_warm_done(e, j, r);
        salvo_engine_pump(e);
        return;
    }
    if (j->nmembers > 0) {
        salvo_batch_complete(e, j, r, wait_again);
    } else {
        salvo_complete(e, j, r);
        wait_again(e, j);
    }
    salvo_engine_pump(e);
}

void salvo_engine_on_input(void *ud) { salvo_engine_pump(ud); }

/* --exec: the workers are up (the sends may begin), or one could not
 * start (nothing is sent: a setup error). */
void salvo_engine_on_transport_state(void *ud, int state, const char *why)
{
    struct salvo_engine *e = ud;
    if (state == SALVO_EXEC_READY) {
        e->waiting_transport = 0;
        pump_later(e);
        return;
    }
    snprintf(e->st.setup_error, sizeof e->st.setup_error, "%s", why);
    fail(e, SALVO_STOP_SETUP, why);
}

int salvo_engine_start(salvo_engine_t *e)
{
    if (e->started)
        return -EALREADY;
    e->started = 1;
    e->t0 = (int64_t)uv_hrtime();
    /* the moment by the system clock, as late as possible; the monotonic
     * clock from here (a clock step does not move it) */
    int64_t ahead_us = e->cfg->start_at_unix_us ? e->cfg->start_at_unix_us - salvo_unix_us() : 0;
    e->start_at_ns = ahead_us > 0 ? e->t0 + ahead_us * SALVO_NS_PER_US : 0;
    e->fired = e->start_at_ns == 0;
    if (e->cfg->warm && e->transport && e->cfg->warm_url && e->start_at_ns) {
        int r = salvo_at_start_warm(e);
        if (r < 0)
            return r;
    }
    if (!e->fired)
        salvo_at_schedule(e, on_at_timer);
    if (e->waiting_transport && salvo_exec_start(e->transport) < 0)
        return -ENOMEM;
    salvo_engine_pump(e);
    return 0;
}

void salvo_engine_stop(salvo_engine_t *e, int mode, const char *why)
{
    if (e->done)
        return;
    if (!e->stopping) {
        e->stopping = 1;
        snprintf(e->stop_why, sizeof e->stop_why, "%s", why && *why ? why : "the run was stopped");
        if (e->st.stop_reason == SALVO_STOP_NONE)
            e->st.stop_reason = SALVO_STOP_CALLER;
    }
    if (!e->started) { /* nothing read yet: nothing to report */
        e->started = 1;
        e->t0 = (int64_t)uv_hrtime();
    }
    uv_timer_stop(&e->at_timer);
    salvo_stop_all(e, mode);
    if (reading_rest(e)) /* no answer may come to pump: read the rest on the next turn */
        pump_later(e);
    maybe_done(e);
}

void salvo_engine_hold(salvo_engine_t *e, int hold)
{
    e->held = hold != 0;
    if (!e->held)
        pump_later(e);
}

const salvo_stats_t *salvo_engine_stats(const salvo_engine_t *e) { return &e->st; }
