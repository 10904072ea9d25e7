/* salvo-mock's answers (reply.h): sent now, or held on a timer for
 * --latency while the request's pool lives. */
#include "reply.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* Build {"error": msg} in the request's pool, JSON-escaped by cJSON. */
h2o_iovec_t mock_reply_error_body(h2o_req_t *req, const char *msg, const char *extra_key, const char *extra_val)
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

void mock_reply_now(h2o_req_t *req, int status, h2o_iovec_t body, int retry_after)
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
        if (p->action == MOCK_REPLY_DROP)
            drop_connection(p->req);
        else
            mock_reply_now(p->req, p->status, p->body, p->retry_after);
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
        d += (int64_t)((salvo_rng_unit(&s->rng) * 2 - 1) * (double)c->jitter_ns);
    return d < 0 ? 0 : d;
}

void mock_reply(mock_server_t *s, h2o_req_t *req, int action, int status, h2o_iovec_t body, int retry_after)
{
    int64_t delay = answer_delay(s);
    if (delay == 0) {
        if (action == MOCK_REPLY_DROP)
            drop_connection(req);
        else
            mock_reply_now(req, status, body, retry_after);
        return;
    }
    struct pending *p = malloc(sizeof *p);
    if (p == NULL) {
        mock_reply_now(req, 503, h2o_iovec_init(H2O_STRLIT("{\"error\":\"out of memory\"}")), 0);
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
