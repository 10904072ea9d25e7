/* salvo-mock's routes: POST /orders decides each order's fate (auth, the
 * rate limit, validation, duplicates, then one draw among the faults) and
 * book.c remembers it; the GETs read the book back. Answers go through
 * reply.c. */
#include "batch.h"
#include "place.h"
#include "reply.h"
#include "routes.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

struct mock_handler {
    h2o_handler_t super;
    mock_server_t *srv;
};

static int path_is(const h2o_req_t *req, const char *p)
{
    return h2o_memis(req->path_normalized.base, req->path_normalized.len, p, strlen(p));
}

static int method_is(const h2o_req_t *req, const char *m)
{
    return h2o_memis(req->method.base, req->method.len, m, strlen(m));
}

/* ---- POST /orders ---- */

static h2o_iovec_t accepted_body(h2o_req_t *req, const mock_book_t *b, long i)
{
    char id[24];
    mock_order_id((size_t)i, id);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "order_id", id);
    cJSON_AddStringToObject(o, "status", "accepted");
    const char *coid = mock_order_coid(b, (size_t)i);
    if (coid)
        cJSON_AddStringToObject(o, "client_order_id", coid);
    else
        cJSON_AddNullToObject(o, "client_order_id");
    cJSON_AddStringToObject(o, "symbol", mock_order_field(b, (size_t)i, 0));
    char *str = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    h2o_iovec_t v = h2o_strdup(&req->pool, str ? str : "{}", SIZE_MAX);
    free(str);
    return v;
}

/* Copy the Idempotency-Key header into the pool as a C string, or NULL. */
static const char *idempotency_key(h2o_req_t *req)
{
    ssize_t at = h2o_find_header_by_str(&req->headers, H2O_STRLIT("idempotency-key"), -1);
    if (at < 0 || req->headers.entries[at].value.len == 0 || req->headers.entries[at].value.len > 128)
        return NULL;
    return h2o_strdup(&req->pool, req->headers.entries[at].value.base, req->headers.entries[at].value.len).base;
}

static void handle_order(mock_server_t *s, h2o_req_t *req)
{
    const mock_config_t *c = s->cfg;
    mock_counts_t *n = &s->book.counts;
    int64_t now = mock_now_ns(s);
    mock_book_note_arrival(&s->book, now);

    if (!mock_authorized(s, req)) {
        n->unauthorized++;
        mock_reply(s, req, MOCK_REPLY_SEND, 401, mock_reply_error_body(req, "missing or wrong API key", NULL, NULL), 0);
        return;
    }
    int retry_after = c->rate_limit ? mock_book_admit(&s->book, now, c->rate_limit) : 0;
    if (retry_after > 0) {
        n->rate_limited++;
        mock_reply(s, req, MOCK_REPLY_SEND, 429, mock_reply_error_body(req, "rate limit exceeded", NULL, NULL), retry_after);
        return;
    }
    cJSON *root = cJSON_ParseWithLength(req->entity.base, req->entity.len);
    if (root == NULL) {
        n->bad_request++;
        mock_reply(s, req, MOCK_REPLY_SEND, 400, mock_reply_error_body(req, "body is not valid JSON", NULL, NULL), 0);
        return;
    }
    mock_fields_t f;
    char err[128];
    if (mock_validate_order(root, &f, err, sizeof err) < 0) {
        cJSON_Delete(root);
        n->bad_request++;
        mock_reply(s, req, MOCK_REPLY_SEND, 400, mock_reply_error_body(req, err, NULL, NULL), 0);
        return;
    }
    if (f.client_order_id == NULL)
        f.client_order_id = idempotency_key(req);
    long prev = f.client_order_id ? mock_book_find(&s->book, f.client_order_id) : -1;
    if (prev >= 0) {
        cJSON_Delete(root);
        n->duplicates++;
        char id[24];
        mock_order_id((size_t)prev, id);
        mock_reply(s, req, MOCK_REPLY_SEND, 409, mock_reply_error_body(req, "duplicate client_order_id", "order_id", id), 0);
        return;
    }
    /* One draw splits [0,1) between the faults, so each rate is what it says. */
    double r = salvo_rng_unit(&s->rng), edge = c->reject_rate;
    if (r < edge) {
        cJSON_Delete(root);
        n->rejected++;
        mock_reply(s, req, MOCK_REPLY_SEND, 422, mock_reply_error_body(req, "rejected", "reason", "insufficient buying power"), 0);
        return;
    }
    if (r < (edge += c->stall_rate)) {
        cJSON_Delete(root);
        n->stalled++; /* never answered, never recorded: the client times out */
        return;
    }
    int kind = r < (edge += c->error_rate) ? MOCK_ERRORED : r < edge + c->drop_rate ? MOCK_DROPPED : MOCK_ACCEPTED;
    long i = mock_place(s, now, &f, kind);
    cJSON_Delete(root);
    if (i < 0) {
        mock_reply(s, req, MOCK_REPLY_SEND, 503, mock_reply_error_body(req, "out of memory", NULL, NULL), 0);
        return;
    }
    mock_reply_placed(s, req, kind, kind == MOCK_ACCEPTED ? accepted_body(req, &s->book, i) : h2o_iovec_init(NULL, 0));
}


/* ---- GET /orders: the record as NDJSON, streamed in chunks ---- */

struct order_stream {
    h2o_generator_t super;
    mock_server_t *srv;
    size_t next, end;
    char *buf;
    size_t len, cap;
};

static void order_stream_dispose(void *arg) { free(((struct order_stream *)arg)->buf); }

static void order_stream_proceed(h2o_generator_t *g, h2o_req_t *req)
{
    struct order_stream *os = (struct order_stream *)g;
    const mock_book_t *b = &os->srv->book;
    size_t end = os->end < b->n ? os->end : b->n; /* a /reset may have emptied the book */
    os->len = 0;
    while (os->next < end && os->len < 64 * 1024)
        if (mock_order_to_json(b, os->next++, &os->buf, &os->len, &os->cap) < 0)
            break;
    h2o_iovec_t chunk = h2o_iovec_init(os->buf, os->len);
    h2o_send(req, &chunk, 1, os->next >= end ? H2O_SEND_STATE_FINAL : H2O_SEND_STATE_IN_PROGRESS);
}

static void order_stream_stop(h2o_generator_t *g, h2o_req_t *req)
{
    (void)g;
    (void)req;
}

static void handle_list_orders(mock_server_t *s, h2o_req_t *req)
{
    struct order_stream *os = h2o_mem_alloc_shared(&req->pool, sizeof *os, order_stream_dispose);
    *os = (struct order_stream){.super = {order_stream_proceed, order_stream_stop}, .srv = s, .end = s->book.n};
    req->res.status = 200;
    req->res.reason = "OK";
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL, H2O_STRLIT("application/x-ndjson"));
    h2o_start_response(req, &os->super);
    order_stream_proceed(&os->super, req);
}

static void handle_get_order(mock_server_t *s, h2o_req_t *req, const char *coid_base, size_t coid_len)
{
    char *coid = h2o_strdup(&req->pool, coid_base, coid_len).base;
    long i = mock_book_find(&s->book, coid);
    if (i < 0) {
        mock_reply_now(req, 404, mock_reply_error_body(req, "no such order", "client_order_id", coid), 0);
        return;
    }
    char *buf = NULL;
    size_t len = 0, cap = 0;
    mock_order_to_json(&s->book, (size_t)i, &buf, &len, &cap);
    h2o_iovec_t body = h2o_strdup(&req->pool, buf ? buf : "{}", buf ? len - 1 : 2);
    free(buf);
    mock_reply_now(req, 200, body, 0);
}

/* DELETE /orders/{client_order_id}: 200 cancelled, 409 already closed,
 * 404 no such order; a second cancel is a 409, never a second effect. */
static void handle_cancel(mock_server_t *s, h2o_req_t *req, const char *coid_base, size_t coid_len)
{
    char *coid = h2o_strdup(&req->pool, coid_base, coid_len).base;
    long i;
    int state = MOCK_OPEN;
    int r = mock_book_cancel(&s->book, coid, &i, &state);
    if (r < 0) {
        mock_reply(s, req, MOCK_REPLY_SEND, 404, mock_reply_error_body(req, "no such order", "client_order_id", coid), 0);
        return;
    }
    if (r > 0) {
        mock_reply(s, req, MOCK_REPLY_SEND, 409,
                   mock_reply_error_body(req, "order already closed", "state", mock_state_name(state)), 0);
        return;
    }
    char id[24];
    mock_order_id((size_t)i, id);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "order_id", id);
    cJSON_AddStringToObject(o, "client_order_id", coid);
    cJSON_AddStringToObject(o, "status", "cancelled");
    char *str = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    h2o_iovec_t body = h2o_strdup(&req->pool, str ? str : "{}", SIZE_MAX);
    free(str);
    mock_reply(s, req, MOCK_REPLY_SEND, 200, body, 0);
}

static int on_req(h2o_handler_t *self, h2o_req_t *req)
{
    mock_server_t *s = ((struct mock_handler *)self)->srv;
    const char *op = s->cfg->orders_path;
    size_t oplen = strlen(op);
    h2o_iovec_t path = req->path_normalized;

    if (path_is(req, "/health")) {
        mock_reply_now(req, 200, h2o_iovec_init(H2O_STRLIT("{\"status\":\"ok\"}")), 0);
        return 0;
    }
    int batch = method_is(req, "POST") && path.len == oplen + 6 && memcmp(path.base, op, oplen) == 0 &&
                memcmp(path.base + oplen, "/batch", 6) == 0;
    if (!mock_authorized(s, req) && !(method_is(req, "POST") && (path_is(req, op) || batch))) {
        s->book.counts.unauthorized++;
        mock_reply_now(req, 401, mock_reply_error_body(req, "missing or wrong API key", NULL, NULL), 0);
        return 0;
    }
    if (batch) {
        mock_handle_batch(s, req); /* checks the key itself, as POST /orders does */
    } else if (method_is(req, "POST") && path_is(req, op)) {
        handle_order(s, req);
    } else if (method_is(req, "GET") && path_is(req, op)) {
        handle_list_orders(s, req);
    } else if (method_is(req, "GET") && path.len > oplen + 1 && memcmp(path.base, op, oplen) == 0 &&
               path.base[oplen] == '/') {
        handle_get_order(s, req, path.base + oplen + 1, path.len - oplen - 1);
    } else if (method_is(req, "DELETE") && path.len > oplen + 1 && memcmp(path.base, op, oplen) == 0 &&
               path.base[oplen] == '/') {
        handle_cancel(s, req, path.base + oplen + 1, path.len - oplen - 1);
    } else if (method_is(req, "GET") && path_is(req, "/stats")) {
        char *js = mock_book_stats_json(&s->book);
        h2o_iovec_t body = h2o_strdup(&req->pool, js ? js : "{}", SIZE_MAX);
        free(js);
        char conns[48]; /* server-wide, not the book's: not cleared by /reset */
        int n = snprintf(conns, sizeof conns, ",\"connections\":%llu}", (unsigned long long)s->connections);
        if (body.len > 0 && body.base[body.len - 1] == '}') {
            h2o_iovec_t all = h2o_concat(&req->pool, h2o_iovec_init(body.base, body.len - 1),
                                         h2o_iovec_init(conns, (size_t)n));
            body = all;
        }
        mock_reply_now(req, 200, body, 0);
    } else if (method_is(req, "POST") && path_is(req, "/reset")) {
        mock_book_reset(&s->book);
        mock_reply_now(req, 200, h2o_iovec_init(H2O_STRLIT("{\"status\":\"reset\"}")), 0);
    } else {
        mock_reply_now(req, 404, mock_reply_error_body(req, "not found", NULL, NULL), 0);
    }
    return 0;
}

void mock_routes_add(h2o_pathconf_t *pc, mock_server_t *s)
{
    struct mock_handler *h = (struct mock_handler *)h2o_create_handler(pc, sizeof *h);
    h->super.on_req = on_req;
    h->srv = s;
}

void mock_flush_record(mock_server_t *s)
{
    if (s->record && s->record_dirty) {
        fflush(s->record);
        s->record_dirty = 0;
    }
}
