/* The HTTP transport: a pool of libcurl easy handles on one multi handle,
 * driven on the loop by curluv.c. It knows jobs only as "an order body to
 * send" and answers through the reply callback. */
#include <unistd.h>

#include "http_int.h"
#include "parse.h"
#include "retry.h"
#include "util.h"

/* ================= the pool ================= */

/* A free slot: 0, -EBUSY (every slot in use), or -ENOMEM. */
static int slot_get(http_t *h, slot_t **out)
{
    salvo_queue_t *q = salvo_queue_pop_head(&h->free_slots);
    if (q != NULL) {
        *out = SALVO_QUEUE_DATA(q, slot_t, qlink);
        return 0;
    }
    if (h->nslots == h->cfg->concurrency)
        return -EBUSY;
    slot_t *s = &h->slots[h->nslots];
    s->h = h;
    s->index = (unsigned)h->nslots;
    salvo_queue_init(&s->qlink);
    if (salvo_http_slot_setup(h, s) < 0) {
        curl_easy_cleanup(s->easy);
        s->easy = NULL;
        return -ENOMEM;
    }
    h->nslots++;
    *out = s;
    return 0;
}

static void slot_put_free(http_t *h, slot_t *s)
{
    s->job = NULL;
    salvo_queue_insert_head(&h->free_slots, &s->qlink);
}

static void slot_put(http_t *h, slot_t *s)
{
    h->busy--;
    slot_put_free(h, s);
}

static int http_send(void *t, salvo_job_t *j)
{
    http_t *h = t;
    slot_t *s;
    int r = slot_get(h, &s);
    if (r < 0)
        return r;
    if (s->needs_reset && salvo_http_slot_reset(h, s) < 0) {
        slot_put_free(h, s);
        return -EINVAL;
    }
    s->job = j;
    h->busy++;
    s->sends = 0;
    s->sent_unix_us = 0;
    s->resp_len = 0;
    s->resp_over = 0;
    s->errbuf[0] = '\0';
    CURL *easy = s->easy;
    int rc = salvo_http_slot_aim(s, j);
    /* Every open connection is busy: say so, or libcurl 7.88 scans them all
     * for one to reuse, which at 10,000 connections is most of the run. */
    if (!h->cfg->http2 && !h->cfg->no_reuse)
        SET(CURLOPT_FRESH_CONNECT, h->busy > h->glue.nconns ? 1L : 0L);
    if (rc || curl_multi_add_handle(h->multi, easy) != CURLM_OK) {
        slot_put(h, s);
        return -EINVAL;
    }
    return 0;
}

#undef SET

static slot_t *slot_of_job(http_t *h, const salvo_job_t *j)
{
    for (size_t i = 0; i < h->nslots; i++)
        if (h->slots[i].job == j)
            return &h->slots[i];
    return NULL;
}

static void http_cancel(void *t, salvo_job_t *j)
{
    http_t *h = t;
    slot_t *s = slot_of_job(h, j);
    if (s == NULL)
        return;
    curl_multi_remove_handle(h->multi, s->easy);
    slot_put(h, s);
}


/* ================= answers ================= */

/* CURL_HTTP_VERSION_* as salvo says it (salvo/result.h: SALVO_HTTP_*). */
static long salvo_http_version(long curl_version)
{
    switch (curl_version) {
    case CURL_HTTP_VERSION_1_0: return SALVO_HTTP_1_0;
    case CURL_HTTP_VERSION_1_1: return SALVO_HTTP_1_1;
    case CURL_HTTP_VERSION_2_0: return SALVO_HTTP_2;
    case CURL_HTTP_VERSION_3: return SALVO_HTTP_3;
    }
    return 0;
}

static int64_t info_off(CURL *easy, CURLINFO what)
{
    curl_off_t v = 0;
    return curl_easy_getinfo(easy, what, &v) == CURLE_OK ? (int64_t)v : 0;
}

static const char *reply_header(const salvo_reply_t *r, const char *name)
{
    struct curl_header *hd = NULL;
    if (curl_easy_header(r->hctx, name, 0, CURLH_HEADER, -1, &hd) != CURLHE_OK)
        return NULL;
    return hd->value;
}

static void on_done(http_t *h, CURL *easy, CURLcode result)
{
    slot_t *s = NULL;
    curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&s);
    salvo_reply_t r = {.code = (int)result, .retry_after_s = -1, .header = reply_header, .hctx = easy};
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &r.http);
    curl_easy_getinfo(easy, CURLINFO_HTTP_VERSION, &r.http_version);
    r.total_us = info_off(easy, CURLINFO_TOTAL_TIME_T);
    r.pretransfer_us = info_off(easy, CURLINFO_PRETRANSFER_TIME_T);
    curl_off_t retry_after = -1;
    if (curl_easy_getinfo(easy, CURLINFO_RETRY_AFTER, &retry_after) == CURLE_OK && retry_after > 0)
        r.retry_after_s = (int64_t)retry_after;
    long new_connections = 0;
    curl_easy_getinfo(easy, CURLINFO_NUM_CONNECTS, &new_connections);
    if (r.http >= 300 && r.http < 400)
        curl_easy_getinfo(easy, CURLINFO_REDIRECT_URL, (char **)&r.location);
    /* An answer libcurl 7.88 delivered whole and then failed the transfer
     * over (HTTP/2 early answer + RST_STREAM NO_ERROR): the status counts. */
    CURLcode code = (CURLcode)salvo_effective_code((int)result, r.http_version, r.http,
                                                   info_off(easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T),
                                                   info_off(easy, CURLINFO_SIZE_DOWNLOAD_T));
    r.code = (int)code;
    r.http_version = salvo_http_version(r.http_version);
    /* Could the request have left? Bytes of it were written, or the
     * transfer got as far as sending (past connect and TLS), or the
     * connection was a reused one, where any write may have got through.
     * Only a fresh connection that never got that far proves it did not. */
    long request_size = 0;
    curl_easy_getinfo(easy, CURLINFO_REQUEST_SIZE, &request_size);
    r.connected = request_size > 0 || r.pretransfer_us > 0 || new_connections == 0;
    r.reused = new_connections == 0;
    r.dns_us = info_off(easy, CURLINFO_NAMELOOKUP_TIME_T);
    r.connect_us = info_off(easy, CURLINFO_CONNECT_TIME_T);
    r.tls_us = info_off(easy, CURLINFO_APPCONNECT_TIME_T);
    r.ttfb_us = info_off(easy, CURLINFO_STARTTRANSFER_TIME_T);
    struct curl_header *date = NULL;
    if (s->job->mode == JOB_WARM && curl_easy_header(easy, "Date", 0, CURLH_HEADER, -1, &date) == CURLHE_OK)
        r.date_unix = (int64_t)curl_getdate(date->value, NULL);
    r.resent = s->sends > 1;
    r.sent_unix_us = s->sent_unix_us;
    /* A resend or a failure may have bumped libcurl's retry count: reset
     * the handle before its next transfer (not now: r points into it). */
    if (h->sticky_retries && (r.resent || result != CURLE_OK))
        s->needs_reset = 1;
    r.body = s->resp;
    r.body_len = s->resp_len;
    r.body_over = s->resp_over;
    if (code != CURLE_OK)
        r.error = s->errbuf[0] ? s->errbuf : curl_easy_strerror(code);
    curl_multi_remove_handle(h->multi, easy);
    salvo_job_t *j = s->job;
    slot_put(h, s); /* before the reply: the engine may send again from it */
    h->on_reply(h->ud, j, &r);
}

static void drain_messages(http_t *h)
{
    CURLMsg *m;
    int left;
    while ((m = curl_multi_info_read(h->multi, &left)) != NULL)
        if (m->msg == CURLMSG_DONE)
            on_done(h, m->easy_handle, m->data.result); /* result read before removal */
}

/* ================= life ================= */

static void after_action(void *ud) { drain_messages(ud); }

/* The glue's last handle has closed: nothing of the transport is left. */
static void on_glue_closed(void *ud)
{
    http_t *h = ud;
    curl_url_cleanup(h->url);
    free(h->slots);
    free(h);
}

/* The order URL parsed once, with the flags libcurl itself parses a
 * CURLOPT_URL with (http_easy.c: set_url); NULL when it cannot be, and
 * libcurl then parses the text for each order as before. */
static CURLU *parse_order_url(const salvo_config_t *cfg)
{
    CURLU *u = cfg->url ? curl_url() : NULL;
    if (u != NULL &&
        curl_url_set(u, CURLUPART_URL, cfg->url, CURLU_GUESS_SCHEME | CURLU_NON_SUPPORT_SCHEME | CURLU_PATH_AS_IS) !=
            CURLUE_OK) {
        curl_url_cleanup(u);
        u = NULL;
    }
    return u;
}

/* Streams per HTTP/2 connection when --h2-streams is not given. libcurl 7
 * (Debian 12's 7.88) loses an answer another transfer's read took off the
 * socket when the server ends the stream early (nginx: RST_STREAM NO_ERROR
 * right after its answer): against nginx under load 64 streams a
 * connection cost 10-60 orders in 30,000 and 4 still lost a few; 1 lost
 * none. libcurl 8's HTTP/2 (measured: 8.14.1) loses none. The server's
 * SETTINGS_MAX_CONCURRENT_STREAMS caps it further (nginx: 128).
 * Orders are not made to wait for a connection they could share
 * (CURLOPT_PIPEWAIT): on a busy machine the orders waiting on one slow
 * handshake passed the connect timeout, and with GOAWAY every 100 requests
 * at 128 in flight some order was refused 6 times running (libcurl gives
 * up after 5). */
#define HTTP_H2_STREAMS 100
#define HTTP_CURL_MULTIPLEXES 0x080000

unsigned salvo_h2_streams_default(void)
{
    return curl_version_info(CURLVERSION_NOW)->version_num >= HTTP_CURL_MULTIPLEXES ? HTTP_H2_STREAMS : 1;
}

/* Connections warmed for a start time share the open's orders: libcurl
 * fills the first connection it finds up to its streams, so 100 a
 * connection would put 64 orders on one warm connection and leave 63 idle. */
static unsigned http_h2_streams(const salvo_config_t *cfg)
{
    if (cfg->h2_streams)
        return cfg->h2_streams;
    unsigned streams = salvo_h2_streams_default();
    if (cfg->warm && cfg->warm_url && cfg->start_at_unix_us) {
        unsigned per_warm = (cfg->concurrency + cfg->warm - 1) / cfg->warm;
        if (per_warm < streams)
            streams = per_warm;
    }
    return streams;
}

#define MSET(opt, val) (rc |= curl_multi_setopt(h->multi, opt, val) != CURLM_OK)

int salvo_http_new(void **out, uv_loop_t *loop, const salvo_config_t *cfg, const struct curl_slist *headers,
                   salvo_reply_cb cb, void *ud, const salvo_callbacks_t *wire, void *wire_ud)
{
    http_t *h = calloc(1, sizeof *h);
    if (h == NULL)
        return -ENOMEM;
    h->loop = loop;
    h->cfg = cfg;
    h->headers = headers;
    h->on_reply = cb;
    h->ud = ud;
    h->on_wire = wire ? wire->on_wire : NULL;
    h->wire_ud = wire_ud;
    h->sticky_retries = curl_version_info(CURLVERSION_NOW)->version_num < HTTP_CURL_CLEARS_RETRIES;
    salvo_queue_init(&h->free_slots);
    h->slots = calloc(cfg->concurrency, sizeof *h->slots);
    h->multi = curl_multi_init();
    h->url = parse_order_url(cfg);
    *out = h;
    if (h->multi == NULL)
        return -ENOMEM;
    /* a connection per slot, and room for happy eyeballs' second socket */
    int r = salvo_curluv_init(&h->glue, loop, h->multi, (size_t)cfg->concurrency * 2 + 16, after_action,
                              on_glue_closed, h);
    if (r < 0 || h->slots == NULL)
        return r < 0 ? r : -ENOMEM;
    int rc = 0;
    MSET(CURLMOPT_MAX_HOST_CONNECTIONS, (long)cfg->concurrency);
    MSET(CURLMOPT_MAXCONNECTS, (long)cfg->concurrency);
    MSET(CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX);
    MSET(CURLMOPT_MAX_CONCURRENT_STREAMS, (long)http_h2_streams(cfg));
    return rc ? -EINVAL : 0;
}

#undef MSET

/* libcurl closes its cached connections (and their poll handles, through
 * the close-socket callback) first; then the glue's timer and idle handle. */
static void http_close(void *t)
{
    http_t *h = t;
    if (h == NULL)
        return;
    if (h->glue.loop == NULL) { /* it never got as far as the loop */
        on_glue_closed(h);
        return;
    }
    for (size_t i = 0; i < h->nslots; i++) {
        if (h->slots[i].job)
            curl_multi_remove_handle(h->multi, h->slots[i].easy);
    }
    if (h->multi)
        curl_multi_cleanup(h->multi);
    for (size_t i = 0; i < h->nslots; i++)
        curl_easy_cleanup(h->slots[i].easy);
    h->multi = NULL;
    salvo_curluv_close(&h->glue); /* h goes when its handles have closed */
}

const salvo_transport_ops_t salvo_http_ops = {
    .send = http_send,
    .cancel = http_cancel,
    .close = http_close,
};
