/* A valid order has been read: count it (check mode), show it (dry run),
 * settle it from the journal (resume), hold it back (a cap), or queue it. */
#include <stdlib.h>

#include "exec_proto.h"
#include "parts.h"
#include "profile_int.h"
#include "util.h"
#include "salvo/jbuf.h"
#include "salvo/secret.h"

/* Only a cap reads it: two strtod an order are not free. */
static double order_notional(const salvo_config_t *c, const salvo_order_t *o)
{
    if (c->max_notional <= 0 || o->order_type != SALVO_LIMIT)
        return 0;
    return strtod(o->price, NULL) * strtod(o->quantity, NULL);
}

/* Count an order against the --max-* caps: it is going, or went earlier. */
static void cap_count(struct salvo_engine *e, double notional)
{
    e->st.valid++;
    e->st.notional += notional;
}

/* Would this order pass a cap? Then the run reads no further. */
static int over_cap(struct salvo_engine *e, double notional)
{
    const salvo_config_t *c = e->cfg;
    if (c->max_orders && e->st.valid >= c->max_orders)
        e->st.stop_reason = SALVO_STOP_MAX_ORDERS;
    else if (c->max_notional > 0 && e->st.notional + notional > c->max_notional * (1 + 1e-12))
        e->st.stop_reason = SALVO_STOP_MAX_NOTIONAL;
    else
        return 0;
    e->capped = 1;
    return 1;
}

static void report_capped(struct salvo_engine *e, salvo_job_t *j)
{
    salvo_job_report(e, j, SALVO_SKIPPED, NULL,
                     e->st.stop_reason == SALVO_STOP_MAX_ORDERS ? "not sent: --max-orders reached"
                                                                : "not sent: --max-notional reached");
}

/* --resume: 1 when the journal settles the order here (it is reported),
 * 0 to queue it, with what the journal knew kept in the job. */
static int resume_order(struct salvo_engine *e, salvo_job_t *j, double notional)
{
    int state = salvo_jindex_get(e->cfg->resume, j->order.client_order_id);
    j->journal_state = state;
    if (state == SALVO_J_NONE || state == SALVO_J_FAILED)
        return 0; /* never sent, or definitely not executed: send it */
    cap_count(e, notional); /* it went out before: it counts against the caps */
    switch (state) {
    case SALVO_J_ACCEPTED:
    case SALVO_J_REJECTED:
        e->st.done_earlier++;
        salvo_job_report(e, j, SALVO_SKIPPED, salvo_jstate_name(state), NULL);
        return 1;
    default: /* sent, or unknown: it may be at the broker */
        if (e->cfg->reconcile_url || e->cfg->exec_lookup) {
            j->lookup_first = 1;
            return 0;
        }
        if (e->cfg->resend_unknown) {
            e->st.resent_unknown++;
            return 0;
        }
        e->st.held++;
        salvo_job_report(e, j, SALVO_UNKNOWN, salvo_jstate_name(state),
                         e->cfg->exec_argv ? "sent by an earlier run with no outcome recorded; not sent again "
                                             "(see --exec-lookup, --resend-unknown)"
                                           : "sent by an earlier run with no outcome recorded; not sent again "
                                             "(see --reconcile-url, --resend-unknown)");
        return 1;
    }
}

/* A cancel or lookup of the orders of a send's journal (cfg->resume):
 * only those the send may have placed are asked about; 1 when the order
 * is settled here (reported skipped: never placed). */
static int op_journal_order(struct salvo_engine *e, salvo_job_t *j)
{
    int state = salvo_jindex_get(e->cfg->resume, j->order.client_order_id);
    j->journal_state = state;
    if (state == SALVO_J_ACCEPTED || state == SALVO_J_SENT || state == SALVO_J_UNKNOWN)
        return 0;
    salvo_job_report(e, j, SALVO_SKIPPED, state == SALVO_J_NONE ? NULL : salvo_jstate_name(state),
                     state == SALVO_J_NONE ? "never sent: the journal has no record of it"
                                           : "never placed: the journal has its refusal");
    return 1;
}

static void queue_ready(struct salvo_engine *e, salvo_job_t *j)
{
    j->read_ns = salvo_engine_now(e);
    j->state = JOB_READY;
    salvo_queue_insert_tail(&e->ready, &j->qlink);
}

void salvo_admit(struct salvo_engine *e, salvo_job_t *j)
{
    double notional = order_notional(e->cfg, &j->order);
    if (e->cfg->check_only) {
        cap_count(e, notional);
        if (e->cb.on_valid)
            e->cb.on_valid(e->ud, &j->order);
        salvo_job_release(e, j); /* check mode reports only invalid rows */
        return;
    }
    if (e->cfg->resume && (e->cfg->op == SALVO_OP_SEND ? resume_order(e, j, notional) : op_journal_order(e, j)))
        return;
    if (j->journal_state == SALVO_J_NONE || j->journal_state == SALVO_J_FAILED) {
        if (over_cap(e, notional)) {
            report_capped(e, j);
            return;
        }
        cap_count(e, notional);
    }
    if (e->cfg->dry_run) {
        if (e->cfg->batch > 1)
            salvo_admit_dry_batch(e, j); /* shown with the batch it would go in */
        else
            salvo_admit_dry_run(e, j);
        return;
    }
    queue_ready(e, j);
}

/* After a stop, an order read only to be accounted for. What the journal
 * says of it still holds: one an earlier run sent may be at the broker,
 * so it is unknown, never a "no". */
void salvo_admit_unsent(struct salvo_engine *e, salvo_job_t *j)
{
    if (e->cfg->op != SALVO_OP_SEND) { /* the cancel or lookup was not sent; the order is what it was */
        if (e->cfg->resume && op_journal_order(e, j))
            return;
        snprintf(j->errbuf, sizeof j->errbuf, "not sent: %s", e->stop_why);
        salvo_job_report(e, j, SALVO_NOT_SENT, NULL, j->errbuf);
        return;
    }
    int state = e->cfg->resume ? salvo_jindex_get(e->cfg->resume, j->order.client_order_id) : SALVO_J_NONE;
    if (state == SALVO_J_ACCEPTED || state == SALVO_J_REJECTED) {
        e->st.done_earlier++;
        salvo_job_report(e, j, SALVO_SKIPPED, salvo_jstate_name(state), NULL);
    } else if (state != SALVO_J_NONE && state != SALVO_J_FAILED) {
        e->st.held++;
        snprintf(j->errbuf, sizeof j->errbuf, "sent by an earlier run with no outcome recorded; not sent again: %s",
                 e->stop_why);
        salvo_job_report(e, j, SALVO_UNKNOWN, salvo_jstate_name(state), j->errbuf);
    } else if (e->capped) {
        report_capped(e, j);
    } else {
        snprintf(j->errbuf, sizeof j->errbuf, "not sent: %s", e->stop_why);
        salvo_job_report(e, j, SALVO_NOT_SENT, NULL, j->errbuf);
    }
}

/* ---- dry run: the request as it would go, secrets as *** ---- */

static void add_header(salvo_jbuf_t *b, const char *h, const salvo_config_t *c, int *first)
{
    size_t len = strlen(h);
    size_t secret_at = salvo_header_secret_at(h, len, c->redact, c->nredact);
    if (!*first)
        salvo_jbuf_raw(b, ",", 1);
    *first = 0;
    if (secret_at == 0) {
        salvo_jbuf_str(b, h, len);
        return;
    }
    salvo_jbuf_t shown = {0}; /* the name, and stars for the value */
    salvo_jbuf_raw(&shown, h, secret_at);
    salvo_jbuf_cstr(&shown, " ***");
    salvo_jbuf_str(b, shown.p ? shown.p : "", shown.len);
    salvo_jbuf_free(&shown);
}

/* The request's JSON closed and kept with the job; the dry-run result. */
static void close_dry_run(struct salvo_engine *e, salvo_job_t *j, salvo_jbuf_t *b)
{
    salvo_jbuf_raw(b, "}", 2); /* with its NUL */
    j->request = b->p;
    j->request_cap = b->cap;
    if (b->oom) {
        salvo_job_report(e, j, SALVO_NOT_SENT, NULL, "not shown: out of memory");
        return;
    }
    salvo_job_report(e, j, SALVO_DRY_RUN, NULL, NULL);
}

/* --exec: the worker command the order would go to, its body, and the
 * protocol line a worker would read (its id is a worker's count: 1 here). */
static void exec_dry_run(struct salvo_engine *e, salvo_job_t *j)
{
    const salvo_config_t *c = e->cfg;
    salvo_jbuf_t b = {.p = j->request, .cap = j->request_cap};
    salvo_jbuf_cstr(&b, "{\"exec\":[");
    for (size_t i = 0; c->exec_argv[i]; i++) {
        salvo_jbuf_cstr(&b, i ? "," : "");
        salvo_jbuf_str(&b, c->exec_argv[i], strlen(c->exec_argv[i]));
    }
    salvo_jbuf_cstr(&b, "],\"body\":");
    salvo_jbuf_raw(&b, j->order.body, j->order.body_len);
    salvo_jbuf_t line = {0};
    salvo_exec_order_line(&line, j, 1);
    if (line.oom)
        b.oom = 1;
    else if (line.len > 1) {
        salvo_jbuf_cstr(&b, ",\"line\":");
        salvo_jbuf_raw(&b, line.p, line.len - 1); /* an object: the line without its '\n' */
    }
    salvo_jbuf_free(&line);
    close_dry_run(e, j, &b);
}

/* The body as it would go (a form's as a string), and what a profile signs. */
static void write_dry_body(salvo_jbuf_t *b, const salvo_config_t *c, const salvo_wire_t *w, const salvo_order_t *o,
                           int enc)
{
    int none = salvo_sends_no_body(c);
    if (w == NULL) {
        if (none)
            salvo_jbuf_cstr(b, "null");
        else
            salvo_jbuf_raw(b, o->body, o->body_len);
        return;
    }
    if (none && w->body_len == 0)
        salvo_jbuf_cstr(b, "null");
    else if (enc != SALVO_ENC_JSON)
        salvo_jbuf_str(b, w->body.p ? w->body.p : "", w->body_len);
    else
        salvo_jbuf_raw(b, w->body.p, w->body_len);
    if (w->canon.len) { /* what is signed, secrets as ***: signature mismatches are found here */
        salvo_jbuf_cstr(b, ",\"signs\":");
        salvo_jbuf_str(b, w->canon.p, w->canon.len);
    }
    if (w->sig.len) { /* --clock: a signature stale at any broker, shown */
        salvo_jbuf_cstr(b, ",\"signature\":");
        salvo_jbuf_str(b, w->sig.p, w->sig.len);
    }
}

/* The request as JSON, secrets as ***, into b, left open for
 * close_dry_run: method, url, headers (shared: the run's; the order's
 * idempotency header with idem), body (as JSON, or form pairs as a
 * string: enc). */
static void request_json(struct salvo_engine *e, const salvo_job_t *j, const salvo_wire_t *w, const char *m, int idem,
                         const struct curl_slist *shared, int enc, salvo_jbuf_t *b)
{
    const salvo_config_t *c = e->cfg;
    const char *url = w ? w->url.p : j->order.target && j->order.target[0] ? j->order.target : c->url;
    salvo_jbuf_cstr(b, "{\"method\":");
    salvo_jbuf_str(b, m, strlen(m));
    salvo_jbuf_cstr(b, ",\"url\":");
    salvo_jbuf_str(b, url, strlen(url));
    salvo_jbuf_cstr(b, ",\"headers\":[");
    int first = 1;
    for (size_t i = 0; w && i < w->nh; i++)
        add_header(b, salvo_wire_header(w, i), c, &first);
    for (const struct curl_slist *h = shared; h; h = h->next)
        if (strcmp(h->data, "Expect:") != 0)
            add_header(b, h->data, c, &first);
    if (idem && c->idempotency_header && j->order.client_order_id[0]) {
        salvo_jbuf_t line = {0};
        salvo_jbuf_printf(&line, "%s: %s", c->idempotency_header, j->order.client_order_id);
        if (line.p)
            add_header(b, line.p, c, &first);
        salvo_jbuf_free(&line);
    }
    salvo_jbuf_cstr(b, "],\"body\":");
    write_dry_body(b, c, w, &j->order, enc);
}

void salvo_admit_dry_run(struct salvo_engine *e, salvo_job_t *j)
{
    const salvo_config_t *c = e->cfg;
    if (c->exec_argv) {
        exec_dry_run(e, j);
        return;
    }
    if (c->profile && salvo_job_build_wire(e, j, 1) < 0) {
        char why[300];
        snprintf(why, sizeof why, "not shown: %s", j->errbuf);
        salvo_job_report(e, j, SALVO_NOT_SENT, NULL, why);
        return;
    }
    salvo_jbuf_t b = {.p = j->request, .cap = j->request_cap};
    request_json(e, j, c->profile ? &j->wire : NULL, c->method ? c->method : "POST", 1, e->shared_headers,
                 c->profile ? salvo_profile_encoding(c->profile) : SALVO_ENC_JSON, &b);
    close_dry_run(e, j, &b);
}

/* ---- --batch --dry-run: each order with the batch request it would go in ---- */

void salvo_admit_dry_batch(struct salvo_engine *e, salvo_job_t *j)
{
    if (e->dry == NULL && (e->dry = calloc(e->cfg->batch, sizeof *e->dry)) == NULL) {
        salvo_admit_dry_run(e, j); /* shown alone */
        return;
    }
    if (e->ndry > 0 && (e->ndry == e->cfg->batch || !salvo_batch_may_ride(e->cfg->profile->batch, e->dry[0], j)))
        salvo_admit_dry_flush(e);
    e->dry[e->ndry++] = j;
}

/* Each order of the batch gets a copy of the request's JSON. */
static void show_batch(struct salvo_engine *e, salvo_job_t *lead, unsigned n)
{
    salvo_jbuf_t b = {0};
    request_json(e, lead, &lead->wire, salvo_profile_method(e->cfg->profile->batch->req), 0, e->batch_shared,
                 SALVO_ENC_JSON, &b); /* a batch is JSON whatever its orders are */
    for (unsigned i = 0; i < n; i++) {
        salvo_job_t *j = e->dry[i];
        salvo_jbuf_t mine = {.p = j->request, .cap = j->request_cap};
        if (b.oom)
            mine.oom = 1;
        else
            salvo_jbuf_raw(&mine, b.p, b.len);
        close_dry_run(e, j, &mine);
    }
    salvo_jbuf_free(&b);
}

void salvo_admit_dry_flush(struct salvo_engine *e)
{
    unsigned n = e->ndry;
    e->ndry = 0;
    if (n == 0)
        return;
    salvo_job_t *lead = e->dry[0];
    if (n == 1 || (lead->members == NULL && (lead->members = calloc(e->cfg->batch, sizeof *lead->members)) == NULL)) {
        for (unsigned i = 0; i < n; i++)
            salvo_admit_dry_run(e, e->dry[i]); /* a single request each */
        return;
    }
    memcpy(lead->members, e->dry, n * sizeof *e->dry);
    lead->nmembers = n;
    int rc = salvo_batch_build(e, lead, 1);
    lead->nmembers = 0; /* shown, never sent: no batch to keep */
    if (rc < 0) {
        char why[300];
        snprintf(why, sizeof why, "not shown: %s", lead->errbuf);
        for (unsigned i = 0; i < n; i++)
            salvo_job_report(e, e->dry[i], SALVO_NOT_SENT, NULL, why);
        return;
    }
    show_batch(e, lead, n);
}
