/* salvo-mock's HTTP side: H2O on libuv. Handlers decide; book.c remembers. */
#include "mock.h"
#include "util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <h2o.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

struct mock_handler {
    h2o_handler_t super;
    mock_server_t *srv;
};

static h2o_globalconf_t g_config;
static h2o_context_t g_ctx;
static h2o_accept_ctx_t g_accept_ctx;
static uint64_t g_connections; /* accepted since start: warm-up tests count them */
static uv_tcp_t g_listener;

/* ---- helpers ---- */


static double rng_unit(mock_server_t *s) { return salvo_rng_unit(&s->rng); }

static int64_t now_ns(const mock_server_t *s) { return (int64_t)(uv_hrtime() - s->start_ns); }

static int path_is(const h2o_req_t *req, const char *p)
{
    return h2o_memis(req->path_normalized.base, req->path_normalized.len, p, strlen(p));
}

static int method_is(const h2o_req_t *req, const char *m)
{
    return h2o_memis(req->method.base, req->method.len, m, strlen(m));
}

/* Build {"error": msg} in the request's pool, JSON-escaped by cJSON. */
static h2o_iovec_t error_body(h2o_req_t *req, const char *msg, const char *extra_key, const char *extra_val)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "error", msg);
    if (extra_key)
        cJSON_AddStringToObject(o, extra_key, extra_val);
    char *s = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    h2o_iovec_t v = h2o_strdup(&req->pool, s ? s : "{}", SIZE_MAX);
    free(s);
    return v;
}

static void send_json(h2o_req_t *req, int status, h2o_iovec_t body, int retry_after)
{
    static h2o_generator_t generator = {NULL, NULL};
    req->res.status = status;
    req->res.reason = status == 200 ? "OK" : "Error";
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL,
                   H2O_STRLIT("application/json"));
    if (retry_after > 0) {
        char *v = h2o_mem_alloc_pool(&req->pool, 16);
        int n = snprintf(v, 16, "%d", retry_after);
        h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_RETRY_AFTER, NULL, v, (size_t)n);
    }
    req->res.content_length = body.len;
    h2o_start_response(req, &generator);
    h2o_send(req, &body, 1, H2O_SEND_STATE_FINAL);
}

/* Close the client's connection without a byte of answer: shutdown() makes
 * H2O see the end of the stream and tear the connection down itself. */
static void drop_connection(h2o_req_t *req)
{
    h2o_socket_t *sock = req->conn->callbacks->get_socket ? req->conn->callbacks->get_socket(req->conn) : NULL;
    if (sock != NULL)
        shutdown(h2o_socket_get_fd(sock), SHUT_RDWR);
}

/* ---- delayed answers (--latency) ---- */

enum { ACT_SEND, ACT_DROP };

struct pending {
    uv_timer_t timer;
    h2o_req_t *req;       /* NULL once the client left */
    struct pending **guard;
    int action, status, retry_after;
    h2o_iovec_t body;     /* lives in req->pool */
};

static void pending_free(uv_handle_t *h) { free(h->data); }

static void pending_fire(uv_timer_t *t)
{
    struct pending *p = t->data;
    if (p->req != NULL) {
        *p->guard = NULL;
        if (p->action == ACT_DROP)
            drop_connection(p->req);
        else
            send_json(p->req, p->status, p->body, p->retry_after);
    }
    uv_close((uv_handle_t *)&p->timer, pending_free);
}

/* The request's pool is being freed: the client went away first. */
static void pending_on_dispose(void *arg)
{
    struct pending *p = *(struct pending **)arg;
    if (p == NULL)
        return;
    p->req = NULL;
    uv_timer_stop(&p->timer);
    uv_close((uv_handle_t *)&p->timer, pending_free);
}

static int64_t answer_delay(mock_server_t *s)
{
    const mock_config_t *c = s->cfg;
    int64_t d = c->latency_ns;
    if (c->jitter_ns > 0)
        d += (int64_t)((rng_unit(s) * 2 - 1) * (double)c->jitter_ns);
    return d < 0 ? 0 : d;
}

static void answer(mock_server_t *s, h2o_req_t *req, int action, int status, h2o_iovec_t body, int retry_after)
{
    int64_t delay = answer_delay(s);
    if (delay == 0) {
        if (action == ACT_DROP)
            drop_connection(req);
        else
            send_json(req, status, body, retry_after);
        return;
    }
    struct pending *p = malloc(sizeof *p);
    if (p == NULL) {
        send_json(req, 503, h2o_iovec_init(H2O_STRLIT("{\"error\":\"out of memory\"}")), 0);
        return;
    }
    *p = (struct pending){.req = req, .action = action, .status = status, .body = body, .retry_after = retry_after};
    p->guard = h2o_mem_alloc_shared(&req->pool, sizeof *p->guard, pending_on_dispose);
    *p->guard = p;
    uv_timer_init(s->loop, &p->timer);
    p->timer.data = p;
    uint64_t ms = (uint64_t)((delay + 999999) / 1000000);
    uv_timer_start(&p->timer, pending_fire, ms, 0);
}

/* ---- POST /orders ---- */

static void record_order(mock_server_t *s, long i)
{
    if (s->record == NULL)
        return;
    char *buf = NULL;
    size_t len = 0, cap = 0;
    if (mock_order_to_json(&s->book, (size_t)i, &buf, &len, &cap) == 0) {
        fwrite(buf, 1, len, s->record);
        s->record_dirty = 1;
    }
    free(buf);
}

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

static int authorized(const mock_server_t *s, h2o_req_t *req)
{
    if (s->cfg->api_key == NULL)
        return 1;
    ssize_t at = h2o_find_header(&req->headers, H2O_TOKEN_AUTHORIZATION, -1);
    if (at < 0)
        return 0;
    h2o_iovec_t v = req->headers.entries[at].value;
    size_t klen = strlen(s->cfg->api_key);
    return v.len == 7 + klen && memcmp(v.base, "Bearer ", 7) == 0 && memcmp(v.base + 7, s->cfg->api_key, klen) == 0;
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
    int64_t now = now_ns(s);
    mock_book_note_arrival(&s->book, now);

    if (!authorized(s, req)) {
        n->unauthorized++;
        answer(s, req, ACT_SEND, 401, error_body(req, "missing or wrong API key", NULL, NULL), 0);
        return;
    }
    int retry_after = c->rate_limit ? mock_book_admit(&s->book, now, c->rate_limit) : 0;
    if (retry_after > 0) {
        n->rate_limited++;
        answer(s, req, ACT_SEND, 429, error_body(req, "rate limit exceeded", NULL, NULL), retry_after);
        return;
    }
    cJSON *root = cJSON_ParseWithLength(req->entity.base, req->entity.len);
    if (root == NULL) {
        n->bad_request++;
        answer(s, req, ACT_SEND, 400, error_body(req, "body is not valid JSON", NULL, NULL), 0);
        return;
    }
    mock_fields_t f;
    char err[128];
    if (mock_validate_order(root, &f, err, sizeof err) < 0) {
        cJSON_Delete(root);
        n->bad_request++;
        answer(s, req, ACT_SEND, 400, error_body(req, err, NULL, NULL), 0);
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
        answer(s, req, ACT_SEND, 409, error_body(req, "duplicate client_order_id", "order_id", id), 0);
        return;
    }
    /* One draw splits [0,1) between the faults, so each rate is what it says. */
    double r = rng_unit(s), edge = c->reject_rate;
    if (r < edge) {
        cJSON_Delete(root);
        n->rejected++;
        answer(s, req, ACT_SEND, 422, error_body(req, "rejected", "reason", "insufficient buying power"), 0);
        return;
    }
    if (r < (edge += c->stall_rate)) {
        cJSON_Delete(root);
        n->stalled++; /* never answered, never recorded: the client times out */
        return;
    }
    int kind = r < (edge += c->error_rate) ? MOCK_ERRORED : r < edge + c->drop_rate ? MOCK_DROPPED : MOCK_ACCEPTED;
    long i = mock_book_add(&s->book, now, &f, kind);
    cJSON_Delete(root);
    if (i < 0) {
        answer(s, req, ACT_SEND, 503, error_body(req, "out of memory", NULL, NULL), 0);
        return;
    }
    record_order(s, i);
    if (kind == MOCK_ERRORED) {
        n->errors++;
        answer(s, req, ACT_SEND, 500, error_body(req, "internal error", NULL, NULL), 0);
    } else if (kind == MOCK_DROPPED) {
        n->dropped++;
        answer(s, req, ACT_DROP, 0, h2o_iovec_init(NULL, 0), 0);
    } else {
        n->accepted++;
        answer(s, req, ACT_SEND, 200, accepted_body(req, &s->book, i), 0);
    }
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
        send_json(req, 404, error_body(req, "no such order", "client_order_id", coid), 0);
        return;
    }
    char *buf = NULL;
    size_t len = 0, cap = 0;
    mock_order_to_json(&s->book, (size_t)i, &buf, &len, &cap);
    h2o_iovec_t body = h2o_strdup(&req->pool, buf ? buf : "{}", buf ? len - 1 : 2);
    free(buf);
    send_json(req, 200, body, 0);
}

static int on_req(h2o_handler_t *self, h2o_req_t *req)
{
    mock_server_t *s = ((struct mock_handler *)self)->srv;
    const char *op = s->cfg->orders_path;
    size_t oplen = strlen(op);
    h2o_iovec_t path = req->path_normalized;

    if (path_is(req, "/health")) {
        send_json(req, 200, h2o_iovec_init(H2O_STRLIT("{\"status\":\"ok\"}")), 0);
        return 0;
    }
    if (!authorized(s, req) && !(method_is(req, "POST") && path_is(req, op))) {
        s->book.counts.unauthorized++;
        send_json(req, 401, error_body(req, "missing or wrong API key", NULL, NULL), 0);
        return 0;
    }
    if (method_is(req, "POST") && path_is(req, op)) {
        handle_order(s, req);
    } else if (method_is(req, "GET") && path_is(req, op)) {
        handle_list_orders(s, req);
    } else if (method_is(req, "GET") && path.len > oplen + 1 && memcmp(path.base, op, oplen) == 0 &&
               path.base[oplen] == '/') {
        handle_get_order(s, req, path.base + oplen + 1, path.len - oplen - 1);
    } else if (method_is(req, "GET") && path_is(req, "/stats")) {
        char *js = mock_book_stats_json(&s->book);
        h2o_iovec_t body = h2o_strdup(&req->pool, js ? js : "{}", SIZE_MAX);
        free(js);
        char conns[48]; /* server-wide, not the book's: not cleared by /reset */
        int n = snprintf(conns, sizeof conns, ",\"connections\":%llu}", (unsigned long long)g_connections);
        if (body.len > 0 && body.base[body.len - 1] == '}') {
            h2o_iovec_t all = h2o_concat(&req->pool, h2o_iovec_init(body.base, body.len - 1),
                                         h2o_iovec_init(conns, (size_t)n));
            body = all;
        }
        send_json(req, 200, body, 0);
    } else if (method_is(req, "POST") && path_is(req, "/reset")) {
        mock_book_reset(&s->book);
        send_json(req, 200, h2o_iovec_init(H2O_STRLIT("{\"status\":\"reset\"}")), 0);
    } else {
        send_json(req, 404, error_body(req, "not found", NULL, NULL), 0);
    }
    return 0;
}

/* ---- listener ---- */

static void on_accept(uv_stream_t *listener, int status)
{
    if (status != 0)
        return;
    uv_tcp_t *conn = h2o_mem_alloc(sizeof *conn);
    uv_tcp_init(listener->loop, conn);
    if (uv_accept(listener, (uv_stream_t *)conn) != 0) {
        uv_close((uv_handle_t *)conn, (uv_close_cb)free);
        return;
    }
    uv_tcp_nodelay(conn, 1); /* answers are small: never wait for Nagle */
    g_connections++;
    h2o_accept(&g_accept_ctx, h2o_uv_socket_create((uv_stream_t *)conn, (uv_close_cb)free));
}

static int parse_listen(const char *spec, struct sockaddr_storage *ss)
{
    char host[256];
    const char *colon = strrchr(spec, ':');
    if (colon == NULL || (size_t)(colon - spec) >= sizeof host)
        return -EINVAL;
    memcpy(host, spec, (size_t)(colon - spec));
    host[colon - spec] = '\0';
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (*end != '\0' || colon[1] == '\0' || port < 0 || port > 65535)
        return -EINVAL;
    if (host[0] == '[' && host[strlen(host) - 1] == ']') {
        host[strlen(host) - 1] = '\0';
        return uv_ip6_addr(host + 1, (int)port, (struct sockaddr_in6 *)ss);
    }
    return uv_ip4_addr(host[0] ? host : "127.0.0.1", (int)port, (struct sockaddr_in *)ss);
}

static int setup_tls(const mock_config_t *c)
{
    SSL_CTX *ssl = SSL_CTX_new(TLS_server_method());
    if (ssl == NULL || SSL_CTX_use_certificate_chain_file(ssl, c->tls_cert) != 1 ||
        SSL_CTX_use_PrivateKey_file(ssl, c->tls_key, SSL_FILETYPE_PEM) != 1) {
        fprintf(stderr, "salvo-mock: cannot load --tls-cert %s / --tls-key %s\n", c->tls_cert, c->tls_key);
        SSL_CTX_free(ssl);
        return -EINVAL;
    }
    h2o_ssl_register_alpn_protocols(ssl, h2o_http2_alpn_protocols);
    g_accept_ctx.ssl_ctx = ssl;
    return 0;
}

static int write_port_file(const char *path, int port)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (f == NULL)
        return -errno;
    fprintf(f, "%d\n", port);
    if (fclose(f) != 0 || rename(tmp, path) != 0) /* rename: readers never see half a file */
        return -errno;
    return 0;
}

int mock_http_start(mock_server_t *s)
{
    const mock_config_t *c = s->cfg;
    struct sockaddr_storage addr;
    int r;

    h2o_config_init(&g_config);
    g_config.max_request_entity_size = c->max_body;
    h2o_hostconf_t *host = h2o_config_register_host(&g_config, h2o_iovec_init(H2O_STRLIT("default")), 65535);
    h2o_pathconf_t *pc = h2o_config_register_path(host, "/", 0);
    struct mock_handler *h = (struct mock_handler *)h2o_create_handler(pc, sizeof *h);
    h->super.on_req = on_req;
    h->srv = s;
    h2o_context_init(&g_ctx, s->loop, &g_config);
    g_accept_ctx.ctx = &g_ctx;
    g_accept_ctx.hosts = g_config.hosts;
    if (c->tls_cert && (r = setup_tls(c)) < 0)
        return r;

    if ((r = parse_listen(c->listen, &addr)) < 0) {
        fprintf(stderr, "salvo-mock: --listen %s: expected HOST:PORT\n", c->listen);
        return r;
    }
    uv_tcp_init(s->loop, &g_listener);
    if ((r = uv_tcp_bind(&g_listener, (struct sockaddr *)&addr, 0)) != 0 ||
        (r = uv_listen((uv_stream_t *)&g_listener, 4096, on_accept)) != 0) {
        fprintf(stderr, "salvo-mock: cannot listen on %s: %s\n", c->listen, uv_strerror(r));
        return r;
    }
    struct sockaddr_storage bound;
    int blen = sizeof bound;
    uv_tcp_getsockname(&g_listener, (struct sockaddr *)&bound, &blen);
    char ip[64];
    int port;
    if (bound.ss_family == AF_INET6) {
        uv_ip6_name((struct sockaddr_in6 *)&bound, ip + 1, sizeof ip - 2);
        ip[0] = '[';
        strcat(ip, "]");
        port = ntohs(((struct sockaddr_in6 *)&bound)->sin6_port);
    } else {
        uv_ip4_name((struct sockaddr_in *)&bound, ip, sizeof ip);
        port = ntohs(((struct sockaddr_in *)&bound)->sin_port);
    }
    printf("listening on %s://%s:%d\n", c->tls_cert ? "https" : "http", ip, port);
    fflush(stdout);
    if (c->port_file && (r = write_port_file(c->port_file, port)) < 0) {
        fprintf(stderr, "salvo-mock: --port-file %s: %s\n", c->port_file, strerror(-r));
        return r;
    }
    return 0;
}

void mock_flush_record(mock_server_t *s)
{
    if (s->record && s->record_dirty) {
        fflush(s->record);
        s->record_dirty = 0;
    }
}
