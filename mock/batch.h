/* POST {orders}/batch (batch.c). */
#ifndef MOCK_BATCH_H
#define MOCK_BATCH_H

#include <h2o.h>

#include "mock.h"

void mock_handle_batch(mock_server_t *s, h2o_req_t *req);

#endif
