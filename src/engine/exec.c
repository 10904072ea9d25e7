/* The worker transport: orders go as JSON lines to a pool of long-lived
 * worker processes (an SDK each, for brokers with no HTTP order API) and
 * come back as JSON lines. The protocol is docs/exec-protocol.md.
 *
 * This file is the pool: jobs wait here for an idle worker, a worker that
 * went down is started again after a backoff (or given up), and the engine
 * hears the answers and the pool's state. One worker's life, its process,
 * pipes and lines, is exec_worker.c, which tells the pool what happened
 * through salvo_worker_ops_t and never calls it otherwise.
 *
 * The order a lost worker held is answered `unknown`: it may have reached
 * the broker. A line that provably never reached it (not a byte written)
 * goes to another worker instead.
 *
 * Like http.c it knows no engine: replies go back through a callback. */
#include <stdarg.h>

#include "exec_proto.h"
#include "exec_worker.h"
#include "retry.h"
#include "util.h"

extern char **environ;

#define RESTART_BASE_MS 100 /* restart backoff: 100 ms, doubling ... */
#define RESTART_CAP_MS 5000 /* ... up to this */
#define MAX_FAILED_STARTS 8 /* then the worker is given up */

typedef struct exec exec_t;

/* A worker and what the pool keeps of it. */
typedef struct slot {
    salvo_worker_t w;
    exec_t *x;
    salvo_queue_t idle_link;
    unsigned failed_starts; /* incarnations in a row that answered nothing */
} slot_t;

struct exec {
    salvo_worker_kit_t kit;
    slot_t *s;
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
    unsigned live;         /* workers not yet released: x goes with the last */
    char env_workers[32], env_protocol[32]; /* in kit.env */
};

static void note(slot_t *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(slot_t *s, const char *fmt, ...)
{
    exec_t *x = s->x;
    if (x->on_log == NULL)
        return;
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    x->on_log(x->log_ud, s->w.n, SALVO_WORKER_NOTE, msg, n < 0 ? 0 : (size_t)n < sizeof msg ? (size_t)n : sizeof msg - 1);
}

static int all_gone(const exec_t *x)
{
    for (unsigned i = 0; i < x->nw; i++)
        if (x->s[i].w.state != WORKER_GONE)
            return 0;
    return 1;
}

/* ================= jobs to workers ================= */

/* The reply for a job whose line reached no worker: an order failed
 * (provably not sent); a lookup asked no one, so it cannot tell (failed
 * would mean "the broker has none"). */
static void reply_unsent(exec_t *x, salvo_job_t *j, const char *word, const char *why, int fatal)
{
    int lookup = j->mode == JOB_LOOKUP;
    char err[300];
    snprintf(err, sizeof err, "%s: %s", lookup ? "no worker to ask" : "not sent", why);
    salvo_reply_t r = {.retry_after_s = -1, .word = word, .fatal = fatal, .error = err,
                       .known = 1 + (lookup ? SALVO_UNKNOWN : SALVO_FAILED), .known_retry = SALVO_RETRY_NO};
    x->on_reply(x->ud, j, &r);
}

/* j's line to the first idle worker that takes it: 0; -ENOMEM, the line
 * could not be built (that worker stays idle); or -EAGAIN, no idle worker
 * took it (one whose stdin was closed is down now). */
static int give_idle(exec_t *x, salvo_job_t *j)
{
    while (!salvo_queue_empty(&x->idle)) {
        slot_t *s = SALVO_QUEUE_DATA(salvo_queue_pop_head(&x->idle), slot_t, idle_link);
        int r = salvo_worker_give(&s->w, j, ++x->next_id);
        if (r == -ENOMEM)
            salvo_queue_insert_head(&x->idle, &s->idle_link);
        if (r == 0 || r == -ENOMEM)
            return r;
    }
    return -EAGAIN;
}

/* Jobs waiting for a worker, to the idle ones. */
static void dispatch(exec_t *x)
{
    while (!x->closing && !salvo_queue_empty(&x->waiting) && !salvo_queue_empty(&x->idle)) {
        salvo_job_t *j = SALVO_QUEUE_DATA(salvo_queue_pop_head(&x->waiting), salvo_job_t, qlink);
        int r = give_idle(x, j);
        if (r == -EAGAIN)
            salvo_queue_insert_head(&x->waiting, &j->qlink); /* a later worker */
        else if (r == -ENOMEM)
            reply_unsent(x, j, "out_of_memory", "out of memory", 0);
    }
}

/* No worker will ever run again: the jobs waiting were provably never
 * written to one. */
static void fail_waiting(exec_t *x)
{
    salvo_queue_t *q;
    while ((q = salvo_queue_pop_head(&x->waiting)) != NULL)
        reply_unsent(x, SALVO_QUEUE_DATA(q, salvo_job_t, qlink), "no_worker",
                     "every worker failed to start again (see the worker notes)", 1);
}

/* The reply for a job whose worker gave no usable answer. */
static void reply_lost(slot_t *s, salvo_job_t *j, const char *word, const char *why)
{
    exec_t *x = s->x;
    char err[400];
    if (j->mode == JOB_LOOKUP)
        snprintf(err, sizeof err, "worker %u %s during the lookup", s->w.n, why);
    else
        snprintf(err, sizeof err, "worker %u %s with the order in hand: it may have reached the broker", s->w.n, why);
    salvo_reply_t r = {.retry_after_s = -1, .connected = 1, .worker = s->w.n, .word = word, .error = err,
                       .known = 1 + SALVO_UNKNOWN, .known_retry = SALVO_RETRY_AMBIGUOUS};
    r.total_us = (int64_t)(uv_hrtime() - s->w.sent_ns) / 1000;
    x->on_reply(x->ud, j, &r);
}

/* ================= what the workers tell ================= */

static void idle_push(slot_t *s)
{
    salvo_queue_remove(&s->idle_link);
    salvo_queue_insert_tail(&s->x->idle, &s->idle_link);
}

static void w_hello(void *ctx, salvo_worker_t *w)
{
    slot_t *s = ctx;
    exec_t *x = s->x;
    if (x->said)
        note(s, "ready again (pid %d)", w->proc.pid);
    if (w->state == WORKER_IDLE)
        idle_push(s);
    if (!x->said && ++x->ready == x->nw) {
        x->said = 1;
        x->on_state(x->ud, SALVO_EXEC_READY, NULL);
    }
    dispatch(x);
}

static void w_answer(void *ctx, salvo_worker_t *w, salvo_job_t *j, const salvo_reply_t *r)
{
    slot_t *s = ctx;
    exec_t *x = s->x;
    s->failed_starts = 0;
    if (w->state == WORKER_IDLE)
        idle_push(s); /* before the reply: the engine may send again from it */
    if (j)            /* NULL: cancelled, the answer is not wanted */
        x->on_reply(x->ud, j, r);
    dispatch(x);
}

static void w_idle(void *ctx, salvo_worker_t *w)
{
    slot_t *s = ctx;
    (void)w;
    idle_push(s);
    dispatch(s->x);
}

static void w_lost(void *ctx, salvo_worker_t *w, int was, salvo_job_t *j, const char *word, const char *why)
{
    slot_t *s = ctx;
    exec_t *x = s->x;
    (void)w;
    salvo_queue_remove(&s->idle_link);
    if (x->said) /* a failed start is the engine's to report */
        note(s, "%s%s%s%s", why, j ? "; its " : "", j ? (j->mode == JOB_LOOKUP ? "lookup of " : "order ") : "",
             j ? j->order.client_order_id : "");
    if (was == WORKER_HELLO && !x->said) {
        /* A worker that cannot start at all: the run stops before a send. */
        char msg[400];
        snprintf(msg, sizeof msg, "--exec: worker %u could not start: it %s", s->w.n, why);
        x->said = 1;
        x->on_state(x->ud, SALVO_EXEC_FAILED, msg);
        return;
    }
    if (j)
        reply_lost(s, j, word, why);
}

/* Every handle of an incarnation has closed: start it again, or not. */
static void w_down(void *ctx, salvo_worker_t *w)
{
    slot_t *s = ctx;
    exec_t *x = s->x;
    if (x->closing) {
        salvo_worker_end(w);
        return;
    }
    if (!x->said || x->ready < x->nw)
        return; /* a start that failed: no restart */
    if (!w->served)
        s->failed_starts++;
    if (s->failed_starts >= MAX_FAILED_STARTS) {
        salvo_worker_retire(w);
        x->given_up++;
        note(s, "given up after %u starts in a row that answered nothing", s->failed_starts);
        if (all_gone(x))
            fail_waiting(x);
        return;
    }
    unsigned shift = s->failed_starts > 1 ? s->failed_starts - 1 : 0;
    uint64_t delay = (uint64_t)RESTART_BASE_MS << (shift < 16 ? shift : 16);
    if (delay > RESTART_CAP_MS)
        delay = RESTART_CAP_MS;
    note(s, "restarting in %llu ms", (unsigned long long)delay);
    x->restarts++;
    salvo_worker_spawn_in(w, delay);
}

static void w_log(void *ctx, salvo_worker_t *w, int kind, const char *line, size_t len)
{
    exec_t *x = ((slot_t *)ctx)->x;
    if (x->on_log)
        x->on_log(x->log_ud, w->n, kind, line, len);
}

/* A worker is finished with (after salvo_worker_end): x goes with the last. */
static void w_released(void *ctx, salvo_worker_t *w)
{
    exec_t *x = ((slot_t *)ctx)->x;
    (void)w;
    if (--x->live == 0) {
        free(x->kit.env);
        free(x->s);
        free(x);
    }
}

static const salvo_worker_ops_t worker_ops = {
    .on_hello = w_hello,
    .on_answer = w_answer,
    .on_idle = w_idle,
    .on_lost = w_lost,
    .on_down = w_down,
    .on_log = w_log,
    .on_released = w_released,
};

/* ================= the pool's life ================= */

/* Each worker's environment: salvo's, with SALVO_WORKER (written at each
 * spawn), SALVO_WORKERS and SALVO_EXEC_PROTOCOL in place of any there. */
static int make_env(exec_t *x)
{
    size_t n = 0;
    while (environ && environ[n])
        n++;
    char **env = calloc(n + 4, sizeof *env);
    if (env == NULL)
        return -ENOMEM;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (strncmp(environ[i], "SALVO_WORKER", 12) != 0 && strncmp(environ[i], "SALVO_EXEC_PROTOCOL=", 20) != 0)
            env[k++] = environ[i];
    snprintf(x->env_workers, sizeof x->env_workers, "SALVO_WORKERS=%u", x->nw);
    snprintf(x->env_protocol, sizeof x->env_protocol, "SALVO_EXEC_PROTOCOL=%d", SALVO_EXEC_PROTOCOL);
    env[k++] = x->kit.env_worker;
    env[k++] = x->env_workers;
    env[k++] = x->env_protocol;
    x->kit.env = env;
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
    if ((x->s = calloc(x->nw, sizeof *x->s)) == NULL || make_env(x) < 0) {
        free(x->s);
        free(x);
        return -ENOMEM;
    }
    x->kit.loop = loop;
    x->kit.cfg = cfg;
    x->kit.nw = x->nw;
    x->on_reply = cb;
    x->ud = ud;
    x->on_state = on_state;
    x->on_log = log ? log->on_worker_log : NULL;
    x->log_ud = log_ud;
    salvo_queue_init(&x->idle);
    salvo_queue_init(&x->waiting);
    for (unsigned i = 0; i < x->nw; i++) {
        slot_t *s = &x->s[i];
        s->x = x;
        salvo_queue_init(&s->idle_link);
        salvo_worker_init(&s->w, &x->kit, i + 1, &worker_ops, s);
        x->live++;
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
        salvo_worker_spawn(&x->s[i].w);
    return 0;
}

/* ================= the transport ops ================= */

static int exec_send(void *t, salvo_job_t *j)
{
    exec_t *x = t;
    if (x->closing || all_gone(x))
        return -ENOTCONN;
    /* An idle worker means none waits (dispatch leaves one of the two
     * empty): j goes now, and a line that cannot be built is the engine's
     * to report, as for HTTP. */
    int r = give_idle(x, j);
    if (r == -EAGAIN) {
        salvo_queue_insert_tail(&x->waiting, &j->qlink);
        r = 0;
    }
    return r;
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
        salvo_worker_cancel(&x->s[i].w, j);
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
        salvo_queue_remove(&x->s[i].idle_link);
        salvo_worker_end(&x->s[i].w);
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
