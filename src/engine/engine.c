/* One libuv loop, libcurl's multi_socket API, a token bucket, a sliding
 * window and a concurrency cap. See engine.h. */
#include "salvo/engine.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <uv.h>

#include "salvo/idmap.h"
#include "limit.h"
#include "lookup.h"
#include "parse.h"
#include "retry.h"
#include "salvo/secret.h"

#define READ_CHUNK (64 * 1024)
#define MAX_LOOKUPS 2 /* --reconcile-url lookups of one order */

/* Per queued order: what --resume found, and whether to look it up first. */
enum { OF_STATE_MASK = 0x7, OF_LOOKUP = 0x8 };

enum xfer_mode { X_POST, X_LOOKUP };

typedef struct engine engine_t;

/* One in-flight request: an easy handle and what it is sending. Pooled: at
 * most `concurrency` of them, made on first need, reused for every order. */
typedef struct xfer {
    engine_t *e;
    CURL *easy;
    salvo_order_t *order;
    unsigned slot;       /* index, for the trace */
    int mode, easy_mode; /* enum xfer_mode: what to send next / what the handle is set for */
    int maybe_delivered; /* an earlier attempt (or run) may have reached the broker */
    unsigned lookups;
    char *lookup_url;    /* owned */
    char errbuf[160];
    int64_t read_ns;     /* when the order was read */
    int64_t first_send_ns;
    size_t body_pos;     /* read callback's position in order->body */
    unsigned rewinds;    /* libcurl rewound the body: it resent the request */
    unsigned curl_sends; /* times libcurl began sending this attempt (prereq callback) */
    int needs_reset;     /* clear libcurl 7.88's lifetime retry counter before the next use */
    uint64_t window_id, rate_window_id;
    int window_taken;
    struct curl_slist idem;  /* per-order header node, ahead of the shared list */
    char idem_buf[192];
    char resp[SALVO_RESPONSE_MAX + 1];
    size_t resp_len;
    int resp_over;
    salvo_result_t res;
    uv_timer_t backoff;  /* waiting to retry */
    struct xfer *next;   /* free list or retry queue */
} xfer_t;

struct engine {
    const salvo_config_t *cfg;
    salvo_stats_t *st;
    uv_loop_t loop;
    CURLM *multi;
    uv_timer_t curl_timer; /* CURLMOPT_TIMERFUNCTION */
    uv_idle_t curl_kick;   /* a zero timeout: act on the next loop turn */
    uv_timer_t pace_timer; /* a limiter said "wait" */
    uv_prepare_t flush;    /* write buffered results before blocking */
    uv_signal_t sigint, sigterm;
    uv_timer_t drain_timer;
    int64_t t0;

    /* input */
    salvo_reader_t *reader;
    salvo_layout_t layout;
    int layout_ready;
    uv_stream_t *in_stream; /* pipe or tty; NULL for a regular file */
    union { uv_pipe_t pipe; uv_tty_t tty; } in_handle;
    int in_reading, in_eof;
    int in_capped; /* a --max-* cap was hit: read no further, send what is queued */
    uint64_t seq;
    salvo_idmap_t ids;
    char setup_err[256];
    int setup_failed;

    /* orders read and waiting: a ring over a fixed pool */
    salvo_order_t *orders;
    int64_t *orders_read_ns;
    uint8_t *orders_flags;
    size_t *free_orders, nfree_orders;
    size_t *ready, ready_head, ready_len, qcap;

    /* transfers */
    xfer_t *xfers;
    size_t nxfers, active;
    xfer_t *free_xfers;
    xfer_t *retry_head, *retry_tail; /* backoff over, waiting for a token */
    xfer_t **launch;      /* prepared this turn: handed to libcurl after the journal syncs */
    struct sock_ctx **socks; /* by descriptor: the poll handle of each libcurl socket */
    size_t nsocks;
    size_t nconns;           /* sockets libcurl has open */
    size_t nlaunch;
    struct curl_slist *shared_headers;

    /* pacing */
    salvo_bucket_t bucket;
    salvo_window_t window, rate_window;
    int has_bucket, has_window, has_rate_window;
    uint64_t rng;

    /* output */
    salvo_jbuf_t out;
    int stopping;  /* no new sends */
    int aborting;  /* second signal or drain timeout */
    int done;
};

static int64_t now_ns(const engine_t *e) { return (int64_t)uv_hrtime() - e->t0; }

static int64_t unix_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static double rng_unit(engine_t *e)
{
    uint64_t z = (e->rng += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return (double)((z ^ (z >> 31)) >> 11) * 0x1.0p-53;
}

static void pump(engine_t *e);
static void maybe_finish(engine_t *e);
static int on_close_socket(void *userp, curl_socket_t fd);

/* ================= output ================= */

static void flush_output(engine_t *e)
{
    size_t off = 0;
    while (off < e->out.len && !e->st->output_error) {
        ssize_t n = write(e->cfg->output_fd, e->out.p + off, e->out.len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            /* A closed stdout (| head -1) ends the run the orderly way. */
            e->st->output_error = errno;
            e->stopping = 1;
            break;
        }
        off += (size_t)n;
    }
    e->out.len = 0;
}

static void emit(engine_t *e, const salvo_result_t *r)
{
    e->st->count[r->status]++;
    if (e->st->output_error)
        return;
    salvo_result_write(&e->out, r);
    if (e->out.len >= 64 * 1024)
        flush_output(e);
}

static void on_flush(uv_prepare_t *h) { flush_output(h->data); }

/* ================= order pool ================= */

static salvo_order_t *order_alloc(engine_t *e)
{
    return e->nfree_orders ? &e->orders[e->free_orders[--e->nfree_orders]] : NULL;
}

static void order_release(engine_t *e, salvo_order_t *o)
{
    e->free_orders[e->nfree_orders++] = (size_t)(o - e->orders);
}

static void ready_push(engine_t *e, salvo_order_t *o)
{
    e->ready[(e->ready_head + e->ready_len++) % e->qcap] = (size_t)(o - e->orders);
}

static salvo_order_t *ready_peek(engine_t *e)
{
    return e->ready_len ? &e->orders[e->ready[e->ready_head]] : NULL;
}

static void ready_pop(engine_t *e)
{
    e->ready_head = (e->ready_head + 1) % e->qcap;
    e->ready_len--;
}

/* ================= input ================= */

static void report_order(engine_t *e, salvo_order_t *o, int status, const char *previous, const char *error)
{
    salvo_result_t r = {.order = o, .status = status, .previous = previous, .error = error};
    emit(e, &r);
}

static void report_dry_run(engine_t *e, salvo_order_t *o);

/* The first CSV row decides the layout; then the template must bind. */
static int setup_layout(engine_t *e, const salvo_row_t *row, int *consumed)
{
    *consumed = 0;
    if (e->cfg->format == SALVO_FORMAT_JSONL) {
        salvo_layout_identity(&e->layout);
    } else if (!e->cfg->no_header && salvo_layout_is_header(row)) {
        salvo_layout_from_header(&e->layout, row);
        *consumed = 1;
    } else {
        salvo_layout_positional(&e->layout);
    }
    e->layout_ready = 1;
    if (salvo_body_bind(e->cfg->body, &e->layout, e->setup_err, sizeof e->setup_err) < 0) {
        e->setup_failed = 1;
        return -EINVAL;
    }
    return 0;
}

static double order_notional(const salvo_order_t *o)
{
    return o->order_type == SALVO_LIMIT ? strtod(o->price, NULL) * strtod(o->quantity, NULL) : 0;
}

/* --max-orders / --max-notional on a stream: would this order pass a cap? */
static int over_cap(engine_t *e, double notional)
{
    const salvo_config_t *c = e->cfg;
    if (c->max_orders && e->st->valid >= c->max_orders)
        e->st->stop_reason = SALVO_STOP_MAX_ORDERS;
    else if (c->max_notional > 0 && e->st->notional + notional > c->max_notional * (1 + 1e-12))
        e->st->stop_reason = SALVO_STOP_MAX_NOTIONAL;
    return e->st->stop_reason != SALVO_STOP_NONE;
}

/* --resume: 1 when the journal settles the order here (it is reported),
 * 0 to queue it, with *flags saying what the journal knew. */
static int resume_order(engine_t *e, salvo_order_t *o, uint8_t *flags)
{
    int state = salvo_jindex_get(e->cfg->resume, o->client_order_id);
    *flags = (uint8_t)state;
    switch (state) {
    case SALVO_J_ACCEPTED:
    case SALVO_J_REJECTED:
        report_order(e, o, SALVO_SKIPPED, salvo_jstate_name(state), NULL);
        return 1;
    case SALVO_J_SENT:
    case SALVO_J_UNKNOWN:
        if (e->cfg->reconcile_url) {
            *flags |= OF_LOOKUP;
            return 0;
        }
        if (e->cfg->resend_unknown) {
            e->st->resent_unknown++;
            return 0;
        }
        e->st->held++;
        report_order(e, o, SALVO_UNKNOWN, salvo_jstate_name(state),
                     "sent by an earlier run with no outcome recorded; not sent again "
                     "(see --reconcile-url, --resend-unknown)");
        return 1;
    default: /* never sent, or definitely failed: send it */
        return 0;
    }
}

/* A valid order: count it, or settle it from the journal, or queue it. */
static void admit_order(engine_t *e, salvo_order_t *o)
{
    uint8_t flags = 0;
    double notional = order_notional(o);
    if (e->cfg->check_only) {
        e->st->valid++;
        e->st->notional += notional;
    } else if (e->cfg->dry_run) {
        report_dry_run(e, o);
    } else if (e->cfg->resume && resume_order(e, o, &flags)) {
        /* reported */
    } else if (over_cap(e, notional)) {
        report_order(e, o, SALVO_SKIPPED, NULL,
                     e->st->stop_reason == SALVO_STOP_MAX_ORDERS ? "not sent: --max-orders reached"
                                                                 : "not sent: --max-notional reached");
        e->in_capped = 1;
    } else {
        e->st->valid++;
        e->st->notional += notional;
        e->orders_read_ns[o - e->orders] = now_ns(e);
        e->orders_flags[o - e->orders] = flags;
        ready_push(e, o);
        return;
    }
    order_release(e, o);
}

/* Turn one row into a queued order, or an invalid result. */
static int take_row(engine_t *e, const salvo_row_t *row)
{
    if (!e->layout_ready) {
        int consumed;
        if (setup_layout(e, row, &consumed) < 0)
            return -EINVAL;
        if (consumed)
            return 0;
    }
    salvo_order_t *o = order_alloc(e);
    int rc = salvo_order_from_row(o, &e->layout, &e->cfg->defaults, row, ++e->seq);
    e->st->orders++;
    /* Ids made as PREFIX-SEQ are unique by construction: only an input that
     * carries ids needs the set (whose memory grows with the input). */
    if (rc == 0 && o->client_order_id[0] && e->layout.pos[SALVO_COL_CLIENT_ORDER_ID] >= 0) {
        int dup = salvo_idmap_set(&e->ids, o->client_order_id, 1);
        if (dup < 0)
            rc = dup;
        else if (dup)
            rc = 1, snprintf(o->error, sizeof o->error, "line %llu: client_order_id \"%.64s\" appears earlier in the input",
                             (unsigned long long)o->line, o->client_order_id);
    }
    if (rc == 0)
        rc = salvo_body_render(e->cfg->body, o, &e->layout, row);
    if (rc < 0) {
        order_release(e, o);
        return rc;
    }
    if (rc == 0) {
        admit_order(e, o);
        return 0;
    }
    if (e->cfg->check_only) {
        e->st->count[SALVO_INVALID]++;
        if (e->cfg->on_invalid)
            e->cfg->on_invalid(e->cfg->ud, o);
    } else {
        report_order(e, o, SALVO_INVALID, NULL, o->error);
    }
    order_release(e, o);
    return 0;
}

static void stop_reading(engine_t *e)
{
    if (e->in_stream && e->in_reading) {
        uv_read_stop(e->in_stream);
        e->in_reading = 0;
    }
}

static void on_input_closed(uv_handle_t *h) { (void)h; }

static void input_end(engine_t *e)
{
    e->in_eof = 1;
    salvo_reader_finish(e->reader);
    stop_reading(e);
    if (e->in_stream && !uv_is_closing((uv_handle_t *)e->in_stream))
        uv_close((uv_handle_t *)e->in_stream, on_input_closed);
}

static void fill_queue(engine_t *e);

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    (void)suggested;
    static char chunk[READ_CHUNK]; /* one reader per process; parsed before the next read */
    (void)h;
    buf->base = chunk;
    buf->len = sizeof chunk;
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
    engine_t *e = s->data;
    if (n > 0) {
        if (salvo_reader_push(e->reader, buf->base, (size_t)n) < 0) {
            e->st->input_error = ENOMEM;
            input_end(e);
        }
        /* Backpressure: hold off reading while a chunk is still unparsed. */
        stop_reading(e);
    } else if (n == UV_EOF) {
        input_end(e);
    } else if (n < 0) {
        e->st->input_error = (int)-n;
        input_end(e);
    }
    fill_queue(e);
    pump(e);
}

/* Read a regular file synchronously: it never blocks for long. */
static void read_file_chunk(engine_t *e)
{
    char buf[READ_CHUNK];
    ssize_t n;
    do
        n = read(e->cfg->input_fd, buf, sizeof buf);
    while (n < 0 && errno == EINTR);
    if (n > 0 && salvo_reader_push(e->reader, buf, (size_t)n) == 0)
        return;
    if (n < 0)
        e->st->input_error = errno;
    else if (n > 0)
        e->st->input_error = ENOMEM;
    input_end(e);
}

/* Parse rows until the queue is full or more input is needed. */
static void fill_queue(engine_t *e)
{
    while (!e->stopping && !e->setup_failed && !e->in_capped && e->nfree_orders > 0) {
        salvo_row_t row;
        int rc = salvo_reader_next(e->reader, &row);
        if (rc < 0) {
            e->st->input_error = -rc;
            input_end(e);
            e->stopping = 1;
            break;
        }
        if (rc == 1) {
            if (take_row(e, &row) < 0) {
                e->stopping = 1;
                break;
            }
            continue;
        }
        if (e->in_eof)
            break;
        if (e->in_stream == NULL) {
            read_file_chunk(e);
        } else {
            if (!e->in_reading && uv_read_start(e->in_stream, on_alloc, on_read) == 0)
                e->in_reading = 1;
            break;
        }
    }
}

static int open_input(engine_t *e)
{
    int fd = e->cfg->input_fd;
    uv_handle_type t = uv_guess_handle(fd);
    int r = 0;
    if (t == UV_FILE)
        return 0;
    if (t == UV_TTY) {
        r = uv_tty_init(&e->loop, &e->in_handle.tty, fd, 1);
        e->in_stream = (uv_stream_t *)&e->in_handle.tty;
    } else {
        r = uv_pipe_init(&e->loop, &e->in_handle.pipe, 0);
        if (r == 0)
            r = uv_pipe_open(&e->in_handle.pipe, fd);
        e->in_stream = (uv_stream_t *)&e->in_handle.pipe;
    }
    if (r < 0) {
        e->in_stream = NULL;
        return r;
    }
    e->in_stream->data = e;
    return 0;
}

/* ================= requests ================= */

static size_t on_body_read(char *buf, size_t size, size_t nmemb, void *ud)
{
    xfer_t *x = ud;
    size_t left = x->order->body_len - x->body_pos;
    size_t n = size * nmemb < left ? size * nmemb : left;
    memcpy(buf, x->order->body + x->body_pos, n);
    x->body_pos += n;
    return n;
}

/* libcurl rewinds the body only to send the request again: that is how a
 * silent resend on a dead keep-alive connection shows itself. */
static int on_body_seek(void *ud, curl_off_t offset, int origin)
{
    xfer_t *x = ud;
    if (origin != SEEK_SET || offset < 0 || (size_t)offset > x->order->body_len)
        return CURL_SEEKFUNC_FAIL;
    x->body_pos = (size_t)offset;
    x->rewinds++;
    return CURL_SEEKFUNC_OK;
}

static size_t on_response(char *data, size_t size, size_t nmemb, void *ud)
{
    xfer_t *x = ud;
    size_t n = size * nmemb;
    size_t room = SALVO_RESPONSE_MAX - x->resp_len;
    if (n > room)
        x->resp_over = 1;
    memcpy(x->resp + x->resp_len, data, n < room ? n : room);
    x->resp_len += n < room ? n : room;
    return n;
}

static int on_curl_debug(CURL *h, curl_infotype kind, char *data, size_t size, void *ud)
{
    (void)h;
    xfer_t *x = ud;
    x->e->cfg->on_wire(x->e->cfg->wire_ud, x->slot, x->order ? x->order->client_order_id : NULL, (int)kind, data, size);
    return 0;
}

/* libcurl calls this each time it is about to send the request, so a
 * second call is a resend of its own: after a reused connection died, or
 * an HTTP/2 stream was refused (GOAWAY). A resend before any body byte
 * went out never rewinds the body, so on_body_seek alone misses it; with
 * nginx's early answers it happens after the broker took the first copy. */
static int on_curl_prereq(void *ud, char *conn_primary_ip, char *conn_local_ip, int conn_primary_port, int conn_local_port)
{
    (void)conn_primary_ip, (void)conn_local_ip, (void)conn_primary_port, (void)conn_local_port;
    xfer_t *x = ud;
    x->curl_sends++;
    return CURL_PREREQFUNC_OK;
}

/* Every option the pooled handle keeps across orders. */
static void xfer_apply_options(engine_t *e, xfer_t *x)
{
    const salvo_config_t *c = e->cfg;
    CURL *h = x->easy;
    curl_easy_setopt(h, CURLOPT_URL, c->url);
    curl_easy_setopt(h, CURLOPT_PRIVATE, x);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_POST, 1L);
    if (c->method && strcmp(c->method, "POST") != 0)
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, c->method);
    curl_easy_setopt(h, CURLOPT_READFUNCTION, on_body_read);
    curl_easy_setopt(h, CURLOPT_READDATA, x);
    curl_easy_setopt(h, CURLOPT_SEEKFUNCTION, on_body_seek);
    curl_easy_setopt(h, CURLOPT_SEEKDATA, x);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_response);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L); /* Authorization must not follow a redirect */
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)(c->timeout_ns / SALVO_NS_PER_MS));
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)(c->connect_timeout_ns / SALVO_NS_PER_MS));
    curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(h, CURLOPT_CLOSESOCKETFUNCTION, on_close_socket);
    curl_easy_setopt(h, CURLOPT_CLOSESOCKETDATA, e);
    curl_easy_setopt(h, CURLOPT_BUFFERSIZE, 16384L);
    curl_easy_setopt(h, CURLOPT_HTTP_VERSION, c->http2 ? (long)CURL_HTTP_VERSION_2TLS : (long)CURL_HTTP_VERSION_1_1);
    if (c->no_reuse)
        curl_easy_setopt(h, CURLOPT_FORBID_REUSE, 1L);
    if (c->insecure) {
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    if (c->cacert)
        curl_easy_setopt(h, CURLOPT_CAINFO, c->cacert);
    if (c->on_wire) {
        curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, on_curl_debug);
        curl_easy_setopt(h, CURLOPT_DEBUGDATA, x);
        curl_easy_setopt(h, CURLOPT_VERBOSE, 1L);
    }
    curl_easy_setopt(h, CURLOPT_PREREQFUNCTION, on_curl_prereq);
    curl_easy_setopt(h, CURLOPT_PREREQDATA, x);
    x->easy_mode = X_POST;
}

static int xfer_setup_easy(engine_t *e, xfer_t *x)
{
    x->easy = curl_easy_init();
    if (x->easy == NULL)
        return -ENOMEM;
    xfer_apply_options(e, x);
    return 0;
}

/* libcurl 7.88 counts its own resends per easy handle, not per transfer,
 * and never resets the count (fixed in 8.17): a pooled handle that has
 * resent 5 times in its life fails its next refused HTTP/2 stream with
 * "Connection died, tried 5 times before giving up" (CURLE_SEND_ERROR)
 * after one try. Only curl_easy_reset clears it. */
static void xfer_reset_easy(engine_t *e, xfer_t *x)
{
    curl_easy_reset(x->easy);
    xfer_apply_options(e, x);
    x->needs_reset = 0;
}

static xfer_t *xfer_get(engine_t *e)
{
    xfer_t *x = e->free_xfers;
    if (x != NULL) {
        e->free_xfers = x->next;
        return x;
    }
    if (e->nxfers == e->cfg->concurrency)
        return NULL;
    x = &e->xfers[e->nxfers];
    x->e = e;
    x->slot = (unsigned)e->nxfers;
    if (xfer_setup_easy(e, x) < 0)
        return NULL;
    uv_timer_init(&e->loop, &x->backoff);
    x->backoff.data = x;
    e->nxfers++;
    return x;
}

static void xfer_put(engine_t *e, xfer_t *x)
{
    free(x->lookup_url);
    x->lookup_url = NULL;
    order_release(e, x->order);
    x->order = NULL;
    x->next = e->free_xfers;
    e->free_xfers = x;
    e->active--;
}

static void finish_order(engine_t *e, xfer_t *x);

/* A transfer that never reached libcurl: keep what an earlier attempt
 * learnt, else it was not sent. */
static void xfer_not_sent(engine_t *e, xfer_t *x, const char *why)
{
    if (x->res.attempts == 0 && x->mode == X_POST)
        x->res.status = x->maybe_delivered ? SALVO_UNKNOWN : SALVO_FAILED;
    snprintf(x->errbuf, sizeof x->errbuf, "not sent: %s", why);
    x->res.error = x->errbuf;
    finish_order(e, x);
}

/* Point the pooled handle at the order endpoint or at the lookup URL. */
static void xfer_set_mode(engine_t *e, xfer_t *x)
{
    const salvo_config_t *c = e->cfg;
    if (x->mode == X_LOOKUP) {
        curl_easy_setopt(x->easy, CURLOPT_HTTPGET, 1L);
        curl_easy_setopt(x->easy, CURLOPT_CUSTOMREQUEST, NULL);
        curl_easy_setopt(x->easy, CURLOPT_URL, x->lookup_url);
    } else if (x->easy_mode == X_LOOKUP) {
        curl_easy_setopt(x->easy, CURLOPT_URL, c->url);
        curl_easy_setopt(x->easy, CURLOPT_POST, 1L);
        if (c->method && strcmp(c->method, "POST") != 0)
            curl_easy_setopt(x->easy, CURLOPT_CUSTOMREQUEST, c->method);
    }
    x->easy_mode = x->mode;
}

/* Take the limiters' tokens, write the journal's "sent" line and queue
 * the attempt for launch(): every attempt and lookup counts against the
 * broker's limits. */
static void xfer_send(engine_t *e, xfer_t *x, int64_t now)
{
    const salvo_config_t *c = e->cfg;
    if (e->has_bucket)
        salvo_bucket_take(&e->bucket, now);
    if (e->has_window)
        x->window_id = salvo_window_take(&e->window, now);
    if (e->has_rate_window)
        x->rate_window_id = salvo_window_take(&e->rate_window, now);
    x->window_taken = 1;

    if (x->mode == X_POST && c->journal) {
        int r = salvo_journal_sent(c->journal, x->order, x->res.attempts + 1);
        if (r < 0) {
            e->st->journal_error = r;
            e->st->stop_reason = SALVO_STOP_JOURNAL;
            e->stopping = 1;
            x->window_taken = 0; /* nothing will go out to settle it */
            xfer_not_sent(e, x, "the journal could not be written");
            return;
        }
    }
    if (x->needs_reset)
        xfer_reset_easy(e, x);
    x->body_pos = 0;
    x->resp_len = 0;
    x->resp_over = 0;
    x->rewinds = 0;
    x->curl_sends = 0;
    struct curl_slist *headers = e->shared_headers;
    if (c->idempotency_header && x->order->client_order_id[0] && x->mode == X_POST) {
        snprintf(x->idem_buf, sizeof x->idem_buf, "%s: %s", c->idempotency_header, x->order->client_order_id);
        x->idem.data = x->idem_buf;
        x->idem.next = e->shared_headers;
        headers = &x->idem;
    }
    if (x->mode != x->easy_mode || x->mode == X_LOOKUP)
        xfer_set_mode(e, x);
    curl_easy_setopt(x->easy, CURLOPT_HTTPHEADER, headers);
    if (x->mode == X_POST)
        curl_easy_setopt(x->easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)x->order->body_len);
    /* Every open connection is busy: say so, or libcurl 7.88 scans them all
     * for one to reuse, which at 10,000 connections is most of the run. */
    if (!c->http2 && !c->no_reuse)
        curl_easy_setopt(x->easy, CURLOPT_FRESH_CONNECT, e->active > e->nconns ? 1L : 0L);

    if (x->mode == X_LOOKUP) {
        e->st->lookups++;
    } else {
        if (x->res.attempts == 0)
            x->res.queued_ms = (double)(now - x->read_ns) / 1e6;
        x->res.sent_at_us = unix_us();
        if (e->st->sends == 0)
            e->st->first_send_ns = now;
        e->st->last_send_ns = now;
        e->st->sends++;
    }
    e->launch[e->nlaunch++] = x;
}

/* Hand this turn's attempts to libcurl, once the journal says they are
 * going (and, with --fsync, has it on disk). */
static void launch(engine_t *e)
{
    if (e->nlaunch == 0)
        return;
    salvo_journal_t *j = e->cfg->journal;
    int r = j && salvo_journal_wants_sync(j) ? salvo_journal_sync(j) : 0;
    if (r < 0) {
        e->st->journal_error = r;
        e->st->stop_reason = SALVO_STOP_JOURNAL;
        e->stopping = 1;
    }
    for (size_t i = 0; i < e->nlaunch; i++) {
        xfer_t *x = e->launch[i];
        CURLMcode mc = r < 0 ? CURLM_OK : curl_multi_add_handle(e->multi, x->easy);
        if (r < 0 || mc != CURLM_OK) {
            x->window_taken = 0;
            xfer_not_sent(e, x, r < 0 ? "the journal could not be synced to disk" : curl_multi_strerror(mc));
        }
    }
    e->nlaunch = 0;
}

/* The next request of x is a --reconcile-url lookup. 0 or -ENOMEM. */
static int set_lookup(engine_t *e, xfer_t *x)
{
    free(x->lookup_url);
    if ((x->lookup_url = salvo_lookup_url(e->cfg->reconcile_url, x->order->client_order_id)) == NULL)
        return -ENOMEM;
    x->mode = X_LOOKUP;
    x->lookups++;
    return 0;
}

static void start_order(engine_t *e, xfer_t *x, salvo_order_t *o, int64_t now)
{
    uint8_t flags = e->orders_flags[o - e->orders];
    x->order = o;
    x->read_ns = e->orders_read_ns[o - e->orders];
    x->lookups = 0;
    x->maybe_delivered = (flags & OF_STATE_MASK) == SALVO_J_SENT || (flags & OF_STATE_MASK) == SALVO_J_UNKNOWN;
    memset(&x->res, 0, sizeof x->res);
    x->res.order = o;
    if (x->maybe_delivered) {
        x->res.previous = salvo_jstate_name(flags & OF_STATE_MASK);
        x->res.status = SALVO_UNKNOWN;
    }
    x->mode = X_POST;
    e->active++;
    if ((flags & OF_LOOKUP) && set_lookup(e, x) < 0) {
        xfer_not_sent(e, x, "out of memory");
        return;
    }
    xfer_send(e, x, now);
}

/* ================= pacing ================= */

static int64_t limiter_wait(engine_t *e, int64_t now)
{
    int64_t w = 0, v;
    if (e->has_window && (v = salvo_window_wait(&e->window, now)) > w)
        w = v;
    if (e->has_rate_window && (v = salvo_window_wait(&e->rate_window, now)) > w)
        w = v;
    if (e->has_bucket && (v = salvo_bucket_wait(&e->bucket, now)) > w)
        w = v;
    return w;
}

static void on_pace(uv_timer_t *t) { pump(t->data); }

static void arm_pace_timer(engine_t *e, int64_t wait_ns)
{
    if (wait_ns == SALVO_WAIT_FOREVER)
        return; /* a completion will call pump() */
    /* Round up: waking early only costs another turn of the loop. */
    uint64_t ms = (uint64_t)((wait_ns + SALVO_NS_PER_MS - 1) / SALVO_NS_PER_MS);
    uv_timer_start(&e->pace_timer, on_pace, ms, 0);
}

/* Send whatever the cap and the limiters allow now. */
static void pump(engine_t *e)
{
    if (e->done)
        return;
    fill_queue(e);
    while (!e->stopping) {
        xfer_t *retry = e->retry_head;
        salvo_order_t *o = retry ? NULL : ready_peek(e);
        if (retry == NULL && o == NULL)
            break;
        if (retry == NULL && e->active >= e->cfg->concurrency)
            break;
        int64_t now = now_ns(e);
        int64_t wait = limiter_wait(e, now);
        if (wait > 0) {
            arm_pace_timer(e, wait);
            break;
        }
        if (retry) {
            e->retry_head = retry->next;
            if (e->retry_head == NULL)
                e->retry_tail = NULL;
            xfer_send(e, retry, now);
            continue;
        }
        xfer_t *x = xfer_get(e);
        if (x == NULL)
            break;
        ready_pop(e);
        start_order(e, x, o, now);
        fill_queue(e);
    }
    launch(e);
    maybe_finish(e);
}

/* ================= completions ================= */

static void retry_push(engine_t *e, xfer_t *x)
{
    x->next = NULL;
    if (e->retry_tail)
        e->retry_tail->next = x;
    else
        e->retry_head = x;
    e->retry_tail = x;
}

static void on_backoff_done(uv_timer_t *t)
{
    xfer_t *x = t->data;
    retry_push(x->e, x);
    pump(x->e);
}

static void finish_order(engine_t *e, xfer_t *x)
{
    salvo_result_t *r = &x->res;
    r->response = x->resp_len ? x->resp : NULL;
    r->response_len = x->resp_len;
    r->response_truncated = x->resp_over;
    if (r->attempts > 0) {
        salvo_hist_add(&e->st->latency, (uint64_t)(r->latency_ms * 1000.0));
        e->st->last_done_ns = now_ns(e);
    }
    if (r->reconciled)
        e->st->reconciled++;
    if (e->cfg->journal && (r->attempts > 0 || r->reconciled)) {
        int jr = salvo_journal_outcome(e->cfg->journal, r);
        if (jr < 0 && !e->st->journal_error) {
            e->st->journal_error = jr;
            e->st->stop_reason = SALVO_STOP_JOURNAL;
            e->stopping = 1;
        }
    }
    emit(e, r);
    xfer_put(e, x);
}

/* What a --reconcile-url lookup says about an order of unknown outcome. */
static void on_lookup_done(engine_t *e, xfer_t *x, CURLcode result, long http)
{
    salvo_result_t *r = &x->res;
    switch (salvo_lookup_outcome((int)result, http)) {
    case SALVO_LOOKUP_FOUND:
        r->status = SALVO_ACCEPTED;
        r->reconciled = 1;
        r->http_status = (int)http;
        r->error = NULL;
        break;
    case SALVO_LOOKUP_ABSENT:
        if (e->cfg->resend_unknown && r->attempts < SALVO_MAX_ATTEMPTS && !e->stopping) {
            /* It never arrived: send it now; the broker dedupes if it was late. */
            if (r->attempts == 0)
                e->st->resent_unknown++;
            x->mode = X_POST;
            retry_push(e, x);
            return;
        }
        r->status = SALVO_FAILED;
        r->reconciled = 1;
        r->http_status = (int)http;
        snprintf(x->errbuf, sizeof x->errbuf, "reconciled: the broker has no order with this id (HTTP %ld)", http);
        r->error = x->errbuf;
        break;
    default:
        if (result != CURLE_OK)
            snprintf(x->errbuf, sizeof x->errbuf, "reconcile lookup failed: %s", curl_easy_strerror(result));
        else
            snprintf(x->errbuf, sizeof x->errbuf, "reconcile lookup failed: HTTP %ld", http);
        r->error = x->errbuf;
        break;
    }
    finish_order(e, x);
}

/* An outcome that may or may not have reached the broker: retry, look
 * it up, or report it. */
static void after_attempt(engine_t *e, xfer_t *x, salvo_outcome_t oc, curl_off_t retry_after)
{
    salvo_result_t *r = &x->res;
    int may_retry = oc.retry == SALVO_RETRY_SAFE ||
                    (oc.retry == SALVO_RETRY_AMBIGUOUS && e->cfg->retry_ambiguous && e->cfg->idempotency_header);
    if (may_retry && r->attempts <= e->cfg->retries && !e->stopping) {
        int64_t delay = salvo_backoff_ns(r->attempts, e->cfg->backoff_ns, e->cfg->max_backoff_ns, rng_unit(e));
        if (retry_after >= 0 && retry_after * SALVO_NS_PER_SEC > delay)
            delay = retry_after * SALVO_NS_PER_SEC;
        uv_timer_start(&x->backoff, on_backoff_done, (uint64_t)(delay / SALVO_NS_PER_MS), 0);
        return;
    }
    if (r->status == SALVO_UNKNOWN && e->cfg->reconcile_url && x->lookups < MAX_LOOKUPS && !e->stopping) {
        if (set_lookup(e, x) == 0) {
            /* Give the broker a moment to finish what it may be doing. */
            uv_timer_start(&x->backoff, on_backoff_done, (uint64_t)(e->cfg->backoff_ns / SALVO_NS_PER_MS), 0);
            return;
        }
    }
    finish_order(e, x);
}

static void on_done(engine_t *e, CURL *easy, CURLcode result)
{
    xfer_t *x;
    curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&x);
    salvo_result_t *r = &x->res;
    long http = 0;
    curl_off_t total_us = 0, pretransfer_us = 0, connect_us = 0, retry_after = -1;
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &http);
    curl_easy_getinfo(easy, CURLINFO_TOTAL_TIME_T, &total_us);
    curl_easy_getinfo(easy, CURLINFO_PRETRANSFER_TIME_T, &pretransfer_us);
    curl_easy_getinfo(easy, CURLINFO_CONNECT_TIME_T, &connect_us);
    curl_easy_getinfo(easy, CURLINFO_RETRY_AFTER, &retry_after);
    long new_connections = 0, http_version = 0;
    curl_easy_getinfo(easy, CURLINFO_NUM_CONNECTS, &new_connections);
    curl_easy_getinfo(easy, CURLINFO_HTTP_VERSION, &http_version);
    curl_off_t content_length = -1, received = 0;
    curl_easy_getinfo(easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &content_length);
    curl_easy_getinfo(easy, CURLINFO_SIZE_DOWNLOAD_T, &received);
    curl_multi_remove_handle(e->multi, easy);
    /* A resend or a failure may have bumped libcurl's retry count: clear
     * it before the handle's next transfer (not now: the result may still
     * point into the handle). */
    int curl_resent = x->curl_sends > 1;
    if (curl_resent || result != CURLE_OK)
        x->needs_reset = 1;
    /* An answer libcurl delivered whole and then failed the transfer over. */
    result = (CURLcode)salvo_effective_code((int)result, http_version, http, content_length, received);

    int64_t now = now_ns(e);
    if (x->window_taken) {
        /* The request started going out `pretransfer` after it was handed over. */
        int64_t sent = now - total_us * 1000 + pretransfer_us * 1000;
        if (sent > now)
            sent = now;
        if (e->has_window)
            salvo_window_settle(&e->window, x->window_id, sent);
        if (e->has_rate_window)
            salvo_window_settle(&e->rate_window, x->rate_window_id, sent);
        x->window_taken = 0;
    }
    if (x->mode == X_LOOKUP) {
        on_lookup_done(e, x, result, http);
        return;
    }

    /* Could the request have left? Only a fresh connection that never
     * completed proves it did not; a reused one always could have. */
    int connected = connect_us > 0 || pretransfer_us > 0 || new_connections == 0;
    if (x->rewinds > 0 || curl_resent)
        r->transport_resent = 1, e->st->resent++;
    /* A copy that may have arrived earlier (resent by libcurl, an ambiguous
     * earlier attempt, an earlier run) makes a "no" to this one meaningless. */
    int earlier_copy = x->rewinds > 0 || curl_resent || x->maybe_delivered;
    salvo_outcome_t oc = salvo_classify((int)result, http, connected, earlier_copy);
    if (earlier_copy && oc.status != SALVO_ACCEPTED)
        oc.status = SALVO_UNKNOWN;
    if (oc.status == SALVO_UNKNOWN)
        x->maybe_delivered = 1;
    if (r->attempts < SALVO_MAX_ATTEMPTS)
        r->attempt[r->attempts] = (salvo_attempt_t){.http_status = (int)http, .curl_code = (int)result};
    r->attempts++;
    r->status = oc.status;
    r->http_status = (int)http;
    r->latency_ms = (double)total_us / 1000.0;
    r->error = result != CURLE_OK ? curl_easy_strerror(result) : NULL;
    r->location = NULL;
    if (http >= 300 && http < 400) {
        char *loc = NULL;
        curl_easy_getinfo(easy, CURLINFO_REDIRECT_URL, &loc);
        r->location = loc;
        r->error = "redirect not followed: the order endpoint must answer directly";
    }
    after_attempt(e, x, oc, retry_after);
}

static void drain_messages(engine_t *e)
{
    CURLMsg *m;
    int left;
    while ((m = curl_multi_info_read(e->multi, &left)) != NULL)
        if (m->msg == CURLMSG_DONE)
            on_done(e, m->easy_handle, m->data.result); /* result read before removal */
}

/* ================= libcurl <-> libuv ================= */

typedef struct sock_ctx {
    uv_poll_t poll;
    curl_socket_t fd;
    engine_t *e;
} sock_ctx_t;

static void socket_action(engine_t *e, curl_socket_t fd, int flags)
{
    int running;
    curl_multi_socket_action(e->multi, fd, flags, &running);
    drain_messages(e);
    pump(e);
}

static void on_poll(uv_poll_t *p, int status, int events)
{
    sock_ctx_t *s = p->data;
    int flags = 0;
    if (status < 0)
        flags = CURL_CSELECT_ERR;
    else {
        if (events & UV_READABLE)
            flags |= CURL_CSELECT_IN;
        if (events & UV_WRITABLE)
            flags |= CURL_CSELECT_OUT;
    }
    socket_action(s->e, s->fd, flags);
}

/* A socket's poll handle lives as long as the socket, not one transfer:
 * libcurl says REMOVE after each answer on a kept-alive connection, and
 * making the handle anew per order cost a malloc, an ioctl and epoll calls. */
static void free_sock_ctx(uv_handle_t *h)
{
    sock_ctx_t *s = h->data;
    if ((size_t)s->fd < s->e->nsocks && s->e->socks[s->fd] == s)
        s->e->socks[s->fd] = NULL;
    free(s);
}

static sock_ctx_t *sock_ctx_for(engine_t *e, curl_socket_t fd)
{
    if ((size_t)fd >= e->nsocks) {
        size_t n = e->nsocks ? e->nsocks : 64;
        while (n <= (size_t)fd)
            n *= 2;
        sock_ctx_t **t = realloc(e->socks, n * sizeof *t);
        if (t == NULL)
            return NULL;
        memset(t + e->nsocks, 0, (n - e->nsocks) * sizeof *t);
        e->socks = t;
        e->nsocks = n;
    }
    sock_ctx_t *s = e->socks[fd];
    if (s != NULL)
        return s;
    if ((s = malloc(sizeof *s)) == NULL)
        return NULL;
    if (uv_poll_init_socket(&e->loop, &s->poll, fd) != 0) {
        free(s);
        return NULL;
    }
    s->fd = fd;
    s->e = e;
    s->poll.data = s;
    e->socks[fd] = s;
    e->nconns++;
    return s;
}

static int on_curl_socket(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
    (void)easy;
    (void)socketp;
    engine_t *e = userp;
    if (what == CURL_POLL_REMOVE) {
        if ((size_t)fd < e->nsocks && e->socks[fd])
            uv_poll_stop(&e->socks[fd]->poll);
        return 0;
    }
    sock_ctx_t *s = sock_ctx_for(e, fd);
    if (s == NULL)
        return -1;
    int events = 0;
    if (what & CURL_POLL_IN)
        events |= UV_READABLE;
    if (what & CURL_POLL_OUT)
        events |= UV_WRITABLE;
    uv_poll_start(&s->poll, events, on_poll);
    return 0;
}

/* libcurl closes a connection: its poll handle goes first. */
static int on_close_socket(void *userp, curl_socket_t fd)
{
    engine_t *e = userp;
    if ((size_t)fd < e->nsocks && e->socks[fd]) {
        sock_ctx_t *s = e->socks[fd];
        e->socks[fd] = NULL;
        e->nconns--;
        uv_poll_stop(&s->poll);
        uv_close((uv_handle_t *)&s->poll, free_sock_ctx);
    }
    return close(fd);
}

static void on_curl_timeout(uv_timer_t *t) { socket_action(t->data, CURL_SOCKET_TIMEOUT, 0); }

static void on_curl_kick(uv_idle_t *h)
{
    uv_idle_stop(h);
    socket_action(h->data, CURL_SOCKET_TIMEOUT, 0);
}

static int on_curl_timer(CURLM *multi, long timeout_ms, void *userp)
{
    (void)multi;
    engine_t *e = userp;
    if (timeout_ms < 0) {
        uv_timer_stop(&e->curl_timer);
    } else if (timeout_ms == 0) {
        /* Act now, on the next turn, from an idle handle: restarting a timer
         * at 0 from inside its own callback spins on libuv < 1.48. */
        uv_timer_stop(&e->curl_timer);
        uv_idle_start(&e->curl_kick, on_curl_kick);
    } else {
        uv_timer_start(&e->curl_timer, on_curl_timeout, (uint64_t)timeout_ms, 0);
    }
    return 0;
}

/* ================= stopping ================= */

static void free_sock_ctx(uv_handle_t *h);

static void close_walk(uv_handle_t *h, void *arg)
{
    (void)arg;
    if (!uv_is_closing(h))
        uv_close(h, h->type == UV_POLL ? free_sock_ctx : NULL);
}

/* Report every order still with libcurl as unknown: it may have arrived. */
static void abort_in_flight(engine_t *e)
{
    e->aborting = 1;
    for (size_t i = 0; i < e->nxfers; i++) {
        xfer_t *x = &e->xfers[i];
        if (x->order == NULL)
            continue;
        uv_timer_stop(&x->backoff);
        curl_multi_remove_handle(e->multi, x->easy);
        if (x->res.attempts < SALVO_MAX_ATTEMPTS)
            x->res.attempt[x->res.attempts] = (salvo_attempt_t){0, CURLE_ABORTED_BY_CALLBACK};
        x->res.attempts++;
        x->res.status = SALVO_UNKNOWN;
        x->res.error = "aborted by signal before an answer came";
        finish_order(e, x);
    }
    e->retry_head = e->retry_tail = NULL;
}

static void maybe_finish(engine_t *e)
{
    if (e->done)
        return;
    int input_done = ((e->in_eof && salvo_reader_pending(e->reader) == 0) || e->in_capped) && e->ready_len == 0;
    if (e->active > 0 || !(input_done || e->stopping || e->setup_failed))
        return;
    e->done = 1;
    e->st->not_sent = e->ready_len;
    flush_output(e);
    /* libcurl closes its cached connections (and their poll handles, via the
     * socket callback) first; then every handle left is ours to close. */
    if (e->multi) {
        curl_multi_cleanup(e->multi);
        e->multi = NULL;
    }
    uv_walk(&e->loop, close_walk, NULL);
}

static void on_drain_timeout(uv_timer_t *t)
{
    engine_t *e = t->data;
    abort_in_flight(e);
    maybe_finish(e);
}

static void on_signal(uv_signal_t *h, int signum)
{
    engine_t *e = h->data;
    if (e->stopping && signum == SIGINT) {
        abort_in_flight(e); /* second Ctrl-C: stop waiting */
        maybe_finish(e);
        return;
    }
    if (!e->st->signal)
        e->st->signal = signum;
    e->stopping = 1;
    stop_reading(e);
    uv_timer_start(&e->drain_timer, on_drain_timeout, (uint64_t)(e->cfg->drain_timeout_ns / SALVO_NS_PER_MS), 0);
    /* Orders backing off are not retried once stopping: report them now. */
    for (size_t i = 0; i < e->nxfers; i++) {
        xfer_t *x = &e->xfers[i];
        if (x->order && uv_is_active((uv_handle_t *)&x->backoff)) {
            uv_timer_stop(&x->backoff);
            finish_order(e, x);
        }
    }
    for (xfer_t *x = e->retry_head; x; x = x->next)
        finish_order(e, x);
    e->retry_head = e->retry_tail = NULL;
    maybe_finish(e);
}

/* ================= dry run ================= */

static void report_dry_run(engine_t *e, salvo_order_t *o)
{
    salvo_result_t r = {.order = o, .status = SALVO_DRY_RUN};
    e->st->count[SALVO_DRY_RUN]++;
    if (e->st->output_error)
        return;
    /* The plain record, with a "request" member before its closing brace. */
    salvo_result_write(&e->out, &r);
    e->out.len -= 2; /* "}\n" */
    salvo_jbuf_cstr(&e->out, ",\"request\":{\"method\":");
    const char *m = e->cfg->method ? e->cfg->method : "POST";
    salvo_jbuf_str(&e->out, m, strlen(m));
    salvo_jbuf_cstr(&e->out, ",\"url\":");
    salvo_jbuf_str(&e->out, e->cfg->url, strlen(e->cfg->url));
    salvo_jbuf_cstr(&e->out, ",\"headers\":[");
    int first = 1;
    for (struct curl_slist *h = e->shared_headers; h; h = h->next) {
        if (strcmp(h->data, "Expect:") == 0)
            continue;
        size_t len = strlen(h->data);
        size_t secret_at = salvo_header_secret_at(h->data, len, e->cfg->redact, e->cfg->nredact);
        char shown[256];
        if (secret_at) /* the name, and stars for the value */
            len = (size_t)snprintf(shown, sizeof shown, "%.*s ***", (int)(secret_at < 200 ? secret_at : 200), h->data);
        if (!first)
            salvo_jbuf_raw(&e->out, ",", 1);
        salvo_jbuf_str(&e->out, secret_at ? shown : h->data, len);
        first = 0;
    }
    if (e->cfg->idempotency_header && o->client_order_id[0]) {
        char buf[192];
        snprintf(buf, sizeof buf, "%s: %s", e->cfg->idempotency_header, o->client_order_id);
        if (!first)
            salvo_jbuf_raw(&e->out, ",", 1);
        salvo_jbuf_str(&e->out, buf, strlen(buf));
    }
    salvo_jbuf_cstr(&e->out, "],\"body\":");
    salvo_jbuf_raw(&e->out, o->body, o->body_len);
    salvo_jbuf_cstr(&e->out, "}}\n");
}

/* ================= setup and teardown ================= */

static struct curl_slist *shared_headers(const salvo_config_t *c, struct curl_slist **nodes, size_t *n)
{
    /* Our own nodes: the auth header must not be copied around by strdup. */
    size_t count = 3 + c->nheaders + (c->auth_header ? 1 : 0);
    struct curl_slist *v = calloc(count, sizeof *v);
    if (v == NULL)
        return NULL;
    size_t k = 0;
    v[k++].data = (char *)"Content-Type: application/json";
    v[k++].data = (char *)"Accept: application/json";
    v[k++].data = (char *)"Expect:"; /* no 100-continue round trip */
    for (size_t i = 0; i < c->nheaders; i++)
        v[k++].data = (char *)c->headers[i];
    if (c->auth_header)
        v[k++].data = (char *)c->auth_header;
    for (size_t i = 0; i + 1 < k; i++)
        v[i].next = &v[i + 1];
    *nodes = v;
    *n = k;
    return v;
}

static int engine_init(engine_t *e, const salvo_config_t *c, salvo_stats_t *st)
{
    memset(e, 0, sizeof *e);
    e->cfg = c;
    e->st = st;
    e->rng = c->seed ? c->seed : (uint64_t)uv_hrtime();
    int r = uv_loop_init(&e->loop);
    if (r < 0)
        return r;
    /* Queue room: a full set of transfers' worth of orders ready behind
     * those in flight, so the cap is never idle for want of parsed input. */
    e->qcap = (size_t)c->concurrency * 2 + 64;
    e->orders = calloc(e->qcap, sizeof *e->orders);
    e->orders_read_ns = calloc(e->qcap, sizeof *e->orders_read_ns);
    e->orders_flags = calloc(e->qcap, sizeof *e->orders_flags);
    e->launch = calloc(c->concurrency, sizeof *e->launch);
    e->free_orders = malloc(e->qcap * sizeof *e->free_orders);
    e->ready = malloc(e->qcap * sizeof *e->ready);
    e->xfers = calloc(c->concurrency, sizeof *e->xfers);
    e->reader = salvo_reader_new(c->format, c->delim, SALVO_MAX_LINE_DEFAULT);
    if (!e->orders || !e->orders_read_ns || !e->orders_flags || !e->launch || !e->free_orders || !e->ready || !e->xfers || !e->reader)
        return -ENOMEM;
    for (size_t i = 0; i < e->qcap; i++)
        e->free_orders[e->nfree_orders++] = e->qcap - 1 - i;

    const char *const *extra;
    size_t nextra = salvo_body_columns(c->body, &extra);
    if (salvo_layout_init(&e->layout, extra, nextra) < 0)
        return -ENOMEM;
    if (c->format == SALVO_FORMAT_JSONL &&
        salvo_reader_set_columns(e->reader, (const char *const *)e->layout.names, e->layout.ncols) < 0)
        return -ENOMEM;

    struct curl_slist *nodes;
    size_t nnodes;
    if ((e->shared_headers = shared_headers(c, &nodes, &nnodes)) == NULL)
        return -ENOMEM;

    if (c->rate > 0) {
        salvo_bucket_init(&e->bucket, c->rate, c->burst ? c->burst : 1, SALVO_BUCKET_SLACK_NS);
        e->has_bucket = 1;
        /* The bucket may catch up a few late sends at once; this window
         * keeps any one second at or under rate (+ burst - 1) regardless. */
        if (c->rate >= 1) {
            uint32_t n = (uint32_t)ceil(c->rate) + (c->burst ? c->burst - 1 : 0);
            if (salvo_window_init(&e->rate_window, n, SALVO_NS_PER_SEC, SALVO_WINDOW_GUARD_NS) < 0)
                return -ENOMEM;
            e->has_rate_window = 1;
        }
    }
    if (c->window_n > 0) {
        if (salvo_window_init(&e->window, c->window_n, c->window_ns, SALVO_WINDOW_GUARD_NS) < 0)
            return -ENOMEM;
        e->has_window = 1;
    }

    if (!c->dry_run && !c->check_only) {
        if ((e->multi = curl_multi_init()) == NULL)
            return -ENOMEM;
        curl_multi_setopt(e->multi, CURLMOPT_SOCKETFUNCTION, on_curl_socket);
        curl_multi_setopt(e->multi, CURLMOPT_SOCKETDATA, e);
        curl_multi_setopt(e->multi, CURLMOPT_TIMERFUNCTION, on_curl_timer);
        curl_multi_setopt(e->multi, CURLMOPT_TIMERDATA, e);
        curl_multi_setopt(e->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)c->concurrency);
        curl_multi_setopt(e->multi, CURLMOPT_MAXCONNECTS, (long)c->concurrency);
        curl_multi_setopt(e->multi, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX);
        /* At most 4 streams per HTTP/2 connection: libcurl 7.88 loses an
         * answer that another transfer's read took off the socket when the
         * server ended the stream (RST_STREAM NO_ERROR after an early answer)
         * before this transfer sent its body. With 64 streams a connection
         * nginx cost 10-60 orders in 30,000; with 4, none in 10 runs. */
        curl_multi_setopt(e->multi, CURLMOPT_MAX_CONCURRENT_STREAMS, 4L);
    }
    uv_timer_init(&e->loop, &e->curl_timer);
    e->curl_timer.data = e;
    uv_idle_init(&e->loop, &e->curl_kick);
    e->curl_kick.data = e;
    uv_timer_init(&e->loop, &e->pace_timer);
    e->pace_timer.data = e;
    uv_timer_init(&e->loop, &e->drain_timer);
    e->drain_timer.data = e;
    uv_prepare_init(&e->loop, &e->flush);
    e->flush.data = e;
    uv_prepare_start(&e->flush, on_flush);
    uv_unref((uv_handle_t *)&e->flush);
    uv_signal_init(&e->loop, &e->sigint);
    e->sigint.data = e;
    uv_signal_start(&e->sigint, on_signal, SIGINT);
    uv_unref((uv_handle_t *)&e->sigint);
    uv_signal_init(&e->loop, &e->sigterm);
    e->sigterm.data = e;
    uv_signal_start(&e->sigterm, on_signal, SIGTERM);
    uv_unref((uv_handle_t *)&e->sigterm);
    return open_input(e);
}

static void engine_free(engine_t *e)
{
    for (size_t i = 0; e->multi && i < e->nxfers; i++)
        if (e->xfers[i].order)
            curl_multi_remove_handle(e->multi, e->xfers[i].easy);
    if (e->multi)
        curl_multi_cleanup(e->multi); /* may call the socket callback: loop still open */
    for (size_t i = 0; i < e->nxfers; i++) {
        curl_easy_cleanup(e->xfers[i].easy);
        free(e->xfers[i].lookup_url);
    }
    uv_walk(&e->loop, close_walk, NULL);
    uv_run(&e->loop, UV_RUN_DEFAULT);
    uv_loop_close(&e->loop);
    for (size_t i = 0; e->orders && i < e->qcap; i++)
        salvo_order_free(&e->orders[i]);
    free(e->orders);
    free(e->orders_read_ns);
    free(e->orders_flags);
    free(e->launch);
    free(e->socks);
    free(e->free_orders);
    free(e->ready);
    free(e->xfers);
    free(e->shared_headers);
    salvo_reader_free(e->reader);
    salvo_layout_free(&e->layout);
    salvo_idmap_free(&e->ids);
    salvo_window_free(&e->window);
    salvo_window_free(&e->rate_window);
    salvo_jbuf_free(&e->out);
}

int salvo_run(const salvo_config_t *cfg, salvo_stats_t *st, char *err, size_t errlen)
{
    engine_t *e = malloc(sizeof *e);
    if (e == NULL)
        return -ENOMEM;
    memset(st, 0, sizeof *st);
    salvo_hist_init(&st->latency);
    int r = engine_init(e, cfg, st);
    if (r < 0) {
        snprintf(err, errlen, "cannot start: %s", r == -ENOMEM ? "out of memory" : uv_strerror(r));
        engine_free(e);
        free(e);
        return r;
    }
    e->t0 = (int64_t)uv_hrtime();
    pump(e);
    uv_run(&e->loop, UV_RUN_DEFAULT);
    st->wall_ns = now_ns(e);
    flush_output(e);
    if (e->setup_failed) {
        snprintf(err, errlen, "%s", e->setup_err);
        r = -EINVAL;
    }
    engine_free(e);
    free(e);
    return r;
}
