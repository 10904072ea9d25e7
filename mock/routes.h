/* salvo-mock's routes: what each request gets (routes.c). */
#ifndef MOCK_ROUTES_H
#define MOCK_ROUTES_H

#include <h2o.h>

#include "mock.h"

/* Serve the routes (health, the orders path, /stats, /reset) at pc, for s. */
void mock_routes_add(h2o_pathconf_t *pc, mock_server_t *s);

/* routes.c's, for batch.c */
int64_t mock_now_ns(const mock_server_t *s);
int mock_authorized(const mock_server_t *s, h2o_req_t *req);
void mock_record_order(mock_server_t *s, long i);
/* batch.c: POST {orders}/batch */
void mock_handle_batch(mock_server_t *s, h2o_req_t *req);

#endif
