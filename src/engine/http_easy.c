/* One transfer's options on a pooled easy handle: what the handle keeps
 * across orders, where each order goes and with what body, and the
 * callbacks that see it go (its answer's bytes, the wire trace, libcurl's
 * own resends). The pool and the answers are http.c's. */
#include <string.h>

#include "http_int.h"
#include "parse.h"
#include "util.h"

static size_t on_response(char *data, size_t size, size_t nmemb, void *ud)
{
    slot_t *s = ud;
    size_t n = size * nmemb;
    size_t room = sizeof s->resp - s->resp_len;
    if (n > room)
        s->resp_over = 1;
    memcpy(s->resp + s->resp_len, data, n < room ? n : room);
    s->resp_len += n < room ? n : room;
    return n;
}

/* salvo/engine.h's enum salvo_wire_kind is curl_infotype's order: kind passes as it is. */
_Static_assert((int)SALVO_WIRE_TEXT == (int)CURLINFO_TEXT && (int)SALVO_WIRE_HEADER_IN == (int)CURLINFO_HEADER_IN &&
                   (int)SALVO_WIRE_HEADER_OUT == (int)CURLINFO_HEADER_OUT &&
                   (int)SALVO_WIRE_DATA_IN == (int)CURLINFO_DATA_IN && (int)SALVO_WIRE_DATA_OUT == (int)CURLINFO_DATA_OUT &&
                   (int)SALVO_WIRE_TLS_IN == (int)CURLINFO_SSL_DATA_IN &&
                   (int)SALVO_WIRE_TLS_OUT == (int)CURLINFO_SSL_DATA_OUT,
               "enum salvo_wire_kind follows curl_infotype");

static int on_debug(CURL *easy, curl_infotype kind, char *data, size_t size, void *ud)
{
    (void)easy;
    slot_t *s = ud;
    http_t *h = s->h;
    h->on_wire(h->wire_ud, s->index, s->job ? s->job->order.client_order_id : NULL, (int)kind, data, size);
    return 0;
}

/* libcurl calls this each time it is about to send the request, so a
 * second call is a resend of its own: after a reused connection died
 * (it may have delivered the first copy), or an HTTP/2 stream was refused
 * (GOAWAY). This is how salvo knows of libcurl's silent resends. */
static int on_prereq(void *ud, char *primary_ip, char *local_ip, int primary_port, int local_port)
{
    (void)primary_ip, (void)local_ip, (void)primary_port, (void)local_port;
    slot_t *s = ud;
    if (s->sends++ == 0)
        s->sent_unix_us = salvo_unix_us();
    return CURL_PREREQFUNC_OK;
}



/* The order URL goes as the handle parsed once (http.c): libcurl then
 * skips parsing its text again for every order (3.5% of a bare libcurl
 * loop's instructions an order, callgrind). Any other URL goes as text,
 * with the parsed handle unset, which would take precedence. */
static int set_url(slot_t *s, const char *url)
{
    CURL *easy = s->easy;
    int rc = 0;
    CURLU *parsed = url == s->h->cfg->url ? s->h->url : NULL;
    if (parsed != NULL || s->parsed_url)
        SET(CURLOPT_CURLU, parsed);
    s->parsed_url = parsed != NULL;
    if (parsed == NULL)
        SET(CURLOPT_URL, url);
    return rc;
}

static int set_post(slot_t *s)
{
    CURL *easy = s->easy;
    const salvo_config_t *c = s->h->cfg;
    int rc = set_url(s, c->url);
    if (salvo_sends_no_body(c)) { /* no Content-Length a strict server would refuse */
        SET(CURLOPT_HTTPGET, 1L);
        SET(CURLOPT_CUSTOMREQUEST, strcmp(c->method, "GET") == 0 ? NULL : c->method);
        return rc;
    }
    SET(CURLOPT_POST, 1L);
    if (c->method && strcmp(c->method, "POST") != 0)
        SET(CURLOPT_CUSTOMREQUEST, c->method);
    return rc;
}

/* The request's body, by pointer (it lives with the job until its result):
 * libcurl sends a small one with the headers, in one write. A cancel's or
 * lookup's GET or DELETE sends none (a send's --method DELETE sends what
 * its template makes, as before). */
static int set_body(CURL *easy, const salvo_config_t *c, const char *body, size_t len)
{
    int rc = 0;
    if (salvo_sends_no_body(c))
        return rc;
    SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    SET(CURLOPT_POSTFIELDS, body ? body : "");
    return rc;
}

/* Every option the pooled handle keeps across orders. */
static int slot_options(http_t *h, slot_t *s)
{
    const salvo_config_t *c = h->cfg;
    CURL *easy = s->easy;
    s->parsed_url = 0; /* a new or reset handle */
    int rc = set_post(s);
    s->easy_get = 0;
    SET(CURLOPT_PREREQFUNCTION, on_prereq);
    SET(CURLOPT_PREREQDATA, s);
    SET(CURLOPT_PRIVATE, s);
    SET(CURLOPT_NOSIGNAL, 1L);
    SET(CURLOPT_WRITEFUNCTION, on_response);
    SET(CURLOPT_WRITEDATA, s);
    SET(CURLOPT_ERRORBUFFER, s->errbuf);
    SET(CURLOPT_FOLLOWLOCATION, 0L); /* Authorization must not follow a redirect */
    SET(CURLOPT_PATH_AS_IS, 1L); /* the path as the dry run shows it and a profile signs it: no "/../" dropped */
    SET(CURLOPT_TIMEOUT_MS, (long)(c->timeout_ns / SALVO_NS_PER_MS));
    SET(CURLOPT_CONNECTTIMEOUT_MS, (long)(c->connect_timeout_ns / SALVO_NS_PER_MS));
    SET(CURLOPT_TCP_NODELAY, 1L);
    /* libcurl 8 callocs a send buffer of this size for every transfer and
     * frees it after (64 KB by default): zeroing it, and the page faults of
     * the heap top glibc gave back, were most of a burst's time at the open
     * (64 orders: 11 ms on the wire instead of 3). An order is far smaller;
     * a larger body still goes, in pieces. 16 KB is libcurl's minimum. */
    SET(CURLOPT_UPLOAD_BUFFERSIZE, 16384L);
    SET(CURLOPT_SOCKOPTFUNCTION, salvo_curluv_sockopt);
    SET(CURLOPT_SOCKOPTDATA, &h->glue);
    SET(CURLOPT_CLOSESOCKETFUNCTION, salvo_curluv_close_socket);
    SET(CURLOPT_CLOSESOCKETDATA, &h->glue);
    SET(CURLOPT_HTTP_VERSION, c->http2 ? (long)CURL_HTTP_VERSION_2TLS : (long)CURL_HTTP_VERSION_1_1);
    if (c->no_reuse)
        SET(CURLOPT_FORBID_REUSE, 1L);
    if (c->insecure) {
        SET(CURLOPT_SSL_VERIFYPEER, 0L);
        SET(CURLOPT_SSL_VERIFYHOST, 0L);
    }
    if (c->cacert)
        SET(CURLOPT_CAINFO, c->cacert);
    if (c->warm) /* warmed before a start time: libcurl must not retire them as idle (118 s) */
        SET(CURLOPT_MAXAGE_CONN, 3600L);
    if (h->on_wire) {
        SET(CURLOPT_DEBUGFUNCTION, on_debug);
        SET(CURLOPT_DEBUGDATA, s);
        SET(CURLOPT_VERBOSE, 1L);
    }
    return rc ? -EINVAL : 0;
}

int salvo_http_slot_setup(http_t *h, slot_t *s)
{
    if ((s->easy = curl_easy_init()) == NULL)
        return -ENOMEM;
    return slot_options(h, s);
}

int salvo_http_slot_reset(http_t *h, slot_t *s)
{
    curl_easy_reset(s->easy);
    s->needs_reset = 0;
    return slot_options(h, s);
}

int salvo_http_slot_aim(slot_t *s, const salvo_job_t *j)
{
    CURL *easy = s->easy;
    int rc = 0;
    if (j->mode == JOB_LOOKUP || j->mode == JOB_WARM) {
        SET(CURLOPT_HTTPGET, 1L);
        SET(CURLOPT_CUSTOMREQUEST, NULL);
        rc |= set_url(s, j->lookup_url);
        SET(CURLOPT_HTTPHEADER, s->h->headers);
        s->easy_get = 1;
        return rc;
    }
    if (s->easy_get)
        rc |= set_post(s);
    else if (s->own_url) /* back to the configured URL */
        rc |= set_url(s, s->h->cfg->url);
    s->easy_get = 0;
    s->own_url = 0;
    if (j->has_wire) { /* a profile's signed request: URL, headers and body as signed */
        rc |= set_url(s, j->wire.url.p);
        SET(CURLOPT_HTTPHEADER, j->wire.nh ? &j->hnodes[0] : j->idem_node.data ? &j->idem_node : s->h->headers);
        rc |= set_body(easy, s->h->cfg, j->wire.body.p, j->wire.body_len);
        s->own_url = 1;
        return rc;
    }
    if (j->order.target && j->order.target[0]) {
        rc |= set_url(s, j->order.target);
        s->own_url = 1;
    }
    SET(CURLOPT_HTTPHEADER, j->idem_node.data ? &j->idem_node : s->h->headers);
    return rc | set_body(easy, s->h->cfg, j->order.body, j->order.body_len);
}
