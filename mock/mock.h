/* salvo-mock: configuration and server state shared by main.c, http.c
 * (the listener), routes.c (what a request gets) and reply.c (answers). */
#ifndef MOCK_MOCK_H
#define MOCK_MOCK_H

#include <stdint.h>
#include <stdio.h>

#include <uv.h>

#include "book.h"

typedef struct mock_config {
    const char *listen;      /* HOST:PORT, port 0 = any free port */
    const char *port_file;
    const char *orders_path; /* default /orders */
    const char *api_key;     /* NULL = no auth */
    const char *record_path;
    const char *tls_cert, *tls_key;
    int64_t latency_ns, jitter_ns;
    uint64_t seed;
    double reject_rate, error_rate, drop_rate, stall_rate;
    uint32_t rate_limit;     /* per trailing second, 0 = none */
    uint64_t fill_every;     /* every Nth order recorded is filled at once; 0 = none */
    size_t max_body;
} mock_config_t;

typedef struct mock_server {
    const mock_config_t *cfg;
    uv_loop_t *loop;
    uint64_t start_ns;
    uint64_t rng;
    mock_book_t book;
    FILE *record;
    int record_dirty;
    uint64_t connections; /* accepted since start (warm-up tests count them); /reset keeps it */
} mock_server_t;

/* Set up H2O on the server's loop and listen; prints the address line.
 * Returns 0 or a negative errno-style code (message already on stderr). */
int mock_http_start(mock_server_t *srv);

/* Flush --record output; called once per loop iteration (routes.c). */
void mock_flush_record(mock_server_t *srv);

#endif
