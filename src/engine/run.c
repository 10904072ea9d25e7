/* salvo_run: an engine on a private loop, through the public API only
 * (nothing here reaches into the engine). */
#include <string.h>

#include <uv.h>

#include "salvo/engine.h"

struct run_ctx {
    const salvo_callbacks_t *cb;
    void *ud;
};

static void run_result(void *ud, const salvo_result_t *r)
{
    struct run_ctx *c = ud;
    if (c->cb && c->cb->on_result)
        c->cb->on_result(c->ud, r);
}

static void run_done(void *ud, const salvo_stats_t *st)
{
    struct run_ctx *c = ud;
    if (c->cb && c->cb->on_done)
        c->cb->on_done(c->ud, st);
}

/* The caller's own ud, not the context's (on_wire was handed the context). */
static void run_wire(void *ud, unsigned slot, const char *id, int kind, const char *data, size_t len)
{
    struct run_ctx *c = ud;
    c->cb->on_wire(c->ud, slot, id, kind, data, len);
}

static void run_worker_log(void *ud, unsigned worker, int kind, const char *line, size_t len)
{
    struct run_ctx *c = ud;
    c->cb->on_worker_log(c->ud, worker, kind, line, len);
}

static void run_valid(void *ud, const salvo_order_t *o)
{
    struct run_ctx *c = ud;
    c->cb->on_valid(c->ud, o);
}

int salvo_run(const salvo_config_t *cfg, const salvo_callbacks_t *cb, void *ud)
{
    uv_loop_t loop;
    int r = uv_loop_init(&loop);
    if (r < 0)
        return r;
    struct run_ctx ctx = {cb, ud};
    salvo_callbacks_t mine = {.on_result = run_result, .on_done = run_done,
                              .on_valid = cb && cb->on_valid ? run_valid : NULL,
                              .on_wire = cb && cb->on_wire ? run_wire : NULL,
                              .on_worker_log = cb && cb->on_worker_log ? run_worker_log : NULL};
    salvo_engine_t *e;
    r = salvo_engine_new(&e, &loop, cfg, &mine, &ctx);
    if (r == 0)
        r = salvo_engine_start(e);
    if (r == 0)
        uv_run(&loop, UV_RUN_DEFAULT);
    salvo_engine_free(e);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    return r;
}
