/* salvo-mock's answers: a JSON body with its status, sent at once or after
 * --latency (± --jitter), or a connection closed with no answer at all. */
#ifndef MOCK_REPLY_H
#define MOCK_REPLY_H

#include <h2o.h>

#include "mock.h"

enum mock_reply_action { MOCK_REPLY_SEND, MOCK_REPLY_DROP };

/* {"error": msg} (and "extra_key": extra_val when given) in req's pool. */
h2o_iovec_t mock_reply_error_body(h2o_req_t *req, const char *msg, const char *extra_key, const char *extra_val);

/* Answer now: status and body (which must outlive the request: its pool or
 * static), with a Retry-After header when retry_after > 0. */
void mock_reply_now(h2o_req_t *req, int status, h2o_iovec_t body, int retry_after);

/* The same, or a dropped connection (MOCK_REPLY_DROP), after the server's
 * configured latency; a client that leaves first cancels it. */
void mock_reply(mock_server_t *s, h2o_req_t *req, int action, int status, h2o_iovec_t body, int retry_after);

#endif
