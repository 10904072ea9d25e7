/* See curluv.h. */
#include "curluv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "util.h"

/* The poll handle of one libcurl socket: it lives as long as the socket,
 * not one transfer (libcurl says REMOVE after each answer on a kept-alive
 * connection; making the handle anew per order cost a malloc, an ioctl
 * and epoll calls).
 *
 * REMOVE of a connection's socket watched for reading leaves it watched,
 * unreferenced (it keeps no loop alive): the next order on that
 * connection wants reading again, and each stop and start was an
 * epoll_ctl (three an order, one of them a DEL that failed). The first
 * event libcurl did not ask for stops it: a kept-alive connection speaks
 * only when the server closes it, and libcurl finds that out by itself
 * before reusing it. Only a connection's socket (salvo_curluv_sockopt):
 * salvo's close callback sees it go. Any other descriptor libcurl
 * watches (its resolver thread's wake-up) it closes itself right after
 * REMOVE, so its handle goes at REMOVE: left watching, a descriptor
 * closed under it aborted libuv, and its number, reused, was refused. */
struct salvo_curluv_sock {
    uv_poll_t poll;
    curl_socket_t fd;
    int events;          /* what the poll handle watches now */
    int wanted;          /* what libcurl asked for (0 after REMOVE) */
    int conn;            /* a connection's socket: closed through salvo */
    salvo_curluv_t *g;
    salvo_queue_t qlink; /* on free_socks while unused */
    int pooled;          /* from the pool (else malloc'd) */
};
typedef salvo_curluv_sock_t sock_t;

static void socket_action(salvo_curluv_t *g, curl_socket_t fd, int flags)
{
    int running;
    curl_multi_socket_action(g->multi, fd, flags, &running);
    g->after_action(g->ud);
}

static void on_poll(uv_poll_t *p, int status, int events)
{
    sock_t *s = p->data;
    if (s->wanted == 0) { /* see sock_t */
        uv_poll_stop(&s->poll);
        s->events = 0;
        return;
    }
    int flags = 0;
    if (status < 0) { /* libuv has stopped the handle */
        s->events = 0;
        flags = CURL_CSELECT_ERR;
    }
    else {
        if (events & UV_READABLE)
            flags |= CURL_CSELECT_IN;
        if (events & UV_WRITABLE)
            flags |= CURL_CSELECT_OUT;
    }
    socket_action(s->g, s->fd, flags);
}

/* The glue goes with the last of its handles. */
static void handle_gone(salvo_curluv_t *g)
{
    if (--g->handles == 0 && g->closing) {
        free(g->socks);
        free(g->pool);
        g->socks = NULL;
        g->pool = NULL;
        g->closed(g->ud);
    }
}

static void on_handle_closed(uv_handle_t *handle) { handle_gone(handle->data); }

static void release_sock(salvo_curluv_t *g, sock_t *s)
{
    if (s->pooled)
        salvo_queue_insert_head(&g->free_socks, &s->qlink);
    else
        free(s);
}

static void free_sock(uv_handle_t *handle)
{
    sock_t *s = handle->data;
    salvo_curluv_t *g = s->g;
    release_sock(g, s);
    handle_gone(g);
}

static sock_t *sock_alloc(salvo_curluv_t *g)
{
    salvo_queue_t *q = salvo_queue_pop_head(&g->free_socks);
    if (q != NULL)
        return SALVO_QUEUE_DATA(q, sock_t, qlink);
    return calloc(1, sizeof(sock_t)); /* past the pool: happy eyeballs, a burst of closes */
}

static sock_t *sock_for(salvo_curluv_t *g, curl_socket_t fd)
{
    if ((size_t)fd >= g->nsocks) {
        size_t old = g->nsocks;
        if (salvo_grow((void **)&g->socks, &g->nsocks, (size_t)fd + 1, sizeof *g->socks) < 0)
            return NULL;
        memset(g->socks + old, 0, (g->nsocks - old) * sizeof *g->socks);
    }
    sock_t *s = g->socks[fd];
    if (s != NULL)
        return s;
    if ((s = sock_alloc(g)) == NULL)
        return NULL;
    if (uv_poll_init_socket(g->loop, &s->poll, fd) != 0) {
        release_sock(g, s);
        return NULL;
    }
    s->events = s->wanted = s->conn = 0;
    s->fd = fd;
    s->g = g;
    s->poll.data = s;
    g->socks[fd] = s;
    g->handles++;
    return s;
}

/* The handle goes; the descriptor is its owner's to close. */
static void sock_close(salvo_curluv_t *g, sock_t *s)
{
    g->socks[s->fd] = NULL;
    if (s->conn)
        g->nconns--;
    uv_close((uv_handle_t *)&s->poll, free_sock);
}

/* libcurl is done with a connection's socket for now: keep watching it for
 * reading, unreferenced (see sock_t); a writable socket would wake the
 * loop at once. Any other descriptor's handle goes. */
static void sock_unwant(salvo_curluv_t *g, sock_t *s)
{
    if (!s->conn) {
        sock_close(g, s);
        return;
    }
    if (s->wanted == 0)
        return;
    s->wanted = 0;
    if (s->events & UV_WRITABLE) {
        uv_poll_stop(&s->poll);
        s->events = 0;
    }
    uv_unref((uv_handle_t *)&s->poll);
}

/* Change what a socket's poll handle watches only when it changes: each
 * change is an epoll_ctl. */
static int on_curl_socket(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
    (void)easy;
    (void)socketp;
    salvo_curluv_t *g = userp;
    int events = 0;
    if (what & CURL_POLL_IN)
        events |= UV_READABLE;
    if (what & CURL_POLL_OUT)
        events |= UV_WRITABLE;
    sock_t *s = (size_t)fd < g->nsocks ? g->socks[fd] : NULL;
    if (what == CURL_POLL_REMOVE) {
        if (s != NULL)
            sock_unwant(g, s);
        return 0;
    }
    if (s == NULL && (s = sock_for(g, fd)) == NULL)
        return -1;
    if (s->wanted == 0)
        uv_ref((uv_handle_t *)&s->poll);
    s->wanted = events;
    if (s->events != events || !uv_is_active((uv_handle_t *)&s->poll)) {
        if (uv_poll_start(&s->poll, events, on_poll) < 0)
            return -1;
        s->events = events;
    }
    return 0;
}

int salvo_curluv_sockopt(void *userp, curl_socket_t fd, curlsocktype purpose)
{
    salvo_curluv_t *g = userp;
    if (purpose != CURLSOCKTYPE_IPCXN)
        return CURL_SOCKOPT_OK;
    sock_t *s = sock_for(g, fd);
    if (s == NULL)
        return CURL_SOCKOPT_ERROR;
    if (!s->conn)
        g->nconns++;
    s->conn = 1;
    return CURL_SOCKOPT_OK;
}

int salvo_curluv_close_socket(void *userp, curl_socket_t fd)
{
    salvo_curluv_t *g = userp;
    if ((size_t)fd < g->nsocks && g->socks[fd])
        sock_close(g, g->socks[fd]);
    return close(fd);
}

static void on_curl_timeout(uv_timer_t *t) { socket_action(t->data, CURL_SOCKET_TIMEOUT, 0); }

static void on_curl_kick(uv_idle_t *i)
{
    uv_idle_stop(i);
    socket_action(i->data, CURL_SOCKET_TIMEOUT, 0);
}

static int on_curl_timer(CURLM *multi, long timeout_ms, void *userp)
{
    (void)multi;
    salvo_curluv_t *g = userp;
    if (timeout_ms < 0) {
        uv_timer_stop(&g->timer);
    } else if (timeout_ms == 0) {
        /* Act on the next turn, from an idle handle: restarting a timer at 0
         * from inside its own callback spins on libuv < 1.48. */
        uv_timer_stop(&g->timer);
        uv_idle_start(&g->kick, on_curl_kick);
    } else {
        uv_timer_start(&g->timer, on_curl_timeout, (uint64_t)timeout_ms, 0);
    }
    return 0;
}

/* Room for every socket libcurl may open, and a table by descriptor as
 * large as descriptors can be: nothing to allocate in a socket callback.
 * (When one could not get memory, libcurl 7.88 crashed later, in
 * curl_multi_socket_action: found by failing each allocation in turn.) */
static int make_room(salvo_curluv_t *g, size_t max_sockets)
{
    struct rlimit rl;
    size_t nfd = getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < (1u << 22)
                     ? (size_t)rl.rlim_cur
                     : max_sockets + 1024;
    g->pool = calloc(max_sockets, sizeof *g->pool);
    g->socks = calloc(nfd, sizeof *g->socks);
    if (g->pool == NULL || g->socks == NULL)
        return -ENOMEM;
    g->nsocks = nfd;
    for (size_t i = 0; i < max_sockets; i++) {
        g->pool[i].pooled = 1;
        salvo_queue_insert_tail(&g->free_socks, &g->pool[i].qlink);
    }
    return 0;
}

int salvo_curluv_init(salvo_curluv_t *g, uv_loop_t *loop, CURLM *multi, size_t max_sockets,
                      void (*after_action)(void *), void (*closed)(void *), void *ud)
{
    memset(g, 0, sizeof *g);
    g->loop = loop;
    g->multi = multi;
    g->after_action = after_action;
    g->closed = closed;
    g->ud = ud;
    salvo_queue_init(&g->free_socks);
    uv_timer_init(loop, &g->timer);
    uv_idle_init(loop, &g->kick);
    g->timer.data = g->kick.data = g;
    g->handles = 2;
    if (make_room(g, max_sockets) < 0)
        return -ENOMEM;
    int rc = curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, on_curl_socket) != CURLM_OK;
    rc |= curl_multi_setopt(multi, CURLMOPT_SOCKETDATA, g) != CURLM_OK;
    rc |= curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, on_curl_timer) != CURLM_OK;
    rc |= curl_multi_setopt(multi, CURLMOPT_TIMERDATA, g) != CURLM_OK;
    return rc ? -EINVAL : 0;
}

void salvo_curluv_close(salvo_curluv_t *g)
{
    g->closing = 1;
    uv_close((uv_handle_t *)&g->timer, on_handle_closed);
    uv_close((uv_handle_t *)&g->kick, on_handle_closed);
}
