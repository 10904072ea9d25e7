/* The worker transport: orders go as JSON lines to a pool of long-lived
 * worker processes (an SDK each, for brokers with no HTTP order API) and
 * come back as JSON lines. The protocol is docs/exec-protocol.md.
 *
 * A worker's life: spawned (uv_spawn, three pipes, its own session so a
 * terminal's ^C reaches salvo alone) -> the handshake -> idle <-> busy
 * (one line out, one answer back, under --timeout) -> down: it died,
 * closed its stdout, wrote garbage or ran out of time. Down, it is killed
 * if it still runs, its pipes are read to the end (its last words on
 * stderr), and it is started again after a backoff. The order it held is
 * answered `unknown`: it may have reached the broker. A line that provably
 * never reached it (not a byte written) goes to another worker instead.
 *
 * Like http.c it knows no engine: replies go back through a callback. */
#include <signal.h>
#include <stdarg.h>

#include "exec_proto.h"
#include "parse.h"
#include "retry.h"
#include "util.h"

extern char **environ;

#define LINE_MAX_BYTES (1024 * 1024)   /* an answer longer than this is garbage */
#define ERRLINE_MAX 2048               /* stderr is passed on in lines of at most this */
#define START_TIMEOUT_MS 30000         /* handshake, unless the config says */
#define RESTART_BASE_MS 100            /* restart backoff: 100 ms, doubling ... */
#define RESTART_CAP_MS 5000            /* ... up to this */
#define MAX_FAILED_STARTS 8            /* then the worker is given up */
#define CLOSE_GRACE_MS 5000            /* at the end: stdin closed, then SIGTERM after this, SIGKILL after 2x */
#define LINGER_MS 1000                 /* a dead worker's pipes held open by its children: closed after this */

enum wstate {
    W_OFF,   /* not running: never started, or waiting for its restart */
    W_HELLO, /* spawned, the handshake sent, its answer awaited */
    W_IDLE,  /* on the idle list */
    W_BUSY,  /* holds one line */
    W_FLUSH, /* answered before its line was written whole: no new line until that write is done */
    W_DOWN,  /* being taken down: killed or told to go, its handles closing */
    W_GONE,  /* never again (given up, or the transport is closing) */
};

typedef struct exec exec_t;

typedef struct worker {
    exec_t *x;
    unsigned n;           /* 1-based */
    int state;
    uv_process_t proc;    /* these four live one incarnation each */
    uv_pipe_t in, out, err;
    int open;             /* of them, not yet closed */
    uv_timer_t timer;     /* lives as long as the transport: handshake, answer, grace, linger, restart */
    int timer_closed;
    int running;          /* spawned and not yet exited */
    int killed;           /* signals sent this incarnation */
    int out_eof, err_eof;
    char exit_words[64];  /* "exited with status 1", "was killed by signal 9" */
    salvo_job_t *job;     /* W_BUSY: whose line it holds; NULL once cancelled */
    uint64_t want_id;     /* the id its answer must carry */
    uint64_t sent_ns;     /* uv_hrtime() of the write */
    int served;           /* this incarnation answered a line */
    unsigned failed_starts; /* incarnations in a row that answered nothing */
    salvo_jbuf_t line;    /* stdout: the line being read */
    int line_over;
    char eline[ERRLINE_MAX]; /* stderr: the line being read */
    size_t eline_len;
    salvo_jbuf_t wbuf;    /* the line being written; kept until its write is done */
    uv_write_t wreq;
    int writing;          /* wreq is pending: wbuf and wreq are libuv's until on_written */
    salvo_queue_t idle_link;
    char why[240];        /* why it went down */
} worker_t;

struct exec {
    uv_loop_t *loop;
    const salvo_config_t *cfg;
    worker_t *w;
    unsigned nw;
    salvo_queue_t idle;    /* workers ready for a line, through idle_link */
    salvo_queue_t waiting; /* jobs handed over while none was, through their qlink */
    salvo_reply_cb on_reply;
    void *ud;
    void (*on_state)(void *ud, int state, const char *why);
    void (*on_log)(void *ud, unsigned worker, int kind, const char *line, size_t len);
    void *log_ud;
    uint64_t next_id;
    unsigned ready;        /* workers through their first handshake */
    uint64_t restarts, given_up;
    int said;              /* on_state has been called */
    int closing, started;
    unsigned timers_open;  /* x goes with the last */
    char **env;            /* environ + SALVO_WORKER, SALVO_WORKERS, SALVO_EXEC_PROTOCOL */
    size_t nenv;
    char env_worker[32], env_workers[32], env_protocol[32];
    char readbuf[64 * 1024]; /* every pipe reads here: each read is consumed before the next */
};

static void lost(worker_t *w, const char *word, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void dispatch(exec_t *x);

/* ================= small things ================= */

static void note(worker_t *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(worker_t *w, const char *fmt, ...)
{
    exec_t *x = w->x;
    if (x->on_log == NULL)
        return;
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    x->on_log(x->log_ud, w->n, SALVO_WORKER_NOTE, msg, n < 0 ? 0 : (size_t)n < sizeof msg ? (size_t)n : sizeof msg - 1);
}

static void idle_push(worker_t *w)
{
    w->state = W_IDLE;
    salvo_queue_remove(&w->idle_link);
    salvo_queue_insert_tail(&w->x->idle, &w->idle_link);
}

/* It answered: the next line may go once the last is written whole (a
 * worker may answer from the first bytes of a line longer than the pipe
 * holds; wbuf and wreq stay libuv's until then). */
static void ready_for_line(worker_t *w)
{
    if (w->writing)
        w->state = W_FLUSH; /* on_written makes it idle */
    else
        idle_push(w);
}

static int all_gone(const exec_t *x)
{
    for (unsigned i = 0; i < x->nw; i++)
        if (x->w[i].state != W_GONE)
            return 0;
    return 1;
}

static double secs(int64_t ns) { return (double)ns / 1e9; }

/* ================= handles ================= */

static void after_down(worker_t *w);

static void on_timer_closed(uv_handle_t *h)
{
    worker_t *w = h->data;
    exec_t *x = w->x;
    if (--x->timers_open == 0) {
        for (unsigned i = 0; i < x->nw; i++) {
            salvo_jbuf_free(&x->w[i].line);
            salvo_jbuf_free(&x->w[i].wbuf);
        }
        free(x->env);
        free(x->w);
        free(x);
    }
}

static void close_timer(worker_t *w)
{
    if (!w->timer_closed) {
        w->timer_closed = 1;
        uv_close((uv_handle_t *)&w->timer, on_timer_closed);
    }
}

static void on_closed(uv_handle_t *h)
{
    worker_t *w = h->data;
    if (--w->open == 0)
        after_down(w);
}

static void close_h(void *h)
{
    if (!uv_is_closing(h))
        uv_close(h, on_closed);
}

static void on_timer(uv_timer_t *t);

/* Take this incarnation down: stop it if it runs (at once, or politely at
 * the end: its stdin closes once the line being written is whole, and it
 * has CLOSE_GRACE_MS to leave), and close its pipes as they reach their
 * ends. */
static void take_down(worker_t *w, int politely)
{
    w->state = W_DOWN;
    salvo_queue_remove(&w->idle_link);
    uv_timer_stop(&w->timer);
    if (!politely || !w->writing) /* else on_written closes it: a worker never reads a torn line */
        close_h(&w->in);
    if (w->running && !politely) {
        uv_process_kill(&w->proc, SIGKILL);
        w->killed = 2;
    }
    if (w->running && politely)
        uv_timer_start(&w->timer, on_timer, CLOSE_GRACE_MS, 0);
    if (!w->running && (!w->out_eof || !w->err_eof || w->writing)) /* exited: children may hold its pipes */
        uv_timer_start(&w->timer, on_timer, LINGER_MS, 0);
    if (w->out_eof)
        close_h(&w->out);
    if (w->err_eof)
        close_h(&w->err);
}

/* ================= the order's answer ================= */

/* The reply for a job whose worker gave no usable answer. */
static void reply_lost(worker_t *w, salvo_job_t *j, const char *word, const char *why)
{
    exec_t *x = w->x;
    char err[400];
    if (j->mode == JOB_LOOKUP)
        snprintf(err, sizeof err, "worker %u %s during the lookup", w->n, why);
    else
        snprintf(err, sizeof err, "worker %u %s with the order in hand: it may have reached the broker", w->n, why);
    salvo_reply_t r = {.retry_after_s = -1, .connected = 1, .worker = w->n, .word = word, .error = err,
                       .known = 1 + SALVO_UNKNOWN, .known_retry = SALVO_RETRY_AMBIGUOUS};
    r.total_us = (int64_t)(uv_hrtime() - w->sent_ns) / 1000;
    x->on_reply(x->ud, j, &r);
}

/* This incarnation is finished with: its order (if any) is unknown. */
static void lost(worker_t *w, const char *word, const char *fmt, ...)
{
    exec_t *x = w->x;
    if (w->state != W_HELLO && w->state != W_IDLE && w->state != W_BUSY && w->state != W_FLUSH)
        return;
    int was = w->state;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(w->why, sizeof w->why, fmt, ap);
    va_end(ap);
    salvo_job_t *j = w->job;
    w->job = NULL;
    take_down(w, 0);
    if (x->said) /* a failed start is the engine's to report */
        note(w, "%s%s%s%s", w->why, j ? "; its " : "", j ? (j->mode == JOB_LOOKUP ? "lookup of " : "order ") : "",
             j ? j->order.client_order_id : "");
    if (was == W_HELLO && !x->said) {
        /* A worker that cannot start at all: the run stops before a send. */
        char why[400];
        snprintf(why, sizeof why, "--exec: worker %u could not start: it %s", w->n, w->why);
        x->said = 1;
        x->on_state(x->ud, SALVO_EXEC_FAILED, why);
        return;
    }
    if (j)
        reply_lost(w, j, word, w->why);
}

/* A busy worker's line: its answer, or garbage. */
static void answer(worker_t *w, const char *s, size_t n)
{
    exec_t *x = w->x;
    salvo_job_t *j = w->job;
    salvo_exec_answer_t a;
    if (salvo_exec_answer_read(&a, s, n, w->want_id, j && j->mode == JOB_LOOKUP, w->sent_ns, uv_hrtime()) < 0) {
        salvo_exec_answer_free(&a);
        lost(w, "garbage", "answered with something that is not a protocol answer (%.*s%s)", SALVO_EXEC_SHOWN(n), s,
             n > 100 ? "..." : "");
        return;
    }
    a.r.worker = w->n;
    w->served = 1;
    w->failed_starts = 0;
    w->job = NULL;
    if (!w->writing) /* else --timeout still bounds the rest of its line */
        uv_timer_stop(&w->timer);
    ready_for_line(w); /* before the reply: the engine may send again from it */
    if (j)        /* NULL: cancelled, the answer is not wanted */
        x->on_reply(x->ud, j, &a.r);
    salvo_exec_answer_free(&a);
    dispatch(x);
}

/* ================= the handshake ================= */

static void hello(worker_t *w, const char *s, size_t n)
{
    exec_t *x = w->x;
    char why[240];
    if (salvo_exec_hello_read(s, n, why, sizeof why) < 0) {
        lost(w, "garbage", "%s", why);
        return;
    }
    if (!w->writing)
        uv_timer_stop(&w->timer);
    if (x->said)
        note(w, "ready again (pid %d)", w->proc.pid);
    ready_for_line(w);
    if (!x->said && ++x->ready == x->nw) {
        x->said = 1;
        x->on_state(x->ud, SALVO_EXEC_READY, NULL);
    }
    dispatch(x);
}

static void one_line(worker_t *w, const char *s, size_t n)
{
    while (n > 0 && (s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    if (n == 0)
        return; /* blank lines are allowed, and ignored */
    if (w->state == W_HELLO)
        hello(w, s, n);
    else if (w->state == W_BUSY)
        answer(w, s, n);
    else if (w->state == W_IDLE || w->state == W_FLUSH)
        lost(w, "garbage", "wrote a line with no order out (%.*s%s)", SALVO_EXEC_SHOWN(n), s, n > 100 ? "..." : "");
}

/* ================= reading ================= */

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    (void)suggested;
    worker_t *w = h->data;
    *buf = uv_buf_init(w->x->readbuf, sizeof w->x->readbuf);
}

#define QUIET_MS 200 /* stdout closed: the exit that usually follows is awaited this long */

/* Its stdout or its process ended. Once the process has exited, it is
 * lost (its exit says how); a closed stdout alone gives the exit a moment
 * to come and say more. */
static void gone_quiet(worker_t *w)
{
    if (w->state == W_DOWN || w->state == W_OFF || w->state == W_GONE)
        return;
    if (!w->running)
        lost(w, "died", "%s", w->exit_words);
    else if (w->out_eof)
        uv_timer_start(&w->timer, on_timer, QUIET_MS, 0);
}

static void on_out(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
    worker_t *w = s->data;
    if (nread < 0) {
        w->out_eof = 1;
        uv_read_stop(s);
        if (w->state == W_DOWN)
            close_h(&w->out);
        else
            gone_quiet(w);
        return;
    }
    const char *p = buf->base, *end = p + nread;
    while (p < end && w->state != W_DOWN) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t take = (size_t)((nl ? nl : end) - p);
        if (w->line.len + take > LINE_MAX_BYTES)
            w->line_over = 1;
        else
            salvo_jbuf_raw(&w->line, p, take);
        p += take;
        if (nl == NULL)
            break;
        p++; /* the newline */
        if (w->line_over || w->line.oom)
            lost(w, "garbage", "wrote a line over %d bytes", LINE_MAX_BYTES);
        else
            one_line(w, w->line.p ? w->line.p : "", w->line.len);
        w->line.len = 0;
        w->line_over = 0;
    }
}

static void flush_eline(worker_t *w)
{
    exec_t *x = w->x;
    if (x->on_log)
        x->on_log(x->log_ud, w->n, SALVO_WORKER_STDERR, w->eline, w->eline_len);
    w->eline_len = 0;
}

static void on_err(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
    worker_t *w = s->data;
    if (nread < 0) {
        if (w->eline_len)
            flush_eline(w);
        w->err_eof = 1;
        uv_read_stop(s);
        if (w->state == W_DOWN)
            close_h(&w->err);
        return;
    }
    for (ssize_t i = 0; i < nread; i++) {
        char c = buf->base[i];
        if (c == '\n') {
            if (w->eline_len && w->eline[w->eline_len - 1] == '\r')
                w->eline_len--;
            flush_eline(w);
        } else {
            if (w->eline_len == sizeof w->eline)
                flush_eline(w);
            w->eline[w->eline_len++] = c;
        }
    }
}

static void on_exit_cb(uv_process_t *p, int64_t status, int sig)
{
    worker_t *w = p->data;
    w->running = 0;
    if (sig)
        snprintf(w->exit_words, sizeof w->exit_words, "was killed by signal %d", sig);
    else
        snprintf(w->exit_words, sizeof w->exit_words, "exited with status %lld", (long long)status);
    close_h(&w->proc);
    /* A worker that answered and then exited: its answer may still be in
     * the pipe. Its stdout's end decides (or its --timeout). */
    if (w->state == W_BUSY && !w->out_eof)
        return;
    gone_quiet(w);
    if (w->state == W_DOWN && (!w->out_eof || !w->err_eof || w->writing)) /* children may hold its pipes */
        uv_timer_start(&w->timer, on_timer, LINGER_MS, 0);
}

/* ================= writing ================= */

static void on_written(uv_write_t *req, int status)
{
    worker_t *w = req->data;
    w->writing = 0;
    if (w->state == W_DOWN) /* taken down politely while this was written */
        close_h(&w->in);
    else if (status < 0 && (w->state == W_BUSY || w->state == W_FLUSH || w->state == W_HELLO))
        lost(w, "died", "did not take the whole line (%s)", uv_strerror(status));
    else if (w->state == W_FLUSH) { /* it answered early; now its next line may go */
        uv_timer_stop(&w->timer);
        idle_push(w);
        dispatch(w->x);
    }
}

/* Write w->wbuf. 0: written (or queued); -1: not a byte of it written. */
static int write_line(worker_t *w)
{
    uv_buf_t b = uv_buf_init(w->wbuf.p, (unsigned)w->wbuf.len);
    int n = uv_try_write((uv_stream_t *)&w->in, &b, 1);
    if (n == (int)b.len)
        return 0;
    if (n < 0 && n != UV_EAGAIN)
        return -1;
    if (n > 0) {
        b.base += n;
        b.len -= (unsigned)n;
    }
    w->wreq.data = w;
    /* From here a failure may have left part of the line with it: unknown. */
    int r = uv_write(&w->wreq, (uv_stream_t *)&w->in, &b, 1, on_written);
    if (r == 0)
        w->writing = 1;
    return r < 0 && n <= 0 ? -1 : 0;
}

/* Give j's line to idle worker w (never one still writing: wbuf and wreq
 * are in use until on_written). 0, or -1 when not a byte reached it
 * (w is then down, and j is still the caller's). */
static int give(worker_t *w, salvo_job_t *j)
{
    exec_t *x = w->x;
    salvo_queue_remove(&w->idle_link);
    w->want_id = ++x->next_id;
    w->wbuf.len = 0;
    salvo_exec_order_line(&w->wbuf, j, w->want_id);
    if (w->wbuf.oom)
        return -ENOMEM;
    w->state = W_BUSY;
    w->job = j;
    w->sent_ns = uv_hrtime();
    if (write_line(w) < 0) {
        w->job = NULL;
        lost(w, "died", "did not take a line (its stdin is closed)");
        return -1;
    }
    if (x->cfg->timeout_ns > 0) /* 0: no limit, as for HTTP */
        uv_timer_start(&w->timer, on_timer, salvo_ns_to_timer_ms(x->cfg->timeout_ns), 0);
    return 0;
}

/* Jobs waiting for a worker, to the idle ones. */
static void dispatch(exec_t *x)
{
    while (!x->closing && !salvo_queue_empty(&x->waiting) && !salvo_queue_empty(&x->idle)) {
        salvo_queue_t *q = salvo_queue_pop_head(&x->waiting);
        salvo_job_t *j = SALVO_QUEUE_DATA(q, salvo_job_t, qlink);
        worker_t *w = SALVO_QUEUE_DATA(salvo_queue_head(&x->idle), worker_t, idle_link);
        if (give(w, j) < 0)
            salvo_queue_insert_head(&x->waiting, &j->qlink); /* another worker, or a later one */
    }
}

/* No worker will ever run again: the jobs waiting were provably never
 * written to one. */
static void fail_waiting(exec_t *x)
{
    salvo_queue_t *q;
    while ((q = salvo_queue_pop_head(&x->waiting)) != NULL) {
        salvo_job_t *j = SALVO_QUEUE_DATA(q, salvo_job_t, qlink);
        salvo_reply_t r = {.retry_after_s = -1, .word = "no_worker", .fatal = 1, .known = 1 + SALVO_FAILED,
                           .known_retry = SALVO_RETRY_NO,
                           .error = "not sent: every worker failed to start again (see the worker notes)"};
        x->on_reply(x->ud, j, &r);
    }
}

/* ================= life ================= */

static void spawn(worker_t *w);

/* Every handle of an incarnation has closed: start it again, or not. */
static void after_down(worker_t *w)
{
    exec_t *x = w->x;
    uv_timer_stop(&w->timer);
    w->line.len = 0;
    w->line_over = 0;
    w->eline_len = 0;
    if (x->closing || (x->said && x->ready < x->nw) || !x->said) {
        /* the end, or a start that failed: no restart */
        w->state = x->closing ? W_GONE : W_OFF;
        if (x->closing)
            close_timer(w);
        return;
    }
    if (!w->served)
        w->failed_starts++;
    if (w->failed_starts >= MAX_FAILED_STARTS) {
        w->state = W_GONE;
        x->given_up++;
        note(w, "given up after %u starts in a row that answered nothing", w->failed_starts);
        if (all_gone(x))
            fail_waiting(x);
        return;
    }
    unsigned shift = w->failed_starts > 1 ? w->failed_starts - 1 : 0;
    uint64_t delay = (uint64_t)RESTART_BASE_MS << (shift < 16 ? shift : 16);
    if (delay > RESTART_CAP_MS)
        delay = RESTART_CAP_MS;
    note(w, "restarting in %llu ms", (unsigned long long)delay);
    x->restarts++;
    w->state = W_OFF;
    uv_timer_start(&w->timer, on_timer, delay, 0);
}

static void on_timer(uv_timer_t *t)
{
    worker_t *w = t->data;
    exec_t *x = w->x;
    switch (w->state) {
    case W_OFF:
        spawn(w);
        break;
    case W_HELLO:
        if (w->out_eof)
            lost(w, "died", "closed its stdout");
        else
            lost(w, "timeout", "gave no handshake within %.3g s", secs(x->cfg->exec_start_timeout_ns
                                                                        ? x->cfg->exec_start_timeout_ns
                                                                        : START_TIMEOUT_MS * SALVO_NS_PER_MS));
        break;
    case W_BUSY:
        if (w->out_eof)
            lost(w, "died", "closed its stdout");
        else
            lost(w, "timeout", "gave no answer within --timeout %.3g s (killed)", secs(x->cfg->timeout_ns));
        break;
    case W_IDLE: /* only its stdout's end starts the timer of an idle worker */
        lost(w, "died", "closed its stdout");
        break;
    case W_FLUSH:
        if (w->out_eof)
            lost(w, "died", "closed its stdout");
        else
            lost(w, "timeout", "answered, but did not read the rest of its line in time (killed)");
        break;
    case W_DOWN:
        if (w->running && w->killed < 2) { /* the end: it had its grace */
            w->killed++;
            uv_process_kill(&w->proc, w->killed == 1 ? SIGTERM : SIGKILL);
            note(w, "did not exit after its stdin closed: sent %s", w->killed == 1 ? "SIGTERM" : "SIGKILL");
            uv_timer_start(&w->timer, on_timer, CLOSE_GRACE_MS, 0);
        } else if (!w->running) { /* dead, but something holds its pipes */
            close_h(&w->in);
            close_h(&w->out);
            close_h(&w->err);
        }
        break;
    }
}

static void spawn(worker_t *w)
{
    exec_t *x = w->x;
    const salvo_config_t *c = x->cfg;
    w->running = w->killed = w->out_eof = w->err_eof = w->served = 0;
    w->exit_words[0] = '\0';
    w->job = NULL;
    uv_pipe_init(x->loop, &w->in, 0);
    uv_pipe_init(x->loop, &w->out, 0);
    uv_pipe_init(x->loop, &w->err, 0);
    w->proc.data = w->in.data = w->out.data = w->err.data = w;
    w->open = 4;
    uv_stdio_container_t io[3] = {
        {.flags = UV_CREATE_PIPE | UV_READABLE_PIPE, .data.stream = (uv_stream_t *)&w->in},
        {.flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE, .data.stream = (uv_stream_t *)&w->out},
        {.flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE, .data.stream = (uv_stream_t *)&w->err},
    };
    snprintf(x->env_worker, sizeof x->env_worker, "SALVO_WORKER=%u", w->n);
    uv_process_options_t o = {
        .exit_cb = on_exit_cb,
        .file = c->exec_argv[0],
        .args = (char **)c->exec_argv,
        .env = x->env,
        .stdio = io,
        .stdio_count = 3,
        .flags = UV_PROCESS_DETACHED, /* its own session: a terminal's ^C is for salvo, which drains */
    };
    w->state = W_HELLO;
    int r = uv_spawn(x->loop, &w->proc, &o);
    if (r < 0) {
        snprintf(w->exit_words, sizeof w->exit_words, "could not be spawned: %s", uv_strerror(r));
        w->out_eof = w->err_eof = 1;
        close_h(&w->proc);
        lost(w, "died", "could not be spawned (%s: %s)", c->exec_argv[0], uv_strerror(r));
        return;
    }
    w->running = 1;
    uv_read_start((uv_stream_t *)&w->out, on_alloc, on_out);
    uv_read_start((uv_stream_t *)&w->err, on_alloc, on_err);
    w->wbuf.len = 0;
    salvo_exec_hello_line(&w->wbuf, w->n, x->nw);
    if (w->wbuf.oom || write_line(w) < 0) {
        lost(w, "died", "did not take the handshake (its stdin is closed)");
        return;
    }
    int64_t to = c->exec_start_timeout_ns ? c->exec_start_timeout_ns : START_TIMEOUT_MS * SALVO_NS_PER_MS;
    uv_timer_start(&w->timer, on_timer, salvo_ns_to_timer_ms(to), 0);
}

static int make_env(exec_t *x)
{
    size_t n = 0;
    while (environ && environ[n])
        n++;
    if ((x->env = calloc(n + 4, sizeof *x->env)) == NULL)
        return -ENOMEM;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (strncmp(environ[i], "SALVO_WORKER", 12) != 0 && strncmp(environ[i], "SALVO_EXEC_PROTOCOL=", 20) != 0)
            x->env[k++] = environ[i];
    snprintf(x->env_workers, sizeof x->env_workers, "SALVO_WORKERS=%u", x->nw);
    snprintf(x->env_protocol, sizeof x->env_protocol, "SALVO_EXEC_PROTOCOL=%d", SALVO_EXEC_PROTOCOL);
    x->env[k++] = x->env_worker;
    x->env[k++] = x->env_workers;
    x->env[k++] = x->env_protocol;
    x->nenv = k;
    return 0;
}

int salvo_exec_new(void **out, uv_loop_t *loop, const salvo_config_t *cfg, salvo_reply_cb cb, void *ud,
                   void (*on_state)(void *ud, int state, const char *why), const salvo_callbacks_t *log,
                   void *log_ud)
{
    *out = NULL;
    if (cfg->exec_argv == NULL || cfg->exec_argv[0] == NULL || cfg->workers == 0)
        return -EINVAL;
    exec_t *x = calloc(1, sizeof *x);
    if (x == NULL)
        return -ENOMEM;
    x->nw = cfg->workers;
    if ((x->w = calloc(x->nw, sizeof *x->w)) == NULL || make_env(x) < 0) {
        free(x->w);
        free(x);
        return -ENOMEM;
    }
    x->loop = loop;
    x->cfg = cfg;
    x->on_reply = cb;
    x->ud = ud;
    x->on_state = on_state;
    x->on_log = log ? log->on_worker_log : NULL;
    x->log_ud = log_ud;
    salvo_queue_init(&x->idle);
    salvo_queue_init(&x->waiting);
    for (unsigned i = 0; i < x->nw; i++) {
        worker_t *w = &x->w[i];
        w->x = x;
        w->n = i + 1;
        w->state = W_OFF;
        salvo_queue_init(&w->idle_link);
        uv_timer_init(loop, &w->timer);
        w->timer.data = w;
        x->timers_open++;
    }
    *out = x;
    return 0;
}

int salvo_exec_start(void *t)
{
    exec_t *x = t;
    if (x->started)
        return -EALREADY;
    x->started = 1;
    for (unsigned i = 0; i < x->nw && !x->said; i++)
        spawn(&x->w[i]);
    return 0;
}

/* ================= the transport ops ================= */

static int exec_send(void *t, salvo_job_t *j)
{
    exec_t *x = t;
    if (x->closing || all_gone(x))
        return -ENOTCONN;
    salvo_queue_insert_tail(&x->waiting, &j->qlink);
    dispatch(x);
    return 0;
}

static void exec_cancel(void *t, salvo_job_t *j)
{
    exec_t *x = t;
    for (salvo_queue_t *q = salvo_queue_head(&x->waiting); q != &x->waiting; q = q->next)
        if (q == &j->qlink) {
            salvo_queue_remove(q);
            return;
        }
    for (unsigned i = 0; i < x->nw; i++)
        if (x->w[i].job == j)
            x->w[i].job = NULL; /* its answer, when it comes, is dropped */
}

/* The end: each worker's stdin closes (it leaves when it has answered what
 * it holds), it is reaped, and SIGTERM then SIGKILL come to one that stays. */
static void exec_close(void *t)
{
    exec_t *x = t;
    if (x == NULL || x->closing)
        return;
    x->closing = 1;
    salvo_queue_t *q;
    while ((q = salvo_queue_pop_head(&x->waiting)) != NULL)
        ; /* nothing was written for them; the engine has let them go */
    for (unsigned i = 0; i < x->nw; i++) {
        worker_t *w = &x->w[i];
        w->job = NULL;
        switch (w->state) {
        case W_HELLO: /* still logging in, holding no order: no need to wait */
            take_down(w, 1);
            uv_process_kill(&w->proc, SIGTERM);
            w->killed = 1;
            break;
        case W_IDLE:
        case W_BUSY:
        case W_FLUSH:
            take_down(w, 1);
            break;
        case W_DOWN:
            break; /* after_down closes its timer */
        default:
            w->state = W_GONE;
            uv_timer_stop(&w->timer);
            close_timer(w);
            break;
        }
    }
}

static void exec_stats(const void *t, salvo_stats_t *st)
{
    const exec_t *x = t;
    st->worker_restarts = x->restarts;
    st->workers_given_up = x->given_up;
}

const salvo_transport_ops_t salvo_exec_ops = {
    .send = exec_send,
    .cancel = exec_cancel,
    .close = exec_close,
    .stats = exec_stats,
};
