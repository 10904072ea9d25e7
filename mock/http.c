/* salvo-mock's HTTP front: H2O on libuv, plain or TLS, listening where
 * --listen says and telling where it ended up (stdout, --port-file). What
 * a request gets is routes.c's to decide. */
#include "mock.h"
#include "routes.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <h2o.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

static h2o_globalconf_t g_config;
static h2o_context_t g_ctx;
static h2o_accept_ctx_t g_accept_ctx;
static uv_tcp_t g_listener;

static void on_accept(uv_stream_t *listener, int status)
{
    if (status != 0)
        return;
    uv_tcp_t *conn = h2o_mem_alloc(sizeof *conn);
    uv_tcp_init(listener->loop, conn);
    if (uv_accept(listener, (uv_stream_t *)conn) != 0) {
        uv_close((uv_handle_t *)conn, (uv_close_cb)free);
        return;
    }
    uv_tcp_nodelay(conn, 1); /* answers are small: never wait for Nagle */
    ((mock_server_t *)listener->data)->connections++;
    h2o_accept(&g_accept_ctx, h2o_uv_socket_create((uv_stream_t *)conn, (uv_close_cb)free));
}

static int parse_listen(const char *spec, struct sockaddr_storage *ss)
{
    char host[256];
    const char *colon = strrchr(spec, ':');
    if (colon == NULL || (size_t)(colon - spec) >= sizeof host)
        return -EINVAL;
    memcpy(host, spec, (size_t)(colon - spec));
    host[colon - spec] = '\0';
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (*end != '\0' || colon[1] == '\0' || port < 0 || port > 65535)
        return -EINVAL;
    if (host[0] == '[' && host[strlen(host) - 1] == ']') {
        host[strlen(host) - 1] = '\0';
        return uv_ip6_addr(host + 1, (int)port, (struct sockaddr_in6 *)ss);
    }
    return uv_ip4_addr(host[0] ? host : "127.0.0.1", (int)port, (struct sockaddr_in *)ss);
}

static int setup_tls(const mock_config_t *c)
{
    SSL_CTX *ssl = SSL_CTX_new(TLS_server_method());
    if (ssl == NULL || SSL_CTX_use_certificate_chain_file(ssl, c->tls_cert) != 1 ||
        SSL_CTX_use_PrivateKey_file(ssl, c->tls_key, SSL_FILETYPE_PEM) != 1) {
        fprintf(stderr, "salvo-mock: cannot load --tls-cert %s / --tls-key %s\n", c->tls_cert, c->tls_key);
        SSL_CTX_free(ssl);
        return -EINVAL;
    }
    h2o_ssl_register_alpn_protocols(ssl, h2o_http2_alpn_protocols);
    g_accept_ctx.ssl_ctx = ssl;
    return 0;
}

static int write_port_file(const char *path, int port)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (f == NULL)
        return -errno;
    fprintf(f, "%d\n", port);
    if (fclose(f) != 0 || rename(tmp, path) != 0) /* rename: readers never see half a file */
        return -errno;
    return 0;
}

int mock_http_start(mock_server_t *s)
{
    const mock_config_t *c = s->cfg;
    struct sockaddr_storage addr;
    int r;

    h2o_config_init(&g_config);
    g_config.max_request_entity_size = c->max_body;
    h2o_hostconf_t *host = h2o_config_register_host(&g_config, h2o_iovec_init(H2O_STRLIT("default")), 65535);
    h2o_pathconf_t *pc = h2o_config_register_path(host, "/", 0);
    mock_routes_add(pc, s);
    h2o_context_init(&g_ctx, s->loop, &g_config);
    g_accept_ctx.ctx = &g_ctx;
    g_accept_ctx.hosts = g_config.hosts;
    if (c->tls_cert && (r = setup_tls(c)) < 0)
        return r;

    if ((r = parse_listen(c->listen, &addr)) < 0) {
        fprintf(stderr, "salvo-mock: --listen %s: expected HOST:PORT\n", c->listen);
        return r;
    }
    uv_tcp_init(s->loop, &g_listener);
    g_listener.data = s; /* on_accept counts its connections */
    if ((r = uv_tcp_bind(&g_listener, (struct sockaddr *)&addr, 0)) != 0 ||
        (r = uv_listen((uv_stream_t *)&g_listener, 4096, on_accept)) != 0) {
        fprintf(stderr, "salvo-mock: cannot listen on %s: %s\n", c->listen, uv_strerror(r));
        return r;
    }
    struct sockaddr_storage bound;
    int blen = sizeof bound;
    uv_tcp_getsockname(&g_listener, (struct sockaddr *)&bound, &blen);
    char ip[64];
    int port;
    if (bound.ss_family == AF_INET6) {
        uv_ip6_name((struct sockaddr_in6 *)&bound, ip + 1, sizeof ip - 2);
        ip[0] = '[';
        strcat(ip, "]");
        port = ntohs(((struct sockaddr_in6 *)&bound)->sin6_port);
    } else {
        uv_ip4_name((struct sockaddr_in *)&bound, ip, sizeof ip);
        port = ntohs(((struct sockaddr_in *)&bound)->sin_port);
    }
    printf("listening on %s://%s:%d\n", c->tls_cert ? "https" : "http", ip, port);
    fflush(stdout);
    if (c->port_file && (r = write_port_file(c->port_file, port)) < 0) {
        fprintf(stderr, "salvo-mock: --port-file %s: %s\n", c->port_file, strerror(-r));
        return r;
    }
    return 0;
}
