/* POST {orders}/batch: many orders in one request, as brokers' batch
 * endpoints take them (OKX batch-orders, Bybit create-batch): body
 * {"orders": [order, ...]}, answer {"results": [one per order, in order]}.
 * Each element is an order of its own (validated, deduplicated, rejected
 * by --reject-rate's draw); the other faults strike the whole request,
 * after its orders were recorded (--error-rate: 500, --drop-rate: the
 * connection closes unanswered) or before (--stall-rate). */
#include "batch.h"
#include "place.h"
#include "reply.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

#define MOCK_BATCH_MAX 50

/* An order's element of the answer: its status, its client order id, and
 * (key: NULL for none) one more member, the broker's id or the reason. */
static cJSON *element(const char *status, const char *coid, const char *key, const char *value)
{
    cJSON *e = cJSON_CreateObject();
    cJSON_AddStringToObject(e, "status", status);
    if (coid)
        cJSON_AddStringToObject(e, "client_order_id", coid);
    else
        cJSON_AddNullToObject(e, "client_order_id");
    if (key)
        cJSON_AddStringToObject(e, key, value);
    return e;
}

/* One order of the batch, placed or not: its element of the answer. */
static cJSON *place_one(mock_server_t *s, const cJSON *o, int64_t now, int kind)
{
    mock_counts_t *n = &s->book.counts;
    mock_fields_t f;
    char err[128], id[24];
    mock_book_note_arrival(&s->book, now);
    if (mock_validate_order(o, &f, err, sizeof err) < 0) {
        n->bad_request++;
        return element("rejected", NULL, "error", err);
    }
    long prev = f.client_order_id ? mock_book_find(&s->book, f.client_order_id) : -1;
    if (prev >= 0) {
        n->duplicates++;
        mock_order_id((size_t)prev, id);
        return element("duplicate", f.client_order_id, "order_id", id);
    }
    if (salvo_rng_unit(&s->rng) < s->cfg->reject_rate) {
        n->rejected++;
        return element("rejected", f.client_order_id, "error", "insufficient buying power");
    }
    long i = mock_place(s, now, &f, kind);
    if (i < 0)
        return element("error", f.client_order_id, NULL, NULL);
    mock_order_id((size_t)i, id);
    return element("accepted", f.client_order_id, "order_id", id);
}

static void refuse(mock_server_t *s, h2o_req_t *req, const char *why)
{
    s->book.counts.bad_request++;
    mock_reply(s, req, MOCK_REPLY_SEND, 400, mock_reply_error_body(req, why, NULL, NULL), 0);
}

void mock_handle_batch(mock_server_t *s, h2o_req_t *req)
{
    const mock_config_t *c = s->cfg;
    mock_counts_t *n = &s->book.counts;
    int64_t now = mock_now_ns(s);
    n->batches++;
    if (!mock_authorized(s, req)) {
        n->unauthorized++;
        mock_reply(s, req, MOCK_REPLY_SEND, 401, mock_reply_error_body(req, "missing or wrong API key", NULL, NULL), 0);
        return;
    }
    int retry_after = c->rate_limit ? mock_book_admit(&s->book, now, c->rate_limit) : 0; /* per request */
    if (retry_after > 0) {
        n->rate_limited++;
        mock_reply(s, req, MOCK_REPLY_SEND, 429, mock_reply_error_body(req, "rate limit exceeded", NULL, NULL),
                   retry_after);
        return;
    }
    cJSON *root = cJSON_ParseWithLength(req->entity.base, req->entity.len);
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(root, "orders");
    int count = cJSON_IsArray(list) ? cJSON_GetArraySize(list) : -1;
    if (count < 1 || count > MOCK_BATCH_MAX) {
        cJSON_Delete(root);
        refuse(s, req, count < 0 ? "body is not {\"orders\": [...]}" : "a batch holds 1 to 50 orders");
        return;
    }
    /* the whole request's fate: one draw past the per-order reject share */
    double r = salvo_rng_unit(&s->rng), edge = c->stall_rate;
    if (r < edge) {
        cJSON_Delete(root);
        n->stalled++;
        return;
    }
    int kind = r < (edge += c->error_rate) ? MOCK_ERRORED : r < edge + c->drop_rate ? MOCK_DROPPED : MOCK_ACCEPTED;
    cJSON *ans = cJSON_CreateObject(), *results = cJSON_AddArrayToObject(ans, "results");
    const cJSON *o;
    cJSON_ArrayForEach(o, list)
        cJSON_AddItemToArray(results, place_one(s, o, now, kind));
    cJSON_Delete(root);
    char *text = cJSON_PrintUnformatted(ans);
    cJSON_Delete(ans);
    mock_reply_placed(s, req, kind, h2o_strdup(&req->pool, text ? text : "{}", SIZE_MAX));
    free(text);
}
