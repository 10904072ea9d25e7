/* salvo-mock's routes: what each request gets (routes.c). */
#ifndef MOCK_ROUTES_H
#define MOCK_ROUTES_H

#include <h2o.h>

#include "mock.h"

/* Serve the routes (health, the orders path, /stats, /reset) at pc, for s. */
void mock_routes_add(h2o_pathconf_t *pc, mock_server_t *s);

#endif
