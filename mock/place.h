/* What placing an order takes from the server (place.c). */
#ifndef MOCK_PLACE_H
#define MOCK_PLACE_H

#include <h2o.h>

#include "mock.h"

/* ns since the server started */
int64_t mock_now_ns(const mock_server_t *s);
/* The request carries the key (--api-key), or none is asked. */
int mock_authorized(const mock_server_t *s, h2o_req_t *req);
/* Order i into --record's file, when there is one. */
void mock_record_order(mock_server_t *s, long i);
/* A validated order taken into the book at now with the fault drawn for it
 * (enum mock_answer): filled at once when --fill-every says so, recorded
 * (--record), counted. Its index, or -1 when out of memory. */
long mock_place(mock_server_t *s, int64_t now, const mock_fields_t *f, int kind);
/* What the fault drawn for placed orders (enum mock_answer) answers: a
 * 500, a dropped connection, or 200 with body. */
void mock_reply_placed(mock_server_t *s, h2o_req_t *req, int kind, h2o_iovec_t body);

#endif
