/* A raw HTTP/1.1 server that misbehaves on cue, for answers no real server
 * library would send: a 200 with a header past libcurl's limit, a garbage
 * status line, a 200 that names nothing, Retry-After beyond every bound
 * (under a 503, retryafter:V, or a 429, ratelimit:V), a GET that never
 * answers (stallget: --at's warm-up against a stalled clock endpoint),
 * a 401 that echoes the whole request back (credentials included), an
 * answer that says the connection stays open before it is closed
 * (keepclose: a kept-alive connection the server then drops while idle).
 *
 *   fault_server MODE PORTFILE LOGFILE
 *
 * It reads each request whole (headers, then Content-Length bytes), logs
 * "METHOD PATH" to LOGFILE, answers per MODE, and closes the connection
 * (a stalled one stays open, unanswered, until the client closes it).
 * Single-threaded, poll(2); one request per connection. For tests only. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAXC 256

typedef struct conn {
    int fd;
    char buf[65536];
    size_t len;
    int stalled; /* its request is held unanswered */
} conn_t;

static const char *mode;
static FILE *reqlog;

static void send_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;
        p += w, n -= (size_t)w;
    }
}

static void reply(int fd, const char *status, const char *extra, const char *body)
{
    char head[1024];
    int n = snprintf(head, sizeof head, "HTTP/1.1 %s\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n%s"
                     "%s\r\n", status, strlen(body), extra,
                     strcmp(mode, "keepclose") == 0 ? "" : "Connection: close\r\n");
    send_all(fd, head, (size_t)n);
    send_all(fd, body, strlen(body));
}

/* A 401 whose JSON body repeats the request, headers and body, as a
 * careless broker's error page does: {"msg": "<the request>", "code": 401}. */
static void echo_request(int fd, const char *req, size_t len)
{
    static char body[4 * 65536 + 64];
    size_t n = (size_t)snprintf(body, sizeof body, "{\"msg\":\"");
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)req[i];
        if (c == '"' || c == '\\')
            n += (size_t)snprintf(body + n, sizeof body - n, "\\%c", c);
        else if (c < 0x20)
            n += (size_t)snprintf(body + n, sizeof body - n, "\\u%04x", c);
        else
            body[n++] = (char)c;
    }
    snprintf(body + n, sizeof body - n, "\",\"code\":401}");
    reply(fd, "401 Unauthorized", "", body);
}

/* 1 when the request is held unanswered (the connection stays open). */
static int answer(int fd, const char *method, const char *path)
{
    if (strcmp(mode, "stallget") == 0 && strcmp(method, "GET") == 0)
        return 1;
    if (strcmp(mode, "bigheader") == 0) {
        /* A 200 whose header is past libcurl's limit: it was answered. */
        const char *h = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Big: ";
        send_all(fd, h, strlen(h));
        static char big[200 * 1024];
        memset(big, 'a', sizeof big);
        send_all(fd, big, sizeof big);
        send_all(fd, "\r\n\r\n{}", 6);
    } else if (strcmp(mode, "garbage") == 0) {
        send_all(fd, "HELLO THERE\r\n\r\n", 15);
    } else if (strcmp(mode, "empty200") == 0) {
        reply(fd, "200 OK", "", strcmp(method, "GET") == 0 ? "{}" : "{\"status\":\"accepted\"}");
    } else if (strcmp(mode, "array200") == 0) {
        reply(fd, "200 OK", "", strcmp(method, "GET") == 0 ? "[]" : "{\"status\":\"accepted\"}");
    } else if (strcmp(mode, "drop") == 0 || (strncmp(mode, "drop+", 5) == 0 && strcmp(method, "POST") == 0)) {
        /* Read it, answer nothing: the order may be at the broker. */
    } else if (strcmp(mode, "drop+empty") == 0) {
        reply(fd, "200 OK", "", "{}"); /* a lookup that names nothing */
    } else if (strcmp(mode, "drop+array") == 0) {
        reply(fd, "200 OK", "", "[]");
    } else if (strncmp(mode, "retryafter:", 11) == 0) {
        char extra[128];
        snprintf(extra, sizeof extra, "Retry-After: %s\r\n", mode + 11);
        reply(fd, "503 Service Unavailable", extra, "{\"error\":\"busy\"}");
    } else if (strncmp(mode, "ratelimit:", 10) == 0) {
        char extra[128];
        snprintf(extra, sizeof extra, "Retry-After: %s\r\n", mode + 10);
        reply(fd, "429 Too Many Requests", extra, "{\"error\":\"slow down\"}");
    } else if (strncmp(mode, "status:", 7) == 0) {
        char st[64];
        snprintf(st, sizeof st, "%s Whatever", mode + 7);
        reply(fd, st, "", "{\"error\":\"no\"}");
    } else {
        reply(fd, "200 OK", "", "{\"status\":\"accepted\"}");
    }
    (void)path;
    return 0;
}

/* A whole request is in c->buf: 1 (and answered), 2 (held), or 0 for more. */
static int try_request(conn_t *c)
{
    char *end = memmem(c->buf, c->len, "\r\n\r\n", 4);
    if (end == NULL)
        return 0;
    size_t head = (size_t)(end - c->buf) + 4;
    size_t clen = 0;
    for (char *p = c->buf; p < end; p = strstr(p, "\r\n") + 2)
        if (strncasecmp(p, "Content-Length:", 15) == 0)
            clen = strtoul(p + 15, NULL, 10);
    if (c->len < head + clen)
        return 0;
    char method[16] = "", path[512] = "";
    sscanf(c->buf, "%15s %511s", method, path);
    fprintf(reqlog, "%s %s\n", method, path);
    fflush(reqlog);
    if (strcmp(mode, "echo401") == 0) {
        echo_request(c->fd, c->buf, head + clen);
        return 1;
    }
    return answer(c->fd, method, path) ? 2 : 1;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: fault_server MODE PORTFILE LOGFILE\n");
        return 2;
    }
    mode = argv[1];
    if ((reqlog = fopen(argv[3], "a")) == NULL)
        return 1;
    int ls = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof a;
    if (bind(ls, (struct sockaddr *)&a, sizeof a) < 0 || listen(ls, 128) < 0 ||
        getsockname(ls, (struct sockaddr *)&a, &alen) < 0)
        return 1;
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", argv[2]);
    FILE *pf = fopen(tmp, "w");
    if (pf == NULL)
        return 1;
    fprintf(pf, "%d\n", ntohs(a.sin_port));
    fclose(pf);
    rename(tmp, argv[2]);

    static conn_t conns[MAXC];
    for (int i = 0; i < MAXC; i++)
        conns[i].fd = -1;
    for (;;) {
        struct pollfd p[MAXC + 1];
        int map[MAXC + 1], n = 0;
        p[n] = (struct pollfd){.fd = ls, .events = POLLIN};
        map[n++] = -1;
        for (int i = 0; i < MAXC; i++)
            if (conns[i].fd >= 0) {
                p[n] = (struct pollfd){.fd = conns[i].fd, .events = POLLIN};
                map[n++] = i;
            }
        if (poll(p, (nfds_t)n, -1) < 0 && errno != EINTR)
            return 1;
        for (int k = 0; k < n; k++) {
            if (!(p[k].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            if (map[k] < 0) {
                int fd = accept(ls, NULL, NULL);
                int i = 0;
                while (fd >= 0 && i < MAXC && conns[i].fd >= 0)
                    i++;
                if (fd >= 0 && i == MAXC)
                    close(fd);
                else if (fd >= 0)
                    conns[i].fd = fd, conns[i].len = 0, conns[i].stalled = 0;
                continue;
            }
            conn_t *c = &conns[map[k]];
            ssize_t r = read(c->fd, c->buf + (c->stalled ? 0 : c->len), sizeof c->buf - (c->stalled ? 0 : c->len));
            if (c->stalled && r > 0)
                continue; /* held: whatever more comes is not read as a request */
            if (r > 0)
                c->len += (size_t)r;
            int t = r > 0 ? try_request(c) : 0;
            c->stalled = t == 2;
            if (r <= 0 || t == 1 || c->len == sizeof c->buf) {
                if (r > 0 && strcmp(mode, "drop") == 0)
                    shutdown(c->fd, SHUT_RDWR);
                close(c->fd);
                c->fd = -1;
            }
        }
    }
}
