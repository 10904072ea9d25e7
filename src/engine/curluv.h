/* libcurl's multi_socket API on a libuv loop (after curl's
 * docs/examples/multi-uv.c, without its globals and its 1 ms clamp): a
 * poll handle per libcurl socket, one timer, an idle handle for "now".
 * Knows nothing of transfers: after each action it calls after_action,
 * and when its last handle has closed, closed. Not installed. */
#ifndef SALVO_ENGINE_CURLUV_H
#define SALVO_ENGINE_CURLUV_H

#include <stddef.h>

#include <curl/curl.h>
#include <uv.h>

#include "queue.h"

typedef struct salvo_curluv_sock salvo_curluv_sock_t;

typedef struct salvo_curluv {
    uv_loop_t *loop;
    CURLM *multi;
    uv_timer_t timer;           /* CURLMOPT_TIMERFUNCTION */
    uv_idle_t kick;             /* a zero timeout: act on the next loop turn */
    salvo_curluv_sock_t **socks; /* by descriptor */
    size_t nsocks, nconns;
    salvo_curluv_sock_t *pool;  /* made up front: see curluv.c */
    salvo_queue_t free_socks;
    int handles, closing;
    void (*after_action)(void *ud); /* read what libcurl finished */
    void (*closed)(void *ud);       /* the last handle has closed */
    void *ud;
} salvo_curluv_t;

/* Take over multi's socket and timer callbacks. max_sockets: how many
 * sockets may be open at once (poll handles are made up front). 0 or
 * -ENOMEM / -EINVAL. */
int salvo_curluv_init(salvo_curluv_t *g, uv_loop_t *loop, CURLM *multi, size_t max_sockets,
                      void (*after_action)(void *), void (*closed)(void *), void *ud);

/* CURLOPT_SOCKOPTFUNCTION, with the glue as its data: a connection's
 * socket, which CURLOPT_CLOSESOCKETFUNCTION will see go (see curluv.c). */
int salvo_curluv_sockopt(void *g, curl_socket_t fd, curlsocktype purpose);

/* CURLOPT_CLOSESOCKETFUNCTION, with the glue as its data: the socket's
 * poll handle goes first. */
int salvo_curluv_close_socket(void *g, curl_socket_t fd);

/* After curl_multi_cleanup (which closes the sockets): close the timer and
 * idle handle; closed() follows once every handle is gone. */
void salvo_curluv_close(salvo_curluv_t *g);

#endif
