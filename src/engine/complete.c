/* An attempt's reply: what it means for the order, and what comes next:
 * another attempt after a backoff, a lookup, or the result. */
#include <cjson/cJSON.h>

#include "parts.h"
#include "lookup.h"
#include "parse.h"
#include "profile_int.h"
#include "rules.h"
#include "retry.h"
#include "util.h"

/* Another attempt after delay_ns: the engine starts the timer. */
static void backoff(salvo_job_t *j, int64_t delay_ns)
{
    j->state = JOB_BACKOFF;
    j->delay_ns = delay_ns;
}

/* The next request of j is a --reconcile-url lookup. 0 or -ENOMEM. */
int salvo_job_set_lookup(struct salvo_engine *e, salvo_job_t *j)
{
    free(j->lookup_url);
    j->lookup_url = NULL; /* --exec-lookup: the worker looks it up by its id */
    if (e->cfg->reconcile_url &&
        (j->lookup_url = salvo_lookup_url(e->cfg->reconcile_url, j->order.client_order_id)) == NULL)
        return -ENOMEM;
    j->mode = JOB_LOOKUP;
    j->lookups++;
    return 0;
}

/* Keep the answer's body with the job: the transport's buffer is reused. */
static void keep_body(salvo_job_t *j, const salvo_reply_t *r)
{
    j->resp_len = 0;
    j->resp_over = r->body_over;
    if (r->body_len == 0 || salvo_grow((void **)&j->resp, &j->resp_cap, r->body_len, 1) < 0)
        return;
    memcpy(j->resp, r->body, r->body_len);
    j->resp_len = r->body_len;
}

/* A worker's lookup (exec.c): found, absent, or it cannot tell. */
static int known_lookup(const salvo_reply_t *rep)
{
    return rep->known == 1 + SALVO_ACCEPTED ? SALVO_LOOKUP_FOUND
           : rep->known == 1 + SALVO_FAILED ? SALVO_LOOKUP_ABSENT
                                               : SALVO_LOOKUP_UNSURE;
}

/* What a --reconcile-url lookup says about an order of unknown outcome. */
static void lookup_done(struct salvo_engine *e, salvo_job_t *j, const salvo_reply_t *rep)
{
    salvo_result_t *r = &j->res;
    const char *ptr = e->cfg->reconcile_pointer ? e->cfg->reconcile_pointer : "/client_order_id";
    int outcome = rep->known ? known_lookup(rep)
                               : salvo_lookup_outcome(rep->code, rep->http, rep->body, rep->body_len, ptr,
                                                      j->order.client_order_id);
    switch (outcome) {
    case SALVO_LOOKUP_FOUND:
        r->status = SALVO_ACCEPTED;
        r->reconciled = 1;
        r->http_status = (int)rep->http;
        r->error = NULL;
        break;
    case SALVO_LOOKUP_ABSENT:
        if (e->cfg->resend_unknown && r->attempts < SALVO_MAX_ATTEMPTS && !e->stopping) {
            /* It never arrived: send it now; the broker dedupes if it was late. */
            if (r->attempts == 0)
                e->st.resent_unknown++;
            j->mode = JOB_POST;
            j->state = JOB_RETRY; /* the engine queues it for a token */
            return;
        }
        r->status = SALVO_FAILED;
        r->reconciled = 1;
        r->http_status = (int)rep->http;
        snprintf(j->errbuf, sizeof j->errbuf, "reconciled: the broker has no order with this id (HTTP %ld)",
                 rep->http);
        r->error = j->errbuf;
        break;
    default:
        if (rep->known)
            snprintf(j->errbuf, sizeof j->errbuf, "reconcile lookup: %s", rep->error ? rep->error : "the worker could not tell");
        else if (rep->code != CURLE_OK)
            snprintf(j->errbuf, sizeof j->errbuf, "reconcile lookup failed: %s", rep->error);
        else if (rep->http >= 200 && rep->http < 300)
            snprintf(j->errbuf, sizeof j->errbuf, "reconcile lookup: HTTP %ld, but the answer does not name the order "
                     "at %s", rep->http, ptr);
        else
            snprintf(j->errbuf, sizeof j->errbuf, "reconcile lookup failed: HTTP %ld", rep->http);
        r->error = j->errbuf;
        break;
    }
    salvo_job_finish(e, j);
}

/* How long to wait before attempt n+1, or -1 when the broker asks for
 * longer than --retry-max-backoff allows (the order ends here). */
static int64_t retry_delay(struct salvo_engine *e, const salvo_result_t *r, int64_t retry_after_s)
{
    const salvo_config_t *c = e->cfg;
    int64_t delay = salvo_backoff_ns(r->attempts, c->backoff_ns, c->max_backoff_ns, salvo_rng_unit(&e->rng));
    if (retry_after_s < 0)
        return delay;
    /* Clamp before multiplying: Retry-After: 99999999999 must not overflow. */
    if (retry_after_s > c->max_backoff_ns / SALVO_NS_PER_SEC)
        return -1;
    int64_t ra = retry_after_s * SALVO_NS_PER_SEC;
    return ra > delay ? ra : delay;
}

/* An outcome that may or may not have reached the broker: retry, look it
 * up, or report it. */
static void after_attempt(struct salvo_engine *e, salvo_job_t *j, salvo_outcome_t oc, int64_t retry_after_s)
{
    salvo_result_t *r = &j->res;
    const salvo_config_t *c = e->cfg;
    int may_retry = oc.retry == SALVO_RETRY_SAFE ||
                    (oc.retry == SALVO_RETRY_AMBIGUOUS && c->retry_ambiguous &&
                     (c->idempotency_header || (c->profile && salvo_profile_dedupes_client_id(c->profile))));
    if (may_retry && r->attempts <= c->retries && !e->stopping) {
        int64_t delay = retry_delay(e, r, retry_after_s);
        if (delay >= 0) {
            backoff(j, delay);
            return;
        }
        snprintf(j->errbuf, sizeof j->errbuf, "the broker asked to retry after %lld s, beyond --retry-max-backoff",
                 (long long)retry_after_s);
        r->error = j->errbuf;
    }
    if (r->status == SALVO_UNKNOWN && c->op == SALVO_OP_SEND && (c->reconcile_url || c->exec_lookup) &&
        j->lookups < SALVO_MAX_LOOKUPS && !e->stopping) {
        if (salvo_job_set_lookup(e, j) == 0) {
            backoff(j, c->backoff_ns); /* give the broker a moment to finish what it may be doing */
            return;
        }
    }
    salvo_job_finish(e, j);
}

/* What makes every later order fail the same way: bad credentials, a
 * certificate that will not verify, nobody listening, and, before any
 * order was taken, no order endpoint at --url (404, 405). A cancel's or
 * lookup's 404 is its order's answer: a run that stopped on it would
 * leave the next, live, orders uncancelled; not_found is not "done"
 * (exit 1), so a wrong URL still shows. 0 for anything else. */
static int fatal_kind(const struct salvo_engine *e, const salvo_reply_t *rep)
{
    if (rep->known) /* a worker's answer: only "no worker can run" is fatal */
        return rep->fatal ? 2000 : 0;
    int none_taken = e->st.count[SALVO_ACCEPTED] == 0 && e->st.count[SALVO_DUPLICATE] == 0;
    int no_endpoint = rep->http == 405 || (rep->http == 404 && e->cfg->op == SALVO_OP_SEND);
    if (rep->code == CURLE_OK)
        return rep->http == 401 || rep->http == 403 || rep->http == 407 || (none_taken && no_endpoint)
                   ? (int)(1000 + rep->http)
                   : 0;
    switch (rep->code) {
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
        return rep->code;
    }
    return 0;
}

/* --give-up-after N: the same fatal answer for N orders in a row stops
 * the run; the rest are not sent. */
static void watch_hopeless(struct salvo_engine *e, const salvo_reply_t *rep, int first_attempt)
{
    int kind = fatal_kind(e, rep);
    if (kind == 0 || kind != e->fatal_kind) {
        e->fatal_kind = kind;
        e->fatal_run = kind ? 1 : 0;
    } else if (first_attempt) { /* orders are counted, not their retries */
        e->fatal_run++;
    }
    unsigned n = e->cfg->give_up_after;
    if (n == 0 || e->fatal_run < n || e->stopping)
        return;
    char why[160];
    if (rep->known)
        snprintf(why, sizeof why, "%u orders in a row failed: %s; the run gave up (--give-up-after)", n,
                 rep->error ? rep->error : "no worker");
    else if (rep->code == CURLE_OK)
        snprintf(why, sizeof why, "%u orders in a row were answered HTTP %ld%s; the run gave up (--give-up-after)", n,
                 rep->http, rep->http == 404 || rep->http == 405 ? " (check --url: is it the order endpoint?)" : "");
    else
        snprintf(why, sizeof why, "%u orders in a row failed: %s; the run gave up (--give-up-after)", n,
                 rep->error ? rep->error : curl_easy_strerror((CURLcode)rep->code));
    salvo_engine_raise(e, SALVO_STOP_HOPELESS, why);
}

static void record_attempt(salvo_job_t *j, const salvo_reply_t *rep, int status)
{
    salvo_result_t *r = &j->res;
    if (r->attempts < SALVO_MAX_ATTEMPTS)
        r->attempt[r->attempts] = (salvo_attempt_t){.http_status = (int)rep->http, .curl_code = rep->code,
                                                    .word = rep->word};
    r->attempts++;
    r->status = status;
    r->http_status = (int)rep->http;
    r->http_version = rep->http_version;
    r->latency_ms = (double)rep->total_us / 1000.0;
    r->error = NULL;
    r->location = NULL;
    if (rep->code != CURLE_OK || (rep->known && rep->error)) {
        snprintf(j->errbuf, sizeof j->errbuf, "%s", rep->error ? rep->error : "transfer failed");
        r->error = j->errbuf;
    }
    r->worker = rep->worker;
    if (rep->http >= 300 && rep->http < 400) {
        r->location = rep->location; /* valid until the next attempt: copied below */
        r->error = "redirect not followed: the order endpoint must answer directly";
    }
}

/* The first attempt's moment on the wire (libcurl about to write it), not
 * when salvo queued it: at the open these differ by the burst's writes
 * (about 30 us an order), and the offsets and the burst's spread must say
 * what reached the broker when. */
static void stamp_wire_send(struct salvo_engine *e, salvo_job_t *j, const salvo_reply_t *rep)
{
    if (j->res.attempts != 0 || rep->sent_unix_us <= 0)
        return;
    j->res.sent_at_us = rep->sent_unix_us;
    if (j->res.has_at)
        j->res.at_offset_ms = (double)(rep->sent_unix_us - e->cfg->start_at_unix_us) / 1e3;
    if (e->wire_first_us == 0 || rep->sent_unix_us < e->wire_first_us)
        e->wire_first_us = rep->sent_unix_us;
    if (j->send_index < e->cfg->concurrency && rep->sent_unix_us > e->wire_burst_last_us)
        e->wire_burst_last_us = rep->sent_unix_us;
}

/* An order's own element of a batch's answer as its response (not the
 * whole answer, once per order): 1, or 0 when it has none. */
static int keep_element(salvo_job_t *j, const salvo_batch_read_t *br)
{
    if (!br->found)
        return 0;
    char *text = cJSON_PrintUnformatted(salvo_json_pointer(br->doc, br->element));
    salvo_reply_t r = {.body = text, .body_len = text ? strlen(text) : 0};
    keep_body(j, &r);
    free(text);
    return text != NULL;
}

static void complete(struct salvo_engine *e, salvo_job_t *j, const salvo_reply_t *rep, const salvo_batch_read_t *br);

void salvo_complete(struct salvo_engine *e, salvo_job_t *j, const salvo_reply_t *rep) { complete(e, j, rep, NULL); }

void salvo_complete_member(struct salvo_engine *e, salvo_job_t *j, const salvo_reply_t *rep, const cJSON *doc,
                           unsigned index, unsigned n)
{
    salvo_batch_read_t br = {.doc = doc, .index = index, .n = n};
    salvo_answer_locate(e->cfg->profile->batch, &br, &j->order); /* once: for its response and its reading */
    complete(e, j, rep, &br);
}

static void complete(struct salvo_engine *e, salvo_job_t *j, const salvo_reply_t *rep, const salvo_batch_read_t *br)
{
    int64_t now = salvo_engine_now(e);
    /* The request started going out `pretransfer` after it was handed over. */
    int64_t sent = now - rep->total_us * SALVO_NS_PER_US + rep->pretransfer_us * SALVO_NS_PER_US;
    salvo_pace_settle(&e->pace, &j->ticket, sent, now);
    j->state = JOB_FLIGHT;
    if (br == NULL || !keep_element(j, br))
        keep_body(j, rep);
    if (j->mode == JOB_LOOKUP) {
        lookup_done(e, j, rep);
        return;
    }
    if (rep->resent)
        j->res.transport_resent = 1, e->st.resent++;
    /* A copy that may have arrived earlier (resent by libcurl, an ambiguous
     * earlier attempt, an earlier run) makes a "no" to this one meaningless.
     * Not so for a cancel or a lookup: the last answer is the broker's word. */
    int op = e->cfg->op;
    int earlier_copy = op == SALVO_OP_SEND && (rep->resent || j->maybe_delivered);
    salvo_outcome_t oc = rep->known ? (salvo_outcome_t){rep->known - 1, rep->known_retry}
                                    : salvo_classify(rep->code, rep->http, rep->connected, earlier_copy, rep->refused);
    if (rep->known && earlier_copy && oc.status != SALVO_ACCEPTED && oc.status != SALVO_DUPLICATE)
        oc.status = SALVO_UNKNOWN; /* a "no" to this copy proves nothing about an earlier one */
    char said[200];
    int v = br ? salvo_answer_read_member(e, j, rep, br, earlier_copy, &oc, said, sizeof said)
               : salvo_answer_read(e, j, rep, earlier_copy, &oc, said, sizeof said);
    if (op != SALVO_OP_SEND)
        oc = salvo_op_outcome(op, v, rep->http, oc);
    if (oc.status == SALVO_CANCELLED || oc.status == SALVO_OPEN || oc.status == SALVO_PARTIALLY_FILLED ||
        oc.status == SALVO_FILLED)
        said[0] = '\0'; /* the broker's "OK (0)" is no error */
    if (rep->order_id) /* a worker's answer named it */
        snprintf(j->order_id, sizeof j->order_id, "%s", rep->order_id);
    /* A 429, or what a profile's rule calls a rate limit: every send waits. */
    if (rep->code == CURLE_OK && (v == SALVO_V_RATE_LIMITED || (v == SALVO_V_NONE && rep->http == 429)))
        salvo_answer_pause(e, rep->retry_after_s >= 0 ? salvo_retry_after_ns(rep->retry_after_s, e->cfg->max_backoff_ns)
                                               : e->cfg->backoff_ns);
    if (oc.status == SALVO_UNKNOWN)
        j->maybe_delivered = 1;
    if (j->res.attempts == 0 && rep->reused)
        e->st.reused++;
    stamp_wire_send(e, j, rep);
    record_attempt(j, rep, oc.status);
    if (!said[0] && oc.status == SALVO_REJECTED && !rep->known && rep->code == CURLE_OK && rep->http >= 400 &&
        j->res.error == NULL && rep->body_len > 0)
        salvo_answer_reason(rep, said, sizeof said);
    if (said[0]) {
        snprintf(j->errbuf, sizeof j->errbuf, "broker: %s", said);
        j->res.error = j->errbuf;
    }
    j->res.batch_size = br ? br->n : 0;
    j->res.batch_index = br ? br->index : 0;
    j->res.order_id = j->order_id[0] ? j->order_id : NULL;
    j->res.filled = j->filled[0] ? j->filled : NULL;
    j->res.headers = j->captured.len ? j->captured.p : NULL;
    j->res.reused = rep->known ? -1 : rep->reused; /* a worker has no connection to speak of */
    if (e->cfg->timings) {
        salvo_hist_add(&e->st.dns, (uint64_t)rep->dns_us);
        salvo_hist_add(&e->st.connect, (uint64_t)rep->connect_us);
        salvo_hist_add(&e->st.tls, (uint64_t)rep->tls_us);
        salvo_hist_add(&e->st.ttfb, (uint64_t)rep->ttfb_us);
        j->res.has_timings = 1;
        j->res.dns_ms = (double)rep->dns_us / 1e3;
        j->res.connect_ms = (double)rep->connect_us / 1e3;
        j->res.tls_ms = (double)rep->tls_us / 1e3;
        j->res.ttfb_ms = (double)rep->ttfb_us / 1e3;
    }
    watch_hopeless(e, rep, j->res.attempts == 1);
    if (j->res.location) {
        snprintf(j->errbuf, sizeof j->errbuf, "%s", j->res.location);
        j->res.location = j->errbuf;
    }
    after_attempt(e, j, oc, rep->retry_after_s);
}
