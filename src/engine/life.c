/* An engine's making and freeing: its memory, its handles, its
 * transport, and the close callbacks that let it go. The loop and its
 * callbacks are engine.c's (registered here, called by the loop). */
#include "parts.h"

static void handle_gone(struct salvo_engine *e);

static void on_closed(uv_handle_t *h) { handle_gone(h->data); }
static void on_job_timer_closed(uv_handle_t *h) { handle_gone(((salvo_job_t *)h->data)->e); }
static void on_input_closed(void *ud) { handle_gone(ud); }

static void free_memory(struct salvo_engine *e)
{
    for (size_t i = 0; e->jobs && i < e->njobs; i++) {
        salvo_job_t *j = &e->jobs[i];
        salvo_order_free(&j->order);
        free(j->lookup_url);
        free(j->idem);
        free(j->resp);
        free(j->request);
        salvo_wire_free(&j->wire);
        salvo_jbuf_free(&j->captured);
        salvo_jbuf_free(&j->batch_body);
        free(j->members);
    }
    free(e->jobs);
    free(e->dry);
    for (unsigned i = 0; e->warm_jobs && i < e->nwarm; i++)
        free(e->warm_jobs[i].lookup_url);
    free(e->warm_jobs);
    free(e->shared_headers);
    salvo_intake_free(&e->in);
    salvo_pace_free(&e->pace);
    if (e->curl_inited)
        curl_global_cleanup();
    free(e);
}

static void handle_gone(struct salvo_engine *e)
{
    if (--e->handles == 0 && e->freed)
        free_memory(e);
}

/* A batch is JSON whatever the orders' encoding (Kraken's are form
 * pairs): its shared headers are the orders', typed as JSON. */
static void batch_headers(struct salvo_engine *e)
{
    struct curl_slist *h = e->shared_headers;
    e->batch_shared = h;
    if (e->cfg->batch < 2 || h == NULL || strcmp(h->data, "Content-Type: application/x-www-form-urlencoded") != 0)
        return;
    e->batch_ct.data = (char *)"Content-Type: application/json";
    e->batch_ct.next = h->next;
    e->batch_shared = &e->batch_ct;
}

static struct curl_slist *make_shared_headers(const salvo_config_t *c)
{
    /* Our own nodes: the auth header must not be copied around by strdup. */
    size_t count = 3 + c->nheaders + (c->auth_header ? 1 : 0);
    struct curl_slist *v = calloc(count, sizeof *v);
    if (v == NULL)
        return NULL;
    size_t k = 0;
    int form = c->profile && salvo_profile_encoding(c->profile) != SALVO_ENC_JSON;
    if (!salvo_sends_no_body(c)) /* a body to type */
        v[k++].data = form ? (char *)"Content-Type: application/x-www-form-urlencoded"
                           : (char *)"Content-Type: application/json";
    v[k++].data = (char *)"Accept: application/json";
    v[k++].data = (char *)"Expect:"; /* no 100-continue round trip */
    for (size_t i = 0; i < c->nheaders; i++)
        v[k++].data = (char *)c->headers[i];
    if (c->auth_header)
        v[k++].data = (char *)c->auth_header;
    for (size_t i = 0; i + 1 < k; i++)
        v[i].next = &v[i + 1];
    return v;
}

static int make_jobs(struct salvo_engine *e)
{
    /* A full set of transfers' worth of orders ready behind those in
     * flight, so the cap is never idle for want of parsed input. */
    e->njobs = (size_t)e->cfg->concurrency * 2 + 64;
    /* --batch: the cap counts requests, each carrying up to batch orders */
    if (e->cfg->batch > 1)
        e->njobs = (size_t)e->cfg->concurrency * (e->cfg->batch + 1) + 64;
    /* --rate-per looks past held values for one that may go: as many
     * orders again, read and waiting, for it to look at */
    if (e->cfg->rate_per_n)
        e->njobs += SALVO_RATE_PER_LOOKAHEAD;
    if ((e->jobs = calloc(e->njobs, sizeof *e->jobs)) == NULL)
        return -ENOMEM;
    for (size_t i = 0; i < e->njobs; i++) {
        salvo_job_t *j = &e->jobs[i];
        j->e = e;
        j->state = JOB_FREE;
        salvo_queue_init(&j->busy_link);
        salvo_queue_insert_tail(&e->free_jobs, &j->qlink);
        uv_timer_init(e->loop, &j->backoff);
        j->backoff.data = j;
        e->handles++;
    }
    return 0;
}

int salvo_engine_new(salvo_engine_t **out, uv_loop_t *loop, const salvo_config_t *cfg,
                     const salvo_callbacks_t *cb, void *ud)
{
    *out = NULL;
    salvo_config_t own;
    int r = salvo_config_take(&own, cfg);
    if (r < 0)
        return r;
    struct salvo_engine *e = calloc(1, sizeof *e);
    if (e == NULL)
        return -ENOMEM;
    e->own_cfg = own;
    e->cfg = cfg = &e->own_cfg;
    curl_global_init(CURL_GLOBAL_DEFAULT); /* counted: free_memory's cleanup matches it */
    e->curl_inited = 1;
    e->cb = *cb;
    e->ud = ud;
    e->loop = loop;
    e->tops = &salvo_http_ops;
    e->rng = cfg->seed ? cfg->seed : (uint64_t)uv_hrtime();
    salvo_hist_init(&e->st.latency);
    salvo_hist_init(&e->st.dns);
    salvo_hist_init(&e->st.connect);
    salvo_hist_init(&e->st.tls);
    salvo_hist_init(&e->st.ttfb);
    salvo_queue_init(&e->free_jobs);
    salvo_queue_init(&e->ready);
    salvo_queue_init(&e->retry);
    salvo_queue_init(&e->launch);
    salvo_queue_init(&e->busy);
    uv_timer_init(loop, &e->pace_timer);
    uv_idle_init(loop, &e->later);
    uv_timer_init(loop, &e->at_timer);
    e->pace_timer.data = e->later.data = e->at_timer.data = e;
    e->handles = 3;
    e->fired = 1; /* until salvo_engine_start reads start_at_unix_us */
    *out = e;
    r = make_jobs(e);
    if (r == 0)
        r = salvo_intake_init(&e->in, loop, cfg, salvo_engine_on_input, on_input_closed, e);
    if (e->in.stream)
        e->handles++;
    if (r == 0)
        r = salvo_pace_init(&e->pace, cfg);
    if (r == 0 && (e->shared_headers = make_shared_headers(cfg)) == NULL)
        r = -ENOMEM;
    if (r == 0)
        batch_headers(e);
    if (r == 0 && !cfg->dry_run && !cfg->check_only && cfg->exec_argv) {
        e->tops = &salvo_exec_ops;
        e->waiting_transport = 1;
        r = salvo_exec_new(&e->transport, loop, cfg, salvo_engine_on_reply, e, salvo_engine_on_transport_state, cb, ud);
    } else if (r == 0 && !cfg->dry_run && !cfg->check_only) {
        r = salvo_http_new(&e->transport, loop, cfg, e->shared_headers, salvo_engine_on_reply, e, cb, ud);
    }
    return r;
}

void salvo_engine_free(salvo_engine_t *e)
{
    if (e == NULL || e->freed)
        return;
    e->freed = 1;
    e->done = 1;
    if (e->transport) {
        e->tops->close(e->transport);
        e->transport = NULL;
    }
    salvo_intake_stop(&e->in);
    uv_close((uv_handle_t *)&e->pace_timer, on_closed);
    uv_close((uv_handle_t *)&e->later, on_closed);
    uv_close((uv_handle_t *)&e->at_timer, on_closed);
    for (size_t i = 0; e->jobs && i < e->njobs; i++)
        uv_close((uv_handle_t *)&e->jobs[i].backoff, on_job_timer_closed);
}
