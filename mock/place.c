/* What placing an order takes from the server, for POST /orders
 * (routes.c) and POST /orders/batch (batch.c): the clock, the key, the
 * record, and the answer the fault drawn for placed orders gives. */
#include "place.h"
#include "reply.h"

#include <stdlib.h>
#include <string.h>

int64_t mock_now_ns(const mock_server_t *s) { return (int64_t)(uv_hrtime() - s->start_ns); }

int mock_authorized(const mock_server_t *s, h2o_req_t *req)
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

void mock_record_order(mock_server_t *s, long i)
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

void mock_reply_placed(mock_server_t *s, h2o_req_t *req, int kind, h2o_iovec_t body)
{
    mock_counts_t *n = &s->book.counts;
    if (kind == MOCK_ERRORED) {
        n->errors++;
        mock_reply(s, req, MOCK_REPLY_SEND, 500, mock_reply_error_body(req, "internal error", NULL, NULL), 0);
    } else if (kind == MOCK_DROPPED) {
        n->dropped++;
        mock_reply(s, req, MOCK_REPLY_DROP, 0, h2o_iovec_init(NULL, 0), 0);
    } else {
        mock_reply(s, req, MOCK_REPLY_SEND, 200, body, 0);
    }
}

long mock_place(mock_server_t *s, int64_t now, const mock_fields_t *f, int kind)
{
    long i = mock_book_add(&s->book, now, f, kind);
    if (i < 0)
        return i;
    if (s->cfg->fill_every && (uint64_t)(i + 1) % s->cfg->fill_every == 0)
        s->book.orders[i].state = MOCK_FILLED;
    mock_record_order(s, i);
    if (kind == MOCK_ACCEPTED)
        s->book.counts.accepted++;
    return i;
}
