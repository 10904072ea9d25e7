/* Running one engine on the tool's loop: its results to the output (or,
 * in a check pass, to stderr and the id collector), its wire trace, the
 * output's backpressure and errors back to it. Used by the passes before
 * sending (tool_prepass.c) and by the send itself (tool_main.c). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "tool.h"
#include "tool_op.h"
#include "util.h"
#include "tool_trace.h"

const char *tool_input_name(const salvo_args_t *a) { return a->input_path ? a->input_path : "stdin"; }

const char *tool_signal_words(int signum)
{
    return signum == SIGINT ? "interrupted (SIGINT)" : "stopped (SIGTERM)";
}

/* ================= running one engine ================= */

static void on_done(void *ud, const salvo_stats_t *st)
{
    tool_t *tl = ud;
    tl->st = *st;
    if (tl->a->check_profile && st->stop_reason == SALVO_STOP_MAX_ORDERS) {
        /* its one row is its own cap, not a stop the run was cut short by */
        tl->st.stop_reason = SALVO_STOP_NONE;
        tl->st.input_unread = 0;
        tl->st.orders -= tl->st.count[SALVO_SKIPPED];
        tl->st.count[SALVO_SKIPPED] = 0;
    }
    tl->engine_done = 1;
    uv_timer_stop(&tl->drain);
}

static void on_result(void *ud, const salvo_result_t *r)
{
    tool_t *tl = ud;
    salvo_result_t line = *r;
    if (tl->a->check_profile && line.status == SALVO_SKIPPED)
        return; /* a row past the first: --check-profile shows one */
    tool_redact_result(&tl->redact, &line); /* before any of it is written or counted */
    if (tl->checking) {
        if (tl->a->check)
            fprintf(stderr, "salvo: %s\n", line.error);
        return;
    }
    if (tl->a->cfg.http2 && line.http_version == SALVO_HTTP_1_1 && !tl->warned_h1) {
        tl->warned_h1 = 1;
        tool_progress_erase(&tl->progress);
        fprintf(stderr, "salvo: --http2: the server offered no HTTP/2; using HTTP/1.1 (see \"http_version\")\n");
    }
    /* --cancel-after: what may be live, for the cancel after the send */
    if (tl->live && tool_op_spool_live(tl->live, &line) < 0)
        tl->live_error = 1;
    tool_rec_t rec;
    tool_rec_from_result(&rec, &line);
    tool_agg_add(&tl->agg, &rec);
    tool_out_line(&tl->out, &line);
}

static void on_valid(void *ud, const salvo_order_t *o)
{
    tool_t *tl = ud;
    if (tl->collect && salvo_idmap_set(tl->collect, o->client_order_id, 1) < 0)
        tl->collect_oom = 1;
}

static void on_wire(void *ud, unsigned slot, const char *id, int kind, const char *data, size_t len)
{
    tool_t *tl = ud;
    salvo_trace_event(tl->a->trace, slot, id, kind, data, len);
}

/* --exec: a worker's stderr, and what salvo saw of it, each line marked
 * with the worker's number. */
static void on_worker_log(void *ud, unsigned worker, int kind, const char *line, size_t len)
{
    (void)ud;
    if (kind == SALVO_WORKER_STDERR)
        fprintf(stderr, "[worker %u] %.*s\n", worker, (int)len, line);
    else
        fprintf(stderr, "salvo: worker %u %.*s\n", worker, (int)len, line);
}

static void on_out_pressure(void *ud, int high)
{
    tool_t *tl = ud;
    if (tl->engine && !tl->engine_done)
        salvo_engine_hold(tl->engine, high);
}

/* Results cannot be written: stop; the journal stays the truth. */
static void on_out_error(void *ud, int err)
{
    tool_t *tl = ud;
    (void)err;
    if (tl->engine && !tl->engine_done)
        salvo_engine_stop(tl->engine, SALVO_STOP_DRAIN, "results could not be written");
}

/* Run cfg to its end on the tool's loop. 0, or a negative errno when the
 * engine could not start (a message is printed). */
int tool_run_engine(tool_t *tl, const salvo_config_t *cfg)
{
    salvo_callbacks_t cb = {.on_result = on_result, .on_done = on_done, .on_valid = on_valid,
                            .on_worker_log = on_worker_log};
    if (tl->a->trace && !cfg->check_only)
        cb.on_wire = on_wire;
    tl->engine_done = 0;
    memset(&tl->st, 0, sizeof tl->st);
    int r = salvo_engine_new(&tl->engine, &tl->loop, cfg, &cb, tl);
    if (r == 0 && tl->signal)
        salvo_engine_stop(tl->engine, SALVO_STOP_DRAIN, tool_signal_words(tl->signal));
    else if (r == 0)
        r = salvo_engine_start(tl->engine);
    if (r == 0)
        uv_run(&tl->loop, UV_RUN_DEFAULT);
    if (r == 0 && !tl->engine_done) { /* the loop ran dry before the run ended: a bug, never silence */
        tl->st = *salvo_engine_stats(tl->engine);
        tl->st.invariant_broken = 1;
        fprintf(stderr, "salvo: BUG: the run stalled before every order had its result\n");
    }
    if (r < 0)
        fprintf(stderr, "salvo: cannot start: %s\n",
                r == -EISDIR ? "the input is a directory" : salvo_strerror(r));
    salvo_engine_free(tl->engine);
    tl->engine = NULL;
    uv_run(&tl->loop, UV_RUN_DEFAULT); /* let its handles close */
    return r;
}

void tool_timer_at(uv_timer_t *t, int64_t at_unix_us, uv_timer_cb cb)
{
    uv_update_time(t->loop);
    int64_t left_us = at_unix_us - salvo_unix_us();
    uv_timer_start(t, cb, left_us > 0 ? (uint64_t)(left_us + 999) / 1000 : 0, 0);
}

int tool_exit_for_signal(int signum) { return signum == SIGINT ? SALVO_EXIT_SIGINT : SALVO_EXIT_SIGTERM; }

void tool_watch_output(tool_t *tl)
{
    tl->out.on_pressure = on_out_pressure;
    tl->out.on_error = on_out_error;
    tl->out.ud = tl;
}
