/* One worker process's life (exec_worker.h): spawned (uv_spawn, three
 * pipes, its own session so a terminal's ^C reaches salvo alone) -> the
 * handshake -> idle <-> busy (one line out, one answer back, under
 * --timeout) -> down: it died, closed its stdout, wrote garbage or ran out
 * of time. Down, it is killed if it still runs and its pipes are read to
 * the end (its last words on stderr); then its pool hears on_down and
 * decides whether it starts again. */
#include <signal.h>
#include <stdarg.h>

#include "exec_proto.h"
#include "exec_worker.h"
#include "parse.h"
#include "util.h"

#define LINE_MAX_BYTES (1024 * 1024) /* an answer longer than this is garbage */
#define START_TIMEOUT_MS 30000       /* handshake, unless the config says */
#define CLOSE_GRACE_MS 5000          /* at the end: stdin closed, then SIGTERM after this, SIGKILL after 2x */
#define LINGER_MS 1000               /* a dead worker's pipes held open by its children: closed after this */
#define QUIET_MS 200                 /* stdout closed: the exit that usually follows is awaited this long */

static void lost(salvo_worker_t *w, const char *word, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void on_timer(uv_timer_t *t);

static double secs(int64_t ns) { return (double)ns / 1e9; }

static int64_t start_timeout_ns(const salvo_config_t *c)
{
    return c->exec_start_timeout_ns ? c->exec_start_timeout_ns : START_TIMEOUT_MS * SALVO_NS_PER_MS;
}

/* ================= handles ================= */

static void on_timer_closed(uv_handle_t *h)
{
    salvo_worker_t *w = h->data;
    salvo_jbuf_free(&w->line);
    salvo_jbuf_free(&w->wbuf);
    w->ops->on_released(w->ctx, w); /* w's memory may go with this */
}

static void close_timer(salvo_worker_t *w)
{
    if (!w->timer_closed) {
        w->timer_closed = 1;
        uv_close((uv_handle_t *)&w->timer, on_timer_closed);
    }
}

/* Every handle of the incarnation has closed. */
static void on_handle_closed(uv_handle_t *h)
{
    salvo_worker_t *w = h->data;
    if (--w->open > 0)
        return;
    uv_timer_stop(&w->timer);
    w->line.len = 0;
    w->line_over = 0;
    w->eline_len = 0;
    w->state = WORKER_OFF;
    w->ops->on_down(w->ctx, w);
}

static void close_h(void *h)
{
    if (!uv_is_closing(h))
        uv_close(h, on_handle_closed);
}

/* Take this incarnation down: stop it if it runs (at once, or politely at
 * the end: its stdin closes once the line being written is whole, and it
 * has CLOSE_GRACE_MS to leave), and close its pipes as they reach their
 * ends. */
static void take_down(salvo_worker_t *w, int politely)
{
    w->state = WORKER_DOWN;
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

/* This incarnation is finished with; the pool hears what it held. */
static void lost(salvo_worker_t *w, const char *word, const char *fmt, ...)
{
    if (w->state != WORKER_HELLO && w->state != WORKER_IDLE && w->state != WORKER_BUSY && w->state != WORKER_FLUSH)
        return;
    int was = w->state;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(w->why, sizeof w->why, fmt, ap);
    va_end(ap);
    salvo_job_t *j = w->job;
    w->job = NULL;
    take_down(w, 0);
    w->ops->on_lost(w->ctx, w, was, j, word, w->why);
}

/* ================= its lines ================= */

/* It answered: the next line may go once the last is written whole (a
 * worker may answer from the first bytes of a line longer than the pipe
 * holds; wbuf and wreq stay libuv's until then). */
static void ready_for_line(salvo_worker_t *w)
{
    if (!w->writing) /* else --timeout still bounds the rest of its line */
        uv_timer_stop(&w->timer);
    w->state = w->writing ? WORKER_FLUSH : WORKER_IDLE; /* on_written makes a FLUSH idle */
}

/* A busy worker's line: its answer, or garbage. */
static void answer(salvo_worker_t *w, const char *s, size_t n)
{
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
    w->job = NULL;
    ready_for_line(w); /* before the answer goes up: the pool may send again from it */
    w->ops->on_answer(w->ctx, w, j, &a.r);
    salvo_exec_answer_free(&a);
}

static void hello(salvo_worker_t *w, const char *s, size_t n)
{
    char why[240];
    if (salvo_exec_hello_read(s, n, why, sizeof why) < 0) {
        lost(w, "garbage", "%s", why);
        return;
    }
    ready_for_line(w);
    w->ops->on_hello(w->ctx, w);
}

static void one_line(salvo_worker_t *w, const char *s, size_t n)
{
    while (n > 0 && (s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    if (n == 0)
        return; /* blank lines are allowed, and ignored */
    if (w->state == WORKER_HELLO)
        hello(w, s, n);
    else if (w->state == WORKER_BUSY)
        answer(w, s, n);
    else if (w->state == WORKER_IDLE || w->state == WORKER_FLUSH)
        lost(w, "garbage", "wrote a line with no order out (%.*s%s)", SALVO_EXEC_SHOWN(n), s, n > 100 ? "..." : "");
}

/* ================= reading ================= */

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    (void)suggested;
    salvo_worker_t *w = h->data;
    salvo_worker_kit_t *k = w->kit;
    *buf = uv_buf_init(k->readbuf, sizeof k->readbuf);
}

/* Its stdout or its process ended. Once the process has exited, it is
 * lost (its exit says how); a closed stdout alone gives the exit a moment
 * to come and say more. */
static void gone_quiet(salvo_worker_t *w)
{
    if (w->state == WORKER_DOWN || w->state == WORKER_OFF || w->state == WORKER_GONE)
        return;
    if (!w->running)
        lost(w, "died", "%s", w->exit_words);
    else if (w->out_eof)
        uv_timer_start(&w->timer, on_timer, QUIET_MS, 0);
}

static void on_out(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
    salvo_worker_t *w = s->data;
    if (nread < 0) {
        w->out_eof = 1;
        uv_read_stop(s);
        if (w->state == WORKER_DOWN)
            close_h(&w->out);
        else
            gone_quiet(w);
        return;
    }
    const char *p = buf->base, *end = p + nread;
    while (p < end && w->state != WORKER_DOWN) {
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

static void flush_eline(salvo_worker_t *w)
{
    w->ops->on_log(w->ctx, w, SALVO_WORKER_STDERR, w->eline, w->eline_len);
    w->eline_len = 0;
}

static void on_err(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
    salvo_worker_t *w = s->data;
    if (nread < 0) {
        if (w->eline_len)
            flush_eline(w);
        w->err_eof = 1;
        uv_read_stop(s);
        if (w->state == WORKER_DOWN)
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
    salvo_worker_t *w = p->data;
    w->running = 0;
    if (sig)
        snprintf(w->exit_words, sizeof w->exit_words, "was killed by signal %d", sig);
    else
        snprintf(w->exit_words, sizeof w->exit_words, "exited with status %lld", (long long)status);
    close_h(&w->proc);
    /* A worker that answered and then exited: its answer may still be in
     * the pipe. Its stdout's end decides (or its --timeout). */
    if (w->state == WORKER_BUSY && !w->out_eof)
        return;
    gone_quiet(w);
    if (w->state == WORKER_DOWN && (!w->out_eof || !w->err_eof || w->writing)) /* children may hold its pipes */
        uv_timer_start(&w->timer, on_timer, LINGER_MS, 0);
}

/* ================= writing ================= */

static void on_written(uv_write_t *req, int status)
{
    salvo_worker_t *w = req->data;
    w->writing = 0;
    if (w->state == WORKER_DOWN) /* taken down politely while this was written */
        close_h(&w->in);
    else if (status < 0 && (w->state == WORKER_BUSY || w->state == WORKER_FLUSH || w->state == WORKER_HELLO))
        lost(w, "died", "did not take the whole line (%s)", uv_strerror(status));
    else if (w->state == WORKER_FLUSH) { /* it answered early; now its next line may go */
        uv_timer_stop(&w->timer);
        w->state = WORKER_IDLE;
        w->ops->on_idle(w->ctx, w);
    }
}

/* Write w->wbuf. 0: written (or queued); -1: not a byte of it written. */
static int write_line(salvo_worker_t *w)
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

/* Never to a worker still writing: wbuf and wreq are in use until on_written. */
int salvo_worker_give(salvo_worker_t *w, salvo_job_t *j, uint64_t id)
{
    w->want_id = id;
    w->wbuf.len = 0;
    salvo_exec_order_line(&w->wbuf, j, w->want_id);
    if (w->wbuf.oom)
        return -ENOMEM;
    w->state = WORKER_BUSY;
    w->job = j;
    w->sent_ns = uv_hrtime();
    if (write_line(w) < 0) {
        w->job = NULL;
        lost(w, "died", "did not take a line (its stdin is closed)");
        return -1;
    }
    const salvo_config_t *c = w->kit->cfg;
    if (c->timeout_ns > 0) /* 0: no limit, as for HTTP */
        uv_timer_start(&w->timer, on_timer, salvo_ns_to_timer_ms(c->timeout_ns), 0);
    return 0;
}

void salvo_worker_cancel(salvo_worker_t *w, salvo_job_t *j)
{
    if (w->job == j)
        w->job = NULL; /* its answer, when it comes, is dropped */
}

/* ================= life ================= */

/* Down and still there at its timer: the end's grace is over (SIGTERM,
 * then SIGKILL), or it is dead but something holds its pipes. */
static void press(salvo_worker_t *w)
{
    if (w->running && w->killed < 2) {
        const char *sig = ++w->killed == 1 ? "SIGTERM" : "SIGKILL";
        uv_process_kill(&w->proc, w->killed == 1 ? SIGTERM : SIGKILL);
        char msg[80];
        int n = snprintf(msg, sizeof msg, "did not exit after its stdin closed: sent %s", sig);
        w->ops->on_log(w->ctx, w, SALVO_WORKER_NOTE, msg, (size_t)n);
        uv_timer_start(&w->timer, on_timer, CLOSE_GRACE_MS, 0);
    } else if (!w->running) {
        close_h(&w->in);
        close_h(&w->out);
        close_h(&w->err);
    }
}

static void on_timer(uv_timer_t *t)
{
    salvo_worker_t *w = t->data;
    const salvo_config_t *c = w->kit->cfg;
    if (w->state == WORKER_OFF)
        salvo_worker_spawn(w); /* its restart */
    else if (w->state == WORKER_DOWN)
        press(w);
    else if (w->state == WORKER_GONE)
        return;
    else if (w->out_eof || w->state == WORKER_IDLE) /* only its stdout's end starts an idle worker's timer */
        lost(w, "died", "closed its stdout");
    else if (w->state == WORKER_HELLO)
        lost(w, "timeout", "gave no handshake within %.3g s", secs(start_timeout_ns(c)));
    else if (w->state == WORKER_BUSY)
        lost(w, "timeout", "gave no answer within --timeout %.3g s (killed)", secs(c->timeout_ns));
    else /* WORKER_FLUSH */
        lost(w, "timeout", "answered, but did not read the rest of its line in time (killed)");
}

void salvo_worker_spawn(salvo_worker_t *w)
{
    salvo_worker_kit_t *k = w->kit;
    const salvo_config_t *c = k->cfg;
    w->running = w->killed = w->out_eof = w->err_eof = w->served = 0;
    w->exit_words[0] = '\0';
    w->job = NULL;
    uv_pipe_init(k->loop, &w->in, 0);
    uv_pipe_init(k->loop, &w->out, 0);
    uv_pipe_init(k->loop, &w->err, 0);
    w->proc.data = w->in.data = w->out.data = w->err.data = w;
    w->open = 4;
    uv_stdio_container_t io[3] = {
        {.flags = UV_CREATE_PIPE | UV_READABLE_PIPE, .data.stream = (uv_stream_t *)&w->in},
        {.flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE, .data.stream = (uv_stream_t *)&w->out},
        {.flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE, .data.stream = (uv_stream_t *)&w->err},
    };
    snprintf(k->env_worker, sizeof k->env_worker, "SALVO_WORKER=%u", w->n);
    uv_process_options_t o = {
        .exit_cb = on_exit_cb,
        .file = c->exec_argv[0],
        .args = (char **)c->exec_argv,
        .env = k->env,
        .stdio = io,
        .stdio_count = 3,
        .flags = UV_PROCESS_DETACHED, /* its own session: a terminal's ^C is for salvo, which drains */
    };
    w->state = WORKER_HELLO;
    int r = uv_spawn(k->loop, &w->proc, &o);
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
    salvo_exec_hello_line(&w->wbuf, w->n, k->nw);
    if (w->wbuf.oom || write_line(w) < 0) {
        lost(w, "died", "did not take the handshake (its stdin is closed)");
        return;
    }
    uv_timer_start(&w->timer, on_timer, salvo_ns_to_timer_ms(start_timeout_ns(c)), 0);
}

void salvo_worker_spawn_in(salvo_worker_t *w, uint64_t ms)
{
    w->state = WORKER_OFF;
    uv_timer_start(&w->timer, on_timer, ms, 0);
}

void salvo_worker_retire(salvo_worker_t *w) { w->state = WORKER_GONE; }

void salvo_worker_end(salvo_worker_t *w)
{
    w->job = NULL;
    switch (w->state) {
    case WORKER_HELLO: /* still logging in, holding no order: no need to wait */
        take_down(w, 1);
        uv_process_kill(&w->proc, SIGTERM);
        w->killed = 1;
        break;
    case WORKER_IDLE:
    case WORKER_BUSY:
    case WORKER_FLUSH:
        take_down(w, 1);
        break;
    case WORKER_DOWN:
        break; /* its on_down comes, and the pool ends it then */
    default:
        w->state = WORKER_GONE;
        uv_timer_stop(&w->timer);
        close_timer(w);
        break;
    }
}

void salvo_worker_init(salvo_worker_t *w, salvo_worker_kit_t *kit, unsigned n, const salvo_worker_ops_t *ops,
                       void *ctx)
{
    memset(w, 0, sizeof *w);
    w->kit = kit;
    w->ops = ops;
    w->ctx = ctx;
    w->n = n;
    w->state = WORKER_OFF;
    uv_timer_init(kit->loop, &w->timer);
    w->timer.data = w;
}
